import Foundation
import GateGit
import GateModel
import GateRules

/// The repository a command works on, with its configuration loaded: what every command needs first.
public final class Workspace {
    public let repository: Repository
    /// The folder files are read from on disk: the worktree root.
    public let root: URL?
    public let config: GateConfig
    /// Where the configuration came from (a path relative to the root when inside it).
    public let configPath: String

    /// Opens the repository around `path` and reads `contract-gate.yml` at its root (or `configPath`,
    /// relative to the current folder). A missing default file means the defaults; a missing
    /// explicitly named file is an error.
    public init(repository path: String, configPath: String?, ownerCheck: Bool) throws {
        repository = try Repository.open(at: path, ownerCheck: ownerCheck)
        root = repository.workdir.map { URL(fileURLWithPath: $0) }
        if let configPath {
            let url = URL(fileURLWithPath: configPath)
            guard FileManager.default.fileExists(atPath: url.path) else {
                throw InputError("the configuration file \(configPath) does not exist; check --config")
            }
            self.configPath = configPath
            config = try GateConfig.load(contentsOf: url, path: configPath)
        } else if let root {
            self.configPath = GateConfig.fileName
            config = try GateConfig.load(contentsOf: root.appendingPathComponent(GateConfig.fileName),
                                         path: GateConfig.fileName)
        } else {
            self.configPath = GateConfig.fileName
            config = GateConfig()
        }
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
