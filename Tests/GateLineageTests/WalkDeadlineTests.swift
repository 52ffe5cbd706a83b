import Foundation
@testable import GateLineage
@testable import SecodaAPI
import GateModel
import Testing

/// `deadline_seconds` bounds all catalog work, the in-memory walk included, and a lineage ring
/// costs the walk time linear in its length.
@Suite struct WalkDeadlineTests {
    static func id(_ n: Int) -> String { String(format: "%08x-0000-4000-8000-%012x", n, n) }

    /// A snapshot whose tables form one ring: t0 → t1 → … → t(n-1) → t0.
    static func ring(_ count: Int) throws -> SnapshotCatalogSource {
        let resources = (0..<count).map { n -> [String: Any] in
            ["id": id(n), "title": "t\(n)", "entity_type": "table", "type": "table"]
        }
        let lineage = (0..<count).map { n in ["from_entity": id(n), "to_entity": id((n + 1) % count)] }
        let json: [String: Any] = ["version": 1, "taken_at": "2026-12-01T00:00:00Z", "resources": resources, "lineage": lineage]
        let snapshot = try JSONDecoder().decode(CatalogSnapshot.self, from: JSONSerialization.data(withJSONObject: json))
        return SnapshotCatalogSource(snapshot: snapshot)
    }

    /// Work done by the walk, counted by the source: a ring of 10,000 with the budgets lifted
    /// asks for each node's children and metadata about once — linear, where every level used
    /// to copy everything walked so far.
    @Test func aRingIsWalkedOnceAroundWithEachNodeOnce() async throws {
        let walker = LineageWalker(source: try Self.ring(10_000), maxDepth: 1_000_000, maxNodes: 1_000_000)
        let impact = try await walker.walk([WalkRoot(model: "t0", catalogId: Self.id(0))])
        let nodes = try #require(impact.first).downstream
        #expect(nodes.count == 9_999)
        #expect(Set(nodes.map(\.id)).count == 9_999)
        #expect(nodes.last?.depth == 9_999)
        #expect(impact.first?.truncated == false)
    }

    /// A deadline already passed stops the walk at its next level with a timeout that says
    /// where it was, instead of walking on over what is in memory.
    @Test func thePassedDeadlineStopsTheWalk() async throws {
        var walker = LineageWalker(source: try Self.ring(1_000), maxDepth: 1_000_000, maxNodes: 1_000_000)
        walker.deadline = ContinuousClock.now
        do {
            _ = try await walker.walk([WalkRoot(model: "t0", catalogId: Self.id(0))])
            Issue.record("the walk ignored its deadline")
        } catch let error as CatalogError {
            #expect(error.kind == .timeout)
            #expect(error.message.contains("catalog deadline"), "\(error.message)")
        }
    }
}
