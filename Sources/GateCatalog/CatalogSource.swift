import Foundation
import GateModel

/// What the resolver and the lineage walker need from a catalog. Two implementations: live
/// Secoda over HTTP, and an offline snapshot in memory; both answer the same questions the
/// same way, so online and offline impact agree.
public protocol CatalogSource: Sendable {
    /// Tables whose title is exactly one of `titles` (optionally only in one integration).
    func tables(titled titles: [String], integrationId: String?) async throws -> [CatalogResource]
    /// Direct downstream ids of each id (data flows id → child), from `DOWNSTREAM` lineage rows.
    func downstream(of ids: [String]) async throws -> DownstreamLinks
    /// Metadata of the resources with these ids; unknown ids are absent from the result.
    func resources(ids: [String]) async throws -> [String: CatalogResource]
    /// The workspace's users and groups, to put names on owner ids.
    func people() async throws -> CatalogPeople
    /// Lower-cased names of the columns marked `pii` in the catalog, by table id, for the tables
    /// `ids` (tables without any are absent); nil when this source does not know columns' marks
    /// (a snapshot pulled before `catalog pull` copied them).
    func piiColumns(ofTables ids: [String]) async throws -> [String: Set<String>]?
    /// This catalog with the lineage below `roots` (and its resources) read ahead of a walk of
    /// `maxDepth` levels, up to `maxNodes` nodes; it answers the same as `self`. Sources that
    /// answer from memory return themselves.
    func readAhead(below roots: [String], maxDepth: Int, maxNodes: Int) async throws -> any CatalogSource
}

extension CatalogSource {
    public func readAhead(below roots: [String], maxDepth: Int, maxNodes: Int) async throws -> any CatalogSource { self }
}

/// What `CatalogSource.downstream(of:)` answers.
public struct DownstreamLinks: Sendable, Equatable {
    /// Direct downstream ids by id, sorted; ids without downstream lineage may be absent.
    public var children: [String: [String]]
    /// Ids whose lineage listing had more pages than the client's page cap: their children are
    /// only those on the pages read, so a walk through them is incomplete and must say so.
    /// (A node with 100,000 consumers cuts the walk, like the node budget, instead of failing it.)
    public var partial: Set<String>

    public init(children: [String: [String]] = [:], partial: Set<String> = []) {
        self.children = children
        self.partial = partial
    }
}

/// Names for owner ids: users, groups and teams of the workspace.
public struct CatalogPeople: Sendable, Equatable, Codable {
    public var users: [CatalogPerson]
    public var groups: [CatalogPerson]
    /// Teams (`auth/teams/`): the owner of last resort for a resource nobody owns by name.
    public var teams: [CatalogPerson]

    public init(users: [CatalogPerson] = [], groups: [CatalogPerson] = [], teams: [CatalogPerson] = []) {
        self.users = users
        self.groups = groups
        self.teams = teams
    }

    enum CodingKeys: String, CodingKey { case users, groups, teams }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        users = try c.decodeIfPresent([CatalogPerson].self, forKey: .users) ?? []
        groups = try c.decodeIfPresent([CatalogPerson].self, forKey: .groups) ?? []
        teams = try c.decodeIfPresent([CatalogPerson].self, forKey: .teams) ?? []
    }

    /// `owner` with its name and email filled in, and a group's members listed by email.
    ///
    /// An id the directory does not know (a deleted user, a typo in a seed, a group removed
    /// since) is named "unknown user <short id>" rather than shown as a bare UUID; a deactivated
    /// user keeps their name with "(deactivated)". dbt owners pass through as they are.
    /// For many owners, build an `OwnerDirectory` once instead.
    public func named(_ owner: Owner) -> Owner { OwnerDirectory(self).named(owner) }

    /// Whether `owner` is the workspace's default team: every resource lands there, so it names nobody.
    public func isDefaultTeam(_ owner: Owner) -> Bool { OwnerDirectory(self).isDefaultTeam(owner) }

    /// "unknown user 3131f219": the first block of the id is enough to look it up in Secoda.
    public static func unknownLabel(kind: String, id: String) -> String {
        "unknown \(kind) \(shortId(id))"
    }

    /// The first block of a UUID (`3131f219`); any other id up to 12 characters.
    public static func shortId(_ id: String) -> String {
        let blocks = id.split(separator: "-", omittingEmptySubsequences: false)
        if blocks.count == 5, blocks[0].count == 8, blocks[0].allSatisfy(\.isHexDigit) { return String(blocks[0]) }
        return String(id.prefix(12))
    }
}

/// `CatalogPeople` indexed by id, to name thousands of owners without a linear search each.
public struct OwnerDirectory: Sendable {
    private let users: [String: CatalogPerson]
    private let groups: [String: CatalogPerson]
    private let teams: [String: CatalogPerson]

    public init(_ people: CatalogPeople) {
        // A directory listing the same id twice keeps the first entry rather than trapping.
        users = Dictionary(people.users.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        groups = Dictionary(people.groups.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        teams = Dictionary(people.teams.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// See `CatalogPeople.named(_:)`.
    public func named(_ owner: Owner) -> Owner {
        let list: [String: CatalogPerson]
        switch owner.kind {
        case "user": list = users
        case "group": list = groups
        case "team": list = teams
        default: return owner
        }
        var named = owner
        guard let person = list[owner.id] else {
            named.name = CatalogPeople.unknownLabel(kind: owner.kind, id: owner.id)
            return named
        }
        named.name = person.name ?? person.email ?? named.name ?? CatalogPeople.unknownLabel(kind: owner.kind, id: owner.id)
        named.email = person.email ?? named.email
        if person.disabled { named.name = (named.name ?? "") + " (deactivated)" }
        if owner.kind == "group" {
            named.members = person.members.map { memberId in
                guard let member = users[memberId] else { return CatalogPeople.unknownLabel(kind: "user", id: memberId) }
                return member.email ?? member.name ?? CatalogPeople.unknownLabel(kind: "user", id: memberId)
            }
        }
        return named
    }

    /// See `CatalogPeople.isDefaultTeam(_:)`.
    public func isDefaultTeam(_ owner: Owner) -> Bool {
        owner.kind == "team" && teams[owner.id]?.isDefaultTeam == true
    }
}

/// A user, group or team as the snapshot keeps it (Secoda's own keys, so a snapshot seeds the emulator).
public struct CatalogPerson: Sendable, Equatable, Codable {
    public var id: String
    /// A group's or team's name, or a user's first and last name.
    public var name: String?
    public var email: String?
    /// A group's member user ids (Secoda's `users`).
    public var members: [String]
    /// A deactivated user (Secoda's `disabled`).
    public var disabled: Bool
    /// The workspace's default team (Secoda's `is_default_team`).
    public var isDefaultTeam: Bool

    public init(id: String, name: String? = nil, email: String? = nil, members: [String] = [], disabled: Bool = false,
                isDefaultTeam: Bool = false) {
        self.id = id
        self.name = name
        self.email = email
        self.members = members
        self.disabled = disabled
        self.isDefaultTeam = isDefaultTeam
    }

    enum CodingKeys: String, CodingKey {
        case id, name, email, disabled
        case firstName = "first_name", lastName = "last_name", members = "users", isDefaultTeam = "is_default_team"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        guard let id = c.lenientString(.id), SecodaID.isValid(id) else {
            throw DecodingError.dataCorrupted(.init(codingPath: c.codingPath, debugDescription: "a user or group without a valid id"))
        }
        self.id = id
        let full = [c.lenientString(.firstName), c.lenientString(.lastName)].compactMap { $0 }.filter { !$0.isEmpty }
        name = c.lenientString(.name) ?? (full.isEmpty ? nil : full.joined(separator: " "))
        email = c.lenientString(.email)
        members = c.lenientStrings(.members)
        disabled = c.lenientBool(.disabled) ?? false
        isDefaultTeam = c.lenientBool(.isDefaultTeam) ?? false
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encodeIfPresent(name, forKey: .name)
        try c.encodeIfPresent(email, forKey: .email)
        if !members.isEmpty { try c.encode(members, forKey: .members) }
        if disabled { try c.encode(true, forKey: .disabled) }
        if isDefaultTeam { try c.encode(true, forKey: .isDefaultTeam) }
    }
}

/// The live catalog: batched `resource/catalog` and `lineage/manual/` queries.
public struct SecodaCatalogSource: CatalogSource {
    public let client: SecodaClient

    /// Reads through `client`, whose limits (ids per request, concurrency) shape the batches.
    public init(client: SecodaClient) { self.client = client }

    public func tables(titled titles: [String], integrationId: String?) async throws -> [CatalogResource] {
        let unique = Array(Set(titles)).sorted()
        let batches = try await client.concurrently(unique.chunked(client.options.idsPerRequest)) { chunk in
            var operands: [JSONValue] = [
                CatalogFilter.exact("type", .string("table")),
                CatalogFilter.in("title", chunk.map(JSONValue.string)),
            ]
            if let integrationId { operands.append(CatalogFilter.exact("integration_id", .string(integrationId))) }
            return try await client.list("resource/catalog/", query: [("filter", CatalogFilter.encode(CatalogFilter.and(operands)))],
                                         as: CatalogResource.self)
        }
        return batches.flatMap { $0 }
    }

    public func downstream(of ids: [String]) async throws -> DownstreamLinks {
        let unique = Array(Set(ids)).sorted()
        try SecodaCatalogSource.checkIds(unique)
        let batches = try await client.concurrently(unique.chunked(client.options.idsPerRequest)) { chunk in
            let listing = try await lineagePrefix(from: chunk)
            if listing.complete || chunk.count == 1 { return [(ids: chunk, listing: listing)] }
            return try await alone(chunk)
        }
        let asked = Set(unique)
        var result = DownstreamLinks()
        var children: [String: Set<String>] = [:]
        for batch in batches.joined() {
            if !batch.listing.complete { result.partial.formUnion(batch.ids) }
            for row in batch.listing.items where row.direction == "DOWNSTREAM" && asked.contains(row.from) {
                children[row.from, default: []].insert(row.to)
            }
        }
        result.children = children.mapValues { $0.sorted() }
        return result
    }

    /// The lineage of each of `ids` asked alone, after their batch ran past the page cap: one
    /// wide node cuts its whole batch, so each id is asked alone and only the wide ones are cut.
    /// The cap is shared rather than granted to each id (100 wide ids × 250 pages would be 25,000
    /// requests): every id gets its share of the cap's pages, which is all a narrow one needs,
    /// then the ids still cut share it again (a single wide id gets all of it).
    private func alone(_ ids: [String]) async throws -> [(ids: [String], listing: (items: [LineageRow], complete: Bool))] {
        let cap = client.options.maxPages
        let share = max(1, cap / ids.count)
        var listings = try await client.concurrently(ids) { id in
            (ids: [id], listing: try await lineagePrefix(from: [id], maxPages: share))
        }
        let cut = listings.indices.filter { !listings[$0].listing.complete }
        let second = cut.isEmpty ? 0 : cap / cut.count
        guard second > share else { return listings }
        let again = try await client.concurrently(cut.map { listings[$0].ids }) { ids in try await lineagePrefix(from: ids, maxPages: second) }
        for (index, listing) in zip(cut, again) { listings[index].listing = listing }
        return listings
    }

    public func resources(ids: [String]) async throws -> [String: CatalogResource] {
        let unique = Array(Set(ids)).sorted()
        try SecodaCatalogSource.checkIds(unique)
        // One resource per id: batches of a page's size come back in one round trip, not two.
        let batchSize = min(client.options.idsPerRequest, client.options.pageSize)
        let batches = try await client.concurrently(unique.chunked(batchSize)) { chunk in
            try await resourceListing(ids: chunk)
        }
        let asked = Set(unique)
        var result: [String: CatalogResource] = [:]
        for resource in batches.joined() where asked.contains(resource.id) { result[resource.id] = resource }
        return result
    }

    /// The lineage rows of `ids` (both directions: `lineage/manual/` has no direction filter),
    /// as one listing of at most `maxPages` pages (more is an error).
    func lineageRows(from ids: [String], maxPages: Int) async throws -> [LineageRow] {
        try await client.list("lineage/manual/", query: [("from_entity__in", ids.joined(separator: ","))],
                              as: LineageRow.self, maxPages: maxPages)
    }

    /// The lineage rows of `ids` as far as the page cap (or `maxPages`) allows, and whether that
    /// was all of them (`SecodaClient.listPrefix`); `onPage` as in `SecodaClient.list`.
    func lineagePrefix(from ids: [String], maxPages: Int? = nil,
                       onPage: (@Sendable ([LineageRow], Int?) -> Void)? = nil) async throws -> (items: [LineageRow], complete: Bool) {
        try await client.listPrefix("lineage/manual/", query: [("from_entity__in", ids.joined(separator: ","))],
                                    as: LineageRow.self, maxPages: maxPages, onPage: onPage)
    }

    /// The resources with these ids, as one `resource/catalog` listing; `onPage` as in `SecodaClient.list`.
    func resourceListing(ids: [String], onPage: (@Sendable ([CatalogResource], Int?) -> Void)? = nil) async throws -> [CatalogResource] {
        try await client.list("resource/catalog/", query: [("filter", Self.idFilter(ids))], as: CatalogResource.self, onPage: onPage)
    }

    /// The `resource/catalog` filter for the resources with these ids.
    static func idFilter(_ ids: [String]) -> String {
        CatalogFilter.encode(CatalogFilter.in("id", ids.map(JSONValue.string)))
    }

    public func readAhead(below roots: [String], maxDepth: Int, maxNodes: Int) async throws -> any CatalogSource {
        roots.isEmpty ? self : try await LineageReadAhead(source: self, maxDepth: maxDepth, nodeCap: maxNodes).read(below: roots)
    }

    public func piiColumns(ofTables ids: [String]) async throws -> [String: Set<String>]? {
        let unique = Array(Set(ids)).sorted()
        try SecodaCatalogSource.checkIds(unique)
        var result: [String: Set<String>] = [:]
        // As many tables per query as ids elsewhere (100): a query that reaches the result cap is split.
        // Only marked columns leave a query: `catalog pull` asks for every column of every table,
        // and holding them all until the last query answered grew with the workspace.
        let lists = try await client.concurrently(unique.chunked(client.options.idsPerRequest)) { chunk in
            try await columnMarks(ofTables: chunk, keeping: { $0.pii })
        }
        for (table, mark) in lists.joined() where mark.pii {
            if let title = mark.title { result[table, default: []].insert(title.lowercased()) }
        }
        return result
    }

    /// The columns of `tables` with the table each belongs to, from one query
    /// (`type exact column`, `parent_id in tables`). A query that reaches `resultCap` (Secoda's
    /// per-query limit, so it may be cut) or names a column without its table is asked again
    /// for each half; a single table's columns belong to it. Only the columns `keep` accepts are
    /// held and returned (each page is reduced as it is read).
    func columnMarks(ofTables tables: [String], resultCap: Int = 10_000,
                     keeping keep: @escaping @Sendable (ColumnMark) -> Bool = { _ in true }) async throws -> [(table: String, mark: ColumnMark)] {
        let filter = CatalogFilter.and([CatalogFilter.exact("type", .string("column")),
                                        CatalogFilter.in("parent_id", tables.map(JSONValue.string))])
        let tally = ColumnTally(keep)
        _ = try await client.pages("resource/catalog/", query: [("filter", CatalogFilter.encode(filter))], as: ColumnMark.self,
                                   maxPages: nil, pastCap: .fail) { number, marks, _ in tally.add(number, marks) }
        let marks = tally.kept
        if tables.count == 1 {
            guard tally.count < resultCap else {
                throw CatalogError(.invalidResponse, "Secoda returned \(tally.count) columns for table \(tables[0]), its per-query "
                    + "limit, so the listing may be cut; its PII marks cannot be read completely")
            }
            return marks.map { (tables[0], $0) }
        }
        guard tally.count >= resultCap || tally.anyWithoutTable else {
            let asked = Set(tables)
            return marks.compactMap { mark in mark.table.flatMap { asked.contains($0) ? ($0, mark) : nil } }
        }
        let half = tables.count / 2
        async let first = columnMarks(ofTables: Array(tables[..<half]), resultCap: resultCap, keeping: keep)
        async let second = columnMarks(ofTables: Array(tables[half...]), resultCap: resultCap, keeping: keep)
        return try await first + second
    }

    public func people() async throws -> CatalogPeople {
        async let users = client.list("user/", as: CatalogPerson.self)
        async let groups = client.list("auth/group/", as: CatalogPerson.self)
        // Teams only name owners of last resort; a key that may not list them still gets people.
        async let teams = try? client.list("auth/teams/", as: CatalogPerson.self)
        return CatalogPeople(users: try await users, groups: try await groups, teams: await teams ?? [])
    }

    static func checkIds(_ ids: [String]) throws {
        if let bad = ids.first(where: { !SecodaID.isValid($0) }) {
            throw CatalogError(.invalidResponse, "refusing to query with a malformed Secoda id \"\(bad.prefix(80))\"")
        }
    }
}

/// The offline catalog: a pulled snapshot, indexed in memory.
public struct SnapshotCatalogSource: CatalogSource {
    public let snapshot: CatalogSnapshot
    private let byId: [String: CatalogResource]
    private let tablesByTitle: [String: [CatalogResource]]
    private let children: [String: [String]]

    /// Indexes `snapshot` for lookups by id, table title and lineage source.
    public init(snapshot: CatalogSnapshot) {
        self.snapshot = snapshot
        var byId: [String: CatalogResource] = [:]
        var tablesByTitle: [String: [CatalogResource]] = [:]
        for resource in snapshot.resources {
            byId[resource.id] = resource
            if resource.type == "table" { tablesByTitle[resource.title, default: []].append(resource) }
        }
        var children: [String: Set<String>] = [:]
        for edge in snapshot.lineage { children[edge.from, default: []].insert(edge.to) }
        self.byId = byId
        self.tablesByTitle = tablesByTitle
        self.children = children.mapValues { $0.sorted() }
    }

    public func tables(titled titles: [String], integrationId: String?) async throws -> [CatalogResource] {
        Set(titles).sorted().flatMap { tablesByTitle[$0] ?? [] }.filter { integrationId == nil || $0.integration == integrationId }
    }

    public func downstream(of ids: [String]) async throws -> DownstreamLinks {
        var result = DownstreamLinks()
        for id in Set(ids) { if let list = children[id] { result.children[id] = list } }
        return result
    }

    public func resources(ids: [String]) async throws -> [String: CatalogResource] {
        var result: [String: CatalogResource] = [:]
        for id in Set(ids) { if let resource = byId[id] { result[id] = resource } }
        return result
    }

    public func people() async throws -> CatalogPeople {
        CatalogPeople(users: snapshot.users, groups: snapshot.groups, teams: snapshot.teams)
    }

    public func piiColumns(ofTables ids: [String]) async throws -> [String: Set<String>]? {
        CatalogSnapshot.piiColumns(snapshot.piiColumns, ofTables: ids)
    }
}

/// Builders for the `resource/catalog` `filter` JSON (SECODA_API.md §3).
enum CatalogFilter {
    static func exact(_ field: String, _ value: JSONValue) -> JSONValue {
        .object(["operator": .string("exact"), "field": .string(field), "value": value])
    }

    static func `in`(_ field: String, _ values: [JSONValue]) -> JSONValue {
        .object(["operator": .string("in"), "field": .string(field), "value": .array(values)])
    }

    static func contains(_ field: String, _ text: String) -> JSONValue {
        .object(["operator": .string("contains"), "field": .string(field), "value": .string(text)])
    }

    static func and(_ operands: [JSONValue]) -> JSONValue {
        .object(["operator": .string("and"), "operands": .array(operands)])
    }

    static func not(_ operand: JSONValue) -> JSONValue {
        .object(["operator": .string("not"), "operands": .array([operand])])
    }

    static func encode(_ filter: JSONValue) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(filter)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}

/// A column listing reduced as its pages arrive: how many columns it had, whether one named no
/// table, and the columns kept, in listing order.
private final class ColumnTally: @unchecked Sendable {
    private let lock = NSLock()
    private let keep: @Sendable (ColumnMark) -> Bool
    private let pages = PageCollector<ColumnMark>()
    private var total = 0
    private var withoutTable = false

    init(_ keep: @escaping @Sendable (ColumnMark) -> Bool) { self.keep = keep }

    func add(_ number: Int, _ marks: [ColumnMark]) {
        pages.add(number, marks.filter(keep))
        lock.lock()
        defer { lock.unlock() }
        total += marks.count
        if marks.contains(where: { $0.table == nil }) { withoutTable = true }
    }

    var count: Int {
        lock.lock()
        defer { lock.unlock() }
        return total
    }

    var anyWithoutTable: Bool {
        lock.lock()
        defer { lock.unlock() }
        return withoutTable
    }

    var kept: [ColumnMark] { pages.inOrder() }
}
