import GateModel
import GateRules

// A POLICY rule's example is a contract file before and after: only this module can read one
// (`ContractSet.parse`) and diff the two (`PolicyDiff`), so the context an example runs in is
// built here rather than beside `RuleExample`.
extension RuleExample {
    /// The context the rule sees when run on this example at `severity`.
    public func context(for description: RuleDescription, severity: Severity = .error) -> RuleContext {
        var context = RuleContext(severity: severity, options: RuleOptions(options, defaults: description.options), today: today,
                                  catalog: catalog, odcs: odcs, contracts: ["example"], breakingFindings: breaking,
                                  danglingReferences: references, brokenReads: brokenReads, contractMismatches: mismatches)
        context.policyChanges = policyChanges
        return context
    }

    /// How the example's contract file changes the policy (empty when it has none, or when a side
    /// does not parse — which the example test then reports as a missing finding).
    public var policyChanges: [PolicyChange] {
        guard let policy,
              let base = try? ContractSet.parse(files: [(Sketch.contractPath, policy.before)]),
              let head = try? ContractSet.parse(files: [(Sketch.contractPath, policy.after)]) else { return [] }
        return PolicyDiff.changes(base: base, head: head)
    }
}
