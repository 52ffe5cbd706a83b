import Foundation
import GateModel
import GateTestSupport
import SecodaEmulator
import Testing

/// A server on the Secoda URL that misbehaves on purpose, over real HTTP on 127.0.0.1: the gate
/// ends with the documented exit code, within its bounds, and never crashes.
@Suite("Hardening: hostile servers", .serialized)
struct HostileServerTests {
    /// A repository whose config points at `emulator`, with room for a loaded machine.
    static func repository(_ emulator: SecodaEmulator, policy: String = "fail") throws -> (TempRepository, base: String) {
        try ShopFixture.make(config: ShopFixture.secodaConfig(baseURL: emulator.baseURL.absoluteString, policy: policy,
                                                              timeout: 10, deadline: 60))
    }

    /// FoundationNetworking trapped ("Received callback for HTTP redirection", SIGILL) in about a
    /// third of the pulls when every request was redirected; 20 pulls in a row all end with 3.
    @Test func aRedirectOnEveryRequestEndsEveryPullWithExitThree() async throws {
        let emulator = try await SecodaEmulator.start(seed: ShopCatalog.seed(), options: EmulatorOptions(token: ShopCatalog.token))
        await emulator.state.setFaults(FaultPlan(queue: Array(repeating: .redirect, count: 100_000)))
        let (repo, _) = try Self.repository(emulator)
        defer { repo.remove() }
        let gate = try BoundedGate()
        var results: [BoundedResult] = []
        for _ in 0..<20 {
            results.append(try await gate.run(["catalog", "pull"], in: repo.path,
                                              environment: ["SECODA_API_KEY": ShopCatalog.token], timeout: 90))
        }
        let requests = await emulator.state.requests()
        await emulator.stop()
        for (index, result) in results.enumerated() {
            #expect(!result.signalled && result.status == 3, "pull \(index + 1): \(result)")
            #expect(result.stderr.contains("redirect"), "pull \(index + 1) says what happened: \(result)")
        }
        #expect(requests.count >= 20)
        #expect(requests.allSatisfy { $0.host.hasPrefix("127.0.0.1") }, "no redirect was followed: \(Set(requests.map(\.host)))")
        #expect(!FileManager.default.fileExists(atPath: repo.path + "/.contract-gate/catalog.json"))
    }

    /// More than 10,000 tables (Secoda's per-query limit) on a server that ignores the title
    /// filter the split relies on: the pull ends with 3 and the diagnosis after a handful of
    /// requests (it used to split without end: 248,000 requests and 5.9 GB in five minutes).
    @Test func aServerIgnoringTheSplitFilterEndsThePullQuickly() async throws {
        var builder = SeedBuilder()
        for n in 0..<10_050 { builder.table("table_\(n)") }
        var faults = FaultPlan()
        faults.ignoredFilterFields = ["title"]
        let emulator = try await SecodaEmulator.start(seed: builder.seed, options: EmulatorOptions(token: ShopCatalog.token,
                                                                                                  faults: faults))
        let (repo, _) = try Self.repository(emulator)
        defer { repo.remove() }
        let result = try await BoundedGate().run(["catalog", "pull"], in: repo.path,
                                                 environment: ["SECODA_API_KEY": ShopCatalog.token], timeout: 120)
        let catalogRequests = await emulator.state.requests().filter { $0.route == "resource/catalog" }
        await emulator.stop()
        #expect(!result.signalled && !result.timedOut && result.status == 3, "\(result)")
        #expect(result.stderr.contains("ignored the title filter"), "\(result)")
        #expect(catalogRequests.count < 50, "stopped at the first split: \(catalogRequests.count) requests")
    }
}
