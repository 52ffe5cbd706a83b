import Foundation

/// Read access to the files of one side of a change (a commit, the index, the worktree).
/// dbt reading goes through this, so it never depends on what is checked out.
public protocol FileTree {
    /// Every file path under `folder` (recursively; "" for the root), sorted, `/`-separated.
    func files(under folder: String) throws -> [String]
    /// The content of a file, or nil when it does not exist at this side.
    func contents(of path: String) throws -> Data?
    /// An id that changes whenever the file's content does (git's blob id), when the tree knows
    /// one without reading the file; nil otherwise. Lets readers of two revisions share what
    /// they learnt from a file both contain.
    func blobID(of path: String) -> String?
    /// Reads the files at `paths` and hands each one's path and content to `transform`, which a
    /// tree that can read in parallel (a git tree) runs on several threads at once: it must only
    /// compute from its arguments. The results come back in `paths` order, nil for a file that
    /// does not exist.
    func readEach<T: Sendable>(_ paths: [String], _ transform: @escaping @Sendable (String, Data) -> T) throws -> [T?]
}

extension FileTree {
    public func blobID(of path: String) -> String? { nil }

    public func readEach<T: Sendable>(_ paths: [String], _ transform: @escaping @Sendable (String, Data) -> T) throws -> [T?] {
        try paths.map { path in try contents(of: path).map { transform(path, $0) } }
    }

    /// The content decoded as UTF-8 (invalid bytes replaced), or nil when absent.
    public func text(of path: String) throws -> String? {
        guard let data = try contents(of: path) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }
}

/// A `FileTree` over a folder on disk (the worktree side, and test fixtures).
public struct DirectoryTree: FileTree, Sendable {
    public let root: URL

    public init(root: URL) { self.root = root.standardizedFileURL }

    public func files(under folder: String) throws -> [String] {
        let base = folder.isEmpty ? root : root.appendingPathComponent(folder)
        guard let enumerator = FileManager.default.enumerator(
            at: base, includingPropertiesForKeys: [.isRegularFileKey], options: []
        ) else { return [] }
        let rootPath = root.path.hasSuffix("/") ? root.path : root.path + "/"
        var result: [String] = []
        for case let url as URL in enumerator {
            if url.lastPathComponent == ".git" { enumerator.skipDescendants(); continue }
            guard (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true else { continue }
            let full = url.standardizedFileURL.path
            if full.hasPrefix(rootPath) { result.append(String(full.dropFirst(rootPath.count))) }
        }
        return result.sorted()
    }

    public func contents(of path: String) throws -> Data? {
        let url = root.appendingPathComponent(path)
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        return try RegularFile.read(url, path: path)
    }
}
