import Foundation
import GateModel

/// Reads Secoda's lineage below a walk's roots before the walk, as fast as the latency allows:
/// every page of lineage is acted on the moment it arrives (its new downstream ids are asked
/// about, lineage and metadata, while the rest of its listing is still on its way), instead of
/// level by level.
///
/// Why: a level-by-level walk waits, at every level, for the slowest page of the level's
/// listings, and a listing longer than one page costs two round trips (its first page says how
/// many follow). Four levels over 2,000 nodes at 50 ms latency took 10–15 round trips that way
/// (ci/bench/walk-bench). Read ahead, a node is asked about one round trip after the page that
/// named it, and lineage listings are cut to fit one page, so a level costs about one round trip.
///
/// The read-ahead decides only *when* lineage and metadata are read, never what the walk makes
/// of them: `LineageWalker` walks level by level over the result (a `ReadAheadCatalogSource`),
/// which answers what was read and asks Secoda for anything else (a node first reached through
/// the dbt graph, or past the node cap), so the impact is the one a level-by-level walk gives.
struct LineageReadAhead {
    let source: SecodaCatalogSource
    /// Levels the walk asks the catalog about. Lineage is read down to this depth (the walk looks
    /// one step past its last level to tell whether the budget cut anything), metadata to it.
    let maxDepth: Int
    /// Nodes the walk may keep. Once more are found, which ones it keeps depends on the order of
    /// levels and ids, not of arrival, so reading ahead stops there and the walk asks for the rest.
    let nodeCap: Int

    /// Everything read below `roots`, as a source that falls back to Secoda for the rest.
    func read(below roots: [String]) async throws -> ReadAheadCatalogSource {
        try SecodaCatalogSource.checkIds(roots)
        var plan = ReadAheadPlan(maxDepth: maxDepth, nodeCap: nodeCap, options: source.client.options)
        for root in Set(roots).sorted() { plan.reach(root, at: 0) }
        var people: Task<CatalogPeople, any Error>?

        let (events, continuation) = AsyncStream.makeStream(of: ReadAheadEvent.self)
        defer { continuation.finish() }
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                func dispatch() {
                    while let (listing, job) = plan.nextJob() {
                        group.addTask {
                            do {
                                switch job {
                                case .lineage(let ids, let level):
                                    let read = try await source.lineagePrefix(from: ids) { rows, count in
                                        continuation.yield(.lineage(rows, listing: listing, level: level, ids: ids.count, count: count))
                                    }
                                    if !read.complete { continuation.yield(.partial(ids)) }
                                case .metadata(let ids):
                                    _ = try await source.resourceListing(ids: ids) { items, _ in
                                        continuation.yield(.resources(items))
                                    }
                                }
                                continuation.yield(.finished(listing: listing))
                            } catch {
                                continuation.yield(.failed(error))
                            }
                        }
                    }
                }

                dispatch()
                guard plan.running > 0 else { return }
                for await event in events {
                    switch event {
                    case .lineage(let rows, let listing, let level, let ids, let count):
                        plan.read(rows, listing: listing, level: level, ids: ids, count: count)
                    case .resources(let resources):
                        plan.read(resources)
                        // Owner names are asked for once the first owned resource arrives,
                        // alongside the rest, not in a round of their own at the end.
                        if people == nil, resources.contains(where: { !($0.owners.isEmpty && $0.ownerGroups.isEmpty && $0.teams.isEmpty) }) {
                            people = Task { [source] in try await source.people() }
                        }
                    case .partial(let ids):
                        plan.listingCut(ids)
                    case .finished(let listing):
                        plan.listingFinished(listing)
                    case .failed(let error):
                        throw error
                    }
                    dispatch()
                    if plan.running == 0 { return }
                }
                // The stream ends early only when this task is cancelled: what was read is
                // incomplete and must not be answered from.
                throw CancellationError()
            }
        } catch {
            people?.cancel()
            throw error
        }
        return ReadAheadCatalogSource(base: source, children: plan.children.mapValues { $0.sorted() },
                                      lineageRead: plan.lineageSent, partial: plan.partial, resources: plan.found,
                                      metadataRead: plan.metadataSent, people: people)
    }
}

private enum ReadAheadEvent: Sendable {
    /// A page of lineage listing number `listing`, which asked about `ids` ids at `level` and
    /// has `count` rows in all (as the page states).
    case lineage([LineageRow], listing: Int, level: Int, ids: Int, count: Int?)
    case resources([CatalogResource])
    /// The lineage listing of these ids had more pages than the page cap; what was read of it
    /// came as `.lineage` events.
    case partial([String])
    /// Listing number `listing` is complete.
    case finished(listing: Int)
    case failed(any Error)
}

private enum ReadAheadJob: Sendable {
    case lineage([String], level: Int)
    case metadata([String])
}

/// What the read-ahead knows and still has to ask; no I/O, so the policy reads in one place.
///
/// Requests: a listing costs one request per page, and the fewest pages a level can cost is its
/// rows over the page size (`ci/bench/run`'s floor). Two things keep listings near that: a
/// lineage batch is cut where its estimated rows fill one page (each id's known UPSTREAM rows —
/// its parents read so far — plus the DOWNSTREAM rows per id its depth measured, or the depth
/// above's while it has measured none), and a batch that would not fill its page (or a metadata
/// batch that would not fill its page) is held while a shallower lineage listing still runs,
/// since that listing may name more ids for it. Holding costs no round: the held ids are sent
/// the moment the last listing that could add to them finishes, which is when a level-by-level
/// walk would send them anyway, and a full batch never waits.
private struct ReadAheadPlan {
    let maxDepth: Int
    let nodeCap: Int
    let options: SecodaClientOptions

    /// Smallest known distance from a root of every node found.
    var depth: [String: Int] = [:]
    /// DOWNSTREAM children read so far, by parent.
    var children: [String: Set<String>] = [:]
    /// Parents read so far, by child: the UPSTREAM rows its own listing will hold (as many as
    /// are known when it is sent).
    private var parents: [String: Int] = [:]
    var found: [String: CatalogResource] = [:]
    /// Ids whose lineage / metadata listing was sent (all of them read once the plan is done).
    var lineageSent = Set<String>(), metadataSent = Set<String>()
    /// Ids whose lineage listing was cut at the page cap (`DownstreamLinks.partial`).
    var partial = Set<String>()
    /// Ids waiting to be sent, lineage by depth.
    private var lineageQueue: [Int: [String]] = [:], metadataQueue: [String] = []
    private var lineageQueued = Set<String>(), metadataQueued = Set<String>()
    /// Nodes found below the roots, within `maxDepth`.
    private var nodesFound = 0
    /// More nodes found than the walk may keep: nothing new is asked.
    private(set) var stopped = false
    /// Listings sent and not yet finished.
    private(set) var running = 0
    private var listings = 0
    /// Lineage listings sent and not yet finished: their depth and ids, by listing number.
    private var lineageRunning: [Int: (level: Int, ids: [String])] = [:]
    /// UPSTREAM rows read so far, by the id they were listed for.
    private var upstreamRead: [String: Int] = [:]
    /// The lineage rows of the nodes whose listings finished, by depth: what a node there has.
    private var measured: [Int: DepthRows] = [:]
    /// DOWNSTREAM rows per id at each depth as the first pages of its listings state them (their
    /// row count, less the ids' known parents): a guess for a depth below until some listing has
    /// finished — a root's listing of many pages says at once how wide the root is.
    private var stated: [Int: Double] = [:], statedListings = Set<Int>()
    /// Listings cut to fit one page by an estimate borrowed from the depth above, by depth. That
    /// estimate may be far off (one root with 5,000 children says nothing about the children's
    /// own lineage; a level of dashboards has none of the DOWNSTREAM rows of the tables above
    /// it), so it cuts a quarter of the requests in flight per depth (16 of 64): the rest of the
    /// depth waits for the first of them to say how many rows a node there has, which is one
    /// round trip away, and is then cut by that. A depth whose nodes arrive over more than a
    /// round trip (most, when the depth above was itself listed in several waves) loses nothing
    /// by it; one whose nodes all arrive at once waits that round trip. (Fewer guesses suit a
    /// graph whose fan-out shrinks with depth and cost a heavy-tailed one, whose first few
    /// listings say little; a quarter was the best of 4, 8, 16 and 64 over the three graphs
    /// `ci/bench` measures.)
    private var guessedCuts: [Int: Int] = [:]
    private var guessedCutsPerDepth: Int { max(1, options.maxConcurrentRequests / 4) }

    init(maxDepth: Int, nodeCap: Int, options: SecodaClientOptions) {
        self.maxDepth = maxDepth
        self.nodeCap = nodeCap
        self.options = options
    }

    /// `id` is `level` steps below a root (or fewer than it was thought): queue what it needs,
    /// and lower the depth of what is already known below it.
    mutating func reach(_ id: String, at level: Int) {
        var pending = [(id, level)]
        while let (node, level) = pending.popLast() {
            if let known = depth[node], known <= level { continue }
            if depth[node] == nil, (1...max(1, maxDepth)).contains(level) {
                nodesFound += 1
                if nodesFound > nodeCap { stop() }
            }
            depth[node] = level
            guard !stopped, level <= maxDepth else { continue }
            if lineageQueued.insert(node).inserted { lineageQueue[level, default: []].append(node) }
            if level >= 1, metadataQueued.insert(node).inserted { metadataQueue.append(node) }
            for child in children[node] ?? [] { pending.append((child, level + 1)) }
        }
    }

    /// Past the node cap, the walk's choice of nodes (by level and id) cannot be foreseen from
    /// arrival order: what is in flight finishes, nothing more is asked.
    private mutating func stop() {
        stopped = true
        lineageQueue = [:]
        metadataQueue = []
    }

    mutating func read(_ rows: [LineageRow], listing: Int, level: Int, ids: Int, count: Int?) {
        if let count, stated[level] == nil, statedListings.insert(listing).inserted, let asked = lineageRunning[listing]?.ids {
            let upstream = asked.reduce(0) { $0 + (parents[$1] ?? 0) }
            stated[level] = Double(max(0, count - upstream)) / Double(max(1, asked.count))
        }
        for row in rows where lineageSent.contains(row.from) {
            guard row.direction == "DOWNSTREAM" else {
                if row.direction == "UPSTREAM" { upstreamRead[row.from, default: 0] += 1 }
                continue
            }
            guard children[row.from, default: []].insert(row.to).inserted else { continue }
            parents[row.to, default: 0] += 1
            if let parentLevel = depth[row.from] { reach(row.to, at: parentLevel + 1) }
        }
    }

    /// Listing number `listing` finished: if it was a lineage listing read whole, its nodes'
    /// rows are known exactly and measure their depth.
    mutating func listingFinished(_ listing: Int) {
        running -= 1
        guard let (level, ids) = lineageRunning.removeValue(forKey: listing) else { return }
        for id in ids where lineageSent.contains(id) && !partial.contains(id) {
            measured[level, default: DepthRows()].add(upstream: upstreamRead[id] ?? 0, downstream: children[id]?.count ?? 0,
                                                      page: options.pageSize)
        }
    }

    /// The lineage listing of `ids` ran past the page cap. One id alone is cut (the walk says
    /// so); in a batch, one wide id may have cut the others, so none counts as read and the walk
    /// asks Secoda for them, each alone (`SecodaCatalogSource.downstream`).
    mutating func listingCut(_ ids: [String]) {
        if ids.count == 1 { partial.formUnion(ids) } else { lineageSent.subtract(ids) }
    }

    mutating func read(_ resources: [CatalogResource]) {
        for resource in resources where metadataSent.contains(resource.id) { found[resource.id] = resource }
    }

    /// The next listing to send, while a request slot is free: lineage first, shallowest depth
    /// first (it is what the next level waits for), then metadata in batches that fit one page.
    /// A batch that would not fill its page waits while a shallower lineage listing runs (see
    /// the type's note); otherwise it takes what is queued.
    mutating func nextJob() -> (Int, ReadAheadJob)? {
        guard running < options.maxConcurrentRequests else { return nil }
        var job: ReadAheadJob?
        for level in lineageQueue.keys.sorted() {
            guard let queue = lineageQueue[level], !queue.isEmpty else { continue }
            let (count, full, guessed) = lineageBatch(queue, at: level)
            if !full && shallowerListingRuns(than: level) { continue }
            if !guessed && awaitsMeasure(level) { continue }
            if guessed && count < options.idsPerRequest { guessedCuts[level, default: 0] += 1 }
            let batch = Array(queue.prefix(count))
            lineageQueue[level] = count == queue.count ? nil : Array(queue.dropFirst(count))
            lineageSent.formUnion(batch)
            job = .lineage(batch, level: level)
            lineageRunning[listings + 1] = (level, batch)
            break
        }
        if job == nil, !metadataQueue.isEmpty {
            let size = min(options.idsPerRequest, options.pageSize)
            let count = min(metadataQueue.count, size)
            var deepest = 0
            for id in metadataQueue.prefix(count) { deepest = max(deepest, depth[id] ?? 0) }
            guard count == size || !shallowerListingRuns(than: deepest) else { return nil }
            let batch = Array(metadataQueue.prefix(count))
            metadataQueue.removeFirst(count)
            metadataSent.formUnion(batch)
            job = .metadata(batch)
        }
        guard let job else { return nil }
        running += 1
        listings += 1
        return (listings, job)
    }

    /// Whether `level` has used its guessed cuts and waits for a listing of its own, already
    /// sent, to say how many rows its nodes have.
    private func awaitsMeasure(_ level: Int) -> Bool {
        guard let (_, measuredHere) = downstreamEstimate(at: level), !measuredHere else { return false }
        return lineageRunning.values.contains { $0.level == level }
    }

    /// Whether a lineage listing of a depth above `level` is running: it may name more ids at
    /// `level` (a node's children are found by listings of the depths above it only).
    private func shallowerListingRuns(than level: Int) -> Bool {
        lineageRunning.values.contains { $0.level < level }
    }

    /// How many of `queue`'s ids (at `level`) the next lineage listing takes; whether they fill
    /// it (a page of estimated rows, or `idsPerRequest` ids); whether the estimate was borrowed
    /// from the depth above.
    private func lineageBatch(_ queue: [String], at level: Int) -> (count: Int, full: Bool, guessed: Bool) {
        let limit = min(queue.count, options.idsPerRequest)
        guard let (downstream, measuredHere) = downstreamEstimate(at: level),
              measuredHere || guessedCuts[level, default: 0] < guessedCutsPerDepth
        else { return (limit, limit == options.idsPerRequest, false) }
        let page = Double(options.pageSize)
        var rows = 0.0, count = 0
        while count < limit {
            let next = upstreamEstimate(queue[count], at: level) + downstream
            if count > 0 && rows + next > page { return (count, true, !measuredHere) }
            rows += next
            count += 1
        }
        return (count, count == options.idsPerRequest || rows >= page, !measuredHere)
    }

    /// The UPSTREAM rows of `id` (at `level`): its parents read so far, and while a shallower
    /// listing still runs (more of its parents may be named) at least as many as a node at its
    /// depth (or the nearest depth above) has on average.
    private func upstreamEstimate(_ id: String, at level: Int) -> Double {
        let known = Double(parents[id] ?? 0)
        guard shallowerListingRuns(than: level) else { return known }
        for shallower in stride(from: level, through: 0, by: -1) {
            if let typical = measured[shallower]?.typical { return max(known, typical.upstream) }
        }
        return known
    }

    /// DOWNSTREAM rows per id expected at `level`, and whether it was measured there (else it is
    /// the nearest depth above's).
    private func downstreamEstimate(at level: Int) -> (rows: Double, measuredHere: Bool)? {
        for shallower in stride(from: level, through: 0, by: -1) {
            if let typical = measured[shallower]?.typical {
                return (typical.downstream, shallower == level)
            }
        }
        // Only wide nodes measured so far (the roots, say): a guess, never a measurement.
        for shallower in stride(from: level, through: 0, by: -1) {
            if let typical = measured[shallower]?.wideTypical {
                return (typical.downstream, false)
            }
        }
        for shallower in stride(from: level - 1, through: 0, by: -1) {
            if let guess = stated[shallower] { return (guess, false) }
        }
        return nil
    }
}

/// The lineage rows of the nodes measured at one depth. Lineage is heavy-tailed (most tables
/// feed a few others, one feeds hundreds): a node with a page of rows or more fills its own
/// pages whatever it is batched with, so the figure batches are cut by is the nodes' below that
/// (a mean over all would be pulled up by the one wide node and cut everyone's listing short).
private struct DepthRows {
    private var narrow = 0, narrowUpstream = 0, narrowDownstream = 0
    private var wide = 0, wideUpstream = 0, wideDownstream = 0

    mutating func add(upstream: Int, downstream: Int, page: Int) {
        if upstream + downstream < page {
            narrow += 1
            narrowUpstream += upstream
            narrowDownstream += downstream
        } else {
            wide += 1
            wideUpstream += upstream
            wideDownstream += downstream
        }
    }

    /// UPSTREAM and DOWNSTREAM rows per narrow node; nil until one was measured.
    var typical: (upstream: Double, downstream: Double)? {
        narrow > 0 ? (Double(narrowUpstream) / Double(narrow), Double(narrowDownstream) / Double(narrow)) : nil
    }

    /// The same per wide node: what a depth of wide nodes alone (a root feeding hundreds) says.
    var wideTypical: (upstream: Double, downstream: Double)? {
        wide > 0 ? (Double(wideUpstream) / Double(wide), Double(wideDownstream) / Double(wide)) : nil
    }
}

/// Secoda as read ahead by `LineageReadAhead`: answers from what was read, asks Secoda for the rest.
struct ReadAheadCatalogSource: CatalogSource {
    let base: SecodaCatalogSource
    /// Downstream ids of every id in `lineageRead` (ids without any are absent).
    let children: [String: [String]]
    let lineageRead: Set<String>
    /// The ids of `lineageRead` whose listing was cut at the page cap.
    let partial: Set<String>
    /// Metadata of the ids in `metadataRead` that Secoda knows.
    let resources: [String: CatalogResource]
    let metadataRead: Set<String>
    /// The owner names, if an owned resource was read.
    let people: Task<CatalogPeople, any Error>?

    func tables(titled titles: [String], integrationId: String?) async throws -> [CatalogResource] {
        try await base.tables(titled: titles, integrationId: integrationId)
    }

    func downstream(of ids: [String]) async throws -> DownstreamLinks {
        let missing = ids.filter { !lineageRead.contains($0) }
        var result = missing.isEmpty ? DownstreamLinks() : try await base.downstream(of: missing)
        for id in ids where lineageRead.contains(id) {
            result.children[id] = children[id]
            if partial.contains(id) { result.partial.insert(id) }
        }
        return result
    }

    func resources(ids: [String]) async throws -> [String: CatalogResource] {
        let missing = ids.filter { !metadataRead.contains($0) }
        var result = missing.isEmpty ? [:] : try await base.resources(ids: missing)
        for id in ids where metadataRead.contains(id) { result[id] = resources[id] }
        return result
    }

    func piiColumns(ofTables ids: [String]) async throws -> [String: Set<String>]? {
        try await base.piiColumns(ofTables: ids)
    }

    func people() async throws -> CatalogPeople {
        guard let people else { return try await base.people() }
        return try await withTaskCancellationHandler { try await people.value } onCancel: { people.cancel() }
    }
}
