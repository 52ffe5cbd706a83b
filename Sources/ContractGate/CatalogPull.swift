import Foundation
import GateLineage
import GateModel

/// `contract-gate catalog pull`: the snapshot `check` can run from offline.
public enum CatalogPull {
    /// Pulls and writes the snapshot atomically; returns where and what was written (GateReporters'
    /// `CatalogPullReporter` prints it).
    /// - Parameter progress: shown the pages fetched while the pull runs; nil: silent.
    public static func run(repository: String, configPath: String?, ownerCheck: Bool, output: String?,
                           environment: [String: String], progress: ProgressReporter? = nil) async throws
        -> (path: String, summary: SnapshotPullSummary) {
        let workspace = try Workspace(repository: repository, configPath: configPath, ownerCheck: ownerCheck)
        var request = CheckRequest(repository: repository, catalog: .secoda, environment: environment)
        request.progress = progress
        var settings = try ImpactStage.catalogSettings(config: workspace.config, workspace: workspace, request: request)
        let root = workspace.root ?? URL(fileURLWithPath: workspace.repository.gitDirectory)
        let target: URL
        if let output {
            target = try WriteTarget.check(URL(fileURLWithPath: output).path, root: root, repository: workspace.repository,
                                           setting: "--output", insideRoot: false)
        } else {
            target = try WriteTarget.check(workspace.config.catalog.snapshot, root: root, repository: workspace.repository,
                                           setting: "catalog.snapshot", insideRoot: true)
        }
        settings.snapshotPath = target.path
        WriteTarget.removeStaleTemporaries(beside: target)
        progress?.start("pulling the catalog", unit: "pages")
        let summary: SnapshotPullSummary
        do {
            summary = try await CatalogImpact.pullSnapshot(settings: settings, environment: environment)
        } catch {
            await progress?.finish()
            throw error
        }
        await progress?.finish()
        ignoreOwnFolder(of: target, root: root)
        return (settings.snapshotPath ?? "?", summary)
    }

    /// The snapshot's default folder ignores itself (`.contract-gate/.gitignore` holding `*`), so
    /// it is not committed by accident: it holds catalog data from across the workspace (table
    /// names, owners' names and emails) and goes stale. No file of the user's is touched; a team
    /// that wants it committed anyway deletes that file or uses `git add -f`.
    static func ignoreOwnFolder(of target: URL, root: URL) {
        let folder = target.deletingLastPathComponent()
        guard folder.standardizedFileURL.path == root.appendingPathComponent(".contract-gate").standardizedFileURL.path else { return }
        let ignore = folder.appendingPathComponent(".gitignore")
        guard !FileManager.default.fileExists(atPath: ignore.path),
              (try? FileManager.default.destinationOfSymbolicLink(atPath: ignore.path)) == nil else { return }
        try? Data("# Written by contract-gate: the catalog snapshot is local data, not source.\n*\n".utf8).write(to: ignore)
    }
}
