import Foundation
import GateModel
import Testing
@testable import GateReporters

/// Every format rendered from the one canonical report, compared byte for byte.
@Suite struct GoldenTests {
    @Test(arguments: [
        (ReportFormat.text, "report.txt"), (.json, "report.json"), (.github, "report.github.txt"),
        (.sarif, "report.sarif"), (.junit, "report.junit.xml"), (.gitlab, "report.gitlab.json"),
        (.markdown, "report.md"),
    ])
    func formatMatchesGolden(format: ReportFormat, file: String) {
        let reporter = format.reporter()
        #expect(reporter.format == format)
        Golden.verify(reporter.render(CanonicalReport.report), name: file)
    }

    @Test func colouredTextMatchesGolden() {
        Golden.verify(TextReporter(useColor: true).render(CanonicalReport.report), name: "report.color.txt")
    }

    @Test(arguments: ReportFormat.allCases)
    func renderingIsDeterministicAndIndependentOfInputOrder(format: ReportFormat) {
        let report = CanonicalReport.report
        var shuffled = report
        shuffled.findings.reverse()
        shuffled.changes.reverse()
        shuffled.impact = report.impact.reversed().map { impact in
            var copy = impact
            copy.downstream.reverse()
            return copy
        }
        let reporter = format.reporter()
        #expect(reporter.render(report) == reporter.render(report))
        #expect(reporter.render(report) == reporter.render(shuffled))
    }
}

@Suite struct OrderingTests {
    @Test func findingsThatTieInBufsOrderStillHaveOneOrder() {
        let a = Finding(rule: "COLUMN_NO_DELETE", category: .breaking, severity: .error, model: "m", column: "a",
                        message: "same")
        let b = Finding(rule: "COLUMN_NO_DELETE", category: .breaking, severity: .error, model: "m", column: "b",
                        message: "same")
        let forward = Report(base: "x", head: "y", verdict: .fail, exitCode: 1, findings: [a, b])
        let backward = Report(base: "x", head: "y", verdict: .fail, exitCode: 1, findings: [b, a])
        #expect(ReportFacts(forward).findings == [a, b])
        #expect(ReportFacts(backward).findings == [a, b])
        for format in ReportFormat.allCases {
            #expect(format.reporter().render(forward) == format.reporter().render(backward), "\(format)")
        }
    }
}
