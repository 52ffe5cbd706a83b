import Foundation
import GateDbt
import GateGit
import GateLineage
import GateModel

/// What both write-back commands (`lineage push`, `docs carry`) share: where the repository is,
/// whether to write, how fast, and where progress goes.
public struct WriteBackOptions: Sendable {
    public var repository: String
    public var configPath: String?
    public var ownerCheck: Bool
    /// Perform the writes; false is a dry run that only reads.
    public var apply: Bool
    public var environment: [String: String]
    /// Receives one progress line per write (the CLI sends them to stderr when it is a TTY or
    /// `--progress` is given); nil: no progress.
    public var progress: (@Sendable (String) -> Void)?
    /// Secoda's write limit: this many writes per `writeWindow` (30 a minute documented).
    public var writesPerWindow: Int
    public var writeWindow: Duration

    public init(repository: String = ".", configPath: String? = nil, ownerCheck: Bool = true, apply: Bool = false,
                environment: [String: String] = ProcessInfo.processInfo.environment,
                progress: (@Sendable (String) -> Void)? = nil, writesPerWindow: Int = 30,
                writeWindow: Duration = .seconds(60)) {
        self.repository = repository
        self.configPath = configPath
        self.ownerCheck = ownerCheck
        self.apply = apply
        self.environment = environment
        self.progress = progress
        self.writesPerWindow = writesPerWindow
        self.writeWindow = writeWindow
    }
}

/// The opened workspace, its catalog settings and a paced Secoda writer: what each write-back
/// command starts from.
struct WriteBackSession {
    let workspace: Workspace
    let settings: CatalogSettings
    let writer: CatalogWriter
    let options: WriteBackOptions

    /// Opens the repository and configuration and builds the writer.
    /// - Throws: `InputError` for a bad repository or configuration; `CatalogError(.configuration)`
    ///   when no API key is set (exit 2).
    init(_ options: WriteBackOptions) throws {
        guard options.writesPerWindow >= 1 else {
            throw InputError("the write limit must allow at least one write per window (got \(options.writesPerWindow))")
        }
        workspace = try Workspace(repository: options.repository, configPath: options.configPath,
                                  ownerCheck: options.ownerCheck)
        var settings = try ImpactStage.catalogSettings(
            config: workspace.config, workspace: workspace,
            request: CheckRequest(repository: options.repository, catalog: .secoda, environment: options.environment))
        settings.secodaConfigured = true
        self.settings = settings
        writer = try settings.makeWriter(environment: options.environment,
                                         pacer: WritePacer(limit: options.writesPerWindow, window: options.writeWindow))
        self.options = options
    }

    /// The progress callback for `command`, or nil.
    func progress(_ command: String) -> (@Sendable (WriteProgress) -> Void)? {
        guard let sink = options.progress else { return nil }
        return { sink("\(command): \($0.line)") }
    }

    /// The dbt settings of this workspace.
    var dbtSettings: DbtSettings { DbtSettings(workspace: workspace, environment: options.environment) }

    /// The dbt project at `head` (default HEAD); a revision without a dbt project is bad input.
    func headProject(_ head: String?) throws -> DbtProject {
        let sha = try workspace.repository.resolve(head ?? "HEAD")
        let tree = try workspace.repository.tree(at: sha)
        try workspace.locateDbtProject(in: [tree])
        return try DbtProject.load(tree: tree, settings: dbtSettings, required: true)
    }

    /// The model changes between `base` (merge base, chosen as `check` does) and `head`, and the
    /// dbt project at head.
    func modelChanges(base: String?, head: String?) throws -> (changes: [ModelChange], head: DbtProject) {
        let resolved = try ChangeSetLoader.load(workspace.repository, target: .commits(base: base, head: head),
                                                configuredBase: workspace.config.base,
                                                environment: options.environment)
        try workspace.locateDbtProject(in: [resolved.baseTree, resolved.headTree])
        let memo = BlobMemo()   // base and head share most files: each is read once
        let baseProject = try DbtProject.load(tree: resolved.baseTree, settings: dbtSettings, required: false, memo: memo)
        let headProject = try DbtProject.load(tree: resolved.headTree, settings: dbtSettings, required: true, memo: memo)
        let diff = try SemanticDiff.compare(base: baseProject, head: headProject, changes: resolved.changeSet)
        return (diff.changes, headProject)
    }

    /// The end both write-back commands share once their plan is made: on a dry run nothing;
    /// with `--apply`, `apply` (the plan's writes, paced: `PacedApply` in GateLineage), then the
    /// snapshot pulled again. A refresh Secoda fails is reported beside the result, not thrown:
    /// the writes are done and a rerun would only write nothing.
    func applyThenRefresh<Result: Sendable>(_ apply: () async -> Result) async throws
        -> (result: Result?, snapshotRefreshed: String?, snapshotError: String?) {
        guard options.apply else { return (nil, nil, nil) }
        let result = await apply()
        do {
            return (result, try await refreshSnapshot(), nil)
        } catch let error as CatalogError {
            return (result, nil, error.message)
        }
    }

    /// After writes, the snapshot `check` reads offline is out of date: pull it again when the
    /// workspace has one. Returns the path refreshed, nil when there is no snapshot.
    func refreshSnapshot() async throws -> String? {
        guard let path = settings.snapshotPath, FileManager.default.fileExists(atPath: path) else { return nil }
        _ = try await CatalogImpact.pullSnapshot(settings: settings, environment: options.environment)
        return path
    }
}

extension ProjectGraph {
    /// Source nodes carry no relation in the graph; dbt's defaults give one: the target
    /// database, the source's name as schema, the table's name as identifier. (A source's
    /// `schema:`/`identifier:` overrides in YAML are not read; a manifest's relations win.)
    func withSourceRelations(database: String?) -> ProjectGraph {
        var graph = self
        for (id, node) in nodes where node.type == "source" && node.relation == nil {
            let parts = node.name.split(separator: ".", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { continue }
            graph.nodes[id]?.relation = Relation(database: database, schema: parts[0], identifier: parts[1])
        }
        return graph
    }
}
