import Foundation
import GateGit
import GateModel

/// The whole `check`: diff → changes → resolve → impact → findings → report (DESIGN.md §1).
public enum CheckPipeline {
    /// Runs one check. Throws a `GateError` for usage, configuration, repository (exit 2) and
    /// catalog (exit 3) failures; a violated contract is a report with exit code 1, not an error.
    public static func run(_ request: CheckRequest) async throws -> Report {
        var timings: [String: Int] = [:]
        let clock = ContinuousClock()
        var stageStart = clock.now
        func lap(_ stage: String) {
            let elapsed = clock.now - stageStart
            timings[stage] = Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
            stageStart = clock.now
        }

        let repository = try Repository.open(at: request.repository, ownerCheck: request.ownerCheck)
        let resolved = try ChangeSetLoader.load(repository, target: request.target, configuredBase: nil,
                                                environment: request.environment)
        lap("diff")

        let changes = resolved.changeSet.changes.map { change in
            ChangeRecord(model: change.path, status: change.status.rawValue, path: change.path,
                         oldPath: change.status == .renamed ? change.oldPath : nil)
        }
        return Report.judged(
            base: resolved.changeSet.base, head: resolved.changeSet.head.description,
            failOn: request.failOn ?? .error, catalog: CatalogStatus(sources: []), changes: changes, impact: [],
            findings: [], diagnostics: [], rules: [], checked: [:], timings: timings)
    }
}
