import Foundation
import DbtImpact
import GateDbt
import GateLineage
import GateModel

/// `contract-gate impact MODEL…`: the downstream tree of models as they stand at HEAD (or in the
/// worktree), through the same catalog step `check` uses.
public enum ImpactQuery {
    public struct Result: Sendable {
        public var impacts: [ModelImpact]
        public var catalogIds: [String: String]
        public var status: CatalogStatus

        /// What the command prints (through `ImpactReporter`).
        public var report: ImpactReport { ImpactReport(catalog: status, impacts: impacts) }
    }

    public static func run(models: [String], request: CheckRequest, useWorktree: Bool) async throws -> Result {
        let workspace = try Workspace(repository: request.repository, configPath: request.configPath,
                                      ownerCheck: request.ownerCheck)
        let project = try workspace.currentProject(useWorktree: useWorktree, environment: request.environment)
        var requests: [ImpactRequest] = []
        for name in models {
            guard let model = try project.model(named: name) else {
                throw InputError("no model named '\(name)' in the dbt project at \(project.projectFilePath); "
                                 + "check the name (model names are file names without .sql)")
            }
            requests.append(ImpactRequest(name: model.name, relation: model.relation, dbtId: model.uniqueId))
        }
        let settings = try ImpactStage.catalogSettings(config: workspace.config, workspace: workspace, request: request)
        request.progress?.start("walking downstream lineage", unit: "catalog pages")
        let result: CatalogImpactResult
        do {
            result = try await CatalogImpact.compute(of: requests, graph: DeferredGraph { try project.graph() },
                                                     settings: settings, environment: request.environment)
        } catch {
            await request.progress?.finish()
            throw error
        }
        await request.progress?.finish()
        let impacts = try DbtProject.withModelOwners(result.impacts, head: project, base: project)
        return Result(impacts: impacts, catalogIds: result.catalogIds, status: result.status)
    }
}
