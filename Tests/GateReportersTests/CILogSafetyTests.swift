import Foundation
import GateModel
import Testing
@testable import GateReporters

/// Any format may be printed to stdout inside a CI job. GitHub's runner treats a line as a
/// workflow command when, after leading whitespace, it starts with `::`; so no line built from
/// repository data may start that way, in any format.
@Suite struct CILogSafetyTests {
    static var hostileReport: Report {
        var report = CanonicalReport.report
        report.findings.append(Finding(
            rule: "MODEL_HAS_DESCRIPTION", category: .governance, severity: .notice, model: "::error::model",
            column: "\n::warning::column", message: "::notice::start\n  ::error title=x::indented\n##[error]legacy",
            location: GateModel.SourceLocation(path: "::error::path.yml", line: 2)))
        report.impact.append(ModelImpact(model: "::error::model", downstream: [
            DownstreamNode(id: "::error::id", name: "\n::error::node", type: "::error::type", depth: 1, source: "dbt"),
        ]))
        report.catalog.errors.append("\n::error::catalog")
        return report
    }

    @Test(arguments: ReportFormat.allCases.filter { $0 != .github })
    func noLineCanBeReadAsAWorkflowCommand(format: ReportFormat) {
        let output = format.reporter(ReporterOptions(useColor: true)).renderText(Self.hostileReport)
        #expect(output.contains("error"), "the hostile text is in the report")
        for line in output.components(separatedBy: "\n") {
            let trimmed = line.drop { $0.isWhitespace }
            #expect(!trimmed.hasPrefix("::") && !trimmed.hasPrefix("##["), "\(format): \(line)")
        }
    }

    @Test func githubFormatHasOnlyItsOwnCommands() throws {
        let output = GitHubActionsReporter().renderText(Self.hostileReport).outputLines
        let commands = try output.filter { $0.hasPrefix("::") }.map { try #require(ParsedCommand($0)) }
        // 7 unwaived distinct findings + 1 diagnostic, and nothing else.
        #expect(commands.count == 8)
        #expect(output.count == commands.count + 1)
        let hostile = try #require(commands.first { $0.properties["file"] == "::error::path.yml" })
        #expect(hostile.name == "notice")
        #expect(hostile.data == "::notice::start\n  ::error title=x::indented\n##[error]legacy")
    }
}
