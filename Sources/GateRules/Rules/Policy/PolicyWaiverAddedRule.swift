import GateModel

/// POLICY_WAIVER_ADDED: a change that adds (or extends) a waiver is reviewed as such.
public struct PolicyWaiverAddedRule: Rule {
    public init() {}

    static let base = """
        contract: orders
        owners: ["@data-orders"]
        models: ["models/marts/**"]
        rules:
          COLUMN_NO_DELETE: error

        """

    public static let description = RuleDescription(
        id: PolicyChange.Kind.waiverAdded.rawValue, name: "Waiver added", category: .policy,
        purpose: "Checks that a change adding a waiver, or extending one (a later or no `expires`, another approver), "
            + "is reported with the waiver's approver and expiry.",
        rationale: "For a commit range the policy is read from the base revision, so a waiver added by the change "
            + "does not excuse the change's own break: it applies once merged. This finding makes the waiver visible "
            + "where it is reviewed (an annotation on its line, the PR comment). Land a waiver in a pull request of "
            + "its own, reviewed by the contract's owners (CODEOWNERS on `contracts/`), then the change it excuses. "
            + "Default `warning`: an `error` would fail that legitimate waiver-only pull request too; set it to "
            + "`error` in the default policy to require an override for every waiver.",
        defaultSeverity: .warning,
        triggeringExamples: [
            RuleExample("The change waives its own column drop", before: nil, after: nil,
                        policy: (before: base, after: base + """
                            waivers:
                              - rule: COLUMN_NO_DELETE
                                model: fct_orders
                                column: status
                                reason: "nobody reads it"
                                approved_by: "@me"
                                expires: 2026-07-01

                            """),
                        expect: [.column("status", line: 7)]),
            RuleExample("The change extends a waiver's expiry",
                        before: nil, after: nil,
                        policy: (before: base + """
                            waivers:
                              - {rule: COLUMN_NO_DELETE, model: fct_orders, reason: "migration", approved_by: "@lead", expires: 2026-06-15}

                            """, after: base + """
                            waivers:
                              - {rule: COLUMN_NO_DELETE, model: fct_orders, reason: "migration", approved_by: "@lead", expires: 2027-06-15}

                            """),
                        expect: [.model(line: 7)]),
        ],
        nonTriggeringExamples: [
            RuleExample("A waiver the base already grants, with its reason reworded", before: nil, after: nil,
                        policy: (before: base + """
                            waivers:
                              - {rule: COLUMN_NO_DELETE, model: fct_orders, reason: "migration", approved_by: "@lead", expires: 2026-06-15}

                            """, after: base + """
                            waivers:
                              - {rule: COLUMN_NO_DELETE, model: fct_orders, reason: "the v2 migration", approved_by: "@lead", expires: 2026-06-15}

                            """)),
            RuleExample("A waiver removed", before: nil, after: nil,
                        policy: (before: base + """
                            waivers:
                              - {rule: COLUMN_NO_DELETE, model: fct_orders, reason: "migration", approved_by: "@lead"}

                            """, after: base)),
        ])

    public func check(_ change: ModelChange, impact: ModelImpact?, context: RuleContext) throws -> [Finding] {
        context.policyChanges.filter { $0.kind == .waiverAdded }.map { $0.finding(severity: context.severity) }
    }
}
