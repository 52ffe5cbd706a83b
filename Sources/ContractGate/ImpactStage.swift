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
        let deferredGraph = DeferredGraph { try lineageGraph(changes: changes, base: base, head: head) }
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

        var impacts = result.impacts
        for index in impacts.indices {
            guard let change = changes.first(where: { $0.name == impacts[index].model }) else { continue }
            // Column evidence comes from the side where the consumers' SQL still refers to the model.
            let project = change.head?.enabled == true ? head : base
            impacts[index].columnUsers = try columnUsers(
                change: change, impact: impacts[index], project: project, graph: graph)
        }
        impacts = try withModelOwners(impacts, head: head, base: base)
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

    /// Downstream dbt models read the same way the rules do: `meta.owner` and the dbt `group` of
    /// each become owners (kind `dbt`) next to the catalog's. Looked up once per model name, for
    /// at most `ownerLookupLimit` models, so a huge walk is not slowed by property-file reads.
    static func withModelOwners(_ impacts: [ModelImpact], head: DbtProject, base: DbtProject) throws -> [ModelImpact] {
        var cache: [String: [Owner]] = [:]
        var result = impacts
        let project = head.exists ? head : base
        var wanted: [String] = []
        var seen = Set<String>()
        for impact in impacts {
            for node in impact.downstream where node.type == "model" && wanted.count < ownerLookupLimit && seen.insert(node.name).inserted {
                wanted.append(node.name)
            }
        }
        try project.prepareLookups(of: wanted)
        for index in result.indices {
            for nodeIndex in result[index].downstream.indices where result[index].downstream[nodeIndex].type == "model" {
                let name = result[index].downstream[nodeIndex].name
                if cache[name] == nil {
                    guard cache.count < ownerLookupLimit else { continue }
                    let model = (try? project.ownership(ofModel: name)) ?? nil
                    cache[name] = DbtProject.dbtOwners(owner: model?.owner, group: model?.group)
                }
                var node = result[index].downstream[nodeIndex]
                for owner in cache[name] ?? [] where !node.owners.contains(where: { $0.id == owner.id || $0.email == owner.id }) {
                    node.owners.append(owner)
                }
                result[index].downstream[nodeIndex] = node
            }
        }
        return result
    }

    static let ownerLookupLimit = 500

    /// The head graph, plus the base-side edges of models that no longer exist at head (deleted,
    /// disabled or renamed away), so their former consumers are still found.
    static func lineageGraph(changes: [ModelChange], base: DbtProject, head: DbtProject) throws -> ProjectGraph {
        var graph = head.exists ? try head.graph() : ProjectGraph()
        let goneIds = changes.compactMap { change -> String? in
            guard let old = change.base else { return nil }
            let stillThere = change.head.map { $0.enabled && $0.uniqueId == old.uniqueId } ?? false
            return stillThere ? nil : old.uniqueId
        }
        guard !goneIds.isEmpty, base.exists else { return graph }
        let baseGraph = try base.consumers(of: Set(goneIds))
        for id in goneIds {
            guard let node = baseGraph.nodes[id] else { continue }
            if var existing = graph.nodes[id] {
                existing.children = Array(Set(existing.children).union(node.children)).sorted()
                graph.nodes[id] = existing
            } else {
                graph.nodes[id] = node
            }
            for child in node.children where graph.nodes[child] == nil {
                graph.nodes[child] = baseGraph.nodes[child]
            }
        }
        return graph
    }

    /// For every column the change touches: the downstream models whose SQL names it, keyed by
    /// the downstream node ids the impact uses (catalog ids for merged nodes).
    static func columnUsers(change: ModelChange, impact: ModelImpact, project: DbtProject,
                            graph: ProjectGraph) throws -> [String: [String]] {
        let columns = Set(change.columnChanges.map(\.column) + change.columnChanges.compactMap { $0.before?.name })
        guard !columns.isEmpty, project.exists else { return impact.columnUsers }
        var dbtIdToNode: [String: String] = [:]
        var modelIdsByName: [String: String] = [:]
        for node in graph.nodes.values where node.type == "model" { modelIdsByName[node.name] = node.id }
        // Semantic models use the columns they name (never merged with a catalog table).
        for node in impact.downstream where node.type == "semantic_model" { dbtIdToNode[node.id] = node.id }
        for node in impact.downstream where node.type == "model" {
            if graph.nodes[node.id] != nil {
                dbtIdToNode[node.id] = node.id
            } else if let dbtId = modelIdsByName[node.name] {
                dbtIdToNode[dbtId] = node.id
            }
        }
        // Versioned changes are named `model.vN`; the model itself is `snapshot.name`.
        let model = (change.head ?? change.base)?.name ?? change.name
        let found = try project.columnUsers(of: model, columns: Array(columns),
                                            among: Array(dbtIdToNode.keys))
        var users = impact.columnUsers
        for (column, dbtIds) in found {
            let ids = dbtIds.compactMap { dbtIdToNode[$0] }
            users[column] = Array(Set(users[column, default: []]).union(ids)).sorted()
        }
        return users
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
