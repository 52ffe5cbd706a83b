import GateModel

/// POLICY_CONTRACT_NARROWED: a change that removes a contract or narrows what it selects is reviewed as such.
public struct PolicyContractNarrowedRule: Rule {
    public init() {}

    static let base = """
        contract: orders
        owners: ["@data-orders"]
        models: ["models/marts/**", "tag:finance"]
        rules:
          COLUMN_NO_DELETE: error

        """

    public static let description = RuleDescription(
        id: PolicyChange.Kind.contractNarrowed.rawValue, name: "Contract narrowed", category: .policy,
        purpose: "Checks that a change removing a contract, dropping one of its selectors, or removing an ODCS contract, "
            + "schema object or promised column is reported.",
        rationale: "A model no contract selects falls back to the default policy, usually far weaker; an ODCS promise "
            + "removed is no longer checked. For a commit range the policy is read from the base revision, so the "
            + "change itself is still judged by the contract it removes; this finding shows the reviewers what "
            + "every later change loses. Default `warning`, for the same reason as POLICY_WAIVER_ADDED.",
        defaultSeverity: .warning,
        triggeringExamples: [
            RuleExample("A contract stops selecting `tag:finance`", before: nil, after: nil,
                        policy: (before: base, after: base.replacingOccurrences(of: ", \"tag:finance\"", with: "")),
                        expect: [.model(line: 3)]),
            RuleExample("A contract file is emptied", before: nil, after: nil,
                        policy: (before: base, after: ""),
                        expect: [.model(line: 1)]),
        ],
        nonTriggeringExamples: [
            RuleExample("A contract selects one more folder", before: nil, after: nil,
                        policy: (before: base, after: base.replacingOccurrences(of: "\"tag:finance\"]",
                                                                                with: "\"tag:finance\", \"models/core/**\"]"))),
        ])

    public func check(_ change: ModelChange, impact: ModelImpact?, context: RuleContext) throws -> [Finding] {
        context.policyChanges.filter { $0.kind == .contractNarrowed }.map { $0.finding(severity: context.severity) }
    }
}
