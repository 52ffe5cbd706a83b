import Foundation
import GateModel

/// GitHub Actions workflow commands: one `::error`/`::warning`/`::notice` annotation per
/// unwaived finding, the most severe first, then a plain verdict line.
///
/// GitHub shows only 10 annotations of each level per step, so at most 10 errors and 10
/// warnings are written; whatever does not fit is counted in one `::notice` that says where the
/// full list is (by default the job summary, which `GitHubStepSummary` writes). Waived findings
/// are not annotated; the job summary lists them. Everything from the repository is escaped so
/// no message, path or rule can end the command or start another one.
public struct GitHubActionsReporter: Reporter {
    /// Where people find the complete list when annotations overflow.
    public static let defaultFullReportHint = "the job summary"
    /// GitHub's per-step display limit for each annotation level.
    public static let annotationLimitPerLevel = 10

    /// Where the full report is, e.g. "the job summary" or "the contract-gate-report artifact".
    public let fullReportHint: String

    public init(fullReportHint: String = GitHubActionsReporter.defaultFullReportHint) {
        self.fullReportHint = fullReportHint
    }

    public var format: ReportFormat { .github }

    public func render(_ report: Report) -> Data {
        Data(renderLines(report).map { $0 + "\n" }.joined().utf8)
    }

    /// One annotation before the per-level cap is applied.
    private struct Annotation {
        let level: Severity
        let title: String
        let message: String
        let location: SourceLocation?
    }

    func renderLines(_ report: Report) -> [String] {
        let facts = ReportFacts(report)
        var candidates: [Annotation] = facts.unwaived.map { finding in
            Annotation(level: finding.severity, title: finding.rule, message: Self.message(for: finding),
                       location: finding.location)
        }
        candidates += report.diagnostics.filter { $0.severity != .off }.map { diagnostic in
            Annotation(level: diagnostic.severity, title: "contract-gate", message: diagnostic.message,
                       location: diagnostic.location)
        }

        let levels = [Severity.error, .warning, .notice]
        let limit = Self.annotationLimitPerLevel
        // If anything overflows, the overflow notice takes one notice slot.
        let anyOverflow = levels.contains { level in candidates.filter { $0.level == level }.count > limit }
        var lines: [String] = []
        var omitted: [Severity: Int] = [:]
        for level in levels {
            let ofLevel = candidates.filter { $0.level == level }
            let room = level == .notice && anyOverflow ? limit - 1 : limit
            for annotation in ofLevel.prefix(room) {
                lines.append(Self.command(annotation.level, title: annotation.title, message: annotation.message,
                                          location: annotation.location))
            }
            if ofLevel.count > room { omitted[level] = ofLevel.count - room }
        }
        if !omitted.isEmpty {
            let total = omitted.values.reduce(0, +)
            let parts = levels.compactMap { level in
                omitted[level].map { ReportFacts.plural($0, level.label) }
            }
            let message = "\(total) more \(total == 1 ? "finding is" : "findings are") not shown as annotations "
                + "(\(parts.joined(separator: ", "))): GitHub displays only \(Self.annotationLimitPerLevel) "
                + "per level and step. The full list is in \(fullReportHint)."
            lines.append(Self.command(.notice, title: "contract-gate: more findings", message: message, location: nil))
        }
        lines.append("contract-gate: \(report.verdict.rawValue) — \(facts.countsPhrase); \(facts.downstreamPhrase)")
        return lines
    }

    /// The annotation text: the message, then who is reached.
    static func message(for finding: Finding) -> String {
        var text = finding.message
        if !finding.consumers.isEmpty {
            let shown = finding.consumers.prefix(5).joined(separator: ", ")
            let more = finding.consumers.count > 5 ? " and \(finding.consumers.count - 5) more" : ""
            text += "\nReaches \(ReportFacts.plural(finding.downstream, "downstream resource")): \(shown)\(more)."
        } else if finding.downstream > 0 {
            text += "\nReaches \(ReportFacts.plural(finding.downstream, "downstream resource"))."
        }
        if !finding.owners.isEmpty {
            text += "\nOwners: \(finding.owners.joined(separator: ", "))."
        }
        return text
    }

    /// `::level file=…,line=…,col=…,endLine=…,endColumn=…,title=…::message`, properties and
    /// message escaped.
    static func command(_ level: Severity, title: String, message: String, location: SourceLocation?) -> String {
        let name = switch level {
        case .error: "error"
        case .warning: "warning"
        case .notice, .off: "notice"
        }
        var properties: [(String, String)] = []
        if let location {
            properties.append(("file", location.path))
            properties.append(("line", String(max(1, location.line))))
            properties.append(("col", String(max(1, location.column))))
            if let endLine = location.endLine { properties.append(("endLine", String(endLine))) }
            if let endColumn = location.endColumn { properties.append(("endColumn", String(endColumn))) }
        }
        properties.append(("title", title))
        let rendered = properties.map { "\($0.0)=\(WorkflowCommandEscaping.property($0.1))" }.joined(separator: ",")
        return "::\(name) \(rendered)::\(WorkflowCommandEscaping.data(message))"
    }
}

/// The escaping GitHub's runner undoes when it reads a workflow command (actions/toolkit
/// `command.ts`): `%`, CR and LF in data; additionally `:` and `,` in properties. Terminal
/// control sequences are removed first, since the log viewer would interpret them.
enum WorkflowCommandEscaping {
    static func data(_ text: String) -> String {
        TerminalText.sanitize(text, keepNewlines: true)
            .replacingOccurrences(of: "%", with: "%25")
            .replacingOccurrences(of: "\r", with: "%0D")
            .replacingOccurrences(of: "\n", with: "%0A")
    }

    static func property(_ text: String) -> String {
        data(text)
            .replacingOccurrences(of: ":", with: "%3A")
            .replacingOccurrences(of: ",", with: "%2C")
    }
}
