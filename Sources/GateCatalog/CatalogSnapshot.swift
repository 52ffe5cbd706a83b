import Foundation
import GateJSON
import GateModel

/// An offline copy of what the gate reads from Secoda: tables (with database, schema and
/// integration), dashboards and charts, every other resource lineage reaches, and the
/// downstream lineage edges. Written by `contract-gate catalog pull`, read when Secoda is
/// unreachable or for fast pre-push checks.
///
/// Its `resources` and `lineage` keys match the emulator's seed format, so a snapshot can
/// seed `secoda-emulator` as it is.
public struct CatalogSnapshot: Sendable, Codable, Equatable {
    /// Format version of this file.
    public var version: Int
    /// When it was pulled (ISO 8601, UTC).
    public var takenAt: String
    /// The API it was pulled from (scheme, host and path only; never a credential).
    public var baseURL: String?
    /// The integration the tables were limited to, if any.
    public var integrationId: String?
    /// Tables, dashboards, charts and any resource lineage reaches, sorted by id.
    public var resources: [CatalogResource]
    /// Data-flow edges `from → to` (Secoda's `DOWNSTREAM` rows), sorted.
    public var lineage: [SnapshotEdge]
    /// Users and groups, to name owners offline (empty when the key could not list them).
    public var users: [CatalogPerson]
    public var groups: [CatalogPerson]
    /// Teams, to name the owner of last resort offline (absent from snapshots written before teams were read).
    public var teams: [CatalogPerson]
    /// Table id → names of its columns marked `pii` (tables without any are absent); nil in
    /// snapshots written before columns' marks were copied.
    public var piiColumns: [String: [String]]?

    public init(version: Int = 1, takenAt: String, baseURL: String? = nil, integrationId: String? = nil,
                resources: [CatalogResource], lineage: [SnapshotEdge], users: [CatalogPerson] = [],
                groups: [CatalogPerson] = [], teams: [CatalogPerson] = [], piiColumns: [String: [String]]? = nil) {
        self.version = version
        self.takenAt = takenAt
        self.baseURL = baseURL
        self.integrationId = integrationId
        self.resources = resources
        self.lineage = lineage
        self.users = users
        self.groups = groups
        self.teams = teams
        self.piiColumns = piiColumns
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        version = try c.decode(Int.self, forKey: .version)
        takenAt = try c.decode(String.self, forKey: .takenAt)
        baseURL = try c.decodeIfPresent(String.self, forKey: .baseURL)
        integrationId = try c.decodeIfPresent(String.self, forKey: .integrationId)
        resources = try c.decode([CatalogResource].self, forKey: .resources)
        lineage = try c.decode([SnapshotEdge].self, forKey: .lineage)
        users = try c.decodeIfPresent([CatalogPerson].self, forKey: .users) ?? []
        groups = try c.decodeIfPresent([CatalogPerson].self, forKey: .groups) ?? []
        teams = try c.decodeIfPresent([CatalogPerson].self, forKey: .teams) ?? []
        piiColumns = try c.decodeIfPresent([String: [String]].self, forKey: .piiColumns)
    }

    enum CodingKeys: String, CodingKey {
        case version, resources, lineage, users, groups, teams
        case takenAt = "taken_at"
        case baseURL = "base_url"
        case integrationId = "integration_id"
        case piiColumns = "pii_columns"
    }

    /// `CatalogSource.piiColumns(ofTables:)` answered from a snapshot's `pii_columns`.
    static func piiColumns(_ marks: [String: [String]]?, ofTables ids: [String]) -> [String: Set<String>]? {
        guard let marks else { return nil }
        var result: [String: Set<String>] = [:]
        for id in Set(ids) { if let names = marks[id], !names.isEmpty { result[id] = Set(names.map { $0.lowercased() }) } }
        return result
    }

    /// The tables among the resources.
    public var tables: [CatalogResource] { resources.filter { $0.type == "table" } }

    /// Reads a snapshot; a missing or broken file is a `CatalogError` that says how to make one.
    public static func load(from url: URL) throws -> CatalogSnapshot {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw CatalogError(.snapshot, "no catalog snapshot at \(url.path); run `contract-gate catalog pull` to write one")
        }
        let snapshot: CatalogSnapshot
        do { snapshot = try JSONDecoder().decode(CatalogSnapshot.self, from: data) } catch {
            throw CatalogError(.snapshot, "the catalog snapshot \(url.path) is unreadable (\(SecodaClient.summary(of: error))); "
                + "run `contract-gate catalog pull` to write a fresh one")
        }
        guard snapshot.version == 1 else {
            throw CatalogError(.snapshot, "the catalog snapshot \(url.path) has format version \(snapshot.version); "
                + "this contract-gate reads version 1; run `contract-gate catalog pull` again")
        }
        return snapshot
    }

    /// Writes the snapshot atomically: a temporary file beside the target, then a rename, so a
    /// reader never sees half a file. Creates the folder when needed.
    public func write(to url: URL) throws {
        let data: Data
        // `JSONEncoder`'s bytes with these options (sorted keys, pretty, unescaped slashes), written
        // directly: encoding took an eighth of a 50,000-model pull's CPU through `JSONEncoder`.
        do { data = try PrettyJSONEncoder().encode(self) } catch {
            throw CatalogError(.snapshot, "cannot encode the catalog snapshot: \(error)")
        }
        let folder = url.deletingLastPathComponent()
        // The pid lets a later pull tell a file of a killed pull from one still being written.
        let temporary = folder.appendingPathComponent(
            ".\(url.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).\(UUID().uuidString).tmp")
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try data.write(to: temporary)
            guard rename(temporary.path, url.path) == 0 else {
                throw CatalogError(.snapshot, "cannot move the new snapshot into place at \(url.path) (errno \(errno))")
            }
        } catch let error as CatalogError {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw CatalogError(.snapshot, "cannot write the catalog snapshot to \(url.path): \(error.localizedDescription)")
        }
    }

    /// Pulls a snapshot from Secoda: all tables (within `integrationId` when given), all
    /// dashboards and charts, all lineage, then the metadata of any other resource lineage
    /// names, and the names of the tables' columns marked PII.
    ///
    /// `resource/catalog` returns at most `catalogResultCap` resources per query (10,000 on
    /// Secoda); a table listing that reaches the cap may be cut, so it is split into queries
    /// under the cap (`SecodaCatalogSource.completeListing`), and the pull fails rather than
    /// writing a snapshot that silently misses tables when it cannot be. Dashboards and charts
    /// past the cap are read through lineage instead (those no lineage reaches do not matter to
    /// the gate).
    public static func pull(from client: SecodaClient, integrationId: String? = nil, now: Date = Date(),
                            catalogResultCap: Int = 10_000) async throws -> CatalogSnapshot {
        var tableFilter = [CatalogFilter.exact("type", .string("table"))]
        if let integrationId { tableFilter.append(CatalogFilter.exact("integration_id", .string(integrationId))) }
        let source = SecodaCatalogSource(client: client)
        // Tables must be complete (changed models are resolved among them by title): a listing
        // past the per-query cap is split until every part fits.
        async let tables = source.completeListing(matching: CatalogFilter.and(tableFilter), resultCap: catalogResultCap)
        // Dashboards and charts only matter where lineage reaches them, and every resource lineage
        // names is read by id below, so a cut listing of those is dropped rather than trusted or fatal.
        async let listed = client.concurrently([CatalogFilter.exact("type", .string("dashboard")),
                                                CatalogFilter.exact("type", .string("chart"))]) { filter in
            try await client.list("resource/catalog/", query: [("filter", CatalogFilter.encode(filter))],
                                  as: CatalogResource.self)
        }
        // Lineage is listed whole; a big workspace has many pages, so the page cap is lifted here.
        async let rows = client.list("lineage/manual/", as: LineageRow.self, maxPages: 100_000)

        guard let tableList = try await tables else {
            throw CatalogError(.invalidResponse, "Secoda returned \(catalogResultCap) tables, its per-query limit, so the listing "
                + "may be cut, and splitting it by title did not bring every part under the limit; set "
                + "catalog.secoda.integration_id to pull one warehouse integration at a time")
        }
        let others = try await listed.filter { $0.count < catalogResultCap }
        async let marks = source.piiColumns(ofTables: tableList.map(\.id))
        var byId: [String: CatalogResource] = [:]
        for resource in ([tableList] + others).joined() { byId[resource.id] = resource }
        var edges = Set<SnapshotEdge>()
        for row in try await rows where row.direction == "DOWNSTREAM" {
            edges.insert(SnapshotEdge(from: row.from, to: row.to))
        }
        let unknown = Set(edges.flatMap { [$0.from, $0.to] }).subtracting(byId.keys)
        if !unknown.isEmpty {
            let found = try await source.resources(ids: Array(unknown))
            byId.merge(found) { current, _ in current }
        }
        // Same courtesy as the walker: a key that cannot list users still gets a snapshot.
        let people = (try? await source.people()) ?? CatalogPeople()
        // A refused column query (its shape is inferred) leaves the marks unknown, not the pull failed.
        let piiColumns: [String: Set<String>]?
        do { piiColumns = try await marks } catch let error as CatalogError where error.kind == .rejected { piiColumns = nil }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return CatalogSnapshot(
            takenAt: formatter.string(from: now),
            baseURL: client.baseURL.absoluteString,
            integrationId: integrationId,
            resources: byId.values.sorted { $0.id < $1.id },
            lineage: edges.sorted { ($0.from, $0.to) < ($1.from, $1.to) },
            users: people.users.sorted { $0.id < $1.id },
            groups: people.groups.sorted { $0.id < $1.id },
            teams: people.teams.sorted { $0.id < $1.id },
            piiColumns: piiColumns?.mapValues { $0.sorted() })
    }
}

/// A data-flow edge in a snapshot: data flows from `from` to `to`.
public struct SnapshotEdge: Sendable, Hashable, Codable {
    public var from: String
    public var to: String

    public init(from: String, to: String) {
        self.from = from
        self.to = to
    }

    enum CodingKeys: String, CodingKey {
        case from = "from_entity"
        case to = "to_entity"
    }
}
