import Foundation

/// What `catalog pull` wrote: the snapshot's path and counts, as GateReporters' `CatalogPullReporter` prints them.
public struct SnapshotPullSummary: Sendable, Equatable {
    public var tables: Int
    public var resources: Int
    public var lineageEdges: Int
    /// PII-marked columns across all tables; nil when Secoda refused the column query.
    public var piiColumns: Int?
    public var takenAt: String
    public var users: Int
    public var groups: Int
    public var teams: Int

    public init(tables: Int, resources: Int, lineageEdges: Int, piiColumns: Int?, takenAt: String,
                users: Int, groups: Int, teams: Int) {
        self.tables = tables
        self.resources = resources
        self.lineageEdges = lineageEdges
        self.piiColumns = piiColumns
        self.takenAt = takenAt
        self.users = users
        self.groups = groups
        self.teams = teams
    }
}
