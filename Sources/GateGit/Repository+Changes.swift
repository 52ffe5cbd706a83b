import CLibGit2
import Foundation
import GateModel

extension Repository {
    /// The id of git's empty tree: the base of staged or worktree changes before the first commit.
    static let emptyTreeID = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"

    /// The files that differ between the trees of two commits, with renames detected like
    /// `git diff -M` (50% similarity, rename limit pinned to `renameLimit`), sorted by path.
    /// Only the two trees are read, so this works in shallow clones whenever both commits are present.
    public func changeSet(base: String, head: String) throws -> ChangeSet {
        let baseID = try commitID(base)
        let headID = try commitID(head)
        let baseTree = try treeHandle(ofCommit: baseID, revision: base)
        defer { git_tree_free(baseTree) }
        let headTree = try treeHandle(ofCommit: headID, revision: head)
        defer { git_tree_free(headTree) }
        var options = try diffOptions(flags: GIT_DIFF_INCLUDE_TYPECHANGE.rawValue)
        var diff: OpaquePointer?
        try check(git_diff_tree_to_tree(&diff, handle, baseTree, headTree, &options), "git_diff_tree_to_tree")
        defer { git_diff_free(diff) }
        return ChangeSet(base: baseID.hex, head: .commit(headID.hex),
                         changes: try fileChanges(of: diff, includingUntracked: false))
    }

    /// What `git commit` would record: the index against HEAD (`head` is `.index`), or against
    /// the commit `base` names (`check --staged --base`). Before the first commit the base is the empty tree.
    public func stagedChanges(against base: String? = nil) throws -> ChangeSet {
        try requireWorktree(for: "staged changes")
        let (baseName, baseTree) = try base.map { try commitTree($0) } ?? headTree()
        defer { git_tree_free(baseTree) }
        var index: OpaquePointer?
        try check(git_repository_index(&index, handle), "git_repository_index")
        defer { git_index_free(index) }
        var options = try diffOptions(flags: GIT_DIFF_INCLUDE_TYPECHANGE.rawValue)
        var diff: OpaquePointer?
        try check(git_diff_tree_to_index(&diff, handle, baseTree, index, &options), "git_diff_tree_to_index")
        defer { git_diff_free(diff) }
        return ChangeSet(base: baseName, head: .index, changes: try fileChanges(of: diff, includingUntracked: false))
    }

    /// Everything that differs from HEAD in the checkout: staged and unstaged edits and untracked
    /// (not ignored) files, with renames detected also onto untracked files (`head` is `.worktree`).
    /// With `base`, the same files against that commit instead of HEAD (`check --worktree --base`).
    public func worktreeChanges(against base: String? = nil) throws -> ChangeSet {
        try requireWorktree(for: "worktree changes")
        let (baseName, baseTree) = try base.map { try commitTree($0) } ?? headTree()
        defer { git_tree_free(baseTree) }
        let flags = GIT_DIFF_INCLUDE_TYPECHANGE.rawValue | GIT_DIFF_INCLUDE_UNTRACKED.rawValue
            | GIT_DIFF_RECURSE_UNTRACKED_DIRS.rawValue
        var options = try diffOptions(flags: flags)
        var diff: OpaquePointer?
        try check(git_diff_tree_to_workdir_with_index(&diff, handle, baseTree, &options),
                  "git_diff_tree_to_workdir_with_index")
        defer { git_diff_free(diff) }
        return ChangeSet(base: baseName, head: .worktree, changes: try fileChanges(of: diff, includingUntracked: true))
    }

    /// Staged and worktree checks need a checkout; a bare repository has neither index nor worktree.
    func requireWorktree(for purpose: String) throws(GitError) {
        guard isBare else { return }
        throw GitError(call: "git_repository_is_bare", code: Int(GIT_EBAREREPO.rawValue),
                       errorClass: Int(GIT_ERROR_REPOSITORY.rawValue), message: "bare repository",
                       summary: "the repository at \(gitDirectory) is bare: it has no index or worktree for \(purpose)",
                       advice: "Compare commits with --base/--head instead.")
    }

    // MARK: Trees

    /// The tree of a commit; the caller frees it with `git_tree_free`.
    func treeHandle(ofCommit id: ObjectID, revision: String) throws(GitError) -> OpaquePointer {
        var raw = id.raw
        var commit: OpaquePointer?
        do throws(GitError) {
            try check(git_commit_lookup(&commit, handle, &raw), "git_commit_lookup")
        } catch {
            throw error.explained("cannot read commit '\(revision)' (\(id.hex))",
                                  advice: isShallow ? fetchMoreHistoryAdvice : nil)
        }
        defer { git_commit_free(commit) }
        var tree: OpaquePointer?
        do throws(GitError) {
            try check(git_commit_tree(&tree, commit), "git_commit_tree")
        } catch {
            throw error.explained("cannot read the tree of commit '\(revision)' (\(id.hex))",
                                  advice: isShallow ? fetchMoreHistoryAdvice : nil)
        }
        guard let tree else {
            throw GitError(call: "git_commit_tree", code: -1, errorClass: 0, message: "no tree",
                           summary: "cannot read the tree of commit '\(revision)'")
        }
        return tree
    }

    /// HEAD's commit sha and tree, or the empty tree id and a nil tree (libgit2 treats a nil tree
    /// as empty) when HEAD is unborn.
    private func headTree() throws(GitError) -> (String, OpaquePointer?) {
        if isHeadUnborn { return (Self.emptyTreeID, nil) }
        let head = try commitID("HEAD")
        return (head.hex, try treeHandle(ofCommit: head, revision: "HEAD"))
    }

    /// A commit's sha and tree (the caller frees it).
    private func commitTree(_ revision: String) throws(GitError) -> (String, OpaquePointer?) {
        let id = try commitID(revision)
        return (id.hex, try treeHandle(ofCommit: id, revision: revision))
    }

    private func diffOptions(flags: UInt32) throws(GitError) -> git_diff_options {
        var options = git_diff_options()
        try check(git_diff_options_init(&options, UInt32(GIT_DIFF_OPTIONS_VERSION)), "git_diff_options_init")
        options.flags = flags
        return options
    }

    // MARK: Deltas to FileChange

    /// Runs rename detection on `diff` and copies its deltas into `FileChange` values.
    private func fileChanges(of diff: OpaquePointer?, includingUntracked: Bool) throws(GitError) -> [FileChange] {
        guard let diff else { return [] }
        var find = git_diff_find_options()
        try check(git_diff_find_options_init(&find, UInt32(GIT_DIFF_FIND_OPTIONS_VERSION)), "git_diff_find_options_init")
        // Renames only (no copies), like `git diff -M`; explicit flags so diff.renames config cannot
        // change the result, and a pinned limit so diff.renameLimit cannot either.
        find.flags = GIT_DIFF_FIND_RENAMES.rawValue
            | (includingUntracked ? GIT_DIFF_FIND_FOR_UNTRACKED.rawValue : 0)
        find.rename_threshold = 50
        find.rename_limit = max(1, renameLimit)
        try check(git_diff_find_similar(diff, &find), "git_diff_find_similar")

        let sizeInspector = SideInspector(repository: self, maxFileSize: maxFileSize, probedExtensions: binaryProbeExtensions)
        var changes: [FileChange] = []
        let count = git_diff_num_deltas(diff)
        changes.reserveCapacity(count)
        for index in 0..<count {
            guard let delta = git_diff_get_delta(diff, index)?.pointee else { continue }
            guard let status = Self.status(of: delta.status) else { continue }
            let old = decodePath(delta.old_file.path)
            let new = decodePath(delta.new_file.path)
            var change = FileChange(
                status: status,
                oldPath: status == .added ? nil : old?.path,
                newPath: status == .deleted ? nil : new?.path,
                similarity: status == .renamed ? Int(delta.similarity) : nil)
            change.hasInvalidPath = (old?.isValid == false) || (new?.isValid == false)
            let sides = [status == .added ? nil : (delta.old_file, old?.path), status == .deleted ? nil : (delta.new_file, new?.path)]
            for (side, path) in sides.compactMap({ $0 }) {
                let facts = sizeInspector.inspect(side, path: path, deltaFlags: delta.flags)
                change.isOversized = change.isOversized || facts.isOversized
                change.isBinary = change.isBinary || facts.isBinary
            }
            changes.append(change)
        }
        return changes.sorted { ($0.path, $0.oldPath ?? "") < ($1.path, $1.oldPath ?? "") }
    }

    private static func status(of delta: git_delta_t) -> FileChangeStatus? {
        switch delta {
        case GIT_DELTA_ADDED, GIT_DELTA_UNTRACKED, GIT_DELTA_COPIED: .added
        case GIT_DELTA_DELETED: .deleted
        case GIT_DELTA_MODIFIED, GIT_DELTA_CONFLICTED: .modified
        case GIT_DELTA_RENAMED: .renamed
        case GIT_DELTA_TYPECHANGE: .typeChange
        default: nil  // unmodified, ignored, unreadable: not a change to check
        }
    }
}

/// Finds out whether one side of a delta is binary or over the size limit, reading as little as
/// possible: the object header for the size, and only the first 8000 bytes for binary detection
/// (git's own rule: a NUL byte there means binary). Workdir sides have no object id, so they are
/// read from disk.
private struct SideInspector {
    let repository: Repository
    let maxFileSize: Int
    let probedExtensions: Set<String>?

    /// git looks for a NUL byte in this many leading bytes to call content binary.
    static let binaryProbeLength = 8000

    func inspect(_ file: git_diff_file, path: String?, deltaFlags: UInt32) -> (isBinary: Bool, isOversized: Bool) {
        let mode = UInt32(file.mode)
        // Symlinks and submodules have no file content to read.
        guard mode != UInt32(GIT_FILEMODE_LINK.rawValue), mode != UInt32(GIT_FILEMODE_COMMIT.rawValue) else {
            return (false, false)
        }
        let id = ObjectID(file.id)
        let hasID = file.flags & GIT_DIFF_FLAG_VALID_ID.rawValue != 0 && !id.isZero
        if hasID {
            // An object missing from the database (a partial clone) is left unflagged: reading the
            // file at the same path in the checkout would describe a different version.
            guard let size = repository.objectSize(id) else { return (false, false) }
            if size > maxFileSize { return (false, true) }
            if let known = Self.knownBinary(deltaFlags) { return (known, false) }
            return (probes(path) && blobLooksBinary(id), false)
        }
        guard let workdir = repository.workdir, let path = decodePath(file.path), path.isValid else {
            return (false, false)
        }
        return diskFacts(workdir + "/" + path.path)
    }

    /// Whether the content at `path` is read to tell whether it is binary (`binaryProbeExtensions`).
    private func probes(_ path: String?) -> Bool {
        guard let probedExtensions else { return true }
        guard let path, let dot = path.lastIndex(of: "."), !path[dot...].contains("/") else { return false }
        return probedExtensions.contains(path[path.index(after: dot)...].lowercased())
    }

    private static func knownBinary(_ flags: UInt32) -> Bool? {
        if flags & GIT_DIFF_FLAG_BINARY.rawValue != 0 { return true }
        if flags & GIT_DIFF_FLAG_NOT_BINARY.rawValue != 0 { return false }
        return nil
    }

    private func blobLooksBinary(_ id: ObjectID) -> Bool {
        var raw = id.raw
        var blob: OpaquePointer?
        guard git_blob_lookup(&blob, repository.handle, &raw) == 0 else { return false }
        defer { git_blob_free(blob) }
        let size = Int(git_blob_rawsize(blob))
        guard size > 0, let content = git_blob_rawcontent(blob) else { return false }
        let probe = UnsafeRawBufferPointer(start: content, count: min(size, Self.binaryProbeLength))
        return probe.contains(0)
    }

    private func diskFacts(_ path: String) -> (isBinary: Bool, isOversized: Bool) {
        guard let handle = FileHandle(forReadingAtPath: path) else { return (false, false) }
        defer { try? handle.close() }
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        if size > maxFileSize { return (false, true) }
        let probe = (try? handle.read(upToCount: Self.binaryProbeLength)) ?? Data()
        return (probe.contains(0), false)
    }
}
