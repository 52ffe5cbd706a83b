import GateModel
import GateRules

/// One `contracts/<name>.yml` file (DESIGN.md §4): which models it covers, how strictly each
/// rule applies to them, and the waivers its owners approved.
public struct Contract: Sendable, Hashable {
    /// How a contract picks its models.
    public enum Selector: Sendable, Hashable, CustomStringConvertible {
        /// A path glob from the repository root, matched against the model's `.sql`/`.py` file.
        case path(PathGlob)
        /// `tag:<name>`: models carrying the dbt tag.
        case tag(String)
        /// A model name.
        case name(String)

        public var description: String {
            switch self {
            case .path(let glob): glob.pattern
            case .tag(let tag): "tag:\(tag)"
            case .name(let name): name
            }
        }
    }

    /// Who a finding should name as people to tell.
    public enum NotifyTarget: String, Sendable, Hashable, CaseIterable {
        /// The contract's own `owners`.
        case owners
        /// The owners of the downstream consumers the change reaches.
        case consumers
    }

    /// A rule's severity and options as one contract sets them.
    public struct RuleSetting: Sendable, Hashable {
        public var id: String
        public var severity: Severity
        public var options: [String: JSONValue]
        /// The rule's key in the contract file.
        public var location: SourceLocation?

        public init(id: String, severity: Severity, options: [String: JSONValue] = [:], location: SourceLocation? = nil) {
            self.id = id
            self.severity = severity
            self.options = options
            self.location = location
        }
    }

    public var name: String
    public var description: String?
    public var owners: [String]
    public var selectors: [Selector]
    /// Where each selector is written (`models:` item), parallel to `selectors` when parsed from a
    /// file; empty for contracts built in code.
    public var selectorLocations: [SourceLocation] = []
    public var rules: [RuleSetting]
    /// The highest severity a BREAKING finding keeps when it reaches no consumer; nil keeps it as is.
    public var whenUnused: Severity?
    public var notify: [NotifyTarget]
    /// Email or owner name → code-host handle (`alice@shop.com: "@alice"`), so findings can mention people.
    public var handles: [String: String]
    public var waivers: [Waiver]
    /// `default: true`: this file is the policy for models under no contract.
    public var isDefault: Bool
    /// The contract file.
    public var path: String
    /// Where each top-level key (`models`, `rules`, `when_unused`, …) sits in the file, so a
    /// finding about what the key says (or no longer says) can point at it.
    public var keyLocations: [String: SourceLocation] = [:]

    public init(name: String, description: String? = nil, owners: [String] = [], selectors: [Selector] = [],
                rules: [RuleSetting] = [], whenUnused: Severity? = nil, notify: [NotifyTarget] = [.consumers],
                handles: [String: String] = [:], waivers: [Waiver] = [], isDefault: Bool = false, path: String = "") {
        self.name = name
        self.description = description
        self.owners = owners
        self.selectors = selectors
        self.rules = rules
        self.whenUnused = whenUnused
        self.notify = notify
        self.handles = handles
        self.waivers = waivers
        self.isDefault = isDefault
        self.path = path
    }

    /// What this contract says about `rule`, if anything.
    public func setting(for rule: String) -> RuleSetting? { rules.first { $0.id == rule } }

    /// Whether this contract selects the model at either side of `change` (a model moved out of a
    /// contract's folder is still checked against it).
    public func selects(_ change: ModelChange) -> Bool {
        let snapshots = [change.base, change.head].compactMap { $0 }
        let names = Set(([change.name] + snapshots.map(\.name)).map { $0.lowercased() })
        let paths = snapshots.map(\.path)
        let tags = Set(snapshots.flatMap(\.tags).map { $0.lowercased() })
        return selectors.contains { selector in
            switch selector {
            case .name(let name): names.contains(name.lowercased())
            case .tag(let tag): tags.contains(tag.lowercased())
            case .path(let glob): paths.contains { glob.matches($0) }
            }
        }
    }
}

/// An approved exception: a finding of `rule` on `model` (and `column`) does not count until `expires`.
public struct Waiver: Sendable, Hashable {
    public var rule: String
    public var model: String
    /// Nil waives the rule for every column of the model.
    public var column: String?
    public var reason: String
    public var approvedBy: String
    public var expires: CalendarDay?
    /// The `- rule:` line in the contract file.
    public var location: SourceLocation
    public var contract: String

    public init(rule: String, model: String, column: String? = nil, reason: String, approvedBy: String,
                expires: CalendarDay? = nil, location: SourceLocation, contract: String) {
        self.rule = rule
        self.model = model
        self.column = column
        self.reason = reason
        self.approvedBy = approvedBy
        self.expires = expires
        self.location = location
        self.contract = contract
    }

    /// Expired when `today` is after the `expires` day (the waiver holds through that day).
    public func isExpired(on today: CalendarDay) -> Bool { expires.map { $0 < today } ?? false }

    /// Whether the waiver names this finding's rule, model and (when it names one) column.
    public func covers(_ finding: Finding) -> Bool {
        guard finding.rule == rule, let findingModel = finding.model?.lowercased() else { return false }
        // A waiver naming a versioned model (`dim_customers`) covers each of its versions (`dim_customers.v2`),
        // the names findings on versions carry.
        let waived = model.lowercased()
        guard findingModel == waived || (findingModel.hasPrefix(waived + ".v") && findingModel.count > waived.count + 2)
        else { return false }
        guard let column else { return true }
        return finding.column?.lowercased() == column.lowercased()
    }

    /// The waiver as a finding records it.
    public var reference: WaiverReference {
        WaiverReference(reason: reason, approvedBy: approvedBy, expires: expires?.description, location: location)
    }
}

/// An ODCS v3 data contract file (`kind: DataContract`).
public struct OdcsContract: Sendable, Hashable {
    public var name: String
    public var path: String
    public var schemas: [OdcsSchemaExpectation]

    public init(name: String, path: String, schemas: [OdcsSchemaExpectation]) {
        self.name = name
        self.path = path
        self.schemas = schemas
    }
}
