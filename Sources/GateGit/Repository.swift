import CLibGit2
import Foundation
import GateModel

/// A git repository opened with libgit2: the only door from contract-gate into git.
///
/// One owner, one task: libgit2 handles must not be shared across threads, so this class is
/// deliberately not `Sendable`. Everything it returns (`ChangeSet`, `PushRange`, strings) is a
/// Sendable value copied out of libgit2. The handle is freed in `deinit`; trees handed out keep
/// the repository alive.
public final class Repository {
    /// The `git_repository*`, owned by this object.
    let handle: OpaquePointer
    /// The object database handle, opened on first use (blob sizes, existence checks).
    private var objectDatabase: OpaquePointer?

    /// Files larger than this (bytes) are flagged `isOversized` in change sets and their content is
    /// not examined. Default 5 MiB.
    public var maxFileSize: Int = 5 * 1024 * 1024

    /// The extensions (lower-case, without the dot) of the files whose content a change set reads
    /// to flag them binary; nil reads every changed file's. A file not read is binary only when
    /// git's attributes say so. Reading a large file whose content nobody looks at afterwards (a
    /// data file, a generated JSON) only to probe its first 8000 bytes costs a whole inflate per side.
    public var binaryProbeExtensions: Set<String>?

    /// Rename detection examines at most this many candidates, pinned so that a user's
    /// `diff.renameLimit` cannot change the result (git's own default is 1000).
    public var renameLimit: Int = 1000

    private init(handle: OpaquePointer) {
        self.handle = handle
    }

    deinit {
        git_odb_free(objectDatabase)
        git_repository_free(handle)
    }

    // MARK: Opening

    /// Opens the repository that contains `path` (any folder inside a worktree, the worktree root,
    /// a `.git` folder or a bare repository), searching upwards like git does.
    ///
    /// - Parameter ownerCheck: `false` skips libgit2's owner validation (git's `safe.directory`
    ///   rule) for this one open. libgit2 only offers it as a process-global option, so it is
    ///   turned off for the open and put back as it was afterwards, under a lock every open takes:
    ///   no other open in the process runs while it is off. libgit2 checks ownership only when it
    ///   opens a repository, so the handle returned works the same after the setting is restored.
    ///   contract-gate only reads the repository and runs no hooks or filters, so skipping the
    ///   check is defensible behind an explicit `--no-owner-check` flag.
    public static func open(at path: String, ownerCheck: Bool = true) throws -> Repository {
        LibGit2.ensureInitialized()
        openLock.lock()
        defer { openLock.unlock() }
        guard !ownerCheck else { return try openUnlocked(at: path) }
        let previous = ownerValidation
        ownerValidation = false
        defer { ownerValidation = previous }
        return try openUnlocked(at: path)
    }

    /// Serialises opens with the owner-validation switch (see `open(at:ownerCheck:)`).
    private static let openLock = NSLock()

    /// This repository opened again (its git directory, no search): a handle for another thread.
    /// Ownership was checked, or skipped on request, when this one was opened, so it is skipped
    /// here. Nil when it cannot be opened.
    func reopened() -> Repository? {
        Self.openLock.lock()
        defer { Self.openLock.unlock() }
        let previous = Self.ownerValidation
        Self.ownerValidation = false
        defer { Self.ownerValidation = previous }
        var other: OpaquePointer?
        guard git_repository_open_ext(&other, gitDirectory, UInt32(GIT_REPOSITORY_OPEN_NO_SEARCH.rawValue), nil) == 0,
              let other else { return nil }
        let repository = Repository(handle: other)
        repository.maxFileSize = maxFileSize
        repository.renameLimit = renameLimit
        repository.binaryProbeExtensions = binaryProbeExtensions
        return repository
    }

    private static func openUnlocked(at path: String) throws -> Repository {
        let absolute = absolutePath(path)
        guard FileManager.default.fileExists(atPath: absolute) else {
            throw GitError(call: "git_repository_open_ext", code: Int(GIT_ENOTFOUND.rawValue), errorClass: 0,
                           message: "path does not exist",
                           summary: "no git repository found at or above \(absolute): the folder does not exist",
                           advice: "Pass --repo with the path of a git checkout.")
        }
        var repository: OpaquePointer?
        do throws(GitError) {
            try check(git_repository_open_ext(&repository, absolute, 0, nil), "git_repository_open_ext")
        } catch {
            if error.isOwnership { throw ownershipError(error, path: absolute) }
            if error.isNotFound {
                throw error.explained("no git repository found at or above \(absolute); pass --repo",
                                      advice: "Run contract-gate inside a git checkout or pass --repo <path to the checkout>.")
            }
            throw error.explained("cannot open the git repository at \(absolute)")
        }
        guard let repository else {
            throw GitError(call: "git_repository_open_ext", code: -1, errorClass: 0,
                           message: "libgit2 returned no repository", summary: "cannot open the git repository at \(absolute)")
        }
        return Repository(handle: repository)
    }

    /// Whether libgit2 refuses repositories owned by another user (git's `safe.directory` rule).
    /// Process-global: set it once at startup, never per repository (`open(at:ownerCheck: false)`
    /// switches it off for one open and restores it).
    public static var ownerValidation: Bool {
        get {
            LibGit2.ensureInitialized()
            return clibgit2_get_owner_validation() != 0
        }
        set {
            LibGit2.ensureInitialized()
            _ = clibgit2_set_owner_validation(newValue ? 1 : 0)
        }
    }

    private static func absolutePath(_ path: String) -> String {
        let expanded = (path as NSString).expandingTildeInPath
        let url = expanded.hasPrefix("/")
            ? URL(fileURLWithPath: expanded)
            : URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(expanded)
        return trimmingTrailingSlash(url.standardizedFileURL.path)
    }

    private static func ownershipError(_ error: GitError, path: String) -> GitError {
        let root = enclosingRepositoryRoot(of: path) ?? path
        return error.explained(
            "the git repository at \(root) is owned by another user, and git only trusts repositories listed in safe.directory",
            advice: """
            Either mark it safe: git config --global --add safe.directory \(root)
            or pass --no-owner-check (contract-gate only reads the repository; it runs no hooks or filters).
            """)
    }

    /// The folder git would name in its own safe.directory advice: the nearest folder at or above
    /// `path` holding `.git`, or a bare repository.
    private static func enclosingRepositoryRoot(of path: String) -> String? {
        var url = URL(fileURLWithPath: path)
        let fileManager = FileManager.default
        while true {
            if fileManager.fileExists(atPath: url.appendingPathComponent(".git").path) { return url.path }
            if fileManager.fileExists(atPath: url.appendingPathComponent("HEAD").path),
               fileManager.fileExists(atPath: url.appendingPathComponent("objects").path) { return url.path }
            let parent = url.deletingLastPathComponent()
            if parent.path == url.path { return nil }
            url = parent
        }
    }

    // MARK: Where things are

    /// The worktree root, absolute and without a trailing `/`; nil for a bare repository.
    public var workdir: String? {
        guard let raw = git_repository_workdir(handle) else { return nil }
        return Self.trimmingTrailingSlash(String(cString: raw))
    }

    /// The git directory (`.../.git`, the bare repository itself, or `.git/worktrees/<name>` for a
    /// linked worktree), absolute and without a trailing `/`.
    public var gitDirectory: String {
        guard let raw = git_repository_path(handle) else { return "" }
        return Self.trimmingTrailingSlash(String(cString: raw))
    }

    /// The directory shared by all worktrees (where `hooks/` and `config` live).
    public var commonDirectory: String {
        guard let raw = git_repository_commondir(handle) else { return gitDirectory }
        return Self.trimmingTrailingSlash(String(cString: raw))
    }

    /// True for a bare repository (no worktree).
    public var isBare: Bool { git_repository_is_bare(handle) == 1 }

    /// True when the repository is a shallow clone (`.git/shallow` exists): history ends early.
    public var isShallow: Bool { git_repository_is_shallow(handle) == 1 }

    /// True when HEAD points at a commit rather than a branch (typical in CI checkouts).
    public var isHeadDetached: Bool { git_repository_head_detached(handle) == 1 }

    /// True when HEAD names a branch that has no commit yet (a fresh `git init`).
    public var isHeadUnborn: Bool { git_repository_head_unborn(handle) == 1 }

    /// A configuration value as git resolves it (repository, global, system), or nil when unset or
    /// unreadable.
    public func config(_ key: String) -> String? {
        var snapshot: OpaquePointer?
        guard git_repository_config_snapshot(&snapshot, handle) == 0, let snapshot else { return nil }
        defer { git_config_free(snapshot) }
        var value: UnsafePointer<CChar>?
        // The string belongs to the snapshot, so it is copied before the snapshot is freed.
        guard git_config_get_string(&value, snapshot, key) == 0, let value else { return nil }
        return String(cString: value)
    }

    /// Where git looks for hooks: `core.hooksPath` when set (a relative value is relative to the
    /// worktree root, or to the git directory of a bare repository; `~/` is expanded from `$HOME`
    /// and `~user/` from that user's home, as git does), else `hooks/` in the common git
    /// directory (shared by linked worktrees).
    public var hooksDirectory: String {
        hooksDirectory(environment: ProcessInfo.processInfo.environment)
    }

    /// `hooksDirectory` with `$HOME` read from `environment`.
    public func hooksDirectory(environment: [String: String]) -> String {
        if let configured = config("core.hooksPath"), !configured.isEmpty {
            if configured.hasPrefix("/") { return Self.trimmingTrailingSlash(configured) }
            if configured.hasPrefix("~") {
                let slash = configured.firstIndex(of: "/") ?? configured.endIndex
                let user = String(configured[configured.index(after: configured.startIndex)..<slash])
                // git reads $HOME for `~/` (Foundation's tilde expansion may read the password
                // database instead, which differs in containers and under sudo).
                let home = user.isEmpty
                    ? environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
                    : FileManager.default.homeDirectory(forUser: user)?.path
                if let home {
                    return Self.trimmingTrailingSlash(home + String(configured[slash...]))
                }
            }
            let anchor = workdir ?? gitDirectory
            let url = URL(fileURLWithPath: anchor).appendingPathComponent(configured).standardizedFileURL
            return Self.trimmingTrailingSlash(url.path)
        }
        return commonDirectory + "/hooks"
    }

    // MARK: Internal helpers shared by the extensions

    static func trimmingTrailingSlash(_ path: String) -> String {
        var path = path
        while path.count > 1 && path.hasSuffix("/") { path.removeLast() }
        return path
    }

    /// The object database, opened once and freed with the repository.
    func odb() throws(GitError) -> OpaquePointer {
        if let objectDatabase { return objectDatabase }
        var odb: OpaquePointer?
        try check(git_repository_odb(&odb, handle), "git_repository_odb")
        guard let odb else {
            throw GitError(call: "git_repository_odb", code: -1, errorClass: 0, message: "libgit2 returned no object database")
        }
        objectDatabase = odb
        return odb
    }

    /// Whether the object database has `id` (a commit beyond a shallow boundary does not).
    func hasObject(_ id: ObjectID) -> Bool {
        guard let odb = try? odb() else { return false }
        var raw = id.raw
        return git_odb_exists(odb, &raw) == 1
    }

    /// The size of a blob from its object header, without inflating the content.
    func objectSize(_ id: ObjectID) -> Int? {
        guard let odb = try? odb() else { return nil }
        var raw = id.raw
        var length = 0
        var type = GIT_OBJECT_ANY
        guard git_odb_read_header(&length, &type, odb, &raw) == 0 else { return nil }
        return length
    }
}
