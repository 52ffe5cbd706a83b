import Foundation
import GateJSON
import GateModel
import GateTestSupport
import SecodaEmulator
import Testing
@testable import CatalogStore
@testable import GateLineage
@testable import SecodaAPI

/// The snapshot's index (`SnapshotIndex`, read by `SnapshotIndexReader`) must answer exactly what
/// the whole-file reader answers, be written with the snapshot by every writer (and atomically by
/// `catalog pull`), and never be trusted when it is stale, cut short, damaged or of another version.
@Suite struct SnapshotIndexTests {
    static func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("snapshot-index-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Every question `CatalogSource` asks, of `source` and of the reference, for `ids` and `titles`.
    static func expectSameAnswers(_ source: any CatalogSource, _ reference: SnapshotCatalogSource, ids: [String],
                                  titles: [String], sourceLocation: Testing.SourceLocation = #_sourceLocation) async throws {
        #expect(try await source.downstream(of: ids) == reference.downstream(of: ids), sourceLocation: sourceLocation)
        #expect(try await source.resources(ids: ids) == reference.resources(ids: ids), sourceLocation: sourceLocation)
        #expect(try await source.people() == reference.people(), sourceLocation: sourceLocation)
        #expect(try await source.piiColumns(ofTables: ids) == reference.piiColumns(ofTables: ids), sourceLocation: sourceLocation)
        for integration in [nil, "int-a", "int-b"] {
            #expect(try await source.tables(titled: titles, integrationId: integration)
                == reference.tables(titled: titles, integrationId: integration), sourceLocation: sourceLocation)
        }
        // One id at a time too: the walk asks for a level's ids, often one.
        for id in ids.prefix(12) {
            #expect(try await source.downstream(of: [id]) == reference.downstream(of: [id]), sourceLocation: sourceLocation)
            #expect(try await source.resources(ids: [id]) == reference.resources(ids: [id]), sourceLocation: sourceLocation)
        }
    }

    /// Opens the snapshot at `url` as a check does and expects the index to be used.
    static func openIndexed(_ url: URL, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> SnapshotIndexReader {
        let opened = try SnapshotIndex.open(snapshot: url)
        #expect(opened.notice == nil, "\(opened.notice ?? "")", sourceLocation: sourceLocation)
        return try #require(opened.source as? SnapshotIndexReader, sourceLocation: sourceLocation)
    }

    /// A bigger snapshot from a seeded generator: fan-out, fan-in, edges to ids no resource
    /// describes, tables sharing titles across integrations, PII marks on some tables.
    static func generated(seed: UInt64, count: Int) -> CatalogSnapshot {
        var random = SplitMix(state: seed)
        func id(_ n: Int) -> String { String(format: "a0000000-0000-4000-8000-%012d", n) }
        var resources: [CatalogResource] = []
        var marks: [String: [String]] = [:]
        for n in 0..<count {
            let kind = ["table", "table", "chart", "dashboard"][Int(random.next() % 4)]
            resources.append(CatalogResource(
                id: id(n), type: kind, title: kind == "table" ? "t\(random.next() % UInt64(count / 2))" : "r\(n)",
                titleFull: random.next() % 3 == 0 ? nil : "db.s.t\(n)", database: "db", schema: "s",
                integration: random.next() % 2 == 0 ? "int-a" : "int-b", owners: random.next() % 4 == 0 ? ["u\(n % 7)"] : [],
                ownerGroups: [], tags: random.next() % 9 == 0 ? ["gold", "é"] : [], pii: random.next() % 11 == 0,
                verified: random.next() % 2 == 0, url: nil, externalUsage: random.next() % 3 == 0 ? Int(random.next() % 1000) - 5 : nil,
                internalUsage: nil, externalUpdatedAt: nil, teams: random.next() % 5 == 0 ? ["team-1"] : []))
            if kind == "table", random.next() % 6 == 0 { marks[id(n)] = ["Email", "ssn"] }
        }
        var lineage: [SnapshotEdge] = []
        for n in 0..<(count * 2) {
            let from = Int(random.next() % UInt64(count)), to = Int(random.next() % UInt64(count + count / 10))
            lineage.append(SnapshotEdge(from: id(from), to: id(to)))
            if n % 50 == 0 { lineage.append(SnapshotEdge(from: id(from), to: id(to))) }
        }
        return CatalogSnapshot(takenAt: "2026-12-01T00:00:00Z", resources: resources.sorted { $0.id < $1.id },
                               lineage: lineage.sorted { ($0.from, $0.to) < ($1.from, $1.to) },
                               users: [CatalogPerson(id: "u1", name: "Ana", email: "ana@shop.test")], piiColumns: marks)
    }

    struct SplitMix {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    @Test func theIndexAnswersWhatTheWholeFileReaderAnswers() async throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("catalog.json")
        let sample = IndexedSnapshotTests.sample()
        try sample.write(to: url)
        #expect(FileManager.default.fileExists(atPath: SnapshotIndex.url(for: url).path))
        let index = try Self.openIndexed(url)
        let reference = SnapshotCatalogSource(snapshot: try CatalogSnapshot.load(from: url))
        let ids = (1...41).map(IndexedSnapshotTests.id) + [IndexedSnapshotTests.id(99), "unknown", "", "\u{212A}"]
        let titles = ["orders", "quote\"d \\ täble", "t1", "t5", "missing"]
        #expect(index.takenAt == sample.takenAt)
        try await Self.expectSameAnswers(index, reference, ids: ids, titles: titles)
        // Not agreement on nothing: fan-out, a title in two integrations, people, PII marks.
        #expect(try await index.downstream(of: [IndexedSnapshotTests.id(3)]).children[IndexedSnapshotTests.id(3)]?.count == 2)
        #expect(try await index.tables(titled: ["orders"], integrationId: nil).count == 2)
        #expect(try await index.people().groups.first?.members == ["u1"])
        #expect(try await index.piiColumns(ofTables: [IndexedSnapshotTests.id(4)]) == [IndexedSnapshotTests.id(4): ["email", "phone"]])

        // Marks unknown (an older pull) stay unknown through the index.
        var older = sample
        older.piiColumns = nil
        try older.write(to: url)
        #expect(try await Self.openIndexed(url).piiColumns(ofTables: ids) == nil)
    }

    @Test(arguments: [(UInt64(1), 300), (UInt64(7), 2_000)])
    func generatedSnapshotsAgree(_ seed: UInt64, _ count: Int) async throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("catalog.json")
        let snapshot = Self.generated(seed: seed, count: count)
        try snapshot.write(to: url)
        let index = try Self.openIndexed(url)
        let reference = SnapshotCatalogSource(snapshot: snapshot)
        let ids = (0..<(count + count / 10 + 3)).map { String(format: "a0000000-0000-4000-8000-%012d", $0) }
        let titles = (0..<(count / 2)).map { "t\($0)" } + ["r1", "none"]
        try await Self.expectSameAnswers(index, reference, ids: ids, titles: titles)
        #expect(try await index.downstream(of: ids).children.count > count / 2)
    }

    /// A snapshot written by hand (or by an older contract-gate) has no index: the check reads
    /// the JSON as before and says how to get the index.
    @Test func aSnapshotWithoutIndexIsReadFromTheJSONWithANotice() async throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("catalog.json")
        try PrettyJSONEncoder().encode(IndexedSnapshotTests.sample()).write(to: url)
        let opened = try SnapshotIndex.open(snapshot: url)
        #expect(opened.source is IndexedSnapshot)
        #expect(opened.notice?.contains("has no index beside it (catalog.json.idx)") == true, "\(opened.notice ?? "")")
        #expect(opened.notice?.contains("contract-gate catalog pull") == true)
        let reference = SnapshotCatalogSource(snapshot: try CatalogSnapshot.load(from: url))
        try await Self.expectSameAnswers(opened.source, reference, ids: (1...41).map(IndexedSnapshotTests.id), titles: ["orders"])
    }

    /// The JSON replaced or edited after the index was written (by hand, by another tool, or the
    /// moment between a pull's two renames, when the new index sits beside the old JSON): the
    /// index is not used and the JSON answers.
    @Test func anIndexOfAnotherSnapshotIsNotUsed() async throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("catalog.json")
        let first = Self.generated(seed: 3, count: 200)
        try first.write(to: url)
        _ = try Self.openIndexed(url)

        // Edited in place: same inode, other size and time.
        var edited = first
        edited.resources.removeLast(5)
        let handle = try FileHandle(forWritingTo: url)
        try handle.truncate(atOffset: 0)
        try handle.write(contentsOf: try PrettyJSONEncoder().encode(edited))
        try handle.close()
        var opened = try SnapshotIndex.open(snapshot: url)
        #expect(opened.notice?.contains("was written for another copy of the snapshot") == true, "\(opened.notice ?? "")")
        #expect(!(opened.source is SnapshotIndexReader))
        let ids = edited.resources.map(\.id) + first.resources.suffix(5).map(\.id)
        try await Self.expectSameAnswers(opened.source, SnapshotCatalogSource(snapshot: edited), ids: ids, titles: ["t1", "t2"])

        // A pull's new index beside the old JSON.
        let other = folder.appendingPathComponent("other").appendingPathComponent("catalog.json")
        try Self.generated(seed: 4, count: 200).write(to: other)
        try first.write(to: url)
        try FileManager.default.removeItem(at: SnapshotIndex.url(for: url))
        try FileManager.default.copyItem(at: SnapshotIndex.url(for: other), to: SnapshotIndex.url(for: url))
        opened = try SnapshotIndex.open(snapshot: url)
        #expect(opened.notice?.contains("was written for another copy of the snapshot") == true, "\(opened.notice ?? "")")
        try await Self.expectSameAnswers(opened.source, SnapshotCatalogSource(snapshot: first), ids: first.resources.map(\.id),
                                         titles: ["t1"])
    }

    /// Cut short, damaged anywhere in its header or index part, or of another version: the index
    /// is never trusted, the JSON answers, and the notice names the file and what to do.
    @Test func aDamagedIndexIsNeverTrusted() async throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("catalog.json")
        let snapshot = Self.generated(seed: 5, count: 300)
        try snapshot.write(to: url)
        let indexURL = SnapshotIndex.url(for: url)
        let good = try Data(contentsOf: indexURL)
        let eagerOffset = Int(good[80..<88].withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) })
        let reference = SnapshotCatalogSource(snapshot: snapshot)

        func versionBumped() -> Data {
            var bytes = [UInt8](good)
            bytes[8] = 2
            let sum = SnapshotIndex.checksum(bytes[0..<120])
            withUnsafeBytes(of: sum.littleEndian) { bytes.replaceSubrange(120..<128, with: $0) }
            return Data(bytes)
        }
        func flipped(_ at: Int) -> Data {
            var bytes = good
            bytes[at] ^= 0x5A
            return bytes
        }
        let cases: [(String, Data, String)] = [
            ("truncated", good.prefix(good.count - 100), "is cut short or was added to"),
            ("only part of a header", good.prefix(40), "is cut short"),
            ("appended to", good + Data([0]), "is cut short or was added to"),
            ("empty", Data(), "is cut short"),
            ("not an index", Data(repeating: 0x41, count: 300), "is not a contract-gate snapshot index"),
            ("header damaged", flipped(50), "is damaged (its header's checksum does not match)"),
            ("index part damaged", flipped(eagerOffset + (good.count - eagerOffset) / 2), "is damaged (its index part's checksum"),
            ("another version", versionBumped(), "has format version 2; this contract-gate reads version 1"),
        ]
        for (name, bytes, expected) in cases {
            // Written in place, so the JSON is still the one the index was written for.
            try bytes.write(to: indexURL)
            let opened = try SnapshotIndex.open(snapshot: url)
            #expect(opened.notice?.contains(expected) == true, "\(name): \(opened.notice ?? "no notice")")
            #expect(opened.notice?.contains(indexURL.path) == true, "\(name)")
            #expect(opened.notice?.contains("contract-gate catalog pull") == true, "\(name)")
            #expect(!(opened.source is SnapshotIndexReader), "\(name)")
            let ids = snapshot.resources.prefix(40).map(\.id)
            #expect(try await opened.source.resources(ids: ids) == reference.resources(ids: ids), "\(name)")
        }
    }

    /// A record whose checksum does not match is read from the JSON instead, never decoded.
    @Test func aDamagedRecordIsReadFromTheJSON() async throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("catalog.json")
        let snapshot = Self.generated(seed: 6, count: 300)
        try snapshot.write(to: url)
        let indexURL = SnapshotIndex.url(for: url)
        var bytes = try Data(contentsOf: indexURL)
        // Every 97th byte of the records (between the header and the index part).
        let eagerOffset = Int(bytes[80..<88].withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) })
        for at in stride(from: SnapshotIndex.headerSize + 20, to: eagerOffset, by: 97) { bytes[at] ^= 0xFF }
        let handle = try FileHandle(forWritingTo: indexURL)
        try handle.write(contentsOf: bytes)
        try handle.close()

        let index = try Self.openIndexed(url)
        let reference = SnapshotCatalogSource(snapshot: snapshot)
        let ids = snapshot.resources.map(\.id)
        #expect(try await index.resources(ids: ids) == reference.resources(ids: ids))
        #expect(try await index.piiColumns(ofTables: ids) == reference.piiColumns(ofTables: ids))
        #expect(index.recordsReadFromJSON > 50)
    }

    /// `catalog pull` writes the index with the snapshot; a pull that fails part way leaves both
    /// as they were (still matching each other) and no temporary file.
    @Test func aPullWritesTheIndexAndAFailedPullLeavesBoth() async throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let target = folder.appendingPathComponent("catalog.json")
        let options = EmulatorOptions(pageSize: StreamingPullTests.pageSize, catalogResultCap: StreamingPullTests.cap)
        try await withEmulator(StreamingPullTests.bigSeed(), options: options) { emulator in
            _ = try await CatalogSnapshot.pull(from: try client(for: emulator), catalogResultCap: StreamingPullTests.cap,
                                               writingTo: target)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() == ["catalog.json", "catalog.json.idx"])
        let pulled = try CatalogSnapshot.load(from: target)
        let ids = pulled.resources.map(\.id) + pulled.lineage.map(\.to)
        let titles = pulled.tables.map(\.title)
        try await Self.expectSameAnswers(try Self.openIndexed(target), SnapshotCatalogSource(snapshot: pulled), ids: ids, titles: titles)
        let json = try Data(contentsOf: target), index = try Data(contentsOf: SnapshotIndex.url(for: target))

        var faults = FaultPlan()
        faults.ignoredFilterFields = ["title"]
        try await withEmulator(StreamingPullTests.bigSeed(), options: EmulatorOptions(
            pageSize: StreamingPullTests.pageSize, catalogResultCap: StreamingPullTests.cap, faults: faults)) { emulator in
            let error = await catalogError {
                _ = try await CatalogSnapshot.pull(from: try client(for: emulator), catalogResultCap: StreamingPullTests.cap,
                                                   writingTo: target)
            }
            #expect(error?.message.contains("ignored the title filter") == true, "\(String(describing: error))")
        }
        #expect(try Data(contentsOf: target) == json)
        #expect(try Data(contentsOf: SnapshotIndex.url(for: target)) == index)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() == ["catalog.json", "catalog.json.idx"])
        _ = try Self.openIndexed(target)
    }

    /// Ids that are not ASCII cannot be looked up by bytes: such a snapshot gets no index (a stale
    /// one is removed) and is read from the JSON.
    @Test func aSnapshotWithIdsThatAreNotASCIIGetsNoIndex() async throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("catalog.json")
        try Self.generated(seed: 8, count: 50).write(to: url)
        #expect(FileManager.default.fileExists(atPath: SnapshotIndex.url(for: url).path))
        var odd = Self.generated(seed: 8, count: 50)
        odd.lineage.append(SnapshotEdge(from: odd.resources[0].id, to: "caf\u{E9}"))
        try odd.write(to: url)
        #expect(!FileManager.default.fileExists(atPath: SnapshotIndex.url(for: url).path))
        let opened = try SnapshotIndex.open(snapshot: url)
        #expect(opened.source is IndexedSnapshot)
        let ids = [odd.resources[0].id, "cafe\u{301}", "caf\u{E9}"]
        try await Self.expectSameAnswers(opened.source, SnapshotCatalogSource(snapshot: odd), ids: ids, titles: [])
    }
}
