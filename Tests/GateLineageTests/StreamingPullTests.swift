import Foundation
@testable import CatalogStore
@testable import GateLineage
@testable import SecodaAPI
import GateJSON
import GateModel
import GateTestSupport
import SecodaEmulator
import Testing

/// `catalog pull` streams each page to a spill file beside the snapshot and assembles the file
/// from it (issue 23, item 3): the bytes are those the in-memory pull's `write(to:)` writes, and
/// what the pull holds at once is a few pages, not the catalog.
@Suite struct StreamingPullTests {
    static let now = Date(timeIntervalSince1970: 1_780_000_000)
    static let pageSize = 20
    static let cap = 150

    /// 600 tables (past a cap of 150, so the listing is split by title), dashboards and charts,
    /// lineage into a table of another integration reached only through lineage, people, PII
    /// columns, and titles with characters the encoder escapes or keeps as they are.
    static func bigSeed() -> EmulatorSeed {
        var b = SeedBuilder()
        let ada = b.user(firstName: "Ada", lastName: "Lovelace", email: "ada@example.com")
        let bi = b.group("BI team", users: [ada])
        var tables: [String] = []
        for n in 0..<600 {
            let title = n % 3 == 0 ? "stg_orders_\(n)" : (n % 3 == 1 ? "fct\(n)" : "dim customers \(n)")
            tables.append(b.table(title, owners: n % 7 == 0 ? [ada] : [], ownerGroups: n % 11 == 0 ? [bi] : [],
                                  tags: n % 13 == 0 ? ["t-finance"] : [], pii: n % 17 == 0, verified: n % 5 == 0,
                                  usage: n % 4 == 0 ? n : nil))
        }
        let odd = b.table("quote \" back\\slash / tab\t line\nbreak é 🚀 \u{2028} \u{7F}")
        for n in 0..<40 {
            let chart = b.dashboard("chart \(n)", type: "chart", internalUsage: n)
            let board = b.dashboard("board \(n)", externalUsage: n % 3 == 0 ? nil : n, ownerGroups: [bi])
            b.edge(tables[n * 7], chart)
            b.edge(chart, board)
        }
        let foreign = b.table("orders_export", database: "reverse_etl", schema: "out", integration: "44444444-4444-4444-8444-444444444444")
        b.edge(tables[1], foreign)
        b.edge(odd, tables[2])
        for n in stride(from: 0, to: 600, by: 50) { b.column("email", of: tables[n], pii: true); b.column("id", of: tables[n]) }
        return b.seed
    }

    static func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("streaming-pull-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// The same server pulled twice, once into memory and written whole by `write(to:)` (the
    /// writer `catalog pull` used before), once streamed: the two files are the same bytes. For a
    /// big catalog with a split listing, for an empty one, and for one without lineage.
    @Test(arguments: ["big", "empty", "no lineage"])
    func theStreamedFileIsTheInMemoryWritersFile(_ name: String) async throws {
        var seed = EmulatorSeed()
        if name == "big" { seed = Self.bigSeed() }
        if name == "no lineage" {
            var b = SeedBuilder()
            for n in 0..<30 { b.table("t_\(n)") }
            seed = b.seed
        }
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try await withEmulator(seed, options: EmulatorOptions(pageSize: Self.pageSize, catalogResultCap: Self.cap)) { emulator in
            let reference = folder.appendingPathComponent("reference.json")
            let streamed = folder.appendingPathComponent("catalog.json")
            let snapshot = try await CatalogSnapshot.pull(from: try client(for: emulator), now: Self.now, catalogResultCap: Self.cap)
            try snapshot.write(to: reference)
            let summary = try await CatalogSnapshot.pull(from: try client(for: emulator), now: Self.now, catalogResultCap: Self.cap,
                                                         writingTo: streamed)
            let expected = try Data(contentsOf: reference), written = try Data(contentsOf: streamed)
            #expect(written == expected, "\(name): \(written.count) bytes streamed, \(expected.count) written whole")
            #expect(try CatalogSnapshot.load(from: streamed) == snapshot)
            #expect(summary == CatalogSnapshot.PullSummary(
                tables: snapshot.tables.count, resources: snapshot.resources.count, lineageEdges: snapshot.lineage.count,
                piiColumns: snapshot.piiColumns.map { $0.values.reduce(0) { $0 + $1.count } }, takenAt: snapshot.takenAt,
                users: snapshot.users.count, groups: snapshot.groups.count, teams: snapshot.teams.count))
            if name == "big" {
                #expect(snapshot.tables.count == 602 && snapshot.lineage.count == 82)
                #expect(snapshot.piiColumns?.count == 12)
                let splits = await emulator.state.requests().filter { $0.query["filter"]?.contains("\"contains\"") == true }
                #expect(!splits.isEmpty, "the table listing was split")
            }
            // The spill and the temporary files are gone; each snapshot has its index (`SnapshotIndex`).
            let left = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
            #expect(left == ["catalog.json", "catalog.json.idx", "reference.json", "reference.json.idx"])
        }
    }

    /// The streaming pull hands each page to the spill as it is read: the store saw every page of
    /// every listing (at least the table pages), never more than a page at a time per thread, and
    /// so held at once far fewer resources than the catalog has. (A pull that gathered a listing
    /// before storing it would show one page as big as the listing, and a peak as big as the catalog.)
    @Test func aPullHoldsPagesNotTheCatalog() async throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try await withEmulator(Self.bigSeed(), options: EmulatorOptions(pageSize: Self.pageSize, catalogResultCap: Self.cap)) { emulator in
            let statistics = PullStatistics()
            let summary = try await CatalogSnapshot.pull(from: try client(for: emulator), catalogResultCap: Self.cap,
                                                         writingTo: folder.appendingPathComponent("catalog.json"),
                                                         statistics: statistics)
            #expect(summary.resources == 682)
            #expect(statistics.largestPage == Self.pageSize)
            #expect(statistics.pagesStored >= summary.tables / Self.pageSize)
            // Pages are stored by synchronous code, at most one per thread at a time.
            let threads = ProcessInfo.processInfo.activeProcessorCount
            #expect(statistics.peakResourcesHeld <= threads * Self.pageSize, "\(statistics.peakResourcesHeld)")
            #expect(statistics.peakResourcesHeld < summary.resources)
        }
    }

    /// A pull that fails part way (the server ignores the split's title filter) leaves the old
    /// snapshot as it was and no temporary file behind.
    @Test func aFailedPullLeavesTheOldSnapshotAndNoSpill() async throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let target = folder.appendingPathComponent("catalog.json")
        try Data("old snapshot".utf8).write(to: target)
        var faults = FaultPlan()
        faults.ignoredFilterFields = ["title"]
        try await withEmulator(Self.bigSeed(), options: EmulatorOptions(pageSize: Self.pageSize, catalogResultCap: Self.cap,
                                                                        faults: faults)) { emulator in
            let error = await catalogError {
                _ = try await CatalogSnapshot.pull(from: try client(for: emulator), catalogResultCap: Self.cap, writingTo: target)
            }
            #expect(error?.message.contains("ignored the title filter") == true, "\(String(describing: error))")
        }
        #expect(try String(contentsOf: target, encoding: .utf8) == "old snapshot")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["catalog.json"])
    }

    /// Elements are cut from an encoded array and shifted to the document's depth, empty nested
    /// arrays included: the same bytes as the whole document's encoder writes for them.
    @Test func elementsAreTheDocumentsBytes() throws {
        let resources = [CatalogResource(id: "a", type: "table", title: "x\n\"y\"", owners: [], tags: ["t"]),
                         CatalogResource(id: "b", type: "chart", title: "", owners: ["u-1", "u-2"], externalUsage: 3)]
        let whole = String(decoding: try PrettyJSONEncoder().encode(CatalogSnapshot(takenAt: "t", resources: resources, lineage: [])),
                           as: UTF8.self)
        let elements = try SnapshotFileWriter.elements(resources).map { String(decoding: $0, as: UTF8.self) }
        #expect(elements.count == 2)
        #expect(whole.contains("\"resources\" : [\n    " + elements.joined(separator: ",\n    ") + "\n  ]"), "\(whole)\n\(elements)")
    }
}
