import Foundation
import GateModel

/// The packages `dbt deps` installed in the worktree (`<project>/dbt_packages/<name>/…`), read
/// from disk. `dbt deps` installs a `local:` package as a symlink to its folder, so each package
/// folder is followed once; nothing deeper is. Only used when the revision's own tree holds no
/// installed packages (they are usually not committed).
package struct InstalledPackagesTree: FileTree {
    package let worktree: URL

    package init(worktree: URL) {
        self.worktree = worktree
    }

    package func files(under folder: String) throws -> [String] {
        let base = worktree.appendingPathComponent(folder).resolvingSymlinksInPath()
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: base.path) else { return [] }
        var result: [String] = []
        for entry in entries.sorted() where !entry.hasPrefix(".") {
            let url = base.appendingPathComponent(entry).resolvingSymlinksInPath()
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder) else { continue }
            if !isFolder.boolValue {
                result.append(folder + "/" + entry)
                continue
            }
            for path in try DirectoryTree(root: url).files(under: "") { result.append(folder + "/" + entry + "/" + path) }
        }
        return result
    }

    package func contents(of path: String) throws -> Data? {
        let url = worktree.appendingPathComponent(path)
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        return try Data(contentsOf: url)
    }
}
