import Foundation
import GateLineage
import GateConfig
import DbtImpact
import GateDbt
import GateModel
import GateContracts

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
        // Seeds, SQL snapshots and sources that changed: dbt's state:modified selects them and their downstream too.
        let modified = try ModifiedNodes.between(base: base, head: head)
        guard !changes.isEmpty || !modified.isEmpty else {
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
        } + modified.seeds.map { ImpactRequest(name: $0, relation: nil, dbtId: "seed.\(head.name).\($0)", wantsPIIColumns: false) }
          + modified.snapshots.map { ImpactRequest(name: $0, relation: nil, dbtId: "snapshot.\(head.name).\($0)", wantsPIIColumns: false) }
          + modified.sources.map { ImpactRequest(name: $0.name, relation: nil, dbtId: $0.id, wantsPIIColumns: false) }
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
        var notices = modified.notices
        if let variable = result.snapshotInsteadOfMissingKey {
            notices.append(Diagnostic(severity: .notice, message: missingKeyNotice(
                variable: variable, takenAt: result.status.snapshotTakenAt, today: request.today)))
        }
        if let notice = result.snapshotIndexNotice {
            notices.append(Diagnostic(severity: .notice, message: notice.prefix(1).uppercased() + notice.dropFirst() + "."))
        }

        // What the project says of those impacts: the SQL's column lineage, readers a rename
        // updated, column users and dbt owners.
        let evidence = try DbtEvidence.gather(changes: changes, modified: modified, impacts: result.impacts,
                                              base: base, head: head, graph: graph)
        let changes = evidence.changes
        let impacts = evidence.impacts
        var byModel: [String: ModelImpact] = [:]
        for impact in impacts { byModel[impact.model] = impact }

        let consulted = result.status.sources.contains { $0 == "secoda" || $0 == "snapshot" }
        var ids: [String: String?] = [:]
        for change in changes { ids[change.name] = result.catalogIds[change.name] }
        let facts = CatalogFacts(consulted: consulted, ids: ids, owners: result.tableOwners, piiColumns: result.piiColumns,
                                 impactComplete: result.status.complete, ambiguous: result.ambiguous)
        return ImpactStage(changes: changes, lineage: evidence.lineage, impacts: impacts, byModel: byModel, catalogIds: result.catalogIds,
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
