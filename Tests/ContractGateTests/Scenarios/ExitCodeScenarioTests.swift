import Foundation
import GateModel
import GateTestSupport
import SecodaEmulator
import Testing

/// The four exit codes through the built binary, as CI sees them (DESIGN.md §6): 0 pass, 1 contract
/// violated, 2 usage/configuration/repository error, 3 catalog unavailable under `on_catalog_error: fail`.
/// Build first: `swift build --build-tests`.
@Suite struct ExitCodeScenarioTests {
    /// `check` of the scenario's branch against main, through the binary.
    func runCheck(_ repo: TempRepository, _ extra: [String] = [], environment: [String: String] = [:]) async throws
        -> GateBinary.Result {
        try await GateBinary().runDetached(["check", "--base", "main"] + extra, in: repo.path, environment: environment)
    }

    @Test func passingChangeExitsZero() async throws {
        let repo = try Scenario(name: "when_unused_off_drops_unused_break").makeRepository()
        defer { repo.remove() }
        let result = try await runCheck(repo)
        #expect(result.status == 0, "stderr: \(result.stderr)\nstdout: \(result.stdout)")
    }

    @Test func violatedContractExitsOneAndJSONCarriesTheDesignKeys() async throws {
        let repo = try Scenario(name: "column_no_delete").makeRepository()
        defer { repo.remove() }
        let result = try await runCheck(repo, ["--format", "json"])
        #expect(result.status == 1, "stderr: \(result.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
        let json = try #require(object as? [String: Any])
        for key in ["schema_version", "tool", "base", "head", "verdict", "exit_code", "catalog", "changes", "impact",
                    "findings", "summary"] {
            #expect(json[key] != nil, "missing top-level key \(key)")
        }
        #expect(json["schema_version"] as? Int == 1)
        #expect(json["verdict"] as? String == "fail")
        #expect(json["exit_code"] as? Int == 1)
        #expect(json["base"] as? String == (try repo.sha("main")))
        #expect(json["head"] as? String == (try repo.sha("HEAD")))
        let tool = try #require(json["tool"] as? [String: Any])
        #expect(tool["name"] as? String == "contract-gate")
        let catalog = try #require(json["catalog"] as? [String: Any])
        #expect(catalog["sources"] as? [String] == ["dbt"])
        #expect(catalog["complete"] as? Bool == true)
        #expect(catalog["errors"] as? [String] == [])

        let changes = try #require(json["changes"] as? [[String: Any]])
        let change = try #require(changes.first { $0["model"] as? String == "fct_orders" })
        #expect(change["status"] as? String == "modified")
        #expect(change["path"] as? String == "models/fct_orders.sql")
        #expect(change["relation"] as? String == "analytics.prod.fct_orders")
        for key in ["old_path", "old_relation", "catalog_id"] { #expect(change.keys.contains(key), "change lacks \(key)") }

        let impact = try #require(json["impact"] as? [[String: Any]])
        let downstream = try #require(impact.first { $0["model"] as? String == "fct_orders" }?["downstream"] as? [[String: Any]])
        let rpt = try #require(downstream.first { $0["name"] as? String == "rpt_orders" })
        #expect(rpt["type"] as? String == "model")
        #expect(rpt["source"] as? String == "dbt")
        #expect(rpt["depth"] as? Int == 1)
        for key in ["id", "owners", "verified", "pii", "usage", "stale"] { #expect(rpt.keys.contains(key), "node lacks \(key)") }

        let findings = try #require(json["findings"] as? [[String: Any]])
        let status = try #require(findings.first { $0["column"] as? String == "status" && $0["rule"] as? String == "COLUMN_NO_DELETE" })
        #expect(status["rule"] as? String == "COLUMN_NO_DELETE")
        #expect(status["category"] as? String == "BREAKING")
        #expect(status["severity"] as? String == "error")
        #expect(status["model"] as? String == "fct_orders")
        #expect(status["waived"] as? Bool == false)
        #expect(status["downstream"] as? Int == 1)
        #expect(status.keys.contains("waiver"))
        #expect((status["message"] as? String)?.isEmpty == false)
        let location = try #require(status["location"] as? [String: Any])
        #expect(location["path"] as? String == "models/schema.yml")
        #expect(location["line"] is Int)
        #expect(location["column"] is Int)

        let summary = try #require(json["summary"] as? [String: Any])
        // The two removals, and rpt_orders' read of the removed `status` (COLUMN_READ_EXISTS).
        #expect(summary["errors"] as? Int == 3)
        let read = try #require(findings.first { $0["rule"] as? String == "COLUMN_READ_EXISTS" })
        #expect(read["model"] as? String == "rpt_orders" && read["category"] as? String == "BUILD")
        for key in ["warnings", "notices", "waived", "downstream"] { #expect(summary[key] is Int, "summary lacks \(key)") }
        // Sorted keys, as §6 promises: the text lists top-level keys alphabetically.
        let order = ["catalog", "changes", "exit_code", "findings", "head", "impact", "schema_version", "summary", "tool", "verdict"]
        let positions = order.compactMap { result.stdout.range(of: "\"\($0)\" :")?.lowerBound ?? result.stdout.range(of: "\"\($0)\":")?.lowerBound }
        #expect(positions.count == order.count && positions == positions.sorted())
    }

    /// The GitHub Actions format as a workflow step gets it: one annotation per finding at the finding's
    /// file and line, and the Markdown job summary in $GITHUB_STEP_SUMMARY.
    /// A walk cut by `lineage.max_nodes` makes the report incomplete, said once per cut model
    /// with the budget that cut it.
    @Test func aBudgetCutWalkIsSaidOncePerModel() async throws {
        let repo = try Scenario(name: "blast_radius").makeRepository()
        defer { repo.remove() }
        let config = try String(contentsOfFile: repo.path + "/contract-gate.yml", encoding: .utf8)
        try repo.write("contract-gate.yml", config + "lineage:\n  max_nodes: 1\n")
        // The budget is the working tree's: `--policy head`, as when trying a setting locally.
        let result = try await runCheck(repo, ["--format", "json", "--policy", "head"])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result.stderr)")
        let catalog = try #require(json["catalog"] as? [String: Any])
        #expect(catalog["complete"] as? Bool == false)
        let errors = catalog["errors"] as? [String] ?? []
        #expect(errors.count == 1, "\(errors)")
        #expect(errors.first?.contains("fct_orders") == true && errors.first?.contains("max_nodes 1") == true, "\(errors)")
        let impact = try #require((json["impact"] as? [[String: Any]])?.first { $0["model"] as? String == "fct_orders" })
        #expect(impact["truncated"] as? Bool == true)
        #expect((impact["downstream"] as? [Any])?.count == 1)
    }

    @Test func githubAnnotationsPointAtTheFindings() async throws {
        let repo = try Scenario(name: "downstream_dashboard_in_use").makeRepository()
        defer { repo.remove() }
        let summary = repo.container + "/step-summary.md"
        let result = try await runCheck(repo, environment: ["GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": summary])
        #expect(result.status == 1, "stderr: \(result.stderr)")
        let annotations = result.stdout.split(separator: "\n").filter { $0.hasPrefix("::") }
        let errors = annotations.filter { $0.hasPrefix("::error file=models/schema.yml,line=3,") }
        // One break reaching the dashboard is one error (raised), not two (issue 19): the IMPACT
        // finding that names the dashboard is a notice.
        #expect(errors.count == 1, "annotations: \(annotations)")
        #expect(errors.contains { $0.contains("title=COLUMN_NO_DELETE") })
        #expect(annotations.contains { $0.hasPrefix("::notice file=models/schema.yml,line=3,") && $0.contains("title=DOWNSTREAM_DASHBOARD_IN_USE") })
        #expect(annotations.contains { $0.hasPrefix("::warning file=models/schema.yml,line=3,") && $0.contains("title=COLUMN_NO_DELETE") })
        #expect(annotations.first?.hasPrefix("::error") == true, "the most severe first: \(annotations)")
        let markdown = try String(contentsOfFile: summary, encoding: .utf8)
        #expect(markdown.contains("Revenue Overview"), "summary: \(markdown)")
    }

    @Test func invalidContractExitsTwoNamingFileAndLine() async throws {
        let repo = try Scenario(name: "column_no_delete").makeRepository()
        defer { repo.remove() }
        try repo.write("contracts/orders.yml", """
            contract: orders
            owners: ["@data-orders"]
            models: ["models/**"]
            rules:
              COLUMN_NO_DELET: error

            """)
        // Committed: the change brings the broken contract, which must load (merged, it judges the next change).
        try repo.commit("a typo in the contract")
        let result = try await runCheck(repo)
        #expect(result.status == 2, "stderr: \(result.stderr)")
        #expect(result.stderr.contains("contracts/orders.yml:5"), "stderr: \(result.stderr)")
        #expect(result.stderr.contains("COLUMN_NO_DELETE"), "a suggestion names the rule meant: \(result.stderr)")
        #expect(result.stdout.isEmpty)
    }

    /// A head property file that is not YAML leaves its models' changes unknown: exit 2 at the
    /// offending line, never "no change" (it used to pass with a warning).
    @Test func invalidPropertyFileExitsTwoNamingFileAndLine() async throws {
        let repo = try Scenario(name: "column_no_delete").makeRepository()
        defer { repo.remove() }
        try repo.write("models/schema.yml", """
            version: 2
            models:
              - name: fct_orders
                columns:
                  - name: order_id
                 - name: status

            """)
        _ = try repo.commit("schema.yml: broken indentation")
        let result = try await runCheck(repo)
        #expect(result.status == 2, "stderr: \(result.stderr)\nstdout: \(result.stdout)")
        #expect(result.stderr.contains("models/schema.yml:6"), "stderr: \(result.stderr)")
        #expect(result.stdout.isEmpty)
    }

    @Test func invalidConfigurationExitsTwoNamingFileAndLine() async throws {
        let repo = try Scenario(name: "column_no_delete").makeRepository()
        defer { repo.remove() }
        try repo.write("contract-gate.yml", """
            version: 1
            dbt:
              database: analytics
              schmea: prod

            """)
        let result = try await runCheck(repo)
        #expect(result.status == 2, "stderr: \(result.stderr)")
        #expect(result.stderr.contains("contract-gate.yml:4"), "stderr: \(result.stderr)")
        #expect(result.stderr.contains("schmea"), "stderr: \(result.stderr)")
        #expect(result.stdout.isEmpty)
    }

    /// Configures Secoda (key in the environment, `on_catalog_error: fail`) at `baseURL`.
    func configureSecoda(_ repo: TempRepository, baseURL: String, policy: String = "fail") throws {
        try repo.write("contract-gate.yml", """
            version: 1
            dbt:
              database: analytics
              schema: prod
            catalog:
              secoda:
                base_url: \(baseURL)
              on_catalog_error: \(policy)

            """)
    }

    @Test func secodaAnsweringFiveHundredsExitsThree() async throws {
        let scenario = Scenario(name: "downstream_dashboard_in_use")
        let repo = try scenario.makeRepository()
        defer { repo.remove() }
        let seed = try EmulatorSeed.load(from: scenario.catalogFile)
        let emulator = try await SecodaEmulator.start(seed: seed)
        do {
            await emulator.state.setFaults(FaultPlan(errorRates: ["500": 1.0], randomSeed: 1))
            try configureSecoda(repo, baseURL: emulator.baseURL.absoluteString)
            // The working tree's catalog settings (`--policy head`); from the base they are the next test's.
            let result = try await runCheck(repo, ["--policy", "head"], environment: ["SECODA_API_KEY": emulator.token])
            #expect(result.status == 3, "stderr: \(result.stderr)")
            #expect(result.stderr.contains("500"), "stderr: \(result.stderr)")
            #expect(!result.stderr.contains(emulator.token), "the API key must never be printed")
            #expect(await emulator.state.requestCount(route: "resource/catalog") > 0)

            // The same outage under `warn` carries on with the snapshot and says the impact is incomplete.
            try configureSecoda(repo, baseURL: emulator.baseURL.absoluteString, policy: "warn")
            let warned = try await runCheck(repo, ["--format", "json", "--policy", "head"],
                                            environment: ["SECODA_API_KEY": emulator.token])
            #expect(warned.status == 1, "stderr: \(warned.stderr)")
            let json = try JSONSerialization.jsonObject(with: Data(warned.stdout.utf8)) as? [String: Any]
            let catalog = json?["catalog"] as? [String: Any]
            #expect(catalog?["complete"] as? Bool == false)
            #expect(catalog?["sources"] as? [String] == ["dbt", "snapshot"])
            #expect(!warned.stdout.contains(emulator.token))
        } catch {
            await emulator.stop()
            throw error
        }
        await emulator.stop()
    }

    @Test func unreachableSecodaExitsThree() async throws {
        let repo = try Scenario(name: "downstream_dashboard_in_use").makeRepository()
        defer { repo.remove() }
        // Port 1 on loopback: nothing listens there, so the connection is refused at once.
        try configureSecoda(repo, baseURL: "http://127.0.0.1:1/api/v1/")
        let result = try await runCheck(repo, ["--policy", "head"], environment: ["SECODA_API_KEY": "scenario-secret-key"])
        #expect(result.status == 3, "stderr: \(result.stderr)")
        #expect(result.stderr.contains("127.0.0.1"), "stderr: \(result.stderr)")
        #expect(!result.stderr.contains("scenario-secret-key"))
    }
}
