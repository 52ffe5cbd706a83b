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
///
/// What a node *is* (id, name, type, owners, usage, …) is the same from every changed model that
/// reaches it, and a check with many changed models over a large catalog reaches the same nodes
/// from each (27 changed models × ~15,000 catalog nodes at 5,000 models): that part is one shared,
/// copy-on-write `Record` per node, and each impact's list holds only the record, the depth and
/// the parent, which differ per changed model. Values behave as before: setting a field of one
/// node never changes another's.
public struct DownstreamNode: Sendable, Hashable, Codable {
    /// The fields that do not depend on which changed model reached the node.
    /// `@unchecked Sendable`: it is mutated only through `DownstreamNode`'s setters, and only
    /// while uniquely referenced (copy on write), so a record other values share is never written.
    final class Record: @unchecked Sendable {
        var id: String
        var name: String
        var type: String
        var source: String
        var owners: [Owner]
        var tags: [String]
        var verified: Bool
        var pii: Bool
        var usage: Usage?
        var stale: Bool
        var relation: String?
        var url: String?

        init(id: String, name: String, type: String, source: String, owners: [Owner], tags: [String], verified: Bool,
             pii: Bool, usage: Usage?, stale: Bool, relation: String?, url: String?) {
            self.id = id
            self.name = name
            self.type = type
            self.source = source
            self.owners = owners
            self.tags = tags
            self.verified = verified
            self.pii = pii
            self.usage = usage
            self.stale = stale
            self.relation = relation
            self.url = url
        }

        func copy() -> Record {
            Record(id: id, name: name, type: type, source: source, owners: owners, tags: tags, verified: verified, pii: pii,
                   usage: usage, stale: stale, relation: relation, url: url)
        }

        func sameFields(as other: Record) -> Bool {
            self === other || (id == other.id && name == other.name && type == other.type && source == other.source
                && owners == other.owners && tags == other.tags && verified == other.verified && pii == other.pii
                && usage == other.usage && stale == other.stale && relation == other.relation && url == other.url)
        }
    }

    private var record: Record
    /// Hops from the changed model (1 = a direct consumer).
    public var depth: Int
    /// The id of the node it was reached from (nil for direct consumers).
    public var parentId: String?

    public init(id: String, name: String, type: String, depth: Int, source: String, owners: [Owner] = [],
                tags: [String] = [], verified: Bool = false, pii: Bool = false, usage: Usage? = nil,
                stale: Bool = false, relation: String? = nil, url: String? = nil, parentId: String? = nil) {
        record = Record(id: id, name: name, type: type, source: source, owners: owners, tags: tags, verified: verified,
                        pii: pii, usage: usage, stale: stale, relation: relation, url: url)
        self.depth = depth
        self.parentId = parentId
    }

    /// The record, made this value's own first if others share it.
    private mutating func own() -> Record {
        if !isKnownUniquelyReferenced(&record) { record = record.copy() }
        return record
    }

    /// Secoda UUID, or the dbt unique_id for a node only the dbt graph knows.
    public var id: String { get { record.id } set { own().id = newValue } }
    /// The model name or the resource title.
    public var name: String { get { record.name } set { own().name = newValue } }
    /// `model`, `exposure`, or Secoda's `entity_type` (`table`, `dashboard`, `chart`, …).
    public var type: String { get { record.type } set { own().type = newValue } }
    /// `dbt`, `secoda`, `snapshot`, or `dbt+secoda` when both graphs know the node.
    public var source: String { get { record.source } set { own().source = newValue } }
    public var owners: [Owner] { get { record.owners } set { own().owners = newValue } }
    public var tags: [String] { get { record.tags } set { own().tags = newValue } }
    public var verified: Bool { get { record.verified } set { own().verified = newValue } }
    public var pii: Bool { get { record.pii } set { own().pii = newValue } }
    public var usage: Usage? { get { record.usage } set { own().usage = newValue } }
    /// A dashboard/chart whose usage is null or 0: a deprecation candidate, not a consumer to protect.
    public var stale: Bool { get { record.stale } set { own().stale = newValue } }
    public var relation: String? { get { record.relation } set { own().relation = newValue } }
    public var url: String? { get { record.url } set { own().url = newValue } }

    /// The same node reached at another depth or from another parent: it shares this one's
    /// record (a list of 15,000 such nodes costs 15,000 × 32 bytes, not a copy of every field).
    public func placed(depth: Int, parentId: String?) -> DownstreamNode {
        var node = self
        node.depth = depth
        node.parentId = parentId
        return node
    }

    /// Equal for two values that share one record (and so every field but depth and parent):
    /// lets a pass over many impacts do per-node work once per shared record.
    public var recordIdentity: ObjectIdentifier { ObjectIdentifier(record) }

    public static func == (a: DownstreamNode, b: DownstreamNode) -> Bool {
        a.depth == b.depth && a.parentId == b.parentId && a.record.sameFields(as: b.record)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(id)
        hasher.combine(name)
        hasher.combine(type)
        hasher.combine(depth)
        hasher.combine(source)
        hasher.combine(owners)
        hasher.combine(tags)
        hasher.combine(verified)
        hasher.combine(pii)
        hasher.combine(usage)
        hasher.combine(stale)
        hasher.combine(relation)
        hasher.combine(url)
        hasher.combine(parentId)
    }

    // snake_case like the rest of the JSON report (DESIGN.md §6).
    enum CodingKeys: String, CodingKey {
        case id, name, type, depth, source, owners, tags, verified, pii, usage, stale, relation, url
        case parentId = "parent_id"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(id: try c.decode(String.self, forKey: .id), name: try c.decode(String.self, forKey: .name),
                  type: try c.decode(String.self, forKey: .type), depth: try c.decode(Int.self, forKey: .depth),
                  source: try c.decode(String.self, forKey: .source), owners: try c.decode([Owner].self, forKey: .owners),
                  tags: try c.decode([String].self, forKey: .tags), verified: try c.decode(Bool.self, forKey: .verified),
                  pii: try c.decode(Bool.self, forKey: .pii), usage: try c.decodeIfPresent(Usage.self, forKey: .usage),
                  stale: try c.decode(Bool.self, forKey: .stale), relation: try c.decodeIfPresent(String.self, forKey: .relation),
                  url: try c.decodeIfPresent(String.self, forKey: .url),
                  parentId: try c.decodeIfPresent(String.self, forKey: .parentId))
    }

    // The keys and calls the synthesized conformance made, in its order.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(name, forKey: .name)
        try c.encode(type, forKey: .type)
        try c.encode(depth, forKey: .depth)
        try c.encode(source, forKey: .source)
        try c.encode(owners, forKey: .owners)
        try c.encode(tags, forKey: .tags)
        try c.encode(verified, forKey: .verified)
        try c.encode(pii, forKey: .pii)
        try c.encodeIfPresent(usage, forKey: .usage)
        try c.encode(stale, forKey: .stale)
        try c.encodeIfPresent(relation, forKey: .relation)
        try c.encodeIfPresent(url, forKey: .url)
        try c.encodeIfPresent(parentId, forKey: .parentId)
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
