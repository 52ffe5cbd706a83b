import Foundation
import GateModel
import Testing
@testable import GateReporters

/// `lineage push`, `docs carry`, `columns` and `catalog pull` print through GateReporters: the
/// text a person reads, JSON valid against contracts/schema/report.schema.json, and for the
/// write-back reports the very bytes Foundation's JSONEncoder wrote before they moved here.
@Suite struct CommandOutputTests {
    static func end(_ name: String, _ type: String = "model", id: String? = nil) -> LineageEnd {
        LineageEnd(dbtId: "\(type).shop.\(name)", name: name, type: type, lookup: "analytics.public.\(name)", catalogId: id)
    }

    static var plan: LineagePlan {
        LineagePlan(create: [LineageEdgePlan(from: end("stg_orders", id: "t-1"), to: end("fct_orders", id: "t-2")),
                             LineageEdgePlan(from: end("fct_orders", id: "t-2"), to: end("revenue", "exposure", id: "d-9"))],
                    present: [LineageEdgePlan(from: end("orders", "source", id: "t-0"), to: end("stg_orders", id: "t-1"))],
                    unresolved: [UnresolvedLineageEnd(end: end("dim_new"), reason: "analytics.public.dim_new is not in Secoda", edges: 2)],
                    edgesInScope: 5)
    }

    static var appliedPush: LineagePushReport {
        var result = LineagePushResult()
        result.created = [plan.create[0]]
        result.failed = [FailedWrite(item: plan.create[1], message: "Secoda answered 400: bad target")]
        return LineagePushReport(applied: true, scope: "changed", changedModels: ["fct_orders", "stg_orders"], plan: plan,
                                 result: result, snapshotRefreshed: ".contract-gate/catalog.json")
    }

    static var carry: DocsCarryReport {
        let pair = CarryPair(model: "dim_clients", fromId: "t-old", toId: "t-new", columnRenames: ["cust_id": "client_id"])
        let patch = ResourcePatch(path: "table/tables/t-new/", target: "table", fields: ["description": .string("Clients.")])
        let item = CarryItem(pair: pair, fromTitle: "dim_customers", toTitle: nil, decisions: [
            FieldDecision(target: "table", field: .description, action: .copy, reason: "empty on the new table",
                          value: .string("Clients.\nOne row each."), current: .null),
            FieldDecision(target: "column client_id", field: .pii, action: .skip, reason: "already filled",
                          value: .bool(true), current: .bool(true)),
        ], patches: [patch], unmatchedColumns: ["legacy_flag"])
        return DocsCarryReport(applied: false, overwrite: false, items: [item],
                               skipped: [.init(model: "fct_orders", reason: "the new table: analytics.fct_orders is not in Secoda")])
    }

    /// What `WriteBackOutput.json` in the CLI wrote before the reports moved to GateReporters.
    static func foundationJSON<T: Encodable>(_ value: T) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return try encoder.encode(value) + Data("\n".utf8)
    }

    @Test func lineagePushDryRunText() {
        var report = Self.appliedPush
        report.applied = false
        report.result = nil
        report.snapshotRefreshed = nil
        report.scope = "all"
        report.changedModels = nil
        #expect(WriteBackReporter().renderText(report) == """
            lineage push (dry run, all edges): 5 dbt edges in scope
            would create 2 edges; 1 already in Secoda
              + stg_orders → fct_orders  (t-1 → t-2)
              + fct_orders → revenue  (t-2 → d-9)
              = orders → stg_orders
            1 ends did not resolve (their edges are left alone):
              ? dim_new (model, 2 edges): analytics.public.dim_new is not in Secoda
            dry run: nothing written; add --apply to create them

            """)
    }

    @Test func lineagePushAppliedText() {
        #expect(WriteBackReporter().renderText(Self.appliedPush) == """
            lineage push (apply, edges touching fct_orders, stg_orders): 5 dbt edges in scope
            created 1 of 2 missing edges; 1 already in Secoda
              + stg_orders → fct_orders
              ! fct_orders → revenue: Secoda answered 400: bad target
              = orders → stg_orders
            1 ends did not resolve (their edges are left alone):
              ? dim_new (model, 2 edges): analytics.public.dim_new is not in Secoda
            snapshot refreshed: .contract-gate/catalog.json

            """)
        #expect(Self.appliedPush.exitCode == .catalogUnavailable)
    }

    @Test func docsCarryText() {
        #expect(WriteBackReporter().renderText(Self.carry) == """
            docs carry (dry run): 1 table pair
            dim_clients: dim_customers (t-old) → t-new (t-new)
              copy table.description = "Clients. One row each.": empty on the new table
              skip column client_id.pii = true: already filled
              skip column legacy_flag: no column of that name (or renamed to) on the new table
            skipped fct_orders: the new table: analytics.fct_orders is not in Secoda
            summary: would copy 1 fields in 1 writes; 1 skipped (1 already filled)
            dry run: nothing written; add --apply to copy them

            """)
        #expect(Self.carry.exitCode == .pass)
    }

    @Test func writeBackJSONIsTheBytesJSONEncoderWroteAndMatchesTheSchema() throws {
        let push = WriteBackReporter().renderJSON(Self.appliedPush)
        let carry = WriteBackReporter().renderJSON(Self.carry)
        #expect(push == (try Self.foundationJSON(Self.appliedPush)))
        #expect(carry == (try Self.foundationJSON(Self.carry)))
        let pushViolations = try OutputSchemaTests.violations(push, definition: "lineage_push")
        #expect(pushViolations.isEmpty, "\(pushViolations)")
        let carryViolations = try OutputSchemaTests.violations(carry, definition: "docs_carry")
        #expect(carryViolations.isEmpty, "\(carryViolations)")
        // The two reports are told apart by their command.
        #expect(try OutputSchemaTests.violations(push, definition: "docs_carry").contains { $0.contains("command") })
    }

    /// Like every other JSON document, the write-back reports say their shape's version, and the
    /// schema holds them to it.
    @Test func writeBackJSONCarriesItsSchemaVersion() throws {
        for (json, definition) in [(WriteBackReporter().renderJSON(Self.appliedPush), "lineage_push"),
                                   (WriteBackReporter().renderJSON(Self.carry), "docs_carry")] {
            var object = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
            #expect(object["schema_version"] as? Int == 1, "\(definition)")
            object["schema_version"] = nil
            let without = try JSONSerialization.data(withJSONObject: object)
            #expect(try OutputSchemaTests.violations(without, definition: definition).contains { $0.contains("schema_version") },
                    "\(definition) without schema_version must not validate")
            object["schema_version"] = 2
            let later = try JSONSerialization.data(withJSONObject: object)
            #expect(try !OutputSchemaTests.violations(later, definition: definition).isEmpty)
        }
    }

    static var columns: ColumnsListing {
        ColumnsListing(models: [
            .init(model: "fct_orders", path: "models/fct_orders.sql", origin: "sql", certainty: .known, columns: ["order_id", "status"]),
            .init(model: "stg_x", path: "models/stg_x.sql", origin: "sql", certainty: .partial("select * from an unknown relation"),
                  columns: ["id"]),
            .init(model: "broken\u{1B}[31m", path: nil, origin: "none", certainty: .unknown("line 3: no select"), columns: []),
        ], sql: ["fct_orders": "select\n  1"])
    }

    @Test func columnsText() {
        #expect(ColumnsReporter().renderText(Self.columns) == """
            fct_orders (models/fct_orders.sql, from sql) — known
              order_id, status
              rendered SQL:
              1| select
              2|   1
            stg_x (models/stg_x.sql, from sql) — partly known: select * from an unknown relation
              id
            broken[31m (-, from none) — UNKNOWN: line 3: no select
            3 models: 1 known (33.3 %), 1 partly known, 1 unknown

            """)
    }

    @Test func columnsJSONMatchesTheSchema() throws {
        let json = ColumnsReporter().renderJSON(Self.columns)
        let violations = try OutputSchemaTests.violations(json, definition: "columns_listing")
        #expect(violations.isEmpty, "\(violations)")
        let document = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
        #expect(document["known"] as? Int == 1 && document["partial"] as? Int == 1 && document["unknown"] as? Int == 1)
        let models = try #require(document["models"] as? [[String: Any]])
        #expect(models.map { $0["certainty"] as? String } == ["known", "partial", "unknown"])
        #expect(models[0]["reason"] == nil && models[2]["path"] == nil)
        #expect(models[1]["reason"] as? String == "select * from an unknown relation")
    }

    @Test func catalogPullSummary() {
        var summary = SnapshotPullSummary(tables: 12, resources: 20, lineageEdges: 31, piiColumns: 4,
                                          takenAt: "2026-12-06T12:00:00Z", users: 3, groups: 1, teams: 1)
        #expect(CatalogPullReporter().renderText(summary, path: "/r/.contract-gate/catalog.json")
            == "wrote /r/.contract-gate/catalog.json: 12 tables, 20 resources, 31 lineage edges, 4 PII-marked columns "
            + "(taken 2026-12-06T12:00:00Z)")
        summary.piiColumns = nil
        #expect(CatalogPullReporter().renderText(summary, path: "s.json").contains("no column PII marks (Secoda refused the column query)"))
    }
}
