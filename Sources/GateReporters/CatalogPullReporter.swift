import Foundation
import GateModel

/// `contract-gate catalog pull`: the one-line summary of the snapshot written (stderr; the
/// command prints nothing on stdout).
public struct CatalogPullReporter: Sendable {
    public init() {}

    /// `wrote PATH: N tables, N resources, N lineage edges, N PII-marked columns (taken T)`.
    public func renderText(_ summary: SnapshotPullSummary, path: String) -> String {
        let marks = summary.piiColumns.map { "\($0) PII-marked columns" } ?? "no column PII marks (Secoda refused the column query)"
        return "wrote \(path): \(summary.tables) tables, "
            + "\(summary.resources) resources, \(summary.lineageEdges) lineage edges, \(marks) (taken \(summary.takenAt))"
    }
}
