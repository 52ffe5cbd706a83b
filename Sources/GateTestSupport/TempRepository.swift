import Foundation

/// A failed fixture command, with what it printed, so a failing test says why.
public struct FixtureCommandError: Error, CustomStringConvertible {
    /// The program and its arguments.
    public var command: [String]
    /// Its exit status.
    public var status: Int32
    /// What it printed, standard output then standard error.
    public var output: String

    /// The command, its status and its output, ready to read in a test failure.
    public var description: String {
        "fixture command failed (exit \(status)): \(command.joined(separator: " "))\n\(output)"
    }
}

/// A real git repository in a fresh temporary folder, built with the `git` CLI — test fixtures
/// only; product code never shells out to git.
///
/// git runs with no system or global configuration (so the machine's settings cannot change the
/// fixture), a fixed identity, and commit dates one minute apart from a fixed start, so histories
/// and shas are deterministic. Call `remove()` when done (`defer { fixture.remove() }`); the folder
/// is also removed when the object is released.
public final class TempRepository {
    /// The repository root (the worktree, or the repository itself when bare). Absolute, with
    /// symlinks resolved so it compares equal to what libgit2 reports.
    public let path: String
    /// The folder created for this fixture; `path` is inside it. Removed by `remove()`.
    public let container: String
    private var commitCount = 0

    /// Creates `git init -b main` (or `--bare`) in a new temporary folder.
    public init(bare: Bool = false, branch: String = "main") throws {
        container = try Self.temporaryDirectory()
        path = container + "/repo"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try Self.createEmptyGlobalConfig(in: container)
        try run(["init", "-q", "-b", branch] + (bare ? ["--bare"] : []))
    }

    /// Wraps an existing repository folder (a clone made by `clone(to:)`), owned by `container`.
    private init(path: String, container: String, commitCount: Int) {
        self.path = path
        self.container = container
        self.commitCount = commitCount
    }

    deinit { remove() }

    /// Deletes the fixture folder; safe to call twice.
    public func remove() {
        try? FileManager.default.removeItem(atPath: container)
    }

    /// A new, empty, uniquely named folder under the system temporary folder, symlinks resolved.
    /// The caller removes it (`TempRepository.removeDirectory`).
    public static func temporaryDirectory(prefix: String = "contract-gate-test") throws -> String {
        let base = URL(fileURLWithPath: NSTemporaryDirectory())
            .appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        return base.resolvingSymlinksInPath().path
    }

    /// Removes a folder made by `temporaryDirectory()`.
    public static func removeDirectory(_ path: String) {
        try? FileManager.default.removeItem(atPath: path)
    }

    // MARK: Files

    /// Writes `content` to `relativePath` in the worktree, creating folders.
    public func write(_ relativePath: String, _ content: String) throws {
        try write(relativePath, data: Data(content.utf8))
    }

    /// Writes raw bytes to `relativePath` in the worktree, creating folders.
    public func write(_ relativePath: String, data: Data) throws {
        let url = URL(fileURLWithPath: path).appendingPathComponent(relativePath)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: url)
    }

    /// Deletes a worktree file.
    public func delete(_ relativePath: String) throws {
        try FileManager.default.removeItem(atPath: path + "/" + relativePath)
    }

    // MARK: git

    /// `git add -A` and a commit with a deterministic date; returns the new commit's sha.
    @discardableResult
    public func commit(_ message: String, addAll: Bool = true) throws -> String {
        if addAll { try run(["add", "-A"]) }
        try run(["commit", "-q", "--allow-empty", "-m", message])
        return try run(["rev-parse", "HEAD"]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Creates a lightweight tag (or an annotated one with `message`) at `revision`.
    public func tag(_ name: String, at revision: String = "HEAD", message: String? = nil) throws {
        if let message {
            try run(["tag", "-a", name, "-m", message, revision])
        } else {
            try run(["tag", name, revision])
        }
    }

    /// Creates a branch at `revision` without switching to it.
    public func branch(_ name: String, at revision: String = "HEAD") throws {
        try run(["branch", name, revision])
    }

    /// Switches to a branch or detaches at a commit.
    public func checkout(_ revision: String) throws {
        try run(["checkout", "-q", revision])
    }

    /// The sha `revision` names, according to git itself.
    public func sha(_ revision: String) throws -> String {
        try run(["rev-parse", "\(revision)^{commit}"]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Clones this repository with `git clone <extra> file://<path>` into a new fixture.
    public func clone(_ extraArguments: [String] = [], bare: Bool = false) throws -> TempRepository {
        let container = try Self.temporaryDirectory()
        try Self.createEmptyGlobalConfig(in: container)
        let target = container + "/clone"
        _ = try Self.git(["clone", "-q"] + extraArguments + (bare ? ["--bare"] : []) + ["file://" + path, target],
                         in: container, container: container, commitCount: 0)
        return TempRepository(path: target, container: container, commitCount: commitCount)
    }

    /// Runs git in the repository and returns its standard output as text.
    @discardableResult
    public func run(_ arguments: [String]) throws -> String {
        String(decoding: try runData(arguments), as: UTF8.self)
    }

    /// Runs git in the repository and returns its raw standard output (for `-z` output and
    /// paths that are not UTF-8).
    public func runData(_ arguments: [String]) throws -> Data {
        if arguments.first == "commit" { commitCount += 1 }
        return try Self.git(arguments, in: path, container: container, commitCount: commitCount)
    }

    /// Runs a `/bin/sh -c` script in the repository folder (for byte-level file names).
    @discardableResult
    public func shell(_ script: String) throws -> String {
        let output = try Self.execute("/bin/sh", ["-c", script], in: path, environment: Self.environment(container: container, commitCount: commitCount))
        return String(decoding: output, as: UTF8.self)
    }

    // MARK: Process plumbing

    private static func git(_ arguments: [String], in directory: String, container: String, commitCount: Int) throws -> Data {
        try execute("/usr/bin/env", ["git"] + arguments, in: directory,
                    environment: environment(container: container, commitCount: commitCount))
    }

    /// The fixture's own, empty "global" git configuration. (Never /dev/null: a test that runs
    /// `git config --global` as root would replace /dev/null with a regular file.)
    private static func createEmptyGlobalConfig(in container: String) throws {
        try Data().write(to: URL(fileURLWithPath: container + "/gitconfig"))
    }

    private static func environment(container: String, commitCount: Int) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        // One minute per commit from a fixed start: deterministic shas, and a strict date order
        // (merge-base walks go newest-first).
        let date = "\(1_700_000_000 + commitCount * 60) +0000"
        environment["GIT_AUTHOR_NAME"] = "Fixture"
        environment["GIT_AUTHOR_EMAIL"] = "fixture@example.invalid"
        environment["GIT_COMMITTER_NAME"] = "Fixture"
        environment["GIT_COMMITTER_EMAIL"] = "fixture@example.invalid"
        environment["GIT_AUTHOR_DATE"] = date
        environment["GIT_COMMITTER_DATE"] = date
        environment["GIT_CONFIG_NOSYSTEM"] = "1"
        environment["GIT_CONFIG_GLOBAL"] = container + "/gitconfig"
        environment["GIT_TERMINAL_PROMPT"] = "0"
        environment.removeValue(forKey: "GIT_DIR")
        environment.removeValue(forKey: "GIT_WORK_TREE")
        environment.removeValue(forKey: "GIT_INDEX_FILE")
        return environment
    }

    /// Runs a program and returns its standard output; throws with stdout+stderr on failure.
    public static func execute(_ executable: String, _ arguments: [String], in directory: String,
                               environment: [String: String]? = nil) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        if let environment { process.environment = environment }
        let outputFile = try temporaryFile()
        let errorFile = try temporaryFile()
        defer {
            try? FileManager.default.removeItem(at: outputFile)
            try? FileManager.default.removeItem(at: errorFile)
        }
        // Files rather than pipes: a chatty command cannot fill a pipe buffer and hang the test.
        process.standardOutput = try FileHandle(forWritingTo: outputFile)
        process.standardError = try FileHandle(forWritingTo: errorFile)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        let output = (try? Data(contentsOf: outputFile)) ?? Data()
        guard process.terminationStatus == 0 else {
            let errors = (try? Data(contentsOf: errorFile)) ?? Data()
            throw FixtureCommandError(command: [executable] + arguments, status: process.terminationStatus,
                                      output: String(decoding: output + errors, as: UTF8.self))
        }
        return output
    }

    private static func temporaryFile() throws -> URL {
        let url = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("fixture-\(UUID().uuidString)")
        guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
            throw CocoaError(.fileWriteUnknown)
        }
        return url
    }
}
