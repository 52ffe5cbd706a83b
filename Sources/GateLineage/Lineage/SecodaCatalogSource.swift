import Foundation
import GateModel

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
