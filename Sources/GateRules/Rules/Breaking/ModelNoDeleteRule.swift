import GateModel

/// MODEL_NO_DELETE: a model people read is not deleted or disabled.
public struct ModelNoDeleteRule: Rule {
    public init() {}

    public static let description = RuleDescription(
        id: "MODEL_NO_DELETE", name: "Model not deleted", category: .breaking,
        purpose: "Checks that a model with downstream consumers (or an enforced contract) is not deleted or disabled.",
        rationale: "Deleting or disabling a model drops its relation at the next deploy; every query, model and "
            + "dashboard reading it fails. Deprecate it first (dbt model versions, a notice to the owners) and delete "
            + "it once nothing reads it.",
        defaultSeverity: .warning,
        triggeringExamples: [
            RuleExample("A model a dashboard reads is deleted",
                         before: Sketch.model("fct_orders", [Sketch.column("order_id", "bigint")]), after: nil,
                         impact: Sketch.impact("fct_orders", [Sketch.consumer("Revenue", type: "dashboard", usage: 40)]),
                         expect: [.model(line: 2)]),
            RuleExample("A model with an enforced contract is disabled",
                         before: Sketch.model("fct_orders", enforced: true),
                         after: Sketch.model("fct_orders", enforced: true, enabled: false),
                         impact: Sketch.impact("fct_orders", []),
                         expect: [.model(line: 2)]),
        ],
        nonTriggeringExamples: [
            RuleExample("A model nothing reads, without an enforced contract, is deleted",
                         before: Sketch.model("tmp_orders_backfill"), after: nil,
                         impact: Sketch.impact("tmp_orders_backfill", [])),
            RuleExample("A model whose only reader is a stale dashboard is deleted",
                         before: Sketch.model("fct_orders_legacy"), after: nil,
                         impact: Sketch.impact("fct_orders_legacy", [Sketch.consumer("Old KPIs", type: "dashboard", usage: 0)])),
            RuleExample("A model is modified, not deleted",
                         before: Sketch.model("fct_orders", [Sketch.column("order_id", "bigint")]),
                         after: Sketch.model("fct_orders", [Sketch.column("order_id", "bigint"), Sketch.column("note", "varchar")]),
                         impact: Sketch.impact("fct_orders", [Sketch.consumer("rpt_revenue")])),
        ])

    public func check(_ change: ModelChange, impact: ModelImpact?, context: RuleContext) throws -> [Finding] {
        guard let base = change.base, base.enabled else { return [] }
        let verb: String
        if let head = change.head {
            guard !head.enabled else { return [] }
            verb = "disabled (`enabled: false`)"
        } else {
            verb = "deleted"
        }
        let consumers = impact?.consumers ?? []
        guard !consumers.isEmpty || base.contractEnforced else { return [] }
        let why = consumers.isEmpty
            ? "it has an enforced contract"
            : "\(consumers.count) downstream resource\(consumers.count == 1 ? "" : "s") read\(consumers.count == 1 ? "s" : "") it"
        return [finding("Model `\(change.name)` (\(base.relation)) is \(verb) but \(why). Deprecate it first and delete it once nothing reads it.",
                        change: change, at: change.head?.location ?? base.location, context: context)]
    }
}
