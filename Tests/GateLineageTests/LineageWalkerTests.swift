import Foundation
@testable import GateLineage
@testable import SecodaAPI
import GateModel
import GateTestSupport
import SecodaEmulator
import Testing

@Suite struct LineageWalkerTests {
    /// Lineage queries whose first page was requested (a chunk of one batched level query).
    static func lineageQueries(_ emulator: SecodaEmulator) async -> Int {
        await emulator.state.requests().filter { $0.route == "lineage/manual" && $0.query["page"] == nil }.count
    }

    static func metadataQueries(_ emulator: SecodaEmulator) async -> Int {
        await emulator.state.requests().filter { $0.route == "resource/catalog" && $0.query["page"] == nil }.count
    }

    static func walker(_ emulator: SecodaEmulator, graph: ProjectGraph = ProjectGraph(), maxDepth: Int = 6,
                       maxNodes: Int = 5000, options: SecodaClientOptions = quickOptions()) throws -> LineageWalker {
        LineageWalker(source: SecodaCatalogSource(client: try client(for: emulator, options: options)), graph: graph,
                      maxDepth: maxDepth, maxNodes: maxNodes)
    }

    @Test func diamondVisitsTheSharedNodeOnceWithOneQueryPerLevel() async throws {
        var b = SeedBuilder()
        let root = b.table("root"), left = b.table("left"), right = b.table("right"), join = b.table("joined")
        let dash = b.dashboard("Revenue", externalUsage: 40, internalUsage: 3, owners: ["u-1"], ownerGroups: ["g-1"])
        b.edge(root, left); b.edge(root, right); b.edge(left, join); b.edge(right, join); b.edge(join, dash)
        try await withEmulator(b.seed) { emulator in
            let impact = try await Self.walker(emulator).walk([WalkRoot(model: "root", catalogId: root)])
            let nodes = try #require(impact.first).downstream
            #expect(nodes.map(\.id) == [left, right, join, dash])
            #expect(nodes.map(\.depth) == [1, 1, 2, 3])
            #expect(nodes.first { $0.id == join }?.parentId == left)   // reached first through `left` (id order)
            #expect(nodes.first { $0.id == left }?.parentId == nil)
            let revenue = try #require(nodes.last)
            #expect(revenue.type == "dashboard" && revenue.source == "secoda" && !revenue.stale)
            #expect(revenue.usage == Usage(external: 40, internal: 3, externalUpdatedAt: "2026-11-01T00:00:00Z"))
            // Owners the workspace directory does not list are named by their short id, never left bare.
            #expect(revenue.owners == [Owner(id: "u-1", name: "unknown user u-1", kind: "user"),
                                       Owner(id: "g-1", name: "unknown group g-1", kind: "group")])
            #expect(impact.first?.truncated == false)
            // Levels with a frontier: {root}, {left,right}, {joined}, {Revenue} → 4 lineage queries;
            // new nodes at depths 1, 2, 3 → 3 metadata queries.
            #expect(await Self.lineageQueries(emulator) == 4)
            #expect(await Self.metadataQueries(emulator) == 3)
        }
    }

    /// Issue 22: changed models that reach the same nodes share one record per node (what a node
    /// is), each impact keeping its own depth and parent; owner names are put on it once.
    @Test func rootsReachingTheSameNodesShareOneRecordPerNode() async throws {
        var b = SeedBuilder()
        let first = b.table("first"), second = b.table("second"), join = b.table("joined")
        let dash = b.dashboard("Revenue", externalUsage: 40, internalUsage: 3, owners: ["u-1"])
        b.edge(first, join); b.edge(second, join); b.edge(first, dash); b.edge(join, dash)
        try await withEmulator(b.seed) { emulator in
            let impacts = try await Self.walker(emulator).walk([WalkRoot(model: "first", catalogId: first),
                                                                WalkRoot(model: "second", catalogId: second)])
            let a = try #require(impacts.first).downstream, c = try #require(impacts.last).downstream
            // `first` reaches the dashboard directly, `second` through `joined`.
            #expect(a.map(\.id) == [dash, join] && a.map(\.depth) == [1, 1] && a.map(\.parentId) == [nil, nil])
            #expect(c.map(\.id) == [join, dash] && c.map(\.depth) == [1, 2] && c.map(\.parentId) == [nil, join])
            #expect(a[0].recordIdentity == c[1].recordIdentity && a[1].recordIdentity == c[0].recordIdentity)
            #expect(a[0].owners == [Owner(id: "u-1", name: "unknown user u-1", kind: "user")] && c[1].owners == a[0].owners)
            #expect(c[1] == a[0].placed(depth: 2, parentId: join))
        }
    }

    @Test func cycleTerminatesAndNeverListsTheRoot() async throws {
        var b = SeedBuilder()
        let root = b.table("root"), a = b.table("a"), c = b.table("c")
        b.edge(root, a); b.edge(a, c); b.edge(c, root); b.edge(c, a)
        try await withEmulator(b.seed) { emulator in
            let impact = try await Self.walker(emulator).walk([WalkRoot(model: "root", catalogId: root)])
            #expect(impact.first?.downstream.map(\.id) == [a, c])
            #expect(impact.first?.downstream.map(\.depth) == [1, 2])
            #expect(impact.first?.truncated == false)
            #expect(await Self.lineageQueries(emulator) == 3)
        }
    }

    @Test func tenLevelChainRespectsMaxDepth() async throws {
        var b = SeedBuilder()
        let chain = b.chain(root: "root", length: 10)
        try await withEmulator(b.seed) { emulator in
            let cut = try await Self.walker(emulator, maxDepth: 6).walk([WalkRoot(model: "root", catalogId: chain[0])])
            #expect(cut.first?.downstream.map(\.id) == Array(chain[1...6]))
            #expect(cut.first?.downstream.map(\.depth) == Array(1...6))
            #expect(cut.first?.truncated == true)
            // Six levels walked plus one look past the budget to tell whether it cut anything.
            #expect(await Self.lineageQueries(emulator) == 7)

            await emulator.state.clearLog()
            let whole = try await Self.walker(emulator, maxDepth: 10).walk([WalkRoot(model: "root", catalogId: chain[0])])
            #expect(whole.first?.downstream.count == 10)
            #expect(whole.first?.downstream.last?.depth == 10)
            #expect(whole.first?.truncated == false)   // the look past depth 10 found nothing more
            #expect(await Self.lineageQueries(emulator) == 11)
        }
    }

    @Test func fiveThousandNodeFanOutIsBatchedAndBudgeted() async throws {
        var b = SeedBuilder()
        let (root, children) = b.fanOut(root: "root", count: 5000)
        try await withEmulator(b.seed) { emulator in
            // Hundreds of requests: a loaded CI machine must not turn this batching test into a timing one.
            let patient = quickOptions(requestTimeout: .seconds(30), deadline: .seconds(300))
            let all = try await Self.walker(emulator, maxNodes: 5000, options: patient).walk([WalkRoot(model: "root", catalogId: root)])
            #expect(all.first?.downstream.count == 5000)
            #expect(Set(all.first?.downstream.map(\.id) ?? []) == Set(children))
            #expect(all.first?.truncated == false)
            // The root's 5,000 rows come in 100 pages; every id's lineage and metadata are asked
            // for exactly once; metadata in batches that fit one page (50 ids, 50 resources).
            let log = await emulator.state.requests()
            let lineageAsked = try log.filter { $0.route == "lineage/manual" && $0.query["page"] == nil }
                .flatMap { try Array(#require(try Self.askedIds($0))) }
            #expect(lineageAsked.count == 5001 && Set(lineageAsked) == Set(children + [root]))
            let metadata = log.filter { $0.route == "resource/catalog" }
            let metadataAsked = try metadata.flatMap { try Array(#require(try Self.askedIds($0))) }
            #expect(metadataAsked.count == 5000 && Set(metadataAsked) == Set(children))
            #expect(metadata.count == 100 && metadata.allSatisfy { $0.query["page"] == nil })
            // The root's 5,000 rows per id say nothing about its children's lineage: at most as
            // many level-1 listings are cut short as can be in flight (4 here); otherwise a batch
            // takes the ids queued, up to 100 (so at most one batch per page of the root's 100).
            #expect(await Self.lineageQueries(emulator) <= 1 + 4 + 100)

            await emulator.state.clearLog()
            let budgeted = try await Self.walker(emulator, maxNodes: 1000, options: patient).walk([WalkRoot(model: "root", catalogId: root)])
            let nodes = budgeted.first?.downstream ?? []
            #expect(nodes.count == 1000)
            #expect(budgeted.first?.truncated == true)
            // Deterministic choice: the first 1,000 children in id order, whatever order pages arrived in.
            #expect(Set(nodes.map(\.id)) == Set(children.sorted().prefix(1000)))
            // Reading ahead stops once more nodes are found than the walk may keep (which ones it
            // keeps is decided by level and id, not by arrival), and the walk asks for what it
            // still needs: no id twice, and at most the budget again.
            let cut = try await emulator.state.requests().filter { $0.route == "resource/catalog" && $0.query["page"] == nil }
                .flatMap { try Array(#require(try Self.askedIds($0))) }
            #expect(cut.count == Set(cut).count)
            #expect(Set(nodes.map(\.id)).isSubset(of: Set(cut)) && cut.count <= 2000)
        }
    }

    @Test func staleDashboardsAreMarked() async throws {
        var b = SeedBuilder()
        let root = b.table("root")
        let used = b.dashboard("Used", externalUsage: 40)
        let internalOnly = b.dashboard("Internal only", externalUsage: 0, internalUsage: 2)
        let neverSynced = b.dashboard("Never synced")
        let zero = b.dashboard("Zero chart", type: "chart", externalUsage: 0, internalUsage: 0)
        let quietTable = b.table("quiet_table")
        for id in [used, internalOnly, neverSynced, zero, quietTable] { b.edge(root, id) }
        try await withEmulator(b.seed) { emulator in
            let nodes = try await Self.walker(emulator).walk([WalkRoot(model: "root", catalogId: root)]).first?.downstream ?? []
            let stale = Dictionary(uniqueKeysWithValues: nodes.map { ($0.id, $0.stale) })
            #expect(stale == [used: false, internalOnly: false, neverSynced: true, zero: true, quietTable: false])
            #expect(nodes.first { $0.id == neverSynced }?.usage == Usage())
        }
    }

    @Test func dbtModelsAndCatalogTablesWithTheSameRelationAreOneNode() async throws {
        var b = SeedBuilder()
        let stg = b.table("stg_orders"), fct = b.table("fct_orders", owners: ["u-9"])
        let revenue = b.dashboard("Revenue", externalUsage: 5)
        b.edge(stg, fct); b.edge(fct, revenue)
        let graph = ProjectGraph(nodes: Dictionary(uniqueKeysWithValues: [
            dbtModel("stg_orders", children: ["model.shop.fct_orders", "exposure.shop.weekly", "model.shop.dbt_only"]),
            dbtModel("fct_orders", owners: [Owner(id: "@finance", kind: "dbt")]),
            dbtModel("weekly", type: "exposure"),
            dbtModel("dbt_only", schema: "scratch"),
        ].map { ($0.id, $0) }))
        try await withEmulator(b.seed) { emulator in
            let impact = try await Self.walker(emulator, graph: graph)
                .walk([WalkRoot(model: "stg_orders", dbtId: "model.shop.stg_orders", catalogId: stg)])
            let nodes = impact.first?.downstream ?? []
            #expect(nodes.map(\.name) == ["dbt_only", "fct_orders", "weekly", "Revenue"])
            let merged = try #require(nodes.first { $0.name == "fct_orders" })
            #expect(merged.id == fct && merged.type == "model" && merged.source == "dbt+secoda" && merged.depth == 1)
            #expect(merged.relation == "analytics.prod.fct_orders")
            #expect(merged.owners == [Owner(id: "u-9", name: "unknown user u-9", kind: "user"), Owner(id: "@finance", kind: "dbt")])
            #expect(nodes.first { $0.name == "weekly" }.map { ($0.type, $0.source, $0.id) } ?? ("", "", "") == ("exposure", "dbt", "exposure.shop.weekly"))
            #expect(nodes.first { $0.name == "dbt_only" }?.source == "dbt")
            let dashboard = try #require(nodes.first { $0.name == "Revenue" })
            #expect(dashboard.depth == 2 && dashboard.parentId == fct)
        }
    }

    @Test func dbtRelationWithoutADatabaseStillMergesButConflictingOnesDoNot() async throws {
        var b = SeedBuilder()
        let root = b.table("root"), child = b.table("child"), other = b.table("other", database: "elsewhere")
        b.edge(root, child); b.edge(root, other)
        let graph = ProjectGraph(nodes: [
            "model.shop.child": ProjectGraphNode(id: "model.shop.child", name: "child", type: "model",
                                                 relation: Relation(database: nil, schema: "prod", identifier: "child")),
            "model.shop.other": ProjectGraphNode(id: "model.shop.other", name: "other", type: "model",
                                                 relation: Relation(database: "analytics", schema: "prod", identifier: "other")),
        ])
        try await withEmulator(b.seed) { emulator in
            let nodes = try await Self.walker(emulator, graph: graph).walk([WalkRoot(model: "root", catalogId: root)]).first?.downstream ?? []
            #expect(nodes.first { $0.id == child }?.source == "dbt+secoda")
            #expect(nodes.first { $0.id == other }.map { ($0.source, $0.type) } ?? ("", "") == ("secoda", "table"))
        }
    }

    /// `max_depth` bounds catalog requests; the dbt graph is local, so a long dbt chain is still
    /// followed to its end and no downstream model is missed.
    @Test func dbtChainsContinuePastMaxDepthButTheCatalogIsNotAskedAgain() async throws {
        var b = SeedBuilder()
        let root = b.table("m0"), dash = b.dashboard("Deep board", externalUsage: 9)
        b.edge(root, dash)
        let chain = (0..<5).map { index in
            dbtModel("m\(index)", children: index < 4 ? ["model.shop.m\(index + 1)"] : [])
        }
        let graph = ProjectGraph(nodes: Dictionary(uniqueKeysWithValues: chain.map { ($0.id, $0) }))
        try await withEmulator(b.seed) { emulator in
            let impact = try await Self.walker(emulator, graph: graph, maxDepth: 2)
                .walk([WalkRoot(model: "m0", dbtId: "model.shop.m0", catalogId: root)])
            let nodes = try #require(impact.first).downstream
            #expect(nodes.filter { $0.type == "model" }.map(\.name) == ["m1", "m2", "m3", "m4"])
            #expect(nodes.first { $0.name == "m4" }?.depth == 4)
            #expect(nodes.contains { $0.id == dash })
            // Only the catalog is budgeted: m1 and m2 were looked up, nothing past depth 2.
            let lookedUp = await emulator.state.requests().filter { $0.route == "lineage/manual" }.count
            #expect(lookedUp <= 3)
        }
    }

    @Test func dbtGraphAloneWorksWithoutACatalog() async throws {
        let graph = ProjectGraph(nodes: Dictionary(uniqueKeysWithValues: [
            dbtModel("a", children: ["model.shop.b"]), dbtModel("b", children: ["model.shop.a", "exposure.shop.x"]),
            dbtModel("x", type: "exposure"),
        ].map { ($0.id, $0) }))
        let impact = try await LineageWalker(source: nil, graph: graph).walk([WalkRoot(model: "a", dbtId: "model.shop.a")])
        #expect(impact.first?.downstream.map(\.id) == ["model.shop.b", "exposure.shop.x"])
        #expect(impact.first?.downstream.map(\.source) == ["dbt", "dbt"])
    }

    /// The ids one logged request asked about: `from_entity__in` of a lineage query, the `id in`
    /// list of a metadata query.
    static func askedIds(_ request: LoggedRequest) throws -> Set<String>? {
        if request.route == "lineage/manual", let ids = request.query["from_entity__in"] {
            return Set(ids.split(separator: ",").map(String.init))
        }
        guard request.route == "resource/catalog", let text = request.query["filter"] else { return nil }
        let filter = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
        guard case .object(let object) = filter, object["field"]?.stringValue == "id",
              case .array(let values)? = object["value"] else { return nil }
        return Set(values.compactMap(\.stringValue))
    }

    /// A node's lineage and metadata are asked for together, as soon as the page naming it
    /// arrives, in listings that fit one page: a walk four levels deep waits for five rounds
    /// (the roots' lineage, then one per level), not nine.
    @Test func eachLevelsLineageAndMetadataQueriesOverlap() async throws {
        var b = SeedBuilder()
        let root = b.table("root")
        var expectedDepths: [String: Int] = [:]
        var level = [root]
        for depth in 1...4 {
            var next: [String] = []
            for (index, parent) in level.enumerated() {
                for child in 0..<(depth == 1 ? 3 : 2) {
                    let id = depth == 4 ? b.dashboard("board \(index)-\(child)", externalUsage: 1)
                                        : b.table("t\(depth)_\(index)_\(child)", owners: depth == 1 ? ["u-\(index)"] : [])
                    b.edge(parent, id)
                    expectedDepths[id] = depth
                    next.append(id)
                }
            }
            level = next
        }
        // Latency keeps each request open long enough that two sent together are seen overlapping
        // even on a loaded machine; the assertions are about order, not about how long anything took.
        let options = EmulatorOptions(faults: FaultPlan(latencyMs: 150))
        try await withEmulator(b.seed, options: options) { emulator in
            // Room for a level's two queries and the three people listings at once (with 4 slots,
            // one of them would wait for another and the rounds would be one more). A patient
            // timeout: on a loaded machine a retried request would add requests and rounds.
            let patient = quickOptions(requestTimeout: .seconds(30), deadline: .seconds(120), maxConcurrentRequests: 8)
            let impact = try await Self.walker(emulator, options: patient)
                .walk([WalkRoot(model: "root", catalogId: root)])
            let nodes = try #require(impact.first).downstream
            #expect(Dictionary(uniqueKeysWithValues: nodes.map { ($0.id, $0.depth) }) == expectedDepths)
            #expect(impact.first?.truncated == false)

            #expect(nodes.first { $0.depth == 1 }?.owners.first?.name == "unknown user u-0")
            let all = await emulator.state.requests()
            // The owners' names (users, groups, teams) were asked for once the first owned
            // resources arrived, while the walk went on: not in a round after it.
            let people = all.filter { ["user", "auth/group", "auth/teams"].contains($0.route) }
            #expect(people.count == 3)
            let log = all.filter { !["user", "auth/group", "auth/teams"].contains($0.route) }
            let walkEnd = try #require(log.compactMap(\.finishedMs).max())
            #expect(people.allSatisfy { ($0.startedMs ?? .infinity) < walkEnd })
            // Every listing a single page; every node's lineage and metadata asked for once.
            #expect(log.allSatisfy { $0.query["page"] == nil })
            let metadata = log.filter { $0.route == "resource/catalog" }
            let lineage = log.filter { $0.route == "lineage/manual" }
            let lineageIds = try lineage.flatMap { try Array(#require(try Self.askedIds($0))) }
            #expect(lineageIds.count == 1 + expectedDepths.count && Set(lineageIds) == Set(expectedDepths.keys).union([root]))
            let metadataIds = try metadata.flatMap { try Array(#require(try Self.askedIds($0))) }
            #expect(metadataIds.count == expectedDepths.count && Set(metadataIds) == Set(expectedDepths.keys))
            for query in metadata {
                // The lineage of the same nodes (what the next level needs) was asked for at the
                // same time: each such lineage query arrived before the metadata query was answered
                // and the other way round.
                let ids = try #require(try Self.askedIds(query))
                let partners = try lineage.filter { try !(#require(try Self.askedIds($0))).isDisjoint(with: ids) }
                #expect(try Set(partners.flatMap { try #require(try Self.askedIds($0)) }).isSuperset(of: ids))
                for twin in partners {
                    let (a, b) = (try #require(query.startedMs), try #require(twin.startedMs))
                    let (aEnd, bEnd) = (try #require(query.finishedMs), try #require(twin.finishedMs))
                    #expect(a < bEnd && b < aEnd, "metadata \(a)-\(aEnd) ms, lineage \(b)-\(bEnd) ms")
                }
            }
            // The roots' lineage, then one round per level; the people add none.
            #expect(LoggedRequest.sequentialRounds(log) == 1 + 4)
            #expect(await emulator.state.sequentialRounds() == 1 + 4)

            // Reading ahead changes when lineage is read, never what: a snapshot of the same
            // catalog, walked level by level from memory, gives the same impact.
            await emulator.state.setFaults(.none)
            let snapshot = try await CatalogSnapshot.pull(from: try client(for: emulator))
            let offline = try await LineageWalker(source: SnapshotCatalogSource(snapshot: snapshot))
                .walk([WalkRoot(model: "root", catalogId: root)])
            #expect(offline == impact)
        }
    }

    /// A long listing's first page is acted on at once: the nodes it names are asked about while
    /// the listing's other pages are still on their way, not after its last page.
    @Test func nodesNamedOnAFirstPageAreAskedAboutBeforeTheListingEnds() async throws {
        var b = SeedBuilder()
        let root = b.table("root")
        var expected: [String: Int] = [:]
        for index in 0..<120 {            // 120 rows: three pages of 50
            let child = b.table(String(format: "child_%03d", index))
            let board = b.dashboard("board \(index)", externalUsage: 1)
            b.edge(root, child); b.edge(child, board)
            expected[child] = 1
            expected[board] = 2
        }
        let options = EmulatorOptions(faults: FaultPlan(latencyMs: 150))
        try await withEmulator(b.seed, options: options) { emulator in
            // A patient timeout: on a loaded machine a retried page would be counted twice.
            let patient = quickOptions(requestTimeout: .seconds(30), deadline: .seconds(120), maxConcurrentRequests: 8)
            let impact = try await Self.walker(emulator, options: patient)
                .walk([WalkRoot(model: "root", catalogId: root)])
            let nodes = try #require(impact.first).downstream
            #expect(Dictionary(uniqueKeysWithValues: nodes.map { ($0.id, $0.depth) }) == expected)

            let log = await emulator.state.requests()
            let rootPages = try log.filter { try $0.route == "lineage/manual" && Self.askedIds($0) == [root] }
            #expect(rootPages.count == 3)
            let lastRootPage = try #require(rootPages.compactMap(\.finishedMs).max())
            let childLineage = try log.filter { try $0.route == "lineage/manual" && Self.askedIds($0) != [root] }
            let firstChildQuery = try #require(childLineage.compactMap(\.startedMs).min())
            #expect(firstChildQuery < lastRootPage, "children asked at \(firstChildQuery) ms, root listing done at \(lastRootPage) ms")
            // Asked for once each, whatever page named them.
            let asked = try childLineage.filter { $0.query["page"] == nil }.flatMap { try Array(#require(try Self.askedIds($0))) }
            #expect(asked.count == 120 + 120 && Set(asked) == Set(expected.keys))
        }
    }

    @Test func severalRootsShareEachLevelsQueries() async throws {
        var b = SeedBuilder()
        let r1 = b.table("r1"), r2 = b.table("r2"), shared = b.table("shared"), only2 = b.table("only2")
        b.edge(r1, shared); b.edge(r2, shared); b.edge(r2, only2)
        try await withEmulator(b.seed) { emulator in
            let impacts = try await Self.walker(emulator).walk([WalkRoot(model: "r1", catalogId: r1), WalkRoot(model: "r2", catalogId: r2)])
            #expect(impacts.map(\.model) == ["r1", "r2"])
            #expect(impacts[0].downstream.map(\.id) == [shared])
            #expect(impacts[1].downstream.map(\.id) == [only2, shared])
            #expect(await Self.lineageQueries(emulator) == 2)    // {r1,r2}, then {shared,only2}
            #expect(await Self.metadataQueries(emulator) == 1)
        }
    }
}

extension LineageWalkerTests {
    /// A node with more lineage rows than a listing may have pages (a table feeding 100,000
    /// resources) cuts the walk — marked, with what was read kept — instead of failing the
    /// check with exit 3 at the page cap. A root batched with it is not cut.
    @Test func aFanOutPastThePageCapCutsTheWalkInsteadOfFailingIt() async throws {
        var b = SeedBuilder()
        let (wide, children) = b.fanOut(root: "wide", count: 400)
        let narrow = b.table("narrow"), left = b.table("left"), right = b.table("right")
        b.edge(narrow, left); b.edge(narrow, right)
        try await withEmulator(b.seed) { emulator in
            let capped = quickOptions(maxPages: 3)   // 150 lineage rows per listing
            let impacts = try await Self.walker(emulator, options: capped)
                .walk([WalkRoot(model: "wide", catalogId: wide), WalkRoot(model: "narrow", catalogId: narrow)])
            let cut = impacts[0].downstream, cutMarked = impacts[0].truncated, narrowMarked = impacts[1].truncated
            #expect(cutMarked)
            #expect(cut.count == 150 && Set(cut.map(\.id)).isSubset(of: Set(children)))
            #expect(cut.allSatisfy { $0.depth == 1 && $0.type == "table" })
            #expect(!narrowMarked)
            #expect(impacts[1].downstream.map(\.id) == [left, right])
            // Read ahead, both roots were one listing, cut by the wide one; the walk asked each
            // root alone then (its share of the cap, one page each), the wide one again with the
            // whole cap, and no listing past three pages.
            let lineage = await emulator.state.requests().filter { $0.route == "lineage/manual" }
            #expect(lineage.allSatisfy { Int($0.query["page"] ?? "1") ?? 99 <= 3 })
            let alone = try lineage.filter { try Self.askedIds($0) == [wide] }
            #expect(alone.count == 1 + 3)

            // The live source says which ids it could not read to the end.
            let source = SecodaCatalogSource(client: try client(for: emulator, options: capped))
            let links = try await source.downstream(of: [wide, narrow])
            #expect(links.partial == [wide])
            #expect(links.children[wide]?.count == 150 && links.children[narrow] == [left, right].sorted())
        }
    }

    /// A batch cut by several wide nodes asks each id alone within a share of the page cap, not
    /// the whole cap each (a hundred wide ids would have been 25,000 requests): the narrow ids
    /// are read whole, the wide ones are cut, and the pages read stay within twice the cap plus
    /// one per id.
    @Test func idsAskedAloneShareThePageCap() async throws {
        var b = SeedBuilder()
        let wide = (1...4).map { b.fanOut(root: "wide\($0)", count: 400, prefix: "c\($0)").0 }
        let narrow = b.table("narrow"), other = b.table("other"), leaf = b.table("leaf")
        b.edge(narrow, leaf); b.edge(other, leaf)
        try await withEmulator(b.seed) { emulator in
            let source = SecodaCatalogSource(client: try client(for: emulator, options: quickOptions(maxPages: 3)))
            let links = try await source.downstream(of: wide + [narrow, other])
            #expect(links.partial == Set(wide))
            #expect(links.children[narrow] == [leaf] && links.children[other] == [leaf])
            #expect(wide.allSatisfy { (links.children[$0]?.count ?? 0) >= 50 })
            let pages = await emulator.state.requests().filter { $0.route == "lineage/manual" }.count
            #expect(pages <= 2 * 3 + 6)
        }
    }

    /// Alone, the wide root is cut by the read-ahead itself, and not asked again by the walk.
    @Test func aWideRootAloneIsCutByTheReadAhead() async throws {
        var b = SeedBuilder()
        let (wide, _) = b.fanOut(root: "wide", count: 400)
        try await withEmulator(b.seed) { emulator in
            let impacts = try await Self.walker(emulator, options: quickOptions(maxPages: 3))
                .walk([WalkRoot(model: "wide", catalogId: wide)])
            let marked = impacts[0].truncated, kept = impacts[0].downstream.count
            #expect(marked && kept == 150)
            let rootListing = try await emulator.state.requests().filter { try Self.askedIds($0) == [wide] }
            #expect(rootListing.count == 3)
        }
    }

    /// The page cap follows the node budget: it never cuts a walk before `max_nodes` would.
    @Test func thePageCapFollowsTheNodeBudget() throws {
        let environment = ["SECODA_API_KEY": "k"]
        #expect(try CatalogSettings(baseURL: "http://127.0.0.1:1/api/v1/").makeClient(environment: environment).options.maxPages == 250)
        let large = CatalogSettings(baseURL: "http://127.0.0.1:1/api/v1/", maxNodes: 50_000)
        #expect(try large.makeClient(environment: environment).options.maxPages == 2001)
        let huge = CatalogSettings(baseURL: "http://127.0.0.1:1/api/v1/", maxNodes: .max)
        #expect(try huge.makeClient(environment: environment).options.maxPages == .max)
    }
}

extension LineageWalkerTests {
    static func exposure(_ name: String, url: String?, owners: [Owner] = []) -> ProjectGraphNode {
        ProjectGraphNode(id: "exposure.shop.\(name)", name: name, type: "exposure", owners: owners, url: url)
    }

    /// A dbt exposure and the Secoda dashboard at its URL are one consumer (counted once, with the
    /// dashboard's usage), however each tool spells the address; another URL stays two nodes.
    @Test func anExposureAndTheDashboardAtItsURLAreOneNode() async throws {
        var b = SeedBuilder()
        let orders = b.table("orders")
        let weekly = b.dashboard("Weekly Revenue", externalUsage: 40, owners: ["u-1"])
        let other = b.dashboard("Ops board", externalUsage: 3)
        b.edge(orders, weekly); b.edge(orders, other)
        let graph = ProjectGraph(nodes: Dictionary(uniqueKeysWithValues: [
            dbtModel("orders", children: ["exposure.shop.weekly_revenue", "exposure.shop.ops"]),
            Self.exposure("weekly_revenue", url: "HTTPS://BI.Example.com:443/dashboard/\(weekly)/",
                          owners: [Owner(id: "ana@shop.test", kind: "dbt")]),
            Self.exposure("ops", url: "https://bi.example.com/dashboard/elsewhere"),
        ].map { ($0.id, $0) }))
        try await withEmulator(b.seed) { emulator in
            let nodes = try await Self.walker(emulator, graph: graph)
                .walk([WalkRoot(model: "orders", dbtId: "model.shop.orders", catalogId: orders)]).first?.downstream ?? []
            #expect(nodes.map(\.name).sorted() == ["Ops board", "Weekly Revenue", "ops"])
            let merged = try #require(nodes.first { $0.name == "Weekly Revenue" })
            #expect(merged.id == weekly && merged.type == "dashboard" && merged.source == "dbt+secoda" && merged.depth == 1)
            #expect(merged.usage?.total == 40 && !merged.stale)
            #expect(merged.owners.map(\.id) == ["u-1", "ana@shop.test"])
            #expect(nodes.first { $0.name == "ops" }.map { ($0.type, $0.source) } ?? ("", "") == ("exposure", "dbt"))
        }
    }

    /// The dbt graph may reach the exposure a level before Secoda's lineage reaches the dashboard
    /// (through a chart): the exposure node becomes the merged one, at its own depth.
    @Test func anExposureReachedFirstThroughDbtStillMergesWithItsDashboard() async throws {
        var b = SeedBuilder()
        let orders = b.table("orders")
        let chart = b.dashboard("Revenue chart", type: "chart", externalUsage: 5)
        let board = b.dashboard("Weekly Revenue", externalUsage: 40)
        b.edge(orders, chart); b.edge(chart, board)
        let graph = ProjectGraph(nodes: Dictionary(uniqueKeysWithValues: [
            dbtModel("orders", children: ["exposure.shop.weekly_revenue"]),
            Self.exposure("weekly_revenue", url: "https://bi.example.com/dashboard/\(board)"),
        ].map { ($0.id, $0) }))
        try await withEmulator(b.seed) { emulator in
            let nodes = try await Self.walker(emulator, graph: graph)
                .walk([WalkRoot(model: "orders", dbtId: "model.shop.orders", catalogId: orders)]).first?.downstream ?? []
            #expect(nodes.map(\.id) == [chart, board])
            let merged = try #require(nodes.last)
            #expect(merged.name == "Weekly Revenue" && merged.depth == 1 && merged.source == "dbt+secoda" && merged.usage?.total == 40)
        }
    }

    /// Two exposures at one URL say nothing certain about either: neither is merged.
    @Test func aURLTwoExposuresShareMergesNeither() {
        let graph = ProjectGraph(nodes: Dictionary(uniqueKeysWithValues: [
            Self.exposure("a", url: "https://bi.example.com/d/1"), Self.exposure("b", url: "https://bi.example.com/d/1/"),
            Self.exposure("c", url: "https://bi.example.com/d/2"), Self.exposure("none", url: nil),
            Self.exposure("relative", url: "/d/3"),
        ].map { ($0.id, $0) }))
        #expect(LineageWalker.urlIndex(graph) == ["bi.example.com/d/2": "exposure.shop.c"])
        #expect(LineageWalker.urlKey("http://BI.example.com:80/d/2/") == "bi.example.com/d/2")
        #expect(LineageWalker.urlKey("https://tableau.example.com/#/views/Sales/Overview") == "tableau.example.com#/views/Sales/Overview")
        #expect(LineageWalker.urlKey("https://tableau.example.com/#/views/Sales/Detail") != LineageWalker.urlKey("https://tableau.example.com/#/views/Sales/Overview"))
        #expect(LineageWalker.urlKey("https://bi.example.com:8443/d?id=4") == "bi.example.com:8443/d?id=4")
    }
}

extension LineageWalkerTests {
    /// Secoda may know a downstream model's table and its dashboards but not the table-to-table
    /// edge (no dbt integration, say): a model the walk reaches through the dbt graph alone is
    /// looked up by its relation, like the changed models, so its dashboards are not missed. A
    /// model the catalog does not have stays a dbt node, looked up once. Offline agrees.
    @Test func aModelReachedThroughDbtAloneIsLookedUpAndItsDashboardsFound() async throws {
        var b = SeedBuilder()
        let orders = b.table("orders"), mart = b.table("mart_revenue")
        let board = b.dashboard("Revenue", externalUsage: 12)
        b.edge(mart, board)   // no orders → mart_revenue edge in Secoda
        let graph = ProjectGraph(nodes: Dictionary(uniqueKeysWithValues: [
            dbtModel("orders", children: ["model.shop.mart_revenue", "model.shop.scratch"]),
            dbtModel("mart_revenue"), dbtModel("scratch"),
        ].map { ($0.id, $0) }))
        let root = WalkRoot(model: "orders", dbtId: "model.shop.orders", catalogId: orders)
        try await withEmulator(b.seed) { emulator in
            let nodes = try await Self.walker(emulator, graph: graph).walk([root]).first?.downstream ?? []
            #expect(nodes.map(\.name) == ["mart_revenue", "scratch", "Revenue"])
            let merged = try #require(nodes.first)
            #expect(merged.id == mart && merged.source == "dbt+secoda" && merged.depth == 1)
            #expect(nodes.last.map { ($0.id, $0.depth, $0.parentId) } ?? ("", 0, nil) == (board, 2, mart))
            #expect(nodes[1].source == "dbt")
            // One lookup for both dbt nodes, none again at the next level.
            let lookups = await emulator.state.requests().filter { $0.route == "resource/catalog" && ($0.query["filter"] ?? "").contains("\"title\"") }
            #expect(lookups.count == 1)

            let snapshot = try await CatalogSnapshot.pull(from: try client(for: emulator))
            let offline = try await LineageWalker(source: SnapshotCatalogSource(snapshot: snapshot), graph: graph).walk([root])
            #expect(offline.first?.downstream == nodes)
        }
    }
}
