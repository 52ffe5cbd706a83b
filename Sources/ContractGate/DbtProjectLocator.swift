import Foundation
import GateModel

/// Where the dbt project of a repository lives, and how that was decided.
public struct DbtProjectLocation: Sendable, Equatable {
    /// How the folder was chosen.
    public enum Origin: Sendable, Equatable {
        /// `dbt.project_dir` in contract-gate.yml, at this line.
        case configured(SourceLocation?)
        /// Nothing configured: the only `dbt_project.yml` at the root or up to three folders below it.
        case found
    }

    /// The folder holding `dbt_project.yml`, relative to the repository root ("." for the root).
    public var folder: String
    public var origin: Origin

    /// How `validate` and notices name the folder: `transform/`, or `the repository root`.
    public var displayName: String { folder == "." ? "the repository root" : folder + "/" }
}

/// Finds the dbt project without configuration, as `init` does: the root, or up to three folders
/// down, skipping installed packages, `node_modules/` and hidden folders.
///
/// Fail closed: a repository in which no dbt project can be found, or whose configured folder has
/// no `dbt_project.yml` at either side, is an error (exit 2) — never "no models changed, PASS".
/// Several projects side by side are refused too, naming each: contracts select models by name
/// and the configuration has one `dbt:` section (database, schema, adapter), so checking several
/// at once would judge some with the wrong settings, and guessing one would silently skip the
/// others. A project folder inside another one (a local package, `integration_tests/`) belongs to
/// the outer project and is not a second candidate.
public enum DbtProjectLocator {
    /// Folders below the root that are looked into at most (the root is depth 0).
    static let maxDepth = 3
    /// Folders never searched: installed packages, build output and environments. Hidden folders
    /// (`.git`, `.venv`, …) are skipped as well.
    static let skipped: Set<String> = ["node_modules", "dbt_packages", "target", "venv", ".build", "logs"]

    /// Every folder ("." for the root) of `tree` that holds a `dbt_project.yml`, within the
    /// search depth, shallowest first, then by path.
    public static func candidates(in tree: any FileTree) throws -> [String] {
        var found: [String]
        if let directory = tree as? DirectoryTree {
            found = candidatesOnDisk(root: directory.root)
        } else {
            if try tree.contents(of: "dbt_project.yml") != nil { return ["."] }
            found = try tree.files(under: "").compactMap { path -> String? in
                guard path.hasSuffix("/dbt_project.yml") else { return nil }
                let folders = path.split(separator: "/").dropLast().map(String.init)
                guard folders.count <= maxDepth, folders.allSatisfy(searched) else { return nil }
                return folders.joined(separator: "/")
            }
        }
        found.sort { (depth($0), $0) < (depth($1), $1) }
        return found
    }

    /// The project folder of a check: the configured one when contract-gate.yml names it, else the
    /// one found at either side. Throws `InputError` (exit 2) with the fix when there is none, when
    /// the configured folder has no `dbt_project.yml` at any side, or when several are found.
    /// - Parameters:
    ///   - configured: `dbt.project_dir` when the file sets it, with the line it is on.
    ///   - configPath: how the configuration file is named in messages.
    ///   - trees: the sides of the change (base, head), or the one tree a command reads.
    public static func locate(configured: (folder: String, location: SourceLocation?)?, configPath: String,
                              trees: [any FileTree]) throws -> DbtProjectLocation {
        if let configured {
            let prefix = normalizedPrefix(configured.folder)
            for tree in trees where try tree.contents(of: prefix + "dbt_project.yml") != nil {
                return DbtProjectLocation(folder: prefix.isEmpty ? "." : String(prefix.dropLast()),
                                          origin: .configured(configured.location))
            }
            let elsewhere = try union(trees.map(candidates(in:)))
            let hint = elsewhere.isEmpty
                ? "no dbt_project.yml was found at the root or up to three folders below it either"
                : "dbt_project.yml was found at: " + elsewhere.map(display).joined(separator: ", ")
            throw InputError(
                "`dbt.project_dir` is '\(configured.folder)', but there is no \(prefix)dbt_project.yml at either side of "
                    + "the change (\(hint)); set `dbt.project_dir` in \(configPath) to the folder that holds "
                    + "dbt_project.yml",
                at: configured.location ?? SourceLocation(path: configPath))
        }
        let found = outermost(try union(trees.map(candidates(in:))))
        switch found.count {
        case 0:
            throw InputError(
                "no dbt project found: no dbt_project.yml at the repository root or up to three folders below it "
                    + "(dbt_packages/, node_modules/ and hidden folders are not searched), at either side of the change. "
                    + "Run contract-gate in the repository that holds the dbt project, or set `dbt.project_dir` in "
                    + "\(configPath) to the folder that holds dbt_project.yml")
        case 1:
            return DbtProjectLocation(folder: found[0], origin: .found)
        default:
            let listed = found.map { "  dbt:\n    project_dir: \($0)" }
            throw InputError(
                "\(found.count) dbt projects found (\(found.map(display).joined(separator: ", "))) and \(configPath) does "
                    + "not say which one to check. Add to \(configPath), for example:\n" + listed[0]
                    + "\nand check the others with one configuration each (--config <file>)")
        }
    }

    // MARK: - Helpers

    /// The folders of both sides, each once, shallowest first.
    static func union(_ lists: [[String]]) -> [String] {
        var seen = Set<String>()
        return lists.flatMap { $0 }.filter { seen.insert($0).inserted }.sorted { (depth($0), $0) < (depth($1), $1) }
    }

    /// The candidates that are not inside another candidate's folder (a local package or the
    /// `integration_tests/` of a project belongs to it).
    static func outermost(_ folders: [String]) -> [String] {
        if folders.contains(".") { return ["."] }
        return folders.filter { folder in !folders.contains { $0 != folder && folder.hasPrefix($0 + "/") } }
    }

    static func depth(_ folder: String) -> Int { folder == "." ? 0 : folder.split(separator: "/").count }

    static func display(_ folder: String) -> String { folder == "." ? "the repository root" : folder + "/" }

    static func searched(_ name: String) -> Bool { !skipped.contains(name) && !name.hasPrefix(".") }

    /// `dir/` for a folder, "" for the root.
    static func normalizedPrefix(_ folder: String) -> String {
        var dir = folder
        while dir.hasPrefix("./") { dir.removeFirst(2) }
        if dir == "." { dir = "" }
        while dir.hasSuffix("/") { dir.removeLast() }
        return dir.isEmpty ? "" : dir + "/"
    }

    /// A breadth-first walk of at most `maxDepth` folders on disk: the worktree may hold large
    /// folders nobody commits (node_modules/, virtual environments), which are never listed whole.
    static func candidatesOnDisk(root: URL) -> [String] {
        let manager = FileManager.default
        if manager.fileExists(atPath: root.appendingPathComponent("dbt_project.yml").path) { return ["."] }
        var found: [String] = []
        var frontier = [""]
        for _ in 0..<maxDepth {
            var next: [String] = []
            for folder in frontier {
                let url = folder.isEmpty ? root : root.appendingPathComponent(folder)
                let entries = (try? manager.contentsOfDirectory(atPath: url.path))?.sorted() ?? []
                for entry in entries where searched(entry) {
                    let path = folder.isEmpty ? entry : folder + "/" + entry
                    var isDirectory: ObjCBool = false
                    guard manager.fileExists(atPath: root.appendingPathComponent(path).path, isDirectory: &isDirectory),
                          isDirectory.boolValue else { continue }
                    if manager.fileExists(atPath: root.appendingPathComponent(path + "/dbt_project.yml").path) {
                        found.append(path)
                    }
                    next.append(path)
                }
            }
            frontier = next
        }
        return found
    }
}
