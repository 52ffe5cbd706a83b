import Foundation
import GateModel
import GateTestSupport
import SecodaEmulator
import Testing

/// Through the binary: `catalog pull` writes the snapshot's index beside it, `check --catalog
/// snapshot` reads through it, and an index that is damaged or missing changes nothing in the
/// verdict or the impact — the JSON answers, and one notice says why and what to do.
@Suite("Hardening: the snapshot's index")
struct SnapshotIndexBinaryTests {
    /// What must not depend on how the snapshot was read: exit status, findings and impact.
    static func outcome(_ result: BoundedResult) -> String {
        let json = result.json ?? [:]
        let parts: [Any] = [result.status, json["findings"] ?? [], json["impact"] ?? [], json["catalog"] ?? [:]]
        let data = try? JSONSerialization.data(withJSONObject: parts, options: [.sortedKeys])
        return String(decoding: data ?? Data(), as: UTF8.self)
    }

    static func messages(_ result: BoundedResult) -> [String] {
        (result.json?["diagnostics"] as? [[String: Any]] ?? []).compactMap { $0["message"] as? String }
    }

    @Test func aDamagedOrMissingIndexChangesNothingButANotice() async throws {
        let emulator = try await SecodaEmulator.start(seed: ShopCatalog.seed(), options: EmulatorOptions(token: ShopCatalog.token))
        let config = ShopFixture.secodaConfig(baseURL: emulator.baseURL.absoluteString, policy: "fail", timeout: 10, deadline: 40)
        let (repo, base) = try ShopFixture.make(config: config)
        defer { repo.remove() }
        try ShopFixture.changeStaging(repo)
        try repo.commit("change")
        let gate = try BoundedGate()
        let pull = try await gate.run(["catalog", "pull"], in: repo.path, environment: ["SECODA_API_KEY": ShopCatalog.token],
                                      timeout: 90)
        await emulator.stop()
        #expect(pull.status == 0, "\(pull)")
        let index = repo.path + "/.contract-gate/catalog.json.idx"
        #expect(FileManager.default.fileExists(atPath: index))

        let check = ["check", "--base", base, "--format", "json", "--catalog", "snapshot"]
        let indexed = try await gate.run(check, in: repo.path, timeout: 60)
        #expect((indexed.json?["catalog"] as? [String: Any])?["sources"] as? [String] == ["dbt", "snapshot"], "\(indexed)")
        #expect(!Self.messages(indexed).contains { $0.contains("index") }, "\(Self.messages(indexed))")
        // The change reaches the catalog: the comparison below is not between two empty walks.
        #expect(Self.outcome(indexed).contains("dashboard"), "\(indexed)")

        // Damaged in its index part: the header still says the length the file has.
        var bytes = try Data(contentsOf: URL(fileURLWithPath: index))
        bytes[bytes.count - 10] ^= 0xFF
        try bytes.write(to: URL(fileURLWithPath: index))
        let damaged = try await gate.run(check, in: repo.path, timeout: 60)
        #expect(Self.outcome(damaged) == Self.outcome(indexed))
        #expect(Self.messages(damaged).contains {
            $0.contains(index) && $0.contains("is damaged") && $0.contains("contract-gate catalog pull")
        }, "\(Self.messages(damaged))")

        try FileManager.default.removeItem(atPath: index)
        let missing = try await gate.run(check, in: repo.path, timeout: 60)
        #expect(Self.outcome(missing) == Self.outcome(indexed))
        #expect(Self.messages(missing).contains { $0.contains("has no index beside it (catalog.json.idx)") },
                "\(Self.messages(missing))")
    }
}
