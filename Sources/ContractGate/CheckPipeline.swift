import Foundation
import GateCatalog
import GateDbt
import GateGit
import GateModel
import GateRules

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
        let config = workspace.config
        timer.lap("workspace")   // contract-gate.yml and the repository opened
        let resolved = try ChangeSetLoader.load(workspace.repository, target: request.target,
                                                configuredBase: config.base, environment: request.environment)
        timer.lap("diff")
        progress?.start("reading the dbt project at both sides")

        // Nothing changed: nothing can break, and no project is needed to say so (an empty repository).
        if !resolved.changeSet.changes.isEmpty {
            try workspace.locateDbtProject(in: [resolved.baseTree, resolved.headTree])
        }
        let settings = DbtSettings(workspace: workspace, environment: request.environment)
        let memo = BlobMemo()   // base and head share most files: each is read once
        var baseSettings = settings
        if let state = request.stateDirectory {
            baseSettings.stateManifest = URL(fileURLWithPath: state, isDirectory: true).appendingPathComponent("manifest.json").path
        }
        let baseProject = try DbtProject.load(tree: resolved.baseTree, settings: baseSettings, required: false, memo: memo)
        let headProject = try DbtProject.load(tree: resolved.headTree, settings: settings, required: false, memo: memo)
        let diff = try SemanticDiff.compare(base: baseProject, head: headProject, changes: resolved.changeSet)
        let modelChanges = diff.changes
        // Which head `ref()`/`source()` calls this change leaves unresolved (REF_RESOLVES): a broken
        // build fails the check whether or not any model changed or any contract applies.
        let danglingReferences = try ReferenceResolution.danglingReferences(
            base: baseProject, head: headProject, changeSet: resolved.changeSet, changes: modelChanges)
        timer.lap("models")

        let contracts = try workspace.contracts(from: workspace.contractTree(fallback: resolved.headTree))
        timer.lap("contracts")

        progress?.start("walking downstream lineage", unit: "catalog pages")
        let impact = try await ImpactStage.run(
            changes: modelChanges, base: baseProject, head: headProject, config: config, workspace: workspace,
            request: request, contracts: contracts)
        timer.lap("impact")
        // Part of `models` and `impact`: the pass that reads every model file, at both sides.
        timer.record("ref_scan", baseProject.refScanTime + headProject.refScanTime)
        // Also part of them: rendering the Jinja of models whose macros can make references.
        timer.record("render", baseProject.renderTime + headProject.renderTime)
        progress?.start("checking contracts")

        let evaluation = try RuleEngine.evaluate(
            changes: modelChanges, impacts: impact.byModel, contracts: contracts,
            today: CalendarDay(date: request.today), catalog: impact.facts, danglingReferences: danglingReferences,
            adapter: headProject.exists ? headProject.adapter() : baseProject.adapter())
        timer.lap("rules")

        // Gathered last: reading goes on through the impact stage (the graph renders models, and a
        // render that falls back says so), and no such word may be lost.
        var diagnostics = unique(baseProject.diagnostics + headProject.diagnostics + diff.diagnostics)
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

        let failOn = request.failOn ?? config.failOn
        return Report.judged(
            base: resolved.changeSet.base, head: resolved.changeSet.head.description, failOn: failOn,
            catalog: impact.status, changes: modelChanges.map { record($0, catalogIds: impact.catalogIds) },
            files: resolved.changeSet.changes.map(ChangedFile.init),
            impact: impact.impacts, findings: evaluation.findings, diagnostics: diagnostics,
            rules: evaluation.rules, checked: evaluation.checked, timings: timer.timings)
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
            relation: current?.relation.description, oldRelation: oldRelation, catalogId: catalogIds[change.name])
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
    init(workspace: Workspace, environment: [String: String]) {
        var config = workspace.config
        config.dbt.projectDir = workspace.dbtProjectDir   // the folder found when none is configured
        self.init(config: config)
        installedPackagesRoot = workspace.root?.path
        self.environment = environment.filter { $0.key != (config.catalog.secoda?.tokenEnv ?? "SECODA_API_KEY") }
        profilesDirectories = [environment["DBT_PROFILES_DIR"],
                               workspace.root.map { $0.appendingPathComponent(workspace.dbtProjectDir).path },
                               environment["HOME"].map { $0 + "/.dbt" }].compactMap { $0 }
    }

    /// The dbt part of contract-gate.yml.
    init(config: GateConfig) {
        let projectDir = config.dbt.projectDir
        let prefix = (projectDir == "." || projectDir.isEmpty) ? "" : projectDir.hasSuffix("/") ? projectDir : projectDir + "/"
        // The default manifest is optional (GateDbt looks for <project>/target/manifest.json itself);
        // only a manifest the user named is expected to exist.
        let manifest = config.dbt.manifest == GateConfig.Dbt().manifest ? nil : prefix + config.dbt.manifest
        self.init(projectDir: projectDir, targetDatabase: config.dbt.database, targetSchema: config.dbt.schema,
                  schemaNaming: config.dbt.schemaNaming == .customOnly ? .customOnly : .dbtDefault,
                  manifestPath: manifest)
        adapterType = config.dbt.adapter
        targetName = config.dbt.target
    }
}
