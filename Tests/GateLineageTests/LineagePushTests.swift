import Foundation
import GateModel
import GateTestSupport
import SecodaEmulator
import Testing
@testable import GateLineage
@testable import SecodaAPI

/// `LineagePush` against the emulator over real HTTP: exactly the missing edges are created,
/// a second run creates none, rate limits are paced and waited out, a retried POST that had
/// landed counts as success.
@Suite struct LineagePushTests {
    /// Catalog: stg → fct (already linked), fct, rev, dim; dbt: stg → fct → rev → dim, stg → gone,
    /// and an exposure on rev that matches the dashboard "Revenue Overview".
    struct Fixture {
        var seed: EmulatorSeed
        var graph: ProjectGraph
        var ids: [String: String]
    }

    static func fixture() -> Fixture {
        var builder = SeedBuilder()
        var ids: [String: String] = [:]
        for name in ["stg", "fct", "rev", "dim"] { ids[name] = builder.table(name) }
        ids["board"] = builder.dashboard("Revenue Overview")
        builder.dashboard("Orders Legacy")
        builder.edge(ids["stg"]!, ids["fct"]!)
        var nodes: [String: ProjectGraphNode] = [:]
        for node in [
            dbtModel("stg", children: ["model.shop.fct", "model.shop.gone"]),
            dbtModel("fct", children: ["model.shop.rev"]),
            dbtModel("rev", children: ["model.shop.dim", "exposure.shop.revenue_overview"]),
            dbtModel("dim"),
            dbtModel("gone"),
            dbtModel("revenue_overview", type: "exposure"),
        ] { nodes[node.id] = node }
        return Fixture(seed: builder.seed, graph: ProjectGraph(nodes: nodes), ids: ids)
    }

    func writer(_ emulator: SecodaEmulator, pacer: WritePacer = WritePacer()) throws -> CatalogWriter {
        try CatalogWriter(baseURL: emulator.baseURL.absoluteString, apiKey: emulator.token,
                          options: quickOptions(), pacer: pacer)
    }

    /// The DOWNSTREAM pairs the emulator holds, read back over HTTP.
    func downstreamPairs(_ client: SecodaClient) async throws -> Set<String> {
        let rows = try await client.list("lineage/manual/", as: LineageRow.self, maxPages: 1000)
        return Set(rows.filter { $0.direction == "DOWNSTREAM" }.map { "\($0.from)>\($0.to)" })
    }

    func writes(_ emulator: SecodaEmulator) async -> [LoggedRequest] {
        await emulator.state.requests().filter { ["POST", "PATCH", "PUT", "DELETE"].contains($0.method) }
    }

    @Test func freshCatalogGetsExactlyTheMissingEdgesAndASecondRunNone() async throws {
        let fixture = Self.fixture()
        let ids = fixture.ids
        try await withEmulator(fixture.seed) { emulator in
            let writer = try writer(emulator)
            let plan = try await LineagePush.plan(graph: fixture.graph, scope: nil, client: writer.client, integrationId: nil)
            // Ordered by dbt ids: `exposure.…` sorts before `model.…`.
            #expect(plan.create.map(\.label) == ["fct → rev", "rev → revenue_overview", "rev → dim"])
            #expect(plan.present.map(\.label) == ["stg → fct"])
            #expect(plan.unresolved.map(\.end.name) == ["gone"])
            #expect(plan.unresolved.first?.reason.contains("analytics.prod.gone is not in Secoda") == true)
            #expect(plan.edgesInScope == 5)
            #expect(await writes(emulator).isEmpty, "planning must not write")

            let before = try await downstreamPairs(writer.client)
            let result = await LineagePush.apply(plan, writer: writer)
            #expect(result.succeeded)
            #expect(result.created.count == 3)
            let after = try await downstreamPairs(writer.client)
            #expect(after.subtracting(before) == [
                "\(ids["fct"]!)>\(ids["rev"]!)", "\(ids["rev"]!)>\(ids["dim"]!)", "\(ids["rev"]!)>\(ids["board"]!)",
            ])
            let posts = await writes(emulator)
            #expect(posts.count == 3 && posts.allSatisfy { $0.method == "POST" && $0.route == "lineage/manual" && $0.status == 201 })

            await emulator.state.clearLog()
            let again = try await LineagePush.plan(graph: fixture.graph, scope: nil, client: writer.client, integrationId: nil)
            #expect(again.create.isEmpty)
            #expect(again.present.count == 4)
            let nothing = await LineagePush.apply(again, writer: writer)
            #expect(nothing.created.isEmpty && nothing.succeeded)
            #expect(await writes(emulator).isEmpty)
        }
    }

    /// The semantic layer is a consumer in a check's impact, but Secoda has nothing to draw its
    /// lineage to: its edges are not planned (neither created nor listed as unresolved).
    @Test func semanticLayerEdgesAreNotPushed() async throws {
        var fixture = Self.fixture()
        fixture.graph.nodes["model.shop.fct"]?.children.append("semantic_model.shop.orders")
        for node in [dbtModel("orders", children: ["metric.shop.revenue"], type: "semantic_model"),
                     dbtModel("revenue", type: "metric")] {
            fixture.graph.nodes[node.id] = node
        }
        try await withEmulator(fixture.seed) { emulator in
            let plan = try await LineagePush.plan(graph: fixture.graph, scope: nil, client: try writer(emulator).client,
                                                  integrationId: nil)
            #expect(plan.create.map(\.label) == ["fct → rev", "rev → revenue_overview", "rev → dim"])
            #expect(plan.unresolved.map(\.end.name) == ["gone"])
            #expect(plan.edgesInScope == 5)
        }
    }

    @Test func scopeKeepsOnlyEdgesTouchingTheChangedModels() async throws {
        let fixture = Self.fixture()
        try await withEmulator(fixture.seed) { emulator in
            let plan = try await LineagePush.plan(graph: fixture.graph, scope: ["model.shop.dim"],
                                                  client: try writer(emulator).client, integrationId: nil)
            #expect(plan.create.map(\.label) == ["rev → dim"])
            #expect(plan.present.isEmpty && plan.unresolved.isEmpty)
            #expect(plan.edgesInScope == 1)
        }
    }

    @Test func anUpstreamRowAloneCountsAsThePresentEdge() async throws {
        // Secoda may list only the mirrored UPSTREAM row (rev ← fct) for an edge created from the other end.
        let fixture = Self.fixture()
        try await withEmulator(fixture.seed) { emulator in
            let writer = try writer(emulator)
            let rev = fixture.ids["rev"]!, fct = fixture.ids["fct"]!
            let body = Data(#"{"from_entity":"\#(rev)","to_entity":"\#(fct)","direction":"UPSTREAM"}"#.utf8)
            #expect(try await writer.client.send("POST", "lineage/manual/", json: body).status == 201)
            let plan = try await LineagePush.plan(graph: fixture.graph, scope: ["model.shop.fct"], client: writer.client,
                                                  integrationId: nil)
            #expect(plan.present.map(\.label).sorted() == ["fct → rev", "stg → fct"])
            #expect(plan.create.isEmpty)
        }
    }

    @Test func aStormOf429sWithRetryAfterIsWaitedOutAndTheRunCompletes() async throws {
        // The server allows 2 writes per second; the pacer believes in 30 a minute, so it runs
        // into the limit and must honour Retry-After (on top of two injected 429s).
        var builder = SeedBuilder()
        var nodes: [String: ProjectGraphNode] = [:]
        let names = (0...6).map { "t\($0)" }
        for name in names { builder.table(name) }
        for (index, name) in names.enumerated() {
            let node = dbtModel(name, children: index + 1 < names.count ? ["model.shop.\(names[index + 1])"] : [])
            nodes[node.id] = node
        }
        let options = EmulatorOptions(writesPerMinute: 2, writeWindow: .seconds(1))
        try await withEmulator(builder.seed, options: options) { emulator in
            let writer = try writer(emulator)
            let plan = try await LineagePush.plan(graph: ProjectGraph(nodes: nodes), scope: nil, client: writer.client,
                                                  integrationId: nil)
            #expect(plan.create.count == 6)
            await emulator.state.setFaults(FaultPlan(queue: [.pass, .status(429, retryAfter: 1), .status(429, retryAfter: 1)],
                                                     pathContains: "lineage"))
            let result = await LineagePush.apply(plan, writer: writer)
            #expect(result.succeeded, "stopped: \(result.stoppedBecause ?? "-"), failed: \(result.failed)")
            #expect(result.created.count == 6)
            // The two injected 429s always come; whether the 2-a-second write limit adds one depends
            // on how fast this machine sends the writes (a loaded CI machine may space them out).
            let limited = await emulator.state.requests().filter { $0.status == 429 }
            #expect(limited.count >= 2, "expected the injected 429s")
            let again = try await LineagePush.plan(graph: ProjectGraph(nodes: nodes), scope: nil, client: writer.client,
                                                   integrationId: nil)
            #expect(again.create.isEmpty)
        }
    }

    @Test func thePacerKeepsUnderTheWriteLimitWithoutA429() async throws {
        var builder = SeedBuilder()
        var nodes: [String: ProjectGraphNode] = [:]
        let names = (0...6).map { "p\($0)" }
        for name in names { builder.table(name) }
        for (index, name) in names.enumerated() {
            let node = dbtModel(name, children: index + 1 < names.count ? ["model.shop.\(names[index + 1])"] : [])
            nodes[node.id] = node
        }
        let options = EmulatorOptions(writesPerMinute: 3, writeWindow: .milliseconds(600))
        try await withEmulator(builder.seed, options: options) { emulator in
            // A margin well above loopback jitter: the pacer's clock and the server's differ by
            // the time a request takes to arrive.
            let writer = try writer(emulator, pacer: WritePacer(limit: 3, window: .milliseconds(600), margin: .milliseconds(150)))
            let plan = try await LineagePush.plan(graph: ProjectGraph(nodes: nodes), scope: nil, client: writer.client,
                                                  integrationId: nil)
            let result = await LineagePush.apply(plan, writer: writer)
            #expect(result.created.count == 6 && result.succeeded)
            // The emulator counts writes per window itself: 6 writes at 3 per window without one
            // 429 means the pacer waited a window (no wall-clock bound in the test).
            let writes = await emulator.state.requests().filter { $0.method == "POST" }
            #expect(writes.count == 6)
            #expect(await emulator.state.requests().filter { $0.status == 429 }.isEmpty)
        }
    }

    /// A POST whose answer is lost after it landed (cut mid-body, dropped, or a 500) is never
    /// sent again blindly: Secoda is asked, the edge is there, it counts as created — one POST.
    @Test(arguments: [FaultStep.truncate, .applyThenDrop, .applyThenStatus(500), .applyThenStatus(502)])
    func aPostWhoseAnswerWasLostAfterItLandedIsNotSentAgain(_ fault: FaultStep) async throws {
        let fixture = Self.fixture()
        try await withEmulator(fixture.seed) { emulator in
            let writer = try writer(emulator)
            let plan = try await LineagePush.plan(graph: fixture.graph, scope: ["model.shop.dim"], client: writer.client,
                                                  integrationId: nil)
            await emulator.state.setFaults(FaultPlan(queue: [fault], pathContains: "lineage"))
            let result = await LineagePush.apply(plan, writer: writer)
            #expect(result.succeeded, "\(fault)")
            #expect(result.created.map(\.label) == ["rev → dim"], "\(fault)")
            let posts = await emulator.state.requests().filter { $0.method == "POST" }
            #expect(posts.count == 1, "\(fault): \(posts.map(\.status))")
        }
    }

    /// A POST whose connection dropped before Secoda carried it out is looked for, not found, and
    /// sent again: the edge exists once.
    @Test func aPostLostBeforeItLandedIsSentAgainOnce() async throws {
        let fixture = Self.fixture()
        try await withEmulator(fixture.seed) { emulator in
            let writer = try writer(emulator)
            let plan = try await LineagePush.plan(graph: fixture.graph, scope: ["model.shop.dim"], client: writer.client,
                                                  integrationId: nil)
            await emulator.state.setFaults(FaultPlan(queue: [.drop], pathContains: "lineage"))
            let result = await LineagePush.apply(plan, writer: writer)
            #expect(result.succeeded && result.created.map(\.label) == ["rev → dim"])
            let posts = await emulator.state.requests().filter { $0.method == "POST" }
            #expect(posts.count == 2, "\(posts.map(\.status))")
            let edge = try #require(plan.create.first)
            let rows = try await writer.client.list("lineage/manual/", as: LineageRow.self, maxPages: 1000)
            let copies = rows.filter { $0.direction == "DOWNSTREAM" && $0.from == edge.from.catalogId && $0.to == edge.to.catalogId }
            #expect(copies.count == 1, "the edge exists once: \(copies.count)")
        }
    }

    @Test func anInterruptedRunStopsAndARerunCreatesOnlyTheRest() async throws {
        let fixture = Self.fixture()
        try await withEmulator(fixture.seed) { emulator in
            let writer = try writer(emulator)
            let plan = try await LineagePush.plan(graph: fixture.graph, scope: nil, client: writer.client, integrationId: nil)
            #expect(plan.create.count == 3)
            // Secoda goes down after the first write and stays down past every retry.
            // (Long enough for the look that follows a lost answer to fail too.)
            await emulator.state.setFaults(FaultPlan(queue: [.pass] + Array(repeating: .status(503, retryAfter: nil), count: 40),
                                                     pathContains: "lineage"))
            let stopped = await LineagePush.apply(plan, writer: writer)
            #expect(stopped.created.count == 1)
            #expect(stopped.notAttempted.count == 2)
            #expect(stopped.stoppedBecause?.contains("503") == true)
            #expect(!stopped.succeeded)

            await emulator.state.setFaults(.none)
            let rest = try await LineagePush.plan(graph: fixture.graph, scope: nil, client: writer.client, integrationId: nil)
            #expect(rest.create == stopped.notAttempted)
            let finished = await LineagePush.apply(rest, writer: writer)
            #expect(finished.succeeded && finished.created.count == 2)
        }
    }

    @Test func aRefusedEdgeIsReportedAndTheOthersStillCreated() async throws {
        let fixture = Self.fixture()
        try await withEmulator(fixture.seed) { emulator in
            let writer = try writer(emulator)
            var plan = try await LineagePush.plan(graph: fixture.graph, scope: nil, client: writer.client, integrationId: nil)
            // An id Secoda does not know: the POST is refused with 400.
            plan.create[0].to.catalogId = "00000000-0000-4000-8000-999999999999"
            let result = await LineagePush.apply(plan, writer: writer)
            #expect(result.failed.count == 1)
            #expect(result.failed.first?.message.contains("existing resources") == true)
            #expect(result.created.count == 2)
            #expect(!result.succeeded)
        }
    }

    @Test func exposureTitlesAreFoldedAndAmbiguityIsNotGuessed() async throws {
        var builder = SeedBuilder()
        let table = builder.table("rev")
        builder.dashboard("Revenue Overview")
        builder.dashboard("revenue-overview")
        builder.dashboard("Churn")
        _ = table
        var nodes: [String: ProjectGraphNode] = [:]
        for node in [dbtModel("rev", children: ["exposure.shop.revenue_overview", "exposure.shop.churn"]),
                     dbtModel("revenue_overview", type: "exposure"), dbtModel("churn", type: "exposure")] {
            nodes[node.id] = node
        }
        try await withEmulator(builder.seed) { emulator in
            let plan = try await LineagePush.plan(graph: ProjectGraph(nodes: nodes), scope: nil,
                                                  client: try writer(emulator).client, integrationId: nil)
            #expect(plan.create.map(\.label) == ["rev → churn"])
            #expect(plan.unresolved.map(\.end.name) == ["revenue_overview"])
            #expect(plan.unresolved.first?.reason.contains("2 Secoda dashboards") == true)
        }
    }

    /// An exposure's `label` names its dashboard when its slug does not; a label no dashboard
    /// has falls back to the name.
    @Test func anExposuresLabelNamesItsDashboard() async throws {
        var builder = SeedBuilder()
        builder.table("rev")
        let review = builder.dashboard("Weekly KPI Review")
        let churn = builder.dashboard("Churn")
        var nodes: [String: ProjectGraphNode] = [:]
        for node in [dbtModel("rev", children: ["exposure.shop.weekly_kpis", "exposure.shop.churn", "exposure.shop.gone"]),
                     ProjectGraphNode(id: "exposure.shop.weekly_kpis", name: "weekly_kpis", type: "exposure", label: "Weekly KPI review"),
                     ProjectGraphNode(id: "exposure.shop.churn", name: "churn", type: "exposure", label: "Churn (old)"),
                     ProjectGraphNode(id: "exposure.shop.gone", name: "gone", type: "exposure", label: "Lost Board")] {
            nodes[node.id] = node
        }
        try await withEmulator(builder.seed) { emulator in
            let plan = try await LineagePush.plan(graph: ProjectGraph(nodes: nodes), scope: nil,
                                                  client: try writer(emulator).client, integrationId: nil)
            // Neither spelling of the third finds a dashboard, and the reason names both.
            #expect(plan.unresolved.map(\.reason) == [#"no Secoda dashboard is titled like "lost board" or "gone""#])
            #expect(Set(plan.create.compactMap(\.to.catalogId)) == [review, churn])
        }
    }

    /// Of two dashboards titled like the exposure, the one at the exposure's `url` is the one.
    @Test func theExposuresURLChoosesBetweenDashboardsWithItsTitle() async throws {
        var builder = SeedBuilder()
        builder.table("rev")
        builder.dashboard("Revenue Overview")
        let chosen = builder.dashboard("revenue-overview")
        var nodes: [String: ProjectGraphNode] = [:]
        for node in [dbtModel("rev", children: ["exposure.shop.revenue_overview"]),
                     ProjectGraphNode(id: "exposure.shop.revenue_overview", name: "revenue_overview", type: "exposure",
                                      url: "https://BI.example.com/dashboard/\(chosen)/")] {
            nodes[node.id] = node
        }
        try await withEmulator(builder.seed) { emulator in
            let plan = try await LineagePush.plan(graph: ProjectGraph(nodes: nodes), scope: nil,
                                                  client: try writer(emulator).client, integrationId: nil)
            #expect(plan.unresolved.isEmpty)
            #expect(plan.create.map(\.to.catalogId) == [chosen])
        }
    }

    @Test func progressReportsEveryWriteWithAnEstimate() async throws {
        let fixture = Self.fixture()
        try await withEmulator(fixture.seed) { emulator in
            let writer = try writer(emulator, pacer: WritePacer(limit: 1, window: .seconds(60)))
            let plan = try await LineagePush.plan(graph: fixture.graph, scope: ["model.shop.dim"], client: writer.client,
                                                  integrationId: nil)
            let seen = ProgressLog()
            _ = await LineagePush.apply(plan, writer: writer) { progress in seen.append(progress) }
            let lines = seen.all
            #expect(lines.map(\.done) == [1])
            #expect(lines.first?.total == 1)
            #expect(lines.first?.line == "1/1 writes, finishing")
            // With one write a minute used up, 3 more need 3 windows.
            #expect(await writer.pacer.estimate(remaining: 3) > .seconds(180))
        }
    }
}

/// Collects progress reports from the writer's task (the callback is synchronous, so a lock, not an actor).
final class ProgressLog: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [WriteProgress] = []
    func append(_ progress: WriteProgress) { lock.withLock { storage.append(progress) } }
    var all: [WriteProgress] { lock.withLock { storage } }
}
