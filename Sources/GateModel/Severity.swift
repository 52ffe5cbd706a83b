/// How much a finding matters. Ordered: `off < notice < warning < error`.
public enum Severity: String, Sendable, Codable, CaseIterable, Comparable {
    case off
    case notice
    case warning
    case error

    private var rank: Int {
        switch self {
        case .off: 0
        case .notice: 1
        case .warning: 2
        case .error: 3
        }
    }

    public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }
}

/// What kind of promise a rule protects. Separate from severity (STYLE.md "Rules").
public enum RuleCategory: String, Sendable, Codable, CaseIterable {
    case breaking = "BREAKING"
    case impact = "IMPACT"
    case governance = "GOVERNANCE"
    case catalog = "CATALOG"
    /// The change makes the next `dbt parse`/`dbt build` fail, contract or not (DESIGN.md §9).
    case build = "BUILD"
    /// The change relaxes the policy that judges changes: a waiver added, a rule lowered, a contract
    /// narrowed (DESIGN.md §9 "Policy from the base").
    case policy = "POLICY"
}

/// `fail_on` in contract-gate.yml: the lowest unwaived severity that fails the run.
public enum FailOn: String, Sendable, Codable, CaseIterable {
    case error
    case warning
    case never

    /// Whether a finding of `severity` fails the run under this threshold.
    public func fails(_ severity: Severity) -> Bool {
        switch self {
        case .error: severity >= .error
        case .warning: severity >= .warning
        case .never: false
        }
    }
}
