import Foundation
import GateModel

/// `lineage push` and `docs carry`: the plan and what was written, for a person or as JSON
/// (the report's own keys, sorted and pretty like every other document;
/// contracts/schema/report.schema.json `$defs/lineage_push` and `$defs/docs_carry`).
public struct WriteBackReporter: Sendable {
    public init() {}

    public func renderJSON(_ report: LineagePushReport) -> Data { JSONOutput.encode(report) }

    public func renderJSON(_ report: DocsCarryReport) -> Data { JSONOutput.encode(report) }

    /// The plan and the result: edges created, already there, refused, not attempted.
    public func renderText(_ report: LineagePushReport) -> String {
        let applied = report.applied
        let scope = report.scope
        let changedModels = report.changedModels
        let plan = report.plan
        let result = report.result
        let snapshotRefreshed = report.snapshotRefreshed
        let snapshotError = report.snapshotError
        var lines: [String] = []
        let scopeText = scope == "changed" ? "edges touching \(changedModels?.joined(separator: ", ") ?? "no models")" : "all edges"
        lines.append("lineage push (\(applied ? "apply" : "dry run"), \(scopeText)): \(plan.edgesInScope) dbt edges in scope")
        if let result {
            lines.append("created \(result.created.count) of \(plan.create.count) missing edges; "
                + "\(plan.present.count) already in Secoda")
            for edge in result.created { lines.append("  + \(edge.label)") }
            for edge in result.alreadyPresent { lines.append("  = \(edge.label) (already there when written)") }
            for failure in result.failed { lines.append("  ! \(failure.item.label): \(failure.message)") }
            for edge in result.notAttempted { lines.append("  … \(edge.label) (not attempted)") }
            if let reason = result.stoppedBecause {
                lines.append("stopped: \(reason); run it again to create the rest (it only creates what is missing)")
            }
        } else {
            lines.append("would create \(plan.create.count) edges; \(plan.present.count) already in Secoda")
            for edge in plan.create { lines.append("  + \(edge.label)  (\(edge.from.catalogId ?? "?") → \(edge.to.catalogId ?? "?"))") }
        }
        for edge in plan.present { lines.append("  = \(edge.label)") }
        if !plan.unresolved.isEmpty {
            lines.append("\(plan.unresolved.count) ends did not resolve (their edges are left alone):")
            for end in plan.unresolved {
                lines.append("  ? \(end.end.name) (\(end.end.type), \(end.edges) edge\(end.edges == 1 ? "" : "s")): \(end.reason)")
            }
        }
        if let path = snapshotRefreshed { lines.append("snapshot refreshed: \(path)") }
        if let error = snapshotError { lines.append("snapshot not refreshed: \(error)") }
        if !applied && !plan.create.isEmpty { lines.append("dry run: nothing written; add --apply to create them") }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The per-field plan and the summary.
    public func renderText(_ report: DocsCarryReport) -> String {
        let applied = report.applied
        let overwrite = report.overwrite
        let items = report.items
        let skipped = report.skipped
        let result = report.result
        let copies = report.copies
        let snapshotRefreshed = report.snapshotRefreshed
        let snapshotError = report.snapshotError
        var lines: [String] = []
        let mode = applied ? "apply" : "dry run"
        lines.append("docs carry (\(mode)\(overwrite ? ", overwrite" : "")): \(items.count) table pair\(items.count == 1 ? "" : "s")")
        for item in items {
            let model = item.pair.model.map { "\($0): " } ?? ""
            lines.append("\(model)\(item.fromTitle ?? item.pair.fromId) (\(item.pair.fromId)) → "
                + "\(item.toTitle ?? item.pair.toId) (\(item.pair.toId))")
            if item.decisions.isEmpty { lines.append("  nothing documented on the old table") }
            for decision in item.decisions {
                let verb = decision.action == .copy ? (applied ? "copied" : "copy") : "skip"
                lines.append("  \(verb) \(decision.target).\(decision.field.rawValue) = "
                    + "\(Self.render(decision.value)): \(decision.reason)")
            }
            for column in item.unmatchedColumns {
                lines.append("  skip column \(column): no column of that name (or renamed to) on the new table")
            }
        }
        for skip in skipped { lines.append("skipped \(skip.model): \(skip.reason)") }
        let decisions = items.flatMap(\.decisions)
        let skippedFields = decisions.filter { $0.action == .skip }
        var reasons: [String: Int] = [:]
        for decision in skippedFields { reasons[decision.reason, default: 0] += 1 }
        let why = reasons.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: "; ")
        if let result {
            lines.append("summary: \(copies) fields copied in \(result.patched.count) writes; "
                + "\(skippedFields.count) skipped\(why.isEmpty ? "" : " (\(why))")")
            for failure in result.failed { lines.append("  ! \(failure.item.target) (\(failure.item.path)): \(failure.message)") }
            for patch in result.notAttempted { lines.append("  … \(patch.target) (\(patch.path)) not attempted") }
            if let reason = result.stoppedBecause {
                lines.append("stopped: \(reason); run it again to carry the rest (filled fields are skipped)")
            }
        } else {
            let writes = items.flatMap(\.patches).count
            lines.append("summary: would copy \(copies) fields in \(writes) writes; \(skippedFields.count) skipped"
                + (why.isEmpty ? "" : " (\(why))"))
            if writes > 0 { lines.append("dry run: nothing written; add --apply to copy them") }
        }
        if let path = snapshotRefreshed { lines.append("snapshot refreshed: \(path)") }
        if let error = snapshotError { lines.append("snapshot not refreshed: \(error)") }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A documentation value in one short line.
    static func render(_ value: JSONValue?) -> String {
        switch value {
        case nil, .null?: return "—"
        case .string(let text)?:
            let line = text.replacingOccurrences(of: "\n", with: " ")
            return "\"" + (line.count > 60 ? String(line.prefix(57)) + "…" : line) + "\""
        case .bool(let flag)?: return flag ? "true" : "false"
        case .number(let number)?: return String(number)
        case .array(let items)?: return "[" + items.map { $0.stringValue ?? "?" }.joined(separator: ", ") + "]"
        case .object?: return "{…}"
        }
    }
}
