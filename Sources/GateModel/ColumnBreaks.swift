/// A head model whose SQL reads a column that the change removes from one of its parents: the
/// next `dbt build` fails on it ("invalid identifier"). Computed by GateDbt's column lineage
/// before the rules run; COLUMN_READ_EXISTS turns each into a finding at the reader's line.
public struct BrokenColumnRead: Sendable, Hashable, Codable {
    /// The model whose SQL reads the column (dbt display name).
    public var reader: String
    /// The reader's tags (for contract selection by `tag:`).
    public var readerTags: [String]
    /// The parent model the column is read from.
    public var upstream: String
    /// The column as the reader names it.
    public var column: String
    /// When the change renamed the column: its new name.
    public var renamedTo: String?
    /// How the column left `upstream` when `upstream` is not itself the changed model: "through
    /// `select *` in `int_orders` from `stg_orders`".
    public var via: String?
    /// The changed model the removal started at.
    public var changedModel: String
    /// Where the reader reads it, in the head tree.
    public var location: SourceLocation
    /// When the reader is a dbt test of `reader` (a data test or unit test in its property file)
    /// rather than its SQL: how to name it ("data test `not_null` on `stg_orders.order_id`").
    public var test: String?

    public init(reader: String, readerTags: [String] = [], upstream: String, column: String, renamedTo: String? = nil,
                via: String? = nil, changedModel: String, location: SourceLocation, test: String? = nil) {
        self.reader = reader
        self.readerTags = readerTags
        self.upstream = upstream
        self.column = column
        self.renamedTo = renamedTo
        self.via = via
        self.changedModel = changedModel
        self.location = location
        self.test = test
    }
}

/// A head model with an enforced contract whose SQL does not output exactly the columns its YAML
/// declares: dbt's build stops on it ("This model has an enforced contract that failed").
/// CONTRACT_MATCHES_SQL turns each into a finding.
public struct ContractMismatch: Sendable, Hashable, Codable {
    public var model: String
    public var tags: [String]
    /// Declared in YAML, not output by the SQL.
    public var missing: [String]
    /// Output by the SQL, not declared in YAML.
    public var undeclared: [String]
    /// Whether the model's own files changed (else a change upstream caused it, through `*`).
    public var changedModel: Bool
    /// The upstream change that caused it, when it is not the model's own.
    public var cause: String?
    /// The model's YAML entry (or its SQL file), in the head tree.
    public var location: SourceLocation
    /// Declared types the change edits while the model's SQL and everything upstream stay as they
    /// were: the built type is the one declared before, so dbt's type check now fails unless the
    /// two spellings name the same type on the warehouse (the rule decides, knowing the adapter).
    public var retyped: [ContractTypeChange]

    public init(model: String, tags: [String] = [], missing: [String], undeclared: [String], changedModel: Bool,
                cause: String? = nil, location: SourceLocation, retyped: [ContractTypeChange] = []) {
        self.model = model
        self.tags = tags
        self.missing = missing
        self.undeclared = undeclared
        self.changedModel = changedModel
        self.cause = cause
        self.location = location
        self.retyped = retyped
    }
}

/// One declared `data_type` of an enforced contract that a change edits in YAML only.
public struct ContractTypeChange: Sendable, Hashable, Codable {
    public var column: String
    /// What the YAML declared before (what the unchanged SQL builds).
    public var before: String
    public var after: String
    /// The `data_type:` line at head.
    public var location: SourceLocation?

    public init(column: String, before: String, after: String, location: SourceLocation? = nil) {
        self.column = column
        self.before = before
        self.after = after
        self.location = location
    }
}
