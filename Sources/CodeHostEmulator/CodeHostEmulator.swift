import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// A local GitHub- and GitLab-compatible comment API for tests, on 127.0.0.1 over real HTTP, as
/// `SecodaEmulator` is for Secoda. It implements what `contract-gate comment` uses:
///
/// - GitHub REST: `GET/POST /repos/{owner}/{repo}/issues/{number}/comments` (paged with
///   `per_page`/`page` and a `Link: <…>; rel="next"` header) and
///   `PATCH /repos/{owner}/{repo}/issues/comments/{id}`; `Authorization: Bearer|token T`.
/// - GitLab v4: `GET/POST /api/v4/projects/{id}/merge_requests/{iid}/notes` (paged with
///   `X-Next-Page`, `X-Total-Pages` and `Link`) and `PUT …/notes/{note_id}`; `PRIVATE-TOKEN: T`.
///
/// A token listed as read-only may list but gets 403 on every write, as a fork's `GITHUB_TOKEN`
/// does. Error bodies echo the credential they were sent (a hostile or careless server), so a
/// test can prove the client never prints what it received.
public final class CodeHostEmulator: Sendable {
    public let state: CodeHostState
    public let port: Int
    private let task: Task<Void, any Error>
    private let group: ServiceGroup

    private init(state: CodeHostState, port: Int, task: Task<Void, any Error>, group: ServiceGroup) {
        self.state = state
        self.port = port
        self.task = task
        self.group = group
    }

    /// `GITHUB_API_URL` for the client.
    public var githubAPIURL: String { "http://127.0.0.1:\(port)" }
    /// `CI_API_V4_URL` for the client.
    public var gitlabAPIURL: String { "http://127.0.0.1:\(port)/api/v4" }

    /// Starts a server on 127.0.0.1 (an ephemeral port) and returns once it accepts connections.
    public static func start(writeToken: String, readOnlyTokens: Set<String> = [], maxPerPage: Int = 100) async throws -> CodeHostEmulator {
        let state = CodeHostState(writeToken: writeToken, readOnlyTokens: readOnlyTokens, maxPerPage: maxPerPage)
        let (bound, continuation) = AsyncStream<Int>.makeStream()
        var logger = Logger(label: "code-host-emulator")
        logger.logLevel = .critical
        let app = Application(
            responder: CodeHostResponder(state: state),
            configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0), serverName: "code-host-emulator"),
            onServerRunning: { channel in
                continuation.yield(channel.localAddress?.port ?? 0)
                continuation.finish()
            },
            logger: logger
        )
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: [app], gracefulShutdownSignals: [], logger: logger))
        let task = Task {
            defer { continuation.finish() }
            try await group.run()
        }
        var iterator = bound.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else {
            throw CodeHostEmulatorError(message: "the code host emulator could not listen on 127.0.0.1")
        }
        return CodeHostEmulator(state: state, port: port, task: task, group: group)
    }

    /// Stops the server and waits until it has closed.
    public func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }
}

/// Starts an emulator, runs `body`, and always stops it.
public func withCodeHost<T>(writeToken: String, readOnlyTokens: Set<String> = [], maxPerPage: Int = 100,
                            _ body: (CodeHostEmulator) async throws -> T) async throws -> T {
    let emulator = try await CodeHostEmulator.start(writeToken: writeToken, readOnlyTokens: readOnlyTokens, maxPerPage: maxPerPage)
    do {
        let result = try await body(emulator)
        await emulator.stop()
        return result
    } catch {
        await emulator.stop()
        throw error
    }
}

public struct CodeHostEmulatorError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var description: String { message }
}

/// One comment (GitHub) or note (GitLab) on a pull/merge request.
public struct HostedComment: Sendable, Equatable {
    public var id: Int
    public var body: String
    public var author: String
}

/// One request as the emulator saw it.
public struct HostedRequest: Sendable, Equatable {
    public var method: String
    public var path: String
    public var query: String
    public var status: Int
}

/// The emulator's data and request log.
public actor CodeHostState {
    let writeToken: String
    let readOnlyTokens: Set<String>
    let maxPerPage: Int
    private var comments: [String: [HostedComment]] = [:]
    private var nextID = 1_000
    public private(set) var requests: [HostedRequest] = []
    /// When set, next-page links name this host instead of the emulator (a client must not follow).
    public private(set) var foreignNextLinkHost: String?

    public func setForeignNextLinkHost(_ host: String?) { foreignNextLinkHost = host }

    init(writeToken: String, readOnlyTokens: Set<String>, maxPerPage: Int) {
        self.writeToken = writeToken
        self.readOnlyTokens = readOnlyTokens
        self.maxPerPage = max(1, maxPerPage)
    }

    /// The comments on a GitHub pull request (`owner/name`, number), oldest first.
    public func githubComments(repository: String, number: Int) -> [HostedComment] {
        comments[Self.githubKey(repository, number)] ?? []
    }

    /// The notes on a GitLab merge request (project id, IID), oldest first.
    public func gitlabNotes(project: String, iid: Int) -> [HostedComment] {
        comments[Self.gitlabKey(project, iid)] ?? []
    }

    /// Seeds comments someone else wrote.
    public func seedGitHub(repository: String, number: Int, bodies: [String], author: String = "someone") {
        for body in bodies { add(key: Self.githubKey(repository, number), body: body, author: author) }
    }

    public func seedGitLab(project: String, iid: Int, bodies: [String], author: String = "someone") {
        for body in bodies { add(key: Self.gitlabKey(project, iid), body: body, author: author) }
    }

    static func githubKey(_ repository: String, _ number: Int) -> String { "gh:\(repository)#\(number)" }
    static func gitlabKey(_ project: String, _ iid: Int) -> String { "gl:\(project)!\(iid)" }

    @discardableResult
    func add(key: String, body: String, author: String) -> HostedComment {
        nextID += 1
        let comment = HostedComment(id: nextID, body: body, author: author)
        comments[key, default: []].append(comment)
        return comment
    }

    func update(id: Int, body: String, within prefix: String) -> HostedComment? {
        for (key, list) in comments where key.hasPrefix(prefix) {
            if let index = list.firstIndex(where: { $0.id == id }) {
                comments[key]?[index].body = body
                return comments[key]?[index]
            }
        }
        return nil
    }

    func list(key: String) -> [HostedComment] { comments[key] ?? [] }

    func log(_ request: HostedRequest) { requests.append(request) }
}

/// Routes by hand, like the Secoda emulator's responder.
struct CodeHostResponder: HTTPResponder {
    typealias Context = BasicRequestContext
    let state: CodeHostState

    func respond(to request: Request, context: Context) async throws -> Response {
        var request = request
        let path = request.uri.path
        let queryText = request.uri.query ?? ""
        let body = Data(try await request.collectBody(upTo: 4 << 20).readableBytesView)
        let method = request.method.rawValue
        let authority = await state.foreignNextLinkHost ?? request.head.authority ?? "127.0.0.1"
        let reply: Reply
        if path.hasPrefix("/api/v4/") {
            reply = await gitlab(method: method, path: path, query: queryText, body: body, headers: request.headers, authority: authority)
        } else {
            reply = await github(method: method, path: path, query: queryText, body: body, headers: request.headers, authority: authority)
        }
        await state.log(HostedRequest(method: method, path: path, query: queryText, status: reply.status))
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        for (name, value) in reply.headers {
            if let field = HTTPField.Name(name) { headers[field] = value }
        }
        return Response(status: .init(code: reply.status), headers: headers,
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: reply.body)))
    }

    struct Reply {
        var status: Int
        var body: Data
        var headers: [(String, String)] = []

        static func json(_ status: Int, _ object: Any, headers: [(String, String)] = []) -> Reply {
            Reply(status: status, body: (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data(),
                  headers: headers)
        }
    }

    enum Access { case write, read, none }

    func access(_ credential: String?) -> Access {
        guard let credential else { return .none }
        if credential == state.writeToken { return .write }
        if state.readOnlyTokens.contains(credential) { return .read }
        return .none
    }

    // MARK: GitHub

    func github(method: String, path: String, query: String, body: Data, headers: HTTPFields, authority: String) async -> Reply {
        let authorization = headers[.authorization]
        let credential = authorization.flatMap { value -> String? in
            for scheme in ["Bearer ", "token "] where value.hasPrefix(scheme) { return String(value.dropFirst(scheme.count)) }
            return nil
        }
        let granted = access(credential)
        guard granted != .none else {
            return .json(401, ["message": "Bad credentials (sent: \(authorization ?? "nothing"))"])
        }
        let parts = path.split(separator: "/").map(String.init)
        // repos/{owner}/{repo}/issues/{number}/comments
        if parts.count == 6, parts[0] == "repos", parts[3] == "issues", parts[5] == "comments", let number = Int(parts[4]) {
            let key = CodeHostState.githubKey("\(parts[1])/\(parts[2])", number)
            switch method {
            case "GET":
                return await page(key: key, path: path, query: query, gitlab: false, authority: authority)
            case "POST":
                guard granted == .write else { return forbidden(authorization) }
                guard let text = Self.bodyText(body) else { return .json(422, ["message": "Invalid request: body is required"]) }
                let comment = await state.add(key: key, body: text, author: "github-actions[bot]")
                return .json(201, Self.githubJSON(comment))
            default:
                return .json(405, ["message": "Method not allowed"])
            }
        }
        // repos/{owner}/{repo}/issues/comments/{id}
        if parts.count == 6, parts[0] == "repos", parts[3] == "issues", parts[4] == "comments", let id = Int(parts[5]) {
            guard method == "PATCH" else { return .json(405, ["message": "Method not allowed"]) }
            guard granted == .write else { return forbidden(authorization) }
            guard let text = Self.bodyText(body) else { return .json(422, ["message": "Invalid request: body is required"]) }
            guard let comment = await state.update(id: id, body: text, within: "gh:\(parts[1])/\(parts[2])#") else {
                return .json(404, ["message": "Not Found"])
            }
            return .json(200, Self.githubJSON(comment))
        }
        return .json(404, ["message": "Not Found"])
    }

    func forbidden(_ authorization: String?) -> Reply {
        .json(403, ["message": "Resource not accessible by integration (credential: \(authorization ?? "none"))"])
    }

    static func githubJSON(_ comment: HostedComment) -> [String: Any] {
        ["id": comment.id, "body": comment.body, "user": ["login": comment.author]]
    }

    // MARK: GitLab

    func gitlab(method: String, path: String, query: String, body: Data, headers: HTTPFields, authority: String) async -> Reply {
        let tokenHeader = HTTPField.Name("PRIVATE-TOKEN").flatMap { headers[$0] }
        let granted = access(tokenHeader)
        guard granted != .none else {
            return .json(401, ["message": "401 Unauthorized (sent: \(tokenHeader ?? "nothing"))"])
        }
        // api/v4/projects/{id}/merge_requests/{iid}/notes[/{note_id}]; {id} may be a path, %2F-encoded.
        let parts = path.split(separator: "/").map { $0.removingPercentEncoding ?? String($0) }
        guard parts.count >= 7, parts[0] == "api", parts[1] == "v4", parts[2] == "projects", parts[4] == "merge_requests",
              let iid = Int(parts[5]), parts[6] == "notes" else {
            return .json(404, ["message": "404 Not Found"])
        }
        let key = CodeHostState.gitlabKey(parts[3], iid)
        if parts.count == 7 {
            switch method {
            case "GET":
                return await page(key: key, path: path, query: query, gitlab: true, authority: authority)
            case "POST":
                guard granted == .write else { return .json(403, ["message": "403 Forbidden (token \(tokenHeader ?? ""))"]) }
                guard let text = Self.bodyText(body) else { return .json(400, ["message": "body is missing"]) }
                let note = await state.add(key: key, body: text, author: "project_bot")
                return .json(201, Self.gitlabJSON(note))
            default:
                return .json(405, ["message": "405 Method Not Allowed"])
            }
        }
        guard parts.count == 8, let id = Int(parts[7]) else { return .json(404, ["message": "404 Not Found"]) }
        guard method == "PUT" else { return .json(405, ["message": "405 Method Not Allowed"]) }
        guard granted == .write else { return .json(403, ["message": "403 Forbidden (token \(tokenHeader ?? ""))"]) }
        guard let text = Self.bodyText(body) else { return .json(400, ["message": "body is missing"]) }
        guard let note = await state.update(id: id, body: text, within: key) else { return .json(404, ["message": "404 Note Not Found"]) }
        return .json(200, Self.gitlabJSON(note))
    }

    static func gitlabJSON(_ note: HostedComment) -> [String: Any] {
        ["id": note.id, "body": note.body, "system": false, "author": ["username": note.author]]
    }

    // MARK: Paging

    /// One page of `key`'s comments, `per_page` capped at the emulator's maximum.
    func page(key: String, path: String, query: String, gitlab: Bool, authority: String) async -> Reply {
        var parameters: [String: String] = [:]
        for pair in query.split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1).map(String.init)
            if kv.count == 2 { parameters[kv[0]] = kv[1] }
        }
        let perPage = min(max(Int(parameters["per_page"] ?? "") ?? 30, 1), state.maxPerPage)
        let pageNumber = max(Int(parameters["page"] ?? "") ?? 1, 1)
        let all = await state.list(key: key)
        let start = (pageNumber - 1) * perPage
        let slice = start < all.count ? Array(all[start..<min(start + perPage, all.count)]) : []
        let totalPages = max(1, (all.count + perPage - 1) / perPage)
        var headers: [(String, String)] = []
        if pageNumber < totalPages {
            let link = "<http://\(authority)\(path)?per_page=\(perPage)&page=\(pageNumber + 1)>; rel=\"next\""
            headers.append(("Link", link))
            if gitlab { headers.append(("X-Next-Page", String(pageNumber + 1))) }
        } else if gitlab {
            headers.append(("X-Next-Page", ""))
        }
        if gitlab { headers.append(("X-Total-Pages", String(totalPages))) }
        let objects = slice.map { gitlab ? Self.gitlabJSON($0) : Self.githubJSON($0) }
        return .json(200, objects, headers: headers)
    }

    static func bodyText(_ data: Data) -> String? {
        ((try? JSONSerialization.jsonObject(with: data)) as? [String: Any])?["body"] as? String
    }
}
