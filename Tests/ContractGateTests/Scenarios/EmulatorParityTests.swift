import ContractGate
import Foundation
import GateModel
import GateTestSupport
import SecodaEmulator
import Testing

/// Issue 5's done-when: the same run against Secoda (the emulator, real HTTP on 127.0.0.1) gives the
/// same verdict and findings as the offline run from a snapshot of the same seed.
@Suite struct EmulatorParityTests {
    @Test(arguments: ["downstream_dashboard_in_use", "downstream_verified", "model_resolves", "model_has_owner_in_catalog",
                      "dbt_project_in_subfolder", "model_no_delete_catalog_consumer"])
    func liveSecodaAndSnapshotAgree(_ name: String) async throws {
        let scenario = Scenario(name: name)
        let repo = try scenario.makeRepository()
        defer { repo.remove() }
        let offline = try await scenario.check(repo)
        #expect(offline.catalog.sources.contains("snapshot"))

        // The live run must not be able to fall back to the snapshot.
        try repo.delete(".contract-gate/catalog.json")
        let seed = try EmulatorSeed.load(from: scenario.catalogFile)
        let emulator = try await SecodaEmulator.start(seed: seed)
        let online: Report
        do {
            online = try await scenario.check(repo, environment: [
                "SECODA_API_KEY": emulator.token, "SECODA_API_URL": emulator.baseURL.absoluteString,
            ])
            #expect(await emulator.state.requestCount(route: "resource/catalog") > 0)
        } catch {
            await emulator.stop()
            throw error
        }
        await emulator.stop()

        #expect(online.catalog.sources.contains("secoda"), "sources: \(online.catalog.sources)")
        #expect(online.catalog.complete, "errors: \(online.catalog.errors)")
        #expect(online.verdict == offline.verdict)
        #expect(online.exitCode == offline.exitCode)
        #expect(Scenario.lines(of: online) == Scenario.lines(of: offline))
        #expect(online.sortedFindings.map(\.message) == offline.sortedFindings.map(\.message))
        #expect(online.sortedFindings.map(\.consumers) == offline.sortedFindings.map(\.consumers))
        #expect(online.changes.map(\.catalogId) == offline.changes.map(\.catalogId))
        func reached(_ report: Report) -> [String] {
            report.impact.flatMap { impact in impact.downstream.map { "\(impact.model) → \($0.name) (\($0.type), depth \($0.depth))" } }.sorted()
        }
        #expect(reached(online) == reached(offline))
        // And the expected findings of the scenario hold for the live run too.
        #expect(Scenario.lines(of: online) == (try scenario.expectedLines()))
    }

    /// The documented workflow end to end: `contract-gate catalog pull` (the binary, over HTTP) writes the
    /// snapshot from the emulator, then the offline check from that pulled snapshot gives the live verdict
    /// and findings.
    @Test(arguments: ["downstream_dashboard_in_use", "model_no_delete_catalog_consumer"])
    func pulledSnapshotGivesTheLiveFindings(_ name: String) async throws {
        let scenario = Scenario(name: name)
        let repo = try scenario.makeRepository()
        defer { repo.remove() }
        try repo.delete(".contract-gate/catalog.json")
        let emulator = try await SecodaEmulator.start(seed: try EmulatorSeed.load(from: scenario.catalogFile))
        let environment = ["SECODA_API_KEY": emulator.token, "SECODA_API_URL": emulator.baseURL.absoluteString]
        let live: Report
        let pull: GateBinary.Result
        do {
            live = try await scenario.check(repo, environment: environment)
            pull = try await GateBinary().runDetached(["catalog", "pull"], in: repo.path, environment: environment)
        } catch {
            await emulator.stop()
            throw error
        }
        await emulator.stop()
        #expect(pull.status == 0, "stderr: \(pull.stderr)")
        let written = try String(contentsOfFile: repo.path + "/.contract-gate/catalog.json", encoding: .utf8)
        #expect(!written.contains(emulator.token), "the snapshot must not hold the API key")

        let offline = try await scenario.check(repo)
        #expect(offline.catalog.sources == ["dbt", "snapshot"])
        #expect(offline.catalog.complete)
        #expect(offline.verdict == live.verdict)
        #expect(Scenario.lines(of: offline) == Scenario.lines(of: live))
        #expect(offline.sortedFindings.map(\.message) == live.sortedFindings.map(\.message))
        #expect(Scenario.lines(of: offline) == (try scenario.expectedLines()))
    }

    /// The dashboard scenario really reaches a dashboard through Secoda's lineage (not only dbt's graph).
    @Test func liveLineageReachesTheDashboard() async throws {
        let scenario = Scenario(name: "downstream_dashboard_in_use")
        let repo = try scenario.makeRepository()
        defer { repo.remove() }
        try repo.delete(".contract-gate/catalog.json")
        let emulator = try await SecodaEmulator.start(seed: try EmulatorSeed.load(from: scenario.catalogFile))
        let report: Report
        do {
            report = try await scenario.check(repo, environment: [
                "SECODA_API_KEY": emulator.token, "SECODA_API_URL": emulator.baseURL.absoluteString,
            ])
            #expect(await emulator.state.requestCount(route: "lineage/manual") > 0)
        } catch {
            await emulator.stop()
            throw error
        }
        await emulator.stop()
        let downstream = report.impact.first { $0.model == "fct_orders" }?.downstream ?? []
        let revenue = try #require(downstream.first { $0.name == "Revenue Overview" })
        #expect(revenue.type == "dashboard")
        #expect(revenue.source == "secoda")
        #expect(revenue.depth == 2)
        #expect(!revenue.stale)
        let legacy = try #require(downstream.first { $0.name == "Orders Legacy Board" })
        #expect(legacy.stale)
        #expect(report.verdict == .fail)
    }
}
