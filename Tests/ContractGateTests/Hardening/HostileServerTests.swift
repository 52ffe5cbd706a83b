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
}
