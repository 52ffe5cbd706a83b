import Foundation
import GateLineage
import GateTestSupport
import SecodaEmulator
import Testing

/// `contract-gate catalog pull` past Secoda's 10,000-per-query cap (issue 23, item 3): the binary
/// streams the pages to the snapshot file, and the file is byte for byte what the in-memory pull
/// and the whole-document writer make of the same server (but for `taken_at`).
@Suite struct StreamingPullBinaryTests {
    @Test func aPullPastTheCapWritesTheInMemoryWritersBytes() async throws {
        var b = SeedBuilder()
        var tables: [String] = []
        // Half the titles hold "_", half do not: the first split brings both parts under the cap.
        for n in 0..<10_400 { tables.append(b.table(n % 2 == 0 ? "fct_orders_\(n)" : "dimorders\(n)", pii: n % 97 == 0)) }
        for n in 0..<60 { b.edge(tables[n * 100], b.dashboard("board \(n)", externalUsage: n)) }
        let repo = try TempRepository()
        defer { repo.remove() }
        try repo.write("contract-gate.yml", "version: 1\ncatalog:\n  secoda: {}\n  snapshot: catalog.json\n")
        _ = try repo.commit("config")
        try await withEmulator(b.seed, options: EmulatorOptions(pageSize: 100)) { emulator in
            let environment = ["SECODA_API_URL": emulator.baseURL.absoluteString, "SECODA_API_KEY": emulator.token]
            let run = try GateBinary().run(["catalog", "pull", "--repo", repo.path], in: repo.path, environment: environment)
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.stderr.contains("10400 tables, 10460 resources, 60 lineage edges"), "\(run.stderr)")
            let splits = await emulator.state.requests().filter { $0.query["filter"]?.contains("\"contains\"") == true }
            #expect(!splits.isEmpty, "the listing was split past the cap")

            let client = try SecodaClient(baseURL: emulator.baseURL.absoluteString, apiKey: emulator.token)
            let reference = try await CatalogSnapshot.pull(from: client)
            let referenceFile = URL(fileURLWithPath: repo.path).appendingPathComponent("reference.json")
            try reference.write(to: referenceFile)
            func withoutTakenAt(_ path: String) throws -> String {
                try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
                    .filter { !$0.hasPrefix("  \"taken_at\" : ") }.joined(separator: "\n")
            }
            let written = try withoutTakenAt(repo.path + "/catalog.json")
            #expect(written == (try withoutTakenAt(referenceFile.path)))
            #expect(written.count > 3_000_000)
            let left = try FileManager.default.contentsOfDirectory(atPath: repo.path).filter { $0.hasSuffix(".tmp") }
            #expect(left.isEmpty, "\(left)")
        }
    }
}
