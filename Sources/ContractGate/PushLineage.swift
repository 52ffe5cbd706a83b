import Foundation
import GateCatalog
import GateDbt
import GateModel

/// `contract-gate lineage push`: the dbt graph's edges, created in Secoda where missing.
public enum PushLineage {
    /// Which edges to consider.
    public enum Scope: Sendable, Equatable {
        /// Every edge of the dbt graph at `head`.
        case all(head: String?)
        /// Edges touching the models the change set between `base` and `head` changed (the
        /// post-merge CI use: `--base` the commit before the merge).
        case changed(base: String?, head: String?)
    }

    /// What the command did, as `--format json` prints it.
    public struct Report: Sendable, Codable, Equatable {
        public var command = "lineage push"
        public var applied: Bool
        /// `all` or `changed`.
        public var scope: String
        /// The models of the change set (scope `changed`).
        public var changedModels: [String]?
        public var plan: LineagePlan
        /// Nil on a dry run.
        public var result: LineagePushResult?
        /// The snapshot pulled again after the writes, if the workspace has one.
        public var snapshotRefreshed: String?
        /// Why the snapshot could not be refreshed.
        public var snapshotError: String?

        enum CodingKeys: String, CodingKey {
            case command, applied, scope, plan, result
            case changedModels = "changed_models"
            case snapshotRefreshed = "snapshot_refreshed"
            case snapshotError = "snapshot_error"
        }

        /// 0 when every planned edge exists in Secoda (or on a dry run), 3 when Secoda refused or
        /// failed a write or the snapshot refresh.
        public var exitCode: GateExitCode {
            WriteBackSession.exitCode(succeeded: result?.succeeded, snapshotError: snapshotError)
        }

        /// The plan and result for a person.
        public var text: String {
            var lines: [String] = []
            let scopeText = scope == "changed" ? "edges touching \(changedModels?.joined(separator: ", ") ?? "no models")" : "all edges"
            lines.append("lineage push (\(applied ? "apply" : "dry run"), \(scopeText)): \(plan.edgesInScope) dbt edges in scope")
            if let result {
                lines.append("created \(result.created.count) of \(plan.create.count) missing edges; "
                    + "\(plan.present.count) already in Secoda")
                for edge in result.created { lines.append("  + \(edge.label)") }
                for edge in result.alreadyPresent { lines.append("  = \(edge.label) (already there when written)") }
                for failure in result.failed { lines.append("  ! \(failure.item.label): \(failure.message)") }
                for edge in result.notAttempted { lines.append("  … \(edge.label) (not attempted)") }
                if let reason = result.stoppedBecause {
                    lines.append("stopped: \(reason); run it again to create the rest (it only creates what is missing)")
                }
            } else {
                lines.append("would create \(plan.create.count) edges; \(plan.present.count) already in Secoda")
                for edge in plan.create { lines.append("  + \(edge.label)  (\(edge.from.catalogId ?? "?") → \(edge.to.catalogId ?? "?"))") }
            }
            for edge in plan.present { lines.append("  = \(edge.label)") }
            if !plan.unresolved.isEmpty {
                lines.append("\(plan.unresolved.count) ends did not resolve (their edges are left alone):")
                for end in plan.unresolved {
                    lines.append("  ? \(end.end.name) (\(end.end.type), \(end.edges) edge\(end.edges == 1 ? "" : "s")): \(end.reason)")
                }
            }
            if let path = snapshotRefreshed { lines.append("snapshot refreshed: \(path)") }
            if let error = snapshotError { lines.append("snapshot not refreshed: \(error)") }
            if !applied && !plan.create.isEmpty { lines.append("dry run: nothing written; add --apply to create them") }
            return lines.joined(separator: "\n") + "\n"
        }
    }

    /// Plans the push and, with `options.apply`, performs it.
    /// - Throws: `InputError`/`GitError` (exit 2) for bad input; `CatalogError` when Secoda cannot
    ///   be read (exit 3, or 2 for configuration). Failed writes are in the report, not thrown.
    public static func run(scope: Scope, options: WriteBackOptions) async throws -> Report {
        let session = try WriteBackSession(options)
        let project: DbtProject
        var scopeIds: Set<String>?
        var changedModels: [String]?
        switch scope {
        case .all(let head):
            project = try session.headProject(head)
        case .changed(let base, let head):
            let (changes, headProject) = try session.modelChanges(base: base, head: head)
            project = headProject
            // Both sides' ids: a renamed model's new id is in the head graph, and a versioned
            // model's change names the version's id.
            scopeIds = Set(changes.flatMap { [$0.head?.uniqueId, $0.base?.uniqueId].compactMap { $0 } })
            changedModels = changes.map(\.name).sorted()
        }
        let graph = try project.graph().withSourceRelations(database: session.dbtSettings.targetDatabase)
        let plan = try await LineagePush.plan(graph: graph, scope: scopeIds, client: session.writer.client,
                                              integrationId: session.settings.integrationId)
        var report = Report(applied: options.apply, scope: scopeIds == nil ? "all" : "changed",
                            changedModels: changedModels, plan: plan)
        (report.result, report.snapshotRefreshed, report.snapshotError) = try await session.applyThenRefresh {
            await LineagePush.apply(plan, writer: session.writer, progress: session.progress("lineage push"))
        }
        return report
    }
}
