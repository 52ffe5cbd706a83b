import GateModel

/// One way a change relaxes the policy that judges changes (DESIGN.md §9 "Policy from the base"):
/// what the POLICY rules report. Worked out by `PolicyDiff` from the policy at the base and at
/// the head; pure data, so the rules that turn it into findings stay pure.
public struct PolicyChange: Sendable, Hashable {
    /// Which POLICY rule reports it; the raw value is the rule ID.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// A waiver added, or an existing one extended (later or no `expires`, another approver).
        case waiverAdded = "POLICY_WAIVER_ADDED"
        /// A rule lowered or turned off, its options changed, `when_unused` lowered, or a
        /// contract-gate.yml setting loosened (`fail_on`, `on_catalog_error`, the lineage budget,
        /// where the catalog key goes).
        case ruleWeakened = "POLICY_RULE_WEAKENED"
        /// A contract (or an ODCS contract, schema or property) removed, or a selector dropped.
        case contractNarrowed = "POLICY_CONTRACT_NARROWED"
    }

    public var kind: Kind
    public var message: String
    /// Where it shows in the head tree (the line of the waiver, rule or key); for something the
    /// head no longer has at all, where it was in the base.
    public var location: SourceLocation
    /// The model a waiver names.
    public var model: String?
    /// The column a waiver names.
    public var column: String?
    /// The contract changed, by name (`default` for the default policy).
    public var contract: String?

    public init(_ kind: Kind, _ message: String, at location: SourceLocation, model: String? = nil,
                column: String? = nil, contract: String? = nil) {
        self.kind = kind
        self.message = message
        self.location = location
        self.model = model
        self.column = column
        self.contract = contract
    }
}
