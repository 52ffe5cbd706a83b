import Foundation
@testable import GateLineage
@testable import SecodaAPI
import GateModel
import GateTestSupport
import SecodaEmulator
import Testing

@Suite struct SnapshotAndPolicyTests {
    struct Scenario {
        var seed: EmulatorSeed
        var graph: ProjectGraph
        var requests: [ImpactRequest]
        var ids: [String: String]
    }

    /// Two changed models, a shared mart, BI dashboards (one stale), a cycle, and a table in
    /// another integration reached only through lineage.
    static func scenario() -> Scenario {
        var b = SeedBuilder()
        let stg = b.table("stg_orders"), fct = b.table("fct_orders", owners: ["u-1"], tags: ["t-finance"], pii: true)
        let customers = b.table("dim_customers"), mart = b.table("mart_revenue", verified: true)
        let revenue = b.dashboard("Revenue", externalUsage: 40, internalUsage: 2, ownerGroups: ["g-bi"])
        let old = b.dashboard("Old KPIs", externalUsage: 0)
        let chart = b.dashboard("Orders chart", type: "chart", internalUsage: 7)
        let foreign = b.table("orders_export", database: "reverse_etl", schema: "out", integration: "44444444-4444-4444-8444-444444444444")
        for (from, to) in [(stg, fct), (fct, mart), (customers, mart), (mart, revenue), (mart, old), (fct, chart),
                           (mart, foreign), (foreign, fct)] { b.edge(from, to) }
        for n in 1...70 { b.table("noise_\(n)") }  // enough tables to make the pull page
        b.seed.users.append(["id": .string("u-1"), "first_name": .string("Ada"), "last_name": .string("Lovelace"),
                             "email": .string("ada@example.com")])
        b.seed.groups.append(["id": .string("g-bi"), "name": .string("BI team")])
        let graph = ProjectGraph(nodes: Dictionary(uniqueKeysWithValues: [
            dbtModel("stg_orders", children: ["model.shop.fct_orders"]),
            dbtModel("fct_orders", children: ["model.shop.mart_revenue", "exposure.shop.board"]),
            dbtModel("dim_customers", children: ["model.shop.mart_revenue"]),
            dbtModel("mart_revenue"),
            dbtModel("board", type: "exposure"),
        ].map { ($0.id, $0) }))
        let requests = [
            ImpactRequest(name: "stg_orders", relation: Relation(database: "analytics", schema: "prod", identifier: "stg_orders"),
                          dbtId: "model.shop.stg_orders"),
            ImpactRequest(name: "dim_customers", relation: Relation(database: "ANALYTICS", schema: "PROD", identifier: "DIM_CUSTOMERS"),
                          dbtId: "model.shop.dim_customers"),
            ImpactRequest(name: "new_model", relation: Relation(database: "analytics", schema: "prod", identifier: "new_model"),
                          dbtId: "model.shop.new_model"),
        ]
        return Scenario(seed: b.seed, graph: graph, requests: requests,
                        ids: ["stg": stg, "fct": fct, "customers": customers, "mart": mart, "revenue": revenue, "old": old,
                              "chart": chart, "foreign": foreign])
    }

    static func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("catalog-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func settings(_ emulator: SecodaEmulator, snapshot: URL?, policy: CatalogErrorPolicy = .fail) -> CatalogSettings {
        CatalogSettings(baseURL: emulator.baseURL.absoluteString, tokenEnv: "TEST_SECODA_KEY", snapshotPath: snapshot?.path,
                        onCatalogError: policy, requestTimeout: .seconds(2), deadline: .seconds(20), maxAttempts: 1)
    }

    @Test func pullThenWalkOfflineGivesTheSameImpactAsOnline() async throws {
        let s = Self.scenario()
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent(".contract-gate/catalog.json")
        try await withEmulator(s.seed) { emulator in
            let env = ["TEST_SECODA_KEY": emulator.token]
            let settings = Self.settings(emulator, snapshot: path)
            let online = try await CatalogImpact.compute(of: s.requests, graph: s.graph, settings: settings, environment: env)
            #expect(online.status.sources == ["dbt", "secoda"])
            #expect(online.status.complete && online.status.errors.isEmpty)
            #expect(online.catalogIds == ["stg_orders": s.ids["stg"]!, "dim_customers": s.ids["customers"]!])
            #expect(online.unresolved["new_model"]?.contains("not in the catalog") == true)

            let stg = try #require(online.impacts.first)
            #expect(stg.downstream.map(\.name) == ["fct_orders", "Orders chart", "board", "mart_revenue", "Old KPIs",
                                                   "Revenue", "orders_export"])
            #expect(stg.downstream.first { $0.name == "Old KPIs" }?.stale == true)
            #expect(stg.downstream.first { $0.name == "Orders chart" }?.stale == false)
            #expect(stg.downstream.first { $0.name == "mart_revenue" }.map { ($0.source, $0.verified) } ?? ("", false) == ("dbt+secoda", true))
            #expect(stg.downstream.first { $0.name == "fct_orders" }.map { ($0.pii, $0.tags) } ?? (false, []) == (true, ["t-finance"]))
            #expect(stg.downstream.first { $0.name == "fct_orders" }?.owners
                == [Owner(id: "u-1", name: "Ada Lovelace", email: "ada@example.com", kind: "user")])
            #expect(stg.downstream.first { $0.name == "Revenue" }?.owners == [Owner(id: "g-bi", name: "BI team", kind: "group")])

            // The pull streams to the file and reports counts (issue 23: it no longer returns the snapshot).
            let summary = try await CatalogImpact.pullSnapshot(settings: settings, environment: env)
            let snapshot = try CatalogSnapshot.load(from: path)
            #expect(snapshot.tables.count == 75 && summary.tables == 75)
            #expect(snapshot.lineage.count == 8 && summary.lineageEdges == 8)
            #expect(summary.resources == snapshot.resources.count && summary.takenAt == snapshot.takenAt)
            #expect(snapshot.users == [CatalogPerson(id: "u-1", name: "Ada Lovelace", email: "ada@example.com")])
            #expect(snapshot.groups == [CatalogPerson(id: "g-bi", name: "BI team")])
            let text = try String(contentsOf: path, encoding: .utf8)
            #expect(text.contains("\"taken_at\""))
            #expect(!text.contains(emulator.token))
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: path.deletingLastPathComponent().path)
            // The temporary files were renamed into place (the snapshot and its index) or removed.
            #expect(leftovers.sorted() == ["catalog.json", "catalog.json.idx"])

            // Offline: no key, the snapshot is found and used.
            let offline = try await CatalogImpact.compute(of: s.requests, graph: s.graph, settings: settings, environment: [:])
            #expect(offline.status.sources == ["dbt", "snapshot"])
            #expect(offline.status.complete)
            #expect(offline.status.snapshotTakenAt == snapshot.takenAt)
            #expect(offline.impacts == online.impacts)
            #expect(offline.catalogIds == online.catalogIds)
            #expect(offline.unresolved == online.unresolved)
        }
    }

    @Test func snapshotSeedsAnEmulator() async throws {
        let s = Self.scenario()
        let snapshot = try await withEmulator(s.seed) { emulator in
            try await CatalogSnapshot.pull(from: try client(for: emulator))
        }
        let data = try JSONEncoder().encode(snapshot)
        let reseeded = try JSONDecoder().decode(EmulatorSeed.self, from: data)
        try await withEmulator(reseeded) { emulator in
            let again = try await CatalogSnapshot.pull(from: try client(for: emulator))
            #expect(again.resources == snapshot.resources)
            #expect(again.lineage == snapshot.lineage)
            #expect(again.users == snapshot.users && again.groups == snapshot.groups)
        }
    }

    /// More tables than one catalog query returns (75 at a cap of 20, most of them `noise_N`):
    /// the listing is split by the characters of the titles until every part is under the cap,
    /// and the snapshot holds every table once, as an uncapped pull does. Each split is a
    /// `contains` query and its `not`; no part that came back whole is asked again.
    @Test func pullSplitsATableListingPastTheCatalogCap() async throws {
        let seed = Self.scenario().seed
        let whole = try await withEmulator(seed) { emulator in try await CatalogSnapshot.pull(from: try client(for: emulator)) }
        try await withEmulator(seed, options: EmulatorOptions(catalogResultCap: 20)) { emulator in
            let snapshot = try await CatalogSnapshot.pull(from: try client(for: emulator), catalogResultCap: 20)
            #expect(snapshot.tables.count == 75)
            #expect(snapshot.resources.map(\.id) == whole.resources.map(\.id))
            #expect(snapshot.lineage == whole.lineage)
            let filters = await emulator.state.requests().filter { $0.route == "resource/catalog" }.compactMap { $0.query["filter"] }
            let split = filters.filter { $0.contains("\"contains\"") }
            #expect(split.count >= 4)
            #expect(split.allSatisfy { $0.contains("\"table\"") })
            #expect(filters.filter { $0.contains("\"not\"") }.count * 2 >= split.count)
        }
        // Under the cap, one listing, each of its pages read once (75 tables: 2 pages), no split.
        try await withEmulator(seed) { emulator in
            _ = try await CatalogSnapshot.pull(from: try client(for: emulator))
            let filters = await emulator.state.requests().compactMap { $0.query["filter"] }
            #expect(!filters.contains { $0.contains("\"contains\"") })
            #expect(filters.filter { $0.contains("\"table\"") && !$0.contains("\"column\"") }.count == 2)
        }
    }

    /// Tables whose titles share none of the characters the listing is split on cannot be
    /// brought under the cap: the pull fails, naming the limit and what to do, rather than write
    /// a snapshot that may miss tables.
    @Test func pullRefusesATableListingNoSplitBringsUnderTheCap() async throws {
        var b = SeedBuilder()
        let other = "44444444-4444-4444-8444-444444444444"
        for (n, title) in ["bb", "bf", "bg", "bh", "fb", "ff", "fg", "fh", "gb", "gf", "gg", "gh"].enumerated() {
            b.table(title, integration: n < 6 ? nil : other)
        }
        try await withEmulator(b.seed, options: EmulatorOptions(catalogResultCap: 10)) { emulator in
            let error = await catalogError { _ = try await CatalogSnapshot.pull(from: try client(for: emulator), catalogResultCap: 10) }
            #expect(error?.kind == .invalidResponse)
            #expect(error?.message.contains("per-query limit") == true)
            #expect(error?.message.contains("integration_id") == true)
            // Within one integration the listing fits.
            let scoped = try await CatalogSnapshot.pull(from: try client(for: emulator), integrationId: SeedBuilder().integrationId,
                                                        catalogResultCap: 10)
            #expect(scoped.tables.map(\.title).sorted() == ["bb", "bf", "bg", "bh", "fb", "ff"])
        }
    }

    /// A Secoda that refuses the split queries (400 on a `title` filter) gets the same answer as
    /// a listing no split brings under the cap — the limit and `integration_id` — not Secoda's 400.
    @Test func aRefusedSplitEndsThePullWithTheCapAdvice() async throws {
        var faults = FaultPlan()
        faults.unsupportedFilterFields = ["title"]
        try await withEmulator(Self.scenario().seed, options: EmulatorOptions(catalogResultCap: 20, faults: faults)) { emulator in
            let error = await catalogError { _ = try await CatalogSnapshot.pull(from: try client(for: emulator), catalogResultCap: 20) }
            #expect(error?.kind == .invalidResponse)
            #expect(error?.message.contains("integration_id") == true)
            let refused = await emulator.state.requests().filter { $0.status == 400 }
            #expect(!refused.isEmpty)
        }
    }

    /// A server that ignores the title filter answers both halves of a split with the whole
    /// listing: the split stops at once with that diagnosis, instead of 25 levels of ever more
    /// queries (2^26 in all) that never shrink.
    @Test func aServerIgnoringTheTitleFilterStopsTheSplitAtOnce() async throws {
        var faults = FaultPlan()
        faults.ignoredFilterFields = ["title"]
        try await withEmulator(Self.scenario().seed, options: EmulatorOptions(catalogResultCap: 20, faults: faults)) { emulator in
            let error = await catalogError { _ = try await CatalogSnapshot.pull(from: try client(for: emulator), catalogResultCap: 20) }
            #expect(error?.kind == .invalidResponse)
            #expect(error?.message.contains("ignored the title filter") == true, "\(String(describing: error))")
            let splits = await emulator.state.requests().filter { $0.query["filter"]?.contains("\"contains\"") == true }
            #expect(splits.count <= 2, "one split, then stop: \(splits.count)")
        }
    }

    /// Every split of a title listing draws on one shared budget of queries: past it the pull
    /// stops with the advice, whatever the server's shape (here 75 tables, a cap of 5).
    @Test func theTitleSplitIsBoundedByATotalQueryBudget() async throws {
        try await withEmulator(Self.scenario().seed, options: EmulatorOptions(catalogResultCap: 5)) { emulator in
            let source = SecodaCatalogSource(client: try client(for: emulator))
            let error = await catalogError {
                _ = try await source.completeListing(matching: CatalogFilter.exact("type", .string("table")), resultCap: 5,
                                                     maxSplitQueries: 6)
            }
            #expect(error?.message.contains("more than 6 queries") == true, "\(String(describing: error))")
            let splits = await emulator.state.requests().filter { $0.query["filter"]?.contains("\"contains\"") == true }
            #expect(splits.count <= 6, "\(splits.count)")
        }
    }

    /// More charts than one catalog query returns: the snapshot still holds every chart lineage
    /// reaches (read by id), and the pull does not fail over a listing it does not need whole.
    @Test func pullReadsChartsPastTheCatalogCapThroughLineage() async throws {
        var b = SeedBuilder()
        let table = b.table("fct_orders")
        var linked: [String] = []
        for n in 1...30 {
            let chart = b.dashboard("Chart \(n)", type: "chart", internalUsage: n)
            if n % 3 != 0 { b.edge(table, chart); linked.append(chart) }
        }
        try await withEmulator(b.seed, options: EmulatorOptions(catalogResultCap: 20)) { emulator in
            let snapshot = try await CatalogSnapshot.pull(from: try client(for: emulator), catalogResultCap: 20)
            let charts = Set(snapshot.resources.filter { $0.type == "chart" }.map(\.id))
            #expect(Set(linked).isSubset(of: charts))
            #expect(linked.count == 20)
            #expect(snapshot.tables.map(\.title) == ["fct_orders"])
        }
    }

    @Test func failPolicySurfacesCatalogUnavailable() async throws {
        let s = Self.scenario()
        try await withEmulator(s.seed, options: EmulatorOptions(faults: FaultPlan(errorRates: ["503": 1.0]))) { emulator in
            let settings = Self.settings(emulator, snapshot: nil)
            let error = await catalogError {
                _ = try await CatalogImpact.compute(of: s.requests, graph: s.graph, settings: settings,
                                                    environment: ["TEST_SECODA_KEY": emulator.token])
            }
            #expect(error?.exitCode == .catalogUnavailable)
            #expect(error?.kind == .unavailable)
        }
    }

    @Test func warnPolicyFallsBackToTheSnapshotAndSaysItIsIncomplete() async throws {
        let s = Self.scenario()
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("catalog.json")
        try await withEmulator(s.seed) { emulator in
            let env = ["TEST_SECODA_KEY": emulator.token]
            let settings = Self.settings(emulator, snapshot: path, policy: .warn)
            let online = try await CatalogImpact.compute(of: s.requests, graph: s.graph, settings: settings, environment: env)
            _ = try await CatalogImpact.pullSnapshot(settings: settings, environment: env)

            await emulator.state.setFaults(FaultPlan(errorRates: ["500": 1.0]))
            let fallback = try await CatalogImpact.compute(of: s.requests, graph: s.graph, settings: settings, environment: env)
            #expect(fallback.status.sources == ["dbt", "snapshot"])
            #expect(!fallback.status.complete)
            #expect(fallback.status.errors.contains { $0.contains("HTTP 500") })
            #expect(fallback.status.errors.contains { $0.contains("used the catalog snapshot taken at") })
            #expect(fallback.impacts == online.impacts)

            // No snapshot either: the dbt graph alone, clearly marked incomplete.
            try FileManager.default.removeItem(at: path)
            let dbtOnly = try await CatalogImpact.compute(of: s.requests, graph: s.graph, settings: settings, environment: env)
            #expect(dbtOnly.status.sources == ["dbt"])
            #expect(!dbtOnly.status.complete)
            #expect(dbtOnly.impacts.first?.downstream.map(\.id) == ["model.shop.fct_orders", "exposure.shop.board", "model.shop.mart_revenue"])
            #expect(dbtOnly.catalogIds.isEmpty)
        }
    }

    @Test func configuredSecodaWithoutAKeyIsAConfigurationError() async throws {
        let s = Self.scenario()
        var settings = CatalogSettings(tokenEnv: "TEST_SECODA_KEY", secodaConfigured: true, snapshotPath: nil)
        let error = await catalogError {
            _ = try await CatalogImpact.compute(of: s.requests, graph: s.graph, settings: settings, environment: [:])
        }
        #expect(error?.exitCode == .usage)
        #expect(error?.message.contains("TEST_SECODA_KEY is not set") == true)

        settings.onCatalogError = .warn
        let warned = try await CatalogImpact.compute(of: s.requests, graph: s.graph, settings: settings, environment: [:])
        #expect(!warned.status.complete && warned.status.sources == ["dbt"])
    }

    @Test func nothingConfiguredUsesTheDbtGraphAndIsComplete() async throws {
        let s = Self.scenario()
        let result = try await CatalogImpact.compute(of: s.requests, graph: s.graph,
                                                     settings: CatalogSettings(snapshotPath: "/nonexistent/catalog.json"),
                                                     environment: [:])
        #expect(result.status == CatalogStatus(sources: ["dbt"], complete: true, errors: []))
        #expect(result.impacts.map(\.model) == ["stg_orders", "dim_customers", "new_model"])
    }

    @Test func budgetCutsMarkTheStatusIncomplete() async throws {
        let s = Self.scenario()
        try await withEmulator(s.seed) { emulator in
            var settings = Self.settings(emulator, snapshot: nil)
            settings.maxDepth = 1
            let result = try await CatalogImpact.compute(of: s.requests, graph: s.graph, settings: settings,
                                                         environment: ["TEST_SECODA_KEY": emulator.token])
            #expect(!result.status.complete)
            #expect(result.impacts.first?.truncated == true)
            #expect(result.status.errors.contains { $0.contains("stg_orders") && $0.contains("max_depth 1") })
        }
    }

    @Test func offlineModeNeedsASnapshot() async throws {
        let s = Self.scenario()
        let settings = CatalogSettings(snapshotPath: "/nonexistent/catalog.json", mode: .snapshot)
        let missing = await catalogError {
            _ = try await CatalogImpact.compute(of: s.requests, graph: s.graph, settings: settings, environment: ["SECODA_API_KEY": "k"])
        }
        #expect(missing?.kind == .snapshot && missing?.exitCode == .catalogUnavailable)
        #expect(missing?.message.contains("contract-gate catalog pull") == true)
        let unset = await catalogError {
            _ = try await CatalogImpact.compute(of: s.requests, graph: s.graph, settings: CatalogSettings(snapshotPath: nil, mode: .snapshot),
                                                environment: [:])
        }
        #expect(unset?.exitCode == .usage)
    }

    @Test func missingOrBrokenSnapshotSaysHowToMakeOne() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let missing = folder.appendingPathComponent("none.json")
        #expect(throws: CatalogError.self) { try CatalogSnapshot.load(from: missing) }
        let broken = folder.appendingPathComponent("broken.json")
        try Data("{\"taken_at\": 1".utf8).write(to: broken)
        do {
            _ = try CatalogSnapshot.load(from: broken)
            Issue.record("a broken snapshot loaded")
        } catch let error as CatalogError {
            #expect(error.message.contains("catalog pull"))
            #expect(error.exitCode == .catalogUnavailable)
        }
    }
}
