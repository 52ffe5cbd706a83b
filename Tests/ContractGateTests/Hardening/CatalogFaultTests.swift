import Foundation
import GateModel
import GateTestSupport
import SecodaEmulator
import Testing

/// The shop's catalog in Secoda: both models as tables, the orders mart feeding a dashboard.
enum ShopCatalog {
    static let token = "sk-hardening-emulator-token-9c1f"

    static func seed() -> EmulatorSeed {
        var builder = SeedBuilder()
        let staging = builder.table("stg_orders")
        let facts = builder.table("fct_orders")
        let dashboard = builder.dashboard("Orders overview", externalUsage: 40, internalUsage: 3)
        builder.edge(staging, facts)
        builder.edge(facts, dashboard)
        return builder.seed
    }
}

/// One way the catalog misbehaves.
struct CatalogFault: Sendable, CustomTestStringConvertible {
    let name: String
    var plan: FaultPlan = .none
    /// The key the gate sends; a different one than the emulator's is a 401.
    var key: String = ShopCatalog.token
    var testDescription: String { name }

    static func rates(_ status: Int) -> CatalogFault {
        CatalogFault(name: "\(status) on every request", plan: FaultPlan(errorRates: [String(status): 1]))
    }

    static func queue(_ name: String, _ step: FaultStep) -> CatalogFault {
        CatalogFault(name: name, plan: FaultPlan(queue: Array(repeating: step, count: 2000)))
    }

    static let all: [CatalogFault] = [
        rates(400), rates(403), rates(404), rates(405), rates(409), rates(422),
        rates(500), rates(502), rates(503), rates(504),
        CatalogFault(name: "401: the key is refused", key: "sk-not-the-right-key"),
        rates(429),
        queue("429 storm with Retry-After: 1", .status(429, retryAfter: 1)),
        queue("429 storm with Retry-After: 3600", .status(429, retryAfter: 3600)),
        queue("connection reset on every request", .drop),
        queue("body cut in half", .truncate),
        queue("stall mid-body", .stall),
        queue("body that is not JSON", .invalidJSON),
        queue("redirect to another host", .redirect),
        CatalogFault(name: "stall before answering", plan: FaultPlan(latencyMs: 8000)),
        CatalogFault(name: "next link loops back to the same page", plan: FaultPlan(nextLink: .loop)),
        CatalogFault(name: "next link to another host", plan: FaultPlan(nextLink: .crossHost, crossHost: "localhost")),
    ]
}

/// Runs `check` on the shop repository against an in-process emulator.
struct CatalogRun {
    let emulator: SecodaEmulator
    let repo: TempRepository
    let base: String

    /// The catalog deadline of the fault cases. How long a run takes is not asserted here (a bound
    /// on the wall clock flakes on a shared machine): the client's deadline and retry waits are
    /// tested by outcome in GateLineageTests, speed is measured in ci/bench/. `BoundedGate`'s
    /// timeout only turns a hang into a failure instead of a stalled suite.
    static let deadline = 4

    /// Tight limits (1 s per request, 4 s in all) for the fault cases; healthy cases get room so
    /// a loaded machine does not turn them into timeouts.
    static func start(seed: EmulatorSeed = ShopCatalog.seed(), policy: String, maxNodes: Int = 5000,
                      timeout: Int = 1, deadline: Int = CatalogRun.deadline) async throws -> CatalogRun {
        let emulator = try await SecodaEmulator.start(seed: seed, options: EmulatorOptions(token: ShopCatalog.token))
        let config = ShopFixture.secodaConfig(baseURL: emulator.baseURL.absoluteString, policy: policy,
                                              timeout: timeout, deadline: deadline, maxNodes: maxNodes)
        let (repo, base) = try ShopFixture.make(config: config)
        try ShopFixture.changeStaging(repo)
        try repo.commit("recompute staging")
        return CatalogRun(emulator: emulator, repo: repo, base: base)
    }

    func check(key: String = ShopCatalog.token, extra: [String] = [], timeout: Double = 90) async throws -> BoundedResult {
        try await BoundedGate().run(["check", "--base", base, "--head", "HEAD", "--format", "json"] + extra,
                                    in: repo.path, environment: ["SECODA_API_KEY": key], timeout: timeout)
    }

    func stop() async {
        await emulator.stop()
        repo.remove()
    }
}

/// One case at a time: every case runs an emulator in this process and a gate process beside it,
/// and on a shared two-core machine dozens at once would starve the emulators into timeouts.
@Suite("Hardening: catalog faults through check", .serialized)
struct CatalogFaultTests {
    /// Without faults the same setup passes with a complete impact that reaches the dashboard:
    /// the fault cases below fail because of the fault, not the fixture.
    @Test func healthyCatalogGivesACompleteImpact() async throws {
        let run = try await CatalogRun.start(policy: "fail", timeout: 10, deadline: 30)
        let result = try await run.check()
        let requests = await run.emulator.state.requests()
        await run.stop()
        #expect(result.status == 0, "\(result)")
        let catalog = result.json?["catalog"] as? [String: Any]
        #expect(catalog?["complete"] as? Bool == true, "\(result)")
        #expect((catalog?["sources"] as? [String])?.contains("secoda") == true, "\(result)")
        let names = ((result.json?["impact"] as? [[String: Any]]) ?? [])
            .flatMap { ($0["downstream"] as? [[String: Any]]) ?? [] }.compactMap { $0["name"] as? String }
        #expect(names.contains("Orders overview"), "\(result)")
        #expect(!requests.isEmpty)
    }

    @Test(arguments: CatalogFault.all, ["fail", "warn"])
    func faultEndsByItselfAndIsNeverAPass(_ fault: CatalogFault, policy: String) async throws {
        let run = try await CatalogRun.start(policy: policy)
        await run.emulator.state.setFaults(fault.plan)
        let result = try await run.check(key: fault.key)
        let requests = await run.emulator.state.requests()
        await run.stop()

        #expect(!result.signalled && !result.timedOut, "\(fault.name): \(result)")
        let catalog = result.json?["catalog"] as? [String: Any]
        if policy == "fail" {
            #expect(result.status == 3, "\(fault.name) under on_catalog_error: fail: \(result)")
            #expect(result.stderr.lowercased().contains("secoda") || result.stderr.lowercased().contains("catalog"),
                    "the message says the catalog failed: \(result)")
        } else {
            #expect([0, 1].contains(result.status), "\(fault.name) under warn: \(result)")
            #expect(catalog?["complete"] as? Bool == false, "\(fault.name) under warn must say incomplete: \(result)")
            let errors = (catalog?["errors"] as? [String]) ?? []
            #expect(!errors.isEmpty, "the report says what failed: \(result)")
        }
        // Whatever the fault, the gate never talks to a host it was not configured with.
        #expect(requests.allSatisfy { $0.host.hasPrefix("127.0.0.1") }, "\(requests.map(\.host))")
    }

    @Test func lineageCyclesEndWithEachNodeOnce() async throws {
        var builder = SeedBuilder()
        let staging = builder.table("stg_orders")
        let facts = builder.table("fct_orders")
        let audit = builder.table("orders_audit")
        let dashboard = builder.dashboard("Orders overview", externalUsage: 40)
        builder.edge(staging, facts)
        builder.edge(facts, audit)
        builder.edge(audit, facts)  // a cycle back to the mart
        builder.edge(audit, staging)  // and back to the changed model itself
        builder.edge(facts, dashboard)
        builder.edge(dashboard, dashboard)  // a self loop
        let run = try await CatalogRun.start(seed: builder.seed, policy: "fail", timeout: 10, deadline: 30)
        let result = try await run.check()
        await run.stop()
        #expect(result.endedCleanly, "\(result)")
        #expect(result.status == 0, "\(result)")
        let downstream = ((result.json?["impact"] as? [[String: Any]]) ?? [])
            .first { $0["model"] as? String == "stg_orders" }?["downstream"] as? [[String: Any]] ?? []
        let ids = downstream.compactMap { $0["id"] as? String }
        #expect(Set(ids).count == ids.count, "each downstream node once: \(ids)")
        #expect(downstream.contains { $0["name"] as? String == "Orders overview" }, "\(result)")
    }

    /// Occasional 503s and 429s are what retries are for: the run completes with the full impact.
    @Test func intermittentFaultsAreRetriedToACompleteImpact() async throws {
        let run = try await CatalogRun.start(policy: "fail", timeout: 10, deadline: 60)
        await run.emulator.state.setFaults(FaultPlan(errorRates: ["503": 0.25, "429": 0.25], randomSeed: 7))
        let result = try await run.check()
        let statuses = await run.emulator.state.requests().map(\.status)
        await run.stop()
        #expect(statuses.contains { $0 == 503 || $0 == 429 }, "faults were injected: \(statuses)")
        #expect(result.status == 0, "\(result)")
        #expect((result.json?["catalog"] as? [String: Any])?["complete"] as? Bool == true, "\(result)")
    }

    /// A table feeding 100,000 others. The walk ends well within its deadline and never reports
    /// a complete impact. (Today the Secoda client gives up on the 2,000-page lineage listing —
    /// more than its 250-page cap — before the walker's node budget applies, so the impact
    /// falls back to the dbt graph and says so; see the hardening report.)
    @Test func hundredThousandNodeFanOutEndsAndIsNeverCompleteSilently() async throws {
        var builder = SeedBuilder()
        let staging = builder.table("stg_orders")
        let (facts, _) = builder.fanOut(root: "fct_orders", count: 100_000)
        builder.edge(staging, facts)
        let run = try await CatalogRun.start(seed: builder.seed, policy: "warn", maxNodes: 2000, timeout: 20, deadline: 60)
        let result = try await run.check(timeout: 150)
        await run.stop()
        #expect(!result.signalled && !result.timedOut, "\(result)")
        let catalog = result.json?["catalog"] as? [String: Any]
        #expect([0, 1].contains(result.status), "\(result)")
        #expect(catalog?["complete"] as? Bool == false, "a cut or failed walk is an incomplete impact: \(result)")
        let errors = (catalog?["errors"] as? [String]) ?? []
        #expect(!errors.isEmpty, "the report says why: \(result)")
        let downstream = ((result.json?["impact"] as? [[String: Any]]) ?? []).map { ($0["downstream"] as? [Any])?.count ?? 0 }
        #expect(downstream.allSatisfy { $0 <= 2000 + 2 }, "the budget bounds what the report lists: \(downstream)")
    }
}
