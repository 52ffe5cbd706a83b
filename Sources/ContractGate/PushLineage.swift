import Foundation
import GateDbt
import GateLineage
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

    /// What the command did (`LineagePushReport` in GateModel; GateReporters' `WriteBackReporter` prints it).
    public typealias Report = LineagePushReport

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
