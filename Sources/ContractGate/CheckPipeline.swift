import Foundation
import GateLineage
import GateConfig
import DbtImpact
import GateDbt
import GateGit
import GateModel
import GateContracts

/// The whole `check`: diff → changes → resolve → impact → findings → report (DESIGN.md §1).
public enum CheckPipeline {
    /// Runs one check. Throws a `GateError` for usage, configuration, repository (exit 2) and
    /// catalog (exit 3) failures; a violated contract is a report with exit code 1, not an error.
    public static func run(_ request: CheckRequest) async throws -> Report {
        // The progress line is closed on every path, so an error message starts on a line of its own.
        do {
            let report = try await stages(request)
            await request.progress?.finish()
            return report
        } catch {
            await request.progress?.finish()
            throw error
        }
    }

    private static func stages(_ request: CheckRequest) async throws -> Report {
        var timer = StageTimer()
        let progress = request.progress
        progress?.start("reading the git diff")
        let workspace = try Workspace(repository: request.repository, configPath: request.configPath,
                                      ownerCheck: request.ownerCheck)
        timer.lap("workspace")   // contract-gate.yml and the repository opened
        // `base:` picks the base revision, so it is read where the author is; in CI the base comes
        // from --base or the CI's variables first (`BaseSelection`).
        let resolved = try ChangeSetLoader.load(workspace.repository, target: request.target,
                                                configuredBase: workspace.config.base, environment: request.environment)
        timer.lap("diff")
        // The policy that judges the change: the base revision's for a commit range.
        let policy = try PolicySelection.choose(workspace: workspace, resolved: resolved, request: request)
        let config = policy.inForce.config
        progress?.start("reading the dbt project at both sides")

        // Nothing changed: nothing can break, and no project is needed to say so (an empty repository).
        if !resolved.changeSet.changes.isEmpty {
            try workspace.locateDbtProject(in: [resolved.baseTree, resolved.headTree])
        }
        let settings = DbtSettings(workspace: workspace, environment: request.environment, config: policy.headConfig)
        // Base and head share most files: each is read once, and not at all when an earlier run
        // kept what it learnt from that blob.
        let memo = BlobMemo(store: request.cachesParsedFiles ? parseCache(workspace, environment: request.environment) : nil)
        var baseSettings = DbtSettings(workspace: workspace, environment: request.environment, config: policy.baseConfig)
        if let state = request.stateDirectory {
            baseSettings.stateManifest = URL(fileURLWithPath: state, isDirectory: true).appendingPathComponent("manifest.json").path
            let catalog = URL(fileURLWithPath: state, isDirectory: true).appendingPathComponent("catalog.json").path
            if FileManager.default.fileExists(atPath: catalog) { baseSettings.warehouseCatalog = catalog }
        }
        let baseProject = try DbtProject.load(tree: resolved.baseTree, settings: baseSettings, required: false, memo: memo)
        let headProject = try DbtProject.load(tree: resolved.headTree, settings: settings, required: false, memo: memo)
        // The head graph (the impact stage's) needs nothing the comparison works out: once the
        // head is read, it is built on the second core while the base is read, the two revisions
        // compared and the references resolved here.
        if !resolved.changeSet.changes.isEmpty {
            _ = try headProject.namingMacroOverrides()
            _ = try headProject.index()
            try headProject.buildGraphAhead()
            try SemanticDiff.index(base: baseProject, head: headProject)
        }
        let diff = try SemanticDiff.compare(base: baseProject, head: headProject, changes: resolved.changeSet)
        // The column lineage's base side, its largest part, is worked out on a third thread: the
        // impact stage, which needs it, walks the graph here first.
        try ColumnLineage.readBaseColumnsAhead(changes: diff.changes, base: baseProject, head: headProject)
        // Meanwhile, the base side's part of the impact stage's graph is read here.
        try DbtProject.readFormerConsumers(changes: diff.changes, base: baseProject)
        // Which head `ref()`/`source()` calls this change leaves unresolved (REF_RESOLVES): a broken
        // build fails the check whether or not any model changed or any contract applies.
        let danglingReferences = try ReferenceResolution.danglingReferences(
            base: baseProject, head: headProject, changeSet: resolved.changeSet, changes: diff.changes)
        timer.lap("models")

        let contracts = policy.inForce.contracts
        timer.lap("contracts")

        progress?.start("walking downstream lineage", unit: "catalog pages")
        let impact = try await ImpactStage.run(
            changes: diff.changes, base: baseProject, head: headProject, config: config, workspace: workspace,
            request: request, contracts: contracts)
        timer.lap("impact")
        // Column changes now include what the SQL shows (ColumnLineage, part of `impact`).
        let modelChanges = impact.changes
        timer.record("sql", baseProject.sqlTime + headProject.sqlTime)
        // Part of `models` and `impact`: the pass that reads every model file, at both sides.
        timer.record("ref_scan", baseProject.refScanTime + headProject.refScanTime)
        // Also part of them: rendering the Jinja of models whose macros can make references.
        timer.record("render", baseProject.renderTime + headProject.renderTime)
        progress?.start("checking contracts")

        let evaluation = try RuleEngine.evaluate(
            changes: modelChanges, impacts: impact.byModel, contracts: contracts,
            today: CalendarDay(date: request.today), catalog: impact.facts,
            build: BuildBreaks(danglingReferences: danglingReferences, brokenReads: impact.lineage.brokenReads,
                               contractMismatches: impact.lineage.contractMismatches),
            adapter: headProject.exists ? headProject.adapter() : baseProject.adapter(), policyChanges: policy.relaxations)
        timer.lap("rules")

        // Gathered last: reading goes on through the impact stage (the graph renders models, and a
        // render that falls back says so), and no such word may be lost.
        var diagnostics = unique(baseProject.diagnostics + headProject.diagnostics + diff.diagnostics + impact.lineage.diagnostics)
            + policy.notices + impact.notices
        if let location = workspace.dbtProject, location.origin == .found, location.folder != "." {
            diagnostics.append(Diagnostic(
                severity: .notice,
                message: "dbt project found in \(location.displayName) (no `dbt.project_dir` in \(workspace.configPath)); "
                    + "set it there to pin the folder"))
        }

        // Selectors and waivers that reach no model leave models ungated without a word: said when
        // the change can have made them so (models changed, or the policy itself did). The head
        // graph is built by the impact stage in the first case, so this costs no second reading.
        let policyTouched = resolved.changeSet.changes.contains { change in
            [change.oldPath, change.newPath].contains { $0.map { $0.hasPrefix("contracts/") || $0 == workspace.configPath } ?? false }
        }
        if headProject.exists, !modelChanges.isEmpty || policyTouched {
            diagnostics += contracts.unreached(models: try ProjectValidation.selectableModels(headProject))
        }

        if let failure = impact.failure {
            diagnostics.append(Diagnostic(severity: .error, message:
                "the catalog failed under on_catalog_error: fail (\(failure.message)); the findings above come from the "
                + "dbt project alone, and the check exits 3 because consumers only the catalog knows may be missed."))
        }

        let failOn = request.failOn ?? config.failOn
        var report = Report.judged(
            base: resolved.changeSet.base, head: resolved.changeSet.head.description, failOn: failOn,
            catalog: impact.status, changes: modelChanges.map { record($0, catalogIds: impact.catalogIds) },
            files: resolved.changeSet.changes.map(ChangedFile.init),
            impact: impact.impacts, findings: evaluation.findings, diagnostics: diagnostics,
            rules: evaluation.rules, checked: evaluation.checked, timings: timer.timings)
        if impact.failure != nil {
            report.verdict = .fail
            report.exitCode = Int(GateExitCode.catalogUnavailable.rawValue)
        }
        headProject.finishWorkAhead()
        baseProject.finishWorkAhead()
        memo.persist()
        if request.keepsReadingUntilExit {
            ExitRetention.keep([memo, baseProject, headProject, resolved, diff, impact, evaluation, workspace])
        }
        return report
    }

    /// The parse cache of this repository and dbt project, in the cache folder the environment
    /// names; nil when caching is off there.
    static func parseCache(_ workspace: Workspace, environment: [String: String]) -> BlobFactStore? {
        guard let folder = CacheFolder.standard(environment: environment) else { return nil }
        let scope = workspace.repository.gitDirectory + "\n" + workspace.dbtProjectDir
        return BlobFactStore(folder: folder, scope: scope, identity: BlobFactStore.binaryIdentity())
    }

    /// The same problem read at both sides is reported once.
    static func unique(_ diagnostics: [Diagnostic]) -> [Diagnostic] {
        var seen = Set<Diagnostic>()
        return diagnostics.filter { seen.insert($0).inserted }
    }

    /// One changed model as the report lists it.
    static func record(_ change: ModelChange, catalogIds: [String: String]) -> ChangeRecord {
        let current = change.head ?? change.base
        let oldPath = change.base?.path != current?.path ? change.base?.path : nil
        let oldRelation = change.relationChanged ? change.base?.relation.description : nil
        return ChangeRecord(
            model: change.name, status: change.status.rawValue, path: current?.path ?? "", oldPath: oldPath,
            relation: current?.relation.description, oldRelation: oldRelation, catalogId: catalogIds[change.name],
            documentationOnly: change.documentationOnly, uniqueId: current?.uniqueId)
    }
}

/// What a check read, held until the process exits (`CheckRequest.keepsReadingUntilExit`): the
/// exit gives the memory back whole, where releasing it object by object measured ≈5 % of a
/// warm 5,000-model check.
enum ExitRetention {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var kept: [Any] = []

    static func keep(_ values: [Any]) {
        lock.lock()
        kept.append(values)
        lock.unlock()
    }
}

/// Milliseconds per pipeline stage, for the report's `timings`.
struct StageTimer {
    private let clock = ContinuousClock()
    private var start: ContinuousClock.Instant
    private(set) var timings: [String: Int] = [:]

    init() { start = clock.now }

    mutating func lap(_ stage: String) {
        record(stage, clock.now - start)
        start = clock.now
    }

    /// A duration measured elsewhere (part of a stage).
    mutating func record(_ name: String, _ elapsed: Duration) {
        timings[name] = Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
    }
}

extension DbtSettings {
    /// What every command reads a dbt project with: the config's dbt part, plus what the machine
    /// it runs on supplies — the packages `dbt deps` installed in the worktree, `profiles.yml`
    /// where dbt looks for it, and the environment `env_var()` reads (never the catalog's key,
    /// whatever its variable is called).
    init(workspace: Workspace, environment: [String: String], config: GateConfig? = nil) {
        var config = config ?? workspace.config
        config.dbt.projectDir = workspace.dbtProject?.folder ?? config.dbt.projectDir   // the folder found when none is configured
        self.init(config: config)
        installedPackagesRoot = workspace.root?.path
        self.environment = environment.filter { $0.key != (config.catalog.secoda?.tokenEnv ?? "SECODA_API_KEY") }
        profilesDirectories = [environment["DBT_PROFILES_DIR"],
                               workspace.root.map { $0.appendingPathComponent(workspace.dbtProjectDir).path },
                               environment["HOME"].map { $0 + "/.dbt" }].compactMap { $0 }
        // `dbt docs generate` leaves the warehouse's columns here (usually not committed).
        if let catalog = workspace.root?.appendingPathComponent(config.dbt.projectDir).appendingPathComponent("target/catalog.json").path,
           FileManager.default.fileExists(atPath: catalog) {
            warehouseCatalog = catalog
        }
    }
}
