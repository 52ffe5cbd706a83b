import DbtImpact
import Foundation
import GateModel
import Testing
@testable import GateDbt

/// One edit per model, seed and snapshot, with the verdict dbt-core 1.11.16 gave for it
/// (`ci/bench/oracle/edit_matrix.py` prints dbt's and the gate's sets side by side).
@Suite struct StateModifiedParityTests {
    static let project = """
        name: shop
        models:
          shop:
            p_tags: {+tags: [a]}
            p_group: {+group: g}
            p_mat: {+materialized: view}
        seeds:
          shop:
            s_proj: {+quote_columns: false}
        snapshots:
          shop:
            snap_proj: {+meta: {k: 1}}
        """

    static func yaml(_ side: String) -> String {
        let head = side == "head"
        return """
            models:
              - name: m_tags
            \(head ? "    tags: [x]" : "")
              - name: m_group
            \(head ? "    group: g" : "")
              - name: m_meta
            \(head ? "    meta: {owner: a}" : "")
              - name: m_deprecation
            \(head ? "    deprecation_date: 2030-01-01" : "")
              - name: m_access
            \(head ? "    access: public" : "")
            seeds:
              - name: s_types
            \(head ? "    config: {column_types: {id: bigint}}" : "")
              - name: s_plain
                description: \(side)
              - name: s_persist
                config: {persist_docs: {relation: true}}
                description: \(side)
              - name: s_tags
                config: {tags: [\(side)]}
            snapshots:
              - name: snap_yaml
                relation: ref('m_meta')
                config: {unique_key: id, strategy: check, check_cols: \(head ? "[id]" : "all")}
              - name: snap_sql
                config: {meta: {k: \(head ? 2 : 1)}}

            """
    }

    func projects() throws -> (base: DbtProject, head: DbtProject) {
        var files: [String: String] = ["dbt_project.yml": Self.project, "models/schema.yml": Self.yaml("base")]
        for name in ["m_tags", "m_group", "m_meta", "m_deprecation", "m_access", "p_tags", "p_group", "p_mat"] {
            files["models/\(name).sql"] = "select 1 as id\n"
        }
        for name in ["s_types", "s_plain", "s_persist", "s_tags", "s_proj", "s_moved"] { files["seeds/\(name).csv"] = "id\n1\n" }
        for name in ["snap_sql", "snap_proj", "snap_same"] {
            files["snapshots/\(name).sql"] = "{% snapshot \(name) %}\n{{ config(unique_key='id', strategy='check', check_cols='all') }}\n"
                + "select * from {{ ref('m_meta') }}\n{% endsnapshot %}\n"
        }
        var head = files
        head["models/schema.yml"] = Self.yaml("head")
        head["dbt_project.yml"] = Self.project
            .replacingOccurrences(of: "[a]", with: "[a, b]").replacingOccurrences(of: "+group: g", with: "+group: h")
            .replacingOccurrences(of: "+materialized: view", with: "+materialized: table")
            .replacingOccurrences(of: "+quote_columns: false", with: "+quote_columns: true")
            .replacingOccurrences(of: "{+meta: {k: 1}}", with: "{+meta: {k: 2}}")
        head["seeds/sub/s_moved.csv"] = head.removeValue(forKey: "seeds/s_moved.csv")
        return (try DbtProject.load(tree: MemoryTree(files), settings: DbtSettings()),
                try DbtProject.load(tree: MemoryTree(head), settings: DbtSettings()))
    }

    /// dbt: m_meta, m_deprecation, m_access and p_mat are modified; tags and group are labels it
    /// does not compare (`CompareBehavior.Exclude`), so those changes are documentation only.
    @Test func modelConfigsAsDbtComparesThem() throws {
        let (base, head) = try projects()
        let result = try SemanticDiff.compare(base: base, head: head, changes: changeSet(modified("models/schema.yml"), modified("dbt_project.yml")))
        let built = result.changes.filter { !$0.documentationOnly }.map(\.name).sorted()
        #expect(built == ["m_access", "m_deprecation", "m_meta", "p_mat"], "\(result.changes.summary)")
        let documentation = result.changes.filter(\.documentationOnly).map(\.name).sorted()
        #expect(documentation == ["m_group", "m_tags", "p_group", "p_tags"])
    }

    /// dbt: s_types (config), s_persist (a persisted description), s_proj (dbt_project.yml) and
    /// s_moved (another folder: a new fqn) are modified; s_plain (a description nothing writes)
    /// and s_tags are not.
    @Test func seedsAsDbtComparesThem() throws {
        let (base, head) = try projects()
        #expect(try head.changedSeeds(since: base).sorted() == ["s_moved", "s_persist", "s_proj", "s_types"])
    }

    /// dbt: a YAML snapshot's config, a SQL snapshot's property entry and `snapshots:` in
    /// dbt_project.yml each modify the snapshot; the untouched one is not.
    @Test func snapshotsAsDbtComparesThem() throws {
        let (base, head) = try projects()
        #expect(try head.changedSnapshots(since: base).sorted() == ["snap_proj", "snap_sql", "snap_yaml"])
    }

    /// dbt: an edited snapshot that is disabled (its block's `config()` dict reads a var, as Tuva
    /// writes it; or its property entry says `enabled: false`) is not selected by
    /// `state:modified`; the enabled one beside it is (dbt-core 1.11.16, `dbt ls`).
    @Test func aDisabledSnapshotIsNeverModified() throws {
        func block(_ name: String, _ config: String, _ select: String) -> String {
            "{% snapshot \(name) %}\n{{ config(\(config)) }}\n\(select) from {{ ref('base') }}\n{% endsnapshot %}\n"
        }
        let plain = "unique_key='id', strategy='check', check_cols='all', target_schema='s'"
        func files(_ select: String) -> [String: String] {
            ["dbt_project.yml": "name: shop\nvars: {snapshots_enabled: false}\n",
             "models/base.sql": "select 1 as id",
             "snapshots/by_dict.sql": block("by_dict", """
                {"unique_key": "id", "strategy": "check", "check_cols": "all", "target_schema": "s",
                 "enabled": var('snapshots_enabled', False) == true | as_bool}
                """, select),
             "snapshots/by_yaml.sql": block("by_yaml", plain, select),
             "snapshots/kept.sql": block("kept", plain, select),
             "snapshots/props.yml": "snapshots:\n  - name: by_yaml\n    config:\n      enabled: false\n"]
        }
        let base = try DbtProject.load(tree: MemoryTree(files("select *")), settings: DbtSettings())
        let head = try DbtProject.load(tree: MemoryTree(files("select *, 1 as x")), settings: DbtSettings())
        #expect(try head.changedSnapshots(since: base) == ["kept"])
    }
}
