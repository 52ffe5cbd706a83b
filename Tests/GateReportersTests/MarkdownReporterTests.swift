import Foundation
import GateModel
import Testing
@testable import GateReporters

@Suite struct MarkdownReporterTests {
    /// Splits a GFM table row into cells the way GitHub does: on `|` not preceded by `\`.
    func cells(_ row: String) -> [String] {
        var cells: [String] = []
        var current = ""
        var escaped = false
        for character in row.dropFirst().dropLast() {
            if character == "|" && !escaped {
                cells.append(current)
                current = ""
            } else {
                current.append(character)
            }
            escaped = character == "\\" && !escaped
        }
        cells.append(current)
        return cells
    }

    @Test func hostileTextCannotBreakTablesOrOpenHTML() throws {
        let markdown = MarkdownReporter().renderText(CanonicalReport.report)
        let tableRows = markdown.outputLines.filter { $0.hasPrefix("| ") }
        #expect(!tableRows.isEmpty)
        for row in tableRows {
            #expect(row.hasSuffix(" |"), "row \(row)")
        }
        let findingRows = tableRows.filter { $0.contains("`COLUMN_SAME_TYPE`") }
        #expect(findingRows.count == 1)
        let hostileCells = cells(findingRows[0])
        #expect(hostileCells.count == 5)
        #expect(hostileCells[4].contains("&lt;b&gt;&amp; more&lt;/b&gt;"))
        #expect(hostileCells[4].contains("<br>"))
        #expect(!markdown.contains("<b>"))
        #expect(!markdown.contains("\u{1B}"))
        let customer = tableRows.filter { $0.hasPrefix("| `dim_customers` | Customer 360") }
        try #require(customer.count == 1)
        #expect(cells(customer[0]).count == 7)
        #expect(markdown.contains("`@alice`"))
        #expect(markdown.contains("Impact may be incomplete"))
    }

    @Test func impactTableMarksStaleAndUsedDashboards() {
        let markdown = MarkdownReporter().renderText(CanonicalReport.report)
        let old = markdown.outputLines.first { $0.contains("Old Revenue") } ?? ""
        #expect(old.contains("stale (deprecation candidate)"))
        let revenue = markdown.outputLines.first { $0.hasPrefix("| `fct_orders` | [Revenue](https://bi.example/d/1) |") } ?? ""
        #expect(revenue.contains("40 / 3"))
        #expect(revenue.contains("in use"))
        #expect(revenue.contains("`Dana Finance`"))
    }

    @Test func hugeReportIsTruncatedUnderTheLimitWithANote() throws {
        var report = CanonicalReport.report
        let longText = String(repeating: "a very long message | with <tags> & pipes ", count: 40)
        for i in 0..<3_000 {
            report.findings.append(Finding(rule: "COLUMN_NO_DELETE", category: .breaking, severity: .error,
                                           model: "model_\(i)", column: "c\(i)", message: "\(i): \(longText)",
                                           location: GateModel.SourceLocation(path: "models/m\(i).yml", line: i + 1)))
        }
        report.impact.append(ModelImpact(model: "model_0", downstream: (0..<2_000).map {
            DownstreamNode(id: "n\($0)", name: "Dashboard \($0)", type: "dashboard", depth: 1, source: "secoda")
        }))
        let markdown = MarkdownReporter().renderText(report)
        #expect(markdown.utf8.count <= MarkdownReporter.defaultCharacterLimit)
        #expect(markdown.count <= 65_536)
        #expect(markdown.contains("**Truncated:**"))
        let shownFindings = markdown.outputLines.filter { $0.hasPrefix("| 🛑 error") || $0.hasPrefix("| ⚠️ warning") || $0.hasPrefix("| ℹ️ notice") }.count
        let notShown = try #require(markdown.outputLines.first { $0.hasPrefix("_… ") && $0.contains("more findings not shown") })
        let number = try #require(Int(notShown.dropFirst(3).prefix { $0.isNumber }))
        #expect(shownFindings + number == ReportFacts(report).unwaived.count)
        #expect(markdown.contains("downstream resources were left out") || markdown.contains("downstream resources, "))
        // Every table row that was written is whole.
        #expect(markdown.outputLines.filter { $0.hasPrefix("| ") }.allSatisfy { $0.hasSuffix(" |") })
        #expect(markdown.hasSuffix("</sub>\n"))
    }

    @Test func smallLimitStillHoldsWithOnlyHeaders() {
        let markdown = MarkdownReporter(maxCharacters: 2_400).renderText(CanonicalReport.report)
        #expect(markdown.utf8.count <= 2_400)
        #expect(markdown.contains("Truncated"))
    }

    @Test func passingReportSaysSo() {
        let report = Report(base: "a", head: "b", verdict: .pass, exitCode: 0)
        let markdown = MarkdownReporter().renderText(report)
        #expect(markdown.hasPrefix(MarkdownReporter.marker + "\n## ✅ contract-gate: pass"))
        #expect(markdown.contains("No unwaived findings."))
    }
}
