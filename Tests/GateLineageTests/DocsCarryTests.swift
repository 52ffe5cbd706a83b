import Foundation
import GateModel
import GateTestSupport
import SecodaEmulator
import Testing
@testable import GateLineage
@testable import SecodaAPI

/// `DocsCarry` against the emulator: table and column documentation copied onto the new
/// table, filled fields kept unless overwriting, idempotent, columns matched by name and by rename.
@Suite struct DocsCarryTests {
    struct Fixture {
        var seed: EmulatorSeed
        var old: String
        var new: String
        var columns: [String: String]
    }

    static let owner = "3131f219-16bb-4c95-853a-894ae12db42a"
    static let group = "3b2c7185-0000-4000-8000-000000000001"
    static let tag = "f7466f09-0000-4000-8000-000000000001"

    /// Old `dim_customers`: documented table and columns. New `dim_clients`: a description of
    /// its own, nothing else; `name` became `full_name`, `email` is gone.
    static func fixture() -> Fixture {
        var builder = SeedBuilder()
        let old = builder.table("dim_customers", owners: [owner], ownerGroups: [group], tags: [tag], pii: true, verified: true)
        let new = builder.table("dim_clients")
        var columns: [String: String] = [:]
        for name in ["customer_id", "name", "email", "country"] { columns["old.\(name)"] = builder.column(name, of: old) }
        for name in ["customer_id", "full_name", "country"] { columns["new.\(name)"] = builder.column(name, of: new) }
        func set(_ id: String, _ field: String, _ value: JSONValue) {
            guard let index = builder.seed.resources.firstIndex(where: { $0["id"]?.stringValue == id }) else { return }
            builder.seed.resources[index][field] = value
        }
        set(old, "description", .string("One row per customer."))
        set(old, "definition", .string("Customers who ordered at least once."))
        set(new, "description", .string("Clients (new name)."))
        set(columns["old.customer_id"]!, "description", .string("The customer's key."))
        set(columns["old.name"]!, "description", .string("Full name."))
        set(columns["old.name"]!, "pii", .bool(true))
        set(columns["old.email"]!, "description", .string("Contact email."))
        set(columns["new.country"]!, "description", .string("ISO country code."))
        set(columns["old.country"]!, "description", .string("Country."))
        return Fixture(seed: builder.seed, old: old, new: new, columns: columns)
    }

    func writer(_ emulator: SecodaEmulator) throws -> CatalogWriter {
        try CatalogWriter(baseURL: emulator.baseURL.absoluteString, apiKey: emulator.token, options: quickOptions())
    }

    func resource(_ id: String, _ client: SecodaClient) async throws -> [String: JSONValue] {
        try await client.get("resource/all/\(id)/", as: [String: JSONValue].self)
    }

    @Test func copiesTableAndColumnDocsSkipsFilledFieldsAndIsIdempotent() async throws {
        let fixture = Self.fixture()
        try await withEmulator(fixture.seed) { emulator in
            let writer = try writer(emulator)
            let pair = CarryPair(model: "dim_clients", fromId: fixture.old, toId: fixture.new, columnRenames: ["name": "full_name"])
            let item = try await DocsCarry.plan(pair, client: writer.client, overwrite: false)
            let decided = item.decisions.map { "\($0.target).\($0.field.rawValue)=\($0.action.rawValue)" }
            #expect(decided == [
                "table.description=skip", "table.tags=copy", "table.definition=copy", "table.pii=copy",
                "table.owners=copy", "table.owners_groups=copy", "table.verified=copy",
                "column country.description=skip", "column customer_id.description=copy",
                "column full_name.description=copy", "column full_name.pii=copy",
            ], "got: \(decided)")
            #expect(item.decisions.first?.reason.contains("--overwrite") == true)
            #expect(item.unmatchedColumns == ["email"])
            #expect(item.patches.count == 3)
            #expect(await emulator.state.requests().allSatisfy { $0.method == "GET" }, "planning must not write")

            let result = await DocsCarry.apply([item], writer: writer)
            #expect(result.succeeded && result.patched.count == 3)
            let table = try await resource(fixture.new, writer.client)
            #expect(table["description"]?.stringValue == "Clients (new name).")
            #expect(table["definition"]?.stringValue == "Customers who ordered at least once.")
            #expect(table["tags"] == .array([.string(Self.tag)]))
            #expect(table["owners"] == .array([.string(Self.owner)]))
            #expect(table["owners_groups"] == .array([.string(Self.group)]))
            #expect(table["pii"] == .bool(true) && table["verified"] == .bool(true))
            #expect(table["title"]?.stringValue == "dim_clients", "PATCH keeps the fields it does not name")
            let fullName = try await resource(fixture.columns["new.full_name"]!, writer.client)
            #expect(fullName["description"]?.stringValue == "Full name." && fullName["pii"] == .bool(true))
            let country = try await resource(fixture.columns["new.country"]!, writer.client)
            #expect(country["description"]?.stringValue == "ISO country code.")
            let patchRoutes = await emulator.state.requests().filter { $0.method == "PATCH" }.map(\.route)
            #expect(patchRoutes.filter { $0.hasPrefix("table/tables/") }.count == 1)
            #expect(patchRoutes.filter { $0.hasPrefix("table/columns/") }.count == 2)

            await emulator.state.clearLog()
            let again = try await DocsCarry.plan(pair, client: writer.client, overwrite: false)
            #expect(again.patches.isEmpty)
            #expect(again.decisions.allSatisfy { $0.action == .skip })
            #expect(again.decisions.filter { $0.reason == "already the same" }.count == 9)
            _ = await DocsCarry.apply([again], writer: writer)
            #expect(await emulator.state.requests().allSatisfy { $0.method == "GET" })
        }
    }

    @Test func overwriteReplacesFilledFields() async throws {
        let fixture = Self.fixture()
        try await withEmulator(fixture.seed) { emulator in
            let writer = try writer(emulator)
            let pair = CarryPair(fromId: fixture.old, toId: fixture.new)
            let item = try await DocsCarry.plan(pair, client: writer.client, overwrite: true)
            let description = item.decisions.first { $0.target == "table" && $0.field == .description }
            #expect(description?.action == .copy)
            #expect(description?.current == .string("Clients (new name)."))
            // Without the rename map, `name` has no counterpart.
            #expect(item.unmatchedColumns == ["email", "name"])
            let result = await DocsCarry.apply([item], writer: writer)
            #expect(result.succeeded)
            #expect(try await resource(fixture.new, writer.client)["description"]?.stringValue == "One row per customer.")
            #expect(try await resource(fixture.columns["new.country"]!, writer.client)["description"]?.stringValue == "Country.")
        }
    }

    @Test func anUnknownTableIsARefusalNamingTheRequest() async throws {
        let fixture = Self.fixture()
        try await withEmulator(fixture.seed) { emulator in
            let writer = try writer(emulator)
            let error = await catalogError {
                _ = try await DocsCarry.plan(CarryPair(fromId: fixture.old, toId: "00000000-0000-4000-8000-999999999999"),
                                             client: writer.client, overwrite: false)
            }
            #expect(error?.kind == .rejected)
            #expect(error?.message.contains("404") == true)
        }
    }

    @Test func columnPatchesAreServedOnBothSpellingsAndKeepOtherFields() async throws {
        let fixture = Self.fixture()
        try await withEmulator(fixture.seed) { emulator in
            let client = try writer(emulator).client
            let id = fixture.columns["new.country"]!
            for path in ["table/columns/\(id)/", "table/column/\(id)/"] {
                let response = try await client.send("PATCH", path, json: Data(#"{"tags": ["t1"]}"#.utf8))
                #expect(response.status == 200)
            }
            let column = try await resource(id, client)
            #expect(column["tags"] == .array([.string("t1")]))
            #expect(column["description"]?.stringValue == "ISO country code.")
            #expect(column["type"]?.stringValue == "varchar")
        }
    }
}
