import Foundation
import GateGit
import GateModel

/// Where the gate may write a file. What a configuration names (the snapshot) stays inside the
/// repository's worktree, never under the git directory, and never through a symbolic link that
/// leads out: a change under review may edit the configuration, and `catalog.snapshot:
/// .git/config` or `../../x` must not turn a pull into a write over git's files or outside the
/// repository. A path the user names on the command line (`--output`) may be anywhere outside
/// the git directory.
enum WriteTarget {
    /// The checked absolute path for `path` (relative to `root` unless absolute).
    /// - Parameters:
    ///   - setting: how the user names the path in errors (`catalog.snapshot`, `--output`).
    ///   - insideRoot: the path must stay inside `root` (configured paths).
    static func check(_ path: String, root: URL, repository: Repository, setting: String, insideRoot: Bool) throws -> URL {
        let lexical = (path.hasPrefix("/") ? URL(fileURLWithPath: path) : root.appendingPathComponent(path)).standardizedFileURL
        let realRoot = root.resolvingSymlinksInPath().path
        let gitFolders = Set([repository.gitDirectory, repository.commonDirectory].map {
            URL(fileURLWithPath: $0).resolvingSymlinksInPath().path
        })
        func isInside(_ child: String, _ parent: String) -> Bool {
            child == parent || child.hasPrefix(parent.hasSuffix("/") ? parent : parent + "/")
        }
        if insideRoot, !isInside(lexical.path, root.standardizedFileURL.path) {
            throw InputError("\(setting) \"\(path)\" is outside the repository; the gate writes configured files only "
                + "inside it. Use a path relative to the repository root, e.g. .contract-gate/catalog.json")
        }
        // Where the write would really land: the nearest existing folder with its links resolved,
        // plus the rest of the path (and the file itself, when it is a link).
        var existing = lexical.deletingLastPathComponent()
        var rest: [String] = [lexical.lastPathComponent]
        while !FileManager.default.fileExists(atPath: existing.path), existing.path != "/" {
            rest.insert(existing.lastPathComponent, at: 0)
            existing = existing.deletingLastPathComponent()
        }
        var real = existing.resolvingSymlinksInPath()
        for component in rest { real.appendPathComponent(component) }
        if (try? FileManager.default.destinationOfSymbolicLink(atPath: lexical.path)) != nil {
            real = lexical.resolvingSymlinksInPath()
        }
        if gitFolders.contains(where: { isInside(real.path, $0) || isInside(lexical.path, $0) })
            || lexical.pathComponents.contains(".git") {
            throw InputError("\(setting) \"\(path)\" is inside the git directory; the gate never writes there. "
                + "Use e.g. .contract-gate/catalog.json")
        }
        if insideRoot, !isInside(real.path, realRoot) {
            throw InputError("\(setting) \"\(path)\" leads out of the repository through a symbolic link (to \(real.path)); "
                + "the gate writes configured files only inside the repository. Replace the link with a folder or file")
        }
        return lexical
    }

    /// Removes what killed pulls left beside `target`: `.<name>.<pid>.<id>.tmp` files whose
    /// process is gone, and (older format, no pid) such files over an hour old. A pull still
    /// running keeps its file.
    static func removeStaleTemporaries(beside target: URL) {
        let folder = target.deletingLastPathComponent()
        let prefix = "." + target.lastPathComponent + "."
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { return }
        for name in names where name.hasPrefix(prefix) && name.hasSuffix(".tmp") {
            let middle = name.dropFirst(prefix.count).dropLast(".tmp".count).split(separator: ".")
            let url = folder.appendingPathComponent(name)
            if middle.count == 2, let pid = Int32(middle[0]) {
                if kill(pid, 0) == 0 || errno == EPERM { continue }
            } else {
                let modified = (try? FileManager.default.attributesOfItem(atPath: url.path)[.modificationDate]) as? Date
                guard let modified, modified.timeIntervalSinceNow < -3600 else { continue }
            }
            try? FileManager.default.removeItem(at: url)
        }
    }
}
