import Foundation
@testable import GateLineage
@testable import SecodaAPI
import GateModel
import GateTestSupport
import SecodaEmulator
import Testing

/// How many requests the read-ahead spends against the fewest that read the same lineage
/// (issue 22's floor: per depth, one page per 50 lineage rows and one metadata page per 50 new
/// ids), through the emulator over real HTTP.
@Suite struct ReadAheadRequestTests {
    /// A uniform graph: every node at a depth has as many parents and children as the others,
    /// so once a depth's first listing has said how many rows its nodes have, the estimate is
    /// exact. `widths[d]` children per node at depth d; the last depth is dashboards.
    static func uniform(_ widths: [Int]) -> (seed: EmulatorSeed, root: String, levels: [[String]]) {
        var b = SeedBuilder()
        let root = b.table("root")
        var levels = [[root]]
        for (depth, width) in widths.enumerated() {
            var next: [String] = []
            for (index, parent) in levels[depth].enumerated() {
                for child in 0..<width {
                    let name = "d\(depth + 1)_\(index)_\(child)"
                    let id = depth == widths.count - 1 ? b.dashboard(name, externalUsage: 1) : b.table(name)
                    b.edge(parent, id)
                    next.append(id)
                }
            }
            levels.append(next)
        }
        return (b.seed, root, levels)
    }

    static func pages(_ rows: Int) -> Int { (rows + 49) / 50 }

    /// Walks the uniform graph of 10, 120 and 120 nodes below the root (20 ms latency, 8 request
    /// slots) and gives the emulator's request log with the graph's levels.
    static func walkUniformGraph() async throws -> (log: [LoggedRequest], levels: [[String]]) {
        let (seed, root, levels) = uniform([10, 12, 1])
        let options = EmulatorOptions(faults: FaultPlan(latencyMs: 20))
        var log: [LoggedRequest] = []
        try await withEmulator(seed, options: options) { emulator in
            let patient = quickOptions(requestTimeout: .seconds(30), deadline: .seconds(120), maxConcurrentRequests: 8)
            let impact = try await LineageWalkerTests.walker(emulator, options: patient)
                .walk([WalkRoot(model: "root", catalogId: root)])
            #expect(impact.first?.downstream.count == 250)
            log = await emulator.state.requests()
        }
        return (log, levels)
    }

    /// Metadata is asked for in full pages: a batch that would not fill its page waits while a
    /// shallower lineage listing runs (it may name more new ids), so each depth costs no more
    /// metadata requests than its new ids fill pages — however many small lineage listings
    /// named them, in whatever order they were answered.
    @Test func metadataIsAskedForInFullPages() async throws {
        let (log, levels) = try await Self.walkUniformGraph()      // 10, 120 and 120 new nodes
        let metadata = log.filter { $0.route == "resource/catalog" }
        let asked = try metadata.flatMap { try Array(#require(try LineageWalkerTests.askedIds($0))) }
        #expect(asked.count == 250 && Set(asked) == Set(levels.dropFirst().joined()))
        // 1 + 3 + 3 pages; the old read-ahead sent a batch whenever a slot was free (14–20 here).
        let floor = levels.dropFirst().reduce(0) { $0 + Self.pages($1.count) }
        #expect(metadata.count <= floor, "\(metadata.count) metadata requests, floor \(floor)")
    }

    /// Lineage listings are cut by what a node at their depth was measured to have (its known
    /// UPSTREAM rows plus the depth's DOWNSTREAM rows per node), exactly here, so past a depth's
    /// few guessed listings (a quarter of the slots: 2 of 8) every listing fills its page, and a
    /// listing that would not waits for the shallower listings that may add to it.
    @Test func lineageListingsFillTheirPagesOnceADepthIsMeasured() async throws {
        let (log, levels) = try await Self.walkUniformGraph()
        let lineage = log.filter { $0.route == "lineage/manual" }
        let asked = try lineage.filter { $0.query["page"] == nil }.flatMap { try Array(#require(try LineageWalkerTests.askedIds($0))) }
        #expect(asked.count == 251 && Set(asked) == Set(levels.joined()))
        // Rows per node: 10 at the root; 1 + 12, 1 + 1 and 1 below it. Floor: 1 + 3 + 5 + 3 pages.
        let rows = [10, 10 * 13, 120 * 2, 120]
        let floor = rows.reduce(0) { $0 + Self.pages($1) }
        // Per depth at most the floor, the 2 guessed listings (each at most 2 pages) and one
        // listing cut short because the depth ran out of nodes.
        let bound = floor + rows.count * (2 * 2 + 1)
        #expect(lineage.count <= bound, "\(lineage.count) lineage requests, floor \(floor), bound \(bound)")
    }
}
