import Foundation
import GateModel

/// The data an emulator starts from.
///
/// Resources are raw Secoda-shaped JSON objects (`id`, `entity_type`, `title`, `database`,
/// `schema`, `owners`, `external_usage`, …) so a seed reads like the API's own responses.
/// Lineage entries are data-flow edges: each stands for the `DOWNSTREAM` row the API would
/// return plus the mirrored `UPSTREAM` row Secoda creates automatically. A file written by
/// `contract-gate catalog pull` (a catalog snapshot) has the same `resources`/`lineage` keys,
/// so it can seed an emulator directly; its `pii_columns` (table id → names of the columns
/// marked PII) become column resources of those tables.
public struct EmulatorSeed: Sendable, Codable, Equatable {
    /// Catalog resources of every type (tables, columns, dashboards, charts, …).
    public var resources: [[String: JSONValue]]
    /// Downstream lineage edges.
    public var lineage: [SeedLineageEdge]
    public var users: [[String: JSONValue]]
    public var groups: [[String: JSONValue]]
    public var teams: [[String: JSONValue]]

    public init(resources: [[String: JSONValue]] = [], lineage: [SeedLineageEdge] = [],
                users: [[String: JSONValue]] = [], groups: [[String: JSONValue]] = [],
                teams: [[String: JSONValue]] = []) {
        self.resources = resources
        self.lineage = lineage
        self.users = users
        self.groups = groups
        self.teams = teams
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        resources = try container.decodeIfPresent([[String: JSONValue]].self, forKey: .resources) ?? []
        lineage = try container.decodeIfPresent([SeedLineageEdge].self, forKey: .lineage) ?? []
        users = try container.decodeIfPresent([[String: JSONValue]].self, forKey: .users) ?? []
        groups = try container.decodeIfPresent([[String: JSONValue]].self, forKey: .groups) ?? []
        teams = try container.decodeIfPresent([[String: JSONValue]].self, forKey: .teams) ?? []
        let marked = try container.decodeIfPresent([String: [String]].self, forKey: .piiColumns) ?? [:]
        var number = 0
        for table in marked.keys.sorted() {
            for name in marked[table] ?? [] {
                number += 1
                resources.append(["id": .string(SeedBuilder.id(number, prefix: "c0000000")), "entity_type": .string("column"), "title": .string(name),
                                  "parent": .string(table), "pii": .bool(true)])
            }
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(resources, forKey: .resources)
        try container.encode(lineage, forKey: .lineage)
        try container.encode(users, forKey: .users)
        try container.encode(groups, forKey: .groups)
        try container.encode(teams, forKey: .teams)
    }

    enum CodingKeys: String, CodingKey {
        case resources, lineage, users, groups, teams
        case piiColumns = "pii_columns"
    }

    /// Reads a seed file; the error names the file and what is wrong with it.
    public static func load(from url: URL) throws -> EmulatorSeed {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw EmulatorSeedError(message: "cannot read seed file \(url.path): \(error.localizedDescription)")
        }
        do { return try JSONDecoder().decode(EmulatorSeed.self, from: data) } catch {
            throw EmulatorSeedError(message: "seed file \(url.path) is not a valid emulator seed: \(error)")
        }
    }
}

/// A seed file that cannot be read or decoded.
public struct EmulatorSeedError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}

/// One data-flow edge in a seed: data flows from `from` to `to`.
public struct SeedLineageEdge: Sendable, Codable, Equatable {
    public var from: String
    public var to: String

    public init(from: String, to: String) {
        self.from = from
        self.to = to
    }

    enum CodingKeys: String, CodingKey {
        case from = "from_entity", to = "to_entity"
        case fromId = "from_entity_id", toId = "to_entity_id"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        guard let from = try container.decodeIfPresent(String.self, forKey: .from)
            ?? container.decodeIfPresent(String.self, forKey: .fromId),
            let to = try container.decodeIfPresent(String.self, forKey: .to)
            ?? container.decodeIfPresent(String.self, forKey: .toId)
        else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                    debugDescription: "a lineage edge needs from_entity and to_entity"))
        }
        self.from = from
        self.to = to
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(from, forKey: .from)
        try container.encode(to, forKey: .to)
    }
}

/// Builds synthetic catalogs for tests and benchmarks: tables in one warehouse, lineage
/// shapes (fan-out, chains, diamonds, cycles), dashboards with and without usage.
///
/// Ids are deterministic UUID-shaped strings (`00000000-0000-4000-8000-<12 digits>`), so a
/// test can name any node without reading the seed back.
public struct SeedBuilder: Sendable {
    /// The seed built so far (editable, for shapes the builder has no method for).
    public var seed = EmulatorSeed()
    private var counter = 0
    public let integrationId: String
    public let database: String
    public let schema: String

    public init(integrationId: String = "11111111-1111-4111-8111-111111111111",
                database: String = "analytics", schema: String = "prod") {
        self.integrationId = integrationId
        self.database = database
        self.schema = schema
    }

    /// A fresh deterministic UUID-shaped id.
    public mutating func nextId() -> String {
        counter += 1
        return SeedBuilder.id(counter)
    }

    /// The `n`th id this builder hands out (1-based); another `prefix` gives ids of another series.
    public static func id(_ n: Int, prefix: String = "00000000") -> String {
        let digits = String(n)
        return prefix + "-0000-4000-8000-" + String(repeating: "0", count: max(0, 12 - digits.count)) + digits
    }

    /// Adds a table and returns its id.
    @discardableResult
    public mutating func table(_ title: String, database: String? = nil, schema: String? = nil,
                               integration: String? = nil, owners: [String] = [], ownerGroups: [String] = [],
                               tags: [String] = [], pii: Bool = false, verified: Bool = false,
                               usage: Int? = nil) -> String {
        let id = nextId()
        let db = database ?? self.database
        let sc = schema ?? self.schema
        var object = SeedBuilder.common(id: id, type: "table", title: title, owners: owners, ownerGroups: ownerGroups,
                                        tags: tags, pii: pii, verified: verified)
        object["native_type"] = .string("table")
        object["database"] = .string(db)
        object["schema"] = .string(sc)
        object["title_full"] = .string("\(db).\(sc).\(title)")
        object["integration"] = .string(integration ?? integrationId)
        object["external_usage"] = usage.map { .number(Double($0)) } ?? .null
        seed.resources.append(object)
        return id
    }

    /// Adds a dashboard (or chart, with `type: "chart"`); `usage` nil means the source reported none.
    @discardableResult
    public mutating func dashboard(_ title: String, type: String = "dashboard", externalUsage: Int? = nil,
                                   internalUsage: Int? = nil, owners: [String] = [], ownerGroups: [String] = [],
                                   verified: Bool = false) -> String {
        let id = nextId()
        var object = SeedBuilder.common(id: id, type: type, title: title, owners: owners, ownerGroups: ownerGroups,
                                        tags: [], pii: false, verified: verified)
        object["native_type"] = .string(type)
        object["title_full"] = .string(title)
        object["integration"] = .string("22222222-2222-4222-8222-222222222222")
        object["external_usage"] = externalUsage.map { .number(Double($0)) } ?? .null
        object["internal_usage"] = internalUsage.map { .number(Double($0)) } ?? .null
        object["external_updated_at"] = externalUsage == nil ? .null : .string("2026-11-01T00:00:00Z")
        object["url"] = .string("https://bi.example.com/\(type)/\(id)")
        seed.resources.append(object)
        return id
    }

    /// Adds a column of a table.
    @discardableResult
    public mutating func column(_ title: String, of tableId: String, type: String = "varchar", pii: Bool = false) -> String {
        let id = nextId()
        var object = SeedBuilder.common(id: id, type: "column", title: title, owners: [], ownerGroups: [],
                                        tags: [], pii: pii, verified: false)
        object["parent"] = .string(tableId)
        object["type"] = .string(type)
        object["integration"] = .string(integrationId)
        seed.resources.append(object)
        return id
    }

    /// Adds a data-flow edge `from → to`.
    public mutating func edge(_ from: String, _ to: String) {
        seed.lineage.append(SeedLineageEdge(from: from, to: to))
    }

    /// Adds a user and returns its id.
    @discardableResult
    public mutating func user(firstName: String, lastName: String, email: String) -> String {
        let id = nextId()
        seed.users.append(["id": .string(id), "first_name": .string(firstName), "last_name": .string(lastName),
                           "email": .string(email), "role": .string("editor"), "disabled": .bool(false)])
        return id
    }

    /// Adds a group and returns its id.
    @discardableResult
    public mutating func group(_ name: String, users: [String] = []) -> String {
        let id = nextId()
        seed.groups.append(["id": .string(id), "name": .string(name), "users": .array(users.map { .string($0) })])
        return id
    }

    /// One root table feeding `count` tables directly (a wide fan-out), each named `<prefix>_<n>`.
    /// Returns the root id and the child ids in order.
    public mutating func fanOut(root title: String, count: Int, prefix: String = "child")
        -> (root: String, children: [String])
    {
        let root = table(title)
        var children: [String] = []
        children.reserveCapacity(count)
        for n in stride(from: 1, through: count, by: 1) {
            let child = table("\(prefix)_\(n)")
            edge(root, child)
            children.append(child)
        }
        return (root, children)
    }

    /// A chain of `length` tables after a root: root → t1 → t2 → … (returns all ids, root first).
    public mutating func chain(root title: String, length: Int, prefix: String = "step") -> [String] {
        var ids = [table(title)]
        for n in 0..<length {
            let next = table("\(prefix)_\(n + 1)")
            if let last = ids.last { edge(last, next) }
            ids.append(next)
        }
        return ids
    }

    /// A synthetic warehouse for benchmarks and scale tests: `tables` tables in layers, each
    /// table feeding up to `fanOut` tables of the next layer, and every table of the last layer
    /// feeding `dashboardsPerLeaf` dashboards, every `staleEvery`-th of them without usage
    /// (0: none stale). Table `n` is titled `t_<n>`; the roots are the first layer.
    public static func synthetic(tables: Int, fanOut: Int, dashboardsPerLeaf: Int = 1, staleEvery: Int = 3) -> SeedBuilder {
        var builder = SeedBuilder()
        let fanOut = max(1, fanOut)
        var layer = [builder.table("t_1", usage: 1)]
        var made = 1
        while made < tables {
            var next: [String] = []
            outer: for parent in layer {
                for _ in 0..<fanOut {
                    guard made < tables else { break outer }
                    made += 1
                    let child = builder.table("t_\(made)", usage: made % 5)
                    builder.edge(parent, child)
                    next.append(child)
                }
            }
            // A layer that cannot grow any more (tables exhausted) ends the tree.
            if next.isEmpty { break }
            layer = next
        }
        var dashboards = 0
        for leaf in layer {
            for _ in 0..<max(0, dashboardsPerLeaf) {
                dashboards += 1
                let stale = staleEvery > 0 && dashboards % staleEvery == 0
                let dashboard = builder.dashboard("Dashboard \(dashboards)", externalUsage: stale ? nil : dashboards,
                                                  internalUsage: stale ? nil : 1)
                builder.edge(leaf, dashboard)
            }
        }
        return builder
    }

    private static func common(id: String, type: String, title: String, owners: [String], ownerGroups: [String],
                               tags: [String], pii: Bool, verified: Bool) -> [String: JSONValue] {
        [
            "id": .string(id),
            "entity_type": .string(type),
            "title": .string(title),
            "description": .string(""),
            "owners": .array(owners.map { .string($0) }),
            "owners_groups": .array(ownerGroups.map { .string($0) }),
            "tags": .array(tags.map { .string($0) }),
            "pii": .bool(pii),
            "verified": .bool(verified),
            "published": .bool(true),
            "archived": .bool(false),
            "created_at": .string("2026-01-01T00:00:00Z"),
            "updated_at": .string("2026-01-01T00:00:00Z"),
        ]
    }
}
