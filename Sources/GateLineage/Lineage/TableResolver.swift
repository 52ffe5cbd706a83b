import Foundation
import GateModel

/// Why a relation did not resolve to exactly one catalog table.
public enum UnresolvedReason: Sendable, Hashable {
    /// No catalog table has that name in that database and schema.
    case missing
    /// Several tables fit; their ids, sorted. Never guessed between.
    case ambiguous([String])
}

/// The outcome of resolving relations to catalog tables.
public struct TableResolution: Sendable, Equatable {
    public var resolved: [Relation: CatalogResource]
    public var unresolved: [Relation: UnresolvedReason]

    public init(resolved: [Relation: CatalogResource] = [:], unresolved: [Relation: UnresolvedReason] = [:]) {
        self.resolved = resolved
        self.unresolved = unresolved
    }

    /// One line per unresolved relation, saying what to do about it.
    public var problems: [String] {
        unresolved.sorted { $0.key.description < $1.key.description }.map { relation, reason in
            switch reason {
            case .missing:
                return "\(relation) is not in the catalog (no table of that name in that database and schema)"
            case .ambiguous(let ids):
                return "\(relation) matches \(ids.count) catalog tables (\(ids.joined(separator: ", "))); "
                    + "set catalog.secoda.integration_id to the warehouse integration to choose"
            }
        }
    }
}

/// Maps dbt relations (`database.schema.identifier`) to catalog table ids.
///
/// One batched query per few dozen relations asks for tables by title (the identifier as
/// written, unquoted, lower- and upper-case, since warehouses fold case differently);
/// database and schema are matched locally, case- and quote-insensitively, on the
/// `database`/`schema` fields or else `title_full`.
public struct TableResolver: Sendable {
    public let source: any CatalogSource
    public let integrationId: String?

    public init(source: any CatalogSource, integrationId: String? = nil) {
        self.source = source
        self.integrationId = integrationId
    }

    /// Resolves every relation with one batched title query (chunked when long).
    /// - Throws: `CatalogError` when the catalog cannot be read.
    public func resolve(_ relations: [Relation]) async throws -> TableResolution {
        let unique = Array(Set(relations))
        guard !unique.isEmpty else { return TableResolution() }
        var titles = Set<String>()
        for relation in unique {
            let bare = relation.identifier.trimmingCharacters(in: CharacterSet(charactersIn: "\"`[] "))
            titles.formUnion([relation.identifier, bare, bare.lowercased(), bare.uppercased()])
        }
        let candidates = try await source.tables(titled: titles.sorted(), integrationId: integrationId)
        var byTitle: [String: [CatalogResource]] = [:]
        for table in candidates { byTitle[Relation.normalize(table.title), default: []].append(table) }

        var resolution = TableResolution()
        for relation in unique {
            let named = byTitle[Relation.normalize(relation.identifier)] ?? []
            let uniqueNamed = Dictionary(named.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first }).values
            let exact = uniqueNamed.filter { TableResolver.fit($0, relation) == .exact }
            let compatible = uniqueNamed.filter { TableResolver.fit($0, relation) != .conflict }
            let chosen = exact.count == 1 ? exact : (exact.count > 1 ? exact : compatible)
            switch chosen.count {
            case 0: resolution.unresolved[relation] = .missing
            case 1: resolution.resolved[relation] = chosen.first
            default: resolution.unresolved[relation] = .ambiguous(chosen.map(\.id).sorted())
            }
        }
        return resolution
    }

    enum Fit { case exact, unknown, conflict }

    /// `exact` when every part the relation names is known and equal; `conflict` when a known
    /// part differs; `unknown` when the catalog does not say.
    static func fit(_ table: CatalogResource, _ relation: Relation) -> Fit {
        let place = table.place
        var fit = Fit.exact
        for (wanted, known) in [(relation.database, place.database), (relation.schema, place.schema)] {
            guard let wanted else { continue }
            guard let known else { fit = .unknown; continue }
            if Relation.normalize(wanted) != Relation.normalize(known) { return .conflict }
        }
        return fit
    }
}
