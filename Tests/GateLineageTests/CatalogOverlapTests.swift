import Foundation
@testable import GateLineage
@testable import SecodaAPI
import GateModel
import GateTestSupport
import SecodaEmulator
import Testing

/// The real transport, noting when each request was handed to it (the requests still go over
/// HTTP to the emulator).
private final class SendLog: HTTPTransport, @unchecked Sendable {
    private let base = URLSessionTransport(bypassProxy: true)
    private let lock = NSLock()
    private var sent: [URL] = []

    func send(_ request: TransportRequest, timeout: Duration) async throws -> TransportResponse {
        lock.withLock { sent.append(request.url) }
        return try await base.send(request, timeout: timeout)
    }

    var entries: [URL] { lock.withLock { sent } }

    func sent(_ route: String) -> Bool { entries.contains { $0.absoluteString.contains(route) } }

    /// Blocks the calling (non-cooperative) thread until a request to `route` was handed over,
    /// for up to 5 s — ample even when other tests hold the machine.
    func waitUntilSent(_ route: String) {
        let giveUp = ContinuousClock.now + .seconds(5)
        while !sent(route), ContinuousClock.now < giveUp { Thread.sleep(forTimeInterval: 0.005) }
    }
}

@Suite struct CatalogOverlapTests {
    /// The dbt graph is built while the table lookup is on its way, not before it is sent: on a
    /// large project building the graph takes a second or more, which used to come on top of
    /// the catalog's round trips.
    @Test func theGraphIsBuiltWhileTheTableLookupIsInFlight() async throws {
        var b = SeedBuilder()
        let root = b.table("orders")
        let mart = b.table("mart_orders")
        b.edge(root, mart)
        let log = SendLog()
        let lookupSeenWhileBuilding = LockedBox(false)
        let builds = LockedBox(0)
        try await withEmulator(b.seed, options: EmulatorOptions(faults: FaultPlan(latencyMs: 100))) { emulator in
            let graph = DeferredGraph {
                // A large project's graph: it takes as long as the lookup needs to go out. Built
                // before the lookup is started, it would wait the whole 5 s and see nothing.
                log.waitUntilSent("resource/catalog")
                lookupSeenWhileBuilding.value = log.sent("resource/catalog")
                builds.value += 1
                return ProjectGraph(nodes: Dictionary(uniqueKeysWithValues: [dbtModel("orders", children: [])].map { ($0.id, $0) }))
            }
            let result = try await CatalogImpact.compute(of: [modelRequest("orders")], graph: graph, settings: catalogSettings(emulator),
                                                         environment: catalogEnvironment(emulator), transport: log)
            #expect(result.impacts.first?.downstream.map(\.id) == [mart])
            #expect(result.impacts.first?.downstream.first?.depth == 1)
            #expect(lookupSeenWhileBuilding.value, "the lookup was sent only after the graph was built")
            // The graph the caller reads afterwards is the one built during the walk, not a second build.
            #expect(try await graph.value().nodes.keys.sorted() == ["model.shop.orders"])
            #expect(builds.value == 1)
        }
    }

    @Test func aGraphThatCannotBeBuiltFailsTheCheckAndCancelsTheCatalogWork() async throws {
        var b = SeedBuilder()
        let root = b.table("orders")
        b.edge(root, b.table("mart_orders"))
        struct Broken: Error {}
        let log = SendLog()
        try await withEmulator(b.seed, options: EmulatorOptions(faults: FaultPlan(latencyMs: 200))) { emulator in
            // The build fails only once the lookup is on its way (a graph that fails at once may
            // win the race against the catalog task's first request, and then there is nothing
            // to cancel).
            let graph = DeferredGraph {
                log.waitUntilSent("resource/catalog")
                throw Broken()
            }
            await #expect(throws: Broken.self) {
                _ = try await CatalogImpact.compute(of: [modelRequest("orders")], graph: graph, settings: catalogSettings(emulator),
                                                    environment: catalogEnvironment(emulator), transport: log)
            }
            #expect(log.sent("resource/catalog"), "the lookup was never sent")
            // The lookup was cancelled with the check: its answer (due 200 ms after it was sent)
            // never leads to a lineage request.
            try await Task.sleep(for: .milliseconds(600))
            #expect(!log.sent("lineage/manual"), "\(log.entries)")
            #expect(await emulator.state.requestCount(route: "lineage/manual") == 0)
        }
    }
}

extension CatalogOverlapTests {
    /// Cancelling the check reaches the catalog task: the lookup in flight is abandoned, not
    /// awaited, and no lineage request follows it.
    @Test func cancellingTheCheckCancelsTheCatalogTask() async throws {
        var b = SeedBuilder()
        let root = b.table("orders")
        b.edge(root, b.table("mart_orders"))
        try await withEmulator(b.seed, options: EmulatorOptions(faults: FaultPlan(latencyMs: 1500))) { emulator in
            let settings = catalogSettings(emulator, requestTimeout: .seconds(10))
            let check = Task {
                try await CatalogImpact.compute(of: [modelRequest("orders")], graph: DeferredGraph { ProjectGraph() },
                                                settings: settings, environment: catalogEnvironment(emulator))
            }
            // Cancel once the lookup has reached the emulator (it answers 1.5 s later).
            while await emulator.state.requestCount(route: "resource/catalog") == 0 { try await Task.sleep(for: .milliseconds(10)) }
            check.cancel()
            await #expect(throws: (any Error).self) { _ = try await check.value }
            try await Task.sleep(for: .milliseconds(2000))
            #expect(await emulator.state.requestCount(route: "lineage/manual") == 0)
        }
    }
}

/// A value shared between a synchronous closure and the test.
private final class LockedBox<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: T
    init(_ value: T) { stored = value }
    var value: T {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}
