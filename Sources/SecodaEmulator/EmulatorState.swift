import Foundation
import GateModel

/// How an emulator behaves apart from its data.
public struct EmulatorOptions: Sendable {
    /// The Bearer token requests must carry.
    public var token: String
    /// Items per page on every list endpoint (Secoda's is undocumented; about 50 by the docs' numbers).
    public var pageSize: Int
    /// Writes (POST/PATCH/PUT) allowed per rolling `writeWindow` before 429 (Secoda documents 30 a minute).
    public var writesPerMinute: Int
    /// The rolling window the write limit counts over: a minute, as Secoda documents; tests
    /// shorten it so a rate-limited run finishes in seconds.
    public var writeWindow: Duration
    /// Whether the write-limit 429 carries `Retry-After` (Secoda documents none).
    public var writeLimitRetryAfter: Bool
    /// `resource/catalog` returns at most this many resources across all pages (Secoda: 10,000).
    public var catalogResultCap: Int
    /// Faults in force from the start.
    public var faults: FaultPlan

    public init(token: String = "emulator-token", pageSize: Int = 50, writesPerMinute: Int = 30,
                writeLimitRetryAfter: Bool = true, catalogResultCap: Int = 10_000, faults: FaultPlan = .none,
                writeWindow: Duration = .seconds(60)) {
        self.token = token
        self.pageSize = max(1, pageSize)
        self.writesPerMinute = writesPerMinute
        self.writeWindow = writeWindow > .zero ? writeWindow : .seconds(60)
        self.writeLimitRetryAfter = writeLimitRetryAfter
        self.catalogResultCap = catalogResultCap
        self.faults = faults
    }
}

/// One request the emulator saw (the token itself is never recorded).
public struct LoggedRequest: Sendable, Codable, Equatable {
    public var method: String
    /// The path with any `/api/v1` prefix and trailing slash removed, e.g. `lineage/manual`.
    public var route: String
    /// The raw path as sent.
    public var path: String
    /// Decoded query parameters.
    public var query: [String: String]
    /// The `Host` header as sent.
    public var host: String
    /// Whether an `Authorization` header was present (its value is not kept).
    public var hadAuthorization: Bool
    /// The status answered; 0 when the connection was dropped.
    public var status: Int
    /// When the request arrived, in milliseconds since the emulator started (benchmarks derive
    /// sequential request rounds from these intervals).
    public var startedMs: Double? = nil
    /// When its answer was ready, in milliseconds since the emulator started; nil if never answered.
    public var finishedMs: Double? = nil
}

extension LoggedRequest {
    /// See `EmulatorState.sequentialRounds()`; nil when any request lacks its arrival or answer time.
    public static func sequentialRounds(_ requests: [LoggedRequest]) -> Int? {
        var spans: [(start: Double, end: Double)] = []
        for request in requests {
            guard let start = request.startedMs, let end = request.finishedMs else { return nil }
            spans.append((start, end))
        }
        let byStart = spans.indices.sorted { spans[$0].start < spans[$1].start }
        let byEnd = spans.indices.sorted { spans[$0].end < spans[$1].end }
        var chain = [Int](repeating: 0, count: spans.count)
        var longestAnswered = 0
        var next = 0
        for index in byStart {
            // Every request answered before this one arrived is final: extend the longest such chain.
            while next < byEnd.count, spans[byEnd[next]].end <= spans[index].start {
                longestAnswered = max(longestAnswered, chain[byEnd[next]])
                next += 1
            }
            chain[index] = longestAnswered + 1
        }
        return chain.max() ?? 0
    }
}

/// A reply computed by the emulator, before fault handling decides how it is sent.
struct EmulatorReply: Sendable {
    var status: Int
    var body: Data
    var headers: [(String, String)] = []

    static func json(_ status: Int, _ value: JSONValue, headers: [(String, String)] = []) -> EmulatorReply {
        EmulatorReply(status: status, body: EmulatorState.encode(value), headers: headers)
    }

    static func detail(_ status: Int, _ message: String, headers: [(String, String)] = []) -> EmulatorReply {
        json(status, .object(["detail": .string(message)]), headers: headers)
    }
}

/// What to do with one API request before answering it.
enum FaultDecision: Sendable {
    case answer(delayMs: Int)
    case status(Int, retryAfter: Int?, delayMs: Int)
    case drop(delayMs: Int)
    case stall(delayMs: Int)
    case invalidJSON(delayMs: Int)
    case redirect(delayMs: Int)
    case truncate(delayMs: Int)
    case applyThenDrop(delayMs: Int)
    case applyThenStatus(Int, delayMs: Int)
}

/// Everything an emulator knows and remembers: its data, its faults, its request log.
public actor EmulatorState {
    private let seed: EmulatorSeed
    public let options: EmulatorOptions
    private var resources: [[String: JSONValue]] = [] {
        didSet { catalogListings = [:]; positionsByType = nil }
    }
    /// Positions of the resources by `entity_type` (those without a string type under ""), built
    /// when a listing first needs it. A query that pins the type (the pull's PII column queries,
    /// one per 100 tables) starts from its resources instead of filtering every resource.
    private var positionsByType: [String: [Int]]?
    private var resourceIndex: [String: Int] = [:]
    /// `catalogListing` by query; emptied whenever the resources change.
    private var catalogListings: [String: [Int]] = [:]
    private var lineage: [LineageRow] = [] {
        didSet { lineageListings = [:] }
    }
    /// `lineageIndices` without a `from` filter, by the other filters; emptied whenever a row is
    /// added or deleted. `catalog pull` pages through every row, and filtering all of them again
    /// for each page of 50 made the emulator, not the client, what a big pull waited for.
    private var lineageListings: [String: [Int]] = [:]
    private var lineageByFrom: [String: [Int]] = [:]
    private var lineageCounter = 0
    private var users: [[String: JSONValue]] = []
    private var groups: [[String: JSONValue]] = []
    private var teams: [[String: JSONValue]] = []
    private var faults: FaultPlan
    private var random: SplitMix64
    private var writeTimes: [ContinuousClock.Instant] = []
    private var log: [LoggedRequest] = []
    private let startedAt = ContinuousClock.now
    private var inFlight = 0
    private var peakInFlight = 0

    struct LineageRow: Sendable {
        var id: String
        var from: String
        var to: String
        var direction: String
        var deleted = false
    }

    /// State seeded from `seed`; each lineage edge becomes a DOWNSTREAM row and its UPSTREAM mirror.
    public init(seed: EmulatorSeed, options: EmulatorOptions = EmulatorOptions()) {
        self.seed = seed
        self.options = options
        self.faults = options.faults
        self.random = SplitMix64(seed: options.faults.randomSeed ?? 0x5EC0DA)
        let fresh = EmulatorState.rebuild(seed)
        self.resources = fresh.resources
        self.resourceIndex = fresh.index
        self.lineage = fresh.rows
        self.lineageByFrom = fresh.byFrom
        self.lineageCounter = fresh.rows.count
        self.users = seed.users
        self.groups = seed.groups
        self.teams = seed.teams
    }

    static func lineageId(_ n: Int) -> String {
        let digits = String(n)
        return "99999999-0000-4000-8000-" + String(repeating: "0", count: max(0, 12 - digits.count)) + digits
    }

    // MARK: Admin

    /// Every API request seen since the start or the last reset, oldest first.
    public func requests() -> [LoggedRequest] { log }

    /// Number of API requests to `route` (e.g. `lineage/manual`), optionally only those with a
    /// query parameter named `parameter`.
    public func requestCount(route: String, withParameter parameter: String? = nil) -> Int {
        log.filter { entry in
            entry.route == route && (parameter.map { entry.query[$0] != nil } ?? true)
        }.count
    }

    /// Replaces the faults in force.
    public func setFaults(_ plan: FaultPlan) {
        faults = plan
        random = SplitMix64(seed: plan.randomSeed ?? 0x5EC0DA)
    }

    /// The faults in force (the queue shrinks as requests consume it).
    public func currentFaults() -> FaultPlan { faults }

    /// Clears the request log, the faults and the write window, and restores the seed data.
    public func reset() {
        let fresh = EmulatorState.rebuild(seed)
        resources = fresh.resources
        resourceIndex = fresh.index
        lineage = fresh.rows
        lineageByFrom = fresh.byFrom
        lineageCounter = fresh.rows.count
        users = seed.users
        groups = seed.groups
        teams = seed.teams
        faults = options.faults
        random = SplitMix64(seed: faults.randomSeed ?? 0x5EC0DA)
        writeTimes = []
        log = []
        peakInFlight = inFlight
    }

    /// Forgets the request log only.
    public func clearLog() {
        log = []
        peakInFlight = inFlight
    }

    /// The most API requests that were being answered at the same moment since the last reset.
    public func peakConcurrentRequests() -> Int { peakInFlight }

    /// The longest chain of logged requests each of which arrived after the previous one was
    /// answered: how many round trips a client waited for one after another (requests that
    /// overlap share a round). Nil when a request was never answered. The same measure as
    /// `sequential_rounds` in ci/bench/run.
    public func sequentialRounds() -> Int? {
        LoggedRequest.sequentialRounds(log)
    }

    func requestStarted() {
        inFlight += 1
        peakInFlight = max(peakInFlight, inFlight)
    }

    func requestFinished() { inFlight -= 1 }

    private static func rebuild(_ seed: EmulatorSeed)
        -> (resources: [[String: JSONValue]], index: [String: Int], rows: [LineageRow], byFrom: [String: [Int]])
    {
        var resources: [[String: JSONValue]] = []
        var index: [String: Int] = [:]
        for resource in seed.resources {
            guard let id = resource["id"]?.stringValue else { continue }
            if let existing = index[id] { resources[existing] = resource } else {
                index[id] = resources.count
                resources.append(resource)
            }
        }
        var rows: [LineageRow] = []
        var byFrom: [String: [Int]] = [:]
        for edge in seed.lineage {
            for (from, to, direction) in [(edge.from, edge.to, "DOWNSTREAM"), (edge.to, edge.from, "UPSTREAM")] {
                byFrom[from, default: []].append(rows.count)
                rows.append(LineageRow(id: lineageId(rows.count + 1), from: from, to: to, direction: direction))
            }
        }
        return (resources, index, rows, byFrom)
    }

    // MARK: Request admission

    /// Logs a request on arrival; returns a handle for `finish`.
    func record(_ entry: LoggedRequest) -> Int {
        var entry = entry
        entry.startedMs = millisecondsSinceStart()
        log.append(entry)
        return log.count - 1
    }

    /// Sets the status a logged request was answered with.
    func finish(_ handle: Int, status: Int, path: String) {
        // A reset in between empties the log; only touch the entry if it is still the same one.
        guard log.indices.contains(handle), log[handle].path == path else { return }
        log[handle].status = status
        log[handle].finishedMs = millisecondsSinceStart()
    }

    private func millisecondsSinceStart() -> Double {
        let elapsed = ContinuousClock.now - startedAt
        return Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
    }

    /// Picks the fault for one API request on `route`.
    func decide(route: String) -> FaultDecision {
        if let only = faults.pathContains, !route.contains(only) { return .answer(delayMs: 0) }
        var delay = faults.latencyMs
        if faults.latencyJitterMs > 0 { delay += Int.random(in: 0...faults.latencyJitterMs, using: &random) }
        if !faults.queue.isEmpty {
            switch faults.queue.removeFirst() {
            case .status(let status, let retryAfter): return .status(status, retryAfter: retryAfter, delayMs: delay)
            case .drop: return .drop(delayMs: delay)
            case .truncate: return .truncate(delayMs: delay)
            case .delay(let ms): return .answer(delayMs: delay + ms)
            case .pass: return .answer(delayMs: delay)
            case .stall: return .stall(delayMs: delay)
            case .invalidJSON: return .invalidJSON(delayMs: delay)
            case .redirect: return .redirect(delayMs: delay)
            case .applyThenDrop: return .applyThenDrop(delayMs: delay)
            case .applyThenStatus(let status): return .applyThenStatus(status, delayMs: delay)
            }
        }
        for (status, rate) in faults.errorRates.sorted(by: { $0.key < $1.key }) {
            if Double.random(in: 0..<1, using: &random) < rate, let code = Int(status) {
                return .status(code, retryAfter: nil, delayMs: delay)
            }
        }
        return .answer(delayMs: delay)
    }

    var echoesAuthorization: Bool { faults.echoAuthorization }

    /// Counts a write against the rolling window (a minute by default); returns the 429 reply when over it.
    func admitWrite() -> EmulatorReply? {
        let now = ContinuousClock.now
        let window = options.writeWindow
        writeTimes.removeAll { now - $0 >= window }
        if writeTimes.count >= options.writesPerMinute {
            let wait = writeTimes.first.map { window - (now - $0) } ?? window
            let seconds = max(1, Int(wait.components.seconds) + (wait.components.attoseconds > 0 ? 1 : 0))
            return .detail(429, "Request was throttled. Expected available in \(seconds) seconds.",
                           headers: options.writeLimitRetryAfter ? [("Retry-After", String(seconds))] : [])
        }
        writeTimes.append(now)
        return nil
    }

    // MARK: Reads

    func resource(id: String) -> [String: JSONValue]? { resourceIndex[id].map { resources[$0] } }

    func allResources() -> [[String: JSONValue]] { resources }

    /// Positions of the resources a `resource/catalog` query lists, in its order, at most `cap`.
    /// Remembered per query (`key`) until a resource changes: `catalog pull` pages through the same
    /// listing hundreds of times, and filtering and sorting every resource for each page of 50
    /// made a 5,000-model pull take minutes. A filter that pins ids starts from the id index, one that
    /// pins the type from the resources of that type.
    func catalogListing(filter: ResourceFilter?, sort: ResourceSort, key: String, cap: Int) -> [Int] {
        if let known = catalogListings[key] { return known }
        let candidates: [Int]
        if let ids = filter?.requiredIds {
            candidates = ids.compactMap { resourceIndex[$0] }
        } else if let type = filter?.requiredType {
            candidates = (positions(ofType: type) + positions(ofType: "")).sorted()
        } else {
            candidates = Array(resources.indices)
        }
        let matching = candidates.filter { filter?.matches(resources[$0]) ?? true }
        let listing = Array(matching.sorted { sort.inOrder(resources[$0], resources[$1]) }.prefix(cap))
        // Id lookups are one-off (each batch of ids asks once); listings are paged through.
        if filter?.requiredIds == nil { catalogListings[key] = listing }
        return listing
    }

    private func positions(ofType type: String) -> [Int] {
        if positionsByType == nil {
            var byType: [String: [Int]] = [:]
            for (position, resource) in resources.enumerated() {
                byType[resource["entity_type"]?.stringValue ?? "", default: []].append(position)
            }
            positionsByType = byType
        }
        return positionsByType?[type] ?? []
    }

    /// The resources at these positions (from `catalogListing`).
    func resources<Positions: Sequence<Int>>(at positions: Positions) -> [Int: [String: JSONValue]] {
        var found: [Int: [String: JSONValue]] = [:]
        for index in positions where resources.indices.contains(index) { found[index] = resources[index] }
        return found
    }

    func users(kind: String) -> [[String: JSONValue]] {
        switch kind {
        case "groups": return groups
        case "teams": return teams
        default: return users
        }
    }

    /// Where the lineage rows matching the filters are, in listing order. Positions rather than
    /// rows: an unfiltered listing (what `catalog pull` pages through) is every row, and copying
    /// them all for each page of 50 made a 5,000-model pull take minutes.
    func lineageIndices(from: Set<String>?, to: Set<String>?, direction: String?) -> [Int] {
        let wantedDirection = direction?.uppercased()
        func matching(_ candidates: [Int]) -> [Int] {
            candidates.filter { index in
                guard !lineage[index].deleted else { return false }
                if let to, !to.contains(lineage[index].to) { return false }
                if let wantedDirection, lineage[index].direction != wantedDirection { return false }
                return true
            }
        }
        if let from { return matching(from.sorted().flatMap { lineageByFrom[$0] ?? [] }) }
        let key = (to?.sorted().joined(separator: ",") ?? "*") + "\u{0}" + (wantedDirection ?? "*")
        if let known = lineageListings[key] { return known }
        let listing = matching(Array(lineage.indices))
        lineageListings[key] = listing
        return listing
    }

    /// The rows at these positions (from `lineageIndices`).
    func lineageRows<Positions: Sequence<Int>>(at positions: Positions) -> [Int: LineageRow] {
        var rows: [Int: LineageRow] = [:]
        for index in positions where lineage.indices.contains(index) { rows[index] = lineage[index] }
        return rows
    }

    func lineageRow(id: String) -> JSONValue? {
        lineage.first { $0.id == id && !$0.deleted }.map(EmulatorState.render)
    }

    static func render(_ row: LineageRow) -> JSONValue {
        // Both key generations (SECODA_API.md §5.3), so clients of either era decode it.
        .object([
            "id": .string(row.id),
            "from_entity": .string(row.from), "from_entity_id": .string(row.from),
            "to_entity": .string(row.to), "to_entity_id": .string(row.to),
            "direction": .string(row.direction),
            "is_manual": .bool(true),
            "workspace_id": .string("f71585fa-0000-4000-8000-000000000000"),
            "created_at": .string("2026-01-01T00:00:00Z"), "updated_at": .string("2026-01-01T00:00:00Z"),
        ])
    }

    // MARK: Writes

    /// Merges `changes` into a resource, keeping fields the body does not name.
    func patchResource(id: String, changes: [String: JSONValue], expectedType: String?) -> EmulatorReply {
        guard let index = resourceIndex[id],
              expectedType == nil || resources[index]["entity_type"]?.stringValue == expectedType
        else { return .detail(404, "Not found.") }
        for (key, value) in changes where key != "id" && key != "entity_type" {
            resources[index][key] = value
        }
        resources[index]["updated_at"] = .string(EmulatorState.timestamp())
        return .json(200, .object(resources[index]))
    }

    /// Creates a lineage row and its mirror; 400 for a duplicate or an unknown entity.
    func createLineage(from: String, to: String, direction: String) -> EmulatorReply {
        let direction = direction.uppercased()
        guard direction == "DOWNSTREAM" || direction == "UPSTREAM" else {
            return .detail(400, "direction must be UPSTREAM or DOWNSTREAM")
        }
        guard resourceIndex[from] != nil, resourceIndex[to] != nil else {
            return .detail(400, "from_entity and to_entity must be existing resources")
        }
        if (lineageByFrom[from] ?? []).contains(where: { !lineage[$0].deleted && lineage[$0].to == to && lineage[$0].direction == direction }) {
            return .detail(400, "This lineage already exists.")
        }
        let mirrorDirection = direction == "DOWNSTREAM" ? "UPSTREAM" : "DOWNSTREAM"
        var created: LineageRow?
        for (f, t, d) in [(from, to, direction), (to, from, mirrorDirection)] {
            lineageCounter += 1
            let row = LineageRow(id: EmulatorState.lineageId(lineageCounter), from: f, to: t, direction: d)
            lineageByFrom[f, default: []].append(lineage.count)
            lineage.append(row)
            if created == nil { created = row }
        }
        return .json(201, created.map(EmulatorState.render) ?? .null)
    }

    /// Deletes a lineage row and its mirror.
    func deleteLineage(id: String) -> EmulatorReply {
        guard let index = lineage.firstIndex(where: { $0.id == id && !$0.deleted }) else {
            return .detail(404, "Not found.")
        }
        let row = lineage[index]
        lineage[index].deleted = true
        for other in lineageByFrom[row.to] ?? [] where lineage[other].to == row.from && !lineage[other].deleted {
            lineage[other].deleted = true
        }
        return EmulatorReply(status: 204, body: Data())
    }

    // MARK: Encoding

    /// `value` as compact JSON with sorted keys, what `JSONEncoder` (`.sortedKeys`,
    /// `.withoutEscapingSlashes`) writes, but written directly: `JSONEncoder` on the `JSONValue`
    /// tree took most of the emulator's time, and the emulator shares the machine with the
    /// client it is measured against (ci/bench/walk-bench).
    static func encode(_ value: JSONValue) -> Data {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(4096)
        write(value, to: &bytes)
        return Data(bytes)
    }

    private static func write(_ value: JSONValue, to bytes: inout [UInt8]) {
        switch value {
        case .null: bytes.append(contentsOf: "null".utf8)
        case .bool(let flag): bytes.append(contentsOf: (flag ? "true" : "false").utf8)
        case .number(let number):
            if number.isFinite, number == number.rounded(), abs(number) < 9_007_199_254_740_992 {
                bytes.append(contentsOf: String(Int64(number)).utf8)
            } else if number.isFinite {
                bytes.append(contentsOf: "\(number)".utf8)
            } else {
                bytes.append(contentsOf: "null".utf8)
            }
        case .string(let text): write(text, to: &bytes)
        case .array(let items):
            bytes.append(UInt8(ascii: "["))
            for (index, item) in items.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                write(item, to: &bytes)
            }
            bytes.append(UInt8(ascii: "]"))
        case .object(let members):
            bytes.append(UInt8(ascii: "{"))
            for (index, member) in members.sorted(by: { $0.key < $1.key }).enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                write(member.key, to: &bytes)
                bytes.append(UInt8(ascii: ":"))
                write(member.value, to: &bytes)
            }
            bytes.append(UInt8(ascii: "}"))
        }
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    private static func write(_ text: String, to bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "\""))
        let utf8 = text.utf8
        if !utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            bytes.append(contentsOf: utf8)
            bytes.append(UInt8(ascii: "\""))
            return
        }
        for byte in utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x0A: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0..<0x20:
                bytes.append(contentsOf: Array("\\u00".utf8))
                bytes.append(hexDigits[Int(byte >> 4)])
                bytes.append(hexDigits[Int(byte & 0x0F)])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    static func timestamp() -> String {
        ISO8601DateFormatter().string(from: Date())
    }
}
