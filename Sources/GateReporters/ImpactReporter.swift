import Foundation
import GateModel

/// `contract-gate impact`'s output: the downstream tree as people read it, or JSON whose
/// `impact` entries and `catalog` are written by the same documents as `check`'s JSON report
/// (one shape per entity; contracts/schema/report.schema.json).
public struct ImpactReporter: Sendable {
    public init() {}

    /// `{"schema_version": 2, "catalog": {...}, "impact": [...]}`, sorted and pretty like the report.
    public func renderJSON(_ report: ImpactReport) -> Data {
        JSONOutput.encode(ImpactListingDocument(report: report))
    }

    /// One line per node, indented by depth under its parent; the catalog's status last.
    public func renderText(_ report: ImpactReport) -> String {
        var lines: [String] = []
        for impact in report.impacts {
            let id = impact.catalogId.map { " (\($0))" } ?? ""
            lines.append("\(impact.model)\(id) → \(impact.downstream.count) downstream")
            var children: [String?: [DownstreamNode]] = [:]
            for node in impact.downstream { children[node.parentId, default: []].append(node) }
            func walk(_ parent: String?, _ indent: Int) {
                for node in (children[parent] ?? []).sorted(by: { ($0.depth, $0.name) < ($1.depth, $1.name) }) {
                    lines.append(String(repeating: "  ", count: indent) + "└ " + Self.describe(node))
                    walk(node.id, indent + 1)
                }
            }
            walk(nil, 1)
            if impact.truncated { lines.append("  … cut by lineage.max_depth / lineage.max_nodes") }
        }
        let status = report.catalog
        lines.append("catalog: \(status.sources.joined(separator: ", "))"
                     + (status.snapshotTakenAt.map { " (snapshot taken \($0))" } ?? "")
                     + (status.complete ? "" : " — INCOMPLETE"))
        lines += status.errors.map { "  ! \($0)" }
        // Catalog text shown on a terminal cannot move the cursor or recolour the screen.
        return TerminalText.sanitize(lines.joined(separator: "\n"), keepNewlines: true) + "\n"
    }

    static func describe(_ node: DownstreamNode) -> String {
        var parts = ["\(node.name) [\(node.type), depth \(node.depth)]"]
        if let usage = node.usage {
            parts.append("usage \(usage.externalViews.map(String.init) ?? "-") external / "
                         + "\(usage.internalViews.map(String.init) ?? "-") internal")
        }
        if !node.owners.isEmpty { parts.append("owners: " + node.owners.map(\.displayName).joined(separator: ", ")) }
        if node.stale { parts.append("STALE (deprecation candidate)") }
        if node.verified { parts.append("verified") }
        return parts.joined(separator: " · ")
    }
}

struct ImpactListingDocument: Encodable {
    let report: ImpactReport
    enum Keys: String, CodingKey { case schemaVersion = "schema_version", catalog, impact }
    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(ImpactReport.schemaVersion, forKey: .schemaVersion)
        try c.encode(CatalogDocument(report.catalog), forKey: .catalog)
        try c.encode(ReportFacts.ordered(report.impacts).map(ImpactDocument.init), forKey: .impact)
    }
}
