import Foundation
@testable import GateLineage
@testable import SecodaAPI
import GateModel
import GateTestSupport
import SecodaEmulator
import Testing

@Suite struct ResolverTests {
    static let warehouse = "11111111-1111-4111-8111-111111111111"
    static let otherWarehouse = "33333333-3333-4333-8333-333333333333"

    struct Fixture {
        var seed: EmulatorSeed
        var orders: String, stagingOrders: String, customers: String, eventsA: String, eventsB: String, payments: String
    }

    static func fixture() -> Fixture {
        var b = SeedBuilder(integrationId: warehouse)
        let orders = b.table("orders")
        let stagingOrders = b.table("orders", schema: "staging")
        let customers = b.table("CUSTOMERS", database: "ANALYTICS", schema: "PROD")
        let eventsA = b.table("events")
        let eventsB = b.table("events", integration: otherWarehouse)
        // A table that only carries title_full (no database/schema fields).
        let payments = b.nextId()
        b.seed.resources.append(["id": .string(payments), "entity_type": .string("table"), "title": .string("payments"),
                                 "title_full": .string("analytics.prod.payments"), "integration": .string(warehouse)])
        return Fixture(seed: b.seed, orders: orders, stagingOrders: stagingOrders, customers: customers,
                       eventsA: eventsA, eventsB: eventsB, payments: payments)
    }

    static func rel(_ database: String?, _ schema: String?, _ name: String) -> Relation {
        Relation(database: database, schema: schema, identifier: name)
    }

    @Test func resolvesMatchesAndReportsAmbiguousAndMissingInOneBatchedQuery() async throws {
        let f = Self.fixture()
        try await withEmulator(f.seed) { emulator in
            let resolver = TableResolver(source: SecodaCatalogSource(client: try client(for: emulator)))
            let relations = [
                Self.rel("analytics", "prod", "orders"),
                Self.rel("analytics", "staging", "orders"),
                Self.rel("analytics", "prod", "customers"),        // catalog has it upper-case
                Self.rel("\"analytics\"", "prod", "\"orders\""),   // quoted
                Self.rel("analytics", "prod", "payments"),         // title_full only
                Self.rel("analytics", "prod", "events"),           // in two integrations
                Self.rel("analytics", "prod", "ghost"),
                Self.rel("analytics", "finance", "orders"),        // name exists, schema does not
            ]
            let result = try await resolver.resolve(relations)
            #expect(result.resolved[relations[0]]?.id == f.orders)
            #expect(result.resolved[relations[1]]?.id == f.stagingOrders)
            #expect(result.resolved[relations[2]]?.id == f.customers)
            #expect(result.resolved[relations[3]]?.id == f.orders)
            #expect(result.resolved[relations[4]]?.id == f.payments)
            #expect(result.unresolved[relations[5]] == .ambiguous([f.eventsA, f.eventsB].sorted()))
            #expect(result.unresolved[relations[6]] == .missing)
            #expect(result.unresolved[relations[7]] == .missing)
            #expect(result.problems.contains { $0.contains("analytics.prod.events matches 2 catalog tables") && $0.contains("integration_id") })
            #expect(await emulator.state.requestCount(route: "resource/catalog") == 1)

            // Within one integration the ambiguity disappears.
            let scoped = TableResolver(source: SecodaCatalogSource(client: try client(for: emulator)), integrationId: Self.warehouse)
            #expect(try await scoped.resolve([relations[5]]).resolved[relations[5]]?.id == f.eventsA)
        }
    }

    @Test func relationWithoutDatabaseMatchesOnSchemaAndName() async throws {
        let f = Self.fixture()
        let source = SnapshotCatalogSource(snapshot: CatalogSnapshot(
            takenAt: "2026-11-29T00:00:00Z",
            resources: try f.seed.resources.map { try JSONDecoder().decode(CatalogResource.self, from: JSONEncoder().encode($0)) },
            lineage: []))
        let result = try await TableResolver(source: source).resolve([Self.rel(nil, "staging", "orders"), Self.rel(nil, nil, "orders")])
        #expect(result.resolved[Self.rel(nil, "staging", "orders")]?.id == f.stagingOrders)
        // Name alone fits two tables: reported, never guessed.
        #expect(result.unresolved[Self.rel(nil, nil, "orders")] == .ambiguous([f.orders, f.stagingOrders].sorted()))
    }

    @Test func longRelationListsAreChunked() async throws {
        var b = SeedBuilder()
        for n in 1...120 { b.table("t_\(n)") }
        try await withEmulator(b.seed) { emulator in
            let resolver = TableResolver(source: SecodaCatalogSource(client: try client(for: emulator, options: quickOptions(idsPerRequest: 100))))
            let relations = (1...120).map { Self.rel("analytics", "prod", "t_\($0)") }
            let result = try await resolver.resolve(relations)
            #expect(result.resolved.count == 120)
            // 120 names → 120 distinct titles to ask for (lower/upper variants of t_n add "T_n") = 240 → 3 chunks.
            let firstPages = await emulator.state.requests().filter { $0.route == "resource/catalog" && $0.query["page"] == nil }
            #expect(firstPages.count == 3)
        }
    }
}
