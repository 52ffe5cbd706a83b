import Foundation

/// Usage figures Secoda keeps for a resource.
public struct Usage: Sendable, Hashable, Codable {
    /// Views in the source tool (last 24 h from sync).
    public var externalViews: Int?
    /// Views in Secoda (last 90 days).
    public var internalViews: Int?
    public var externalUpdatedAt: String?

    public init(external: Int? = nil, `internal`: Int? = nil, externalUpdatedAt: String? = nil) {
        self.externalViews = external
        self.internalViews = `internal`
        self.externalUpdatedAt = externalUpdatedAt
    }

    /// Total known usage; 0 when every field is null.
    public var total: Int { (externalViews ?? 0) + (internalViews ?? 0) }

    enum CodingKeys: String, CodingKey {
        case externalViews = "external"
        case internalViews = "internal"
        case externalUpdatedAt = "external_updated_at"
    }
}

/// A person or group that owns a resource, resolved as far as the catalog allows.
public struct Owner: Sendable, Hashable, Codable {
    /// Secoda user/group UUID, or the dbt owner string.
    public var id: String
    public var name: String?
    public var email: String?
    /// `user`, `group`, `team` or `dbt`.
    public var kind: String
    /// For a group: its members as the report names them (email, else name), so "Finance" can be
    /// shown as "Finance (alice@…, bob@…)". Empty for a person or an unresolved group.
    public var members: [String]

    public init(id: String, name: String? = nil, email: String? = nil, kind: String, members: [String] = []) {
        self.id = id
        self.name = name
        self.email = email
        self.kind = kind
        self.members = members
    }

    public var displayName: String { name ?? email ?? id }

    /// How a report introduces the owner: a group with its members' emails
    /// ("Finance (alice@shop.com, bob@shop.com)"), a person with their email
    /// ("Alice Smith <alice@shop.com>"), else the display name.
    public var contactLabel: String {
        if !members.isEmpty { return "\(displayName) (\(members.joined(separator: ", ")))" }
        if let name, let email, name != email { return "\(name) <\(email)>" }
        return displayName
    }

    enum CodingKeys: String, CodingKey { case id, name, email, kind, members }

    // `members` came later: files without it still read.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        name = try c.decodeIfPresent(String.self, forKey: .name)
        email = try c.decodeIfPresent(String.self, forKey: .email)
        kind = try c.decode(String.self, forKey: .kind)
        members = try c.decodeIfPresent([String].self, forKey: .members) ?? []
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encodeIfPresent(name, forKey: .name)
        try c.encodeIfPresent(email, forKey: .email)
        try c.encode(kind, forKey: .kind)
        if !members.isEmpty { try c.encode(members, forKey: .members) }
    }
}

/// One resource downstream of a changed model.
public struct DownstreamNode: Sendable, Hashable, Codable {
    /// Secoda UUID, or the dbt unique_id for a node only the dbt graph knows.
    public var id: String
    /// The model name or the resource title.
    public var name: String
    /// `model`, `exposure`, or Secoda's `entity_type` (`table`, `dashboard`, `chart`, …).
    public var type: String
    /// Hops from the changed model (1 = a direct consumer).
    public var depth: Int
    /// `dbt`, `secoda`, `snapshot`, or `dbt+secoda` when both graphs know the node.
    public var source: String
    public var owners: [Owner]
    public var tags: [String]
    public var verified: Bool
    public var pii: Bool
    public var usage: Usage?
    /// A dashboard/chart whose usage is null or 0: a deprecation candidate, not a consumer to protect.
    public var stale: Bool
    public var relation: String?
    public var url: String?
    /// The id of the node it was reached from (nil for direct consumers).
    public var parentId: String?

    public init(id: String, name: String, type: String, depth: Int, source: String, owners: [Owner] = [],
                tags: [String] = [], verified: Bool = false, pii: Bool = false, usage: Usage? = nil,
                stale: Bool = false, relation: String? = nil, url: String? = nil, parentId: String? = nil) {
        self.id = id
        self.name = name
        self.type = type
        self.depth = depth
        self.source = source
        self.owners = owners
        self.tags = tags
        self.verified = verified
        self.pii = pii
        self.usage = usage
        self.stale = stale
        self.relation = relation
        self.url = url
        self.parentId = parentId
    }

    // snake_case like the rest of the JSON report (DESIGN.md §6).
    enum CodingKeys: String, CodingKey {
        case id, name, type, depth, source, owners, tags, verified, pii, usage, stale, relation, url
        case parentId = "parent_id"
    }

    /// Dashboards and charts are the BI consumers usage is counted for.
    public var isDashboardLike: Bool { ["dashboard", "chart", "dashboard_group"].contains(type) }
}

/// The downstream impact of one changed model.
public struct ModelImpact: Sendable, Hashable, Codable {
    public var model: String
    /// The catalog table id the model resolved to, if any.
    public var catalogId: String?
    public var downstream: [DownstreamNode]
    /// Lower-cased column name → ids of downstream nodes that use it (Secoda column lineage,
    /// else the column name as a whole word in downstream model SQL).
    public var columnUsers: [String: [String]]
    /// Lower-cased column name → why it counts as used (or not), from the models' SQL: "read by
    /// `rpt_amount` (models/rpt_amount.sql:3) through `select *` in `int_amount`". Not encoded:
    /// findings carry it in their message.
    public var columnNotes: [String: String] = [:]
    /// A `max_depth`/`max_nodes` budget cut the walk.
    public var truncated: Bool

    public init(model: String, catalogId: String? = nil, downstream: [DownstreamNode] = [],
                columnUsers: [String: [String]] = [:], truncated: Bool = false) {
        self.model = model
        self.catalogId = catalogId
        self.downstream = downstream
        self.columnUsers = columnUsers
        self.truncated = truncated
    }

    enum CodingKeys: String, CodingKey {
        case model, downstream, truncated
        case catalogId = "catalog_id"
        case columnUsers = "column_users"
    }

    /// Consumers to protect: everything downstream except stale dashboards.
    public var consumers: [DownstreamNode] { downstream.filter { !$0.stale } }

    /// Downstream nodes that use `column`, by the evidence in `columnUsers`.
    public func users(ofColumn column: String) -> [DownstreamNode] {
        let ids = Set(columnUsers[column.lowercased()] ?? [])
        return downstream.filter { ids.contains($0.id) }
    }
}

/// What the catalog step could and could not do, stated in every report.
public struct CatalogStatus: Sendable, Hashable, Codable {
    /// `dbt`, `manifest`, `secoda`, `snapshot` — the sources actually used.
    public var sources: [String]
    /// False when some impact could not be determined (catalog error under `warn`, budget cut).
    public var complete: Bool
    public var errors: [String]
    /// When the snapshot in use was taken (ISO 8601), if one was used.
    public var snapshotTakenAt: String?

    public init(sources: [String] = ["dbt"], complete: Bool = true, errors: [String] = [],
                snapshotTakenAt: String? = nil) {
        self.sources = sources
        self.complete = complete
        self.errors = errors
        self.snapshotTakenAt = snapshotTakenAt
    }

    enum CodingKeys: String, CodingKey {
        case sources, complete, errors
        case snapshotTakenAt = "snapshot_taken_at"
    }
}
