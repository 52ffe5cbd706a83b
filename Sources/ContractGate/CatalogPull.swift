import Foundation
import GateCatalog
import GateModel

/// `contract-gate catalog pull`: the snapshot `check` can run from offline.
public enum CatalogPull {
    /// Pulls and writes the snapshot atomically; returns a one-line summary for stderr.
    /// - Parameter progress: shown the pages fetched while the pull runs; nil: silent.
    public static func run(repository: String, configPath: String?, ownerCheck: Bool, output: String?,
                           environment: [String: String], progress: ProgressReporter? = nil) async throws -> String {
        let workspace = try Workspace(repository: repository, configPath: configPath, ownerCheck: ownerCheck)
        var request = CheckRequest(repository: repository, catalog: .secoda, environment: environment)
        request.progress = progress
        var settings = try ImpactStage.catalogSettings(config: workspace.config, workspace: workspace, request: request)
        if let output { settings.snapshotPath = URL(fileURLWithPath: output).path }
        progress?.start("pulling the catalog", unit: "pages")
        let snapshot: CatalogSnapshot
        do {
            snapshot = try await CatalogImpact.pullSnapshot(settings: settings, environment: environment)
        } catch {
            await progress?.finish()
            throw error
        }
        await progress?.finish()
        let marks = snapshot.piiColumns.map { "\($0.values.reduce(0) { $0 + $1.count }) PII-marked columns" }
            ?? "no column PII marks (Secoda refused the column query)"
        return "wrote \(settings.snapshotPath ?? "?"): \(snapshot.tables.count) tables, "
            + "\(snapshot.resources.count) resources, \(snapshot.lineage.count) lineage edges, \(marks) (taken \(snapshot.takenAt))"
    }
}
