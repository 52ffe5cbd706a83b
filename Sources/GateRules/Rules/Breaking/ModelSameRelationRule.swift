import GateModel

/// MODEL_SAME_RELATION: the warehouse name of a model stays put.
public struct ModelSameRelationRule: Rule {
    public init() {}

    public static let description = RuleDescription(
        id: "MODEL_SAME_RELATION", name: "Model keeps its relation", category: .breaking,
        purpose: "Checks that a model's database.schema.alias does not change (file renames, alias/schema config).",
        rationale: "Consumers outside dbt (BI tools, notebooks, reverse ETL) query the relation by name. A rename "
            + "creates a new table and leaves the old one stale or dropped; readers silently get old data or errors. "
            + "Keep the old name (alias) or publish a new version and migrate readers first.",
        defaultSeverity: .warning,
        triggeringExamples: [
            RuleExample("The alias changes",
                         before: Sketch.model("fct_orders"), after: Sketch.model("fct_orders", alias: "orders_fact"),
                         impact: Sketch.impact("fct_orders", [Sketch.consumer("Revenue", type: "dashboard", usage: 12)]),
                         expect: [.model(line: 2)]),
            RuleExample("The model file is renamed, so the relation is renamed",
                         before: Sketch.model("orders"), after: Sketch.model("fct_orders"),
                         impact: Sketch.impact("fct_orders", [Sketch.consumer("rpt_revenue")]),
                         expect: [.model(line: 2)]),
            RuleExample("The schema config changes",
                         before: Sketch.model("fct_orders"), after: Sketch.model("fct_orders", schema: "finance"),
                         expect: [.model(line: 2)]),
        ],
        nonTriggeringExamples: [
            RuleExample("The file moves to another folder but keeps its name and schema",
                         before: Sketch.model("fct_orders", path: "models/marts/fct_orders.sql"),
                         after: Sketch.model("fct_orders", path: "models/marts/finance/fct_orders.sql")),
            RuleExample("The file is renamed but an alias keeps the relation",
                         before: Sketch.model("orders"), after: Sketch.model("fct_orders", alias: "orders")),
            RuleExample("Only the description changes",
                         before: Sketch.model("fct_orders"), after: Sketch.model("fct_orders", description: "Orders, one row each.")),
        ])

    public func check(_ change: ModelChange, impact: ModelImpact?, context: RuleContext) throws -> [Finding] {
        guard let base = change.base, let head = change.head, base.enabled, head.enabled,
              head.materialized != "ephemeral", base.materialized != "ephemeral" else { return [] }
        let a = base.relation, b = head.relation
        func differs(_ x: String?, _ y: String?) -> Bool {
            guard let x, let y else { return false }   // an unknown part is not evidence of a change
            return Relation.normalize(x) != Relation.normalize(y)
        }
        guard differs(a.identifier, b.identifier) || differs(a.schema, b.schema) || differs(a.database, b.database)
        else { return [] }
        let file = base.path != head.path ? " (file \(base.path) → \(head.path))" : ""
        return [finding("Model `\(change.name)` is renamed in the warehouse: \(a) → \(b)\(file). Readers of \(a) lose it; keep the old name with `alias:` or migrate them first.",
                        change: change, at: head.location, context: context)]
    }
}
