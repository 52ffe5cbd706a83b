import Foundation
import GateModel
import GateTestSupport
import SecodaEmulator
import Testing

/// The Secoda API key never leaves the process except in the `Authorization` header: not on
/// stdout or stderr, not in a report, snapshot or step summary, not in an error message — also
/// when the server quotes the header back in its error body.
@Suite("Hardening: the API key is never written anywhere")
struct SecretLeakTests {
    static let key = "sk-LEAK-CANARY-3f9a7c21e4b8"
    /// A refused key, echoed back by the server in its 401 body.
    static let wrongKey = "sk-LEAK-CANARY-WRONG-0d6e"
    static let formats = ["text", "json", "github", "sarif", "junit", "gitlab", "markdown"]

    /// Every file under `folder` (reports, snapshot, step summary), read as bytes.
    static func filesUnder(_ folder: String) -> [(String, Data)] {
        guard let enumerator = FileManager.default.enumerator(atPath: folder) else { return [] }
        var files: [(String, Data)] = []
        for case let path as String in enumerator {
            if path.hasPrefix(".git/") || path == ".git" { continue }
            if let data = FileManager.default.contents(atPath: folder + "/" + path) { files.append((path, data)) }
        }
        return files
    }

    static func leaks(_ data: Data) -> Bool {
        let text = String(decoding: data, as: UTF8.self)
        // The whole key, and any long piece of it (a truncated echo is still a leak).
        return text.contains(key) || text.contains(wrongKey) || text.contains("3f9a7c21e4b8") || text.contains("WRONG-0d6e")
    }

    /// Runs every command against a repository wired to the emulator, collecting what each wrote.
    func runEverything(plan: FaultPlan, key: String, policy: String) async throws -> [(String, BoundedResult)] {
        let seed = ShopCatalog.seed()
        let emulator = try await SecodaEmulator.start(seed: seed, options: EmulatorOptions(token: Self.key))
        await emulator.state.setFaults(plan)
        let config = ShopFixture.secodaConfig(baseURL: emulator.baseURL.absoluteString, policy: policy)
        let (repo, base) = try ShopFixture.make(config: config)
        try ShopFixture.dropAmount(repo)
        try ShopFixture.changeStaging(repo)
        try repo.commit("drop amount")
        let reports = repo.path + "/out"
        try FileManager.default.createDirectory(atPath: reports, withIntermediateDirectories: true)

        let gate = try BoundedGate()
        let environment = ["SECODA_API_KEY": key, "GITHUB_STEP_SUMMARY": reports + "/step-summary.md"]
        var runs: [(String, BoundedResult)] = []
        func run(_ arguments: [String], extra: [String: String] = [:]) async throws {
            let result = try await gate.run(arguments, in: repo.path, environment: environment.merging(extra) { $1 },
                                            timeout: 60)
            runs.append((arguments.joined(separator: " "), result))
        }
        for format in Self.formats {
            try await run(["check", "--base", base, "--format", format])
        }
        try await run(["check", "--base", base, "--format", "github"]
                      + Self.formats.map { "--report=\($0)=out/report.\($0)" }, extra: ["GITHUB_ACTIONS": "true"])
        try await run(["check", "--base", base, "--catalog", "secoda", "--format", "json"])
        try await run(["impact", "fct_orders", "stg_orders"])
        try await run(["impact", "fct_orders", "--format", "json", "--catalog", "secoda"])
        try await run(["catalog", "pull"])
        try await run(["catalog", "pull", "--output", "out/pulled.json"])
        try await run(["check", "--base", base, "--catalog", "snapshot", "--format", "json"])
        try await run(["validate"])
        try await run(["rules"])
        try await run(["rules", "--format", "json"])
        try await run(["explain", "COLUMN_NO_DELETE"])
        try await run(["hook", "pre-push", "origin", "file:///nowhere"])
        // A key in the file instead of a variable name is refused without repeating it.
        try repo.write("bad-config.yml", config.replacingOccurrences(
            of: "    timeout_seconds:", with: "    token_env: \(Self.key)\n    timeout_seconds:"))
        try await run(["validate", "--config", "bad-config.yml"])
        try await run(["check", "--base", base, "--config", "bad-config.yml"])

        let requests = await emulator.state.requests()
        await emulator.stop()
        // bad-config.yml is the one file that holds the key: the test wrote it there on purpose.
        for (path, data) in Self.filesUnder(repo.path) where path != "bad-config.yml" && Self.leaks(data) {
            runs.append(("file \(path)", BoundedResult(status: -1, signalled: false, timedOut: false, seconds: 0,
                                                       stdoutData: data, stderrData: Data())))
        }
        #expect(!requests.isEmpty, "the runs reached the emulator")
        // No command of this release writes to Secoda: every request is a read.
        #expect(requests.allSatisfy { $0.method == "GET" }, "\(Set(requests.map(\.method)))")
        #expect(requests.allSatisfy { $0.host.hasPrefix("127.0.0.1") }, "\(Set(requests.map(\.host)))")
        repo.remove()
        return runs
    }

    func expectNoLeak(_ runs: [(String, BoundedResult)]) {
        for (label, result) in runs {
            #expect(!result.signalled && !result.timedOut, "\(label): \(result)")
            #expect(!Self.leaks(result.stdoutData), "\(label) printed the key on stdout: \(result)")
            #expect(!Self.leaks(result.stderrData), "\(label) printed the key on stderr: \(result)")
            #expect(!label.hasPrefix("file "), "\(label) holds the key")
        }
    }

    @Test func healthyCatalog() async throws {
        let runs = try await runEverything(plan: .none, key: Self.key, policy: "fail")
        expectNoLeak(runs)
        // The runs did real work: the pull wrote a snapshot and checks reached a verdict.
        #expect(runs.contains { $0.0 == "catalog pull" && $0.1.status == 0 }, "\(runs.map { "\($0.0): \($0.1.status)" })")
        #expect(runs.contains { $0.0.hasPrefix("check --base") && $0.1.status == 1 })
    }

    @Test func serverEchoesTheAuthorizationHeaderInErrors() async throws {
        let plan = FaultPlan(errorRates: ["500": 1], echoAuthorization: true)
        expectNoLeak(try await runEverything(plan: plan, key: Self.key, policy: "fail"))
        expectNoLeak(try await runEverything(plan: plan, key: Self.key, policy: "warn"))
    }

    @Test func serverEchoesARefusedKey() async throws {
        let plan = FaultPlan(echoAuthorization: true)
        let runs = try await runEverything(plan: plan, key: Self.wrongKey, policy: "fail")
        expectNoLeak(runs)
        #expect(runs.contains { $0.0.hasPrefix("check") && $0.1.status == 3 }, "a refused key is a catalog failure")
    }

    @Test func serverEchoesInEveryFaultShape() async throws {
        for status in [400, 403, 404, 429, 502] {
            let plan = FaultPlan(queue: Array(repeating: .status(status, retryAfter: nil), count: 400),
                                 echoAuthorization: true)
            let emulator = try await SecodaEmulator.start(seed: ShopCatalog.seed(), options: EmulatorOptions(token: Self.key))
            await emulator.state.setFaults(plan)
            let config = ShopFixture.secodaConfig(baseURL: emulator.baseURL.absoluteString, policy: "fail")
            let (repo, base) = try ShopFixture.make(config: config)
            try ShopFixture.changeStaging(repo)
            try repo.commit("change")
            let result = try await BoundedGate().run(["check", "--base", base, "--format", "text"], in: repo.path,
                                                     environment: ["SECODA_API_KEY": Self.key], timeout: 60)
            await emulator.stop()
            repo.remove()
            #expect(result.status == 3, "\(status): \(result)")
            #expect(!Self.leaks(result.stdoutData) && !Self.leaks(result.stderrData), "\(status): \(result)")
        }
    }
}
