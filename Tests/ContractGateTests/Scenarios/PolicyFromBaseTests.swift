import Foundation
import GateTestSupport
import SecodaEmulator
import Testing

/// DESIGN.md §9 "Policy from the base" (issue 19) and "the change decides where the key goes"
/// (issue 23 item 2), through the built binary on real git repositories with a base and a head
/// commit. The shop fixture's `orders` contract makes dropping `fct_orders.amount` an error.
/// Build first: `swift build --build-tests`.
@Suite("Policy from the base", .serialized)
struct PolicyFromBaseTests {
    /// The waiver a pull request writes for its own break, appended to `contracts/orders.yml`
    /// (whose six lines end with `COLUMN_NO_DELETE: error`): `- rule:` is line 8.
    static let selfWaiver = """
        waivers:
          - rule: COLUMN_NO_DELETE
            model: fct_orders
            column: amount
            reason: "nobody reads it"
            approved_by: "@me"
            expires: 2099-01-01

        """

    static let droppedAmount = ShopFixture.properties.replacingOccurrences(
        of: "      - name: amount\n        data_type: numeric\n", with: "")

    /// Drops `amount` from fct_orders: its SQL and its YAML entry (a YAML-only drop would not be a
    /// removal: the SQL would still output the column).
    static func dropAmount(_ repo: TempRepository) throws {
        try repo.write("models/schema.yml", droppedAmount)
        try repo.write("models/fct_orders.sql", ShopFixture.facts.replacingOccurrences(of: "order_id, amount", with: "order_id"))
    }

    static func json(_ result: BoundedResult) -> [String: Any] { result.json ?? [:] }

    static func findings(_ result: BoundedResult, rule: String) -> [[String: Any]] {
        ((json(result)["findings"] as? [[String: Any]]) ?? []).filter { $0["rule"] as? String == rule }
    }

    static func line(_ finding: [String: Any]?) -> String {
        let location = finding?["location"] as? [String: Any]
        return "\(location?["path"] as? String ?? "-"):\(location?["line"] as? Int ?? 0)"
    }

    static func diagnostics(_ result: BoundedResult) -> [String] {
        ((json(result)["diagnostics"] as? [[String: Any]]) ?? []).compactMap { $0["message"] as? String }
    }

    func check(_ repo: TempRepository, _ arguments: [String], environment: [String: String] = [:]) async throws -> BoundedResult {
        try await BoundedGate().run(["check"] + arguments + ["--format", "json"], in: repo.path,
                                    environment: environment, timeout: 120)
    }

    // MARK: Protect the policy

    @Test func aSelfWaivingPullRequestFailsWithTheWaiverReported() async throws {
        let (repo, base) = try ShopFixture.make()
        defer { repo.remove() }
        try Self.dropAmount(repo)
        try repo.write("contracts/orders.yml", ShopFixture.contract + Self.selfWaiver)
        try repo.commit("drop amount, and waive it")

        let result = try await check(repo, ["--base", base])
        #expect(result.status == 1, "the base's contract judges the change: \(result)")
        let broken = Self.findings(result, rule: "COLUMN_NO_DELETE").first
        #expect(broken?["severity"] as? String == "error" && broken?["waived"] as? Bool == false, "\(result)")
        let waiver = try #require(Self.findings(result, rule: "POLICY_WAIVER_ADDED").first, "\(result)")
        #expect(waiver["category"] as? String == "POLICY")
        #expect(waiver["severity"] as? String == "warning")
        #expect(Self.line(waiver) == "contracts/orders.yml:8", "at the waiver in the head file: \(waiver)")
        let message = waiver["message"] as? String ?? ""
        #expect(message.contains("@me") && message.contains("2099-01-01") && message.contains("amount"), "\(message)")
        #expect(Self.diagnostics(result).contains { $0.contains("edits the policy") && $0.contains("contracts/orders.yml") },
                "\(Self.diagnostics(result))")

        // The same annotation lands on the waiver's line in GitHub's format.
        let github = try await BoundedGate().run(["check", "--base", base, "--format", "github"], in: repo.path, timeout: 120)
        #expect(github.stdout.contains("::warning file=contracts/orders.yml,line=8,"), "\(github)")

        // `--policy head` is local iteration: the working tree's waiver applies, and is still listed.
        let local = try await check(repo, ["--base", base, "--policy", "head"])
        #expect(local.status == 0, "\(local)")
        #expect(Self.findings(local, rule: "COLUMN_NO_DELETE").first?["waived"] as? Bool == true, "\(local)")
        #expect(Self.findings(local, rule: "POLICY_WAIVER_ADDED").count == 1, "\(local)")
    }

    @Test func thePrePushHookReadsThePolicyFromTheRemoteRevision() async throws {
        let (repo, base) = try ShopFixture.make()
        defer { repo.remove() }
        try Self.dropAmount(repo)
        try repo.write("contracts/orders.yml", ShopFixture.contract + Self.selfWaiver)
        let head = try repo.commit("drop amount, and waive it")
        let stdin = "refs/heads/main \(head) refs/heads/main \(base)\n"
        let result = try await GateBinary().runDetached(["hook", "pre-push", "origin", "file:///nowhere"], in: repo.path,
                                                        stdin: stdin)
        #expect(result.status == 1, "stdout: \(result.stdout)\nstderr: \(result.stderr)")
        #expect(result.stderr.contains("POLICY_WAIVER_ADDED") && result.stderr.contains("COLUMN_NO_DELETE"), "\(result.stderr)")
    }

    @Test func aLoweredRuleANarrowedContractAndALooserFailOnAreReportedAndDoNotApply() async throws {
        let (repo, base) = try ShopFixture.make()
        defer { repo.remove() }
        try Self.dropAmount(repo)
        try repo.write("contracts/orders.yml", ShopFixture.contract
            .replacingOccurrences(of: "COLUMN_NO_DELETE: error", with: "COLUMN_NO_DELETE: off")
            .replacingOccurrences(of: #"models: ["fct_orders"]"#, with: #"models: ["stg_orders"]"#))
        try repo.write("contract-gate.yml", ShopFixture.config + "fail_on: never\n")
        try repo.commit("relax everything")

        let result = try await check(repo, ["--base", base])
        #expect(result.status == 1, "\(result)")
        #expect(Self.findings(result, rule: "COLUMN_NO_DELETE").first?["severity"] as? String == "error", "\(result)")
        let weakened = Self.findings(result, rule: "POLICY_RULE_WEAKENED").map(Self.line)
        #expect(weakened.sorted() == ["contract-gate.yml:7", "contracts/orders.yml:6"], "\(result)")
        let narrowed = Self.findings(result, rule: "POLICY_CONTRACT_NARROWED")
        #expect(narrowed.map(Self.line) == ["contracts/orders.yml:4"], "\(result)")
        #expect((narrowed.first?["message"] as? String)?.contains("`fct_orders`") == true, "\(narrowed)")
    }

    @Test func aBaseWithoutConfigurationIsJudgedByTheDefaultsAndSaysSo() async throws {
        let (repo, _) = try ShopFixture.make()
        defer { repo.remove() }
        try repo.delete("contract-gate.yml")
        let base = try repo.commit("no configuration yet")
        try Self.dropAmount(repo)
        try repo.write("contract-gate.yml", ShopFixture.config + "fail_on: never\n")
        try repo.commit("drop amount, and never fail")

        let result = try await check(repo, ["--base", base])
        #expect(result.status == 1, "fail_on: error, the default, applies: \(result)")
        #expect(Self.diagnostics(result).contains { $0.contains("has no contract-gate.yml") && $0.contains("default") },
                "\(Self.diagnostics(result))")
        // Against the defaults the head loosens `fail_on` and, with ShopFixture's `on_catalog_error: warn`, the catalog policy.
        #expect(Self.findings(result, rule: "POLICY_RULE_WEAKENED").map(Self.line).sorted()
                == ["contract-gate.yml:5", "contract-gate.yml:7"], "\(result)")
    }

    @Test func policyFindingsTakeTheirSeverityFromTheBase() async throws {
        let strict = ShopFixture.config + "default_policy:\n  rules:\n    POLICY_WAIVER_ADDED: error\n"
        for (config, expected) in [(ShopFixture.config, Int32(0)), (strict, Int32(1))] {
            let (repo, base) = try ShopFixture.make(config: config)
            defer { repo.remove() }
            // A waiver-only pull request, which also tries to lower the rule that reports it.
            try repo.write("contracts/orders.yml", ShopFixture.contract + Self.selfWaiver)
            try repo.write("contract-gate.yml", ShopFixture.config + "default_policy:\n  rules:\n    POLICY_WAIVER_ADDED: off\n")
            try repo.commit("waive amount")
            let result = try await check(repo, ["--base", base])
            #expect(result.status == expected, "\(config): \(result)")
            let waiver = Self.findings(result, rule: "POLICY_WAIVER_ADDED").first
            #expect(waiver?["severity"] as? String == (expected == 1 ? "error" : "warning"), "\(result)")
        }
    }

    @Test func stagedChecksKeepTheWorkingTreePolicyUnlessAskedForTheBase() async throws {
        let (repo, _) = try ShopFixture.make()
        defer { repo.remove() }
        try Self.dropAmount(repo)
        try repo.write("contracts/orders.yml", ShopFixture.contract + Self.selfWaiver)
        _ = try repo.run(["add", "-A"])
        let staged = try await check(repo, ["--staged"])
        #expect(staged.status == 0, "\(staged)")
        #expect(Self.findings(staged, rule: "POLICY_WAIVER_ADDED").count == 1, "\(staged)")
        let judged = try await check(repo, ["--staged", "--policy", "base"])
        #expect(judged.status == 1, "\(judged)")
    }

    // MARK: Shape: the policy is read from a revision's tree

    @Test func aBareRepositoryReadsThePolicyFromTheBaseTree() async throws {
        let (repo, base) = try ShopFixture.make()
        defer { repo.remove() }
        try Self.dropAmount(repo)
        try repo.write("contracts/orders.yml", ShopFixture.contract + Self.selfWaiver)
        let head = try repo.commit("drop amount, and waive it")
        let bare = try repo.clone(bare: true)
        defer { bare.remove() }
        let result = try await check(bare, ["--base", base, "--head", head])
        #expect(result.status == 1, "\(result)")
        #expect(Self.findings(result, rule: "POLICY_WAIVER_ADDED").map(Self.line) == ["contracts/orders.yml:8"], "\(result)")
    }

    @Test func aBrokenPolicyStopsTheCheckNamingWhichSide() async throws {
        let (repo, good) = try ShopFixture.make()
        defer { repo.remove() }
        try repo.write("contracts/orders.yml", ShopFixture.contract + "  NOT_A_RULE: error\n")
        try repo.commit("a typo")
        // The change brings the broken file: merged, it would judge the next change.
        let atHead = try await check(repo, ["--base", good])
        #expect(atHead.status == 2, "\(atHead)")
        #expect(atHead.stderr.contains("contracts/orders.yml:7"), "\(atHead)")

        // Once it is the base, the check stops and says whose policy it is and what to do.
        try ShopFixture.changeStaging(repo)
        try repo.commit("recompute staging")
        let atBase = try await check(repo, ["--base", "HEAD~1"])
        #expect(atBase.status == 2, "\(atBase)")
        #expect(atBase.stderr.contains("contracts/orders.yml:7") && atBase.stderr.contains("base revision")
                && atBase.stderr.contains("--policy head"), "\(atBase)")
    }

    // MARK: Catalog settings from the base (issue 23 item 2)

    @Test func theCatalogEndpointAndKeyVariableComeFromTheBase() async throws {
        let trusted = try await SecodaEmulator.start(seed: ShopCatalog.seed(), options: EmulatorOptions(token: ShopCatalog.token))
        let hostile = try await SecodaEmulator.start(seed: ShopCatalog.seed(), options: EmulatorOptions(token: "anything"))
        defer { Task { await trusted.stop(); await hostile.stop() } }
        let config = ShopFixture.secodaConfig(baseURL: trusted.baseURL.absoluteString, policy: "fail", timeout: 10, deadline: 60)
        let (repo, base) = try ShopFixture.make(config: config)
        defer { repo.remove() }
        try ShopFixture.changeStaging(repo)
        try repo.write("contract-gate.yml", config
            .replacingOccurrences(of: trusted.baseURL.absoluteString, with: hostile.baseURL.absoluteString)
            .replacingOccurrences(of: "    timeout_seconds:", with: "    token_env: SECODA_OTHER_SECRET\n    timeout_seconds:"))
        try repo.commit("point the catalog elsewhere")

        let result = try await check(repo, ["--base", base],
                                     environment: ["SECODA_API_KEY": ShopCatalog.token, "SECODA_OTHER_SECRET": "other-secret-4711"])
        #expect(result.status == 0, "\(result)")
        #expect((Self.json(result)["catalog"] as? [String: Any])?["sources"] as? [String] == ["dbt", "secoda"], "\(result)")
        #expect(await hostile.state.requests().isEmpty, "the head's URL got requests")
        #expect(await !trusted.state.requests().isEmpty)
        #expect(Self.findings(result, rule: "POLICY_RULE_WEAKENED").contains {
            ($0["message"] as? String)?.contains("key would go elsewhere") == true }, "\(result)")
        #expect(!result.stdout.contains("other-secret-4711") && !result.stderr.contains("other-secret-4711"))
    }

    @Test func aTokenVariableNobodyOptedIntoIsRefused() async throws {
        let emulator = try await SecodaEmulator.start(seed: ShopCatalog.seed(), options: EmulatorOptions(token: ShopCatalog.token))
        defer { Task { await emulator.stop() } }
        let config = ShopFixture.secodaConfig(baseURL: emulator.baseURL.absoluteString, policy: "fail", timeout: 10, deadline: 60)
            .replacingOccurrences(of: "    timeout_seconds:", with: "    token_env: GITHUB_TOKEN\n    timeout_seconds:")
        let (repo, base) = try ShopFixture.make(config: config)
        defer { repo.remove() }
        try ShopFixture.changeStaging(repo)
        try repo.commit("recompute staging")

        let refused = try await check(repo, ["--base", base], environment: ["GITHUB_TOKEN": ShopCatalog.token])
        #expect(refused.status == 2, "\(refused)")
        #expect(refused.stderr.contains("GITHUB_TOKEN") && refused.stderr.contains("CONTRACT_GATE_ALLOWED_TOKEN_ENVS")
                && refused.stderr.contains("contract-gate.yml:"), "\(refused)")
        #expect(!refused.stderr.contains(ShopCatalog.token) && !refused.stdout.contains(ShopCatalog.token))
        #expect(await emulator.state.requests().isEmpty)

        let allowed = try await check(repo, ["--base", base], environment: [
            "GITHUB_TOKEN": ShopCatalog.token, "CONTRACT_GATE_ALLOWED_TOKEN_ENVS": "OTHER, GITHUB_TOKEN"])
        #expect(allowed.status == 0, "\(allowed)")
        #expect((Self.json(allowed)["catalog"] as? [String: Any])?["sources"] as? [String] == ["dbt", "secoda"], "\(allowed)")
    }

    @Test func aURLFromTheEnvironmentTakesItsKeyFromTheEnvironment() async throws {
        let emulator = try await SecodaEmulator.start(seed: ShopCatalog.seed(), options: EmulatorOptions(token: ShopCatalog.token))
        defer { Task { await emulator.stop() } }
        // The configured pair: a production URL with its own key variable.
        let config = ShopFixture.secodaConfig(baseURL: "https://api.secoda.co/api/v1/", policy: "fail", timeout: 10, deadline: 60)
            .replacingOccurrences(of: "    timeout_seconds:", with: "    token_env: SECODA_PROD_KEY\n    timeout_seconds:")
        let (repo, base) = try ShopFixture.make(config: config)
        defer { repo.remove() }
        try ShopFixture.changeStaging(repo)
        try repo.commit("recompute staging")

        let result = try await check(repo, ["--base", base], environment: [
            "SECODA_API_URL": emulator.baseURL.absoluteString, "SECODA_API_KEY": ShopCatalog.token,
            "SECODA_PROD_KEY": "prod-key-never-sent-7d2e"])
        #expect(result.status == 0, "SECODA_API_KEY went to SECODA_API_URL, not SECODA_PROD_KEY: \(result)")
        #expect((Self.json(result)["catalog"] as? [String: Any])?["sources"] as? [String] == ["dbt", "secoda"], "\(result)")
        #expect(!result.stdout.contains("prod-key-never-sent-7d2e") && !result.stderr.contains("prod-key-never-sent-7d2e"))

        // Without SECODA_API_KEY the error says why the configured variable was not used.
        let missing = try await check(repo, ["--base", base, "--catalog", "secoda"], environment: [
            "SECODA_API_URL": emulator.baseURL.absoluteString, "SECODA_PROD_KEY": "prod-key-never-sent-7d2e"])
        #expect(missing.status == 2, "\(missing)")
        #expect(missing.stderr.contains("SECODA_API_URL is set, so the key is read from SECODA_API_KEY"), "\(missing)")
    }

    // MARK: Missing API key, failing catalog (issue 19 "Work where people work")

    @Test func aMissingKeyUsesTheSnapshotAndSaysHowOldItIs() async throws {
        let emulator = try await SecodaEmulator.start(seed: ShopCatalog.seed(), options: EmulatorOptions(token: ShopCatalog.token))
        let config = ShopFixture.secodaConfig(baseURL: emulator.baseURL.absoluteString, policy: "fail", timeout: 10, deadline: 60)
        let (repo, base) = try ShopFixture.make(config: config)
        defer { repo.remove() }
        let pull = try await BoundedGate().run(["catalog", "pull"], in: repo.path,
                                              environment: ["SECODA_API_KEY": ShopCatalog.token], timeout: 120)
        await emulator.stop()
        #expect(pull.status == 0, "\(pull)")
        try ShopFixture.changeStaging(repo)
        try repo.commit("recompute staging")

        let result = try await check(repo, ["--base", base])
        #expect(result.status == 0, "no key, a snapshot: not exit 2: \(result)")
        #expect((Self.json(result)["catalog"] as? [String: Any])?["sources"] as? [String] == ["dbt", "snapshot"], "\(result)")
        let notice = Self.diagnostics(result).first { $0.contains("SECODA_API_KEY is not set") }
        #expect(notice?.contains("less than a day old") == true && notice?.contains("catalog pull") == true,
                "\(Self.diagnostics(result))")
        let names = ((Self.json(result)["impact"] as? [[String: Any]]) ?? [])
            .flatMap { ($0["downstream"] as? [[String: Any]]) ?? [] }.compactMap { $0["name"] as? String }
        #expect(names.contains("Orders overview"), "the snapshot's dashboard is in the impact: \(result)")

        // Asking for Secoda by name still needs the key.
        let secoda = try await check(repo, ["--base", base, "--catalog", "secoda"])
        #expect(secoda.status == 2, "\(secoda)")
        #expect(secoda.stderr.contains("catalog pull"), "\(secoda)")
    }

    @Test func aFailingCatalogStillPrintsEveryDbtFindingThenExitsThree() async throws {
        let emulator = try await SecodaEmulator.start(seed: ShopCatalog.seed(), options: EmulatorOptions(token: ShopCatalog.token))
        await emulator.state.setFaults(FaultPlan(errorRates: ["500": 1]))
        defer { Task { await emulator.stop() } }
        let config = ShopFixture.secodaConfig(baseURL: emulator.baseURL.absoluteString, policy: "fail", timeout: 1, deadline: 4)
        let (repo, base) = try ShopFixture.make(config: config)
        defer { repo.remove() }
        try Self.dropAmount(repo)
        try repo.commit("drop amount")

        let result = try await check(repo, ["--base", base], environment: ["SECODA_API_KEY": ShopCatalog.token])
        #expect(result.status == 3, "\(result)")
        #expect(Self.json(result)["exit_code"] as? Int == 3 && Self.json(result)["verdict"] as? String == "fail", "\(result)")
        #expect(Self.findings(result, rule: "COLUMN_NO_DELETE").first?["severity"] as? String == "error", "\(result)")
        let catalog = Self.json(result)["catalog"] as? [String: Any]
        #expect(catalog?["complete"] as? Bool == false, "\(result)")
        #expect(result.stderr.lowercased().contains("catalog"), "\(result)")
    }
}
