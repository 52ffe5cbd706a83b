import Foundation
import GateModel

extension ReferenceResolution {
    /// Every `ref()`/`source()` of the project that does not resolve, whoever made it and whenever:
    /// what `dbt parse` of this revision would fail on (`validate` on the working tree). The
    /// comparison with a base is what `danglingReferences(base:head:changeSet:changes:)` adds.
    public static func unresolvedReferences(in project: DbtProject) throws -> [DanglingReference] {
        guard project.exists else { return [] }
        let files = try ResolvableNodes(project).filesWithCalls()
        let everything = ChangeSet(base: "", head: .worktree,
                                   changes: files.map { FileChange(status: .added, oldPath: nil, newPath: $0) })
        let nothing = try DbtProject.load(tree: NoFiles(), settings: project.settings, required: false, memo: project.memo)
        return try danglingReferences(base: nothing, head: project, changeSet: everything, changes: [])
    }
}

/// The tree of a revision before anything existed.
private struct NoFiles: FileTree {
    func files(under folder: String) throws -> [String] { [] }
    func contents(of path: String) throws -> Data? { nil }
}
