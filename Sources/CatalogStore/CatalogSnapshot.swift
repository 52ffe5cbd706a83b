import Foundation
import SecodaAPI
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
        try CatalogSnapshot.writeAtomically(to: url) { try $0.write(contentsOf: data) }
    }

    /// Runs `fill` on a temporary file beside `url` (its folder created when needed), writes its
    /// index (`SnapshotIndex`) beside it, then renames both into place under a lock on the folder
    /// (so overlapping pulls never leave one pull's index beside another's JSON); on any failure
    /// the temporary files are removed and `url` (and its index) left as they were.
    static func writeAtomically(to url: URL, _ fill: (FileHandle) throws -> Void) throws {
        let folder = url.deletingLastPathComponent()
        // The pid lets a later pull tell a file of a killed pull from one still being written.
        let temporary = folder.appendingPathComponent(
            ".\(url.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).\(UUID().uuidString).tmp")
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            guard FileManager.default.createFile(atPath: temporary.path, contents: nil) else {
                throw CatalogError(.snapshot, "cannot write the catalog snapshot to \(url.path): cannot create a file in "
                    + "\(folder.path)")
            }
            let handle = try FileHandle(forWritingTo: temporary)
            do {
                try fill(handle)
                try handle.close()
            } catch {
                try? handle.close()
                throw error
            }
            let index = try SnapshotIndex.prepareBeside(temporary: temporary, target: url)
            defer { index.discard() }
            // Both renames under a lock on the folder: overlapping pulls leave one pull's pair.
            let folderHandle = open(folder.path, O_RDONLY)
            if folderHandle >= 0 { flock(folderHandle, LOCK_EX) }
            defer {
                if folderHandle >= 0 {
                    flock(folderHandle, LOCK_UN)
                    close(folderHandle)
                }
            }
            try index.moveIntoPlace()
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

    /// What a streaming pull wrote: the counts `catalog pull` reports (GateModel's `SnapshotPullSummary`).
    public typealias PullSummary = SnapshotPullSummary
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
