import Foundation
import GateModel

/// JUnit XML for any CI: one `<testsuite>` per model, one `<testcase>` per rule checked on it
/// (`Report.checked`, plus any rule that reported on the model). A testcase with unwaived
/// findings has one `<failure>` listing them all; one whose findings are all waived is
/// `<skipped>` with the waiver's reason; otherwise it passed. Findings without a model go to a
/// suite named after the tool.
public struct JUnitReporter: Reporter {
    public init() {}

    public var format: ReportFormat { .junit }

    private struct Suite {
        let name: String
        var cases: [String: [Finding]]
    }

    public func render(_ report: Report) -> Data {
        let facts = ReportFacts(report)
        let projectSuite = report.tool.name
        var suites: [String: Suite] = [:]
        for (model, rules) in report.checked {
            var suite = suites[model] ?? Suite(name: model, cases: [:])
            for rule in rules where suite.cases[rule] == nil { suite.cases[rule] = [] }
            suites[model] = suite
        }
        for finding in facts.findings where finding.severity != .off {
            let name = finding.model ?? projectSuite
            var suite = suites[name] ?? Suite(name: name, cases: [:])
            suite.cases[finding.rule, default: []].append(finding)
            suites[name] = suite
        }

        var body = ""
        var totals = (tests: 0, failures: 0, skipped: 0)
        for suite in suites.values.sorted(by: { $0.name < $1.name }) {
            var cases = ""
            var counts = (tests: 0, failures: 0, skipped: 0)
            for (rule, findings) in suite.cases.sorted(by: { $0.key < $1.key }) {
                counts.tests += 1
                let classname = XMLText.escape("\(projectSuite).\(suite.name)")
                let open = "    <testcase classname=\"\(classname)\" name=\"\(XMLText.escape(rule))\""
                let unwaived = findings.filter { !$0.waived }
                let waived = findings.filter(\.waived)
                if !unwaived.isEmpty {
                    counts.failures += 1
                    let worst = unwaived.map(\.severity).max() ?? .error
                    let first = unwaived[0].message
                    let message = unwaived.count == 1 ? first : "\(first) (and \(unwaived.count - 1) more)"
                    cases += open + ">\n"
                    cases += "      <failure type=\"\(worst.label)\" message=\"\(XMLText.escape(message))\">"
                    cases += XMLText.escape(unwaived.map(Self.describe).joined(separator: "\n\n"))
                    cases += "</failure>\n"
                    if !waived.isEmpty {
                        cases += "      <system-out>" + XMLText.escape(waived.map(Self.describe).joined(separator: "\n\n"))
                            + "</system-out>\n"
                    }
                    cases += "    </testcase>\n"
                } else if !waived.isEmpty {
                    counts.skipped += 1
                    let reasons = waived.map { "waived: \($0.waiver?.reason ?? "by a contract")" }
                    let message = Array(Set(reasons)).sorted().joined(separator: "; ")
                    cases += open + ">\n"
                    cases += "      <skipped message=\"\(XMLText.escape(message))\"/>\n"
                    cases += "      <system-out>" + XMLText.escape(waived.map(Self.describe).joined(separator: "\n\n"))
                        + "</system-out>\n"
                    cases += "    </testcase>\n"
                } else {
                    cases += open + "/>\n"
                }
            }
            body += "  <testsuite name=\"\(XMLText.escape(suite.name))\" tests=\"\(counts.tests)\" "
                + "failures=\"\(counts.failures)\" errors=\"0\" skipped=\"\(counts.skipped)\">\n"
            body += cases
            body += "  </testsuite>\n"
            totals.tests += counts.tests
            totals.failures += counts.failures
            totals.skipped += counts.skipped
        }
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        xml += "<testsuites name=\"\(XMLText.escape(projectSuite))\" tests=\"\(totals.tests)\" "
            + "failures=\"\(totals.failures)\" errors=\"0\" skipped=\"\(totals.skipped)\">\n"
        xml += body
        xml += "</testsuites>\n"
        return Data(xml.utf8)
    }

    /// A finding as plain text for the failure body: severity, place, message, reach, waiver.
    static func describe(_ finding: Finding) -> String {
        var lines = ["[\(finding.severity.label)] \(finding.rule) (\(finding.category.rawValue))"]
        if let subject = ReportFacts.subject(of: finding) { lines.append("subject: \(subject)") }
        if let location = finding.location { lines.append("at: \(location)") }
        lines.append(finding.message)
        if finding.downstream > 0 {
            var reach = "reaches \(ReportFacts.plural(finding.downstream, "downstream resource"))"
            if !finding.consumers.isEmpty { reach += ": " + finding.consumers.joined(separator: ", ") }
            lines.append(reach)
        }
        if !finding.owners.isEmpty { lines.append("owners: " + finding.owners.joined(separator: ", ")) }
        if finding.waived, let waiver = finding.waiver {
            var line = "waived: \(waiver.reason)"
            if let approvedBy = waiver.approvedBy { line += " (approved by \(approvedBy))" }
            if let expires = waiver.expires { line += ", expires \(expires)" }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }
}
