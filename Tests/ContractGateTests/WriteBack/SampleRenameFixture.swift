import Foundation
import GateModel
import GateTestSupport
import SecodaEmulator

/// The README's sample project (ci/sample) as a real git history — `before` committed on main,
/// `after` (dim_customers renamed to dim_clients, order columns dropped) committed on top — and
/// a Secoda seed made from the sample's own snapshot, as it looks once the warehouse has synced
/// the renamed model: a `dim_clients` table (and `stg_customers`, which it reads) beside the
/// documented old `dim_customers`.
struct SampleRenameFixture {
    let repo: TempRepository
    let base: String
    let head: String
    var seed: EmulatorSeed

    static let sample = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../../ci/sample").standardizedFileURL
    static let dimCustomers = "d935a76c-2125-4c30-9389-ef42fa7e23bb"
    static let dimClients = "c1e17500-0000-4000-8000-000000000001"
    static let stgCustomers = "c1e17500-0000-4000-8000-000000000002"
    static let marketingOwner = "f71585fa-2d3c-4b1a-9c4e-7d8e9f0a1b2c"
    static let tag = "a17f4ed0-0000-4000-8000-00000000000a"
    static let integration = "0b0d4419-841f-4413-8510-ee068487adec"
    /// Column ids: `old.customer_id`, `new.name`, …
    static let columns: [String: String] = {
        var ids: [String: String] = [:]
        var n = 10
        for side in ["old", "new"] {
            for name in ["customer_id", "name", "country"] {
                n += 1
                ids["\(side).\(name)"] = "c1e17500-0000-4000-8000-0000000000\(n)"
            }
        }
        return ids
    }()

    /// - Parameter newDescription: a description the new table already has (to test `--overwrite`).
    init(newDescription: String? = nil) throws {
        repo = try TempRepository()
        let root = Self.sample.path
        _ = try repo.shell("cp -R '\(root)/before/.' .")
        base = try repo.commit("shop: orders, revenue and customer marts")
        _ = try repo.shell("rm -rf models && cp -R '\(root)/after/.' .")
        head = try repo.commit("Drop order status columns; rename dim_customers to dim_clients")

        let snapshot = try Data(contentsOf: Self.sample.appendingPathComponent("before/catalog/secoda-snapshot.json"))
        seed = try JSONDecoder().decode(EmulatorSeed.self, from: snapshot)
        func table(_ id: String, _ title: String, schema: String) -> [String: JSONValue] {
            ["id": .string(id), "entity_type": .string("table"), "title": .string(title), "database": .string("analytics"),
             "schema": .string(schema), "title_full": .string("analytics.\(schema).\(title)"),
             "integration": .string(Self.integration), "owners": .array([]), "owners_groups": .array([]), "tags": .array([]),
             "pii": .bool(false), "verified": .bool(false), "description": newDescription.map(JSONValue.string) ?? .null]
        }
        seed.resources.append(table(Self.dimClients, "dim_clients", schema: "prod_marketing"))
        seed.resources.append(table(Self.stgCustomers, "stg_customers", schema: "prod"))
        if let index = seed.resources.firstIndex(where: { $0["id"]?.stringValue == Self.dimCustomers }) {
            seed.resources[index]["description"] = .string("One row per customer, for campaign targeting.")
            seed.resources[index]["definition"] = .string("Customers with at least one order.")
            seed.resources[index]["tags"] = .array([.string(Self.tag)])
        }
        for (key, id) in Self.columns {
            let parts = key.split(separator: ".").map(String.init)
            var column: [String: JSONValue] = [
                "id": .string(id), "entity_type": .string("column"), "title": .string(parts[1]),
                "parent": .string(parts[0] == "old" ? Self.dimCustomers : Self.dimClients), "type": .string("varchar"),
                "integration": .string(Self.integration), "tags": .array([]), "pii": .bool(false),
            ]
            if parts[0] == "old" {
                column["description"] = .string(["customer_id": "The customer's key.", "name": "Full name.",
                                                 "country": "Country of residence."][parts[1]] ?? "")
                column["pii"] = .bool(parts[1] == "name")
            }
            seed.resources.append(column)
        }
    }

    /// What a command needs to reach the emulator.
    static func environment(_ emulator: SecodaEmulator) -> [String: String] {
        ["SECODA_API_URL": emulator.baseURL.absoluteString, "SECODA_API_KEY": emulator.token]
    }
}

extension SecodaEmulator {
    /// The writes (POST, PATCH, PUT, DELETE) in the request log.
    func writes() async -> [LoggedRequest] {
        await state.requests().filter { $0.method != "GET" }
    }
}

