import GateModel

/// MATERIALIZATION_KEEPS_RELATION: a model keeps a relation in the warehouse.
public struct MaterializationKeepsRelationRule: Rule {
    public init() {}

    public static let description = RuleDescription(
        id: "MATERIALIZATION_KEEPS_RELATION", name: "Materialization keeps the relation", category: .breaking,
        purpose: "Checks that a model does not become ephemeral (its relation would vanish).",
        rationale: "An ephemeral model is inlined into its dbt children as a CTE and no longer exists in the "
            + "warehouse. dbt models still build, but every reader outside dbt loses the table.",
        defaultSeverity: .warning,
        triggeringExamples: [
            RuleExample("table → ephemeral",
                         before: Sketch.model("int_orders", materialized: "table"),
                         after: Sketch.model("int_orders", materialized: "ephemeral"),
                         impact: Sketch.impact("int_orders", [Sketch.consumer("Ops", type: "dashboard", usage: 3)]),
                         expect: [.model(line: 2)]),
        ],
        nonTriggeringExamples: [
            RuleExample("view → table keeps a relation",
                         before: Sketch.model("int_orders", materialized: "view"),
                         after: Sketch.model("int_orders", materialized: "table")),
            RuleExample("A model that was already ephemeral stays so",
                         before: Sketch.model("int_orders", materialized: "ephemeral"),
                         after: Sketch.model("int_orders", materialized: "ephemeral", description: "Inlined.")),
        ])

    public func check(_ change: ModelChange, impact: ModelImpact?, context: RuleContext) throws -> [Finding] {
        guard let base = change.base, let head = change.liveHead, base.enabled,
              base.materialized != "ephemeral", head.materialized == "ephemeral" else { return [] }
        return [finding("`\(change.name)` becomes ephemeral (\(base.materialized) → ephemeral): \(base.relation) would no longer exist for readers outside dbt.",
                        change: change, at: head.configLocations?["materialized"] ?? head.location, context: context)]
    }
}
