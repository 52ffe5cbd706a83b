import Foundation
import GateTestSupport
import Testing

/// Issue 19's "fail closed" and "say only what is true" through the built binary, as a user and CI
/// run it: the dbt project is found without configuration, a repository without one (or with a
/// wrong `dbt.project_dir`) is exit 2, selectors that reach nothing are said, uncommitted work is
/// compared with a branch, renamed models' updated readers are part of the change, and findings
/// land on the line to fix. Build first: `swift build --build-tests`.
@Suite struct TrustScenarioTests {
    /// `check --base main --format json` of a fixture's branch, as expectation lines in report order.
    func checkLines(_ name: String) async throws -> (lines: [String], json: [String: Any], stderr: String) {
        let repo = try Scenario(name: name).makeRepository()
        defer { repo.remove() }
        let result = try await GateBinary().runDetached(["check", "--base", "main", "--format", "json"], in: repo.path)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any],
                                "stdout: \(result.stdout)\nstderr: \(result.stderr)")
        let findings = json["findings"] as? [[String: Any]] ?? []
        let lines = ["verdict: \(json["verdict"] as? String ?? "?") (exit \(result.status))"] + findings.map { finding in
            let target = (finding["model"] as? String ?? "-") + ((finding["column"] as? String).map { ".\($0)" } ?? "")
            let location = (finding["location"] as? [String: Any]).map { "\($0["path"] as? String ?? "-"):\($0["line"] as? Int ?? 0)" } ?? "-"
            var fields = [finding["rule"] as? String ?? "?", finding["severity"] as? String ?? "?", target, location]
            if let contract = finding["contract"] as? String { fields.append("contract=\(contract)") }
            if finding["waived"] as? Bool == true { fields.append("waived") }
            return fields.joined(separator: " ")
        }
        return (lines, json, "\(result.stderr)")
    }

    /// Every fixture this issue added or changed gives, through the binary, what its expected.txt says
    /// (the same file the in-process `ScenarioTests` compare with).
    @Test(arguments: ["monorepo_project_found_without_config", "project_config_change_is_one_finding",
                      "contract_stays_enforced", "downstream_dashboard_in_use", "column_same_type_adapter_synonyms",
                      "column_same_type", "rename_readers_updated_are_part_of_the_change", "ref_resolves_deleted_model"])
    func binaryGivesTheFixtureExpectations(_ name: String) async throws {
        let got = try await checkLines(name)
        #expect(got.lines == (try Scenario(name: name).expectedLines()), "\(name): stderr \(got.stderr)")
    }

    // MARK: Missing project

    @Test func monorepoWithoutConfigurationFailsInCheckAndValidate() async throws {
        let got = try await checkLines("monorepo_project_found_without_config")
        let rules = (got.json["findings"] as? [[String: Any]] ?? []).compactMap { $0["rule"] as? String }
        #expect(rules.contains("REF_RESOLVES") && rules.contains("MODEL_NO_DELETE"), "\(rules)")
        let diagnostics = (got.json["diagnostics"] as? [[String: Any]] ?? []).compactMap { $0["message"] as? String }
        #expect(diagnostics.contains { $0.contains("dbt project found in transform/") }, "\(diagnostics)")

        // validate on the same working tree (the branch with stg_orders deleted, no contract-gate.yml).
        let repo = try Scenario(name: "monorepo_project_found_without_config").makeRepository()
        defer { repo.remove() }
        let validate = try GateBinary().run(["validate"], in: repo.path)
        #expect(validate.status == 1, "stdout: \(validate.stdout)\nstderr: \(validate.stderr)")
        #expect(validate.stdout.contains("contract-gate.yml: missing — the defaults apply"), "\(validate.stdout)")
        #expect(!validate.stdout.contains("contract-gate.yml: ok"), "\(validate.stdout)")
        #expect(validate.stdout.contains("dbt project: transform/ (found"), "\(validate.stdout)")
        #expect(validate.stderr.contains("transform/models/marts/customers.sql:5"), "\(validate.stderr)")
        #expect(validate.stderr.contains("REF_RESOLVES"), "\(validate.stderr)")
        // Before the deletion the same project validates clean.
        try repo.checkout("main")
        let clean = try GateBinary().run(["validate"], in: repo.path)
        #expect(clean.status == 0, "stdout: \(clean.stdout)\nstderr: \(clean.stderr)")
        #expect(clean.stdout.contains("every call resolves"), "\(clean.stdout)")
    }

    /// A repository with no dbt project at all: exit 2 with the fix, never PASS.
    @Test func noDbtProjectAnywhereIsExitTwo() async throws {
        let repo = try TempRepository()
        defer { repo.remove() }
        try repo.write("README.md", "# an app\n")
        try repo.write("app/models/user.sql", "select 1\n")
        try repo.commit("app")
        try repo.run(["checkout", "-q", "-b", "change"])
        try repo.write("app/models/user.sql", "select 2\n")
        try repo.commit("change")
        for arguments in [["check", "--base", "main"], ["validate"]] {
            let result = try await GateBinary().runDetached(arguments, in: repo.path)
            #expect(result.status == 2, "\(arguments): \(result.stdout) \(result.stderr)")
            #expect(result.stderr.contains("no dbt project found"), "\(arguments): \(result.stderr)")
            #expect(result.stderr.contains("dbt.project_dir"), "\(arguments): \(result.stderr)")
        }
    }

    /// A configured folder without dbt_project.yml names the config line and where projects are.
    @Test func configuredFolderWithoutProjectNamesTheConfigLine() async throws {
        let repo = try Scenario(name: "monorepo_project_found_without_config").makeRepository()
        defer { repo.remove() }
        try repo.write("contract-gate.yml", "version: 1\ndbt:\n  project_dir: analytics\n")
        try repo.commit("config")
        let result = try await GateBinary().runDetached(["check", "--base", "main"], in: repo.path)
        #expect(result.status == 2, "\(result.stdout) \(result.stderr)")
        #expect(result.stderr.contains("contract-gate.yml:3:"), "\(result.stderr)")
        #expect(result.stderr.contains("analytics/dbt_project.yml"), "\(result.stderr)")
        #expect(result.stderr.contains("found at: transform/"), "\(result.stderr)")
    }

    /// Two projects side by side are refused, naming both; a project inside another one (its
    /// integration tests) is not a second project.
    @Test func severalProjectsAreRefusedNamingEach() async throws {
        let repo = try TempRepository()
        defer { repo.remove() }
        for folder in ["marketing", "finance"] {
            try repo.write("\(folder)/dbt_project.yml", "name: \(folder)\nmodel-paths: [\"models\"]\n")
            try repo.write("\(folder)/models/a_\(folder).sql", "select 1 as id\n")
        }
        try repo.write("finance/integration_tests/dbt_project.yml", "name: finance_tests\n")
        try repo.commit("two projects")
        try repo.run(["checkout", "-q", "-b", "change"])
        try repo.write("finance/models/a_finance.sql", "select 2 as id\n")
        try repo.commit("change")
        let result = try await GateBinary().runDetached(["check", "--base", "main"], in: repo.path)
        #expect(result.status == 2, "\(result.stdout) \(result.stderr)")
        #expect(result.stderr.contains("2 dbt projects found (finance/, marketing/)"), "\(result.stderr)")
        #expect(result.stderr.contains("project_dir: finance"), "\(result.stderr)")

        try repo.write("contract-gate.yml", "dbt:\n  project_dir: finance\n")
        let pinned = try await GateBinary().runDetached(["check", "--worktree"], in: repo.path)
        #expect(pinned.status == 0, "\(pinned.stdout) \(pinned.stderr)")
    }

    // MARK: Dead selectors

    @Test func selectorsAndWaiversThatReachNoModelAreSaid() async throws {
        let repo = try Scenario(name: "column_no_delete").makeRepository()
        defer { repo.remove() }
        try repo.write("contracts/dead.yml", """
            contract: dead
            models:
              - "models/mart/**"
              - ordrs
              - "tag:nonexistent"
              - fct_orders
            rules:
              COLUMN_NO_DELETE: warning
            waivers:
              - rule: COLUMN_NO_DELETE
                model: ghost_model
                reason: nobody
                approved_by: "@alice"

            """)
        try repo.commit("dead selectors")
        let validate = try GateBinary().run(["validate"], in: repo.path)
        #expect(validate.status == 0, "\(validate.stdout) \(validate.stderr)")
        for (line, words) in [(3, "`models/mart/**`"), (4, "`ordrs`"), (5, "`tag:nonexistent`"), (10, "`ghost_model`")] {
            #expect(validate.stderr.contains("contracts/dead.yml:\(line):") && validate.stderr.contains(words),
                    "line \(line) \(words): \(validate.stderr)")
        }
        #expect(!validate.stderr.contains("`fct_orders` of contract"), "\(validate.stderr)")
        #expect(validate.stderr.contains("Did you mean `fct_orders`?") || validate.stderr.contains("no model is named `ordrs`"))
        #expect(validate.stdout.contains("4 selector(s) or waiver(s) reach no model"), "\(validate.stdout)")

        // The contract is part of the change: `--policy head` judges with it (the base has none).
        let check = try await GateBinary().runDetached(["check", "--base", "main", "--policy", "head", "--format", "json"], in: repo.path)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(check.stdout.utf8)) as? [String: Any])
        let places = (json["diagnostics"] as? [[String: Any]] ?? []).filter { ($0["message"] as? String)?.contains("contract `dead`") == true || ($0["message"] as? String)?.contains("ghost_model") == true }
            .compactMap { ($0["location"] as? [String: Any]).map { "\($0["path"] as? String ?? ""):\($0["line"] as? Int ?? 0)" } }
        #expect(places.sorted() == ["contracts/dead.yml:10", "contracts/dead.yml:3", "contracts/dead.yml:4", "contracts/dead.yml:5"],
                "\(json["diagnostics"] ?? [])")
    }

    // MARK: Uncommitted work against a branch

    /// `--worktree --base main` and `--staged --base main` compare with the merge base of HEAD and
    /// main: the branch's commits and the uncommitted edit count; main's newer commits do not.
    @Test func uncommittedWorkIsComparedWithTheMergeBase() async throws {
        let repo = try Scenario(name: "column_no_delete").makeRepository()   // branch `change` drops fct_orders.status
        defer { repo.remove() }
        // main moves on after the fork: a two-dot diff would show this model as deleted by the branch.
        try repo.checkout("main")
        try repo.write("models/fct_refunds.sql", "select 1 as refund_id\n")
        try repo.commit("main moves on")
        try repo.checkout("change")
        // Uncommitted on top of the branch: an edited reader and a new model.
        try repo.write("models/rpt_orders.sql", "select order_id from {{ ref('fct_orders') }} -- edited\n")
        try repo.write("models/new_model.sql", "select 1 as id\n")
        let worktree = try await GateBinary().runDetached(["check", "--worktree", "--base", "main", "--format", "json"], in: repo.path)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(worktree.stdout.utf8)) as? [String: Any],
                                "\(worktree.stderr)")
        let changes = (json["changes"] as? [[String: Any]] ?? []).compactMap { $0["model"] as? String }
        #expect(changes.contains("fct_orders"), "the committed branch change: \(changes)")
        #expect(changes.contains("new_model"), "the uncommitted change: \(changes)")
        #expect(!changes.contains("fct_refunds"), "main's newer commit is not this work: \(changes)")
        #expect(json["base"] as? String == (try repo.sha("change~1")), "base is the merge base")
        #expect(json["head"] as? String == "WORKTREE")
        let rules = (json["findings"] as? [[String: Any]] ?? []).compactMap { $0["rule"] as? String }
        #expect(rules.contains("COLUMN_NO_DELETE"), "\(rules)")

        try repo.run(["add", "models/new_model.sql"])
        let staged = try await GateBinary().runDetached(["check", "--staged", "--base", "main", "--format", "json"], in: repo.path)
        let stagedJSON = try #require(try JSONSerialization.jsonObject(with: Data(staged.stdout.utf8)) as? [String: Any],
                                      "\(staged.stderr)")
        let stagedChanges = (stagedJSON["changes"] as? [[String: Any]] ?? []).compactMap { $0["model"] as? String }
        #expect(stagedChanges.contains("fct_orders") && stagedChanges.contains("new_model"), "\(stagedChanges)")
        #expect(!stagedChanges.contains("fct_refunds") && !stagedChanges.contains("rpt_orders"), "\(stagedChanges)")
        #expect(stagedJSON["head"] as? String == "INDEX")

        let withHead = try await GateBinary().runDetached(["check", "--worktree", "--head", "HEAD"], in: repo.path)
        #expect(withHead.status == 2, "\(withHead.stderr)")
    }

    // MARK: Renames

    @Test func updatedReadersOfARenameAreNotAffectedConsumers() async throws {
        let got = try await checkLines("rename_readers_updated_are_part_of_the_change")
        let impact = (got.json["impact"] as? [[String: Any]] ?? []).first { $0["model"] as? String == "fct_sales" }
        let downstream = (impact?["downstream"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
        #expect(!downstream.contains("rpt_revenue") && !downstream.contains("rpt_weekly"), "\(downstream)")
        let owners = (got.json["findings"] as? [[String: Any]] ?? []).flatMap { $0["owners"] as? [String] ?? [] }
        #expect(!owners.contains { $0.contains("finance@") || $0.contains("analytics@") }, "\(owners)")
        let changes = (got.json["changes"] as? [[String: Any]] ?? []).compactMap { $0["model"] as? String }
        #expect(changes.contains("rpt_revenue"), "the updated reader is part of the change: \(changes)")

        // Markdown's "Who is affected" does not name them either.
        let repo = try Scenario(name: "rename_readers_updated_are_part_of_the_change").makeRepository()
        defer { repo.remove() }
        let markdown = try await GateBinary().runDetached(["check", "--base", "main", "--format", "markdown"], in: repo.path)
        #expect(!markdown.stdout.contains("finance@shop.example"), "\(markdown.stdout)")
    }

    // MARK: The right line

    @Test func dashboardRaiseDoesNotCountAChangeTwice() async throws {
        let got = try await checkLines("downstream_dashboard_in_use")
        let summary = try #require(got.json["summary"] as? [String: Any])
        // One break raised to error, not a second error for the dashboard; the other error is
        // rpt_orders' read of the removed column (COLUMN_READ_EXISTS), a broken build of its own.
        #expect(summary["errors"] as? Int == 2, "one break raised to error, not a second error: \(summary)")
        let errors = (got.json["findings"] as? [[String: Any]] ?? []).filter { $0["severity"] as? String == "error" }
        #expect(Set(errors.compactMap { $0["rule"] as? String }) == ["COLUMN_NO_DELETE", "COLUMN_READ_EXISTS"], "\(errors)")
        let notice = (got.json["findings"] as? [[String: Any]] ?? []).first { $0["rule"] as? String == "DOWNSTREAM_DASHBOARD_IN_USE" }
        #expect(notice?["severity"] as? String == "notice")
        #expect((notice?["message"] as? String)?.contains("raised to error instead of being counted again") == true)
    }

    @Test func projectFileChangeIsOneFindingListingItsModels() async throws {
        let got = try await checkLines("project_config_change_is_one_finding")
        let findings = (got.json["findings"] as? [[String: Any]] ?? []).filter { $0["rule"] as? String == "CONTRACT_STAYS_ENFORCED" }
        #expect(findings.count == 1, "\(findings)")
        let message = findings.first?["message"] as? String ?? ""
        for model in ["dim_customers", "fct_orders", "fct_payments"] { #expect(message.contains("`\(model)`"), "\(message)") }
        #expect(message.contains("affects 3 models"), "\(message)")
    }
}
