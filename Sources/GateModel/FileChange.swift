/// The status of one file between two sides of a change set.
public enum FileChangeStatus: String, Sendable, Codable, CaseIterable {
    case added
    case modified
    case deleted
    case renamed
    /// The kind of entry changed (file ↔ symlink ↔ submodule).
    case typeChange = "type_change"
}

/// One changed file. Paths are relative to the repository root with `/` separators.
/// A path that is not valid UTF-8 is decoded with replacement characters and flagged.
public struct FileChange: Sendable, Hashable, Codable {
    public var status: FileChangeStatus
    /// The path at the base side; nil for an added file.
    public var oldPath: String?
    /// The path at the head side; nil for a deleted file.
    public var newPath: String?
    /// Rename similarity, 0–100, for renames.
    public var similarity: Int?
    /// Either side is binary; its content is not read.
    public var isBinary: Bool
    /// Either side is larger than the size limit; its content is not read.
    public var isOversized: Bool
    /// A path was not valid UTF-8 and was decoded lossily.
    public var hasInvalidPath: Bool

    public init(status: FileChangeStatus, oldPath: String?, newPath: String?, similarity: Int? = nil,
                isBinary: Bool = false, isOversized: Bool = false, hasInvalidPath: Bool = false) {
        self.status = status
        self.oldPath = oldPath
        self.newPath = newPath
        self.similarity = similarity
        self.isBinary = isBinary
        self.isOversized = isOversized
        self.hasInvalidPath = hasInvalidPath
    }

    /// The path a person would name the change by: the new path, else the old one.
    public var path: String { newPath ?? oldPath ?? "" }
}

/// What a change set compares: two commits, or HEAD against the index or the worktree.
public enum RevisionSide: Sendable, Hashable, Codable, CustomStringConvertible {
    case commit(String)
    case index
    case worktree

    public var description: String {
        switch self {
        case .commit(let sha): sha
        case .index: "INDEX"
        case .worktree: "WORKTREE"
        }
    }
}

/// The files that changed between `base` and `head`.
public struct ChangeSet: Sendable, Hashable, Codable {
    public var base: String
    public var head: RevisionSide
    public var changes: [FileChange]

    public init(base: String, head: RevisionSide, changes: [FileChange]) {
        self.base = base
        self.head = head
        self.changes = changes
    }
}
