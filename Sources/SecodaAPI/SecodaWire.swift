import Foundation
import GateModel

/// Secoda ids are UUIDs (SECODA_API.md §6). The client accepts any short token of
/// letters, digits, `-` and `_`: strict enough that an id can never break a comma list or a
/// URL, lenient enough to survive a non-UUID id scheme.
public enum SecodaID {
    /// Whether `id` is safe to send in a query and plausible as a Secoda id.
    public static func isValid(_ id: String) -> Bool {
        guard (1...64).contains(id.utf8.count) else { return false }
        return id.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == 0x2D || byte == 0x5F
        }
    }
}

/// A catalog resource as far as the gate cares: identity, place in the warehouse, and the
/// metadata impact reports show. Coded with Secoda's own key names, so a snapshot's
/// `resources` list reads like (and can seed) the API.
public struct CatalogResource: Sendable, Hashable, Codable {
    public var id: String
    /// Secoda's `entity_type`: `table`, `dashboard`, `chart`, `column`, …
    public var type: String
    public var title: String
    /// `database.schema.table` for tables, when the catalog gives it.
    public var titleFull: String?
    public var database: String?
    public var schema: String?
    /// The integration (warehouse, BI tool) the resource came from.
    public var integration: String?
    /// User ids.
    public var owners: [String]
    /// Group ids.
    public var ownerGroups: [String]
    public var tags: [String]
    public var pii: Bool
    public var verified: Bool
    public var url: String?
    public var externalUsage: Int?
    public var internalUsage: Int?
    public var externalUpdatedAt: String?
    /// Team ids the resource belongs to (Secoda's `teams`): who to ask when it has no owner.
    public var teams: [String] = []

    public init(id: String, type: String, title: String, titleFull: String? = nil, database: String? = nil,
                schema: String? = nil, integration: String? = nil, owners: [String] = [], ownerGroups: [String] = [],
                tags: [String] = [], pii: Bool = false, verified: Bool = false, url: String? = nil,
                externalUsage: Int? = nil, internalUsage: Int? = nil, externalUpdatedAt: String? = nil,
                teams: [String] = []) {
        self.id = id
        self.type = type
        self.title = title
        self.titleFull = titleFull
        self.database = database
        self.schema = schema
        self.integration = integration
        self.owners = owners
        self.ownerGroups = ownerGroups
        self.tags = tags
        self.pii = pii
        self.verified = verified
        self.url = url
        self.externalUsage = externalUsage
        self.internalUsage = internalUsage
        self.externalUpdatedAt = externalUpdatedAt
        self.teams = teams
    }

    /// The resource's keys on the wire: what `init(from:)`/`encode(to:)` read and write, and what
    /// `SecodaPageReader` reads a page by (one declaration of the wire format).
    enum CodingKeys: Int, WireField {
        case id, type, title, titleFull, database, schema, integration, integrationId, owners, ownerGroups,
             ownerGroupsAlternate, tags, pii, verified, url, externalUsage, internalUsage, externalUpdatedAt, teams

        var stringValue: String {
            switch self {
            case .id: "id"
            case .type: "entity_type"
            case .title: "title"
            case .titleFull: "title_full"
            case .database: "database"
            case .schema: "schema"
            case .integration: "integration"
            case .integrationId: "integration_id"
            case .owners: "owners"
            case .ownerGroups: "owners_groups"
            case .ownerGroupsAlternate: "owner_groups"
            case .tags: "tags"
            case .pii: "pii"
            case .verified: "verified"
            case .url: "url"
            case .externalUsage: "external_usage"
            case .internalUsage: "internal_usage"
            case .externalUpdatedAt: "external_updated_at"
            case .teams: "teams"
            }
        }

        /// Lists are read as lists of ids (`lenientStrings`).
        var kind: WireKind {
            switch self {
            case .owners, .ownerGroups, .ownerGroupsAlternate, .tags, .teams: .list
            case .pii, .verified: .flag
            case .externalUsage, .internalUsage: .count
            default: .text
            }
        }

        static let keyBytes = WireKeys.bytes(of: Self.self)
    }

    /// Tolerant of everything but the id: unknown keys are ignored, missing optionals are
    /// nil, `"true"` strings are booleans, numeric strings are numbers. The rules are
    /// `init(wire:)`'s, the page reader's: the container's values are read into the same
    /// `WireObject` the reader fills (`WireObject(container:)`), so both paths decode alike.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        do {
            try self.init(wire: WireObject(container: c))
        } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: c.codingPath + [CodingKeys.id],
                                                    debugDescription: "a resource without a valid id"))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(type, forKey: .type)
        try c.encode(title, forKey: .title)
        try c.encodeIfPresent(titleFull, forKey: .titleFull)
        try c.encodeIfPresent(database, forKey: .database)
        try c.encodeIfPresent(schema, forKey: .schema)
        try c.encodeIfPresent(integration, forKey: .integration)
        try c.encode(owners, forKey: .owners)
        try c.encode(ownerGroups, forKey: .ownerGroups)
        try c.encode(tags, forKey: .tags)
        try c.encode(pii, forKey: .pii)
        try c.encode(verified, forKey: .verified)
        try c.encodeIfPresent(url, forKey: .url)
        try c.encode(externalUsage, forKey: .externalUsage)
        try c.encode(internalUsage, forKey: .internalUsage)
        try c.encode(externalUpdatedAt, forKey: .externalUpdatedAt)
        if !teams.isEmpty { try c.encode(teams, forKey: .teams) }
    }

    /// The warehouse place of a table: the `database`/`schema` fields, else the leading parts of
    /// `title_full` (`database.schema.table`).
    public var place: (database: String?, schema: String?) {
        if database != nil || schema != nil { return (database, schema) }
        guard let full = titleFull else { return (nil, nil) }
        let parts = full.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        switch parts.count {
        case 0, 1: return (nil, nil)
        case 2: return (nil, parts[0])
        default: return (parts[parts.count - 3], parts[parts.count - 2])
        }
    }

    /// The relation the table stands for (database, schema, title).
    public var relation: Relation {
        let place = self.place
        return Relation(database: place.database, schema: place.schema, identifier: title)
    }
}

/// One `lineage/manual/` row: data flows `from` → `to` when `direction` is `DOWNSTREAM`
/// (Secoda also stores the mirrored `UPSTREAM` row).
public struct LineageRow: Sendable, Decodable, Hashable {
    public var id: String?
    public var from: String
    public var to: String
    /// Upper-cased: `DOWNSTREAM` or `UPSTREAM`.
    public var direction: String

    /// The row's keys on the wire, for `init(from:)` and `SecodaPageReader` alike.
    enum CodingKeys: Int, WireField {
        case id, direction, from, fromId, to, toId

        var stringValue: String {
            switch self {
            case .id: "id"
            case .direction: "direction"
            case .from: "from_entity"
            case .fromId: "from_entity_id"
            case .to: "to_entity"
            case .toId: "to_entity_id"
            }
        }

        static let keyBytes = WireKeys.bytes(of: Self.self)
    }

    /// `init(wire:)`'s rules (the page reader's) over the container's values.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        do {
            try self.init(wire: WireObject(container: c))
        } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: c.codingPath,
                                                    debugDescription: "a lineage row without valid from/to entity ids"))
        }
    }
}

/// A column as the PII check needs it: its name, its table, and whether it is marked PII.
/// (Secoda names the parent `parent`, or `parent_id` in filters and some payloads.) Lenient
/// throughout: a column without a title names nothing and is passed over, not an error that
/// fails the check.
package struct ColumnMark: Decodable, Sendable {
    package var title: String?
    package var table: String?
    package var pii: Bool

    enum CodingKeys: String, CodingKey { case title, parent, pii, parentId = "parent_id" }

    package init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        title = c.lenientString(.title)
        table = c.lenientString(.parent) ?? c.lenientString(.parentId)
        pii = c.lenientBool(.pii) ?? false
    }
}

/// The list envelope: `{links{next,previous}, meta{…}, count, total_pages, results}`.
struct SecodaPage<Item: Decodable & Sendable>: Decodable, Sendable {
    var next: String?
    var count: Int?
    /// `total_pages` (top level, or inside `meta` as the newer lineage pages repeat it).
    var totalPages: Int?
    var results: [Item]

    // The envelope's keys live outside this generic type (static tables cannot live in one).
    typealias CodingKeys = SecodaPageKeys
    typealias LinkKeys = SecodaPageLinkKeys
    typealias MetaKeys = SecodaPageMetaKeys

    /// `init(envelope:…)`'s rules (the page reader's) over the container's values; `results`
    /// is required and each item decodes by its own `init(from:)`.
    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let results = try c.decode([Item].self, forKey: .results)
        self.init(envelope: WireObject(container: c),
                  links: (try? c.nestedContainer(keyedBy: LinkKeys.self, forKey: .links)).map(WireObject.init(container:)),
                  meta: (try? c.nestedContainer(keyedBy: MetaKeys.self, forKey: .meta)).map(WireObject.init(container:)),
                  results: results)
    }

    /// The envelope's rules, for both paths: `total_pages` at the top level, else inside `meta`
    /// (as the newer lineage pages repeat it); `next` inside `links`, else at the top level (DRF
    /// style); "", "None" (Python's repr leaking into the docs' samples) and "null" mean no next page.
    init(envelope top: WireObject<CodingKeys>, links: WireObject<LinkKeys>?, meta: WireObject<MetaKeys>?, results: [Item]) {
        var next = links?[.next]?.lenientString ?? top[.next]?.lenientString
        if let value = next, value.isEmpty || value == "None" || value == "null" { next = nil }
        self.init(next: next, count: top[.count]?.lenientInt,
                  totalPages: top[.totalPages]?.lenientInt ?? meta?[.totalPages]?.lenientInt, results: results)
    }
}

/// The list envelope's keys on the wire, for `init(from:)` and `SecodaPageReader` alike.
enum SecodaPageKeys: Int, WireField {
    case links, next, count, results, meta, totalPages

    var stringValue: String {
        switch self {
        case .links: "links"
        case .next: "next"
        case .count: "count"
        case .results: "results"
        case .meta: "meta"
        case .totalPages: "total_pages"
        }
    }

    static let keyBytes = WireKeys.bytes(of: Self.self)
}

/// The key read inside the envelope's `links`.
enum SecodaPageLinkKeys: Int, WireField {
    case next

    var stringValue: String { "next" }
    static let keyBytes = WireKeys.bytes(of: Self.self)
}

/// The key read inside the envelope's `meta`.
enum SecodaPageMetaKeys: Int, WireField {
    case totalPages

    var stringValue: String { "total_pages" }
    static let keyBytes = WireKeys.bytes(of: Self.self)
}

extension Int {
    /// `Int(value)` (toward zero) for a finite double that fits; nil where `Int(value)` would
    /// trap, so a usage count of `1e20` from the catalog is "unknown", not a crash.
    static func truncating(_ value: Double) -> Int? {
        value.isFinite ? Int(exactly: value.rounded(.towardZero)) : nil
    }
}
