import Foundation
import GateModel

/// Keeps a run's writes under Secoda's write limit ("30 calls/min on PUT/PATCH/POST",
/// SECODA_API.md §7) instead of running into it: at most `limit` writes start in any rolling
/// `window`, and after a 429 nobody writes until the server's `Retry-After` has passed.
///
/// Pacing is the plan; the 429 handling is the safety net for what the pacer cannot see
/// (another tool writing with the same key, clocks that differ by a few milliseconds).
public actor WritePacer {
    /// Writes allowed per window.
    public let limit: Int
    /// The rolling window the limit counts over.
    public let window: Duration
    /// Added to every wait: the server stamps a write when it arrives, a little after we send
    /// it, so an exact window would sometimes be a few milliseconds short on its side.
    public let margin: Duration
    private var started: [ContinuousClock.Instant] = []
    private var pausedUntil: ContinuousClock.Instant?
    private let clock = ContinuousClock()

    /// - Parameters:
    ///   - limit: writes per window (Secoda: 30).
    ///   - window: the window (Secoda: a minute).
    ///   - margin: extra wait per window, a small share of it by default.
    public init(limit: Int = 30, window: Duration = .seconds(60), margin: Duration? = nil) {
        self.limit = max(1, limit)
        self.window = window > .zero ? window : .seconds(60)
        self.margin = margin ?? self.window / 50
    }

    /// Waits until one more write may start, then counts it.
    /// - Throws: `CancellationError` when the task is cancelled while waiting.
    public func admit() async throws {
        while true {
            let now = clock.now
            if let pausedUntil, pausedUntil > now {
                try await Task.sleep(until: pausedUntil, clock: clock)
                continue
            }
            started.removeAll { now - $0 >= window + margin }
            if started.count < limit {
                started.append(now)
                return
            }
            guard let oldest = started.first else { continue }
            try await Task.sleep(until: oldest + window + margin, clock: clock)
        }
    }

    /// Secoda answered 429: no write starts before `retryAfter` (or a full window when the reply
    /// named no wait) has passed.
    public func rateLimited(retryAfter: Duration?) {
        // A named wait is the server's own count: only a little slack is added to it.
        let slack = retryAfter == nil ? margin : min(margin, .milliseconds(250))
        let until = clock.now + (retryAfter ?? window) + slack
        if pausedUntil.map({ $0 < until }) ?? true { pausedUntil = until }
    }

    /// The time `remaining` more writes need at this pace: the writes the current window still
    /// allows go at once, every further `limit` writes take a window.
    public func estimate(remaining: Int) -> Duration {
        guard remaining > 0 else { return .zero }
        let now = clock.now
        let recent = started.filter { now - $0 < window + margin }.count
        let free = max(0, limit - recent)
        guard remaining > free else { return .zero }
        let windows = (remaining - free + limit - 1) / limit
        return (window + margin) * windows
    }
}

/// A transport that lets a `WritePacer` admit every write (POST, PATCH, PUT, DELETE) before it
/// is sent and tells it about every 429, so the client's own retries are paced too.
public struct PacedTransport: HTTPTransport {
    public let base: any HTTPTransport
    public let pacer: WritePacer

    public init(base: any HTTPTransport, pacer: WritePacer) {
        self.base = base
        self.pacer = pacer
    }

    public func send(_ request: TransportRequest, timeout: Duration) async throws -> TransportResponse {
        let isWrite = request.method != "GET" && request.method != "HEAD"
        if isWrite { try await pacer.admit() }
        let response = try await base.send(request, timeout: timeout)
        if response.status == 429 {
            await pacer.rateLimited(retryAfter: SecodaClient.retryAfter(response.headers["retry-after"]))
        }
        return response
    }
}

/// How far a run of writes has got, for progress lines.
public struct WriteProgress: Sendable, Equatable {
    /// Writes finished (done or failed).
    public var done: Int
    /// Writes planned.
    public var total: Int
    /// Time the remaining writes need under the write limit.
    public var eta: Duration

    public init(done: Int, total: Int, eta: Duration) {
        self.done = done
        self.total = total
        self.eta = eta
    }

    /// `12/40 writes, about 1 min left`.
    public var line: String {
        let seconds = Int(eta.components.seconds)
        let left: String
        if seconds <= 0 {
            left = "finishing"
        } else if seconds < 90 {
            left = "about \(seconds) s left"
        } else {
            left = "about \((seconds + 30) / 60) min left"
        }
        return "\(done)/\(total) writes, \(left)"
    }
}

/// Everything a write workflow needs to talk to Secoda: a client whose writes are paced, the
/// pacer (for estimates), and the limits it runs under.
public struct CatalogWriter: Sendable {
    public let client: SecodaClient
    public let pacer: WritePacer

    /// A writer for `baseURL`.
    ///
    /// The client's deadline covers the whole run, so it grows with the writes planned: a
    /// thousand writes at 30 a minute take over half an hour, and the read deadline of a
    /// `check` (two minutes) would cut them off.
    /// - Parameters:
    ///   - options: read limits (timeouts, concurrency, attempts); the deadline and `Retry-After`
    ///     patience are raised for writing.
    ///   - pacer: the write limit to keep.
    ///   - transport: the underlying transport (default: `URLSessionTransport` for the URL).
    public init(baseURL: String, apiKey: String, options: SecodaClientOptions = SecodaClientOptions(),
                pacer: WritePacer = WritePacer(), transport: (any HTTPTransport)? = nil) throws {
        var writeOptions = options
        // A 429 storm is waited out rather than failed: rate limits are expected when writing.
        writeOptions.maxAttempts = max(options.maxAttempts, 8)
        writeOptions.maxRetryAfter = max(options.maxRetryAfter, pacer.window * 2)
        writeOptions.deadline = max(options.deadline, .seconds(6 * 3600))
        let url = try SecodaEndpoint.validate(baseURL)
        let base = transport ?? URLSessionTransport(for: url, maxConnectionsPerHost: writeOptions.maxConcurrentRequests)
        self.client = try SecodaClient(baseURL: baseURL, apiKey: apiKey, options: writeOptions,
                                       transport: PacedTransport(base: base, pacer: pacer))
        self.pacer = pacer
    }

    /// Sends one JSON write; returns the response body. Errors are `CatalogError`s whose kind
    /// says whether Secoda refused (`.rejected`) or failed.
    public func write(_ method: String, _ path: String, body: [String: JSONValue]) async throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(JSONValue.object(body))
        return try await client.send(method, path, json: data).body
    }
}
