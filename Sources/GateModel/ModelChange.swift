/// How a model as a whole changed between base and head.
public enum ModelChangeStatus: String, Sendable, Codable, CaseIterable {
    case added
    case modified
    case deleted
    /// File rename, or the same file with a new relation (alias/schema/database).
    case renamed
}

/// One column-level difference between base and head, with where it is.
public struct ColumnChange: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        case added
        case removed
        /// Removed + added at the same position with the same type, or `meta.renamed_from`.
        case renamed
        case typeChanged = "type_changed"
        case constraintRemoved = "constraint_removed"
        case constraintAdded = "constraint_added"
        case piiMarkRemoved = "pii_mark_removed"
        case piiMarkAdded = "pii_mark_added"
        case descriptionChanged = "description_changed"
        /// The column's YAML entry is gone while the model's SQL still outputs it: documentation
        /// (and any declared tests or constraints) lost, not a column removed.
        case undeclared
    }

    public var kind: Kind
    /// The column's name at head (at base for `removed`).
    public var column: String
    /// The base-side column (nil for `added`).
    public var before: ColumnSpec?
    /// The head-side column (nil for `removed`).
    public var after: ColumnSpec?
    /// For constraint changes: which constraint.
    public var constraint: ConstraintKind?
    /// Where a finding about this change should point: the head line when there is one
    /// (for a removal, the head line of the model entry), else the base line.
    public var location: SourceLocation?
    /// How the change is known when not from the YAML alone: "the SQL no longer outputs it".
    public var evidence: String?

    public init(kind: Kind, column: String, before: ColumnSpec? = nil, after: ColumnSpec? = nil,
                constraint: ConstraintKind? = nil, location: SourceLocation? = nil, evidence: String? = nil) {
        self.kind = kind
        self.column = column
        self.before = before
        self.after = after
        self.constraint = constraint
        self.location = location
        self.evidence = evidence
    }
}

/// How one dbt model differs between base and head: the input of every rule.
public struct ModelChange: Sendable, Hashable, Codable {
    public var name: String
    public var status: ModelChangeStatus
    /// The model at base; nil when added.
    public var base: ModelSnapshot?
    /// The model at head; nil when deleted. A disabled model is present with `enabled == false`.
    public var head: ModelSnapshot?
    public var columnChanges: [ColumnChange]
    /// Only what documents the model changed (descriptions that are not persisted, YAML columns
    /// without an enforced contract): what dbt builds is the same, so nothing downstream is
    /// affected and dbt's `state:modified` does not select it.
    public var documentationOnly: Bool

    public init(name: String, status: ModelChangeStatus, base: ModelSnapshot?, head: ModelSnapshot?,
                columnChanges: [ColumnChange] = [], documentationOnly: Bool = false) {
        self.name = name
        self.status = status
        self.base = base
        self.head = head
        self.columnChanges = columnChanges
        self.documentationOnly = documentationOnly
    }

    /// The head model when it still exists and is enabled: column rules compare against it. A deleted
    /// or disabled model is MODEL_NO_DELETE's finding, not a list of column findings.
    public var liveHead: ModelSnapshot? { head.flatMap { $0.enabled ? $0 : nil } }

    /// The snapshot to describe the model by: head when present, else base.
    public var current: ModelSnapshot? { head ?? base }

    /// The relation changed (file rename with a new alias, or alias/schema/database config).
    public var relationChanged: Bool {
        guard let base, let head else { return false }
        return base.relation.normalized != head.relation.normalized
    }

    /// Where a model-level finding should point: the head model entry, else the base one.
    public var location: SourceLocation? { head?.location ?? base?.location }
}
