import Foundation

/// A warehouse relation as dbt renders it: `database.schema.identifier`.
public struct Relation: Sendable, Hashable, Codable, CustomStringConvertible {
    public var database: String?
    public var schema: String?
    public var identifier: String

    public init(database: String?, schema: String?, identifier: String) {
        self.database = database
        self.schema = schema
        self.identifier = identifier
    }

    /// `database.schema.identifier`, leaving out unknown parts.
    public var description: String { [database, schema, identifier].compactMap { $0 }.joined(separator: ".") }

    /// Case- and quote-insensitive form for matching against a catalog.
    public var normalized: String {
        [database, schema, identifier].compactMap { $0 }.map(Relation.normalize).joined(separator: ".")
    }

    public static func normalize(_ part: String) -> String {
        part.trimmingCharacters(in: CharacterSet(charactersIn: "\"`[] ")).lowercased()
    }
}

/// A column constraint or the equivalent generic data test.
public enum ConstraintKind: String, Sendable, Codable, CaseIterable, Comparable {
    case notNull = "not_null"
    case unique
    case primaryKey = "primary_key"
    case foreignKey = "foreign_key"
    case check

    public static func < (lhs: ConstraintKind, rhs: ConstraintKind) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Where a constraint comes from: a contract `constraints:` entry or a `data_tests:`/`tests:` entry.
public enum ConstraintOrigin: String, Sendable, Codable {
    case constraint
    case test
}

public struct ColumnConstraint: Sendable, Hashable, Codable {
    public var kind: ConstraintKind
    public var origin: ConstraintOrigin
    public var location: SourceLocation?

    public init(kind: ConstraintKind, origin: ConstraintOrigin, location: SourceLocation? = nil) {
        self.kind = kind
        self.origin = origin
        self.location = location
    }
}

/// One declared column of a model at one revision.
public struct ColumnSpec: Sendable, Hashable, Codable {
    public var name: String
    public var dataType: String?
    /// 0-based position among the model's declared columns.
    public var position: Int
    public var constraints: [ColumnConstraint]
    public var description: String?
    public var tags: [String]
    public var meta: [String: JSONValue]
    /// Marked as PII by `meta` (`pii: true`, `contains_pii`, `sensitive`) or a `pii` tag.
    public var isPII: Bool
    /// `meta.renamed_from`, when the author declared the rename.
    public var renamedFrom: String?
    /// The `- name:` line of the column entry.
    public var location: SourceLocation?

    public init(name: String, dataType: String? = nil, position: Int = 0, constraints: [ColumnConstraint] = [],
                description: String? = nil, tags: [String] = [], meta: [String: JSONValue] = [:],
                isPII: Bool = false, renamedFrom: String? = nil, location: SourceLocation? = nil) {
        self.name = name
        self.dataType = dataType
        self.position = position
        self.constraints = constraints
        self.description = description
        self.tags = tags
        self.meta = meta
        self.isPII = isPII
        self.renamedFrom = renamedFrom
        self.location = location
    }

    public var constraintKinds: Set<ConstraintKind> { Set(constraints.map(\.kind)) }
}

/// One entry of a versioned model's `versions:` list.
public struct ModelVersion: Sendable, Hashable, Codable {
    public var version: String
    public var deprecationDate: String?
    public var location: SourceLocation?

    public init(version: String, deprecationDate: String? = nil, location: SourceLocation? = nil) {
        self.version = version
        self.deprecationDate = deprecationDate
        self.location = location
    }
}

/// A dbt model as it stands at one revision, with every fact's location.
public struct ModelSnapshot: Sendable, Hashable, Codable {
    /// The model name (file stem, or the versioned model's name).
    public var name: String
    /// dbt's unique id, `model.<project>.<name>` (plus `.v<N>` for a version).
    public var uniqueId: String
    /// The `.sql` or `.py` file.
    public var path: String
    /// The YAML property file that describes it, if any.
    public var patchPath: String?
    public var relation: Relation
    public var materialized: String
    /// `contract.enforced`; nil when not set anywhere.
    public var contractEnforced: Bool
    public var enabled: Bool
    public var tags: [String]
    public var description: String?
    public var owner: String?
    public var group: String?
    public var meta: [String: JSONValue]
    public var columns: [ColumnSpec]
    public var versions: [ModelVersion]
    public var latestVersion: String?
    /// Upstream references, as written: model names (refs) and `source.table` names.
    public var refs: [String]
    public var sources: [String]
    /// Config keys whose value was not a literal (a Jinja expression, `var()`, `env_var()`):
    /// recorded, never guessed.
    public var unknownConfig: [String]
    /// The model entry in YAML (`- name:` line), else line 1 of the SQL file.
    public var location: SourceLocation
    /// Where the config that decided a value was written, by key (`materialized`, `contract.enforced`):
    /// a line of `dbt_project.yml`, of a property file's `config:`, or of the SQL `config()` call.
    /// Nil when unknown. Never part of what the model *is* (see SemanticDiff's comparison).
    public var configLocations: [String: SourceLocation]?

    public init(name: String, uniqueId: String, path: String, patchPath: String? = nil, relation: Relation,
                materialized: String = "view", contractEnforced: Bool = false, enabled: Bool = true,
                tags: [String] = [], description: String? = nil, owner: String? = nil, group: String? = nil,
                meta: [String: JSONValue] = [:], columns: [ColumnSpec] = [], versions: [ModelVersion] = [],
                latestVersion: String? = nil, refs: [String] = [], sources: [String] = [],
                unknownConfig: [String] = [], location: SourceLocation) {
        self.name = name
        self.uniqueId = uniqueId
        self.path = path
        self.patchPath = patchPath
        self.relation = relation
        self.materialized = materialized
        self.contractEnforced = contractEnforced
        self.enabled = enabled
        self.tags = tags
        self.description = description
        self.owner = owner
        self.group = group
        self.meta = meta
        self.columns = columns
        self.versions = versions
        self.latestVersion = latestVersion
        self.refs = refs
        self.sources = sources
        self.unknownConfig = unknownConfig
        self.location = location
    }

    public func column(named name: String) -> ColumnSpec? {
        columns.first { $0.name.lowercased() == name.lowercased() }
    }
}
