import Foundation
import GateModel

/// GitLab Code Quality JSON (the merge request widget): an array of issues with
/// `description`, `check_name`, `fingerprint`, `severity` and `location.path`/`lines.begin`.
/// Waived findings are left out (they are not issues any more).
///
/// Severity: notice → info, warning → minor, error → major, a BREAKING error → critical.
/// Fingerprints hash rule, model, column, path and the occurrence number among findings with
/// those same four values, so they are unique in a report and stable across runs even when
/// lines move. A finding without a location points at its model's file, else the first line of
/// `contract-gate.yml` (GitLab requires a path).
public struct GitLabCodeQualityReporter: Reporter {
    public static let fallbackPath = "contract-gate.yml"

    public init() {}

    public var format: ReportFormat { .gitlab }

    struct Issue: Encodable {
        struct Lines: Encodable { let begin: Int }
        struct Location: Encodable { let path: String; let lines: Lines }
        let type = "issue"
        let description: String
        let checkName: String
        let fingerprint: String
        let severity: String
        let categories: [String]
        let location: Location

        enum CodingKeys: String, CodingKey {
            case type, description, checkName = "check_name", fingerprint, severity, categories, location
        }
    }

    public func render(_ report: Report) -> Data {
        JSONOutput.encode(issues(report))
    }

    func issues(_ report: Report) -> [Issue] {
        let facts = ReportFacts(report)
        var occurrences: [[String]: Int] = [:]
        return facts.unwaived.map { finding in
            let path = finding.location?.path ?? facts.changePath(ofModel: finding.model) ?? Self.fallbackPath
            let key = [finding.rule, finding.model ?? "", finding.column ?? "", path]
            let occurrence = occurrences[key, default: 0]
            occurrences[key] = occurrence + 1
            var description = finding.message
            if let subject = ReportFacts.subject(of: finding) { description = "\(subject): \(description)" }
            if finding.downstream > 0 {
                description += " (reaches \(ReportFacts.plural(finding.downstream, "downstream resource")))"
            }
            return Issue(
                description: TerminalText.sanitize(description),
                checkName: finding.rule,
                fingerprint: StableHash.fingerprint(key + [String(occurrence)]),
                severity: Self.severity(finding),
                categories: [Self.category(finding.category)],
                location: .init(path: path, lines: .init(begin: max(1, finding.location?.line ?? 1))))
        }
    }

    static func severity(_ finding: Finding) -> String {
        switch finding.severity {
        // A broken dbt build stops everything, so it outranks a broken contract.
        case .error: finding.category == .build ? "blocker" : finding.category == .breaking ? "critical" : "major"
        case .warning: "minor"
        case .notice, .off: "info"
        }
    }

    /// Code Climate's categories, the closest to each rule category.
    static func category(_ category: RuleCategory) -> String {
        switch category {
        case .breaking: "Compatibility"
        case .impact: "Bug Risk"
        case .governance: "Style"
        case .catalog: "Bug Risk"
        case .build: "Bug Risk"
        // A relaxed policy is a review matter for the people who own it.
        case .policy: "Security"
        }
    }
}
