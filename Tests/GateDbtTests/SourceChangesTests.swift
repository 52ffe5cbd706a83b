import DbtImpact
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
}
