import Foundation
import GateModel
import Testing
import Yams
@testable import GateReporters

/// What the Markdown report carries for `contract-gate comment`: the marker, links to the checked
/// lines and to catalog pages, identifiers as code, and waivers that parse as the YAML they claim.
@Suite struct MarkdownCommentTests {
    static let head = "4e5f60718293a4b5c6d7e8f90123456789abcdef"

    static var report: Report {
        var report = CanonicalReport.report
        report.head = head
        return report
    }

    static let github = SourceLinks(host: .github, repositoryURL: "https://github.com/acme/shop", commit: head)

    @Test func startsWithTheHiddenMarker() {
        let markdown = MarkdownReporter().renderText(Self.report)
        #expect(markdown.hasPrefix(MarkdownReporter.marker + "\n## ❌ contract-gate: fail"))
        #expect(MarkdownReporter.marker == "<!-- contract-gate:report -->")
    }

    @Test func locationsLinkToTheLineAtTheCheckedCommit() throws {
        let links = try #require(Self.github)
        let markdown = MarkdownReporter(links: links).renderText(Self.report)
        #expect(markdown.contains("[`models/marts/finance/schema.yml:12`](https://github.com/acme/shop/blob/\(Self.head)/models/marts/finance/schema.yml#L12)"))
        // A path with characters that would end the link or the cell is percent-encoded.
        #expect(markdown.contains("(https://github.com/acme/shop/blob/\(Self.head)/models/staging/odd%3Aname%2Cv2.yml#L3)"))
        // Without links, the same cell is plain code.
        #expect(MarkdownReporter().renderText(Self.report).contains("| `models/marts/finance/schema.yml:12` |"))
    }

    @Test func linksComeFromGitHubOrGitLabEnvironmentsOnly() throws {
        let github = try #require(SourceLinks.fromEnvironment(
            ["GITHUB_ACTIONS": "true", "GITHUB_SERVER_URL": "https://ghe.example/", "GITHUB_REPOSITORY": "acme/shop"], head: Self.head))
        #expect(github.url(path: "models/a b.sql", line: 4) == "https://ghe.example/acme/shop/blob/\(Self.head)/models/a%20b.sql#L4")
        let gitlab = try #require(SourceLinks.fromEnvironment(
            ["GITLAB_CI": "true", "CI_PROJECT_URL": "https://gitlab.example/data/shop"], head: Self.head.uppercased()))
        #expect(gitlab.url(path: "models/x.yml", line: 9) == "https://gitlab.example/data/shop/-/blob/\(Self.head)/models/x.yml#L9")
        // Not CI, a worktree check, or a URL that could break out of the link: no links.
        #expect(SourceLinks.fromEnvironment(["GITHUB_REPOSITORY": "acme/shop"], head: Self.head) == nil)
        #expect(SourceLinks.fromEnvironment(["GITHUB_ACTIONS": "true", "GITHUB_REPOSITORY": "acme/shop"], head: "WORKTREE") == nil)
        #expect(SourceLinks.fromEnvironment(["GITLAB_CI": "true", "CI_PROJECT_URL": "javascript:alert(1)"], head: Self.head) == nil)
        #expect(SourceLinks.fromEnvironment(["GITHUB_ACTIONS": "true", "GITHUB_REPOSITORY": "a/b) [x](https://evil"], head: Self.head) == nil)
    }

    @Test func identifiersAreCodeSpansNotBackslashEscaped() {
        let markdown = MarkdownReporter().renderText(Self.report)
        #expect(markdown.contains("| `fct_orders.status` |"))
        #expect(markdown.contains("| `dim_customers` |"))
        #expect(!markdown.contains("fct\\_orders.status"))
        // Impact: the changed model and a downstream dbt model are code, a dashboard title is text.
        #expect(markdown.contains("| `fct_orders` | `rpt_finance` | model |"))
        #expect(markdown.contains("| `fct_orders` | Revenue | dashboard |") || markdown.contains("| `fct_orders` | [Revenue]("))
        // Waivers applied.
        #expect(markdown.contains("| `COLUMN_NO_DELETE` | `fct_orders.legacy_status` |"))
    }

    @Test func dashboardsLinkToTheirCatalogURLWhenItIsSafe() {
        var report = Self.report
        report.impact = [ModelImpact(model: "fct_orders", downstream: [
            DownstreamNode(id: "d1", name: "Revenue", type: "dashboard", depth: 1, source: "secoda",
                           url: "https://app.secoda.co/dashboard/d1"),
            DownstreamNode(id: "d2", name: "Sneaky", type: "dashboard", depth: 1, source: "secoda",
                           url: "javascript:alert(1)"),
            DownstreamNode(id: "d3", name: "Broken", type: "dashboard", depth: 1, source: "secoda",
                           url: "https://x.example/a) [click](https://evil.example"),
        ])]
        let markdown = MarkdownReporter().renderText(report)
        #expect(markdown.contains("| [Revenue](https://app.secoda.co/dashboard/d1) | dashboard |"))
        #expect(markdown.contains("| Sneaky | dashboard |"))
        #expect(markdown.contains("| Broken | dashboard |"))
        #expect(!markdown.contains("javascript:") && !markdown.contains("evil.example"))
    }

    @Test func eachUnwaivedBreakingFindingGetsAWaiverThatParses() throws {
        let markdown = MarkdownReporter().renderText(Self.report)
        let facts = ReportFacts(Self.report)
        let waivable = facts.unwaived.filter { $0.category == .breaking || $0.category == .impact }
        #expect(!waivable.isEmpty)
        let blocks = markdown.components(separatedBy: "<details><summary>").dropFirst()
        #expect(blocks.count == waivable.count)
        for finding in waivable {
            let subject = ReportFacts.subject(of: finding) ?? ""
            let block = try #require(blocks.first { $0.hasPrefix("Waive <code>\(finding.rule)</code> on <code>\(subject)</code>") },
                                     "no waiver for \(finding.rule) \(subject)")
            let yaml = try #require(block.components(separatedBy: "```yaml\n").dropFirst().first?.components(separatedBy: "```").first)
            let parsed = try #require(try Yams.load(yaml: yaml) as? [[String: Any]])
            #expect(parsed.count == 1)
            #expect(parsed[0]["rule"] as? String == finding.rule)
            #expect(parsed[0]["model"] as? String == finding.model)
            #expect(parsed[0]["column"] as? String == finding.column)
            #expect(parsed[0]["reason"] is String && parsed[0]["approved_by"] is String)
            #expect(block.contains("</details>"))
        }
        // A notice about a missing description (GOVERNANCE) is not offered a waiver.
        #expect(!markdown.contains("Waive <code>MODEL_HAS_DESCRIPTION</code>"))
    }

    @Test func hostileNamesStayOneYAMLStringAndCannotCloseTheBlock() throws {
        var report = Report(base: "a", head: Self.head, verdict: .fail, exitCode: 1)
        let model = "odd: model # ```` </details> @team"
        report.findings = [Finding(rule: "COLUMN_NO_DELETE", category: .breaking, severity: .error, model: model,
                                   column: "yes", message: "gone", contract: "finance <marts>")]
        let markdown = MarkdownReporter().renderText(report)
        #expect(markdown.contains("in contract <code>finance &lt;marts&gt;</code></summary>"))
        // The name's </details> stays inside the fence and code spans: one block, closed once.
        #expect(markdown.components(separatedBy: "\n</details>\n").count == 2)
        #expect(markdown.contains("<code>odd: model # ```` &lt;/details&gt; @team.yes</code>"))
        let block = try #require(markdown.components(separatedBy: "`````yaml\n").dropFirst().first?.components(separatedBy: "`````").first)
        let parsed = try #require(try Yams.load(yaml: block) as? [[String: Any]])
        #expect(parsed.first?["model"] as? String == model)
        #expect(parsed.first?["column"] as? String == "yes", "a YAML boolean word stays a string")
    }

    @Test func aHugeReportStaysUnderTheCommentLimitWithWaiversCounted() {
        var report = Self.report
        for i in 0..<2_000 {
            report.findings.append(Finding(rule: "COLUMN_NO_DELETE", category: .breaking, severity: .error,
                                           model: "model_\(i)", column: "c\(i)", message: "gone",
                                           location: SourceLocation(path: "models/m\(i).yml", line: 1)))
        }
        let markdown = MarkdownReporter(links: Self.github).renderText(report)
        #expect(markdown.utf8.count <= MarkdownReporter.defaultCharacterLimit)
        #expect(markdown.hasPrefix(MarkdownReporter.marker))
        #expect(markdown.contains("**Truncated:**"))
        #expect(markdown.contains("waiver snippets"))
        #expect(markdown.components(separatedBy: "<details>").count == markdown.components(separatedBy: "</details>").count,
                "every waiver block that was written is closed")
    }
}
