import Foundation

// The write-back commands' plans and results (`lineage push`, `docs carry`): plain values that
// GateLineage plans and applies and GateReporters prints. They live here, with the other value
// types, so the reporters need nothing of the catalog module.

/// A write that did not happen, and why.
public struct FailedWrite<Item: Sendable & Codable & Hashable>: Sendable, Codable, Hashable {
    public var item: Item
    public var message: String

    public init(item: Item, message: String) {
        self.item = item
        self.message = message
    }
}

/// The documentation fields `docs carry` copies (the "Migrate Documentation" workflow,
/// SECODA_API.md §4 table PATCH; §5.1 writable fields).
public enum DocField: String, Sendable, Codable, CaseIterable, Comparable {
    case description
    case tags
    case definition
    case pii
    case owners
    case ownersGroups = "owners_groups"
    case verified

    public static func < (lhs: DocField, rhs: DocField) -> Bool {
        allCases.firstIndex(of: lhs) ?? 0 < allCases.firstIndex(of: rhs) ?? 0
    }
}

/// An old and a new Secoda table whose documentation should follow a rename.
public struct CarryPair: Sendable, Hashable, Codable {
    /// The dbt model renamed, when the pair comes from the change set.
    public var model: String?
    public var fromId: String
    public var toId: String
    /// Old column name → new name, from detected column renames.
    public var columnRenames: [String: String]

    public init(model: String? = nil, fromId: String, toId: String, columnRenames: [String: String] = [:]) {
        self.model = model
        self.fromId = fromId
        self.toId = toId
        self.columnRenames = columnRenames
    }

    enum CodingKeys: String, CodingKey {
        case model
        case fromId = "from_id"
        case toId = "to_id"
        case columnRenames = "column_renames"
    }
}

/// What to do with one field of one resource.
public struct FieldDecision: Sendable, Hashable, Codable {
    public enum Action: String, Sendable, Codable { case copy, skip }

    /// `table` or `column NAME` (the new column's name).
    public var target: String
    public var field: DocField
    public var action: Action
    /// Why it is copied or skipped.
    public var reason: String
    /// The old side's value (what would be copied).
    public var value: JSONValue
    /// The new side's current value.
    public var current: JSONValue?

    public init(target: String, field: DocField, action: Action, reason: String, value: JSONValue, current: JSONValue?) {
        self.target = target
        self.field = field
        self.action = action
        self.reason = reason
        self.value = value
        self.current = current
    }
}

/// One PATCH: the fields to set on one resource.
public struct ResourcePatch: Sendable, Hashable, Codable {
    /// `table/tables/ID/` or `table/columns/ID/`.
    public var path: String
    /// `table` or `column NAME`.
    public var target: String
    public var fields: [String: JSONValue]

    public init(path: String, target: String, fields: [String: JSONValue]) {
        self.path = path
        self.target = target
        self.fields = fields
    }
}

/// The plan for one old/new table pair.
public struct CarryItem: Sendable, Hashable, Codable {
    public var pair: CarryPair
    public var fromTitle: String?
    public var toTitle: String?
    /// Every field of the old table and its columns that holds documentation, decided.
    public var decisions: [FieldDecision]
    /// The writes that carry out the `copy` decisions, one per resource.
    public var patches: [ResourcePatch]
    /// Old columns with documentation but no counterpart on the new table.
    public var unmatchedColumns: [String]

    public init(pair: CarryPair, fromTitle: String?, toTitle: String?, decisions: [FieldDecision] = [],
                patches: [ResourcePatch] = [], unmatchedColumns: [String] = []) {
        self.pair = pair
        self.fromTitle = fromTitle
        self.toTitle = toTitle
        self.decisions = decisions
        self.patches = patches
        self.unmatchedColumns = unmatchedColumns
    }

    enum CodingKeys: String, CodingKey {
        case pair, decisions, patches
        case fromTitle = "from_title"
        case toTitle = "to_title"
        case unmatchedColumns = "unmatched_columns"
    }
}

/// What `docs carry --apply` did.
public struct DocsCarryResult: Sendable, Codable, Equatable {
    public var patched: [ResourcePatch] = []
    public var failed: [FailedWrite<ResourcePatch>] = []
    public var notAttempted: [ResourcePatch] = []
    public var stoppedBecause: String?

    public init() {}

    public var succeeded: Bool { failed.isEmpty && notAttempted.isEmpty && stoppedBecause == nil }

    enum CodingKeys: String, CodingKey {
        case patched, failed
        case notAttempted = "not_attempted"
        case stoppedBecause = "stopped_because"
    }
}

/// One end of a dbt lineage edge and where it landed in Secoda.
public struct LineageEnd: Sendable, Hashable, Codable {
    /// dbt's unique_id (`model.shop.fct_orders`, `source.shop.raw.orders`, `exposure.shop.revenue`).
    public var dbtId: String
    public var name: String
    /// `model`, `source`, `seed`, `snapshot`, `exposure`.
    public var type: String
    /// The warehouse relation looked up (tables), or the title looked for (exposures).
    public var lookup: String?
    /// The Secoda resource id, when it resolved.
    public var catalogId: String?

    public init(dbtId: String, name: String, type: String, lookup: String? = nil, catalogId: String? = nil) {
        self.dbtId = dbtId
        self.name = name
        self.type = type
        self.lookup = lookup
        self.catalogId = catalogId
    }

    enum CodingKeys: String, CodingKey {
        case name, type, lookup
        case dbtId = "dbt_id"
        case catalogId = "catalog_id"
    }
}

/// A dbt edge whose two ends are Secoda resources: data flows `from` → `to`.
public struct LineageEdgePlan: Sendable, Hashable, Codable {
    public var from: LineageEnd
    public var to: LineageEnd

    public init(from: LineageEnd, to: LineageEnd) {
        self.from = from
        self.to = to
    }

    /// `stg_orders → fct_orders`.
    public var label: String { "\(from.name) → \(to.name)" }
}

/// A dbt node that did not resolve to exactly one Secoda resource, so its edges are left alone.
public struct UnresolvedLineageEnd: Sendable, Hashable, Codable {
    public var end: LineageEnd
    /// Why, and what to do.
    public var reason: String
    /// How many in-scope edges it blocks.
    public var edges: Int

    public init(end: LineageEnd, reason: String, edges: Int) {
        self.end = end
        self.reason = reason
        self.edges = edges
    }
}

/// What `lineage push` would do: the edges to create, those Secoda already has, the ends that
/// did not resolve.
public struct LineagePlan: Sendable, Codable, Equatable {
    /// Edges missing in Secoda, in a stable order (by the dbt ids of from, then to).
    public var create: [LineageEdgePlan]
    /// Edges Secoda already has (manual or automatic, in either direction's row).
    public var present: [LineageEdgePlan]
    /// Nodes that did not resolve.
    public var unresolved: [UnresolvedLineageEnd]
    /// dbt edges considered (in scope).
    public var edgesInScope: Int

    public init(create: [LineageEdgePlan] = [], present: [LineageEdgePlan] = [],
                unresolved: [UnresolvedLineageEnd] = [], edgesInScope: Int = 0) {
        self.create = create
        self.present = present
        self.unresolved = unresolved
        self.edgesInScope = edgesInScope
    }

    enum CodingKeys: String, CodingKey {
        case create, present, unresolved
        case edgesInScope = "edges_in_scope"
    }
}

/// What `lineage push --apply` did.
public struct LineagePushResult: Sendable, Codable, Equatable {
    /// Created by this run.
    public var created: [LineageEdgePlan] = []
    /// Planned, but Secoda had them by the time of the write (a retried POST that had in fact
    /// landed, or another writer): counted as success.
    public var alreadyPresent: [LineageEdgePlan] = []
    /// Refused by Secoda.
    public var failed: [FailedWrite<LineageEdgePlan>] = []
    /// Not tried because the run stopped (`stoppedBecause`).
    public var notAttempted: [LineageEdgePlan] = []
    /// Why the run stopped early (Secoda unavailable, rate limited past patience, …).
    public var stoppedBecause: String?

    public init() {}

    /// Every planned edge exists in Secoda now.
    public var succeeded: Bool { failed.isEmpty && notAttempted.isEmpty && stoppedBecause == nil }

    enum CodingKeys: String, CodingKey {
        case created, failed
        case alreadyPresent = "already_present"
        case notAttempted = "not_attempted"
        case stoppedBecause = "stopped_because"
    }
}

