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
        let filter = CatalogFilter.encode(CatalogFilter.in("id", ids.map(JSONValue.string)))
        return try await client.list("resource/catalog/", query: [("filter", filter)], as: CatalogResource.self, onPage: onPage)
    }

    public func readAhead(below roots: [String], maxDepth: Int, maxNodes: Int) async throws -> any CatalogSource {
        roots.isEmpty ? self : try await LineageReadAhead(source: self, maxDepth: maxDepth, nodeCap: maxNodes).read(below: roots)
    }

    public func piiColumns(ofTables ids: [String]) async throws -> [String: Set<String>]? {
        let unique = Array(Set(ids)).sorted()
        try SecodaCatalogSource.checkIds(unique)
        var result: [String: Set<String>] = [:]
        // As many tables per query as ids elsewhere (100): a query that reaches the result cap is split.
        let lists = try await client.concurrently(unique.chunked(client.options.idsPerRequest)) { chunk in
            try await columnMarks(ofTables: chunk)
        }
        for (table, mark) in lists.joined() where mark.pii {
            if let title = mark.title { result[table, default: []].insert(title.lowercased()) }
        }
        return result
    }

    /// The columns of `tables` with the table each belongs to, from one query
    /// (`type exact column`, `parent_id in tables`). A query that reaches `resultCap` (Secoda's
    /// per-query limit, so it may be cut) or names a column without its table is asked again
    /// for each half; a single table's columns belong to it.
    func columnMarks(ofTables tables: [String], resultCap: Int = 10_000) async throws -> [(table: String, mark: ColumnMark)] {
        let filter = CatalogFilter.and([CatalogFilter.exact("type", .string("column")),
                                        CatalogFilter.in("parent_id", tables.map(JSONValue.string))])
        let marks = try await client.list("resource/catalog/", query: [("filter", CatalogFilter.encode(filter))], as: ColumnMark.self)
        if tables.count == 1 {
            guard marks.count < resultCap else {
                throw CatalogError(.invalidResponse, "Secoda returned \(marks.count) columns for table \(tables[0]), its per-query "
                    + "limit, so the listing may be cut; its PII marks cannot be read completely")
            }
            return marks.map { (tables[0], $0) }
        }
        guard marks.count >= resultCap || marks.contains(where: { $0.table == nil }) else {
            let asked = Set(tables)
            return marks.compactMap { mark in mark.table.flatMap { asked.contains($0) ? ($0, mark) : nil } }
        }
        let half = tables.count / 2
        async let first = columnMarks(ofTables: Array(tables[..<half]), resultCap: resultCap)
        async let second = columnMarks(ofTables: Array(tables[half...]), resultCap: resultCap)
        return try await first + second
    }

    /// Characters a listing is split on when one query reaches Secoda's result cap, in order:
    /// common in warehouse table names (dbt's `stg_`/`fct_` prefixes, words, numbered suffixes),
    /// so a split rarely leaves everything on one side.
    static let titleSplitters: [String] = ["_", "e", "a", "1", "s", "2", "t", "o", "3", "i", "r", "4", "n",
                                           "5", "c", "6", "d", "7", "l", "8", "u", "9", "m", "0", "p"]

    /// Every resource `filter` matches, past Secoda's per-query result cap (`resultCap`): a query
    /// that reaches the cap (so it may be cut; its first page says so) is asked again as two queries
    /// that between them match the same resources, each once — titles that contain a character
    /// and titles that do not (`contains` and `not` are documented operators) — a character at a
    /// time, until every part is under the cap. Nil when the characters run out first.
    ///
    /// Why: `catalog pull` needs every table (changed models are resolved among them), and one
    /// warehouse integration can hold more than 10,000; the grammar has no ranges to page by.
    ///
    /// Bounded: at most `splitters.count` levels, and `maxSplitQueries` queries in all across the
    /// split (shared by the recursion), so a server cannot make it grow without end. A server that
    /// ignores the title filter (both halves still count the whole) is detected at the first split
    /// and stopped with an error, instead of being split 25 levels deep. Only the first page of a
    /// part at the cap is kept, so memory holds the parts that fit and nothing else.
    func completeListing(matching filter: JSONValue, resultCap: Int, maxSplitQueries: Int = 2_000) async throws -> [CatalogResource]? {
        let budget = SplitBudget(limit: maxSplitQueries)
        return try await completeListing(matching: filter, resultCap: resultCap, splitters: Self.titleSplitters[...],
                                         budget: budget, first: nil)
    }

    /// The first page of a listing (all of it when it is under the cap) and the count it states.
    private struct ListingStart: Sendable {
        var items: [CatalogResource]
        var complete: Bool
        var count: Int?
    }

    private func start(_ filter: JSONValue, resultCap: Int) async throws -> ListingStart {
        let stated = StatedCount()
        let listing = try await client.listPrefix("resource/catalog/", query: [("filter", CatalogFilter.encode(filter))],
                                                  as: CatalogResource.self, stopAfterFirstPage: { count in
            stated.value = count
            return (count ?? 0) >= resultCap
        })
        return ListingStart(items: listing.items, complete: listing.complete, count: stated.value)
    }

    private func completeListing(matching filter: JSONValue, resultCap: Int, splitters: ArraySlice<String>,
                                 budget: SplitBudget, first: ListingStart?) async throws -> [CatalogResource]? {
        // A first page stating the cap ends the listing: the rest would be split anyway.
        let listing: ListingStart
        if let first { listing = first } else { listing = try await start(filter, resultCap: resultCap) }
        if listing.complete, listing.items.count < resultCap { return listing.items }
        guard let splitter = splitters.first else { return nil }
        try await budget.spend(2)
        let contains = CatalogFilter.contains("title", splitter)
        let withFilter = CatalogFilter.and([filter, contains])
        let withoutFilter = CatalogFilter.and([filter, CatalogFilter.not(contains)])
        do {
            async let withStart = start(withFilter, resultCap: resultCap)
            async let withoutStart = start(withoutFilter, resultCap: resultCap)
            let (withFirst, withoutFirst) = try await (withStart, withoutStart)
            // Between them the halves hold each resource once: a resource in both, or two halves
            // that each still count the whole listing, mean the server did not apply the filter.
            let withIds = Set(withFirst.items.map(\.id))
            let overlap = withoutFirst.items.contains { withIds.contains($0.id) }
            let whole = listing.count ?? listing.items.count
            let a = withFirst.count ?? withFirst.items.count, b = withoutFirst.count ?? withoutFirst.items.count
            if overlap || (whole > 0 && a >= whole && b >= whole) {
                throw CatalogError(.invalidResponse, "Secoda ignored the title filter that splits a listing past its "
                    + "\(resultCap)-result limit (both halves of a \(whole)-result listing returned \(a) and \(b)), so the "
                    + "listing cannot be read completely; set catalog.secoda.integration_id to pull one warehouse "
                    + "integration at a time")
            }
            async let with = completeListing(matching: withFilter, resultCap: resultCap, splitters: splitters.dropFirst(),
                                             budget: budget, first: withFirst)
            async let without = completeListing(matching: withoutFilter, resultCap: resultCap, splitters: splitters.dropFirst(),
                                                budget: budget, first: withoutFirst)
            guard let with = try await with, let without = try await without else { return nil }
            var seen = Set<String>()
            return (with + without).filter { seen.insert($0.id).inserted }
        } catch let error as CatalogError where error.kind == .rejected {
            // A Secoda that refuses the split (its operators are documented, their use on `title`
            // is not confirmed) leaves the listing as cut as it was: the caller says what to do.
            return nil
        }
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

/// The queries a title split may still send, shared by every branch of it.
actor SplitBudget {
    private let limit: Int
    private var spent = 0

    init(limit: Int) { self.limit = limit }

    func spend(_ queries: Int) throws {
        spent += queries
        guard spent <= limit else {
            throw CatalogError(.invalidResponse, "splitting the table listing past Secoda's per-query limit took more than "
                + "\(limit) queries without every part fitting; set catalog.secoda.integration_id to pull one warehouse "
                + "integration at a time")
        }
    }
}

/// The listing count a first page states, handed out of the `stopAfterFirstPage` callback.
private final class StatedCount: @unchecked Sendable {
    // Written once by the callback, read after the listing returns: never at the same time.
    var value: Int?
}
