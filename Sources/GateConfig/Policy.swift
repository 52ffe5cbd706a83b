import Foundation
import GateModel
import GateContracts

/// The policy a change is judged by: contract-gate.yml and `contracts/`, read together from one
/// place (DESIGN.md §9 "Policy from the base"). For a commit range that place is the base
/// revision, so a change cannot relax the policy that judges it; `--policy head`, `--staged`
/// and `--worktree` read the working tree, for local iteration.
public struct Policy: Sendable {
    /// Where the policy was read.
    public enum Origin: Sendable, Hashable {
        /// The working tree on disk (or a file named with `--config`).
        case workingTree
        /// A commit, by sha.
        case revision(String)
    }

    public var config: GateConfig
    public var contracts: ContractSet
    public var origin: Origin
    /// Whether contract-gate.yml exists there; false: the defaults apply.
    public var hasConfigFile: Bool

    public init(config: GateConfig, contracts: ContractSet, origin: Origin, hasConfigFile: Bool) {
        self.config = config
        self.contracts = contracts
        self.origin = origin
        self.hasConfigFile = hasConfigFile
    }

    /// Reads `configPath` (repository-relative; missing: the defaults) and `contracts/` from
    /// `tree` — a revision's tree through GateGit, or the worktree. Throws `InputErrors` with
    /// every problem, each naming its file and line.
    public static func load(from tree: FileTree, configPath: String = GateConfig.fileName, origin: Origin) throws -> Policy {
        let config: GateConfig
        let exists: Bool
        if let data = try tree.contents(of: configPath) {
            config = try GateConfig.load(data: data, path: configPath)
            exists = true
        } else {
            config = GateConfig()
            exists = false
        }
        return Policy(config: config, contracts: try ContractSet.load(from: tree, folder: "contracts", config: config),
                      origin: origin, hasConfigFile: exists)
    }

    /// `config` (already read, e.g. by `Workspace`) with `contracts/` from `tree`.
    public static func load(config: GateConfig, contractsFrom tree: FileTree, origin: Origin,
                            hasConfigFile: Bool) throws -> Policy {
        Policy(config: config, contracts: try ContractSet.load(from: tree, folder: "contracts", config: config),
               origin: origin, hasConfigFile: hasConfigFile)
    }

    /// Every way `head` relaxes this policy: its contracts (`PolicyDiff`) and its contract-gate.yml.
    public func relaxations(in head: Policy) -> [PolicyChange] {
        PolicyDiff.changes(base: contracts, head: head.contracts) + config.relaxations(in: head.config)
    }
}

extension ContractSet {
    /// `contracts/` of `tree` under `config`'s `default_policy`.
    public static func load(from tree: FileTree, folder: String = "contracts", config: GateConfig) throws -> ContractSet {
        try load(from: tree, folder: folder, defaultPolicy: config.defaultPolicy)
    }
}

extension GateConfig {
    /// Reads contract-gate.yml bytes; `path` names the file in errors.
    public static func load(data: Data, path: String) throws -> GateConfig {
        let text: String
        do { text = try YAMLReader.utf8Text(data, path: path) }
        catch let error as InputError { throw InputErrors([error]) }
        return try load(yaml: text, path: path)
    }

    /// How `head` loosens this configuration's gate: a laxer `fail_on`, `on_catalog_error: warn`,
    /// a smaller lineage budget, Secoda dropped, or the catalog key sent elsewhere.
    public func relaxations(in head: GateConfig) -> [PolicyChange] {
        var changes: [PolicyChange] = []
        let file = head.path ?? GateConfig.fileName
        func at(_ key: String) -> SourceLocation { head.locations[key] ?? SourceLocation(path: file) }
        func add(_ key: String, _ message: String) {
            changes.append(PolicyChange(.ruleWeakened, message + " Until this is merged the base's setting applies.",
                                        at: at(key), contract: nil))
        }
        func strictness(_ failOn: FailOn) -> Int {
            switch failOn {
            case .warning: 2
            case .error: 1
            case .never: 0
            }
        }
        if strictness(head.failOn) < strictness(failOn) {
            add("fail_on", "`fail_on` is loosened from \(failOn.rawValue) to \(head.failOn.rawValue) in \(file): "
                + "findings that fail a check today would pass.")
        }
        if catalog.onCatalogError == .fail, head.catalog.onCatalogError == .warn {
            add("catalog", "`catalog.on_catalog_error` is changed from fail to warn in \(file): a check whose catalog "
                + "fails would pass on what the dbt graph alone shows.")
        }
        if head.lineage.maxDepth < lineage.maxDepth || head.lineage.maxNodes < lineage.maxNodes {
            add("lineage", "the lineage budget is lowered (max_depth \(lineage.maxDepth) → \(head.lineage.maxDepth), "
                + "max_nodes \(lineage.maxNodes) → \(head.lineage.maxNodes)) in \(file): fewer consumers are seen.")
        }
        if let secoda = catalog.secoda {
            if let new = head.catalog.secoda {
                if new.baseURL != secoda.baseURL || new.tokenEnv != secoda.tokenEnv {
                    add("catalog", "the catalog key would go elsewhere: `catalog.secoda` changes base_url \(secoda.baseURL) → "
                        + "\(new.baseURL), token_env \(secoda.tokenEnv) → \(new.tokenEnv) in \(file).")
                }
            } else {
                add("catalog", "`catalog.secoda` is removed from \(file): Secoda's consumers (dashboards, other tools) "
                    + "are no longer consulted.")
            }
        }
        return changes
    }
}
