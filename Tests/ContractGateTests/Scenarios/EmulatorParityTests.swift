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
                      "dbt_project_in_subfolder", "model_no_delete_catalog_consumer", "column_pii_stays_tagged_in_catalog",
                      "exposure_and_its_dashboard_counted_once"])
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
    @Test(arguments: ["downstream_dashboard_in_use", "model_no_delete_catalog_consumer", "column_pii_stays_tagged_in_catalog"])
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

    /// The CLI remembers resolved table ids in the cache folder the environment names, and a
    /// second run from them reports exactly what the first did; `off` writes nothing anywhere.
    @Test func theCliRemembersTableIdsOnlyWhereTheEnvironmentSays() async throws {
        let scenario = Scenario(name: "downstream_dashboard_in_use")
        let repo = try scenario.makeRepository()
        defer { repo.remove() }
        try repo.delete(".contract-gate/catalog.json")
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("cg-home-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: home) }
        let cache = home.appendingPathComponent("hints")
        let emulator = try await SecodaEmulator.start(seed: try EmulatorSeed.load(from: scenario.catalogFile))
        let secoda = ["SECODA_API_KEY": emulator.token, "SECODA_API_URL": emulator.baseURL.absoluteString]
        let arguments = ["check", "--base", "main", "--head", "HEAD", "--format", "json"]
        var runs: [GateBinary.Result] = []
        do {
            for _ in 0..<2 {
                runs.append(try await GateBinary().runDetached(arguments, in: repo.path,
                                                               environment: secoda.merging(["CONTRACT_GATE_CACHE_DIR": cache.path]) { $1 }))
            }
            runs.append(try await GateBinary().runDetached(arguments, in: repo.path, environment: secoda.merging([
                "CONTRACT_GATE_CACHE_DIR": "off", "HOME": home.appendingPathComponent("home").path,
                "XDG_CACHE_HOME": home.appendingPathComponent("xdg").path,
            ]) { $1 }))
        } catch {
            await emulator.stop()
            throw error
        }
        await emulator.stop()
        #expect(runs.map(\.status) == [1, 1, 1], "stderr: \(runs.map(\.stderr))")
        #expect(runs[1].stdout == runs[0].stdout && runs[2].stdout == runs[0].stdout)

        let document = try #require(try JSONSerialization.jsonObject(with: Data(runs[0].stdout.utf8)) as? [String: Any])
        let changes = try #require(document["changes"] as? [[String: Any]])
        let catalogId = try #require(changes.first { $0["model"] as? String == "fct_orders" }?["catalog_id"] as? String)
        // The folder holds the remembered ids and the parse cache (ParseCacheScenarioTests), nothing else.
        let all = try FileManager.default.contentsOfDirectory(atPath: cache.path)
        let files = all.filter { $0.hasPrefix("table-ids-") && $0.hasSuffix(".tsv") }
        #expect(files.count == 1 && all.count == 2 && all.contains { $0.hasPrefix("parse-") && $0.hasSuffix(".bin") }, "\(all)")
        let remembered = try String(contentsOf: cache.appendingPathComponent(try #require(files.first)), encoding: .utf8)
        #expect(remembered.contains("fct_orders\t\(catalogId)\n"))
        #expect(!remembered.contains(emulator.token))
        // Off: no ids remembered under the home or XDG folders (Foundation's own URL cache folder
        // may appear there; that is not ours).
        let elsewhere = (FileManager.default.enumerator(atPath: home.path)?.allObjects as? [String] ?? [])
            .filter { !$0.hasPrefix("hints") }
        #expect(!elsewhere.contains {
            let name = ($0 as NSString).lastPathComponent
            return name.hasPrefix("table-ids-") || name.hasPrefix("parse-")
        }, "\(elsewhere)")
    }
}
