import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One HTTP request as the Secoda client builds it.
public struct TransportRequest: Sendable {
    public var method: String
    public var url: URL
    public var headers: [String: String]
    public var body: Data?

    public init(method: String = "GET", url: URL, headers: [String: String] = [:], body: Data? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }
}

/// One HTTP response; header names are lower-cased.
public struct TransportResponse: Sendable {
    public var status: Int
    public var headers: [String: String]
    public var body: Data

    public init(status: Int, headers: [String: String] = [:], body: Data = Data()) {
        self.status = status
        self.headers = Dictionary(headers.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { a, _ in a })
        self.body = body
    }
}

/// Why a request got no HTTP response. The client retries all of these except `.cancelled`.
public enum TransportError: Error, Sendable, Equatable {
    case timedOut
    /// Connection refused, reset, lost mid-response, DNS failure…
    case connectionFailed(String)
    case cancelled
}

/// Sends one HTTP request. The seam between the Secoda client and the network: Foundation's
/// `URLSession` in the product, anything else where a platform lacks it.
public protocol HTTPTransport: Sendable {
    /// Sends `request`, giving up after `timeout`.
    func send(_ request: TransportRequest, timeout: Duration) async throws -> TransportResponse
}

/// `URLSession` (libcurl-backed `FoundationNetworking` on Linux).
///
/// - Redirects are not followed: a redirect to another host would carry the API key there.
///   The 3xx comes back as the response (the client refuses it), but not through URLSession's
///   own "don't follow" answer: on Linux that answer races a cancellation (a sibling request
///   failing, our timeout) and traps ("Received callback for HTTP redirection"), so the task
///   is cancelled instead (`RedirectRefusal`).
/// - For loopback hosts, proxies are bypassed: libcurl honours `http_proxy` even for
///   127.0.0.1, and a CI proxy would swallow requests to a local emulator. On Darwin
///   `connectionProxyDictionary = [:]` does it; FoundationNetworking ignores that setting, so
///   on Linux the loopback names are appended to `no_proxy`/`NO_PROXY` (only when a proxy
///   variable is set; other hosts keep using the proxy as usual).
public final class URLSessionTransport: HTTPTransport {
    private let session: URLSession
    /// Writes go through a session of their own, each on a fresh connection (`Connection:
    /// close`). On a connection a read left open, a write the server dropped unanswered was
    /// quietly resent by libcurl, whose resend then waited for a body it could not rewind until
    /// the request timed out; a write must fail at once instead, so its caller can look whether
    /// it landed (`WriteOutcomeUnknown`). Writes are paced to 30 a minute: the connects cost nothing.
    private let writeSession: URLSession
    private let redirects: RedirectRefusal

    /// - Parameters:
    ///   - bypassProxy: talk to the host directly whatever the proxy variables say.
    ///   - maxConnectionsPerHost: connections open to the API host at once. The client's own
    ///     request slots are the real bound; this only has to be at least as large, because
    ///     URLSession queues whatever exceeds it (6 by default, which would quietly cap a client
    ///     allowed 64 requests in flight at 6).
    public init(bypassProxy: Bool = false, maxConnectionsPerHost: Int? = nil) {
        let configuration = URLSessionConfiguration.ephemeral
        if let maxConnectionsPerHost {
            configuration.httpMaximumConnectionsPerHost = max(1, maxConnectionsPerHost)
        }
        configuration.httpCookieStorage = nil
        configuration.urlCache = nil
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        if bypassProxy {
            configuration.connectionProxyDictionary = [:]
            LoopbackProxyBypass.apply()
        }
        let redirects = RedirectRefusal()
        self.redirects = redirects
        session = URLSession(configuration: configuration, delegate: redirects, delegateQueue: nil)
        writeSession = URLSession(configuration: configuration, delegate: redirects, delegateQueue: nil)
    }

    /// A transport suited to `baseURL`: proxies bypassed for loopback hosts, and room for
    /// `maxConnectionsPerHost` connections to it (nil: URLSession's default).
    public convenience init(for baseURL: URL, maxConnectionsPerHost: Int? = nil) {
        self.init(bypassProxy: SecodaEndpoint.isLoopback(baseURL.host ?? ""), maxConnectionsPerHost: maxConnectionsPerHost)
    }

    /// The connections per host the session allows (what `maxConnectionsPerHost` set).
    public var maxConnectionsPerHost: Int { session.configuration.httpMaximumConnectionsPerHost }

    deinit {
        session.finishTasksAndInvalidate()
        writeSession.finishTasksAndInvalidate()
    }

    static func isWrite(_ method: String) -> Bool { !["GET", "HEAD", "OPTIONS"].contains(method.uppercased()) }

    /// Sends one request; throws `TransportError` when no HTTP response arrives within `timeout`.
    public func send(_ request: TransportRequest, timeout: Duration) async throws -> TransportResponse {
        // FoundationNetworking truncates `timeoutInterval` to whole seconds (0.3 s becomes an
        // immediate timeout), so the precise timeout is enforced here by a race, and libcurl
        // gets a whole-second backstop just above it.
        try await withThrowingTaskGroup(of: TransportResponse.self) { group in
            group.addTask { try await self.exchange(request, backstop: timeout) }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw TransportError.timedOut
            }
            defer { group.cancelAll() }
            guard let first = try await group.next() else { throw TransportError.timedOut }
            return first
        }
    }

    private func exchange(_ request: TransportRequest, backstop: Duration) async throws -> TransportResponse {
        var urlRequest = URLRequest(url: request.url)
        urlRequest.httpMethod = request.method
        urlRequest.httpBody = request.body
        urlRequest.timeoutInterval = Double(backstop.components.seconds + 1)
        for (name, value) in request.headers { urlRequest.setValue(value, forHTTPHeaderField: name) }
        let write = Self.isWrite(request.method)
        if write { urlRequest.setValue("close", forHTTPHeaderField: "Connection") }
        let data: Data
        let response: URLResponse
        do {
            (data, response) = try await cancellableData(for: urlRequest, in: write ? writeSession : session)
        } catch let error as URLError {
            switch error.code {
            case .timedOut: throw TransportError.timedOut
            case .cancelled: throw TransportError.cancelled
            default: throw TransportError.connectionFailed(Self.describe(error))
            }
        } catch is CancellationError {
            throw TransportError.cancelled
        } catch {
            throw TransportError.connectionFailed(String(describing: type(of: error)))
        }
        guard let http = response as? HTTPURLResponse else {
            throw TransportError.connectionFailed("not an HTTP response")
        }
        var headers: [String: String] = [:]
        for (name, value) in http.allHeaderFields {
            if let name = name as? String, let value = value as? String { headers[name.lowercased()] = value }
        }
        return TransportResponse(status: http.statusCode, headers: headers, body: data)
    }

    /// `session.data(for:)`, but cancelled without a deadlock. FoundationNetworking's own async
    /// `data(for:)` cancels its task synchronously on the session's queue from inside the
    /// runtime's cancellation handler, while that queue may be resuming the same Swift task: a
    /// lock-order inversion that froze `catalog pull` for good whenever one of its concurrent
    /// requests failed (401) while another was in flight. Here the cancel is sent from a fresh
    /// task, outside the runtime's lock; the completion handler then resumes the continuation.
    private func cancellableData(for request: URLRequest, in session: URLSession) async throws -> (Data, URLResponse) {
        let handle = DataTaskHandle()
        let identity = TaskIdentity()
        let redirects = self.redirects
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<(Data, URLResponse), any Error>) in
                let task = session.dataTask(with: request) { data, response, error in
                    // A refused redirect ends as a cancellation; what it answered is the response.
                    if let id = identity.value, let refused = redirects.take(id) {
                        continuation.resume(returning: (Data(), refused))
                    } else if let error {
                        continuation.resume(throwing: error)
                    } else if let response {
                        continuation.resume(returning: (data ?? Data(), response))
                    } else {
                        continuation.resume(throwing: URLError(.badServerResponse))
                    }
                }
                // Known before the task can call back: it has not been resumed yet.
                identity.set(task.taskIdentifier)
                task.resume()
                Task { await handle.started(task) }
            }
        } onCancel: {
            Task { await handle.cancel() }
        }
    }

    /// The error's kind without its URL or user info (which could carry more than we want to print).
    private static func describe(_ error: URLError) -> String {
        switch error.code {
        case .cannotConnectToHost: return "cannot connect to host"
        case .networkConnectionLost: return "network connection lost"
        case .cannotFindHost: return "cannot find host"
        case .notConnectedToInternet: return "not connected to the internet"
        case .secureConnectionFailed: return "TLS handshake failed"
        case .badServerResponse: return "bad server response"
        default: return "URL error \(error.code.rawValue)"
        }
    }
}

/// Adds the loopback names to `no_proxy`, which libcurl reads at every transfer.
enum LoopbackProxyBypass {
    static let loopbackNames = ["127.0.0.1", "localhost", "::1"]
    private static let lock = NSLock()

    static func apply() {
        #if canImport(FoundationNetworking)
        lock.lock()
        defer { lock.unlock() }
        let environment = ProcessInfo.processInfo.environment
        let proxied = ["http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"]
            .contains { !(environment[$0] ?? "").isEmpty }
        guard proxied else { return }
        for name in ["no_proxy", "NO_PROXY"] {
            let current = environment[name] ?? ""
            let present = Set(current.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
            guard !present.contains("*") else { continue }
            let missing = loopbackNames.filter { !present.contains($0) }
            guard !missing.isEmpty else { continue }
            let value = ([current].filter { !$0.isEmpty } + missing).joined(separator: ",")
            setenv(name, value, 1)
        }
        #endif
    }
}

/// The data task of one request, so a cancellation that arrives before or after the task
/// starts reaches it either way.
private actor DataTaskHandle {
    private var task: URLSessionDataTask?
    private var cancelled = false

    func started(_ task: URLSessionDataTask) {
        self.task = task
        if cancelled { task.cancel() }
    }

    func cancel() {
        cancelled = true
        task?.cancel()
    }
}

/// A value behind a lock (`Synchronization.Mutex` needs macOS 15; the package supports 14).
/// `@unchecked` because the lock, not the compiler, guards `value`: it is only touched inside `withLock`.
private final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func withLock<T>(_ body: (inout Value) -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }
}

/// A data task's identifier, set once before the task starts, read by its completion handler.
private final class TaskIdentity: Sendable {
    private let identifier = Locked<Int?>(nil)
    func set(_ value: Int) { identifier.withLock { $0 = value } }
    var value: Int? { identifier.withLock { $0 } }
}

/// Refuses every redirect so the Authorization header never follows one to another host.
///
/// It never calls the completion handler. On Linux (FoundationNetworking) that handler's answer
/// is applied later on the task's queue, and a task cancelled in between (a sibling request
/// failed, a timeout fired) reaches it in a state it does not expect: "Fatal error: Received
/// callback for HTTP redirection" (SIGILL). Instead the redirect is recorded and the task
/// cancelled from here; the cancellation is an ordinary failure for every state the task can be
/// in, and `URLSessionTransport` hands the recorded 3xx to the client as the response.
private final class RedirectRefusal: NSObject, URLSessionTaskDelegate, Sendable {
    /// The redirect responses refused, by task identifier, until their task's handler takes them.
    private let refused = Locked<[Int: HTTPURLResponse]>([:])

    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping @Sendable (URLRequest?) -> Void) {
        // The redirect's own status and headers; its Location is kept only to be named, never followed.
        let answer = HTTPURLResponse(url: response.url ?? request.url ?? URL(fileURLWithPath: "/"),
                                     statusCode: response.statusCode, httpVersion: nil,
                                     headerFields: response.allHeaderFields as? [String: String]) ?? response
        refused.withLock { $0[task.taskIdentifier] = answer }
        task.cancel()
    }

    /// The refused redirect of task `identifier`, once.
    func take(_ identifier: Int) -> HTTPURLResponse? {
        refused.withLock { $0.removeValue(forKey: identifier) }
    }
}
