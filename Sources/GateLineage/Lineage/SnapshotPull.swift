import Foundation
import GateModel

/// The pull itself: which listings, in which order, and how their results combine. Shared by
/// the in-memory pull (`CatalogSnapshot.pull(from:)`) and the streaming one that `catalog pull`
/// uses, so the two differ only in where resources are kept and how the file is written.
struct SnapshotPull: Sendable {
    let client: SecodaClient
    let store: any PulledResourceStore

    func run(integrationId: String?, now: Date, catalogResultCap: Int) async throws -> PulledCatalog {
        var tableFilter = [CatalogFilter.exact("type", .string("table"))]
        if let integrationId { tableFilter.append(CatalogFilter.exact("integration_id", .string(integrationId))) }
        let source = SecodaCatalogSource(client: client)
        let store = store
        let client = client
        // Tables must be complete (changed models are resolved among them by title): a listing
        // past the per-query cap is split until every part fits.
        async let tables = source.completeListing(matching: CatalogFilter.and(tableFilter), resultCap: catalogResultCap, into: store)
        // Dashboards and charts only matter where lineage reaches them, and every resource lineage
        // names is read by id below, so a cut listing of those is dropped rather than trusted or fatal.
        async let listed = client.concurrently([CatalogFilter.exact("type", .string("dashboard")),
                                                CatalogFilter.exact("type", .string("chart"))]) { filter in
            try await store.keepListing(of: client, query: [("filter", CatalogFilter.encode(filter))]).entries
        }
        // Lineage is listed whole; a big workspace has many pages, so the page cap is lifted here.
        // Rows are reduced to downstream edges page by page: no page outlives its reading.
        let edges = EdgeCollector()
        async let lineageRead = client.pages("lineage/manual/", query: [], as: LineageRow.self, maxPages: 100_000,
                                             pastCap: .fail) { _, rows, _ in edges.add(rows) }

        guard let tableList = try await tables else {
            throw CatalogError(.invalidResponse, "Secoda returned \(catalogResultCap) tables, its per-query limit, so the listing "
                + "may be cut, and splitting it by title did not bring every part under the limit; set "
                + "catalog.secoda.integration_id to pull one warehouse integration at a time")
        }
        let others = try await listed.filter { $0.count < catalogResultCap }
        async let marks = source.piiColumns(ofTables: tableList.map(\.id))
        var byId: [String: PulledResource] = [:]
        for resource in ([tableList] + others).joined() { byId[resource.id] = resource }
        _ = try await lineageRead
        let edgeSet = edges.all
        let unknown = Set(edgeSet.flatMap { [$0.from, $0.to] }).subtracting(byId.keys)
        if !unknown.isEmpty {
            let found = try await resources(ids: Array(unknown), source: source)
            byId.merge(found) { current, _ in current }
        }
        // Same courtesy as the walker: a key that cannot list users still gets a snapshot.
        let people = (try? await source.people()) ?? CatalogPeople()
        // A refused column query (its shape is inferred) leaves the marks unknown, not the pull failed.
        let piiColumns: [String: Set<String>]?
        do { piiColumns = try await marks } catch let error as CatalogError where error.kind == .rejected { piiColumns = nil }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return PulledCatalog(
            resources: byId.values.sorted { $0.id < $1.id },
            lineage: edgeSet.sorted { ($0.from, $0.to) < ($1.from, $1.to) },
            people: CatalogPeople(users: people.users.sorted { $0.id < $1.id }, groups: people.groups.sorted { $0.id < $1.id },
                                  teams: people.teams.sorted { $0.id < $1.id }),
            piiColumns: piiColumns?.mapValues { $0.sorted() },
            takenAt: formatter.string(from: now),
            baseURL: client.baseURL.absoluteString,
            integrationId: integrationId)
    }

    /// `SecodaCatalogSource.resources(ids:)`, with each page handed to the store as it is read.
    private func resources(ids: [String], source: SecodaCatalogSource) async throws -> [String: PulledResource] {
        let unique = Array(Set(ids)).sorted()
        try SecodaCatalogSource.checkIds(unique)
        let store = store
        let client = client
        let batchSize = min(client.options.idsPerRequest, client.options.pageSize)
        let batches = try await client.concurrently(unique.chunked(batchSize)) { chunk in
            try await store.keepListing(of: client, query: [("filter", SecodaCatalogSource.idFilter(chunk))]).entries
        }
        let asked = Set(unique)
        var result: [String: PulledResource] = [:]
        for resource in batches.joined() where asked.contains(resource.id) { result[resource.id] = resource }
        return result
    }
}

/// The downstream edges of the lineage pages read so far (pages arrive concurrently).
private final class EdgeCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var edges = Set<SnapshotEdge>()

    func add(_ rows: [LineageRow]) {
        lock.lock()
        defer { lock.unlock() }
        for row in rows where row.direction == "DOWNSTREAM" { edges.insert(SnapshotEdge(from: row.from, to: row.to)) }
    }

    var all: Set<SnapshotEdge> {
        lock.lock()
        defer { lock.unlock() }
        return edges
    }
}

extension SecodaCatalogSource {
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
    /// and stopped with an error, instead of being split 25 levels deep.
    func completeListing(matching filter: JSONValue, resultCap: Int, maxSplitQueries: Int = 2_000) async throws -> [CatalogResource]? {
        let store = MemoryResourceStore()
        return try await completeListing(matching: filter, resultCap: resultCap, maxSplitQueries: maxSplitQueries, into: store)
            .map(store.resources)
    }

    /// `completeListing(matching:resultCap:maxSplitQueries:)` with every page handed to `store` as
    /// it is read: what comes back is where each resource went, in listing order. A part that
    /// turns out to be at the cap is split and its first page's entries dropped (the store keeps
    /// them as unreferenced bytes).
    func completeListing(matching filter: JSONValue, resultCap: Int, maxSplitQueries: Int = 2_000,
                         into store: any PulledResourceStore) async throws -> [PulledResource]? {
        let budget = SplitBudget(limit: maxSplitQueries)
        return try await completeListing(matching: filter, resultCap: resultCap, splitters: Self.titleSplitters[...],
                                         budget: budget, store: store, first: nil)
    }

    /// The first page of a listing (all of it when it is under the cap) and the count it states.
    private struct ListingStart: Sendable {
        var entries: [PulledResource]
        var complete: Bool
        var count: Int?
    }

    private func start(_ filter: JSONValue, resultCap: Int, store: any PulledResourceStore) async throws -> ListingStart {
        let stated = StatedCount()
        let listing = try await store.keepListing(of: client, query: [("filter", CatalogFilter.encode(filter))], pastCap: .stop,
                                                  stopAfterFirstPage: { count in
            stated.value = count
            return (count ?? 0) >= resultCap
        })
        return ListingStart(entries: listing.entries, complete: listing.complete, count: stated.value)
    }

    private func completeListing(matching filter: JSONValue, resultCap: Int, splitters: ArraySlice<String>,
                                 budget: SplitBudget, store: any PulledResourceStore,
                                 first: ListingStart?) async throws -> [PulledResource]? {
        // A first page stating the cap ends the listing: the rest would be split anyway.
        let listing: ListingStart
        if let first { listing = first } else { listing = try await start(filter, resultCap: resultCap, store: store) }
        if listing.complete, listing.entries.count < resultCap { return listing.entries }
        guard let splitter = splitters.first else { return nil }
        try await budget.spend(2)
        let contains = CatalogFilter.contains("title", splitter)
        let withFilter = CatalogFilter.and([filter, contains])
        let withoutFilter = CatalogFilter.and([filter, CatalogFilter.not(contains)])
        do {
            async let withStart = start(withFilter, resultCap: resultCap, store: store)
            async let withoutStart = start(withoutFilter, resultCap: resultCap, store: store)
            let (withFirst, withoutFirst) = try await (withStart, withoutStart)
            // Between them the halves hold each resource once: a resource in both, or two halves
            // that each still count the whole listing, mean the server did not apply the filter.
            // A count at the cap says only "the cap or more" (the emulator, like Secoda may, states
            // the capped count): two halves both still past the cap are a split to go on with.
            let withIds = Set(withFirst.entries.map(\.id))
            let overlap = withoutFirst.entries.contains { withIds.contains($0.id) }
            let whole = listing.count ?? listing.entries.count
            let a = withFirst.count ?? withFirst.entries.count, b = withoutFirst.count ?? withoutFirst.entries.count
            if overlap || (whole > resultCap && a >= whole && b >= whole) {
                throw CatalogError(.invalidResponse, "Secoda ignored the title filter that splits a listing past its "
                    + "\(resultCap)-result limit (both halves of a \(whole)-result listing returned \(a) and \(b)), so the "
                    + "listing cannot be read completely; set catalog.secoda.integration_id to pull one warehouse "
                    + "integration at a time")
            }
            async let with = completeListing(matching: withFilter, resultCap: resultCap, splitters: splitters.dropFirst(),
                                             budget: budget, store: store, first: withFirst)
            async let without = completeListing(matching: withoutFilter, resultCap: resultCap, splitters: splitters.dropFirst(),
                                                budget: budget, store: store, first: withoutFirst)
            guard let with = try await with, let without = try await without else { return nil }
            var seen = Set<String>()
            return (with + without).filter { seen.insert($0.id).inserted }
        } catch let error as CatalogError where error.kind == .rejected {
            // A Secoda that refuses the split (its operators are documented, their use on `title`
            // is not confirmed) leaves the listing as cut as it was: the caller says what to do.
            return nil
        }
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

extension CatalogSnapshot {
    /// Pulls a snapshot from Secoda into memory: all tables (within `integrationId` when given),
    /// all dashboards and charts, all lineage, then the metadata of any other resource lineage
    /// names, and the names of the tables' columns marked PII.
    ///
    /// `resource/catalog` returns at most `catalogResultCap` resources per query (10,000 on
    /// Secoda); a table listing that reaches the cap may be cut, so it is split into queries
    /// under the cap (`SecodaCatalogSource.completeListing`), and the pull fails rather than
    /// writing a snapshot that silently misses tables when it cannot be. Dashboards and charts
    /// past the cap are read through lineage instead (those no lineage reaches do not matter to
    /// the gate).
    ///
    /// `catalog pull` uses `pull(from:integrationId:now:catalogResultCap:writingTo:statistics:)`,
    /// which reads the same and writes the same bytes without holding the resources.
    public static func pull(from client: SecodaClient, integrationId: String? = nil, now: Date = Date(),
                            catalogResultCap: Int = 10_000) async throws -> CatalogSnapshot {
        let store = MemoryResourceStore()
        let pulled = try await SnapshotPull(client: client, store: store)
            .run(integrationId: integrationId, now: now, catalogResultCap: catalogResultCap)
        return pulled.skeleton(resources: store.resources(pulled.resources), lineage: pulled.lineage)
    }

    /// Pulls as `pull(from:integrationId:now:catalogResultCap:)` and writes the snapshot to `url`
    /// as `write(to:)` would, byte for byte, with memory that does not grow with the resources:
    /// each page is encoded and spilled to a temporary file beside `url` as it is read, and the
    /// file is assembled from the spill in id order, then renamed into place (a killed pull
    /// leaves the old snapshot; its temporary files are removed by the next pull).
    /// `statistics`, when given, counts what was held at once (tests, benchmarks).
    public static func pull(from client: SecodaClient, integrationId: String? = nil, now: Date = Date(),
                            catalogResultCap: Int = 10_000, writingTo url: URL,
                            statistics: PullStatistics? = nil) async throws -> PullSummary {
        let store = try SpillingResourceStore(beside: url, statistics: statistics)
        let pulled = try await SnapshotPull(client: client, store: store)
            .run(integrationId: integrationId, now: now, catalogResultCap: catalogResultCap)
        try SnapshotFileWriter.write(pulled, resourceBytes: { try store.bytes(of: $0.slot) }, to: url)
        return pulled.summary
    }
}
