import GateModel
import Testing
@testable import GateContracts
@testable import GateRules

@Suite("Rule engine: consumer-aware severity, waivers, verdict")
struct RuleEngineTests {
    static let today = CalendarDay("2026-06-01")!

    static let orders = Sketch.model("fct_orders", [Sketch.column("order_id", "bigint", [.notNull]),
                                                    Sketch.column("status", "varchar"),
                                                    Sketch.column("legacy_status", "varchar")])
    /// fct_orders without `status` and `legacy_status`.
    static let ordersDropped = Sketch.model("fct_orders", [Sketch.column("order_id", "bigint", [.notNull])])
    static var dropBoth: ModelChange { ModelChange(name: "fct_orders", status: .modified, base: orders, head: ordersDropped,
                                                   columnChanges: Sketch.columnChanges(before: orders, after: ordersDropped)) }

    static func contracts(_ yaml: String) throws -> ContractSet {
        try ContractSet.parse(files: [("contracts/finance.yml", yaml)])
    }

    static func run(_ set: ContractSet, _ changes: [ModelChange], _ impacts: [ModelImpact]) throws -> RuleEvaluation {
        try RuleEngine.evaluate(changes: changes, impacts: Dictionary(uniqueKeysWithValues: impacts.map { ($0.model, $0) }),
                                contracts: set, today: today)
    }

    static func findings(_ evaluation: RuleEvaluation, _ rule: String, column: String? = nil) -> [Finding] {
        evaluation.findings.filter { $0.rule == rule && (column == nil || $0.column == column) }
    }

    @Test("a break carries its consumers (dashboards first), their count and the people to tell")
    func consumerEvidence() throws {
        let set = try Self.contracts("""
        contract: finance
        owners: ["@data-finance"]
        models: [fct_orders]
        rules: {COLUMN_NO_DELETE: error}
        notify: [consumers, owners]
        handles: {alice@shop.example: "@alice"}
        """)
        let revenue = DownstreamNode(id: "d1", name: "Revenue", type: "dashboard", depth: 2, source: "secoda",
                                     owners: [Owner(id: "u1", name: "Alice", email: "alice@shop.example", kind: "user")],
                                     usage: Usage(external: 40), parentId: "m1")
        let report = DownstreamNode(id: "m1", name: "rpt_revenue", type: "model", depth: 1, source: "dbt",
                                    owners: [Owner(id: "bob", kind: "dbt")])
        let unrelated = DownstreamNode(id: "m2", name: "rpt_ops", type: "model", depth: 1, source: "dbt")
        let impact = ModelImpact(model: "fct_orders", downstream: [report, revenue, unrelated],
                                 columnUsers: ["status": ["m1"], "order_id": ["m2"]])
        let evaluation = try Self.run(set, [Self.dropBoth], [impact])
        let status = try #require(Self.findings(evaluation, "COLUMN_NO_DELETE", column: "status").first)
        #expect(status.severity == .error)
        #expect(status.downstream == 2)
        #expect(status.consumers == ["Revenue", "rpt_revenue"])
        #expect(status.owners == ["@alice", "bob", "@data-finance"])
        #expect(status.contract == "finance")
        let legacy = try #require(Self.findings(evaluation, "COLUMN_NO_DELETE", column: "legacy_status").first)
        #expect(legacy.downstream == 0 && legacy.consumers.isEmpty)
        #expect(legacy.severity == .error, "without when_unused a break nobody reads keeps its severity")
        #expect(evaluation.checked["fct_orders"]?.contains("COLUMN_NO_DELETE") == true)
        #expect(evaluation.checked["fct_orders"]?.contains("MODEL_HAS_OWNER") == false, "off rules are not checked")
        #expect(evaluation.rules.map(\.id).contains("COLUMN_NO_DELETE"))
    }

    @Test("when_unused lowers a break that reaches no consumer, and drops it at off")
    func whenUnused() throws {
        let impact = ModelImpact(model: "fct_orders", downstream: [DownstreamNode(id: "m1", name: "rpt", type: "model", depth: 1, source: "dbt")],
                                 columnUsers: ["status": ["m1"]])
        for (ceiling, expected) in [("notice", Severity.notice), ("off", Severity.off)] {
            let set = try Self.contracts("contract: f\nmodels: [fct_orders]\nrules: {COLUMN_NO_DELETE: error}\nwhen_unused: \(ceiling)\n")
            let evaluation = try Self.run(set, [Self.dropBoth], [impact])
            let used = try #require(Self.findings(evaluation, "COLUMN_NO_DELETE", column: "status").first)
            #expect(used.severity == .error, "a column a consumer uses keeps its severity")
            let unused = Self.findings(evaluation, "COLUMN_NO_DELETE", column: "legacy_status")
            if expected == .off {
                #expect(unused.isEmpty, "when_unused: off drops the finding")
            } else {
                #expect(unused.first?.severity == .notice)
                #expect(unused.first?.message.contains("Lowered to notice by `when_unused`") == true)
            }
        }
    }

    @Test("when_unused does not lower when the impact is unknown, or for a promise made to outside consumers")
    func whenUnusedLimits() throws {
        let set = try Self.contracts("contract: f\nmodels: [fct_orders]\nrules: {COLUMN_NO_DELETE: error}\nwhen_unused: notice\n")
        let unknown = try Self.run(set, [Self.dropBoth], [])
        #expect(Self.findings(unknown, "COLUMN_NO_DELETE").map(\.severity) == [.error, .error])
        let incomplete = try RuleEngine.evaluate(changes: [Self.dropBoth], impacts: ["fct_orders": ModelImpact(model: "fct_orders")],
                                                 contracts: set, today: Self.today, catalog: CatalogFacts(impactComplete: false))
        #expect(Self.findings(incomplete, "COLUMN_NO_DELETE").map(\.severity) == [.error, .error],
                "a catalog that failed under `warn` leaves consumers unknown: nothing is lowered")
        let complete = try Self.run(set, [Self.dropBoth], [ModelImpact(model: "fct_orders")])
        #expect(Self.findings(complete, "COLUMN_NO_DELETE").map(\.severity) == [.notice, .notice])

        let odcs = try ContractSet.parse(files: [
            ("contracts/f.yml", "contract: f\nmodels: [fct_orders]\nwhen_unused: notice\n"),
            ("contracts/o.yaml", "apiVersion: v3.0.2\nkind: DataContract\nname: o\nschema: [{name: fct_orders, properties: [{name: status}]}]\n"),
        ])
        let evaluation = try Self.run(odcs, [Self.dropBoth], [ModelImpact(model: "fct_orders")])
        #expect(Self.findings(evaluation, "ODCS_SCHEMA_SATISFIED").map(\.severity) == [.error])
        #expect(Self.findings(evaluation, "COLUMN_NO_DELETE").map(\.severity) == [.notice, .notice],
                "rules left to the default policy still follow the selecting contract's when_unused")
    }

    @Test("a model-level break with nothing downstream is lowered by when_unused; a direct dashboard without column lineage counts as a reader")
    func modelLevelAndUnknownReaders() throws {
        let set = try Self.contracts("contract: f\nmodels: [fct_orders]\nrules: {MODEL_SAME_RELATION: error, COLUMN_NO_DELETE: error}\nwhen_unused: notice\n")
        let renamed = Sketch.model("fct_orders", [Sketch.column("order_id", "bigint")], alias: "orders")
        let rename = ModelChange(name: "fct_orders", status: .renamed, base: Sketch.model("fct_orders", [Sketch.column("order_id", "bigint")]), head: renamed)
        let nobody = try Self.run(set, [rename], [ModelImpact(model: "fct_orders")])
        #expect(Self.findings(nobody, "MODEL_SAME_RELATION").first?.severity == .notice)

        let dashboard = DownstreamNode(id: "d1", name: "Ops", type: "dashboard", depth: 1, source: "secoda", usage: Usage(external: 3))
        let direct = try Self.run(set, [Self.dropBoth], [ModelImpact(model: "fct_orders", downstream: [dashboard])])
        let status = try #require(Self.findings(direct, "COLUMN_NO_DELETE", column: "status").first)
        #expect(status.severity == .error, "no column lineage for a dashboard reading the table: assume it may use the column")
        #expect(status.consumers == ["Ops"])
    }

    @Test("a break reaching a dashboard in use is raised to DOWNSTREAM_DASHBOARD_IN_USE's severity; stale dashboards are named, not counted")
    func dashboardEscalation() throws {
        let set = try Self.contracts("""
        contract: f
        models: [fct_orders]
        rules: {DOWNSTREAM_DASHBOARD_IN_USE: {severity: error, min_usage: 5}}
        handles: {rev@shop.example: "@revenue-team"}
        """)
        let live = DownstreamNode(id: "d1", name: "Revenue", type: "dashboard", depth: 1, source: "secoda",
                                  owners: [Owner(id: "g1", email: "rev@shop.example", kind: "group")], usage: Usage(external: 40, internal: 2))
        let stale = DownstreamNode(id: "d2", name: "Old KPIs", type: "dashboard", depth: 1, source: "secoda", usage: Usage(external: 0), stale: true)
        let quiet = DownstreamNode(id: "d3", name: "Ops", type: "dashboard", depth: 1, source: "secoda", usage: Usage(external: 2))
        let impact = ModelImpact(model: "fct_orders", downstream: [stale, quiet, live])
        let evaluation = try Self.run(set, [Self.dropBoth], [impact])
        let breaks = Self.findings(evaluation, "COLUMN_NO_DELETE")
        #expect(breaks.count == 2)
        for finding in breaks {
            #expect(finding.severity == .error, "default warning raised: \(finding.message)")
            #expect(finding.message.contains("Raised to error: reaches dashboard `Revenue` (dashboard, 42 views)"))
            #expect(finding.downstream == 2, "stale dashboards are never counted")
            #expect(finding.consumers == ["Revenue", "Ops"])
        }
        let impactFinding = try #require(Self.findings(evaluation, "DOWNSTREAM_DASHBOARD_IN_USE").first)
        // The breaks carry the error; the IMPACT finding naming the dashboards is a notice, so two
        // changes are two errors, not three (issue 19).
        #expect(impactFinding.severity == .notice)
        #expect(impactFinding.message.contains("raised to error instead of being counted again"))
        #expect(impactFinding.consumers == ["Revenue"] && impactFinding.downstream == 1)
        #expect(impactFinding.owners == ["@revenue-team"], "the dashboard's owner is told, by handle")
        #expect(impactFinding.category == .impact)
        #expect(impactFinding.message.contains("`Revenue`") && !impactFinding.message.contains("`Ops`"))
        #expect(impactFinding.message.contains("stale `Old KPIs`") && impactFinding.message.contains("deprecation candidate"))
    }

    static let waiverContract = """
    contract: finance
    models: [fct_orders]
    rules: {COLUMN_NO_DELETE: error, DOWNSTREAM_DASHBOARD_IN_USE: error}
    waivers:
      - rule: COLUMN_NO_DELETE
        model: fct_orders
        column: legacy_status
        reason: Replaced by order_status
        approved_by: "@alice"
        expires: 2026-06-01
      - rule: COLUMN_NO_DELETE
        model: fct_orders
        column: status
        reason: Was waived until spring
        approved_by: "@bob"
        expires: 2026-05-31
      - rule: COLUMN_NO_DELETE
        model: dim_customers
        reason: other model
        approved_by: "@carol"
    """

    @Test("waivers: a valid one marks its finding waived; an expired one stops applying and says so; others do not match")
    func waivers() throws {
        let set = try Self.contracts(Self.waiverContract)
        let live = DownstreamNode(id: "d1", name: "Revenue", type: "dashboard", depth: 1, source: "secoda", usage: Usage(external: 40))
        let evaluation = try Self.run(set, [Self.dropBoth], [ModelImpact(model: "fct_orders", downstream: [live])])

        let legacy = try #require(Self.findings(evaluation, "COLUMN_NO_DELETE", column: "legacy_status").first)
        #expect(legacy.waived, "expires 2026-06-01 still holds on 2026-06-01")
        #expect(legacy.waiver?.approvedBy == "@alice")
        #expect(legacy.waiver?.expires == "2026-06-01")
        #expect(legacy.waiver?.location == GateModel.SourceLocation(path: "contracts/finance.yml", line: 5, column: 5))

        let status = try #require(Self.findings(evaluation, "COLUMN_NO_DELETE", column: "status").first)
        #expect(!status.waived && status.severity == .error)

        let expired = Self.findings(evaluation, "WAIVER_EXPIRED")
        #expect(expired.count == 1)
        #expect(expired.first?.severity == .warning)
        #expect(expired.first?.location == GateModel.SourceLocation(path: "contracts/finance.yml", line: 11, column: 5))
        #expect(expired.first?.message.contains("expired on 2026-05-31") == true)
        #expect(evaluation.rules.contains { $0.id == "WAIVER_EXPIRED" })

        // The dashboard finding names only the unwaived break.
        let dashboard = try #require(Self.findings(evaluation, "DOWNSTREAM_DASHBOARD_IN_USE").first)
        #expect(dashboard.message.contains("COLUMN_NO_DELETE on `status`"))
        #expect(!dashboard.message.contains("legacy_status"))

        #expect(RuleEngine.verdict(for: evaluation.findings, failOn: .error) == (.fail, .violated))
    }

    @Test("a waiver without a column covers every column of its model; waived errors do not fail the run")
    func modelWideWaiver() throws {
        let set = try Self.contracts("""
        contract: finance
        models: [fct_orders]
        rules: {COLUMN_NO_DELETE: error}
        waivers:
          - {rule: COLUMN_NO_DELETE, model: FCT_ORDERS, reason: "big cleanup", approved_by: "@alice", expires: 2026-12-31}
        """)
        let evaluation = try Self.run(set, [Self.dropBoth], [ModelImpact(model: "fct_orders")])
        let breaks = Self.findings(evaluation, "COLUMN_NO_DELETE")
        #expect(breaks.count == 2 && breaks.allSatisfy(\.waived))
        #expect(Self.findings(evaluation, "WAIVER_EXPIRED").isEmpty)
        #expect(RuleEngine.verdict(for: evaluation.findings, failOn: .error) == (.pass, .pass))
        #expect(ReportSummary(findings: evaluation.findings, impact: []).waived == 2)
    }

    @Test("an expired waiver for a changed model is reported even when nothing matched it")
    func expiredUnmatched() throws {
        let set = try Self.contracts("""
        contract: finance
        models: [fct_orders]
        waivers:
          - {rule: COLUMN_SAME_TYPE, model: fct_orders, column: amount, reason: r, approved_by: "@a", expires: 2025-01-01}
          - {rule: COLUMN_SAME_TYPE, model: dim_other, reason: r, approved_by: "@a", expires: 2025-01-01}
        """)
        let evaluation = try Self.run(set, [Self.dropBoth], [])
        #expect(Self.findings(evaluation, "WAIVER_EXPIRED").map(\.location?.line) == [4])
        #expect(set.expiredWaivers(on: Self.today).count == 2)
    }

    @Test("verdict: worst unwaived severity against fail_on")
    func verdict() {
        let warning = Finding(rule: "X", category: .breaking, severity: .warning, message: "w")
        let error = Finding(rule: "X", category: .breaking, severity: .error, message: "e")
        var waivedError = error
        waivedError.waived = true
        #expect(RuleEngine.verdict(for: [warning], failOn: .error) == (.pass, .pass))
        #expect(RuleEngine.verdict(for: [warning], failOn: .warning) == (.fail, .violated))
        #expect(RuleEngine.verdict(for: [warning, error], failOn: .error) == (.fail, .violated))
        #expect(RuleEngine.verdict(for: [waivedError, warning], failOn: .error) == (.pass, .pass))
        #expect(RuleEngine.verdict(for: [error], failOn: .never) == (.pass, .pass))
        #expect(RuleEngine.worstUnwaivedSeverity([]) == .off)
    }

    @Test("a rule that throws stops the run with an error naming the rule (exit 2)")
    func throwingRule() throws {
        struct Exploding: Rule {
            struct Boom: Error {}
            static let description = RuleDescription(
                id: "COLUMN_NO_DELETE", name: "boom", category: .breaking, purpose: "Checks that it explodes.",
                rationale: "", defaultSeverity: .warning, triggeringExamples: [], nonTriggeringExamples: [])
            func check(_ change: ModelChange, impact: ModelImpact?, context: RuleContext) throws -> [Finding] { throw Boom() }
        }
        let engine = RuleEngine(contracts: ContractSet(), today: Self.today, rules: [Exploding.self])
        #expect {
            try engine.evaluate(changes: [Self.dropBoth], impacts: [:])
        } throws: { error in
            guard let failure = error as? RuleFailure else { return false }
            return failure.rule == "COLUMN_NO_DELETE" && failure.model == "fct_orders" && failure.exitCode == .usage
                && failure.description.contains("rule COLUMN_NO_DELETE failed on model `fct_orders`")
        }
    }

    @Test("MODEL_RESOLVES and MODEL_HAS_OWNER read the catalog facts the pipeline passes")
    func catalogFacts() throws {
        let set = try Self.contracts("contract: f\nmodels: [fct_orders]\nrules: {MODEL_RESOLVES: warning, MODEL_HAS_OWNER: error}\n")
        let noOwner = Sketch.model("fct_orders", owner: nil)
        let change = ModelChange(name: "fct_orders", status: .modified, base: noOwner, head: noOwner)
        let unresolved = try RuleEngine.evaluate(changes: [change], impacts: [:], contracts: set, today: Self.today,
                                                 catalog: CatalogFacts(consulted: true, ids: ["fct_orders": nil]))
        #expect(Set(unresolved.findings.map(\.rule)) == ["MODEL_RESOLVES", "MODEL_HAS_OWNER"])
        let resolved = try RuleEngine.evaluate(changes: [change], impacts: [:], contracts: set, today: Self.today,
                                               catalog: CatalogFacts(consulted: true, ids: ["fct_orders": "t-1"],
                                                                     owners: ["fct_orders": ["Finance Analytics"]]))
        #expect(resolved.findings.isEmpty, "\(resolved.findings.map(\.message))")
        let offline = try RuleEngine.evaluate(changes: [change], impacts: [:], contracts: set, today: Self.today)
        #expect(offline.findings.map(\.rule) == ["MODEL_HAS_OWNER"])
    }
}
