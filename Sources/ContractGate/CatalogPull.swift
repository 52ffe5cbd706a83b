import Foundation
import GateCatalog
import GateModel

/// `contract-gate catalog pull`: the snapshot `check` can run from offline.
public enum CatalogPull {
    /// Pulls and writes the snapshot atomically; returns a one-line summary for stderr.
    public static func run(repository: String, configPath: String?, ownerCheck: Bool, output: String?,
                           environment: [String: String]) async throws -> String {
        let workspace = try Workspace(repository: repository, configPath: configPath, ownerCheck: ownerCheck)
        var settings = ImpactStage.catalogSettings(
            config: workspace.config, workspace: workspace,
            request: CheckRequest(repository: repository, catalog: .secoda, environment: environment))
        if let output { settings.snapshotPath = URL(fileURLWithPath: output).path }
        let snapshot = try await CatalogImpact.pullSnapshot(settings: settings, environment: environment)
        return "wrote \(settings.snapshotPath ?? "?"): \(snapshot.tables.count) tables, "
            + "\(snapshot.resources.count) resources, \(snapshot.lineage.count) lineage edges (taken \(snapshot.takenAt))"
    }
}
