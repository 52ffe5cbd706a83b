import CLibGit2
import Foundation
import GateModel

extension Repository {
    /// The files of a commit, read from the object database: independent of what is checked out.
    public func tree(at commit: String) throws -> GitTree {
        let id = try commitID(commit)
        let tree = try treeHandle(ofCommit: id, revision: commit)
        return GitTree(repository: self, tree: tree, commit: id.hex)
    }

    /// The files as staged in the index (what the next commit would contain).
    public func indexTree() throws -> IndexTree {
        try requireWorktree(for: "the staged files")
        var index: OpaquePointer?
        do throws(GitError) {
            try check(git_repository_index(&index, handle), "git_repository_index")
        } catch {
            throw error.explained("cannot read the index of \(gitDirectory)")
        }
        guard let index else {
            throw GitError(call: "git_repository_index", code: -1, errorClass: 0, message: "no index",
                           summary: "cannot read the index of \(gitDirectory)")
        }
        return IndexTree(repository: self, index: index)
    }

    /// The content of a blob, or nil when the object is not a readable blob.
    func blobContents(_ id: ObjectID) throws(GitError) -> Data {
        try Self.blobContents(id, in: handle)
    }

    static func blobContents(_ id: ObjectID, in handle: OpaquePointer) throws(GitError) -> Data {
        var raw = id.raw
        var blob: OpaquePointer?
        try check(git_blob_lookup(&blob, handle, &raw), "git_blob_lookup")
        defer { git_blob_free(blob) }
        let size = Int(git_blob_rawsize(blob))
        guard size > 0, let content = git_blob_rawcontent(blob) else { return Data() }
        return Data(bytes: content, count: size)
    }

    /// Reads the blobs `ids` on `workers` threads, each through a repository handle of its own
    /// (libgit2 handles are not shared across threads), handing each content to `transform` there.
    /// Nil when a handle cannot be opened or a blob read (the caller then reads on its own handle,
    /// and says what failed): only this repository's git directory is opened again.
    func readConcurrently<T: Sendable>(_ ids: [ObjectID?], paths: [String], workers: Int,
                                       _ transform: @escaping @Sendable (String, Data) -> T) -> [T?]? {
        let directory = gitDirectory
        let slots = ConcurrentSlots<T>(count: ids.count, chunkSize: 64)
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            var handle: OpaquePointer?
            guard git_repository_open_ext(&handle, directory, UInt32(GIT_REPOSITORY_OPEN_NO_SEARCH.rawValue), nil) == 0,
                  let handle else { return slots.fail() }
            defer { git_repository_free(handle) }
            while let chunk = slots.nextChunk() {
                for index in chunk {
                    guard let id = ids[index] else { continue }
                    do throws(GitError) {
                        slots.set(index, transform(paths[index], try Repository.blobContents(id, in: handle)))
                    } catch {
                        return slots.fail()
                    }
                }
            }
        }
        return slots.failed ? nil : slots.values
    }
}

/// Normalises a path given to a `FileTree`: no leading, trailing or doubled `/`.
private func normalizedTreePath(_ path: String) -> String {
    path.split(separator: "/", omittingEmptySubsequences: true).joined(separator: "/")
}

/// Regular and executable files: the entries a `FileTree` lists. Symlinks (their "content" is a
/// target path) and submodules (a commit id) are not files dbt could read.
private func isFileMode(_ mode: UInt32) -> Bool {
    mode == UInt32(GIT_FILEMODE_BLOB.rawValue) || mode == UInt32(GIT_FILEMODE_BLOB_EXECUTABLE.rawValue)
}

/// The files of one commit, read straight from the object database.
///
/// Keeps its `Repository` alive and, like it, belongs to one task. Paths that are not valid UTF-8
/// are listed decoded with replacement characters (and then cannot be read back by name).
public final class GitTree: FileTree {
    /// The commit sha whose tree this is.
    public let commit: String
    private let repository: Repository
    private let tree: OpaquePointer
    /// The blob id of every file a listing has met, so reading it back needs no path walk
    /// through the tree objects (a lookup by path re-reads each folder on the way).
    private var listed: [String: ObjectID] = [:]

    init(repository: Repository, tree: OpaquePointer, commit: String) {
        self.repository = repository
        self.tree = tree
        self.commit = commit
    }

    deinit { git_tree_free(tree) }

    /// The same commit's files through a repository handle of its own (libgit2 handles are not
    /// shared across threads), knowing every blob id this tree has listed; nil when the
    /// repository cannot be opened again.
    public func twin() -> (any FileTree)? {
        guard let other = repository.reopened(), let id = ObjectID(hex: commit),
              let handle = try? other.treeHandle(ofCommit: id, revision: commit) else { return nil }
        let twin = GitTree(repository: other, tree: handle, commit: commit)
        twin.listed = listed
        return twin
    }

    /// Every file under `folder` ("" for all), recursively, sorted, `/`-joined from the root.
    public func files(under folder: String) throws -> [String] {
        let folder = normalizedTreePath(folder)
        var paths: [String] = []
        if folder.isEmpty {
            try collect(tree, prefix: [], into: &paths)
        } else {
            guard let entry = try entry(at: folder) else { return [] }
            defer { git_tree_entry_free(entry) }
            guard git_tree_entry_type(entry) == GIT_OBJECT_TREE, let id = git_tree_entry_id(entry) else { return [] }
            let subtree = try lookupTree(id)
            defer { git_tree_free(subtree) }
            try collect(subtree, prefix: Array(folder.utf8) + [UInt8(ascii: "/")], into: &paths)
        }
        return paths.sorted()
    }

    /// The content of the file at `path`, or nil when there is no such file in this commit.
    public func contents(of path: String) throws -> Data? {
        guard let id = try fileID(at: path) else { return nil }
        return try repository.blobContents(id)
    }

    /// Fewer files than this are read on the calling thread: threads and repository handles would
    /// cost more than they save.
    static let concurrentReadMinimum = 64

    /// Reads many files on as many threads as the machine has cores (at most four), `transform`
    /// running on each; on the calling thread when they are few, or when the repository cannot be
    /// opened again (a failing blob is then met, and reported, here).
    public func readEach<T: Sendable>(_ paths: [String], _ transform: @escaping @Sendable (String, Data) -> T) throws -> [T?] {
        var ids: [ObjectID?] = []
        ids.reserveCapacity(paths.count)
        for path in paths { ids.append(try fileID(at: path)) }
        let workers = min(ProcessInfo.processInfo.activeProcessorCount, 4)
        if paths.count >= Self.concurrentReadMinimum, workers > 1,
           let results = repository.readConcurrently(ids, paths: paths, workers: workers, transform) {
            return results
        }
        var results: [T?] = []
        results.reserveCapacity(paths.count)
        for (path, id) in zip(paths, ids) {
            results.append(try id.map { id throws(GitError) in transform(path, try repository.blobContents(id)) })
        }
        return results
    }

    /// The size in bytes of the file at `path`, from its object header (the content is not read);
    /// nil when there is no such file.
    public func blobSize(of path: String) -> Int? {
        guard let id = try? fileID(at: path) else { return nil }
        return repository.objectSize(id)
    }

    /// The blob id of the file at `path` (hex), without reading it; nil when there is no such file.
    public func blobID(of path: String) -> String? {
        guard let id = try? fileID(at: path) else { return nil }
        return id.hex
    }

    private func fileID(at path: String) throws(GitError) -> ObjectID? {
        if let id = listed[path] { return id }
        let path = normalizedTreePath(path)
        guard !path.isEmpty, let entry = try entry(at: path) else { return nil }
        defer { git_tree_entry_free(entry) }
        guard git_tree_entry_type(entry) == GIT_OBJECT_BLOB,
              isFileMode(UInt32(git_tree_entry_filemode(entry).rawValue)),
              let id = git_tree_entry_id(entry) else { return nil }
        return ObjectID(id.pointee)
    }

    /// The entry at `path` (owned by the caller), or nil when the path does not exist.
    private func entry(at path: String) throws(GitError) -> OpaquePointer? {
        var entry: OpaquePointer?
        let rc = git_tree_entry_bypath(&entry, tree, path)
        if rc == GIT_ENOTFOUND.rawValue { return nil }
        try check(rc, "git_tree_entry_bypath")
        return entry
    }

    private func lookupTree(_ id: UnsafePointer<git_oid>) throws(GitError) -> OpaquePointer {
        var subtree: OpaquePointer?
        try check(git_tree_lookup(&subtree, repository.handle, id), "git_tree_lookup")
        guard let subtree else {
            throw GitError(call: "git_tree_lookup", code: -1, errorClass: 0, message: "no tree")
        }
        return subtree
    }

    /// Depth-first walk over borrowed entries; paths are built as bytes and decoded once per file,
    /// which keeps 50,000-file trees fast.
    private func collect(_ tree: OpaquePointer, prefix: [UInt8], into paths: inout [String]) throws(GitError) {
        for index in 0..<git_tree_entrycount(tree) {
            guard let entry = git_tree_entry_byindex(tree, index), let name = git_tree_entry_name(entry) else { continue }
            var path = prefix
            path.append(contentsOf: UnsafeRawBufferPointer(start: name, count: strlen(name)))
            switch git_tree_entry_type(entry) {
            case GIT_OBJECT_BLOB:
                if isFileMode(UInt32(git_tree_entry_filemode(entry).rawValue)), let id = git_tree_entry_id(entry) {
                    let file = String(decoding: path, as: UTF8.self)
                    paths.append(file)
                    listed[file] = ObjectID(id.pointee)
                }
            case GIT_OBJECT_TREE:
                guard let id = git_tree_entry_id(entry) else { continue }
                let subtree = try lookupTree(id)
                defer { git_tree_free(subtree) }
                path.append(UInt8(ascii: "/"))
                try collect(subtree, prefix: path, into: &paths)
            default:
                continue  // submodule commits
            }
        }
    }
}

/// The files as staged in the index, contents read from the object database.
/// A snapshot of the index as it was when created; conflicted paths (stages 1–3) are left out.
public final class IndexTree: FileTree {
    private let repository: Repository
    /// Every staged file's blob, by path, as the index was when read (paths git stores in valid
    /// UTF-8 only: another path cannot be asked for by name).
    private let staged: [String: ObjectID]
    /// Every staged file's path, sorted.
    private let paths: [String]

    /// The index's staged files, read once: the handle is freed here.
    convenience init(repository: Repository, index: OpaquePointer) {
        defer { git_index_free(index) }
        var staged: [String: ObjectID] = [:]
        var paths: [String] = []
        for position in 0..<git_index_entrycount(index) {
            guard let entry = git_index_get_byindex(index, position)?.pointee,
                  Self.isStagedFile(entry),
                  let path = decodePath(entry.path) else { continue }
            paths.append(path.path)
            if path.isValid { staged[path.path] = ObjectID(entry.id) }
        }
        self.init(repository: repository, staged: staged, paths: paths.sorted())
    }

    private init(repository: Repository, staged: [String: ObjectID], paths: [String]) {
        self.repository = repository
        self.staged = staged
        self.paths = paths
    }

    /// The same snapshot through a repository handle of its own (libgit2 handles are not shared
    /// across threads); nil when the repository cannot be opened again.
    public func twin() -> (any FileTree)? {
        guard let other = repository.reopened() else { return nil }
        return IndexTree(repository: other, staged: staged, paths: paths)
    }

    /// Every staged file under `folder` ("" for all), sorted, `/`-joined from the root.
    public func files(under folder: String) throws -> [String] {
        let folder = normalizedTreePath(folder)
        guard !folder.isEmpty else { return paths }
        let prefix = folder + "/"
        return paths.filter { $0.hasPrefix(prefix) }
    }

    /// The staged content of the file at `path`, or nil when it is not staged.
    public func contents(of path: String) throws -> Data? {
        guard let id = fileID(at: path) else { return nil }
        return try repository.blobContents(id)
    }

    /// Reads many staged files on the machine's cores (at most four), as `GitTree.readEach` does.
    public func readEach<T: Sendable>(_ paths: [String], _ transform: @escaping @Sendable (String, Data) -> T) throws -> [T?] {
        let ids = paths.map(fileID(at:))
        let workers = min(ProcessInfo.processInfo.activeProcessorCount, 4)
        if paths.count >= GitTree.concurrentReadMinimum, workers > 1,
           let results = repository.readConcurrently(ids, paths: paths, workers: workers, transform) {
            return results
        }
        return try zip(paths, ids).map { path, id in try id.map { id throws(GitError) in transform(path, try repository.blobContents(id)) } }
    }

    /// The staged size in bytes of the file at `path`; nil when it is not staged.
    public func blobSize(of path: String) -> Int? {
        guard let id = fileID(at: path) else { return nil }
        return repository.objectSize(id)
    }

    /// The staged blob id of the file at `path` (hex); nil when it is not staged.
    public func blobID(of path: String) -> String? {
        fileID(at: path)?.hex
    }

    private func fileID(at path: String) -> ObjectID? {
        staged[path] ?? staged[normalizedTreePath(path)]
    }

    /// Stage 0 (not a conflict side) and a regular or executable file.
    private static func isStagedFile(_ entry: git_index_entry) -> Bool {
        let stage = (UInt32(entry.flags) & UInt32(GIT_INDEX_ENTRY_STAGEMASK)) >> UInt32(GIT_INDEX_ENTRY_STAGESHIFT)
        return stage == 0 && isFileMode(entry.mode)
    }
}
