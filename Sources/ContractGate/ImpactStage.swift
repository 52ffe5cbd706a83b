import Foundation
import GateLineage
import GateConfig
import DbtImpact
import GateDbt
import GateModel
import GateRules

/// Steps 3–4 of the pipeline: resolve the changed models in the catalog, walk their downstream
/// lineage (dbt graph always, Secoda or its snapshot when available) and gather the evidence of
/// which consumers use which columns.
struct ImpactStage {
    /// The changes with their column changes as the SQL shows them too (`ColumnLineage`).
    var changes: [ModelChange]
    /// What the column lineage found breaks the build.
    var lineage: ColumnLineageResult
    var impacts: [ModelImpact]
    var byModel: [String: ModelImpact]
    var catalogIds: [String: String]
    var status: CatalogStatus
    var facts: CatalogFacts
    /// Secoda failed under `on_catalog_error: fail`: the impact is the dbt graph's alone, the
    /// findings are still reported, and the check exits 3.
    var failure: CatalogError? = nil
    /// What the report should say about the catalog besides its status (the snapshot used for a
    /// missing key, and its age).
    var notices: [Diagnostic] = []

    static func run(changes: [ModelChange], base: DbtProject, head: DbtProject, config: GateConfig,
                    workspace: Workspace, request: CheckRequest, contracts: ContractSet) async throws -> ImpactStage {
        // Seeds and SQL snapshots that changed: dbt's state:modified selects them and their downstream too.
        let seeds = head.exists && base.exists ? try head.changedSeeds(since: base) : []
        let snapshots = head.exists && base.exists ? try head.changedSnapshots(since: base) : []
        let sources = try head.changedSources(since: base)
        guard !changes.isEmpty || !seeds.isEmpty || !snapshots.isEmpty || !sources.isEmpty else {
            return ImpactStage(changes: changes, lineage: ColumnLineageResult(), impacts: [], byModel: [:], catalogIds: [:],
                               status: CatalogStatus(sources: ["dbt"]), facts: CatalogFacts())
        }
        // Built while the catalog's first requests are on their way (`DeferredGraph`).
        let deferredGraph = DeferredGraph { try DbtProject.lineageGraph(changes: changes, base: base, head: head) }
        // The catalog describes what is deployed — the base side — so a renamed or deleted model is
        // looked up by the relation it has now; only an added model is looked up by its new one.
        let piiRule = ColumnPiiStaysTaggedRule.description.id
        let requests = changes.map { change in
            ImpactRequest(name: change.name, relation: (change.base ?? change.head)?.relation,
                          dbtId: (change.head ?? change.base)?.uniqueId,
                          wantsPIIColumns: change.head != nil && contracts.policy(for: change).rule(piiRule).severity != .off)
        } + seeds.map { ImpactRequest(name: $0, relation: nil, dbtId: "seed.\(head.name).\($0)", wantsPIIColumns: false) }
          + snapshots.map { ImpactRequest(name: $0, relation: nil, dbtId: "snapshot.\(head.name).\($0)", wantsPIIColumns: false) }
          + sources.map { ImpactRequest(name: $0.name, relation: nil, dbtId: $0.id, wantsPIIColumns: false) }
        let settings = try catalogSettings(config: config, workspace: workspace, request: request)
        var result: CatalogImpactResult
        var failure: CatalogError?
        do {
            result = try await CatalogImpact.compute(of: requests, graph: deferredGraph, settings: settings,
                                                     environment: request.environment)
        } catch let error as CatalogError where error.exitCode == .catalogUnavailable {
            // Every dbt-level finding is still worth printing: the catalog only adds consumers.
            // The check then exits 3, as `on_catalog_error: fail` says.
            var dbtOnly = settings
            dbtOnly.mode = .dbt
            result = try await CatalogImpact.compute(of: requests, graph: deferredGraph, settings: dbtOnly,
                                                     environment: request.environment)
            result.status.complete = false
            result.status.errors.insert(contentsOf: [error.message, "downstream impact comes from the dbt graph alone"], at: 0)
            failure = error
        }
        let graph = try await deferredGraph.value()
        var notices = sources.map { source in
            Diagnostic(severity: .notice, message: "source \(source.name) "
                + (source.fields == ["new"] ? "is new" : "changed (\(source.fields.joined(separator: ", ")))")
                + ": dbt's state:modified selects it, and the models downstream of it are walked as for a changed model",
                location: source.location)
        }
        if let variable = result.snapshotInsteadOfMissingKey {
            notices.append(Diagnostic(severity: .notice, message: missingKeyNotice(
                variable: variable, takenAt: result.status.snapshotTakenAt, today: request.today)))
        }
        if let notice = result.snapshotIndexNotice {
            notices.append(Diagnostic(severity: .notice, message: notice.prefix(1).uppercased() + notice.dropFirst() + "."))
        }

        // The models' SQL: which columns really leave each changed model, who reads them, what breaks.
        let lineage = try ColumnLineage.analyze(changes: changes, seeds: seeds, base: base, head: head, graph: graph)
        let changes = changes.map { change in
            var change = change
            change.columnChanges = lineage.columnChanges[change.name] ?? change.columnChanges
            return change
        }
        var impacts = withoutUpdatedReaders(result.impacts, changes: changes, graph: graph)
        // A change to documentation only builds the same table: nothing downstream is affected
        // (the catalog is still asked about the model itself: its id, owners and PII marks).
        let documentationOnly = Set(changes.filter(\.documentationOnly).map(\.name))
        for index in impacts.indices where documentationOnly.contains(impacts[index].model) {
            impacts[index].downstream = []
            impacts[index].truncated = false
        }
        for index in impacts.indices {
            guard let change = changes.first(where: { $0.name == impacts[index].model }) else { continue }
            // Column evidence comes from the side where the consumers' SQL still refers to the model.
            let project = change.head?.enabled == true ? head : base
            impacts[index] = try project.withColumnUsers(change: change, impact: impacts[index], graph: graph,
                                                         uses: lineage.uses[change.name])
        }
        impacts = try DbtProject.withModelOwners(impacts, head: head, base: base)
        var byModel: [String: ModelImpact] = [:]
        for impact in impacts { byModel[impact.model] = impact }

        let consulted = result.status.sources.contains { $0 == "secoda" || $0 == "snapshot" }
        var ids: [String: String?] = [:]
        for change in changes { ids[change.name] = result.catalogIds[change.name] }
        let facts = CatalogFacts(consulted: consulted, ids: ids, owners: result.tableOwners, piiColumns: result.piiColumns,
                                 impactComplete: result.status.complete, ambiguous: result.ambiguous)
        return ImpactStage(changes: changes, lineage: lineage, impacts: impacts, byModel: byModel, catalogIds: result.catalogIds,
                           status: result.status, facts: facts, failure: failure, notices: notices)
    }

    /// "Secoda is configured but SECODA_API_KEY is not set: used the snapshot taken … (3 days old)".
    static func missingKeyNotice(variable: String, takenAt: String?, today: Date) -> String {
        var age = ""
        if let takenAt, let date = ISO8601DateFormatter().date(from: takenAt) {
            let days = Int(today.timeIntervalSince(date) / 86_400)
            age = days < 1 ? " (less than a day old)" : days == 1 ? " (1 day old)" : " (\(days) days old)"
        }
        return "Secoda is configured but \(variable) is not set here, so the catalog snapshot"
            + (takenAt.map { " taken \($0)" } ?? "") + age + " stands in for it; run `contract-gate catalog pull` "
            + "with the key to refresh it."
    }

    /// The catalog settings contract-gate.yml gives GateLineage, with this request's mode.
    /// - Throws: `InputError` for a `token_env` the user did not opt into.
    static func catalogSettings(config: GateConfig, workspace: Workspace, request: CheckRequest) throws -> CatalogSettings {
        let snapshotPath = config.snapshotPath(
            root: workspace.root ?? URL(fileURLWithPath: workspace.repository.gitDirectory))
        let mode: CatalogMode = switch request.catalog {
        case .auto, .secoda: .auto
        case .dbt: .dbt
        case .snapshot: .snapshot
        // No snapshot is not a catalog failure here: the dbt graph is then the whole (complete) offline truth.
        case .offline: FileManager.default.fileExists(atPath: snapshotPath) ? .snapshot : .dbt
        }
        var settings = try config.catalogSettings(
            snapshotPath: snapshotPath, mode: mode, errorPolicy: request.catalogErrorPolicyOverride,
            secodaRequested: request.catalog == .secoda, environment: request.environment)
        settings.progress = request.progress?.catalogHandler
        if request.remembersTableIds { settings.tableIdHints = TableIdHints.standard(environment: request.environment) }
        return settings
    }
}
