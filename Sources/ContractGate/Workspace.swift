import Foundation
import GateConfig
import GateDbt
import GateGit
import GateModel
import GateContracts

/// The repository a command works on, with its configuration loaded: what every command needs first.
public final class Workspace {
    public let repository: Repository
    /// The folder files are read from on disk: the worktree root.
    public let root: URL?
    public let config: GateConfig
    /// Where the configuration came from (a path relative to the root when inside it).
    public let configPath: String
    /// The dbt project folder once `locateDbtProject(in:)` has run; until then the configured one.
    public private(set) var dbtProject: DbtProjectLocation?
    /// Whether a configuration file was read; false when the defaults apply (no contract-gate.yml).
    public let configExists: Bool

    /// The folder every dbt reading of this workspace uses: the located project, else the configured one.
    public var dbtProjectDir: String { dbtProject?.folder ?? config.dbt.projectDir }

    /// Opens the repository around `path` and reads `contract-gate.yml` at its root (or `configPath`,
    /// relative to the current folder). A missing default file means the defaults; a missing
    /// explicitly named file is an error.
    public init(repository path: String, configPath: String?, ownerCheck: Bool) throws {
        repository = try Repository.open(at: path, ownerCheck: ownerCheck)
        // The dbt reading warns about a binary model or property file; no other file's content
        // is looked at, so no other file is read just to probe it.
        repository.binaryProbeExtensions = ["sql", "py", "yml", "yaml"]
        root = repository.workdir.map { URL(fileURLWithPath: $0) }
        if let configPath {
            let url = URL(fileURLWithPath: configPath)
            guard FileManager.default.fileExists(atPath: url.path) else {
                throw InputError("the configuration file \(configPath) does not exist; check --config")
            }
            self.configPath = configPath
            configExists = true
            config = try GateConfig.load(contentsOf: url, path: configPath)
        } else if let root {
            self.configPath = GateConfig.fileName
            let url = root.appendingPathComponent(GateConfig.fileName)
            try Self.requireInside(root: root, url, name: GateConfig.fileName)
            configExists = FileManager.default.fileExists(atPath: url.path)
            config = try GateConfig.load(contentsOf: url, path: GateConfig.fileName)
        } else {
            self.configPath = GateConfig.fileName
            configExists = false
            config = GateConfig()
        }
    }

    /// Refuses a repository file that is a symbolic link leading out of the repository: a change
    /// under review could otherwise make the gate read (and quote in its errors) any file the CI
    /// job can read. A file named on the command line is the caller's choice and is not checked.
    static func requireInside(root: URL, _ url: URL, name: String) throws {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: url.path),
              attributes[.type] as? FileAttributeType == .typeSymbolicLink else { return }
        let target = url.resolvingSymlinksInPath().path
        let inside = root.resolvingSymlinksInPath().path
        guard target == inside || target.hasPrefix(inside.hasSuffix("/") ? inside : inside + "/") else {
            throw InputError("\(name) is a symbolic link to a file outside the repository; the gate reads its "
                + "configuration only from inside the repository. Replace the link with the file, or name a "
                + "file with --config.", at: SourceLocation(path: name))
        }
    }

    /// Finds the dbt project in `trees` (the sides of a change, or the one tree a command reads):
    /// the configured folder, else the one `DbtProjectLocator` finds. Throws (exit 2) when there is
    /// none, or several and nothing says which; every later dbt reading uses the folder found.
    @discardableResult
    public func locateDbtProject(in trees: [any FileTree]) throws -> DbtProjectLocation {
        let configured = config.dbt.projectDirLocation.map { (config.dbt.projectDir, Optional($0)) }
        let location = try DbtProjectLocator.locate(configured: configured, configPath: configPath, trees: trees)
        dbtProject = location
        return location
    }

    /// The configuration's path inside the repository, as every revision's tree names it; nil for
    /// a file named with `--config` outside the repository.
    public var repositoryRelativeConfigPath: String? {
        guard configPath != GateConfig.fileName else { return configPath }
        guard let root else { return nil }
        let file = URL(fileURLWithPath: configPath).standardizedFileURL.resolvingSymlinksInPath().path
        let inside = root.standardizedFileURL.resolvingSymlinksInPath().path
        let prefix = inside.hasSuffix("/") ? inside : inside + "/"
        guard file.hasPrefix(prefix) else { return nil }
        return String(file.dropFirst(prefix.count))
    }

    /// The tree contracts are read from: the worktree on disk (what the author sees and CI checked
    /// out), else — in a bare repository — the given head tree.
    public func contractTree(fallback: FileTree) -> FileTree {
        root.map { DirectoryTree(root: $0) } ?? fallback
    }

    /// `contracts/` loaded and validated (every problem at once, exit 2).
    public func contracts(from tree: FileTree) throws -> ContractSet {
        try ContractSet.load(from: tree, folder: "contracts", config: config)
    }
}

extension Workspace {
    /// The dbt project as it stands at HEAD (or in the worktree), found as `check` finds it: what
    /// `impact` and `columns` read.
    func currentProject(useWorktree: Bool, environment: [String: String]) throws -> DbtProject {
        let tree: FileTree
        if useWorktree, let root {
            tree = DirectoryTree(root: root)
        } else {
            tree = try repository.tree(at: try repository.resolve("HEAD"))
        }
        try locateDbtProject(in: [tree])
        return try DbtProject.load(tree: tree, settings: DbtSettings(workspace: self, environment: environment))
    }
}
