import Foundation
import GateLineage
import GateModel

/// Keeps one contract-gate comment on a pull request (GitHub) or merge request (GitLab) up to
/// date: the comments are listed (every page), the one carrying the report's hidden marker is
/// edited in place, and only when there is none a new one is posted.
///
/// Everything comes from the CI job's standard environment, so a workflow step needs no flags:
/// - GitHub: `GITHUB_API_URL`, `GITHUB_REPOSITORY`, the pull request number from the event
///   payload at `GITHUB_EVENT_PATH`, and `GITHUB_TOKEN`.
/// - GitLab: `CI_API_V4_URL`, `CI_PROJECT_ID`, `CI_MERGE_REQUEST_IID`, and a token from the
///   variable `tokenVariable` names (default `GITLAB_TOKEN`; GitLab's job token cannot write notes).
///
/// The token is sent only to the API host (redirects are refused, and a `Link` to another host
/// is not followed) and never appears in anything this type returns or throws.
public struct PullRequestComment: Sendable {
    /// The code host, from `--host` or the environment (`GITHUB_ACTIONS`, `GITLAB_CI`).
    public enum Host: String, Sendable, CaseIterable {
        case github
        case gitlab
    }

    /// Where the comment goes, resolved from the environment.
    public struct Target: Sendable, Equatable {
        public var host: Host
        /// The API root (`https://api.github.com`, `https://gitlab.example/api/v4`).
        public var apiBase: URL
        /// `owner/name` on GitHub, the project id on GitLab.
        public var project: String
        /// The pull request number / merge request IID.
        public var number: Int
        public var token: String

        /// The collection of comments (GitHub issue comments, GitLab merge request notes).
        var commentsPath: String {
            switch host {
            case .github: "repos/\(project)/issues/\(number)/comments"
            case .gitlab: "projects/\(Self.pathSegment(project))/merge_requests/\(number)/notes"
            }
        }

        /// One comment, for the edit.
        func commentPath(_ id: Int) -> String {
            switch host {
            case .github: "repos/\(project)/issues/comments/\(id)"
            case .gitlab: "projects/\(Self.pathSegment(project))/merge_requests/\(number)/notes/\(id)"
            }
        }

        /// A project path (`group/sub/project`) is one segment in GitLab's API: `/` encoded.
        static func pathSegment(_ value: String) -> String {
            var allowed = CharacterSet.alphanumerics
            allowed.insert(charactersIn: "-._~")
            return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value
        }
    }

    /// What happened to the comment.
    public enum Outcome: Sendable, Equatable {
        case created(id: Int)
        case updated(id: Int)
        /// The token may read but not write (a pull request from a fork gets a read-only
        /// `GITHUB_TOKEN`): a warning for the job log, not a failure of the gate.
        case forbidden(message: String)
    }

    /// GitHub rejects a comment body over 65,536 characters.
    public static let githubBodyLimit = 65_536
    /// GitLab's note limit is 1,000,000 characters.
    public static let gitlabBodyLimit = 1_000_000
    /// The marker `check --report markdown=…` writes; a body without one gets it prepended.
    public static let defaultMarker = "<!-- contract-gate:report -->"

    public let target: Target
    let transport: any HTTPTransport
    let timeout: Duration

    public init(target: Target, transport: (any HTTPTransport)? = nil, timeout: Duration = .seconds(30)) {
        self.target = target
        self.transport = transport ?? URLSessionTransport(for: target.apiBase)
        self.timeout = timeout
    }

    // MARK: - The environment

    /// Resolves the target from CI's environment.
    /// - Parameters:
    ///   - host: `--host`; nil picks GitHub under `GITHUB_ACTIONS=true`, GitLab under `GITLAB_CI=true`.
    ///   - number: `--number`, overriding the event payload / `CI_MERGE_REQUEST_IID`.
    ///   - tokenVariable: the variable holding the token (GitHub default `GITHUB_TOKEN`, GitLab `GITLAB_TOKEN`).
    ///   - readFile: reads the GitHub event payload (a parameter so tests need no files).
    public static func target(host: Host?, number: Int?, tokenVariable: String?, environment: [String: String],
                              readFile: (String) throws -> Data = { try Data(contentsOf: URL(fileURLWithPath: $0)) })
        throws(InputError) -> Target {
        let chosen: Host
        if let host {
            chosen = host
        } else if environment["GITHUB_ACTIONS"] == "true" {
            chosen = .github
        } else if environment["GITLAB_CI"] == "true" {
            chosen = .gitlab
        } else {
            throw InputError("not in GitHub Actions or GitLab CI; pass --host github or --host gitlab with the CI variables set")
        }
        func value(_ name: String) -> String? {
            environment[name].map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.flatMap { $0.isEmpty ? nil : $0 }
        }
        func required(_ name: String, _ why: String) throws(InputError) -> String {
            guard let found = value(name) else { throw InputError("\(name) is not set; \(why)") }
            return found
        }
        let tokenName = tokenVariable ?? (chosen == .github ? "GITHUB_TOKEN" : "GITLAB_TOKEN")
        guard let token = value(tokenName) else {
            let hint = chosen == .github
                ? "pass it to the step (env: GITHUB_TOKEN: ${{ github.token }}) with permissions: pull-requests: write"
                : "set a masked CI/CD variable holding a project access token with the api scope (the job token cannot write notes), or name another with --token-env"
            throw InputError("\(tokenName) is not set; \(hint)")
        }
        switch chosen {
        case .github:
            let api = value("GITHUB_API_URL") ?? "https://api.github.com"
            let repository = try required("GITHUB_REPOSITORY", "it names the repository (owner/name)")
            let parts = repository.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count == 2, parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(Self.isNameCharacter) }) else {
                throw InputError("GITHUB_REPOSITORY '\(repository)' is not owner/name")
            }
            let pull: Int
            if let number {
                pull = number
            } else {
                let path = try required("GITHUB_EVENT_PATH", "the pull request number is read from the event payload (or pass --number)")
                pull = try pullRequestNumber(eventPath: path, readFile: readFile)
            }
            return Target(host: .github, apiBase: try apiURL(api, variable: "GITHUB_API_URL"), project: repository,
                          number: try positive(pull, "the pull request number"), token: token)
        case .gitlab:
            let api = try required("CI_API_V4_URL", "it is GitLab's API root (…/api/v4)")
            let project = try required("CI_PROJECT_ID", "it names the project")
            let iid: Int
            if let number {
                iid = number
            } else {
                let raw = try required("CI_MERGE_REQUEST_IID", "the job must run in a merge request pipeline "
                                       + "(rules: if: $CI_PIPELINE_SOURCE == \"merge_request_event\"), or pass --number")
                guard let parsed = Int(raw) else { throw InputError("CI_MERGE_REQUEST_IID '\(raw)' is not a number") }
                iid = parsed
            }
            return Target(host: .gitlab, apiBase: try apiURL(api, variable: "CI_API_V4_URL"), project: project,
                          number: try positive(iid, "the merge request IID"), token: token)
        }
    }

    static func isNameCharacter(_ character: Character) -> Bool {
        character.isASCII && (character.isLetter || character.isNumber || "-_.".contains(character))
    }

    private static func positive(_ number: Int, _ what: String) throws(InputError) -> Int {
        guard number > 0 else { throw InputError("\(what) must be positive, got \(number)") }
        return number
    }

    private static func apiURL(_ text: String, variable: String) throws(InputError) -> URL {
        let trimmed = text.hasSuffix("/") ? String(text.dropLast()) : text
        guard let url = URL(string: trimmed), let scheme = url.scheme?.lowercased(), url.host != nil else {
            throw InputError("\(variable) '\(text)' is not a URL")
        }
        // The token travels in a header: plain HTTP only to this machine.
        guard scheme == "https" || (scheme == "http" && SecodaEndpoint.isLoopback(url.host ?? "")) else {
            throw InputError("\(variable) '\(text)' must be https (plain http only for 127.0.0.1/localhost)")
        }
        return url
    }

    /// The pull request number in a GitHub event payload: `pull_request.number` (pull_request,
    /// pull_request_target), else `issue.number` when the issue is a pull request (issue_comment).
    static func pullRequestNumber(eventPath: String, readFile: (String) throws -> Data) throws(InputError) -> Int {
        let data: Data
        do { data = try readFile(eventPath) } catch {
            throw InputError("cannot read the event payload GITHUB_EVENT_PATH=\(eventPath): \(error.localizedDescription)")
        }
        guard let event = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw InputError("the event payload \(eventPath) is not a JSON object")
        }
        if let pull = event["pull_request"] as? [String: Any], let number = pull["number"] as? Int { return number }
        if let issue = event["issue"] as? [String: Any], issue["pull_request"] != nil, let number = issue["number"] as? Int {
            return number
        }
        throw InputError("the event payload \(eventPath) is not about a pull request; run the step on pull_request "
                         + "events (if: github.event_name == 'pull_request') or pass --number")
    }

    // MARK: - The body

    /// The hidden marker a body starts with (`<!-- contract-gate:… -->` as its first line), if any.
    /// Only the first line counts, so a comment that merely quotes a marker is never taken for ours.
    public static func marker(in body: String) -> String? {
        let first = body.prefix { $0 != "\n" && $0 != "\r\n" }.trimmingCharacters(in: .whitespaces)
        guard first.hasPrefix("<!-- contract-gate:"), first.hasSuffix("-->"), first.count <= 200 else { return nil }
        return first
    }

    /// The body as posted: starting with a marker (prepended when missing), within the host's limit.
    public static func prepare(body: String, host: Host) -> (body: String, marker: String) {
        let found = marker(in: body)
        let marker = found ?? defaultMarker
        var text = found == nil ? marker + "\n" + body : body
        let limit = host == .github ? githubBodyLimit : gitlabBodyLimit
        // Counted in UTF-8 bytes, never fewer than the characters the host counts.
        if text.utf8.count > limit {
            let note = "\n\n> **Truncated:** this comment was cut at \(limit) characters; the full report is in the job.\n"
            var kept = "", used = 0
            for character in text {
                let size = character.utf8.count
                if used + size > limit - note.utf8.count { break }
                kept.append(character)
                used += size
            }
            text = kept + note
        }
        return (text, marker)
    }

    // MARK: - Talking to the host

    /// Posts `body` as the comment, or edits the comment that carries the same marker.
    public func post(body: String) async throws -> Outcome {
        let (text, marker) = Self.prepare(body: body, host: target.host)
        let existing: Int?
        switch try await findComment(marker: marker) {
        case .found(let id): existing = id
        case .none: existing = nil
        case .forbidden(let message): return .forbidden(message: message)
        }
        let payload = try JSONSerialization.data(withJSONObject: ["body": text], options: [.sortedKeys])
        if let existing {
            let method = target.host == .github ? "PATCH" : "PUT"
            let response = try await send(method, url: url(target.commentPath(existing)), body: payload)
            if response.status == 403 { return .forbidden(message: describe(response)) }
            try expectSuccess(response, doing: "updating comment \(existing)")
            return .updated(id: existing)
        }
        let response = try await send("POST", url: url(target.commentsPath), body: payload)
        if response.status == 403 { return .forbidden(message: describe(response)) }
        try expectSuccess(response, doing: "posting the comment")
        guard let id = (try? JSONSerialization.jsonObject(with: response.body) as? [String: Any])?["id"] as? Int else {
            throw CommentError("the \(target.host.rawValue) API answered the new comment without an id")
        }
        return .created(id: id)
    }

    private enum Search { case found(Int), none, forbidden(String) }

    /// Walks every page of comments for the first one whose body holds `marker`.
    private func findComment(marker: String) async throws -> Search {
        var next: URL? = url(target.commentsPath, query: [("per_page", "100")])
        var pages = 0
        while let page = next {
            pages += 1
            guard pages <= 1_000 else { throw CommentError("more than 1,000 pages of comments; giving up") }
            let response = try await send("GET", url: page, body: nil)
            if response.status == 403 { return .forbidden(describe(response)) }
            try expectSuccess(response, doing: "listing the comments")
            guard let comments = (try? JSONSerialization.jsonObject(with: response.body)) as? [[String: Any]] else {
                throw CommentError("the \(target.host.rawValue) API's comment list is not a JSON array")
            }
            for comment in comments {
                if let body = comment["body"] as? String, Self.marker(in: body) == marker, let id = comment["id"] as? Int {
                    return .found(id)
                }
            }
            next = try nextPage(response)
        }
        return .none
    }

    /// The next page: the `Link: <…>; rel="next"` both hosts send, or GitLab's `X-Next-Page`.
    /// A link to another host, port or scheme is refused: the token would go with it.
    func nextPage(_ response: TransportResponse) throws -> URL? {
        if let link = response.headers["link"] {
            for part in link.split(separator: ",") {
                let pieces = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
                guard pieces.count >= 2, pieces.dropFirst().contains(where: { $0 == "rel=\"next\"" || $0 == "rel=next" }),
                      pieces[0].hasPrefix("<"), pieces[0].hasSuffix(">"),
                      let url = URL(string: String(pieces[0].dropFirst().dropLast())) else { continue }
                guard url.host?.lowercased() == target.apiBase.host?.lowercased(),
                      url.scheme?.lowercased() == target.apiBase.scheme?.lowercased(),
                      Self.port(of: url) == Self.port(of: target.apiBase) else {
                    throw CommentError("the API's next page of comments is on another host (\(url.host ?? "?")); "
                                       + "not sending the token there. Check \(target.host == .github ? "GITHUB_API_URL" : "CI_API_V4_URL")")
                }
                return url
            }
            return nil
        }
        if let page = response.headers["x-next-page"].flatMap({ Int($0.trimmingCharacters(in: .whitespaces)) }), page > 0 {
            return url(target.commentsPath, query: [("per_page", "100"), ("page", String(page))])
        }
        return nil
    }

    static func port(of url: URL) -> Int? {
        url.port ?? (url.scheme?.lowercased() == "https" ? 443 : (url.scheme?.lowercased() == "http" ? 80 : nil))
    }

    private func url(_ path: String, query: [(String, String)] = []) -> URL {
        var components = URLComponents(url: target.apiBase, resolvingAgainstBaseURL: false) ?? URLComponents()
        let base = components.percentEncodedPath.hasSuffix("/") ? String(components.percentEncodedPath.dropLast()) : components.percentEncodedPath
        components.percentEncodedPath = base + "/" + path
        if !query.isEmpty { components.queryItems = query.map { URLQueryItem(name: $0.0, value: $0.1) } }
        return components.url ?? target.apiBase
    }

    private func send(_ method: String, url: URL, body: Data?) async throws -> TransportResponse {
        var headers = ["User-Agent": "contract-gate/\(ContractGateVersion.current)", "Accept": "application/json"]
        switch target.host {
        case .github:
            headers["Authorization"] = "Bearer \(target.token)"
            headers["Accept"] = "application/vnd.github+json"
            headers["X-GitHub-Api-Version"] = "2022-11-28"
        case .gitlab:
            headers["PRIVATE-TOKEN"] = target.token
        }
        if body != nil { headers["Content-Type"] = "application/json" }
        do {
            return try await transport.send(TransportRequest(method: method, url: url, headers: headers, body: body),
                                            timeout: timeout)
        } catch let error as TransportError {
            let reason = switch error {
            case .timedOut: "timed out"
            case .cancelled: "cancelled"
            case .connectionFailed(let why): why
            }
            throw CommentError("\(method) \(redact(url.path)) on \(target.apiBase.host ?? "the API"): \(redact(reason))")
        }
    }

    private func expectSuccess(_ response: TransportResponse, doing what: String) throws {
        guard !(200..<300).contains(response.status) else { return }
        var hint = ""
        switch response.status {
        case 401: hint = target.host == .github ? "; the token is invalid or expired" : "; the token is invalid, expired or lacks the api scope"
        case 404: hint = target.host == .github
            ? "; check GITHUB_REPOSITORY and the pull request number, and that the token can see the repository"
            : "; check CI_PROJECT_ID and CI_MERGE_REQUEST_IID, and that the token's user can see the project"
        default: break
        }
        throw CommentError("\(what) failed: \(describe(response))\(hint)")
    }

    /// `HTTP 403: Resource not accessible by integration`: the status and the API's own message,
    /// clipped and with the token removed (a server may echo what it was sent).
    func describe(_ response: TransportResponse) -> String {
        var message = ""
        if let object = (try? JSONSerialization.jsonObject(with: response.body)) as? [String: Any] {
            message = (object["message"] as? String) ?? (object["error"] as? String) ?? ""
            if message.isEmpty, let nested = object["message"] { message = String(describing: nested) }
        }
        message = String(message.unicodeScalars.map { CharacterSet.controlCharacters.contains($0) ? " " : Character($0) })
        if message.count > 300 { message = String(message.prefix(300)) + "…" }
        return redact("HTTP \(response.status)" + (message.isEmpty ? "" : ": \(message)"))
    }

    /// `text` with every occurrence of the token replaced.
    func redact(_ text: String) -> String {
        guard target.token.count >= 4 else { return text }
        return text.replacingOccurrences(of: target.token, with: "***")
    }
}

/// The comment could not be posted (exit 2): the message names what failed and what to check.
public struct CommentError: GateError, Sendable, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var exitCode: GateExitCode { .usage }
    public var description: String { "error: \(message)" }
}
