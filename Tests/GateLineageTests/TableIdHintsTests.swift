import Foundation
@testable import GateLineage
@testable import SecodaAPI
import GateModel
import GateTestSupport
import SecodaEmulator
import Testing

@Suite struct TableIdHintsTests {
    static let orders = Relation(database: "analytics", schema: "prod", identifier: "orders")
    static let customers = Relation(database: "analytics", schema: "prod", identifier: "customers")
    static let scope = TableIdHints.scope(baseURL: "https://api.secoda.co/api/v1/", integrationId: nil)

    static func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("hints-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func table(_ id: String, _ relation: Relation) -> CatalogResource {
        CatalogResource(id: id, type: "table", title: relation.identifier, database: relation.database, schema: relation.schema)
    }

    @Test func theEnvironmentNamesTheFolderOrTurnsHintsOff() {
        #expect(TableIdHints.standard(environment: ["CONTRACT_GATE_CACHE_DIR": "/tmp/cg", "HOME": "/home/a"])?.directory.path == "/tmp/cg")
        #expect(TableIdHints.standard(environment: ["XDG_CACHE_HOME": "/var/cache/a", "HOME": "/home/a"])?.directory.path
            == "/var/cache/a/contract-gate")
        #expect(TableIdHints.standard(environment: ["HOME": "/home/a"])?.directory.path == "/home/a/.cache/contract-gate")
        // Off on request, and when no absolute home is known (nothing lands in the working folder).
        #expect(TableIdHints.standard(environment: ["CONTRACT_GATE_CACHE_DIR": "", "HOME": "/home/a"]) == nil)
        #expect(TableIdHints.standard(environment: ["CONTRACT_GATE_CACHE_DIR": "off", "HOME": "/home/a"]) == nil)
        #expect(TableIdHints.standard(environment: [:]) == nil)
        #expect(TableIdHints.standard(environment: ["HOME": "relative", "XDG_CACHE_HOME": "also-relative"]) == nil)
    }

    @Test func theScopeNeverCarriesCredentials() {
        let scope = TableIdHints.scope(baseURL: "https://robot:s3cret@secoda.example.com/api/v1/", integrationId: "abc")
        #expect(!scope.contains("s3cret") && !scope.contains("robot"))
        #expect(scope.contains("secoda.example.com/api/v1/") && scope.hasSuffix(" abc"))
        #expect(TableIdHints.scope(baseURL: "https://a/api/v1/", integrationId: nil)
            != TableIdHints.scope(baseURL: "https://a/api/v1/", integrationId: "x"))
    }

    @Test func resolvedIdsComeBackForTheSameRelationWrittenAnyWay() throws {
        let hints = TableIdHints(directory: try Self.folder())
        let id = SeedBuilder.id(7)
        #expect(hints.remember(TableResolution(resolved: [Self.orders: Self.table(id, Self.orders)]), scope: Self.scope))
        #expect(hints.ids(for: [Self.orders, Self.customers], scope: Self.scope) == [Self.orders: id])
        // Matched as the resolver matches: unquoted, case-insensitively.
        let quoted = Relation(database: "\"ANALYTICS\"", schema: "Prod", identifier: "`Orders`")
        #expect(hints.ids(for: [quoted], scope: Self.scope) == [quoted: id])
        // Another endpoint or integration knows nothing of it.
        #expect(hints.ids(for: [Self.orders], scope: TableIdHints.scope(baseURL: "https://api.secoda.co/api/v1/", integrationId: "x")).isEmpty)
        // Remembering the same again leaves the file alone.
        #expect(!hints.remember(TableResolution(resolved: [Self.orders: Self.table(id, Self.orders)]), scope: Self.scope))
    }

    @Test func relationsThatNoLongerResolveAreForgottenAndNewIdsReplaceOldOnes() throws {
        let hints = TableIdHints(directory: try Self.folder())
        hints.remember(TableResolution(resolved: [Self.orders: Self.table(SeedBuilder.id(1), Self.orders),
                                                  Self.customers: Self.table(SeedBuilder.id(2), Self.customers)]), scope: Self.scope)
        hints.remember(TableResolution(resolved: [Self.orders: Self.table(SeedBuilder.id(3), Self.orders)],
                                       unresolved: [Self.customers: .ambiguous([SeedBuilder.id(2), SeedBuilder.id(4)])]),
                       scope: Self.scope)
        #expect(hints.ids(for: [Self.orders, Self.customers], scope: Self.scope) == [Self.orders: SeedBuilder.id(3)])
    }

    @Test func theFileKeepsTheMostRecentlyResolvedUpToItsCapacity() throws {
        var hints = TableIdHints(directory: try Self.folder())
        hints.capacity = 3
        let relations = (1...5).map { Relation(database: "analytics", schema: "prod", identifier: "t\($0)") }
        for (index, relation) in relations.enumerated() {
            hints.remember(TableResolution(resolved: [relation: Self.table(SeedBuilder.id(index + 1), relation)]), scope: Self.scope)
        }
        #expect(Set(hints.ids(for: relations, scope: Self.scope).keys) == Set(relations.suffix(3)))
        let lines = try String(contentsOf: hints.file(scope: Self.scope), encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 1 + 3 && lines[1].hasPrefix("analytics.prod.t5\t"))
    }

    @Test func anUnreadableOrForeignFileIsNoHintAndAnUnwritableFolderNoError() throws {
        let folder = try Self.folder()
        let hints = TableIdHints(directory: folder)
        let file = hints.file(scope: Self.scope)
        // Lines that are not id lines are skipped; a valid one still counts.
        let valid = "# contract-gate table ids, v1, \(Self.scope)\nanalytics.prod.orders\t\(SeedBuilder.id(1))\n"
        try Data((valid + "garbage\nanalytics.prod.customers\tnot an id!\n\u{0}\u{1}\n").utf8).write(to: file)
        #expect(hints.ids(for: [Self.orders, Self.customers], scope: Self.scope) == [Self.orders: SeedBuilder.id(1)])
        // Another scope's file under this name (a hash collision) or another version: nothing.
        try Data(valid.replacingOccurrences(of: Self.scope, with: "https://other/ *").utf8).write(to: file)
        #expect(hints.ids(for: [Self.orders], scope: Self.scope).isEmpty)
        try Data(valid.replacingOccurrences(of: "v1", with: "v9").utf8).write(to: file)
        #expect(hints.ids(for: [Self.orders], scope: Self.scope).isEmpty)
        try Data([0xff, 0xfe, 0x00, 0x80]).write(to: file)
        #expect(hints.ids(for: [Self.orders], scope: Self.scope).isEmpty)

        // A file where the folder should be: remembering fails quietly, and nothing is found.
        let blocked = TableIdHints(directory: folder.appendingPathComponent("occupied"))
        try Data("x".utf8).write(to: blocked.directory)
        #expect(!blocked.remember(TableResolution(resolved: [Self.orders: Self.table(SeedBuilder.id(1), Self.orders)]), scope: Self.scope))
        #expect(blocked.ids(for: [Self.orders], scope: Self.scope).isEmpty)
    }
}

/// Hints in a check: the walk starts from remembered ids at once, and the impact is always the
/// one the resolution gives.
@Suite struct TableIdHintsWalkTests {
    struct Scenario {
        var seed: EmulatorSeed
        var root: String
        var stale: String
        var rootDownstream: Set<String>
    }

    /// `orders` with two levels below it, and `orders_v1` (another table, with a downstream of
    /// its own) for a hint that went stale.
    static func scenario() -> Scenario {
        var b = SeedBuilder()
        let root = b.table("orders"), stale = b.table("orders_v1")
        var below: Set<String> = []
        for index in 0..<3 {
            let mart = b.table("mart_\(index)")
            let board = b.dashboard("board \(index)", externalUsage: 5)
            b.edge(root, mart)
            b.edge(mart, board)
            below.formUnion([mart, board])
        }
        b.edge(stale, b.table("legacy_export"))
        return Scenario(seed: b.seed, root: root, stale: stale, rootDownstream: below)
    }

    static let request = modelRequest("orders")

    static func settings(_ emulator: SecodaEmulator, hints: TableIdHints?) -> CatalogSettings {
        var settings = catalogSettings(emulator)
        settings.tableIdHints = hints
        return settings
    }

    static func compute(_ emulator: SecodaEmulator, hints: TableIdHints?) async throws -> CatalogImpactResult {
        try await CatalogImpact.compute(of: [request], graph: ProjectGraph(), settings: settings(emulator, hints: hints),
                                        environment: catalogEnvironment(emulator))
    }

    /// The title query that resolves relations to tables.
    static func resolution(_ log: [LoggedRequest]) throws -> LoggedRequest {
        try #require(log.first { $0.route == "resource/catalog" && ($0.query["filter"] ?? "").contains("\"title\"") })
    }

    static func lineage(of id: String, in log: [LoggedRequest]) -> [LoggedRequest] {
        log.filter { $0.route == "lineage/manual" && ($0.query["from_entity__in"] ?? "").split(separator: ",").contains(Substring(id)) }
    }

    @Test func aSecondRunStartsTheWalkFromTheRememberedIdBeforeTheResolutionAnswers() async throws {
        let s = Self.scenario()
        let hints = TableIdHints(directory: try TableIdHintsTests.folder())
        // Latency keeps each request open long enough to see which started before which answered.
        try await withEmulator(s.seed, options: EmulatorOptions(faults: FaultPlan(latencyMs: 150))) { emulator in
            let first = try await Self.compute(emulator, hints: hints)
            #expect(Set(first.impacts.first?.downstream.map(\.id) ?? []) == s.rootDownstream)
            var log = await emulator.state.requests()
            let firstRounds = try #require(LoggedRequest.sequentialRounds(log))
            // Nothing remembered yet: the root's lineage waits for the resolution.
            #expect(try Self.lineage(of: s.root, in: log).allSatisfy { try ($0.startedMs ?? 0) >= #require(Self.resolution(log).finishedMs) })
            #expect(hints.ids(for: [TableIdHintsTests.orders], scope: TableIdHints.scope(baseURL: emulator.baseURL.absoluteString,
                                                                                     integrationId: nil)) == [TableIdHintsTests.orders: s.root])

            await emulator.state.clearLog()
            let second = try await Self.compute(emulator, hints: hints)
            #expect(second.impacts == first.impacts && second.catalogIds == first.catalogIds)
            #expect(second.status.complete && second.status.errors.isEmpty)
            log = await emulator.state.requests()
            let resolved = try #require(try Self.resolution(log).finishedMs)
            let rootLineage = Self.lineage(of: s.root, in: log)
            #expect(!rootLineage.isEmpty && rootLineage.allSatisfy { ($0.startedMs ?? .infinity) < resolved })
            #expect(LoggedRequest.sequentialRounds(log) == firstRounds - 1)
        }
    }

    @Test func aStaleHintIsDroppedAndTheImpactIsTheResolvedTables() async throws {
        let s = Self.scenario()
        let hints = TableIdHints(directory: try TableIdHintsTests.folder())
        try await withEmulator(s.seed, options: EmulatorOptions(faults: FaultPlan(latencyMs: 50))) { emulator in
            let scope = TableIdHints.scope(baseURL: emulator.baseURL.absoluteString, integrationId: nil)
            let table = TableIdHintsTests.table(s.stale, TableIdHintsTests.orders)
            hints.remember(TableResolution(resolved: [TableIdHintsTests.orders: table]), scope: scope)

            let hinted = try await Self.compute(emulator, hints: hints)
            // The walk from the stale id was started, and its result dropped.
            #expect(!Self.lineage(of: s.stale, in: await emulator.state.requests()).isEmpty)
            let plain = try await Self.compute(emulator, hints: nil)
            #expect(hinted.impacts == plain.impacts && hinted.catalogIds == ["orders": s.root])
            #expect(Set(hinted.impacts.first?.downstream.map(\.id) ?? []) == s.rootDownstream)
            #expect(hints.ids(for: [TableIdHintsTests.orders], scope: scope) == [TableIdHintsTests.orders: s.root])
        }
    }

    @Test func aHintForARelationThatTurnedAmbiguousIsNotWalkedAndIsForgotten() async throws {
        var s = Self.scenario()
        var b = SeedBuilder()
        _ = (0..<10).map { _ in b.nextId() }          // ids past the scenario's
        let twin = b.table("orders", integration: "33333333-3333-4333-8333-333333333333")
        s.seed.resources += b.seed.resources
        let hints = TableIdHints(directory: try TableIdHintsTests.folder())
        try await withEmulator(s.seed) { emulator in
            let scope = TableIdHints.scope(baseURL: emulator.baseURL.absoluteString, integrationId: nil)
            hints.remember(TableResolution(resolved: [TableIdHintsTests.orders: TableIdHintsTests.table(s.root, TableIdHintsTests.orders)]),
                           scope: scope)
            let result = try await Self.compute(emulator, hints: hints)
            #expect(result.ambiguous["orders"] == [s.root, twin].sorted())
            #expect(result.catalogIds.isEmpty && result.impacts.first?.downstream.isEmpty == true)
            #expect(hints.ids(for: [TableIdHintsTests.orders], scope: scope).isEmpty)
        }
    }
}
