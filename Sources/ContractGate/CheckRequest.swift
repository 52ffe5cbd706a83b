import Foundation
import GateLineage
import GateModel

/// What one `check` compares and how: the plain options value the CLI builds, so the whole
/// pipeline is callable from tests without ArgumentParser.
public struct CheckRequest: Sendable {
    /// Which two sides to compare.
    public enum Target: Sendable, Equatable {
        /// Two revisions; nil base = the merge base with the default branch, nil head = HEAD.
        case commits(base: String?, head: String?)
        /// The index against HEAD (`--staged`), or against the merge base of HEAD and `base`.
        case staged(base: String? = nil)
        /// Worktree and index against HEAD, untracked files included (`--worktree`), or against
        /// the merge base of HEAD and `base` ("everything I am about to push against main").
        case worktree(base: String? = nil)

        /// `.staged` against HEAD.
        public static var staged: Target { .staged(base: nil) }
        /// `.worktree` against HEAD.
        public static var worktree: Target { .worktree(base: nil) }
    }

    /// Where the policy (contract-gate.yml and `contracts/`) is read from (`--policy`).
    public enum PolicySource: String, Sendable, CaseIterable {
        /// The base revision (commit ranges' default): a change cannot relax the policy that judges it.
        case base
        /// The working tree, as the author edits it (`--staged`/`--worktree`'s default).
        case head
    }

    /// Where catalog facts come from (`--catalog`).
    public enum CatalogChoice: String, Sendable, CaseIterable {
        /// Secoda when a key is configured, else the snapshot when there is one, else the dbt graph.
        case auto
        /// Only the dbt project's own graph (offline).
        case dbt
        /// The dbt graph plus the snapshot written by `catalog pull` (offline).
        case snapshot
        /// The dbt graph plus Secoda's API.
        case secoda
        /// The snapshot when there is one, else the dbt graph alone; never the network (the pre-push
        /// hook's default, where a missing snapshot is normal, not an incomplete impact).
        case offline
    }

    public var repository: String
    public var configPath: String?
    public var target: Target
    public var ownerCheck: Bool
    public var catalog: CatalogChoice
    public var failOn: FailOn?
    /// Overrides `catalog.on_catalog_error` (the pre-push hook uses `warn`).
    public var catalogErrorPolicyOverride: CatalogErrorPolicy?
    /// Where the policy comes from; nil: the base for commit ranges, the working tree for
    /// `--staged`/`--worktree`.
    public var policy: PolicySource?
    public var environment: [String: String]
    /// "Today" for waiver expiry and deprecation dates.
    public var today: Date
    /// Where to show progress (stages, pages fetched, lineage levels walked); nil: silent.
    public var progress: ProgressReporter?
    /// Remember resolved catalog table ids between runs in the cache folder the environment names
    /// (`TableIdHints`), so the next run starts its lineage walk a round trip sooner. The CLI
    /// turns it on; off by default, so a library caller or a test writes nothing outside its
    /// own folders.
    public var remembersTableIds = false
    /// Keep what reading single files learnt (by git blob id) in the cache folder the environment
    /// names (`BlobFactStore`), so the next check reads only the files it has not seen. The CLI
    /// turns it on (`--no-cache` turns it off); off by default, like `remembersTableIds`.
    public var cachesParsedFiles = false
    /// Leave what the check read (both projects, the parse cache, the graph) allocated when the
    /// check returns, for a process that exits right after: freeing tens of thousands of small
    /// objects one by one is work the exit does at once. The CLI turns it on; a library caller or
    /// a test that runs many checks in one process leaves it off.
    public var keepsReadingUntilExit = false
    /// dbt's `--state`: a folder whose `manifest.json` describes the base revision.
    public var stateDirectory: String?

    public init(repository: String = ".", configPath: String? = nil, target: Target = .commits(base: nil, head: nil),
                ownerCheck: Bool = true, catalog: CatalogChoice = .auto, failOn: FailOn? = nil,
                catalogErrorPolicyOverride: CatalogErrorPolicy? = nil,
                environment: [String: String] = ProcessInfo.processInfo.environment, today: Date = Date()) {
        self.repository = repository
        self.configPath = configPath
        self.target = target
        self.ownerCheck = ownerCheck
        self.catalog = catalog
        self.failOn = failOn
        self.catalogErrorPolicyOverride = catalogErrorPolicyOverride
        self.environment = environment
        self.today = today
        self.progress = nil
    }
}
