import Foundation
import GateModel
import GateTestSupport
import SecodaEmulator
import Testing

/// Runs that overlap or die midway leave the snapshot either old or new — never half written.
@Suite("Hardening: concurrent and interrupted runs")
struct ConcurrencyTests {
    static func snapshotPath(_ repo: TempRepository) -> String { repo.path + "/.contract-gate/catalog.json" }

    /// A snapshot file that parses as the JSON object `catalog pull` writes.
    static func isValidSnapshot(_ data: Data?) -> Bool {
        guard let data, let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else { return false }
        return object["lineage"] is [Any] && object["resources"] is [Any]
    }

    @Test func twoChecksAndTwoPullsAtOnceInOneRepository() async throws {
        let emulator = try await SecodaEmulator.start(seed: ShopCatalog.seed(), options: EmulatorOptions(token: ShopCatalog.token))
        // Some latency so the runs really overlap.
        await emulator.state.setFaults(FaultPlan(latencyMs: 150, latencyJitterMs: 100, randomSeed: 3))
        let config = ShopFixture.secodaConfig(baseURL: emulator.baseURL.absoluteString, policy: "fail", timeout: 10, deadline: 40)
        let (repo, base) = try ShopFixture.make(config: config)
        defer { repo.remove() }
        try ShopFixture.changeStaging(repo)
        try repo.commit("change")
        let gate = try BoundedGate()
        let environment = ["SECODA_API_KEY": ShopCatalog.token]

        let first = try await gate.run(["catalog", "pull"], in: repo.path, environment: environment, timeout: 90)
        let started = [
            try gate.start(["check", "--base", base, "--format", "json"], in: repo.path, environment: environment),
            try gate.start(["check", "--base", base, "--format", "json"], in: repo.path, environment: environment),
            try gate.start(["catalog", "pull"], in: repo.path, environment: environment),
            try gate.start(["catalog", "pull"], in: repo.path, environment: environment),
            try gate.start(["check", "--base", base, "--format", "json", "--catalog", "snapshot"], in: repo.path,
                           environment: environment),
        ]
        var results: [BoundedResult] = []
        for run in started { results.append(await run.finish(timeout: 90)) }
        await emulator.stop()

        #expect(first.status == 0, "\(first)")
        for result in results { #expect(result.endedCleanly && result.status == 0, "\(result)") }
        let verdicts = results.compactMap { $0.json }.map { report -> String in
            let impact = (report["impact"] as? [[String: Any]]) ?? []
            let names = impact.flatMap { ($0["downstream"] as? [[String: Any]]) ?? [] }.compactMap { $0["name"] as? String }
            return "\(report["verdict"] ?? "") \(names.sorted())"
        }
        #expect(verdicts.count == 3 && Set(verdicts).count == 1, "the same answer from every overlapping check: \(verdicts)")
        #expect(Self.isValidSnapshot(FileManager.default.contents(atPath: Self.snapshotPath(repo))))
        let leftovers = ((try? FileManager.default.contentsOfDirectory(atPath: repo.path + "/.contract-gate")) ?? []).filter { $0 != ".gitignore" }
        #expect(leftovers.sorted() == ["catalog.json", "catalog.json.idx"], "no temporary files left: \(leftovers)")
        // The index in place matches the snapshot in place (the last pull's pair), so a check uses it.
        let check = try await gate.run(["check", "--base", base, "--format", "json", "--catalog", "snapshot"], in: repo.path,
                                       environment: environment, timeout: 60)
        let notices = (check.json?["diagnostics"] as? [[String: Any]] ?? []).compactMap { $0["message"] as? String }
        #expect(!notices.contains { $0.contains("catalog.json.idx") }, "\(notices)")
    }

    @Test func pullKilledWhileTheServerStallsKeepsTheOldSnapshot() async throws {
        let emulator = try await SecodaEmulator.start(seed: ShopCatalog.seed(), options: EmulatorOptions(token: ShopCatalog.token))
        let config = ShopFixture.secodaConfig(baseURL: emulator.baseURL.absoluteString, policy: "fail", timeout: 30, deadline: 60)
        let (repo, base) = try ShopFixture.make(config: config)
        defer { repo.remove() }
        try ShopFixture.changeStaging(repo)
        try repo.commit("change")
        let gate = try BoundedGate()
        let environment = ["SECODA_API_KEY": ShopCatalog.token]

        let first = try await gate.run(["catalog", "pull"], in: repo.path, environment: environment, timeout: 90)
        #expect(first.status == 0, "\(first)")
        let before = FileManager.default.contents(atPath: Self.snapshotPath(repo))
        #expect(Self.isValidSnapshot(before))

        // The lineage listing stalls mid-body; kill the pull while it waits.
        await emulator.state.clearLog()
        await emulator.state.setFaults(FaultPlan(queue: Array(repeating: .stall, count: 50), pathContains: "lineage"))
        let pull = try gate.start(["catalog", "pull"], in: repo.path, environment: environment)
        let waitUntil = Date().addingTimeInterval(60)
        while await emulator.state.requestCount(route: "lineage/manual") == 0, Date() < waitUntil {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(await emulator.state.requestCount(route: "lineage/manual") > 0, "the pull reached the lineage listing")
        try await Task.sleep(for: .milliseconds(300))
        pull.kill()
        let killed = await pull.finish(timeout: 10)
        #expect(killed.signalled, "the pull was killed midway: \(killed)")
        let after = FileManager.default.contents(atPath: Self.snapshotPath(repo))
        #expect(after == before, "the old snapshot is untouched")

        // And the gate still runs from it.
        await emulator.state.setFaults(.none)
        let offline = try await gate.run(["check", "--base", base, "--format", "json", "--catalog", "snapshot"],
                                         in: repo.path, environment: environment, timeout: 60)
        await emulator.stop()
        #expect(offline.status == 0, "\(offline)")
        #expect((offline.json?["catalog"] as? [String: Any])?["sources"] as? [String] == ["dbt", "snapshot"], "\(offline)")
    }

    @Test func truncatedSnapshotIsAClearErrorNotACrash() throws {
        let (repo, base) = try ShopFixture.make()
        defer { repo.remove() }
        try ShopFixture.changeStaging(repo)
        try repo.commit("change")
        try repo.write(".contract-gate/catalog.json", "{\"resources\": [{\"id\": \"a\", \"title\"")
        let gate = try BoundedGate()
        let strict = try gate.run(["check", "--base", base, "--format", "json", "--catalog", "snapshot",
                                   "--fail-on", "error"], in: repo.path, timeout: 60)
        #expect(strict.endedCleanly, "\(strict)")
        #expect([2, 3].contains(strict.status) || (strict.json?["catalog"] as? [String: Any])?["complete"] as? Bool == false,
                "a broken snapshot is never a silent complete pass: \(strict)")
        #expect((strict.stderr + strict.stdout).contains("catalog.json"), "the message names the file: \(strict)")
    }
}
