import GateModel

/// CONTRACT_STAYS_ENFORCED: a dbt model contract is not switched off.
public struct ContractStaysEnforcedRule: Rule {
    public init() {}

    public static let description = RuleDescription(
        id: "CONTRACT_STAYS_ENFORCED", name: "Contract stays enforced", category: .breaking,
        purpose: "Checks that `contract.enforced` does not go from true to false.",
        rationale: "An enforced dbt contract makes the build fail when the model's columns or types drift. "
            + "Turning it off removes that guard for every later change, usually to get a breaking change through.",
        defaultSeverity: .warning,
        triggeringExamples: [
            RuleExample("`contract: {enforced: true}` is removed",
                         before: Sketch.model("fct_orders", enforced: true), after: Sketch.model("fct_orders", enforced: false),
                         expect: [.model(line: 2)]),
        ],
        nonTriggeringExamples: [
            RuleExample("The contract stays enforced",
                         before: Sketch.model("fct_orders", enforced: true),
                         after: Sketch.model("fct_orders", enforced: true, description: "Orders.")),
            RuleExample("A contract is newly enforced",
                         before: Sketch.model("fct_orders"), after: Sketch.model("fct_orders", enforced: true)),
            RuleExample("The model is deleted (MODEL_NO_DELETE reports it)",
                         before: Sketch.model("fct_orders", enforced: true), after: nil),
        ])

    public func check(_ change: ModelChange, impact: ModelImpact?, context: RuleContext) throws -> [Finding] {
        guard let base = change.base, let head = change.head, base.contractEnforced, !head.contractEnforced,
              head.enabled else { return [] }
        return [finding("`\(change.name)` no longer enforces its dbt contract (`contract.enforced` true → false). Keep it enforced; column and type drift would no longer fail the build.",
                        change: change, at: head.configLocations?["contract.enforced"] ?? head.configLocations?["contract"] ?? head.location,
                        context: context)]
    }
}
