import Foundation
import GateModel

/// The `filter` grammar of `GET resource/catalog` (SECODA_API.md §3):
/// field operands `exact`, `contains`, `in`, `is_set`; logical operands `and`, `or`, `not`.
///
/// Semantics where the docs are silent (INFERRED there, chosen here): `contains` is a
/// case-insensitive substring test, `exact` and `in` are case-sensitive equality, `is_set`
/// means present and neither null, empty string nor empty list, a list-valued field (tags,
/// owners) matches when any element does, and `type` matches `entity_type`.
indirect enum ResourceFilter: Sendable, Equatable {
    case exact(field: String, value: JSONValue)
    case contains(field: String, value: String)
    case isIn(field: String, values: [JSONValue], strings: Set<String>)
    case isSet(field: String)
    case and([ResourceFilter])
    case or([ResourceFilter])
    case not(ResourceFilter)

    /// Every field the filter tests.
    var fields: Set<String> {
        switch self {
        case .exact(let field, _), .contains(let field, _), .isIn(let field, _, _), .isSet(let field): [field]
        case .and(let operands), .or(let operands): operands.reduce(into: Set<String>()) { $0.formUnion($1.fields) }
        case .not(let operand): operand.fields
        }
    }

    /// Parses a decoded `filter` object; throws a message fit for a 400 reply.
    /// This filter with every condition on `fields` gone (nil: it matches everything), as a
    /// server that ignores those fields would apply it.
    func ignoring(_ fields: Set<String>) -> ResourceFilter? {
        switch self {
        case .exact(let field, _), .contains(let field, _), .isIn(let field, _, _), .isSet(let field):
            return fields.contains(field) ? nil : self
        case .and(let operands):
            let kept = operands.compactMap { $0.ignoring(fields) }
            return kept.isEmpty ? nil : .and(kept)
        case .or(let operands):
            let kept = operands.map { $0.ignoring(fields) }
            return kept.contains { $0 == nil } ? nil : .or(kept.compactMap { $0 })
        case .not(let operand):
            return operand.ignoring(fields).map { .not($0) }
        }
    }

    static func parse(_ json: JSONValue) throws -> ResourceFilter {
        guard case .object(let object) = json, let op = object["operator"]?.stringValue else {
            throw FilterSyntaxError("each filter operand needs an \"operator\"")
        }
        switch op {
        case "and", "or", "not":
            guard case .array(let operands)? = object["operands"] else {
                throw FilterSyntaxError("\"\(op)\" needs an \"operands\" list")
            }
            let parsed = try operands.map(parse)
            if op == "and" { return .and(parsed) }
            if op == "or" { return .or(parsed) }
            guard parsed.count == 1, let only = parsed.first else {
                throw FilterSyntaxError("\"not\" takes exactly one operand")
            }
            return .not(only)
        case "exact", "contains", "in", "is_set":
            guard let field = object["field"]?.stringValue, !field.isEmpty else {
                throw FilterSyntaxError("\"\(op)\" needs a \"field\"")
            }
            let value = object["value"] ?? .null
            switch op {
            case "exact":
                return .exact(field: field, value: value)
            case "contains":
                guard let text = value.stringValue else { throw FilterSyntaxError("\"contains\" needs a string value") }
                return .contains(field: field, value: text)
            case "in":
                guard case .array(let values) = value else { throw FilterSyntaxError("\"in\" needs a list value") }
                // Long id lists are common (batched lookups): string membership goes through a set.
                let strings = Set(values.compactMap(\.stringValue))
                return .isIn(field: field, values: values.filter { $0.stringValue == nil }, strings: strings)
            default:
                return .isSet(field: field)
            }
        default:
            throw FilterSyntaxError("unknown operator \"\(op)\"")
        }
    }

    /// The ids a resource must have to match, when the filter pins `id` to strings (alone or
    /// inside an `and`); nil when any id might match. Lets batched id lookups be answered from the
    /// id index instead of a scan of every resource (a scan per lookup made the emulator, not the
    /// client, the slow side of a 5,000-model benchmark). The filter is still applied in full.
    var requiredIds: Set<String>? {
        switch self {
        case .exact(field: "id", value: .string(let id)): return [id]
        case .isIn(field: "id", let values, let strings) where values.isEmpty: return strings
        case .and(let operands):
            let pinned = operands.compactMap(\.requiredIds)
            guard let first = pinned.first else { return nil }
            return pinned.dropFirst().reduce(first) { $0.intersection($1) }
        default: return nil
        }
    }

    /// The `entity_type` a resource must have to match, when the filter pins `type` to a string
    /// (alone or inside an `and`); nil when any type might match. The filter is still applied in full.
    var requiredType: String? {
        switch self {
        case .exact(field: "type", value: .string(let type)): return type
        case .and(let operands):
            // A loop, not `lazy.compactMap(…).first`: that evaluates the match twice, which
            // doubles per level of nesting (a listing split 20 times nests 20 `and`s).
            for operand in operands { if let type = operand.requiredType { return type } }
            return nil
        default: return nil
        }
    }

    func matches(_ resource: [String: JSONValue]) -> Bool {
        switch self {
        case .and(let operands): return operands.allSatisfy { $0.matches(resource) }
        case .or(let operands): return operands.contains { $0.matches(resource) }
        case .not(let operand): return !operand.matches(resource)
        case .exact(let field, let value):
            return ResourceFilter.values(of: field, in: resource).contains { ResourceFilter.equal($0, value) }
        case .contains(let field, let needle):
            let lowered = needle.lowercased()
            return ResourceFilter.values(of: field, in: resource).contains {
                $0.stringValue?.lowercased().contains(lowered) ?? false
            }
        case .isIn(let field, let values, let strings):
            return ResourceFilter.values(of: field, in: resource).contains { candidate in
                if let text = candidate.stringValue, strings.contains(text) { return true }
                if case .bool = candidate, strings.contains(where: { ResourceFilter.equal(candidate, .string($0)) }) { return true }
                return values.contains { ResourceFilter.equal(candidate, $0) }
            }
        case .isSet(let field):
            switch ResourceFilter.field(field, in: resource) {
            case nil, .null?: return false
            case .string(let text)?: return !text.isEmpty
            case .array(let items)?: return !items.isEmpty
            default: return true
            }
        }
    }

    /// The resource's value for a filter field; API field names that differ from the stored key
    /// (`type`, `integration_id`, `parent_id`) are mapped.
    static func field(_ name: String, in resource: [String: JSONValue]) -> JSONValue? {
        switch name {
        case "type": return resource["entity_type"]
        case "integration_id": return resource["integration"] ?? resource["integration_id"]
        case "parent_id": return resource["parent"] ?? resource["parent_id"]
        default: return resource[name]
        }
    }

    /// The values a field test looks at: the elements of a list, else the value itself.
    static func values(of name: String, in resource: [String: JSONValue]) -> [JSONValue] {
        switch field(name, in: resource) {
        case nil: return []
        case .array(let items)?: return items
        case let value?: return [value]
        }
    }

    static func equal(_ lhs: JSONValue, _ rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.bool(let a), _): return rhs.boolValue == a
        case (_, .bool(let b)): return lhs.boolValue == b
        case (.number(let a), .string(let b)): return Double(b) == a
        case (.string(let a), .number(let b)): return Double(a) == b
        default: return lhs == rhs
        }
    }
}

/// A malformed `filter` or `sort` parameter (the API answers 400).
struct FilterSyntaxError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// The `sort` parameter: `{"field":…,"order":"asc"|"desc","tie_breaker":{…}|null}`.
struct ResourceSort: Sendable, Equatable {
    var keys: [(field: String, ascending: Bool)]

    static func == (lhs: ResourceSort, rhs: ResourceSort) -> Bool {
        lhs.keys.map(\.field) == rhs.keys.map(\.field) && lhs.keys.map(\.ascending) == rhs.keys.map(\.ascending)
    }

    /// Secoda's default: external usage, most used first. Ties break on id so pages are stable.
    static let `default` = ResourceSort(keys: [("external_usage", false)])

    static func parse(_ json: JSONValue) throws -> ResourceSort {
        var keys: [(String, Bool)] = []
        var current: JSONValue? = json
        while case .object(let object)? = current {
            guard let field = object["field"]?.stringValue else { throw FilterSyntaxError("sort needs a \"field\"") }
            let order = object["order"]?.stringValue ?? "asc"
            guard order == "asc" || order == "desc" else {
                throw FilterSyntaxError("sort order must be \"asc\" or \"desc\"")
            }
            keys.append((field, order == "asc"))
            current = object["tie_breaker"]
        }
        guard !keys.isEmpty else { throw FilterSyntaxError("sort must be an object") }
        return ResourceSort(keys: keys)
    }

    /// Whether `lhs` comes before `rhs`: the sort keys, then the id (a total order, so a listing's
    /// pages never depend on the order resources were stored in).
    func inOrder(_ lhs: [String: JSONValue], _ rhs: [String: JSONValue]) -> Bool {
        for key in keys {
            let order = ResourceSort.compare(ResourceFilter.field(key.field, in: lhs),
                                             ResourceFilter.field(key.field, in: rhs))
            if order != .orderedSame { return key.ascending ? order == .orderedAscending : order == .orderedDescending }
        }
        return (lhs["id"]?.stringValue ?? "") < (rhs["id"]?.stringValue ?? "")
    }

    /// Orders two field values; null is the smallest (first ascending, last descending).
    static func compare(_ lhs: JSONValue?, _ rhs: JSONValue?) -> ComparisonResult {
        switch (lhs ?? .null, rhs ?? .null) {
        case (.null, .null): return .orderedSame
        case (.null, _): return .orderedAscending
        case (_, .null): return .orderedDescending
        case (.number(let a), .number(let b)): return a < b ? .orderedAscending : (a > b ? .orderedDescending : .orderedSame)
        case (.string(let a), .string(let b)): return a < b ? .orderedAscending : (a > b ? .orderedDescending : .orderedSame)
        case (.bool(let a), .bool(let b)): return a == b ? .orderedSame : (a ? .orderedDescending : .orderedAscending)
        default: return .orderedSame
        }
    }
}
