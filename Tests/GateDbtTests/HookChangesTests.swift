import DbtImpact
import Foundation
import GateModel
import Testing
@testable import DbtFiles
@testable import GateDbt

/// A macro edit modifies every model whose `pre-hook`/`post-hook`s call it, wherever the hook is
/// set, package models included. The verdicts are dbt-core 1.11.16's (`ci/bench/oracle/
/// hook_matrix.py` builds the same project with the package installed and prints dbt's
/// `state:modified+` models per edited macro next to the gate's): `h_all` is a project-wide
/// `models: +post-hook` in the root `dbt_project.yml` and reaches every enabled model of every
/// package; `h_pkgscope` is `models: pkg: scoped:`; `h_pkgown` comes from the package's own
/// `dbt_project.yml`; `h_yaml`/`h_yaml_dash` from a property entry's `config: {post_hook:}` /
/// `{pre_hook: [...]}` (dbt stops at `pre-hook:` written with a dash in YAML: it renders it before
/// any macro exists); `h_inner` is called by `h_cfg`, the macro of a `config(post_hook=...)`. A hook
/// of plain SQL (`r_sql_hook`) depends on no macro, and `p_off`, disabled, is not in dbt's graph.
/// `h_seed`/`h_snap` are `seeds:`/`snapshots:` hooks.
@Suite struct HookChangesTests {
    static let macroNames = ["h_all", "h_folder", "h_pkgscope", "h_pkgown", "h_yaml", "h_yaml_dash", "h_cfg", "h_inner", "h_pkgyaml", "h_seed", "h_snap", "h_unused"]

    static func macros(editing edited: String?) -> String {
        macroNames.map { name in
            let body = name == "h_cfg" ? "{{ h_inner() }}" : "select 1"
            return "{% macro \(name)() %}\(body){# \(name == edited ? "edited" : "base") #}{% endmacro %}"
        }.joined(separator: "\n") + "\n"
    }

    static let files: [String: String] = [
        "dbt_project.yml": """
            name: shop
            models:
              +post-hook: ["{{ h_all() }}"]
              shop:
                hooked: {+pre-hook: "{{ h_folder() }}"}
              pkg:
                scoped: {+post-hook: "{{ h_pkgscope() }}"}
            seeds:
              +post-hook: "{{ h_seed() }}"
            snapshots:
              +post-hook: "{{ h_snap() }}"
            """,
        "seeds/s_one.csv": "id\n1\n",
        "models/r_from_seed.sql": "select * from {{ ref('s_one') }}\n",
        "snapshots/snap.sql": "{% snapshot snap %}\n{{ config(unique_key='id', strategy='check', check_cols='all') }}\nselect 1 as id\n{% endsnapshot %}\n",
        "models/r_from_snap.sql": "select * from {{ ref('snap') }}\n",
        "models/r_plain.sql": "select 1 as id\n",
        "models/hooked/r_folder.sql": "select 1 as id\n",
        "models/r_yaml.sql": "select 1 as id\n",
        "models/r_yaml_dash.sql": "select 1 as id\n",
        "models/r_cfg.sql": "{{ config(post_hook=\"{{ h_cfg() }}\") }}\nselect 1 as id\n",
        "models/r_sql_hook.sql": "{{ config(post_hook='grant select on {{ this }} to reporter') }}\nselect 1 as id\n",
        "models/r_from_pkg.sql": "select * from {{ ref('pkg', 'p_scoped') }}\n",
        "models/schema.yml": """
            version: 2
            models:
              - name: r_yaml
                config: {post_hook: "{{ h_yaml() }}"}
              - name: r_yaml_dash
                config:
                  pre_hook: ["{{ h_yaml_dash() }}"]
            """,
        "dbt_packages/pkg/dbt_project.yml": "name: pkg\nmodels:\n  pkg:\n    own: {+pre-hook: \"{{ h_pkgown() }}\"}\n",
        "dbt_packages/pkg/models/p_base.sql": "select 1 as id\n",
        "dbt_packages/pkg/models/p_child.sql": "select * from {{ ref('p_base') }}\n",
        "dbt_packages/pkg/models/scoped/p_scoped.sql": "select 1 as id\n",
        "dbt_packages/pkg/models/scoped/p_scoped_child.sql": "select * from {{ ref('p_scoped') }}\n",
        "dbt_packages/pkg/models/p_after_scoped.sql": "select * from {{ ref('p_scoped') }}\n",
        "dbt_packages/pkg/models/own/p_own.sql": "select 1 as id\n",
        "dbt_packages/pkg/models/p_yaml.sql": "select 1 as id\n",
        "dbt_packages/pkg/models/p_off.sql": "{{ config(enabled=false) }}\nselect 1 as id\n",
        "dbt_packages/pkg/models/schema.yml": "version: 2\nmodels:\n  - name: p_yaml\n    config: {post_hook: \"{{ h_pkgyaml() }}\"}\n",
    ]

    /// The models dbt's `state:modified+` would list after editing `macro`: the changed models
    /// (not documentation-only) and every model downstream of them in the check's lineage graph.
    func modifiedPlusDownstream(editing macro: String, files: [String: String] = HookChangesTests.files) throws
        -> (models: [String], changes: [ModelChange], diagnostics: [Diagnostic])
    {
        var settings = DbtSettings()
        settings.adapterType = "duckdb"
        let base = try DbtProject.load(tree: MemoryTree(files.merging(["macros/h.sql": Self.macros(editing: nil)]) { a, _ in a }), settings: settings)
        let head = try DbtProject.load(tree: MemoryTree(files.merging(["macros/h.sql": Self.macros(editing: macro)]) { a, _ in a }), settings: settings)
        let result = try SemanticDiff.compare(base: base, head: head, changes: changeSet(modified("macros/h.sql")))
        let changed = result.changes.filter { !$0.documentationOnly }
        let graph = try DbtProject.lineageGraph(changes: changed, base: base, head: head)
        var models = Set(changed.map(\.name))
        for change in changed {
            guard let id = change.head?.uniqueId else { continue }
            models.formUnion(graph.downstream(of: id).nodes.filter { $0.type == "model" }.map(\.name))
        }
        return (models.sorted(), changed, result.diagnostics)
    }

    @Test(arguments: [
        ("h_all", ["p_after_scoped", "p_base", "p_child", "p_own", "p_scoped", "p_scoped_child", "p_yaml", "r_cfg", "r_folder", "r_from_pkg",
                   "r_from_seed", "r_from_snap", "r_plain", "r_sql_hook", "r_yaml", "r_yaml_dash"]),
        ("h_folder", ["r_folder"]),
        ("h_pkgscope", ["p_after_scoped", "p_scoped", "p_scoped_child", "r_from_pkg"]),
        ("h_pkgown", ["p_own"]),
        ("h_yaml", ["r_yaml"]),
        ("h_yaml_dash", ["r_yaml_dash"]),
        ("h_cfg", ["r_cfg"]),
        ("h_inner", ["r_cfg"]),
        ("h_pkgyaml", ["p_yaml"]),
        ("h_seed", []),
        ("h_snap", []),
        ("h_unused", []),
    ])
    func aMacroEditModifiesTheModelsWhoseHooksCallItAsDbtDoes(macro: String, expected: [String]) throws {
        let found = try modifiedPlusDownstream(editing: macro)
        #expect(found.models == expected, "\(found.changes.summary)")
    }

    /// A package model is reported as the package's node, modified, at its file under
    /// `dbt_packages/`; the notice about the macro counts it with the project's models.
    @Test func aPackageModelIsModifiedAsThePackagesNode() throws {
        let found = try modifiedPlusDownstream(editing: "h_pkgscope")
        let change = try #require(found.changes[model: "p_scoped"])
        #expect(change.status == .modified)
        #expect(change.head?.uniqueId == "model.pkg.p_scoped")
        #expect(change.head?.path == "dbt_packages/pkg/models/scoped/p_scoped.sql")
        // Both models of the `scoped` folder have the hook; p_after_scoped (the package) and
        // r_from_pkg (the project) read p_scoped: downstream, not changed.
        #expect(found.changes.map(\.name) == ["p_scoped", "p_scoped_child"], "\(found.changes.summary)")
        let notices = found.diagnostics.filter { $0.message.hasPrefix("macro ") }.map(\.message)
        #expect(notices == ["macro shop.h_pkgscope changed: the 2 models that call it (p_scoped, p_scoped_child) count as changed, as dbt's state:modified counts them"])
    }

    /// The root project's `models: pkg: +enabled: false` leaves the package's models out of dbt's
    /// graph, hooks or not (r_from_pkg, which would ref a disabled model, is left out).
    @Test func aPackageModelTheRootProjectDisablesIsNotModified() throws {
        var files = Self.files
        files["dbt_project.yml"] = files["dbt_project.yml"]!.replacingOccurrences(
            of: "  pkg:\n", with: "  pkg:\n    +enabled: false\n")
        files["models/r_from_pkg.sql"] = nil
        #expect(try modifiedPlusDownstream(editing: "h_all", files: files).models
            == ["r_cfg", "r_folder", "r_from_seed", "r_from_snap", "r_plain", "r_sql_hook", "r_yaml", "r_yaml_dash"])
    }

    /// Seeds and snapshots record their hooks' macros too (`seeds:`/`snapshots:` in
    /// dbt_project.yml): dbt selects `s_one` for `h_seed` and `snap` for `h_snap`, and with them
    /// the models that read them (`r_from_seed`, `r_from_snap`; the walk from a changed seed or
    /// snapshot is the impact stage's).
    @Test(arguments: [("h_seed", ["s_one"], [String]()), ("h_snap", [], ["snap"]), ("h_all", [], []), ("h_unused", [], [])])
    func aMacroEditModifiesTheSeedsAndSnapshotsWhoseHooksCallIt(macro: String, seeds: [String], snapshots: [String]) throws {
        var settings = DbtSettings()
        settings.adapterType = "duckdb"
        let base = try DbtProject.load(tree: MemoryTree(Self.files.merging(["macros/h.sql": Self.macros(editing: nil)]) { a, _ in a }), settings: settings)
        let head = try DbtProject.load(tree: MemoryTree(Self.files.merging(["macros/h.sql": Self.macros(editing: macro)]) { a, _ in a }), settings: settings)
        #expect(try head.changedSeeds(since: base) == seeds)
        #expect(try head.changedSnapshots(since: base) == snapshots)
    }

    /// Hooks set on the node itself count as well. dbt-core 1.11.16 on this project (macros
    /// `m_seed`, `m_snap`, `m_snapyml` edited) selects `s1` (its property entry's
    /// `config: {post_hook:}`), `sn1` (its block's `config(post_hook=...)`) and `sn2` (its
    /// property entry's `config: {pre_hook:}`), not `s2`, whose hook is plain SQL.
    @Test(arguments: [("m_seed", ["s1"], [String]()), ("m_snap", [], ["sn1"]), ("m_snapyml", [], ["sn2"]), ("m_none", [], [])])
    func hooksOnTheSeedOrSnapshotItselfCount(macro: String, seeds: [String], snapshots: [String]) throws {
        let files: [String: String] = [
            "dbt_project.yml": "name: hk\n",
            "seeds/s1.csv": "id,v\n1,2\n",
            "seeds/s2.csv": "id,v\n1,2\n",
            "seeds/props.yml": """
                version: 2
                seeds:
                  - name: s1
                    config:
                      post_hook: "{{ m_seed() }}"
                  - name: s2
                    config:
                      post_hook: ["select 1"]
                """,
            "snapshots/snap.sql": """
                {% snapshot sn1 %}
                {{ config(unique_key='id', strategy='check', check_cols='all', target_schema='snap', post_hook="{{ m_snap() }}") }}
                select * from {{ ref('s2') }}
                {% endsnapshot %}
                {% snapshot sn2 %}
                {{ config(unique_key='id', strategy='check', check_cols='all', target_schema='snap') }}
                select * from {{ ref('s2') }}
                {% endsnapshot %}
                """,
            "snapshots/snaps.yml": "version: 2\nsnapshots:\n  - name: sn2\n    config:\n      pre_hook: \"{{ m_snapyml() }}\"\n",
            "models/a.sql": "select * from {{ ref('s1') }}\n",
        ]
        func macros(_ edited: String?) -> String {
            ["m_seed", "m_snap", "m_snapyml", "m_none"].map { "{% macro \($0)() %}select \($0 == edited ? 2 : 1){% endmacro %}" }
                .joined(separator: "\n")
        }
        var settings = DbtSettings()
        settings.adapterType = "duckdb"
        let base = try DbtProject.load(tree: MemoryTree(files.merging(["macros/m.sql": macros(nil)]) { a, _ in a }), settings: settings)
        let head = try DbtProject.load(tree: MemoryTree(files.merging(["macros/m.sql": macros(macro)]) { a, _ in a }), settings: settings)
        #expect(try head.changedSeeds(since: base) == seeds)
        #expect(try head.changedSnapshots(since: base) == snapshots)
    }

    /// A package model the root project disables (`models: pkg: p_after_scoped: +enabled: false`,
    /// as GitLab's project disables snowplow's session models) is not in dbt's graph: it is not
    /// downstream of the package model it reads.
    @Test func aPackageModelTheRootProjectDisablesIsNotDownstream() throws {
        var files = Self.files
        files["dbt_project.yml"] = files["dbt_project.yml"]!.replacingOccurrences(
            of: "  pkg:\n", with: "  pkg:\n    p_after_scoped: {+enabled: false}\n")
        #expect(try modifiedPlusDownstream(editing: "h_pkgscope", files: files).models == ["p_scoped", "p_scoped_child", "r_from_pkg"])
    }

    /// The root project's vars come before the package's own when dbt reads a package model
    /// (`vars: {pkg: {…}}`, as GitLab's `vars: snowplow: …` disables snowplow models): a package
    /// model whose `enabled` reads such a var is in the graph exactly when the root's value says so.
    @Test(arguments: [("vars:\n  pkg: {pkg_on: false}\n", false), ("vars:\n  pkg_on: false\n", false),
                      ("vars:\n  other: {pkg_on: false}\n", true), ("", true)])
    func aPackageModelSeesTheRootProjectsVars(vars: String, enabled: Bool) throws {
        var files = Self.files
        files["dbt_project.yml"] = files["dbt_project.yml"]! + "\n" + vars
        files["dbt_packages/pkg/dbt_project.yml"] = files["dbt_packages/pkg/dbt_project.yml"]! + "vars:\n  pkg_on: true\n"
        files["dbt_packages/pkg/models/p_var.sql"] = "{{ config(enabled=var('pkg_on')) }}\nselect 1 as id\n"
        #expect(try modifiedPlusDownstream(editing: "h_all", files: files).models.contains("p_var") == enabled)
    }
}
