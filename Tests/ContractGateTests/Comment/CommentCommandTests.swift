import CodeHostEmulator
import ContractGate
import Foundation
import GateModel
import GateTestSupport
import Testing

/// `contract-gate comment` through the binary, against a GitHub/GitLab-compatible API on
/// 127.0.0.1 over real HTTP: one comment per pull request, found by its marker on any page and
/// edited in place; a fork's read-only token is a warning, not a failure; the token never shows.
@Suite(.serialized) struct CommentCommandTests {
    static let token = "ghs_TOKEN-that-must-never-print-0123456789"
    static let readOnly = "ghs_FORK-read-only-token-9876543210"

    /// A folder holding the report file and the GitHub event payload for pull request `number`.
    struct Workspace {
        let folder: String
        var report: String { folder + "/report.md" }
        var event: String { folder + "/event.json" }

        init(report body: String, number: Int = 7, event: String? = nil) throws {
            folder = try TempRepository.temporaryDirectory(prefix: "comment-test")
            try Data(body.utf8).write(to: URL(fileURLWithPath: report))
            let payload = event ?? #"{"action":"synchronize","number":\#(number),"pull_request":{"number":\#(number),"head":{"sha":"abc"}}}"#
            try Data(payload.utf8).write(to: URL(fileURLWithPath: self.event))
        }

        func remove() { TempRepository.removeDirectory(folder) }
    }

    static func githubEnvironment(_ host: CodeHostEmulator, _ workspace: Workspace, token: String = token) -> [String: String] {
        ["GITHUB_ACTIONS": "true", "GITHUB_API_URL": host.githubAPIURL, "GITHUB_REPOSITORY": "acme/shop",
         "GITHUB_EVENT_PATH": workspace.event, "GITHUB_TOKEN": token]
    }

    static func gitlabEnvironment(_ host: CodeHostEmulator, token: String = token) -> [String: String] {
        ["GITLAB_CI": "true", "CI_API_V4_URL": host.gitlabAPIURL, "CI_PROJECT_ID": "4242",
         "CI_MERGE_REQUEST_IID": "12", "GITLAB_TOKEN": token]
    }

    func comment(_ workspace: Workspace, _ environment: [String: String], _ extra: [String] = []) async throws -> GateBinary.Result {
        let result = try await GateBinary().runDetached(["comment", "--file", workspace.report] + extra, in: workspace.folder,
                                                        environment: environment)
        for token in [Self.token, Self.readOnly] {
            #expect(!result.stdout.contains(token) && !result.stderr.contains(token), "the token was printed:\n\(result.stderr)")
        }
        return result
    }

    @Test func postsOnceThenUpdatesTheSameComment() async throws {
        let workspace = try Workspace(report: "<!-- contract-gate:report -->\n## ❌ contract-gate: fail\n\nfirst run\n")
        defer { workspace.remove() }
        try await withCodeHost(writeToken: Self.token) { host in
            await host.state.seedGitHub(repository: "acme/shop", number: 7, bodies: ["LGTM", "please add tests"])
            let first = try await comment(workspace, Self.githubEnvironment(host, workspace))
            #expect(first.status == 0, "stderr: \(first.stderr)")
            #expect(first.stderr.contains("posted the report on pull request #7"))
            var comments = await host.state.githubComments(repository: "acme/shop", number: 7)
            #expect(comments.count == 3)
            let posted = try #require(comments.last)
            #expect(posted.body.contains("first run"))

            try Data("<!-- contract-gate:report -->\n## ✅ contract-gate: pass\n\nsecond run\n".utf8)
                .write(to: URL(fileURLWithPath: workspace.report))
            let second = try await comment(workspace, Self.githubEnvironment(host, workspace))
            #expect(second.status == 0, "stderr: \(second.stderr)")
            #expect(second.stderr.contains("updated the report on pull request #7 (comment \(posted.id))"))
            comments = await host.state.githubComments(repository: "acme/shop", number: 7)
            #expect(comments.count == 3, "updated in place, not posted again")
            #expect(comments.map(\.body).filter { $0.contains("contract-gate:report") }.count == 1)
            #expect(comments.last?.body.contains("second run") == true)
            #expect(comments.first?.body == "LGTM", "other people's comments are untouched")
            let methods = await host.state.requests.map(\.method)
            #expect(methods == ["GET", "POST", "GET", "PATCH"])
        }
    }

    @Test func findsTheMarkerOnALaterPage() async throws {
        let workspace = try Workspace(report: "<!-- contract-gate:report -->\nnew body\n")
        defer { workspace.remove() }
        // The server serves at most 10 per page: 25 comments are three pages, ours the 23rd.
        try await withCodeHost(writeToken: Self.token, maxPerPage: 10) { host in
            let others = (1...22).map { "comment \($0)" }
            await host.state.seedGitHub(repository: "acme/shop", number: 7, bodies: others)
            await host.state.seedGitHub(repository: "acme/shop", number: 7,
                                        bodies: ["<!-- contract-gate:report -->\nold body"], author: "github-actions[bot]")
            await host.state.seedGitHub(repository: "acme/shop", number: 7, bodies: ["comment 24", "comment 25"])
            // A comment that merely quotes the marker mid-text is not ours.
            await host.state.seedGitHub(repository: "acme/shop", number: 8, bodies: ["see <!-- contract-gate:report -->"])
            let result = try await comment(workspace, Self.githubEnvironment(host, workspace))
            #expect(result.status == 0, "stderr: \(result.stderr)")
            let comments = await host.state.githubComments(repository: "acme/shop", number: 7)
            #expect(comments.count == 25)
            #expect(comments[22].body == "<!-- contract-gate:report -->\nnew body\n")
            let pages = await host.state.requests.filter { $0.method == "GET" }.map(\.query)
            #expect(pages.count == 3, "pages read: \(pages)")
            #expect(pages.last?.contains("page=3") == true)
        }
    }

    @Test func ignoresACommentThatOnlyQuotesTheMarker() async throws {
        let workspace = try Workspace(report: "<!-- contract-gate:report -->\nreport\n")
        defer { workspace.remove() }
        try await withCodeHost(writeToken: Self.token) { host in
            await host.state.seedGitHub(repository: "acme/shop", number: 7,
                                        bodies: ["why does the bot write <!-- contract-gate:report --> here?"])
            let result = try await comment(workspace, Self.githubEnvironment(host, workspace))
            #expect(result.status == 0, "stderr: \(result.stderr)")
            let comments = await host.state.githubComments(repository: "acme/shop", number: 7)
            #expect(comments.count == 2)
            #expect(comments[0].body.hasPrefix("why does"), "the quoting comment is not edited")
        }
    }

    @Test func aForksReadOnlyTokenIsAWarningNotAFailure() async throws {
        let workspace = try Workspace(report: "<!-- contract-gate:report -->\nreport\n")
        defer { workspace.remove() }
        try await withCodeHost(writeToken: Self.token, readOnlyTokens: [Self.readOnly]) { host in
            let result = try await comment(workspace, Self.githubEnvironment(host, workspace, token: Self.readOnly))
            #expect(result.status == 0, "a read-only token must not fail the job; stderr: \(result.stderr)")
            #expect(result.stderr.contains("::warning title=contract-gate comment::"))
            #expect(result.stderr.contains("HTTP 403"))
            #expect(result.stderr.contains("fork"))
            // The emulator echoed the credential into its 403 body; the client printed it redacted.
            #expect(result.stderr.contains("***"))
            #expect(await host.state.githubComments(repository: "acme/shop", number: 7).isEmpty)
        }
    }

    @Test func aNextPageOnAnotherHostIsNotFollowedWithTheToken() async throws {
        let workspace = try Workspace(report: "<!-- contract-gate:report -->\nreport\n")
        defer { workspace.remove() }
        try await withCodeHost(writeToken: Self.token, maxPerPage: 2) { host in
            await host.state.seedGitHub(repository: "acme/shop", number: 7, bodies: ["a", "b", "c"])
            await host.state.setForeignNextLinkHost("collector.example:8080")
            let result = try await comment(workspace, Self.githubEnvironment(host, workspace))
            #expect(result.status == 2, "stderr: \(result.stderr)")
            #expect(result.stderr.contains("another host (collector.example)"))
            #expect(await host.state.requests.map(\.method) == ["GET"], "no second page, no post")
        }
    }

    @Test func aBadTokenIsExitTwoWithoutPrintingIt() async throws {
        let workspace = try Workspace(report: "<!-- contract-gate:report -->\nreport\n")
        defer { workspace.remove() }
        try await withCodeHost(writeToken: "the-real-token-abcdef") { host in
            let result = try await comment(workspace, Self.githubEnvironment(host, workspace))
            #expect(result.status == 2, "stderr: \(result.stderr)")
            #expect(result.stderr.contains("HTTP 401"))
            #expect(result.stderr.contains("the token is invalid or expired"))
        }
    }

    @Test func aReportWithoutMarkerGetsOneAndIsStillFoundNextTime() async throws {
        let workspace = try Workspace(report: "plain markdown\n")
        defer { workspace.remove() }
        try await withCodeHost(writeToken: Self.token) { host in
            let first = try await comment(workspace, Self.githubEnvironment(host, workspace))
            let second = try await comment(workspace, Self.githubEnvironment(host, workspace))
            #expect(first.status == 0 && second.status == 0, "stderr: \(first.stderr)\(second.stderr)")
            let comments = await host.state.githubComments(repository: "acme/shop", number: 7)
            #expect(comments.map(\.body) == ["<!-- contract-gate:report -->\nplain markdown\n"])
        }
    }

    @Test func aBodyOverGitHubsLimitIsCutWithANote() async throws {
        let huge = "<!-- contract-gate:report -->\n" + String(repeating: "ünïcødé row | ", count: 6_000)
        let workspace = try Workspace(report: huge)
        defer { workspace.remove() }
        try await withCodeHost(writeToken: Self.token) { host in
            let result = try await comment(workspace, Self.githubEnvironment(host, workspace))
            #expect(result.status == 0, "stderr: \(result.stderr)")
            let body = try #require(await host.state.githubComments(repository: "acme/shop", number: 7).first?.body)
            #expect(body.utf8.count <= 65_536)
            #expect(body.hasPrefix("<!-- contract-gate:report -->\n"))
            #expect(body.hasSuffix("> **Truncated:** this comment was cut at 65536 characters; the full report is in the job.\n"))
        }
    }

    @Test func missingEnvironmentOrNoPullRequestIsExitTwoNamingWhatToSet() async throws {
        let workspace = try Workspace(report: "<!-- contract-gate:report -->\nreport\n",
                                      event: #"{"ref":"refs/heads/main","head_commit":{}}"#)
        defer { workspace.remove() }
        try await withCodeHost(writeToken: Self.token) { host in
            var environment = Self.githubEnvironment(host, workspace)
            let push = try await comment(workspace, environment)
            #expect(push.status == 2)
            #expect(push.stderr.contains("is not about a pull request"))
            environment.removeValue(forKey: "GITHUB_TOKEN")
            let noToken = try await comment(workspace, environment)
            #expect(noToken.status == 2)
            #expect(noToken.stderr.contains("GITHUB_TOKEN is not set"))
            let outside = try await comment(workspace, [:])
            #expect(outside.status == 2)
            #expect(outside.stderr.contains("--host github"))
            let missingFile = try await GateBinary().runDetached(["comment", "--file", workspace.folder + "/nope.md"],
                                                                 in: workspace.folder, environment: Self.githubEnvironment(host, workspace))
            #expect(missingFile.status == 2)
            #expect(missingFile.stderr.contains("nope.md"))
            #expect(await host.state.requests.isEmpty, "nothing is sent when the set-up is incomplete")
        }
    }

    @Test func gitlabNotesArePagedAndUpdatedInPlace() async throws {
        let workspace = try Workspace(report: "<!-- contract-gate:report -->\nfirst\n")
        defer { workspace.remove() }
        try await withCodeHost(writeToken: Self.token, maxPerPage: 4) { host in
            await host.state.seedGitLab(project: "4242", iid: 12, bodies: (1...9).map { "note \($0)" })
            let first = try await comment(workspace, Self.gitlabEnvironment(host))
            #expect(first.status == 0, "stderr: \(first.stderr)")
            #expect(first.stderr.contains("posted the report on merge request !12"))
            try Data("<!-- contract-gate:report -->\nsecond\n".utf8).write(to: URL(fileURLWithPath: workspace.report))
            let second = try await comment(workspace, Self.gitlabEnvironment(host))
            #expect(second.status == 0, "stderr: \(second.stderr)")
            #expect(second.stderr.contains("updated the report on merge request !12"))
            let notes = await host.state.gitlabNotes(project: "4242", iid: 12)
            #expect(notes.count == 10)
            #expect(notes.last?.body == "<!-- contract-gate:report -->\nsecond\n")
            let requests = await host.state.requests
            #expect(requests.map(\.method) == ["GET", "GET", "GET", "POST", "GET", "GET", "GET", "PUT"])
            #expect(requests.allSatisfy { $0.path.hasPrefix("/api/v4/projects/4242/merge_requests/12/notes") })
        }
    }

    @Test func gitlabNeedsAProjectTokenAndHonoursTokenEnv() async throws {
        let workspace = try Workspace(report: "<!-- contract-gate:report -->\nreport\n")
        defer { workspace.remove() }
        try await withCodeHost(writeToken: Self.token, readOnlyTokens: [Self.readOnly]) { host in
            var environment = Self.gitlabEnvironment(host)
            environment.removeValue(forKey: "GITLAB_TOKEN")
            let missing = try await comment(workspace, environment)
            #expect(missing.status == 2)
            #expect(missing.stderr.contains("GITLAB_TOKEN is not set"))
            environment["MR_BOT_TOKEN"] = Self.readOnly
            let forbidden = try await comment(workspace, environment, ["--token-env", "MR_BOT_TOKEN"])
            #expect(forbidden.status == 0, "stderr: \(forbidden.stderr)")
            #expect(forbidden.stderr.contains("warning: the token may not comment on merge request !12"))
            environment["MR_BOT_TOKEN"] = Self.token
            let posted = try await comment(workspace, environment, ["--token-env", "MR_BOT_TOKEN"])
            #expect(posted.status == 0, "stderr: \(posted.stderr)")
            #expect(await host.state.gitlabNotes(project: "4242", iid: 12).count == 1)
        }
    }

    /// The whole path a pull request takes: `check` writes the Markdown report with GitHub's
    /// environment (links to the checked commit, dashboards by URL, waivers to paste), and
    /// `comment` posts it.
    @Test func checkThenCommentOnTheSampleProject() async throws {
        let repo = try SampleProjectTests.demoRepository()
        defer { repo.remove() }
        let head = try repo.sha("HEAD")
        let workspace = try Workspace(report: "")
        defer { workspace.remove() }
        try await withCodeHost(writeToken: Self.token) { host in
            var environment = Self.githubEnvironment(host, workspace)
            environment["GITHUB_SERVER_URL"] = "https://github.example"
            let check = try await GateBinary().runDetached(
                ["check", "--repo", repo.path, "--format", "text", "--report", "markdown=\(workspace.report)"],
                in: repo.container, environment: environment)
            #expect(check.status == 1, "stderr: \(check.stderr)")
            let posted = try await comment(workspace, environment)
            #expect(posted.status == 0, "stderr: \(posted.stderr)")
            let body = try #require(await host.state.githubComments(repository: "acme/shop", number: 7).first?.body)
            #expect(body.hasPrefix("<!-- contract-gate:report -->\n## ❌ contract-gate: fail"))
            #expect(body.contains("[`models/marts/finance/schema.yml:3`](https://github.example/acme/shop/blob/\(head)/models/marts/finance/schema.yml#L3)"))
            #expect(body.contains("[Revenue Overview](https://bi.example.com/dashboards/"))
            #expect(body.contains("| `fct_orders.status` |"))
            #expect(body.contains("<summary>Waive <code>COLUMN_NO_DELETE</code> on <code>fct_orders.status</code> in contract <code>finance-marts</code></summary>"))
            #expect(body.contains("- rule: MODEL_SAME_RELATION\n  model: dim_clients\n"))
        }
    }
}
