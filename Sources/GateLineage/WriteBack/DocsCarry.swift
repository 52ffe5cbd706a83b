import Foundation
import GateModel

extension DocField {
    /// The field's value in a resource as Secoda returns it, normalized: text trimmed, lists
    /// of ids (objects reduced to their id), booleans (from `"true"` strings too). Nil when the
    /// resource does not carry the field.
    func value(in resource: [String: JSONValue]) -> JSONValue? {
        let raw = resource[rawValue] ?? (self == .ownersGroups ? resource["owner_groups"] : nil)
        guard let raw else { return nil }
        switch self {
        case .description, .definition:
            return raw.stringValue.map { .string($0) } ?? (raw == .null ? .null : nil)
        case .tags, .owners, .ownersGroups:
            guard case .array(let items) = raw else { return raw == .null ? .array([]) : nil }
            return .array(items.compactMap { ($0.stringValue ?? $0["id"]?.stringValue).map(JSONValue.string) })
        case .pii, .verified:
            return raw.boolValue.map(JSONValue.bool) ?? (raw == .null ? .bool(false) : nil)
        }
    }

    /// Whether a value holds documentation: non-blank text, a non-empty list, `true`.
    /// `false` is no documentation: a new table is created with `pii: false`, and that must
    /// not block carrying the old table's `pii: true`.
    static func holdsSomething(_ value: JSONValue?) -> Bool {
        switch value {
        case .string(let text)?: return !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
        case .array(let items)?: return !items.isEmpty
        case .bool(let flag)?: return flag
        default: return false
        }
    }

    /// Equal as documentation: text ignoring surrounding blanks, lists as sets.
    static func same(_ a: JSONValue?, _ b: JSONValue?) -> Bool {
        switch (a, b) {
        case (.string(let x)?, .string(let y)?):
            return x.trimmingCharacters(in: .whitespacesAndNewlines) == y.trimmingCharacters(in: .whitespacesAndNewlines)
        case (.array(let x)?, .array(let y)?):
            return Set(x.compactMap(\.stringValue)) == Set(y.compactMap(\.stringValue))
        default:
            return !holdsSomething(a) && !holdsSomething(b) ? true : a == b
        }
    }
}


/// `docs carry`: after a rename, the old Secoda table's documentation (and its columns') copied
/// onto the new table, never over a filled field unless asked.
public enum DocsCarry {
    /// Plans one pair: reads both tables (`GET table/tables/{id}/`) and their columns
    /// (`GET table/columns/?parent_id=`), and decides every documented field.
    /// - Parameter overwrite: replace fields the new side already fills.
    /// - Throws: `CatalogError` (`.rejected` for a 404: a table id that does not exist).
    public static func plan(_ pair: CarryPair, client: SecodaClient, overwrite: Bool) async throws -> CarryItem {
        try SecodaCatalogSource.checkIds([pair.fromId, pair.toId])
        async let oldTable = client.get("table/tables/\(pair.fromId)/", as: [String: JSONValue].self)
        async let newTable = client.get("table/tables/\(pair.toId)/", as: [String: JSONValue].self)
        async let oldColumns = client.list("table/columns/", query: [("parent_id", pair.fromId)], as: [String: JSONValue].self)
        async let newColumns = client.list("table/columns/", query: [("parent_id", pair.toId)], as: [String: JSONValue].self)
        let (old, new) = (try await oldTable, try await newTable)

        var item = CarryItem(pair: pair, fromTitle: old["title"]?.stringValue, toTitle: new["title"]?.stringValue)
        decide(old: old, new: new, target: "table", path: "table/tables/\(pair.toId)/", overwrite: overwrite, into: &item)

        var newByName: [String: [String: JSONValue]] = [:]
        for column in try await newColumns {
            guard let title = column["title"]?.stringValue else { continue }
            newByName[Relation.normalize(title)] = column
        }
        var renames: [String: String] = [:]
        for (from, to) in pair.columnRenames { renames[Relation.normalize(from)] = Relation.normalize(to) }
        let oldSorted = try await oldColumns.sorted {
            ($0["title"]?.stringValue ?? "") < ($1["title"]?.stringValue ?? "")
        }
        for column in oldSorted {
            guard let title = column["title"]?.stringValue,
                  DocField.allCases.contains(where: { DocField.holdsSomething($0.value(in: column)) })
            else { continue }
            let key = Relation.normalize(title)
            guard let counterpart = newByName[renames[key] ?? key] ?? newByName[key],
                  let id = counterpart["id"]?.stringValue, SecodaID.isValid(id)
            else {
                item.unmatchedColumns.append(title)
                continue
            }
            let name = counterpart["title"]?.stringValue ?? title
            decide(old: column, new: counterpart, target: "column \(name)", path: "table/columns/\(id)/",
                   overwrite: overwrite, into: &item)
        }
        return item
    }

    /// Decides each documented field of `old` against `new`, and adds a patch for the copies.
    static func decide(old: [String: JSONValue], new: [String: JSONValue], target: String, path: String,
                       overwrite: Bool, into item: inout CarryItem) {
        var fields: [String: JSONValue] = [:]
        for field in DocField.allCases {
            let value = field.value(in: old)
            guard DocField.holdsSomething(value), let value else { continue }
            let current = field.value(in: new)
            let decision: (FieldDecision.Action, String)
            if DocField.same(value, current) {
                decision = (.skip, "already the same")
            } else if DocField.holdsSomething(current) && !overwrite {
                decision = (.skip, "the new side already has a value (--overwrite replaces it)")
            } else if DocField.holdsSomething(current) {
                decision = (.copy, "replaces the new side's value (--overwrite)")
            } else {
                decision = (.copy, "the new side has none")
            }
            item.decisions.append(FieldDecision(target: target, field: field, action: decision.0, reason: decision.1,
                                                value: value, current: current))
            if decision.0 == .copy { fields[field.rawValue] = value }
        }
        if !fields.isEmpty { item.patches.append(ResourcePatch(path: path, target: target, fields: fields)) }
    }

    /// Sends the planned patches, paced under the write limit. PATCH sets fields, so a retried
    /// or repeated patch does no harm; a re-run after an interruption plans only what is left.
    public static func apply(_ items: [CarryItem], writer: CatalogWriter,
                             progress: (@Sendable (WriteProgress) -> Void)? = nil) async -> DocsCarryResult {
        let applied = await PacedApply.run(items.flatMap(\.patches), writer: writer, progress: progress) { patch in
            _ = try await writer.write("PATCH", patch.path, body: patch.fields)
        }
        var result = DocsCarryResult()
        result.patched = applied.done.map(\.item)
        result.failed = applied.failed
        result.notAttempted = applied.notAttempted
        result.stoppedBecause = applied.stoppedBecause
        return result
    }
}

extension CatalogSettings {
    /// A paced writer for these settings: same URL, key and request limits as the read client.
    /// - Throws: `.configuration` when the key is missing or the URL is bad.
    public func makeWriter(environment: [String: String], pacer: WritePacer = WritePacer(),
                           transport: (any HTTPTransport)? = nil) throws -> CatalogWriter {
        guard let key = apiKey(environment) else {
            throw CatalogError(.configuration, "writing to Secoda needs an API key; export it in \(tokenEnv)")
        }
        // Writes are paced one by one; a larger read bound (max_concurrent_requests) is for the walk.
        let options = SecodaClientOptions(requestTimeout: requestTimeout, deadline: deadline, maxAttempts: maxAttempts,
                                          maxConcurrentRequests: min(maxConcurrentRequests,
                                                                     SecodaClientOptions.maxConcurrentRequestsWhileWriting))
        return try CatalogWriter(baseURL: effectiveBaseURL(environment), apiKey: key, options: options, pacer: pacer,
                                 transport: transport)
    }
}
