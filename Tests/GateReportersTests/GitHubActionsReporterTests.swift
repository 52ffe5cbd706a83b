import Foundation
import GateModel
import Testing
@testable import GateReporters

/// How GitHub's runner reads a workflow command line (actions/runner ActionCommand.TryParseV2):
/// `::name key=value,key=value::data`, values and data unescaped. Used to prove that what we
/// write is read back as exactly one command carrying exactly our text.
struct ParsedCommand: Equatable {
    var name: String
    var properties: [String: String]
    var data: String

    init?(_ line: String) {
        guard line.hasPrefix("::") else { return nil }
        let rest = line.dropFirst(2)
        guard let end = rest.range(of: "::") else { return nil }
        let head = rest[..<end.lowerBound]
        data = Self.unescape(String(rest[end.upperBound...]), property: false)
        let parts = head.split(separator: " ", maxSplits: 1)
        name = String(parts.first ?? "")
        properties = [:]
        if parts.count == 2 {
            for pair in parts[1].split(separator: ",") {
                let kv = pair.split(separator: "=", maxSplits: 1)
                guard kv.count == 2 else { return nil }
                properties[String(kv[0])] = Self.unescape(String(kv[1]), property: true)
            }
        }
    }

    static func unescape(_ text: String, property: Bool) -> String {
        var result = text.replacingOccurrences(of: "%0D", with: "\r").replacingOccurrences(of: "%0A", with: "\n")
        if property {
            result = result.replacingOccurrences(of: "%3A", with: ":").replacingOccurrences(of: "%2C", with: ",")
        }
        return result.replacingOccurrences(of: "%25", with: "%")
    }
}

@Suite struct GitHubActionsReporterTests {
    func lines(_ report: Report, hint: String = GitHubActionsReporter.defaultFullReportHint) -> [String] {
        GitHubActionsReporter(fullReportHint: hint).renderText(report).outputLines
    }

    @Test func injectedCommandInAMessageStaysData() throws {
        let message = "harmless\n::error::pwned\r\n::add-mask::x %0A 100%"
        let finding = Finding(rule: "COLUMN_NO_DELETE", category: .breaking, severity: .error, model: "m",
                              message: message,
                              location: GateModel.SourceLocation(path: "models/a,b::c.yml", line: 4, column: 2))
        let output = lines(Report(base: "a", head: "b", verdict: .fail, exitCode: 1, findings: [finding]))
        let commands = output.filter { $0.hasPrefix("::") }
        #expect(commands.count == 1)
        #expect(!output.contains { $0.contains("\n") || $0.contains("\r") })
        let parsed = try #require(ParsedCommand(commands[0]))
        #expect(parsed.name == "error")
        #expect(parsed.properties == ["file": "models/a,b::c.yml", "line": "4", "col": "2", "title": "COLUMN_NO_DELETE"])
        #expect(parsed.data == "harmless\n::error::pwned\n::add-mask::x %0A 100%")
        // Every other line is our own verdict line.
        #expect(output.filter { !$0.hasPrefix("::") } == ["contract-gate: fail — 1 error, 0 warnings, 0 notices, 0 waived; 0 downstream resources"])
    }

    @Test func canonicalReportRoundTripsThroughTheRunnersParser() throws {
        let report = CanonicalReport.report
        let output = lines(report)
        let commands = try output.filter { $0.hasPrefix("::") }.map { try #require(ParsedCommand($0)) }
        // 6 unwaived distinct findings + 1 diagnostic; waived findings are not annotations.
        #expect(commands.count == 7)
        #expect(commands.map(\.name) == ["error", "error", "error", "warning", "warning", "warning", "notice"])
        #expect(!commands.contains { $0.data.contains("legacy_status") || $0.data.contains("has no owner") })
        let hostile = try #require(commands.first { $0.properties["title"] == "COLUMN_SAME_TYPE" })
        #expect(hostile.data.hasPrefix(TerminalText.sanitize(CanonicalReport.hostileMessage, keepNewlines: true)))
        #expect(!hostile.data.contains("\u{1B}"))
        let odd = try #require(commands.first { $0.properties["title"] == "MODEL_HAS_DESCRIPTION" })
        #expect(odd.properties["file"] == CanonicalReport.oddPath)
        let unlocated = try #require(commands.first { $0.properties["title"] == "BLAST_RADIUS" })
        #expect(unlocated.properties.keys.sorted() == ["title"])
        let ranged = try #require(commands.first { $0.properties["title"] == "COLUMN_PII_STAYS_TAGGED" })
        #expect(ranged.properties["endLine"] == "8" && ranged.properties["endColumn"] == "16")
    }

    @Test func overflowIsSummarisedWithinGitHubsLimits() throws {
        var findings: [Finding] = []
        for i in 0..<300 {
            let severity: Severity = [.error, .warning, .notice][i % 3]
            findings.append(Finding(rule: "COLUMN_NO_DELETE", category: .breaking, severity: severity, model: "m\(i)",
                                    message: "finding \(i)",
                                    location: GateModel.SourceLocation(path: "models/m\(i).yml", line: i + 1)))
        }
        let output = lines(Report(base: "a", head: "b", verdict: .fail, exitCode: 1, findings: findings),
                           hint: "the contract-gate job summary")
        let commands = try output.filter { $0.hasPrefix("::") }.map { try #require(ParsedCommand($0)) }
        #expect(commands.filter { $0.name == "error" }.count == 10)
        #expect(commands.filter { $0.name == "warning" }.count == 10)
        #expect(commands.filter { $0.name == "notice" }.count == 10)
        let summaries = commands.filter { $0.properties["title"] == "contract-gate: more findings" }
        #expect(summaries.count == 1)
        let summary = try #require(summaries.first)
        #expect(summary.name == "notice")
        #expect(summary.data.contains("271 more findings"))
        #expect(summary.data.contains("90 errors, 90 warnings, 91 notices"))
        #expect(summary.data.contains("the contract-gate job summary"))
        // Errors come first.
        #expect(commands.prefix(10).allSatisfy { $0.name == "error" })
    }

    @Test func noOverflowNoSummary() {
        let output = lines(CanonicalReport.report)
        #expect(!output.contains { $0.contains("more findings") })
    }

    @Test func stepSummaryAppendsAndStaysUnderTheLimit() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("summary-\(UUID().uuidString).md").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let summary = GitHubStepSummary(path: path, byteLimit: 2_048)

        let first = try summary.append("# first\n")
        #expect(first == .appended(bytes: 8))
        let markdown = MarkdownReporter().renderText(CanonicalReport.report)
        #expect(markdown.utf8.count > 2_048)
        guard case .truncated(let bytes) = try summary.append(markdown) else {
            Issue.record("a report larger than the room left must be truncated")
            return
        }
        let written = try String(contentsOfFile: path, encoding: .utf8)
        #expect(written.utf8.count == 8 + bytes)
        #expect(written.utf8.count <= 2_048)
        #expect(written.hasPrefix("# first\n" + MarkdownReporter.marker + "\n## ❌ contract-gate: fail"))
        #expect(written.contains("Summary truncated"))
        _ = try summary.append(markdown)
        let after = try String(contentsOfFile: path, encoding: .utf8)
        #expect(after.utf8.count <= 2_048)

        let full = FileManager.default.temporaryDirectory.appendingPathComponent("full-\(UUID().uuidString).md").path
        defer { try? FileManager.default.removeItem(atPath: full) }
        try Data(repeating: 0x41, count: 2_048).write(to: URL(fileURLWithPath: full))
        #expect(try GitHubStepSummary(path: full, byteLimit: 2_048).append("# late\n") == .skipped)
        #expect(try Data(contentsOf: URL(fileURLWithPath: full)).count == 2_048)
    }

    @Test func stepSummaryInAMissingFolderIsAClearError() {
        let summary = GitHubStepSummary(path: "/nonexistent-\(UUID().uuidString)/summary.md")
        #expect(throws: InputError.self) { try summary.append("x") }
    }
}
