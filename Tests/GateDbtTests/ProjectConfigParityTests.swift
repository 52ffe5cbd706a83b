import DbtImpact
import Foundation
import GateModel
import Testing
@testable import DbtFiles
@testable import GateDbt

/// Edits to `dbt_project.yml` — folder-level `models:` configs, `models: <package>:` configs of an
/// installed package's models, and `vars:` read by a model's `config()` — with the verdicts of
/// dbt-core 1.11.16 (`ci/bench/oracle/edit_matrix.py` makes the same edits and prints dbt's
/// `state:modified+` next to the gate's set): every folder config but `tags`/`group` modifies the
/// folder's models (and `+enabled: false` removes the model from dbt's graph); a package model's
/// `+materialized`/`+meta` set from the root project modifies it, its `+tags` do not; a var read
/// by `config()` modifies the model, a var read in the body does not (dbt compares the file).
@Suite struct ProjectConfigParityTests {
    static let folders: [(folder: String, base: String, head: String)] = [
        ("f_mat", "+materialized: view", "+materialized: table"),
        ("f_schema", "+schema: a", "+schema: b"),
        ("f_alias", "+alias: a1", "+alias: a2"),
        ("f_enabled", "+enabled: true", "+enabled: false"),
        ("f_contract", "+contract: {enforced: false}", "+contract: {enforced: true}"),
        ("f_persist", "+persist_docs: {relation: false}", "+persist_docs: {relation: true}"),
        ("f_prehook", "+pre-hook: 'select 1'", "+pre-hook: 'select 2'"),
        ("f_docs", "+docs: {show: true}", "+docs: {show: false}"),
        ("f_meta", "+meta: {k: 1}", "+meta: {k: 2}"),
        ("f_fullrefresh", "+full_refresh: false", "+full_refresh: true"),
        ("f_oss", "+on_schema_change: ignore", "+on_schema_change: fail"),
        ("f_database", "+database: d1", "+database: d2"),
        ("f_same", "+materialized: view", "+materialized: view"),
    ]
    static let packageModels: [(model: String, base: String, head: String)] = [
        ("pkg_mat", "+materialized: view", "+materialized: table"),
        ("pkg_meta", "+meta: {k: 1}", "+meta: {k: 2}"),
        ("pkg_tags", "+tags: [a]", "+tags: [b]"),
        ("pkg_same", "+materialized: view", "+materialized: view"),
    ]

    static func files(_ side: String) -> [String: String] {
        let head = side == "head"
        var project = "name: shop\nvars: {x: \(head ? 2 : 1), mat_var: \(head ? "table" : "view")}\nmodels:\n  shop:\n"
        for entry in folders { project += "    \(entry.folder): {\(head ? entry.head : entry.base)}\n" }
        project += "  pkg:\n"
        for entry in packageModels { project += "    \(entry.model): {\(head ? entry.head : entry.base)}\n" }
        var files = ["dbt_project.yml": project, "dbt_packages/pkg/dbt_project.yml": "name: pkg\n"]
        for entry in folders {
            files["models/\(entry.folder)/\(entry.folder)_m.sql"] = "select 1 as id\n"
            if entry.folder != "f_enabled" { files["models/from_\(entry.folder).sql"] = "select * from {{ ref('\(entry.folder)_m') }}\n" }
        }
        for entry in packageModels {
            files["dbt_packages/pkg/models/\(entry.model).sql"] = "select 1 as id\n"
            files["models/from_\(entry.model).sql"] = "select * from {{ ref('pkg', '\(entry.model)') }}\n"
        }
        files["models/m_var.sql"] = "select {{ var('x') }} as id\n"
        files["models/m_var_cfg.sql"] = "{{ config(materialized=var('mat_var')) }}\nselect 1 as id\n"
        files["models/m_var_unused.sql"] = "{{ config(materialized='view') }}\nselect 1 as id\n"
        return files
    }

    @Test func projectConfigEditsModifyWhatDbtSelects() throws {
        let base = try DbtProject.load(tree: MemoryTree(Self.files("base")), settings: DbtSettings())
        let head = try DbtProject.load(tree: MemoryTree(Self.files("head")), settings: DbtSettings())
        let result = try SemanticDiff.compare(base: base, head: head, changes: changeSet(modified("dbt_project.yml")))
        let built = result.changes.filter { !$0.documentationOnly && $0.status != .deleted }
        let graph = try DbtProject.lineageGraph(changes: built, base: base, head: head)
        var selected = Set(built.map(\.name))
        for change in built {
            selected.formUnion(graph.downstream(of: change.head?.uniqueId ?? "").nodes.filter { $0.type == "model" }.map(\.name))
        }
        let changedFolders = Self.folders.map(\.folder).filter { !["f_same", "f_enabled"].contains($0) }
        let expected = changedFolders.flatMap { ["\($0)_m", "from_\($0)"] } + ["pkg_mat", "from_pkg_mat", "pkg_meta", "from_pkg_meta", "m_var_cfg"]
        #expect(selected.sorted() == expected.sorted(), "\(result.changes.summary)")
        // A folder that disables its model: the model is gone from dbt's graph (MODEL_NO_DELETE's case).
        #expect(result.changes[model: "f_enabled_m"]?.status == .deleted)
        #expect(result.changes[model: "pkg_mat"]?.head?.uniqueId == "model.pkg.pkg_mat")
        #expect(result.changes[model: "pkg_tags"] == nil)
    }
}
