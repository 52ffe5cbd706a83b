import Foundation
import GateModel

/// Where the Secoda API lives, validated.
public enum SecodaEndpoint {
    /// The US cloud with the `/api/v1/` prefix (SECODA_API.md §1).
    public static let defaultBaseURL = "https://api.secoda.co/api/v1/"

    /// Parses and checks a base URL: absolute, https (plain http only for loopback hosts, so
    /// the key never crosses a network in clear text), no user info, query or fragment; a
    /// trailing slash is added.
    public static func validate(_ text: String) throws -> URL {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let components = URLComponents(string: trimmed), let scheme = components.scheme?.lowercased(),
              let host = components.host, !host.isEmpty
        else {
            throw CatalogError(.configuration, "the Secoda base URL \"\(trimmed)\" is not an absolute URL; "
                + "set catalog.secoda.base_url (or SECODA_API_URL) to e.g. \(defaultBaseURL)")
        }
        guard scheme == "https" || (scheme == "http" && isLoopback(host)) else {
            throw CatalogError(.configuration, "the Secoda base URL must use https (plain http is allowed only for "
                + "127.0.0.1/localhost); got \(scheme)://\(host)")
        }
        guard components.user == nil, components.password == nil, components.query == nil, components.fragment == nil else {
            throw CatalogError(.configuration, "the Secoda base URL must not carry credentials, a query or a fragment; "
                + "put the API key in the token environment variable instead")
        }
        var normalized = components
        if !normalized.path.hasSuffix("/") { normalized.path += "/" }
        guard let url = normalized.url else {
            throw CatalogError(.configuration, "the Secoda base URL \"\(trimmed)\" is not valid")
        }
        return url
    }

    /// 127.0.0.0/8, ::1 and localhost: the only hosts plain http is allowed for.
    public static func isLoopback(_ host: String) -> Bool {
        let host = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        if host == "localhost" || host == "::1" || host.hasSuffix(".localhost") { return true }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets[0] == "127" && octets.allSatisfy { UInt8($0) != nil }
    }

    static func effectivePort(_ url: URL) -> Int? {
        url.port ?? (url.scheme?.lowercased() == "https" ? 443 : (url.scheme?.lowercased() == "http" ? 80 : nil))
    }
}

/// Limits of the client's patience: timeouts, retries, concurrency, paging.
public struct SecodaClientOptions: Sendable {
    /// One request's timeout.
    public var requestTimeout: Duration
    /// Everything this client does must finish within this time from its creation.
    public var deadline: Duration
    /// Attempts per request, the first included.
    public var maxAttempts: Int
    /// The first backoff; doubles each retry, with jitter, up to `maxBackoff`.
    public var initialBackoff: Duration
    public var maxBackoff: Duration
    /// A `Retry-After` longer than this is treated as "not within our patience".
    public var maxRetryAfter: Duration
    /// Requests in flight at once (`catalog.secoda.max_concurrent_requests`). A lineage level of
    /// a few thousand nodes is dozens of independent pages; how many of them wait for each
    /// other is set here.
    public var maxConcurrentRequests: Int
    /// Pages followed for one listing before giving up (Secoda caps catalog results at 10,000 = 200 pages).
    public var maxPages: Int
    /// Ids per `__in` list or `in` filter: keeps URLs well under common 8 KB limits.
    public var idsPerRequest: Int
    /// Items per page Secoda is assumed to send (SECODA_API.md §4: undocumented, inferred 50).
    /// Only sizes batches meant to fit one page; a smaller real page size costs a round trip, not
    /// a result.
    public var pageSize: Int = 50
    /// Told about every page a listing reads (`catalog pull` shows it as progress); nil: nobody is told.
    public var progress: CatalogProgressHandler?
    /// How the client waits before a retry (a backoff or a `Retry-After`): `Task.sleep` unless
    /// replaced. Tests pass one that records the wait asked for, so they assert what the client
    /// was told to wait instead of timing it.
    public var sleep: @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }

    public init(requestTimeout: Duration = .seconds(30), deadline: Duration = .seconds(120), maxAttempts: Int = 4,
                initialBackoff: Duration = .milliseconds(500), maxBackoff: Duration = .seconds(20),
                maxRetryAfter: Duration = .seconds(60),
                maxConcurrentRequests: Int = SecodaClientOptions.defaultMaxConcurrentRequests, maxPages: Int = 250,
                idsPerRequest: Int = 100) {
        self.requestTimeout = requestTimeout
        self.deadline = deadline
        self.maxAttempts = max(1, maxAttempts)
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
        self.maxRetryAfter = maxRetryAfter
        self.maxConcurrentRequests = max(1, maxConcurrentRequests)
        self.maxPages = max(1, maxPages)
        self.idsPerRequest = max(1, idsPerRequest)
    }
}

extension SecodaClientOptions {
    /// Read requests in flight at once unless configured: enough for a lineage level's listings
    /// to go out together, so a walk waits about one round trip per level (ci/bench/walk-bench:
    /// 2,000 nodes over 4 levels at 50 ms latency take 0.51 s with 64, 0.60 s with 32, 0.83 s
    /// with 16, for about the same client CPU; see ci/bench/PERFORMANCE.md). Where the host speaks
    /// HTTP/2, libcurl can carry them as streams on a few connections (not verified against
    /// Secoda: it cannot be reached from here; the emulator speaks HTTP/1.1, one connection per
    /// request in flight). A workspace that rate-limits reads gets 429s, which are waited out
    /// (`Retry-After`), or sets `catalog.secoda.max_concurrent_requests` lower.
    public static let defaultMaxConcurrentRequests = 64
    /// Requests in flight for a write workflow (lineage push, docs carry): writes go one at a
    /// time at Secoda's 30 a minute anyway; the reads around them keep the earlier, smaller bound.
    public static let maxConcurrentRequestsWhileWriting = 4
}

/// A client for Secoda's REST API: Bearer auth, trailing slashes, JSON, page following,
/// retries with backoff, a deadline, bounded concurrency. The key never appears in an
/// error message, even when a server echoes it back.
public final class SecodaClient: Sendable {
    public let baseURL: URL
    public let options: SecodaClientOptions
    private let apiKey: String
    private let transport: any HTTPTransport
    private let deadline: ContinuousClock.Instant
    private let slots: RequestSlots

    /// - Parameters:
    ///   - baseURL: the API root including its prefix, e.g. `https://api.secoda.co/api/v1/`.
    ///   - apiKey: the Bearer token; an empty key is a configuration error.
    ///   - transport: defaults to `URLSessionTransport(for: baseURL)`.
    public init(baseURL: String, apiKey: String, options: SecodaClientOptions = SecodaClientOptions(),
                transport: (any HTTPTransport)? = nil) throws {
        let url = try SecodaEndpoint.validate(baseURL)
        let key = apiKey.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !key.isEmpty else {
            throw CatalogError(.configuration, "the Secoda API key is empty; set it in the token environment variable "
                + "(SECODA_API_KEY by default)")
        }
        guard !key.contains(where: { $0.isNewline || $0 == "\0" }) else {
            throw CatalogError(.configuration, "the Secoda API key contains a line break; check the token environment variable")
        }
        self.baseURL = url
        self.apiKey = key
        self.options = options
        self.transport = transport ?? URLSessionTransport(for: url, maxConnectionsPerHost: options.maxConcurrentRequests)
        self.deadline = ContinuousClock.now + options.deadline
        self.slots = RequestSlots(limit: options.maxConcurrentRequests)
    }

    // MARK: Requests

    /// The URL for `path` (relative to the base, given with its trailing slash) and `query`.
    func url(_ path: String, query: [(String, String)] = []) throws -> URL {
        guard var components = URLComponents(url: baseURL.appendingPathComponent(path), resolvingAgainstBaseURL: false) else {
            throw CatalogError(.configuration, "cannot build a request URL for \(path)")
        }
        if path.hasSuffix("/"), !components.path.hasSuffix("/") { components.path += "/" }
        if !query.isEmpty {
            components.queryItems = query.map { URLQueryItem(name: $0.0, value: $0.1) }
            // Django reads `+` as a space; JSON filters may contain one.
            components.percentEncodedQuery = components.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B")
        }
        guard let url = components.url else { throw CatalogError(.configuration, "cannot build a request URL for \(path)") }
        return url
    }

    /// GET one JSON document and decode it.
    public func get<T: Decodable & Sendable>(_ path: String, query: [(String, String)] = [], as type: T.Type) async throws -> T {
        try await perform(TransportRequest(url: try url(path, query: query)), label: "GET \(path)") {
            try JSONDecoder().decode(T.self, from: $0.body)
        }
    }

    /// Every item of a paged listing, following `links.next` on the configured host only.
    ///
    /// When the first page states `total_pages` and its next link is page 2 of the same query
    /// (SECODA_API.md §4: 1-based `?page=N`), the remaining pages do not depend on each other, so
    /// they are fetched concurrently (bounded by the request slots) rather than one round trip
    /// after another: with 50 ms latency the benchmark's walks spent most of their time waiting
    /// for extra pages in sequence. Anything else (no page count, an odd next link) is followed
    /// link by link as before.
    ///
    /// `onPage`, when given, is told each page's items, and the listing's item count as the page
    /// states it, as soon as that page is read (pages fetched concurrently arrive in any order),
    /// so a caller can act on the first page while the rest are still on their way.
    public func list<Item: Decodable & Sendable>(_ path: String, query: [(String, String)] = [], as type: Item.Type,
                                          maxPages: Int? = nil,
                                          onPage: (@Sendable (_ items: [Item], _ listingCount: Int?) -> Void)? = nil) async throws -> [Item] {
        try await listing(path, query: query, as: type, maxPages: maxPages, pastCap: .fail, onPage: onPage).items
    }

    /// The first pages of a listing, up to the page cap, and whether that was all of it: for a
    /// reader that can use part of a listing and say so (the lineage walk keeps a bounded number
    /// of nodes, so a node with more downstream rows than the cap allows cuts the walk rather
    /// than failing it). Otherwise as `list`.
    ///
    /// `stopAfterFirstPage`, told the listing's count as the first page states it, ends the
    /// listing there (incomplete) when it returns true: for a caller that would not use the rest.
    public func listPrefix<Item: Decodable & Sendable>(_ path: String, query: [(String, String)] = [], as type: Item.Type,
                                                maxPages: Int? = nil,
                                                stopAfterFirstPage: ((_ listingCount: Int?) -> Bool)? = nil,
                                                onPage: (@Sendable (_ items: [Item], _ listingCount: Int?) -> Void)? = nil)
        async throws -> (items: [Item], complete: Bool) {
        try await listing(path, query: query, as: type, maxPages: maxPages, pastCap: .stop,
                          stopAfterFirstPage: stopAfterFirstPage, onPage: onPage)
    }

    package enum PastCap: Sendable { case fail, stop }

    private func listing<Item: Decodable & Sendable>(_ path: String, query: [(String, String)], as type: Item.Type,
                                                     maxPages: Int?, pastCap: PastCap,
                                                     stopAfterFirstPage: ((Int?) -> Bool)? = nil,
                                                     onPage: (@Sendable ([Item], Int?) -> Void)?) async throws -> (items: [Item], complete: Bool) {
        let collected = PageCollector<Item>()
        let complete = try await pages(path, query: query, as: type, maxPages: maxPages, pastCap: pastCap,
                                       stopAfterFirstPage: stopAfterFirstPage) { number, items, count in
            collected.add(number, items)
            onPage?(items, count)
        }
        return (collected.inOrder(), complete)
    }

    /// Reads a listing as `list`/`listPrefix` do, handing each page to `deliver` (its 1-based
    /// number in the listing, its items, the count it states) as soon as it is read and keeping
    /// none of it: `catalog pull` stores each page of a 65,000-table workspace as it arrives
    /// rather than holding the listing (issue 23). Pages fetched concurrently arrive in any order.
    /// Whether the listing was read to the end comes back; `pastCap` and `stopAfterFirstPage` as in
    /// `listPrefix` (`.fail`: more pages than the cap is an error).
    package func pages<Item: Decodable & Sendable>(_ path: String, query: [(String, String)], as type: Item.Type,
                                           maxPages: Int?, pastCap: PastCap,
                                           stopAfterFirstPage: ((Int?) -> Bool)? = nil,
                                           deliver: @escaping @Sendable (_ number: Int, _ items: [Item], _ listingCount: Int?) throws -> Void)
        async throws -> Bool {
        let pageCap = maxPages ?? options.maxPages
        let first = try url(path, query: query)
        var seen: Set<String> = [first.absoluteString]
        let firstPage = try await page(first, path: path, as: Item.self)
        var itemsSoFar = firstPage.results.count
        try deliver(1, firstPage.results, firstPage.count)
        options.progress?(.page(path: path, itemsSoFar: itemsSoFar))
        var pages = 1
        var next: URL? = try firstPage.next.map { try followable(next: $0, from: first, path: path) }
        if next != nil, stopAfterFirstPage?(firstPage.count) == true { return false }

        if let second = next, let total = firstPage.totalPages, total > 2, pageCap >= 2,
           let rest = SecodaClient.pageURLs(from: second, through: min(total, pageCap)) {
            if total > pageCap, pastCap == .fail { throw pageCapError(path, pageCap) }
            for url in rest where !seen.insert(url.absoluteString).inserted { throw loopError(path) }
            // Each page is handed on where it is read; only its size and next link come back.
            let fetched = try await concurrently(Array(rest.indices)) { index in
                let page = try await self.page(rest[index], path: path, as: Item.self)
                try deliver(index + 2, page.results, page.count)
                return PageTail(items: page.results.count, next: page.next)
            }
            itemsSoFar += fetched.reduce(0) { $0 + $1.items }
            options.progress?(.page(path: path, itemsSoFar: itemsSoFar))
            pages = rest.count + 1
            if total > pageCap { return false }
            // A listing that grew while it was read goes on from the last page's next link.
            next = try fetched.last?.next.map { try followable(next: $0, from: rest[rest.count - 1], path: path) }
        }

        while let current = next {
            guard seen.insert(current.absoluteString).inserted else { throw loopError(path) }
            if pages >= pageCap {
                if pastCap == .fail { throw pageCapError(path, pageCap) }
                return false
            }
            pages += 1
            let page = try await page(current, path: path, as: Item.self)
            itemsSoFar += page.results.count
            try deliver(pages, page.results, page.count)
            options.progress?(.page(path: path, itemsSoFar: itemsSoFar))
            next = try page.next.map { try followable(next: $0, from: current, path: path) }
        }
        return true
    }

    /// What `pages` keeps of a page fetched concurrently once it was delivered.
    private struct PageTail: Sendable {
        var items: Int
        var next: String?
    }

    private func page<Item: Decodable & Sendable>(_ url: URL, path: String, as type: Item.Type) async throws -> SecodaPage<Item> {
        try await perform(TransportRequest(url: url), label: "GET \(path)") {
            // The byte reader is exact or declines; JSONDecoder keeps every odd case and error.
            try SecodaPageReader.page(from: $0.body, as: Item.self)
                ?? JSONDecoder().decode(SecodaPage<Item>.self, from: $0.body)
        }
    }

    private func loopError(_ path: String) -> CatalogError {
        CatalogError(.invalidResponse, "Secoda's pagination for \(path) loops (a next link repeats a page already read)")
    }

    private func pageCapError(_ path: String, _ pageCap: Int) -> CatalogError {
        CatalogError(.invalidResponse, "Secoda's listing \(path) has more than \(pageCap) pages; "
            + "narrow it (integration_id) or raise the page cap")
    }

    /// Pages 2…`total` of the listing whose page-2 link is `second`: the same URL with only the
    /// `page` value changed (as the server wrote it, so a filter's encoding survives). Nil when
    /// the link is not a plain `page=2` link.
    static func pageURLs(from second: URL, through total: Int) -> [URL]? {
        guard var components = URLComponents(url: second, resolvingAgainstBaseURL: true),
              let items = components.percentEncodedQueryItems,
              items.filter({ $0.name == "page" }).map(\.value) == ["2"]
        else { return nil }
        var urls: [URL] = []
        for number in 2...total {
            components.percentEncodedQueryItems = items.map {
                $0.name == "page" ? URLQueryItem(name: "page", value: String(number)) : $0
            }
            guard let url = components.url else { return nil }
            urls.append(url)
        }
        return urls
    }

    /// A next link is followed only to the configured scheme, host and port: the Bearer token
    /// must never go anywhere else.
    private func followable(next text: String, from current: URL, path: String) throws -> URL {
        guard let next = URL(string: text, relativeTo: current)?.absoluteURL else {
            throw CatalogError(.invalidResponse, "Secoda's next link for \(path) is not a URL")
        }
        let sameScheme = next.scheme?.lowercased() == baseURL.scheme?.lowercased()
        let sameHost = next.host?.lowercased() == baseURL.host?.lowercased()
        let samePort = SecodaEndpoint.effectivePort(next) == SecodaEndpoint.effectivePort(baseURL)
        guard sameScheme, sameHost, samePort else {
            throw CatalogError(.invalidResponse, "Secoda's next link for \(path) points to another host "
                + "(\(next.scheme ?? "?")://\(next.host ?? "?")\(next.port.map { ":\($0)" } ?? "")); refused so the API key "
                + "is only ever sent to \(baseURL.host ?? "the configured host")")
        }
        return next
    }

    /// Sends a write (POST/PATCH/DELETE) with a JSON body; returns status and body.
    ///
    /// A POST is not sent again after an answer that may have been lost (a timeout, a dropped
    /// connection, a 5xx: the write may have landed): it throws `WriteOutcomeUnknown`, and the
    /// caller looks whether it landed before writing again. Only what the server certainly did
    /// not carry out (429, a refused connection) is retried here. PATCH, PUT and DELETE set a
    /// state, so sending them twice is harmless and they are retried as reads are.
    public func send(_ method: String, _ path: String, json body: Data?) async throws -> TransportResponse {
        var request = TransportRequest(method: method, url: try url(path), body: body)
        if body != nil { request.headers["Content-Type"] = "application/json" }
        return try await perform(request, label: "\(method) \(path)", replayable: method.uppercased() != "POST") { $0 }
    }

    /// One request with auth, bounded concurrency, timeouts and retries. `decode` runs inside
    /// the retry loop: a 2xx whose body does not decode (a cut connection) is retried too.
    /// `scheme://host:port` of the API, never its path or anything that could carry a credential.
    var origin: String {
        let port = SecodaEndpoint.effectivePort(baseURL).map { ":\($0)" } ?? ""
        return "\(baseURL.scheme ?? "https")://\(baseURL.host ?? "?")\(port)"
    }

    func perform<T: Sendable>(_ request: TransportRequest, label: String, replayable: Bool = true,
                              decode: @Sendable (TransportResponse) throws -> T) async throws -> T {
        var request = request
        request.headers["Authorization"] = "Bearer \(apiKey)"
        request.headers["Accept"] = "application/json"
        var attempt = 0
        while true {
            attempt += 1
            // The time left is read after a request slot is free: a request that queued behind
            // others must not start with the time the deadline had before it waited.
            await slots.acquire()
            let remaining = deadline - ContinuousClock.now
            guard remaining > .zero else {
                await slots.release()
                throw CatalogError(.timeout, "\(label): the overall catalog deadline of \(Self.seconds(options.deadline)) passed")
            }
            let timeout = min(options.requestTimeout, remaining)
            let sent: Result<TransportResponse, any Error>
            do { sent = .success(try await transport.send(request, timeout: timeout)) } catch { sent = .failure(error) }
            await slots.release()
            let outcome: Outcome<T>
            // Whether the server certainly did not carry the request out.
            var notCarriedOut = false
            switch sent {
            case .success(let response): notCarriedOut = response.status == 429
            case .failure(TransportError.connectionFailed(let reason)): notCarriedOut = reason == "cannot connect to host"
            default: break
            }
            switch sent {
            case .success(let response):
                outcome = classify(response, label: label, decode: decode)
            case .failure(TransportError.timedOut):
                outcome = .retry(CatalogError(.timeout, "\(label): no answer within \(Self.seconds(timeout))"), after: nil)
            case .failure(TransportError.connectionFailed(let reason)):
                // Name the server (scheme, host, port only) so a wrong base URL is recognisable.
                outcome = .retry(CatalogError(.unavailable, "\(label): \(scrub(reason)) at \(origin) "
                    + "(check catalog.secoda.base_url or SECODA_API_URL)"), after: nil)
            case .failure(TransportError.cancelled), .failure(is CancellationError):
                throw CancellationError()
            case .failure(let error):
                outcome = .retry(CatalogError(.unavailable, "\(label): \(scrub(String(describing: error)))"), after: nil)
            }
            switch outcome {
            case .done(let value): return value
            case .fail(let error): throw error
            case .retry(let error, let retryAfter):
                if !replayable && !notCarriedOut { throw WriteOutcomeUnknown(cause: error) }
                guard attempt < options.maxAttempts else {
                    throw CatalogError(error.kind, error.message + " (gave up after \(attempt) attempts)")
                }
                let wait: Duration
                if let retryAfter {
                    guard retryAfter <= options.maxRetryAfter else {
                        throw CatalogError(error.kind, error.message + "; Secoda asked to wait \(Self.seconds(retryAfter)), "
                            + "longer than the \(Self.seconds(options.maxRetryAfter)) the gate waits")
                    }
                    wait = retryAfter
                } else {
                    wait = backoff(attempt: attempt)
                }
                guard ContinuousClock.now + wait < deadline else {
                    throw CatalogError(error.kind, error.message + "; no time left to retry before the overall catalog "
                        + "deadline of \(Self.seconds(options.deadline))")
                }
                try await options.sleep(wait)
            }
        }
    }

    private enum Outcome<T> {
        case done(T)
        case retry(CatalogError, after: Duration?)
        case fail(CatalogError)
    }

    private func classify<T>(_ response: TransportResponse, label: String,
                             decode: (TransportResponse) throws -> T) -> Outcome<T> {
        switch response.status {
        case 200..<300:
            do { return .done(try decode(response)) } catch {
                return .retry(CatalogError(.invalidResponse, "\(label): the reply is not the JSON expected (\(scrub(Self.summary(of: error))))"), after: nil)
            }
        case 401, 403:
            return .fail(CatalogError(.unauthorized, "the API key is invalid or lacks access (HTTP \(response.status) from \(label))"))
        case 429:
            return .retry(CatalogError(.rateLimited, "\(label): rate limited by Secoda (HTTP 429)\(detail(response))"),
                          after: Self.retryAfter(response.headers["retry-after"]))
        case 300..<400:
            // The transport never follows one (`URLSessionTransport`): the key would go along.
            let target = response.headers["location"].flatMap { URL(string: $0) }.flatMap { url in
                url.host.map { " to \(url.scheme ?? "?")://\($0)\(url.port.map { ":\($0)" } ?? "")" }
            } ?? ""
            return .fail(CatalogError(.rejected, "\(label): HTTP \(response.status), a redirect\(scrub(target)); redirects are "
                + "never followed, so the API key only goes to \(origin). Check catalog.secoda.base_url (or SECODA_API_URL)"))
        case 408, 500..<600:
            return .retry(CatalogError(.unavailable, "\(label): HTTP \(response.status)\(detail(response))"),
                          after: response.status == 503 ? Self.retryAfter(response.headers["retry-after"]) : nil)
        default:
            return .fail(CatalogError(.rejected, "\(label): HTTP \(response.status)\(detail(response))"))
        }
    }

    /// A short, scrubbed excerpt of an error body (`detail` when it is DRF-shaped).
    private func detail(_ response: TransportResponse) -> String {
        guard !response.body.isEmpty else { return "" }
        var text: String
        if let object = try? JSONDecoder().decode([String: JSONValue].self, from: response.body),
           let detail = object["detail"]?.stringValue ?? object["error"]?.stringValue ?? object["message"]?.stringValue {
            text = detail
        } else {
            text = String(decoding: response.body.prefix(300), as: UTF8.self)
        }
        text = scrub(text)
        if text.count > 200 { text = String(text.prefix(200)) + "…" }
        return ": " + text.replacingOccurrences(of: "\n", with: " ")
    }

    /// Removes the API key (and any Bearer credential) from text that came from elsewhere.
    func scrub(_ text: String) -> String {
        var result = text.replacingOccurrences(of: apiKey, with: "[redacted]")
        if let range = result.range(of: "Bearer ", options: .caseInsensitive) {
            let tail = result[range.upperBound...].prefix { !$0.isWhitespace && $0 != "\"" && $0 != "," }
            // Only credential-looking tails: a short word after "Bearer " is prose, not a key.
            if tail.count >= 8 { result = result.replacingOccurrences(of: String(tail), with: "[redacted]") }
        }
        return result
    }

    private func backoff(attempt: Int) -> Duration {
        let exponent = min(attempt - 1, 16)
        let full = min(options.maxBackoff, options.initialBackoff * (1 << exponent))
        // Jitter in [full/2, full]: spreads retries of concurrent requests apart.
        return full / 2 + full / 2 * Double.random(in: 0...1)
    }

    /// `Retry-After` as seconds or an HTTP date (a date counts from `now`).
    static func retryAfter(_ value: String?, now: Date = Date()) -> Duration? {
        guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        if let seconds = Double(value), seconds >= 0, seconds.isFinite { return .milliseconds(Int64(seconds * 1000)) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: value) else { return nil }
        return .milliseconds(Int64(max(0, date.timeIntervalSince(now)) * 1000))
    }

    static func seconds(_ duration: Duration) -> String {
        let value = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        return value == value.rounded() ? "\(Int(value)) s" : String(format: "%.1f s", value)
    }

    package static func summary(of error: any Error) -> String {
        switch error {
        case DecodingError.dataCorrupted(let context): return context.debugDescription
        case DecodingError.keyNotFound(let key, _): return "missing \(key.stringValue)"
        case DecodingError.typeMismatch(_, let context): return "unexpected type at \(context.codingPath.map(\.stringValue).joined(separator: "."))"
        case DecodingError.valueNotFound(_, let context): return "missing value at \(context.codingPath.map(\.stringValue).joined(separator: "."))"
        default: return "not JSON"
        }
    }

    /// Runs `work` over `chunks` concurrently (the request slots bound real concurrency) and
    /// returns the results in chunk order.
    package func concurrently<Input: Sendable, Output: Sendable>(
        _ chunks: [Input], _ work: @escaping @Sendable (Input) async throws -> Output
    ) async throws -> [Output] {
        try await withThrowingTaskGroup(of: (Int, Output).self) { group in
            for (index, chunk) in chunks.enumerated() {
                group.addTask { (index, try await work(chunk)) }
            }
            var results = [Output?](repeating: nil, count: chunks.count)
            for try await (index, output) in group { results[index] = output }
            return results.compactMap { $0 }
        }
    }
}

/// A write whose answer was lost (a timeout, a dropped connection, a 5xx): it may have been
/// carried out or not, so it is not sent again blindly. The caller looks, then decides.
public struct WriteOutcomeUnknown: Error, Sendable {
    /// What happened to the answer.
    public let cause: CatalogError
}

/// A counting semaphore for requests in flight.
actor RequestSlots {
    private let limit: Int
    private var inUse = 0
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(limit: Int) { self.limit = limit }

    func acquire() async {
        if inUse < limit {
            inUse += 1
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    func release() {
        if waiting.isEmpty {
            inUse -= 1
        } else {
            // Hand the slot straight to the next waiter.
            waiting.removeFirst().resume()
        }
    }
}

extension Array {
    /// Splits into consecutive pieces of at most `size` elements.
    package func chunked(_ size: Int) -> [[Element]] {
        stride(from: 0, to: count, by: Swift.max(1, size)).map { Array(self[$0..<Swift.min(count, $0 + Swift.max(1, size))]) }
    }
}

/// Pages of a listing read concurrently, put back in listing order.
package final class PageCollector<Item: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var pages: [(number: Int, items: [Item])] = []

    package init() {}

    package func add(_ number: Int, _ items: [Item]) {
        lock.lock()
        defer { lock.unlock() }
        pages.append((number, items))
    }

    package func inOrder() -> [Item] {
        lock.lock()
        defer { lock.unlock() }
        return pages.sorted { $0.number < $1.number }.flatMap(\.items)
    }
}
