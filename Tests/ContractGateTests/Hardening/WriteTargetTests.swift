import Foundation
import GateTestSupport
import SecodaEmulator
import Testing

/// The gate writes only where it should: a configured snapshot path stays inside the repository,
/// never under `.git/` and never through a link that leads out; `init --force` never writes
/// through a link; what killed pulls left behind is cleaned up.
@Suite("Hardening: where the gate writes", .serialized)
struct WriteTargetTests {
    /// The shop wired to `emulator`, with `catalog.snapshot` set to `snapshot`.
    static func repository(_ emulator: SecodaEmulator, snapshot: String) throws -> TempRepository {
        let config = ShopFixture.secodaConfig(baseURL: emulator.baseURL.absoluteString, policy: "fail", timeout: 10, deadline: 60)
            .replacingOccurrences(of: "snapshot: .contract-gate/catalog.json", with: "snapshot: \"\(snapshot)\"")
        return try ShopFixture.make(config: config).0
    }

    static func pull(_ repo: TempRepository, _ extra: [String] = []) async throws -> BoundedResult {
        try await BoundedGate().run(["catalog", "pull"] + extra, in: repo.path, environment: ["SECODA_API_KEY": ShopCatalog.token],
                                    timeout: 90)
    }

    @Test func configuredSnapshotPathsThatEscapeAreRefusedBeforeAnyRequest() async throws {
        let emulator = try await SecodaEmulator.start(seed: ShopCatalog.seed(), options: EmulatorOptions(token: ShopCatalog.token))
        var outcomes: [(String, BoundedResult, Bool)] = []
        for snapshot in [".git/config", "../../escaped.json", "linked/catalog.json"] {
            let repo = try Self.repository(emulator, snapshot: snapshot)
            defer { repo.remove() }
            let outside = repo.container + "/outside"
            try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(atPath: repo.path + "/linked", withDestinationPath: outside)
            let gitConfig = try Data(contentsOf: URL(fileURLWithPath: repo.path + "/.git/config"))
            let result = try await Self.pull(repo)
            let untouched = try Data(contentsOf: URL(fileURLWithPath: repo.path + "/.git/config")) == gitConfig
                && (try FileManager.default.contentsOfDirectory(atPath: outside)).isEmpty
                && !FileManager.default.fileExists(atPath: repo.container + "/../escaped.json")
                && !FileManager.default.fileExists(atPath: repo.container + "/escaped.json")
            outcomes.append((snapshot, result, untouched))
        }
        let requests = await emulator.state.requests()
        await emulator.stop()
        for (snapshot, result, untouched) in outcomes {
            #expect(result.status == 2, "\(snapshot): \(result.stderr)")
            #expect(result.stderr.contains("catalog.snapshot"), "\(snapshot) is named: \(result.stderr)")
            #expect(untouched, "\(snapshot): something was written")
        }
        #expect(requests.isEmpty, "refused before talking to Secoda: \(requests.map(\.path))")
    }

    @Test func outputIsTheUsersChoiceButNeverTheGitDirectory() async throws {
        let emulator = try await SecodaEmulator.start(seed: ShopCatalog.seed(), options: EmulatorOptions(token: ShopCatalog.token))
        let repo = try Self.repository(emulator, snapshot: ".contract-gate/catalog.json")
        defer { repo.remove() }
        let gitHead = try Data(contentsOf: URL(fileURLWithPath: repo.path + "/.git/HEAD"))
        let intoGit = try await Self.pull(repo, ["--output", ".git/HEAD"])
        let elsewhere = try await Self.pull(repo, ["--output", repo.container + "/pulled.json"])
        await emulator.stop()
        #expect(intoGit.status == 2, "\(intoGit.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: repo.path + "/.git/HEAD")) == gitHead)
        #expect(elsewhere.status == 0, "\(elsewhere.stderr)")
        #expect(FileManager.default.fileExists(atPath: repo.container + "/pulled.json"))
    }

    @Test func aPullCleansUpAfterKilledPullsAndIgnoresItsOwnFolder() async throws {
        let emulator = try await SecodaEmulator.start(seed: ShopCatalog.seed(), options: EmulatorOptions(token: ShopCatalog.token))
        let repo = try Self.repository(emulator, snapshot: ".contract-gate/catalog.json")
        defer { repo.remove() }
        let folder = repo.path + "/.contract-gate"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        // A pull killed earlier (its process is gone), an old one from before pids were written,
        // and one still being written by a live process (this test's).
        let dead = ".catalog.json.\(Int32.max - 7).\(UUID().uuidString).tmp"
        let legacy = ".catalog.json.\(UUID().uuidString).tmp"
        let live = ".catalog.json.\(ProcessInfo.processInfo.processIdentifier).\(UUID().uuidString).tmp"
        for name in [dead, legacy, live] { try Data("{\"half\":".utf8).write(to: URL(fileURLWithPath: folder + "/" + name)) }
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -7200)], ofItemAtPath: folder + "/" + legacy)
        let result = try await Self.pull(repo)
        await emulator.stop()
        #expect(result.status == 0, "\(result.stderr)")
        let left = Set(try FileManager.default.contentsOfDirectory(atPath: folder))
        // The snapshot and its binary index (SnapshotIndex), nothing a killed pull left.
        #expect(left == [".gitignore", "catalog.json", "catalog.json.idx", live], "\(left)")
        // git does not see the snapshot: the folder ignores itself.
        let status = try repo.run(["status", "--porcelain", "--untracked-files=all"])
        #expect(!status.contains(".contract-gate"), "\(status)")
    }

    @Test func initForceNeverWritesThroughALinkedContractsFolder() throws {
        let repo = try TempRepository()
        defer { repo.remove() }
        try repo.write("dbt_project.yml", ShopFixture.projectFile)
        try repo.write("models/stg_orders.sql", ShopFixture.staging)
        let outside = repo.container + "/elsewhere"
        try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: repo.path + "/contracts", withDestinationPath: outside)
        let result = try GateBinary().run(["init", "--force"], in: repo.path)
        #expect(result.status == 2, "\(result.stderr)")
        #expect(result.stderr.contains("contracts is a symbolic link"), "\(result.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: outside).isEmpty)
        #expect(!FileManager.default.fileExists(atPath: repo.path + "/contract-gate.yml"), "nothing written when one target is refused")
    }
}
