import GateModel

/// MODEL_HAS_OWNER: someone answers for a contracted model.
public struct ModelHasOwnerRule: Rule {
    public init() {}

    public static let description = RuleDescription(
        id: "MODEL_HAS_OWNER", name: "Model has an owner", category: .governance,
        purpose: "Checks that a contracted model has an owner (meta.owner, group, or Secoda owners).",
        rationale: "A contract is a promise someone keeps: without an owner nobody is told when a consumer breaks "
            + "or a waiver expires. Checked on the models a contract turns this rule on for.",
        defaultSeverity: .off,
        triggeringExamples: [
            RuleExample("A changed model has no owner anywhere",
                         before: Sketch.model("fct_orders", owner: nil), after: Sketch.model("fct_orders", description: "Orders.", owner: nil),
                         expect: [.model(line: 2)]),
        ],
        nonTriggeringExamples: [
            RuleExample("`meta.owner` is set",
                         before: nil, after: Sketch.model("fct_orders", owner: "@data-finance")),
            RuleExample("Secoda lists an owner for the table",
                         before: Sketch.model("fct_orders", owner: nil), after: Sketch.model("fct_orders", description: "Orders.", owner: nil),
                         catalog: CatalogFacts(consulted: true, owners: ["fct_orders": ["Alice"]])),
            RuleExample("The model is deleted",
                         before: Sketch.model("fct_orders", owner: nil), after: nil),
        ])

    public func check(_ change: ModelChange, impact: ModelImpact?, context: RuleContext) throws -> [Finding] {
        guard let head = change.head, head.enabled else { return [] }
        let owners = [head.owner, head.group, head.meta["owner"]?.stringValue].compactMap { $0 }.filter { !$0.isEmpty }
            + (context.catalog.owners[change.name] ?? [])
        guard owners.isEmpty else { return [] }
        return [finding("`\(change.name)` has no owner. Set `meta: {owner: \"@team\"}` or a dbt `group`, or assign an owner in the catalog.",
                        change: change, at: head.location, context: context)]
    }
}
