import Foundation
import GateGit
import GateModel

/// Step 1 of the pipeline: the change set between the two sides a request names, and a
/// `FileTree` for each side so later steps read files as they were, not as checked out.
struct ResolvedChange {
    var changeSet: ChangeSet
    var baseTree: FileTree
    var headTree: FileTree
}

enum ChangeSetLoader {
    static func load(_ repository: Repository, target: CheckRequest.Target, configuredBase: String?,
                     environment: [String: String]) throws -> ResolvedChange {
        switch target {
        case .commits(let base, let head):
            if head == nil, repository.isHeadUnborn {
                throw InputError("the repository has no commits yet, so there is nothing to compare; commit first, "
                    + "or check the files as they are with --worktree")
            }
            let headSha = try repository.resolve(head ?? "HEAD")
            let baseSha = try mergeBase(repository, head: headSha, selection: BaseSelection.choose(
                flag: base, configured: configuredBase, environment: environment))
            return try commits(repository, base: baseSha, head: headSha)
        case .staged(let base):
            let baseSha = try base.map { try uncommittedBase(repository, against: $0) }
            let changeSet = try repository.stagedChanges(against: baseSha)
            return ResolvedChange(changeSet: changeSet, baseTree: try tree(repository, changeSet.base),
                                  headTree: try repository.indexTree())
        case .worktree(let base):
            let baseSha = try base.map { try uncommittedBase(repository, against: $0) }
            let changeSet = try repository.worktreeChanges(against: baseSha)
            guard let workdir = repository.workdir else {
                throw InputError("--worktree needs a repository with a working tree; this one is bare")
            }
            let baseTree = try tree(repository, changeSet.base)
            return ResolvedChange(changeSet: changeSet, baseTree: baseTree,
                                  headTree: WorktreeTree(directory: DirectoryTree(root: URL(fileURLWithPath: workdir)),
                                                         base: baseTree, changes: changeSet.changes))
        }
    }

    /// The base of `--staged --base REV` / `--worktree --base REV`: the merge base of HEAD and the
    /// revision, so the uncommitted work is judged together with the branch's commits — what the
    /// next push would bring to that branch — and never against the other branch's newer commits.
    static func uncommittedBase(_ repository: Repository, against revision: String) throws -> String {
        if repository.isHeadUnborn {
            throw InputError("the repository has no commits yet, so there is no merge base with '\(revision)'; "
                + "drop --base to check the files against the empty tree")
        }
        return try mergeBase(repository, head: try repository.resolve("HEAD"), selection: .revision(revision))
    }

    static func commits(_ repository: Repository, base: String, head: String) throws -> ResolvedChange {
        ResolvedChange(changeSet: try repository.changeSet(base: base, head: head),
                       baseTree: try repository.tree(at: base), headTree: try repository.tree(at: head))
    }

    /// The merge base of the chosen base with head. For a base on head's own history that is the
    /// base itself; for a branch that moved on it is the fork point — never a two-dot diff, which
    /// would show the other branch's new commits as reverted by this change.
    static func mergeBase(_ repository: Repository, head: String, selection: BaseSelection) throws -> String {
        let baseRevision: String
        switch selection {
        case .revision(let revision): baseRevision = revision
        case .remoteDefault: baseRevision = try repository.defaultBaseReference()
        }
        let baseSha = try repository.resolve(baseRevision)
        return try repository.mergeBase(baseSha, head)
    }

    /// The base tree of an index/worktree change set (HEAD, or the empty tree when unborn).
    private static func tree(_ repository: Repository, _ sha: String) throws -> FileTree {
        repository.isHeadUnborn ? EmptyTree() : try repository.tree(at: sha)
    }
}

/// The tree of a repository with no commits yet.
struct EmptyTree: FileTree {
    func files(under folder: String) throws -> [String] { [] }
    func contents(of path: String) throws -> Data? { nil }
}

/// The worktree's files, each known by the base tree's blob id when the change set does not list
/// it: git compared it with the base and found it the same, so the base and the worktree share
/// whatever either side read from it (renders, SQL readings, property entries), as two commits do.
/// A file the change set lists (edited, added, untracked, deleted, renamed) has no id.
final class WorktreeTree: FileTree {
    let directory: DirectoryTree
    let base: any FileTree
    /// Every path the change set names, at either side.
    let changed: Set<String>

    init(directory: DirectoryTree, base: any FileTree, changes: [FileChange]) {
        self.directory = directory
        self.base = base
        changed = Set(changes.flatMap { [$0.oldPath, $0.newPath].compactMap { $0 } })
    }

    private init(directory: DirectoryTree, base: any FileTree, changed: Set<String>) {
        self.directory = directory
        self.base = base
        self.changed = changed
    }

    func files(under folder: String) throws -> [String] { try directory.files(under: folder) }

    func contents(of path: String) throws -> Data? { try directory.contents(of: path) }

    func blobID(of path: String) -> String? { changed.contains(path) ? nil : base.blobID(of: path) }

    /// Another thread's reader: the same folder, with a twin of the base tree for the ids.
    func twin() -> (any FileTree)? {
        base.twin().map { WorktreeTree(directory: directory, base: $0, changed: changed) }
    }
}
