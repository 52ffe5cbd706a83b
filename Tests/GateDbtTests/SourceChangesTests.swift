import DbtImpact
import DbtJinja
import Foundation
import GateModel
import Testing
@testable import GateDbt

/// Which source tables a change modifies, as dbt 1.11's `state:modified` decides it
/// (`SourceDefinition.same_contents`). The scenario `source_definition_edits_reach_their_readers`
/// was checked with dbt-core 1.11; the cases here follow the same comparison.
@Suite struct SourceChangesTests {
    static let base = """
        version: 2
        sources:
          - name: raw
            quoting: {identifier: true}
            tags: [lake]
            tables:
              - name: orders
                description: Orders.
                columns:
                  - name: order_id
                    data_tests: [unique]
              - name: customers
              - name: payments
                quoting: {database: false}
        """

    func changed(from before: [String: String], to after: [String: String]) throws -> [ChangedSource] {
        let project = "dbt_project.yml"
        let base = try DbtProject.load(tree: MemoryTree(before.merging([project: "name: shop\n"]) { a, _ in a }), settings: DbtSettings())
        let head = try DbtProject.load(tree: MemoryTree(after.merging([project: "name: shop\n"]) { a, _ in a }), settings: DbtSettings())
        return try head.changedSources(since: base)
    }

    func edited(_ edit: (String) -> String) throws -> [String] {
        try changed(from: ["models/sources.yml": Self.base], to: ["models/sources.yml": edit(Self.base)])
            .map { "\($0.name): \($0.fields.joined(separator: ","))" }
    }

    @Test func documentationColumnsAndTestsAreNotTheDefinition() throws {
        #expect(try edited {
            $0.replacingOccurrences(of: "description: Orders.", with: "description: Every order.")
                .replacingOccurrences(of: "data_tests: [unique]", with: "data_tests: [unique, not_null]\n          - name: status")
        } == [])
    }

    @Test func writingOutDefaultsChangesNothing() throws {
        // dbt's schema defaults to the source's name, the identifier to the table's.
        #expect(try edited {
            $0.replacingOccurrences(of: "  - name: raw\n", with: "  - name: raw\n    schema: raw\n")
                .replacingOccurrences(of: "      - name: customers\n", with: "      - name: customers\n        identifier: customers\n")
        } == [])
    }

    @Test func theRelationFreshnessAndConfigAreTheDefinition() throws {
        #expect(try edited {
            $0.replacingOccurrences(of: "      - name: customers\n", with: "      - name: customers\n        identifier: customers_v2\n")
                .replacingOccurrences(of: "description: Orders.", with: "description: Orders.\n        loaded_at_field: _loaded_at\n        config: {enabled: true}")
        } == ["raw.customers: identifier", "raw.orders: config,loaded_at_field"])
    }

    @Test func aSourceLevelValueCountsForEachTableThatDoesNotOverrideIt() throws {
        // `quoting` merges key by key: payments sets `database` itself, but inherits `identifier`.
        #expect(try edited { $0.replacingOccurrences(of: "quoting: {identifier: true}", with: "quoting: {identifier: false}") }
            == ["raw.customers: quoting", "raw.orders: quoting", "raw.payments: quoting"])
        #expect(try edited { $0.replacingOccurrences(of: "quoting: {database: false}", with: "quoting: {database: true}") }
            == ["raw.payments: quoting"])
        #expect(try edited { $0.replacingOccurrences(of: "tags: [lake]", with: "tags: [lake, pii]") }.count == 3)
    }

    @Test func aNewTableIsModifiedAndARemovedOneIsNot() throws {
        #expect(try edited { $0 + "\n      - name: refunds\n" } == ["raw.refunds: new"])
        #expect(try edited { $0.replacingOccurrences(of: "      - name: customers\n", with: "") } == [])
    }

    @Test func movingTheFileToAnotherFolderChangesTheFqn() throws {
        let moved = try changed(from: ["models/sources.yml": Self.base], to: ["models/staging/sources.yml": Self.base])
        #expect(moved.map(\.name) == ["raw.customers", "raw.orders", "raw.payments"])
        #expect(moved.allSatisfy { $0.fields == ["fqn folder"] })
        #expect(moved.first?.id == "source.shop.raw.customers")
        #expect(moved.first?.location == SourceLocation(path: "models/staging/sources.yml", line: 12, column: 9))
        // Renamed in the same folder: the same fqn.
        #expect(try changed(from: ["models/sources.yml": Self.base], to: ["models/raw_sources.yml": Self.base]).isEmpty)
    }

    @Test func aRepeatedKeyIsReadAsDbtReadsIt() throws {
        // The last `identifier` wins, as in PyYAML.
        #expect(try edited {
            $0.replacingOccurrences(of: "      - name: customers\n", with: "      - name: customers\n        identifier: a\n        identifier: customers\n")
        } == [])
    }

    /// One edit per source, each confirmed with dbt-core 1.11.16 (`dbt ls -s state:modified`
    /// listed b1, c1, d1 and h1).
    @Test func sourceLevelFieldsAsDbtCompareThem() throws {
        let before = """
            sources:
              - {name: a, tables: [{name: a1}]}
              - {name: b, tags: [x], tables: [{name: b1}]}
              - {name: c, meta: {k: 1}, tables: [{name: c1}]}
              - {name: e, description: hi, tables: [{name: e1}]}
              - {name: f, tables: [{name: f1, columns: [{name: id}]}]}
              - {name: g, loader: fivetran, tables: [{name: g1}]}
              - {name: h, tables: [{name: h1, quoting: {identifier: true}}]}
            """
        let after = """
            sources:
              - {name: a, schema: a, tables: [{name: a1, identifier: a1}]}
              - {name: b, tags: [x, y], tables: [{name: b1}]}
              - {name: c, meta: {k: 2}, tables: [{name: c1}]}
              - {name: e, description: hello, tables: [{name: e1}]}
              - {name: f, tables: [{name: f1, columns: [{name: id, data_type: int}]}]}
              - {name: g, loader: stitch, tables: [{name: g1}]}
              - {name: h, tables: [{name: h1, quoting: {identifier: true, schema: false}}]}
            """
        let moved = "sources:\n  - {name: d, tables: [{name: d1}]}\n"
        let result = try changed(from: ["models/s.yml": before, "models/d.yml": moved],
                                 to: ["models/s.yml": after, "models/staging/d.yml": moved])
        #expect(result.map(\.name) == ["b.b1", "c.c1", "d.d1", "h.h1"], "\(result)")
    }

    /// dbt-core 1.11 selects no source when only `sources:` in dbt_project.yml changes
    /// (`edit_matrix.py`: `+meta` on one source), so the gate does not either.
    @Test func projectLevelSourceConfigsModifyNoSource() throws {
        let files = ["models/sources.yml": Self.base]
        let base = try DbtProject.load(tree: MemoryTree(files.merging(["dbt_project.yml": "name: shop\nsources:\n  shop:\n    raw: {+meta: {k: 1}}\n"]) { a, _ in a }), settings: DbtSettings())
        let head = try DbtProject.load(tree: MemoryTree(files.merging(["dbt_project.yml": "name: shop\nsources:\n  shop:\n    raw: {+meta: {k: 2}}\n"]) { a, _ in a }), settings: DbtSettings())
        #expect(try head.changedSources(since: base).isEmpty)
    }

    /// dbt compares a source's rendered relation (`edit_matrix.py`: `schema: "{{ var('src_schema') }}"`
    /// and `database: "{{ var('src_db') }}"` with the vars changed in dbt_project.yml selected both
    /// sources' readers). The property file is the same blob at both revisions: it is read because
    /// `vars:` changed and it says `var`. A var nobody's relation reads changes nothing.
    @Test func aRelationThatRendersDifferentlyBecauseAVarChangedIsModified() throws {
        let sources = """
            sources:
              - {name: by_schema, schema: "{{ var('src_schema') }}", tables: [{name: t}]}
              - {name: by_db, database: "{{ var('src_db', 'fallback') }}", tables: [{name: t}]}
              - {name: plain, tables: [{name: t}]}
            """
        func project(_ vars: String) throws -> DbtProject {
            try DbtProject.load(tree: BlobTree(["dbt_project.yml": "name: shop\nvars: \(vars)\n", "models/sources.yml": sources]),
                                settings: DbtSettings())
        }
        let base = try project("{src_schema: a, src_db: d1, other: 1}")
        #expect(try project("{src_schema: b, src_db: d2, other: 1}").changedSources(since: base).map { "\($0.name): \($0.fields)" }
            == ["by_db.t: [\"database\"]", "by_schema.t: [\"schema\"]"])
        #expect(try project("{src_schema: a, src_db: d1, other: 2}").changedSources(since: base).isEmpty)
        // The default of var() serves when the var is gone: d1 → fallback.
        #expect(try project("{src_schema: a, other: 1}").changedSources(since: base).map(\.name) == ["by_db.t"])
    }
}

/// A `FileTree` in memory whose blob ids are its files' contents hashed, as git's are: an
/// unchanged file has the same id at both revisions.
private struct BlobTree: FileTree {
    var files: [String: Data]

    init(_ files: [String: String]) { self.files = files.mapValues { Data($0.utf8) } }

    func files(under folder: String) throws -> [String] {
        files.keys.filter { folder.isEmpty || $0.hasPrefix(folder + "/") }.sorted()
    }

    func contents(of path: String) throws -> Data? { files[path] }

    func blobID(of path: String) -> String? { files[path].map { String(DbtMacroIndex.hash($0), radix: 16) } }
}
