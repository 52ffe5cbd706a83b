import Foundation

/// What `contract-gate columns` lists: each model's output columns as the gate works them out,
/// and the SQL read, when asked for. The one type the command, GateReporters and the JSON shape
/// share; ContractGate fills it from GateDbt's answer (`ModelOutputColumns`, until GateDbt
/// returns these values itself).
public struct ColumnsListing: Sendable, Hashable {
    /// How sure a model's columns are.
    public enum Certainty: Sendable, Hashable {
        /// Every output column is known by name.
        case known
        /// Some columns are known; others may exist. The reason says which.
        case partial(String)
        /// Nothing reliable is known. The reason says why.
        case unknown(String)
    }

    /// One model (one version of a versioned model).
    public struct Model: Sendable, Hashable {
        public var model: String
        public var path: String?
        /// Where the columns come from: `sql`, `yaml`, … (GateDbt's `ColumnOrigin`).
        public var origin: String
        public var certainty: Certainty
        public var columns: [String]

        public init(model: String, path: String?, origin: String, certainty: Certainty, columns: [String]) {
            self.model = model
            self.path = path
            self.origin = origin
            self.certainty = certainty
            self.columns = columns
        }
    }

    public var models: [Model]
    /// Model → its rendered SQL, when asked for (`--show-sql`).
    public var sql: [String: String]

    public init(models: [Model], sql: [String: String] = [:]) {
        self.models = models
        self.sql = sql
    }

    public var knownCount: Int { models.filter { $0.certainty == .known }.count }
    public var unknownCount: Int { models.filter { if case .unknown = $0.certainty { true } else { false } }.count }
    public var partialCount: Int { models.count - knownCount - unknownCount }
}
