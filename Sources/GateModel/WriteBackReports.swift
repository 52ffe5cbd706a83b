import Foundation

/// What `docs carry` did, as `--format json` prints it (GateReporters' `WriteBackReporter`).
public struct DocsCarryReport: Sendable, Codable, Equatable {
    /// A renamed model that was not carried, and why.
    public struct Skipped: Sendable, Codable, Equatable {
        public var model: String
        public var reason: String

        public init(model: String, reason: String) {
            self.model = model
            self.reason = reason
        }
    }

    /// The shape's version (`schema_version`, added within version 1 of the shape; only keys are added).
    public var schemaVersion = DocsCarryReport.currentSchemaVersion
    public static let currentSchemaVersion = 1
    public var command = "docs carry"
    public var applied: Bool
    public var overwrite: Bool
    /// One per old/new table pair.
    public var items: [CarryItem]
    /// Renamed models not carried (a table missing in Secoda, the relation unchanged, …).
    public var skipped: [Skipped]
    /// Nil on a dry run.
    public var result: DocsCarryResult?
    public var snapshotRefreshed: String?
    public var snapshotError: String?

    public init(applied: Bool, overwrite: Bool, items: [CarryItem], skipped: [Skipped], result: DocsCarryResult? = nil,
                snapshotRefreshed: String? = nil, snapshotError: String? = nil) {
        self.applied = applied
        self.overwrite = overwrite
        self.items = items
        self.skipped = skipped
        self.result = result
        self.snapshotRefreshed = snapshotRefreshed
        self.snapshotError = snapshotError
    }

    enum CodingKeys: String, CodingKey {
        case schemaVersion = "schema_version"
        case command, applied, overwrite, items, skipped, result
        case snapshotRefreshed = "snapshot_refreshed"
        case snapshotError = "snapshot_error"
    }

    /// 0 on success (or a dry run), 3 when Secoda refused or failed a write or the refresh.
    public var exitCode: GateExitCode {
        GateExitCode.writeBack(succeeded: result?.succeeded, snapshotError: snapshotError)
    }

    /// Fields copied (or to copy, on a dry run).
    public var copies: Int { items.flatMap(\.decisions).filter { $0.action == .copy }.count }
}

/// What `lineage push` did, as `--format json` prints it (GateReporters' `WriteBackReporter`).
public struct LineagePushReport: Sendable, Codable, Equatable {
    /// The shape's version (`schema_version`, added within version 1 of the shape; only keys are added).
    public var schemaVersion = LineagePushReport.currentSchemaVersion
    public static let currentSchemaVersion = 1
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

    public init(applied: Bool, scope: String, changedModels: [String]?, plan: LineagePlan, result: LineagePushResult? = nil,
                snapshotRefreshed: String? = nil, snapshotError: String? = nil) {
        self.applied = applied
        self.scope = scope
        self.changedModels = changedModels
        self.plan = plan
        self.result = result
        self.snapshotRefreshed = snapshotRefreshed
        self.snapshotError = snapshotError
    }

    enum CodingKeys: String, CodingKey {
        case schemaVersion = "schema_version"
        case command, applied, scope, plan, result
        case changedModels = "changed_models"
        case snapshotRefreshed = "snapshot_refreshed"
        case snapshotError = "snapshot_error"
    }

    /// 0 when every planned edge exists in Secoda (or on a dry run), 3 when Secoda refused or
    /// failed a write or the snapshot refresh.
    public var exitCode: GateExitCode {
        GateExitCode.writeBack(succeeded: result?.succeeded, snapshotError: snapshotError)
    }
}

extension GateExitCode {
    /// The exit code of a write-back report: 0 when every write succeeded (or on a dry run), 3 when
    /// Secoda refused or failed a write or the snapshot refresh.
    static func writeBack(succeeded: Bool?, snapshotError: String?) -> GateExitCode {
        if succeeded == false { return .catalogUnavailable }
        return snapshotError == nil ? .pass : .catalogUnavailable
    }
}
