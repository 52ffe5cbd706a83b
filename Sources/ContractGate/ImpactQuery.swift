import Foundation
import GateCatalog
import GateDbt
import GateModel

/// `contract-gate impact MODEL…`: the downstream tree of models as they stand at HEAD (or in the
/// worktree), through the same catalog step `check` uses.
public enum ImpactQuery {
    public struct Result: Sendable {
        public var impacts: [ModelImpact]
        public var catalogIds: [String: String]
        public var status: CatalogStatus
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

    /// The tree as people read it: one line per node, indented by depth under its parent.
    public static func renderText(_ result: Result) -> String {
        var lines: [String] = []
        for impact in result.impacts {
            let id = impact.catalogId.map { " (\($0))" } ?? ""
            lines.append("\(impact.model)\(id) → \(impact.downstream.count) downstream")
            var children: [String?: [DownstreamNode]] = [:]
            for node in impact.downstream { children[node.parentId, default: []].append(node) }
            func walk(_ parent: String?, _ indent: Int) {
                for node in (children[parent] ?? []).sorted(by: { ($0.depth, $0.name) < ($1.depth, $1.name) }) {
                    lines.append(String(repeating: "  ", count: indent) + "└ " + describe(node))
                    walk(node.id, indent + 1)
                }
            }
            walk(nil, 1)
            if impact.truncated { lines.append("  … cut by lineage.max_depth / lineage.max_nodes") }
        }
        let sources = result.status.sources.joined(separator: ", ")
        lines.append("catalog: \(sources)" + (result.status.snapshotTakenAt.map { " (snapshot taken \($0))" } ?? "")
                     + (result.status.complete ? "" : " — INCOMPLETE"))
        lines += result.status.errors.map { "  ! \($0)" }
        return Sanitized.text(lines.joined(separator: "\n")) + "\n"
    }

    static func describe(_ node: DownstreamNode) -> String {
        var parts = ["\(node.name) [\(node.type), depth \(node.depth)]"]
        if let usage = node.usage {
            parts.append("usage \(usage.externalViews.map(String.init) ?? "-") external / "
                         + "\(usage.internalViews.map(String.init) ?? "-") internal")
        }
        if !node.owners.isEmpty { parts.append("owners: " + node.owners.map(\.displayName).joined(separator: ", ")) }
        if node.stale { parts.append("STALE (deprecation candidate)") }
        if node.verified { parts.append("verified") }
        return parts.joined(separator: " · ")
    }
}

/// Repository text shown on a terminal loses control characters, so it cannot move the cursor
/// or recolour the screen.
enum Sanitized {
    static func text(_ value: String) -> String {
        String(String.UnicodeScalarView(value.unicodeScalars.filter { scalar in
            scalar == "\n" || scalar == "\t" || !(scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value))
        }))
    }
}
