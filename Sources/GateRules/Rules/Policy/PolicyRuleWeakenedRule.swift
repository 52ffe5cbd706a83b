import GateModel

/// POLICY_RULE_WEAKENED: a change that lowers how strictly changes are judged is reviewed as such.
public struct PolicyRuleWeakenedRule: Rule {
    public init() {}

    static let base = """
        contract: orders
        owners: ["@data-orders"]
        models: ["models/marts/**"]
        rules:
          COLUMN_NO_DELETE: error
          COLUMN_SAME_TYPE: error

        """

    public static let description = RuleDescription(
        id: PolicyChange.Kind.ruleWeakened.rawValue, name: "Rule weakened", category: .policy,
        purpose: "Checks that a change lowering a rule or turning it off (in a contract or the default policy), changing "
            + "its options, lowering `when_unused`, or loosening contract-gate.yml (`fail_on`, `on_catalog_error`, "
            + "the lineage budget, where the catalog key goes) is reported.",
        rationale: "For a commit range the policy is read from the base revision, so the change is still judged by the "
            + "rules it lowers; once merged, every later change is judged by the lowered ones. This finding puts the "
            + "relaxation in front of the reviewers who own `contracts/` and contract-gate.yml. A rule removed from a "
            + "contract counts when the default policy it falls back to is lower. Default `warning`, for the same "
            + "reason as POLICY_WAIVER_ADDED.",
        defaultSeverity: .warning,
        triggeringExamples: [
            RuleExample("A contract lowers COLUMN_NO_DELETE to a warning", before: nil, after: nil,
                        policy: (before: base, after: base.replacingOccurrences(of: "COLUMN_NO_DELETE: error",
                                                                                with: "COLUMN_NO_DELETE: warning")),
                        expect: [.model(line: 5)]),
            RuleExample("A contract drops COLUMN_SAME_TYPE, leaving the default policy's warning", before: nil, after: nil,
                        policy: (before: base, after: base.replacingOccurrences(of: "  COLUMN_SAME_TYPE: error\n", with: "")),
                        expect: [.model(line: 4)]),
        ],
        nonTriggeringExamples: [
            RuleExample("A contract raises a rule", before: nil, after: nil,
                        policy: (before: base.replacingOccurrences(of: "COLUMN_NO_DELETE: error", with: "COLUMN_NO_DELETE: warning"),
                                 after: base)),
        ])

    public func check(_ change: ModelChange, impact: ModelImpact?, context: RuleContext) throws -> [Finding] {
        context.policyChanges.filter { $0.kind == .ruleWeakened }.map { $0.finding(severity: context.severity) }
    }
}
