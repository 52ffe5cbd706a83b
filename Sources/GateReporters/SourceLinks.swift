import Foundation

/// Where the report's files can be read on the code host, so a PR comment links each finding to
/// its line at the commit that was checked: GitHub `{server}/{owner}/{repo}/blob/{commit}/{path}#L{line}`,
/// GitLab `{project URL}/-/blob/{commit}/{path}#L{line}`.
///
/// Built by the caller from the CI environment (`fromEnvironment`), so reporters stay pure.
public struct SourceLinks: Sendable, Hashable {
    public enum Host: String, Sendable, Hashable {
        case github
        case gitlab
    }

    public var host: Host
    /// `https://github.com/owner/repo`, `https://gitlab.example/group/project`.
    public var repositoryURL: String
    /// The full commit id the findings' lines refer to.
    public var commit: String

    /// Nil unless the repository URL is http(s) with nothing that could end a Markdown link
    /// and the commit is a full hexadecimal id.
    public init?(host: Host, repositoryURL: String, commit: String) {
        var url = repositoryURL
        while url.hasSuffix("/") { url.removeLast() }
        guard MarkdownText.linkTarget(url) != nil, URL(string: url)?.host != nil,
              Self.isCommitID(commit) else { return nil }
        self.host = host
        self.repositoryURL = url
        self.commit = commit.lowercased()
    }

    /// Links for a report whose head is `head`, from GitHub's (`GITHUB_SERVER_URL`,
    /// `GITHUB_REPOSITORY`) or GitLab's (`CI_PROJECT_URL`) variables. The commit is the report's
    /// head: the commit that was checked, which in CI is `GITHUB_SHA`/`CI_COMMIT_SHA` or the
    /// pull request's head, whichever the job checked out. Nil outside CI, and for a worktree or
    /// index check (those lines exist in no commit).
    public static func fromEnvironment(_ environment: [String: String], head: String) -> SourceLinks? {
        func value(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        if environment["GITHUB_ACTIONS"] == "true", let repository = value("GITHUB_REPOSITORY") {
            var server = value("GITHUB_SERVER_URL") ?? "https://github.com"
            while server.hasSuffix("/") { server.removeLast() }
            return SourceLinks(host: .github, repositoryURL: server + "/" + repository, commit: head)
        }
        if environment["GITLAB_CI"] == "true", let project = value("CI_PROJECT_URL") {
            return SourceLinks(host: .gitlab, repositoryURL: project, commit: head)
        }
        return nil
    }

    /// The URL of `path` at `line` (a whole-file link when `line` is not positive).
    public func url(path: String, line: Int) -> String {
        let blob = host == .github ? "/blob/" : "/-/blob/"
        let anchor = line > 0 ? "#L\(line)" : ""
        return repositoryURL + blob + commit + "/" + Self.encodePath(path) + anchor
    }

    /// Each byte outside the unreserved set and `/` percent-encoded: spaces, `#`, `?`, `(`, `)`
    /// and `|` in a file name can neither end the link nor the table cell.
    static func encodePath(_ path: String) -> String {
        var output = ""
        for byte in path.utf8 {
            let scalar = Unicode.Scalar(byte)
            if scalar.isASCII, (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "-._~/".unicodeScalars.contains(scalar)) {
                output.unicodeScalars.append(scalar)
            } else {
                output += String(format: "%%%02X", byte)
            }
        }
        return output
    }

    static func isCommitID(_ text: String) -> Bool {
        (text.count == 40 || text.count == 64) && text.allSatisfy(\.isHexDigit)
    }
}
