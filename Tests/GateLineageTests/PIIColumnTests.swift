import Foundation
@testable import GateLineage
@testable import SecodaAPI
import GateModel
import GateTestSupport
import SecodaEmulator
import Testing

/// COLUMN_PII_STAYS_TAGGED reads which of a changed model's columns Secoda marks PII: from the
/// live catalog (one `resource/catalog` query per 100 tables) or from the snapshot.
@Suite struct PIIColumnTests {
    struct Shop {
        var seed: EmulatorSeed
        var orders: String, customers: String, plain: String
    }

    static func shop() -> Shop {
        var b = SeedBuilder()
        let orders = b.table("orders"), customers = b.table("customers"), plain = b.table("plain")
        b.column("order_id", of: orders)
        b.column("Email", of: orders, pii: true)
        b.column("phone", of: customers, pii: true)
        b.column("name", of: customers)
        b.column("amount", of: plain)
        b.edge(orders, plain)
        return Shop(seed: b.seed, orders: orders, customers: customers, plain: plain)
    }

    /// Requests for columns (the filter names `column`), as the emulator logged them.
    static func columnQueries(_ emulator: SecodaEmulator) async -> [LoggedRequest] {
        await emulator.state.requests().filter { $0.route == "resource/catalog" && ($0.query["filter"] ?? "").contains("\"column\"") }
    }

    @Test func marksAreReadPerTableInOneQuery() async throws {
        var shop = Self.shop()
        // Read leniently: a "true" string marks PII; a column without a title names nothing and
        // is passed over rather than failing the check.
        shop.seed.resources.append(["id": .string("c-1"), "entity_type": .string("column"), "title": .string("ssn"),
                                    "parent": .string(shop.plain), "pii": .string("true")])
        shop.seed.resources.append(["id": .string("c-2"), "entity_type": .string("column"),
                                    "parent": .string(shop.plain), "pii": .bool(true)])
        try await withEmulator(shop.seed) { emulator in
            let source = SecodaCatalogSource(client: try client(for: emulator))
            let marks = try await source.piiColumns(ofTables: [shop.orders, shop.customers, shop.plain])
            #expect(marks == [shop.orders: ["email"], shop.customers: ["phone"], shop.plain: ["ssn"]])
            #expect(await Self.columnQueries(emulator).count == 1)
        }
    }

    /// A query that reaches Secoda's per-query limit may be cut: it is asked again for each half
    /// of its tables, down to one table, whose columns at the limit are an error.
    @Test func aQueryAtTheResultCapIsSplit() async throws {
        var b = SeedBuilder()
        let tables = (1...3).map { b.table("t\($0)") }
        for table in tables {
            b.column("a", of: table, pii: true)
            b.column("b", of: table)
        }
        try await withEmulator(b.seed) { emulator in
            let source = SecodaCatalogSource(client: try client(for: emulator))
            let marks = try await source.columnMarks(ofTables: tables, resultCap: 3)
            #expect(marks.map { "\($0.table):\($0.mark.title ?? "")" }.sorted() == tables.flatMap { ["\($0):a", "\($0):b"] }.sorted())
            // [t1,t2,t3] has 6 → [t1] and [t2,t3]; [t2,t3] has 4 → [t2] and [t3].
            #expect(await Self.columnQueries(emulator).count == 5)
            let error = await catalogError { _ = try await source.columnMarks(ofTables: [tables[0]], resultCap: 2) }
            #expect(error?.kind == .invalidResponse)
            #expect(error?.message.contains("per-query limit") == true)
        }
    }

    /// Only models a contract runs the rule on cost a query; online and the pulled snapshot agree.
    @Test func onlyModelsThatWantMarksAreAskedAndOnlineEqualsOffline() async throws {
        let shop = Self.shop()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pii-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let snapshotPath = folder.appendingPathComponent("catalog.json").path
        try await withEmulator(shop.seed) { emulator in
            let environment = catalogEnvironment(emulator)
            var settings = catalogSettings(emulator, snapshotPath: snapshotPath)
            let unwanted = try await CatalogImpact.compute(of: [modelRequest("orders")], graph: ProjectGraph(),
                                                           settings: settings, environment: environment)
            #expect(unwanted.piiColumns.isEmpty)
            #expect(await Self.columnQueries(emulator).isEmpty)

            let models = [modelRequest("orders", wantsPIIColumns: true), modelRequest("customers", wantsPIIColumns: true),
                          modelRequest("plain")]
            let online = try await CatalogImpact.compute(of: models, graph: ProjectGraph(), settings: settings, environment: environment)
            #expect(online.piiColumns == ["orders": ["email"], "customers": ["phone"]])
            #expect(online.status.errors.isEmpty)

            _ = try await CatalogImpact.pullSnapshot(settings: settings, environment: environment)
            settings.mode = .snapshot
            let offline = try await CatalogImpact.compute(of: models, graph: ProjectGraph(), settings: settings, environment: [:])
            #expect(offline.status.sources.contains("snapshot"))
            #expect(offline.piiColumns == online.piiColumns)

            // An older snapshot: the report says the marks were not known, not that there are none.
            var older = try CatalogSnapshot.load(from: URL(fileURLWithPath: snapshotPath))
            #expect(older.piiColumns == [shop.orders: ["email"], shop.customers: ["phone"]])   // compared lower-cased, so kept so
            older.piiColumns = nil
            try older.write(to: URL(fileURLWithPath: snapshotPath))
            let unknown = try await CatalogImpact.compute(of: models, graph: ProjectGraph(), settings: settings, environment: [:])
            #expect(unknown.piiColumns.isEmpty)
            #expect(unknown.status.errors.contains { $0.contains("no column PII marks") && $0.contains("catalog pull") })
        }
    }

    /// The column query's shape is inferred from Secoda's docs: a Secoda that refuses it (400)
    /// leaves the marks unknown — said in the report — and the check and the pull go on.
    @Test func aRefusedColumnQueryIsReportedNotFatal() async throws {
        let shop = Self.shop()
        var faults = FaultPlan()
        faults.unsupportedFilterFields = ["parent_id"]
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pii-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try await withEmulator(shop.seed, options: EmulatorOptions(faults: faults)) { emulator in
            let environment = catalogEnvironment(emulator)
            let settings = catalogSettings(emulator, snapshotPath: folder.appendingPathComponent("catalog.json").path)
            let result = try await CatalogImpact.compute(of: [modelRequest("orders", wantsPIIColumns: true)], graph: ProjectGraph(),
                                                         settings: settings, environment: environment)
            #expect(result.catalogIds["orders"] == shop.orders)
            #expect(result.impacts.first?.downstream.map(\.id) == [shop.plain])
            #expect(result.piiColumns.isEmpty && result.status.complete)
            #expect(result.status.errors.contains { $0.contains("refused the query for column PII marks") && $0.contains("YAML alone") })
            #expect(await Self.columnQueries(emulator).allSatisfy { $0.status == 400 })

            let summary = try await CatalogImpact.pullSnapshot(settings: settings, environment: environment)
            #expect(summary.piiColumns == nil && summary.tables == 3)
            #expect(try CatalogSnapshot.load(from: URL(fileURLWithPath: settings.snapshotPath ?? "")).piiColumns == nil)
        }
    }
}
