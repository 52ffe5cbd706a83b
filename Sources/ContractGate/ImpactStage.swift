import Foundation
import GateCatalog
import GateDbt
import GateModel
import GateRules

/// Steps 3–4 of the pipeline: resolve the changed models in the catalog, walk their downstream
/// lineage (dbt graph always, Secoda or its snapshot when available) and gather the evidence of
/// which consumers use which columns.
struct ImpactStage {
    var impacts: [ModelImpact]
    var byModel: [String: ModelImpact]
    var catalogIds: [String: String]
    var status: CatalogStatus
    var facts: CatalogFacts

    static func run(changes: [ModelChange], base: DbtProject, head: DbtProject, config: GateConfig,
                    workspace: Workspace, request: CheckRequest, contracts: ContractSet) async throws -> ImpactStage {
        guard !changes.isEmpty else {
            return ImpactStage(impacts: [], byModel: [:], catalogIds: [:], status: CatalogStatus(sources: ["dbt"]),
                               facts: CatalogFacts())
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
        }
        let settings = catalogSettings(config: config, workspace: workspace, request: request)
        let result = try await CatalogImpact.compute(of: requests, graph: deferredGraph, settings: settings,
                                                     environment: request.environment)
        let graph = try await deferredGraph.value()

        var impacts = withoutUpdatedReaders(result.impacts, changes: changes, graph: graph)
        for index in impacts.indices {
            guard let change = changes.first(where: { $0.name == impacts[index].model }) else { continue }
            // Column evidence comes from the side where the consumers' SQL still refers to the model.
            let project = change.head?.enabled == true ? head : base
            impacts[index].columnUsers = try project.columnUsers(change: change, impact: impacts[index], graph: graph)
        }
        impacts = try DbtProject.withModelOwners(impacts, head: head, base: base)
        var byModel: [String: ModelImpact] = [:]
        for impact in impacts { byModel[impact.model] = impact }

        let consulted = result.status.sources.contains { $0 == "secoda" || $0 == "snapshot" }
        var ids: [String: String?] = [:]
        for change in changes { ids[change.name] = result.catalogIds[change.name] }
        let facts = CatalogFacts(consulted: consulted, ids: ids, owners: result.tableOwners, piiColumns: result.piiColumns,
                                 impactComplete: result.status.complete, ambiguous: result.ambiguous)
        return ImpactStage(impacts: impacts, byModel: byModel, catalogIds: result.catalogIds, status: result.status,
                           facts: facts)
    }

    static func catalogSettings(config: GateConfig, workspace: Workspace, request: CheckRequest) -> CatalogSettings {
        let policy: CatalogErrorPolicy = request.catalogErrorPolicyOverride.flatMap(CatalogErrorPolicy.init(rawValue:))
            ?? (config.catalog.onCatalogError == .warn ? .warn : .fail)
        let snapshot = config.catalog.snapshot
        let snapshotPath: String = if snapshot.hasPrefix("/") {
            snapshot
        } else {
            (workspace.root ?? URL(fileURLWithPath: workspace.repository.gitDirectory))
                .appendingPathComponent(snapshot).path
        }
        let mode: CatalogMode = switch request.catalog {
        case .auto, .secoda: .auto
        case .dbt: .dbt
        case .snapshot: .snapshot
        // No snapshot is not a catalog failure here: the dbt graph is then the whole (complete) offline truth.
        case .offline: FileManager.default.fileExists(atPath: snapshotPath) ? .snapshot : .dbt
        }
        var settings = CatalogSettings(
            baseURL: config.catalog.secoda?.baseURL ?? SecodaEndpoint.defaultBaseURL,
            tokenEnv: config.catalog.secoda?.tokenEnv ?? "SECODA_API_KEY",
            secodaConfigured: config.catalog.secoda != nil || request.catalog == .secoda,
            integrationId: config.catalog.secoda?.integrationId, snapshotPath: snapshotPath,
            onCatalogError: policy, mode: mode, maxDepth: config.lineage.maxDepth, maxNodes: config.lineage.maxNodes)
        settings.progress = request.progress?.catalogHandler
        if request.remembersTableIds { settings.tableIdHints = TableIdHints.standard(environment: request.environment) }
        // The deadline bounds the whole catalog step; one request never outlasts it.
        if let deadline = config.catalog.secoda?.deadlineSeconds { settings.deadline = .seconds(deadline) }
        if let timeout = config.catalog.secoda?.timeoutSeconds { settings.requestTimeout = .seconds(timeout) }
        if let requests = config.catalog.secoda?.maxConcurrentRequests { settings.maxConcurrentRequests = requests }
        if settings.requestTimeout > settings.deadline { settings.requestTimeout = settings.deadline }
        return settings
    }
}
