import ContractGate
import Foundation
import GateModel
import GateRules
import GateTestSupport
import Testing

/// Every fixture of `Scenarios/Fixtures/` through the real pipeline (git → dbt diff → catalog → rules →
/// report), compared with its `expected.txt`. On a mismatch the failure prints the file's paste-ready
/// replacement, so a changed expectation is reviewed, not hunted.
@Suite struct ScenarioTests {
    @Test(arguments: Scenario.allNames())
    func scenarioMatchesItsExpectations(_ name: String) async throws {
        let scenario = Scenario(name: name)
        let repo = try scenario.makeRepository()
        defer { repo.remove() }
        let report = try await scenario.check(repo)
        let actual = Scenario.lines(of: report)
        let expected = try scenario.expectedLines()
        #expect(actual == expected, """
            scenario \(name) differs from \(scenario.expectedFile.path).
            Paste-ready expected.txt (review the change before pasting):
            \(scenario.pasteReady(report))
            diagnostics: \(report.diagnostics.map(\.message))
            catalog: \(report.catalog)
            """)
        if ProcessInfo.processInfo.environment["UPDATE_SCENARIOS"] == "1", actual != expected {
            try scenario.pasteReady(report).write(to: scenario.expectedFile, atomically: true, encoding: .utf8)
        }
        // A scenario with a catalog seed must really have used it, or its impact proves nothing.
        if scenario.hasCatalog {
            #expect(report.catalog.sources.contains("snapshot"), "catalog sources: \(report.catalog.sources)")
            #expect(report.catalog.complete)
        }
    }

    /// Issue 5 asks for a scenario per rule: every catalogue ID and WAIVER_EXPIRED must show up in at
    /// least one scenario's expected findings, so a new rule without a scenario fails here.
    @Test func everyRuleHasAScenario() throws {
        var covered: Set<String> = []
        for name in Scenario.allNames() {
            for line in try Scenario(name: name).expectedLines().dropFirst() {
                if let rule = line.split(separator: " ").first { covered.insert(String(rule)) }
            }
        }
        let all = RuleCatalog.descriptions.map(\.id) + [RuleCatalog.waiverExpired.id]
        #expect(all.count == 25)
        let missing = all.filter { !covered.contains($0) }
        #expect(missing.isEmpty, "rules without a scenario: \(missing)")
    }

    /// The same change before it is committed: `--worktree`, and once `git add`ed, `--staged`, give the
    /// findings the committed change gives.
    @Test(arguments: ["column_no_delete", "model_no_delete", "downstream_dashboard_in_use", "column_same_name"])
    func uncommittedChangeGivesTheSameFindings(_ name: String) async throws {
        let scenario = Scenario(name: name)
        let repo = try scenario.makeUncommittedRepository()
        defer { repo.remove() }
        let expected = try scenario.expectedLines()
        let worktree = try await CheckPipeline.run(CheckRequest(repository: repo.path, target: .worktree,
                                                                environment: [:], today: Scenario.today))
        #expect(worktree.head == "WORKTREE")
        #expect(Scenario.lines(of: worktree) == expected)
        try repo.run(["add", "-A", "models", "contracts"])
        let staged = try await CheckPipeline.run(CheckRequest(repository: repo.path, target: .staged,
                                                              environment: [:], today: Scenario.today))
        #expect(staged.head == "INDEX")
        #expect(Scenario.lines(of: staged) == expected)
    }

    /// A removed model version is one finding that names the model, whatever number of versions stay.
    @Test func removedVersionIsReportedOnceNamingTheModel() async throws {
        let scenario = Scenario(name: "model_version_no_delete")
        let repo = try scenario.makeRepository()
        defer { repo.remove() }
        let report = try await scenario.check(repo)
        let findings = report.findings.filter { $0.rule == "MODEL_VERSION_NO_DELETE" }
        #expect(findings.count == 1)
        #expect(findings.first?.message.hasPrefix("Version 1 of `dim_customers` is removed before its deprecation_date 2027-03-31") == true,
                "message: \(findings.first?.message ?? "none")")
    }

    /// A relation the catalog has twice (two warehouse integrations) is not "missing": the finding says
    /// which tables matched and to set `integration_id` (regression: it said "not found", the wrong advice).
    @Test func ambiguousResolutionSaysToSetTheIntegration() async throws {
        let scenario = Scenario(name: "model_resolves_ambiguous")
        let repo = try scenario.makeRepository()
        defer { repo.remove() }
        let report = try await scenario.check(repo)
        let finding = try #require(report.findings.first { $0.rule == "MODEL_RESOLVES" })
        #expect(finding.message.contains("matches 2 catalog tables"), "message: \(finding.message)")
        #expect(finding.message.contains("integration_id"), "message: \(finding.message)")
        #expect(!finding.message.contains("not found"), "message: \(finding.message)")
    }

    /// The scenario list itself is not empty (a wrong fixtures path would otherwise pass vacuously).
    @Test func fixturesAreFound() {
        #expect(Scenario.allNames().count >= 20, "fixtures folder: \(Scenario.fixturesFolder.path)")
    }
}
