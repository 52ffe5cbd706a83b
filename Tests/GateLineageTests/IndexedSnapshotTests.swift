import Foundation
import GateModel
import Testing
@testable import CatalogStore
@testable import GateLineage
@testable import SecodaAPI

/// The streaming snapshot reader must answer exactly what the whole-file reader answers.
@Suite struct IndexedSnapshotTests {
    static func id(_ n: Int) -> String { String(format: "00000000-0000-4000-8000-%012d", n) }

    /// A snapshot with the awkward parts: escaped and non-ASCII titles, one title in two
    /// integrations, duplicate and fan-out edges, dashboards with and without usage, people.
    static func sample() -> CatalogSnapshot {
        var resources: [CatalogResource] = []
        for n in 1...40 {
            resources.append(CatalogResource(
                id: id(n), type: n % 5 == 0 ? "dashboard" : "table",
                title: n == 3 ? "quote\"d \\ täble" : n == 4 ? "orders" : "t\(n)",
                titleFull: "db.s.t\(n)", database: "db", schema: n % 2 == 0 ? "s" : "other",
                integration: n == 4 ? "int-b" : "int-a", owners: n % 3 == 0 ? ["u1"] : [], ownerGroups: ["g1"],
                tags: n == 7 ? ["pii", "gold"] : [], pii: n == 7, verified: n % 4 == 0, url: "https://app.test/\(n)",
                externalUsage: n % 5 == 0 ? (n % 10 == 0 ? 0 : 12) : nil, internalUsage: nil,
                externalUpdatedAt: n == 10 ? "2026-01-01T00:00:00Z" : nil, teams: ["team-1"]))
        }
        resources.append(CatalogResource(id: id(41), type: "table", title: "orders", integration: "int-a"))
        var lineage: [SnapshotEdge] = []
        for n in 1...39 {
            lineage.append(SnapshotEdge(from: id(n), to: id(n + 1)))
            if n % 3 == 0 { lineage.append(SnapshotEdge(from: id(n), to: id(40 - n / 3))) }
        }
        lineage.append(SnapshotEdge(from: id(1), to: id(2)))   // a duplicate row
        lineage.append(SnapshotEdge(from: id(99), to: id(1)))  // an id no resource describes
        return CatalogSnapshot(takenAt: "2026-11-29T10:00:00Z", baseURL: "https://api.secoda.co/api/v1/",
                               resources: resources, lineage: lineage,
                               users: [CatalogPerson(id: "u1", name: "Ana", email: "ana@shop.test")],
                               groups: [CatalogPerson(id: "g1", name: "Data", members: ["u1"])],
                               teams: [CatalogPerson(id: "team-1", name: "Default", isDefaultTeam: true)],
                               piiColumns: [id(4): ["email", "Phone"], id(7): ["ssn"]])
    }

    static func write(_ text: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("snapshot-\(UUID().uuidString).json")
        try Data(text.utf8).write(to: url)
        return url
    }

    @Test func answersWhatTheWholeFileReaderAnswers() async throws {
        let snapshot = Self.sample()
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("snapshot-\(UUID().uuidString).json")
        defer {
            try? FileManager.default.removeItem(at: url)
            try? FileManager.default.removeItem(at: SnapshotIndex.url(for: url))
        }
        try snapshot.write(to: url)
        let indexed = try #require(try IndexedSnapshot.load(from: url))
        let reference = SnapshotCatalogSource(snapshot: try CatalogSnapshot.load(from: url))
        let ids = (1...41).map(Self.id) + [Self.id(99), "unknown"]
        #expect(indexed.takenAt == snapshot.takenAt)
        #expect(try await indexed.downstream(of: ids) == reference.downstream(of: ids))
        #expect(try await indexed.resources(ids: ids) == reference.resources(ids: ids))
        #expect(try await indexed.people() == reference.people())
        #expect(try await indexed.piiColumns(ofTables: ids) == reference.piiColumns(ofTables: ids))
        let titles = ["orders", "quote\"d \\ täble", "t1", "t5", "missing"]
        for integration in [nil, "int-a", "int-b"] {
            #expect(try await indexed.tables(titled: titles, integrationId: integration)
                == reference.tables(titled: titles, integrationId: integration))
        }
        // Not agreement on nothing: the sample has fan-out, a two-integration title and people.
        #expect(try await indexed.downstream(of: [Self.id(3)]).children[Self.id(3)]?.count == 2)
        #expect(try await indexed.tables(titled: ["orders"], integrationId: nil).count == 2)
        #expect(try await indexed.people().users.first?.name == "Ana")
        #expect(try await indexed.piiColumns(ofTables: [Self.id(4), Self.id(5)]) == [Self.id(4): ["email", "phone"]])

        // A snapshot pulled before columns' marks were copied does not know them (nil), unlike
        // one that knows there are none ([:]).
        var older = snapshot
        older.piiColumns = nil
        try older.write(to: url)
        #expect(try await #require(try IndexedSnapshot.load(from: url)).piiColumns(ofTables: ids) == nil)
        #expect(try await SnapshotCatalogSource(snapshot: older).piiColumns(ofTables: ids) == nil)
    }

    /// The resources a check reaches are read by the page reader's byte path (as the snapshot
    /// writes them, pretty-printed), equal to JSONDecoder's; an odd one is left to JSONDecoder.
    @Test func reachedResourcesAreReadByTheBytePath() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        for resource in Self.sample().resources {
            let bytes = try encoder.encode(resource)
            let fast = try #require(SecodaPageReader.resource(from: bytes), "\(resource.id)")
            #expect(fast == (try JSONDecoder().decode(CatalogResource.self, from: bytes)))
        }
        let odd = Data(#"{"id": "a", "entity_type": "table", "title": "t", "external_usage": 1.5}"#.utf8)
        #expect(SecodaPageReader.resource(from: odd) == nil)
        #expect(SecodaPageReader.resource(from: Data(#"{"id": "a", "entity_type": "table", "title": "t"} x"#.utf8)) == nil)
    }

    @Test func leavesShapesItDoesNotTakeApartToTheFullDecoder() throws {
        let edge = #"{"from_entity": "a", "to_entity": "b"}"#
        let table = #"{"id": "a", "entity_type": "table", "title": "t"}"#
        // A key written twice, a title that is not a string, a missing required key.
        for text in [
            #"{"version": 1, "taken_at": "x", "resources": [], "lineage": [], "lineage": []}"#,
            #"{"version": 1, "taken_at": "x", "resources": [{"id": "a", "entity_type": "table", "title": 7}], "lineage": []}"#,
            #"{"version": 1, "taken_at": "x", "resources": [\#(table)]}"#,
        ] {
            let url = try Self.write(text)
            defer { try? FileManager.default.removeItem(at: url) }
            #expect(try IndexedSnapshot.load(from: url) == nil, "\(text)")
        }
        let url = try Self.write(#"{"version": 1, "taken_at": "x", "resources": [\#(table)], "lineage": [\#(edge)]}"#)
        defer { try? FileManager.default.removeItem(at: url) }
        #expect(try IndexedSnapshot.load(from: url) != nil)
    }

    /// A key the index reads (id, type, title), written twice in a resource, leaves the file to
    /// the full decoder; any other key written twice is decoded with the resource, as the full
    /// decoder decodes it.
    @Test func duplicateKeysInAResourceAgreeWithTheFullDecoder() async throws {
        let edge = #"{"from_entity": "00000000-0000-4000-8000-000000000001", "to_entity": "00000000-0000-4000-8000-000000000002"}"#
        let ids = ["00000000-0000-4000-8000-000000000001", "00000000-0000-4000-8000-000000000002"]
        let twiceTitled = #"{"id": "\#(ids[0])", "entity_type": "table", "title": "a", "title": "b"}"#
        let twiceOwned = #"{"id": "\#(ids[1])", "entity_type": "table", "title": "c", "owners": ["u1"], "owners": ["u2"]}"#
        for (resource, indexed) in [(twiceTitled, false), (twiceOwned, true)] {
            let url = try Self.write(#"{"version": 1, "taken_at": "x", "resources": [\#(resource)], "lineage": [\#(edge)]}"#)
            defer { try? FileManager.default.removeItem(at: url) }
            let fast = try IndexedSnapshot.load(from: url)
            #expect((fast != nil) == indexed, "\(resource)")
            if let fast {
                let reference = SnapshotCatalogSource(snapshot: try CatalogSnapshot.load(from: url))
                #expect(try await fast.resources(ids: ids) == reference.resources(ids: ids))
                #expect(try await fast.tables(titled: ["c"], integrationId: nil) == reference.tables(titled: ["c"], integrationId: nil))
            }
        }
    }

    @Test func brokenOrForeignFilesAreSnapshotErrors() throws {
        for text in ["{\"version\": 1, \"taken_at\": \"x\", \"resources\": [", "[1, 2]", "{\"version\": 2, \"taken_at\": \"x\", \"resources\": [], \"lineage\": []}"] {
            let url = try Self.write(text)
            defer { try? FileManager.default.removeItem(at: url) }
            #expect(throws: CatalogError.self) { _ = try CatalogImpact.loadSnapshot(url) }
        }
        #expect(throws: CatalogError.self) {
            _ = try IndexedSnapshot.load(from: URL(fileURLWithPath: "/nonexistent/catalog.json"))
        }
    }
}
