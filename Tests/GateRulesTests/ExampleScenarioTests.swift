import Foundation
import GateModel
import Testing
@testable import GateContracts
@testable import GateRules

/// The shipped example contracts behave as their comments say, end to end through the engine.
@Suite("Scenario: contracts/examples on a finance change")
struct ExampleScenarioTests {
    static let set: ContractSet? = try? ContractSet.load(from: DirectoryTree(root: RepositoryContracts.root), folder: "contracts")

    @Test("finance-marts: a used column fails, the waived one is waived, an unused one is only noted")
    func financeChange() throws {
        let set = try #require(Self.set)
        let before = Sketch.model("fct_orders", [
            Sketch.column("order_id", "bigint", [.notNull, .unique]), Sketch.column("status", "varchar"),
            Sketch.column("legacy_status", "varchar"), Sketch.column("internal_note", "varchar"),
            Sketch.column("quantity", "int"),
        ], tags: ["finance"], path: "models/marts/finance/fct_orders.sql")
        let after = Sketch.model("fct_orders", [
            Sketch.column("order_id", "bigint", [.notNull, .unique]), Sketch.column("quantity", "bigint"),
        ], tags: ["finance"], path: "models/marts/finance/fct_orders.sql")
        let change = ModelChange(name: "fct_orders", status: .modified, base: before, head: after,
                                 columnChanges: Sketch.columnChanges(before: before, after: after))
        let revenue = DownstreamNode(id: "d1", name: "Revenue", type: "dashboard", depth: 2, source: "secoda",
                                     owners: [Owner(id: "u1", name: "Alice", email: "alice@shop.example", kind: "user")],
                                     usage: Usage(external: 40), parentId: "m1")
        let report = DownstreamNode(id: "m1", name: "rpt_revenue", type: "model", depth: 1, source: "dbt")
        let impact = ModelImpact(model: "fct_orders", catalogId: "t1", downstream: [report, revenue],
                                 columnUsers: ["status": ["m1"], "legacy_status": ["m1"]])

        let evaluation = try RuleEngine.evaluate(changes: [change], impacts: ["fct_orders": impact], contracts: set,
                                                 today: CalendarDay("2026-06-01")!)
        func one(_ rule: String, _ column: String?) -> Finding? {
            evaluation.findings.first { $0.rule == rule && $0.column == column }
        }
        let status = try #require(one("COLUMN_NO_DELETE", "status"))
        #expect(status.severity == .error && !status.waived && status.contract == "finance-marts")
        #expect(status.consumers == ["Revenue", "rpt_revenue"])
        #expect(status.owners == ["@alice", "@data-finance"], "notify: [consumers, owners] with handles")

        let legacy = try #require(one("COLUMN_NO_DELETE", "legacy_status"))
        #expect(legacy.waived && legacy.waiver?.approvedBy == "@alice")
        #expect(legacy.waiver?.location?.path == "contracts/examples/finance-marts.yml")

        let note = try #require(one("COLUMN_NO_DELETE", "internal_note"))
        #expect(note.severity == .notice, "when_unused: notice — nothing reads internal_note")

        #expect(one("COLUMN_SAME_TYPE", "quantity") == nil, "int → bigint is allowed widening in finance-marts")
        let dashboard = try #require(one("DOWNSTREAM_DASHBOARD_IN_USE", nil))
        #expect(dashboard.message.contains("COLUMN_NO_DELETE on `status`"))
        #expect(RuleEngine.verdict(for: evaluation.findings, failOn: .error) == (.fail, .violated))
        #expect(evaluation.checked["fct_orders"]?.contains("BLAST_RADIUS") == true)
    }

    @Test("a staging model under no contract only warns, with the default policy")
    func uncontracted() throws {
        let set = try #require(Self.set)
        let before = Sketch.model("stg_payments", [Sketch.column("payment_id", "bigint"), Sketch.column("method", "varchar")],
                                  path: "models/staging/stg_payments.sql")
        let after = Sketch.model("stg_payments", [Sketch.column("payment_id", "bigint")], path: "models/staging/stg_payments.sql")
        let change = ModelChange(name: "stg_payments", status: .modified, base: before, head: after,
                                 columnChanges: Sketch.columnChanges(before: before, after: after))
        let evaluation = try RuleEngine.evaluate(changes: [change], impacts: [:], contracts: set, today: CalendarDay("2026-06-01")!)
        #expect(evaluation.findings.map(\.rule) == ["COLUMN_NO_DELETE"])
        #expect(evaluation.findings.first?.severity == .warning && evaluation.findings.first?.contract == nil)
        #expect(RuleEngine.verdict(for: evaluation.findings, failOn: .error) == (.pass, .pass))
        #expect(evaluation.checked["stg_payments"]?.count == 13, "the ten BREAKING rules and the three BUILD rules run under the default policy")
    }
}
