import Foundation
import GateJSON
import GateModel

/// The machine-readable report: DESIGN.md §6, `schema_version` 1. Every key of the design is
/// always present (null when unknown) so scripts can rely on it; keys are sorted and the
/// output is pretty-printed, so the same report always gives the same bytes.
///
/// Beyond the design's keys (additive, never renamed): top-level `diagnostics`; per finding
/// `consumers`, `owners`, `contract`; per impact `truncated`; per downstream node `tags`, `url`;
/// `catalog.snapshot_taken_at`; `usage.external_updated_at`; per impact `catalog_id` and
/// `column_users`, per downstream node `relation` and `parent_id` (so `impact --format json`, which
/// writes its entries with the same documents, loses nothing). The shapes are documented in
/// contracts/schema/report.schema.json. Timings are left out on purpose:
/// they would make two runs over the same change differ; so are the rule metadata and the
/// per-model rule lists (`contract-gate rules --format json` publishes the catalogue).
/// `summary` counts the deduplicated findings listed, so the numbers always match the list.
public struct JSONReporter: Reporter {
    public init() {}

    public var format: ReportFormat { .json }

    public func render(_ report: Report) -> Data {
        JSONOutput.encode(JSONReportDocument(ReportFacts(report)))
    }
}

/// Shared JSON writing for the JSON-based formats.
enum JSONOutput {
    /// Pretty-printed, sorted keys, unescaped slashes, newline at the end: `JSONEncoder`'s bytes,
    /// written by `PrettyJSONEncoder` (a big report spent half a second in `JSONEncoder`).
    /// Encoding our own document types cannot fail (no floating-point values); should it ever,
    /// the output is a JSON object that says so rather than an empty file.
    ///
    /// Characters that reorder or hide text where the JSON is shown (bidi overrides and isolates,
    /// the invisible direction marks, C1 controls) are written as `\uXXXX` escapes: the parsed
    /// strings are unchanged, but the bytes a reviewer or a log viewer shows are inert.
    static func encode<Value: Encodable>(_ value: Value) -> Data {
        do {
            return escapingInvisibleControls(try PrettyJSONEncoder().encode(value, newlineAtEnd: true))
        } catch {
            let message = String(describing: error).replacingOccurrences(of: "\"", with: "'")
            return Data("{\"error\": \"contract-gate could not encode the report: \(message)\"}\n".utf8)
        }
    }
}

extension JSONOutput {
    /// `json` with every C1 control (U+0080–U+009F) and bidi control (U+061C, U+200E, U+200F,
    /// U+202A–U+202E, U+2066–U+2069) replaced by its `\uXXXX` escape. Outside strings JSON is
    /// ASCII, so these UTF-8 sequences can only be string content, where the escape means the same.
    ///
    /// Reports run to tens of megabytes (a catalog walk of 18,000 nodes): the bytes are read in
    /// place, and copied only from the first character that needs an escape, if any.
    static func escapingInvisibleControls(_ json: Data) -> Data {
        json.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> Data in
            let bytes = raw.bindMemory(to: UInt8.self)
            var index = 0
            while index < bytes.count, invisibleControl(at: index, in: bytes) == nil { index += 1 }
            guard index < bytes.count else { return json }
            var output: [UInt8] = []
            output.reserveCapacity(bytes.count + 64)
            output.append(contentsOf: bytes[0..<index])
            while index < bytes.count {
                if let (scalar, length) = invisibleControl(at: index, in: bytes) {
                    output.append(contentsOf: Array(String(format: "\\u%04X", scalar).utf8))
                    index += length
                } else {
                    output.append(bytes[index])
                    index += 1
                }
            }
            return Data(output)
        }
    }

    /// The C1 or bidi control whose UTF-8 sequence starts at `index`, and its length in bytes.
    private static func invisibleControl(at index: Int, in bytes: UnsafeBufferPointer<UInt8>) -> (UInt32, Int)? {
        switch bytes[index] {
        case 0xC2 where index + 1 < bytes.count && (0x80...0x9F).contains(bytes[index + 1]):
            return (UInt32(bytes[index + 1]), 2)
        case 0xD8 where index + 1 < bytes.count && bytes[index + 1] == 0x9C:
            return (0x061C, 2)
        case 0xE2 where index + 2 < bytes.count:
            let scalar = (UInt32(0xE2 & 0x0F) << 12) | (UInt32(bytes[index + 1] & 0x3F) << 6) | UInt32(bytes[index + 2] & 0x3F)
            let invisible = scalar == 0x200E || scalar == 0x200F || (0x202A...0x202E).contains(scalar) || (0x2066...0x2069).contains(scalar)
            return invisible ? (scalar, 3) : nil
        default:
            return nil
        }
    }
}

struct JSONReportDocument: Encodable {
    let facts: ReportFacts

    init(_ facts: ReportFacts) { self.facts = facts }

    enum Keys: String, CodingKey {
        case schemaVersion = "schema_version", tool, base, head, verdict, exitCode = "exit_code", catalog,
             changes, files, impact, findings, summary, diagnostics
    }

    func encode(to encoder: Encoder) throws {
        let report = facts.report
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(report.schemaVersion, forKey: .schemaVersion)
        try c.encode(ToolDocument(report.tool), forKey: .tool)
        try c.encode(report.base, forKey: .base)
        try c.encode(report.head, forKey: .head)
        try c.encode(report.verdict.rawValue, forKey: .verdict)
        try c.encode(report.exitCode, forKey: .exitCode)
        try c.encode(CatalogDocument(report.catalog), forKey: .catalog)
        let changes = report.changes.sorted { ($0.model, $0.path, $0.status) < ($1.model, $1.path, $1.status) }
        try c.encode(changes.map(ChangeDocument.init), forKey: .changes)
        try c.encode(report.files.sorted { ($0.path, $0.status) < ($1.path, $1.status) }, forKey: .files)
        try c.encode(facts.impact.map(ImpactDocument.init), forKey: .impact)
        try c.encode(facts.findings.map(FindingDocument.init), forKey: .findings)
        try c.encode(SummaryDocument(facts.summary), forKey: .summary)
        try c.encode(report.diagnostics.map(DiagnosticDocument.init), forKey: .diagnostics)
    }
}

private struct ToolDocument: Encodable {
    let name: String, version: String
    init(_ tool: ToolInfo) { name = tool.name; version = tool.version }
}

/// `catalog`, as every JSON document of contract-gate writes it.
struct CatalogDocument: Encodable {
    let catalog: CatalogStatus
    init(_ catalog: CatalogStatus) { self.catalog = catalog }
    enum Keys: String, CodingKey { case sources, complete, errors, snapshotTakenAt = "snapshot_taken_at" }
    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(catalog.sources, forKey: .sources)
        try c.encode(catalog.complete, forKey: .complete)
        try c.encode(catalog.errors, forKey: .errors)
        try c.encode(catalog.snapshotTakenAt, forKey: .snapshotTakenAt)
    }
}

private struct ChangeDocument: Encodable {
    let change: ChangeRecord
    init(_ change: ChangeRecord) { self.change = change }
    enum Keys: String, CodingKey {
        case model, status, path, oldPath = "old_path", relation, oldRelation = "old_relation",
             catalogId = "catalog_id", documentationOnly = "documentation_only", uniqueId = "unique_id"
    }
    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(change.model, forKey: .model)
        try c.encode(change.status, forKey: .status)
        try c.encode(change.path, forKey: .path)
        try c.encode(change.oldPath, forKey: .oldPath)
        try c.encode(change.relation, forKey: .relation)
        try c.encode(change.oldRelation, forKey: .oldRelation)
        try c.encode(change.catalogId, forKey: .catalogId)
        try c.encode(change.documentationOnly, forKey: .documentationOnly)
        try c.encode(change.uniqueId, forKey: .uniqueId)
    }
}

/// One model's impact, as `check`'s report and `impact --format json` both write it.
struct ImpactDocument: Encodable {
    let impact: ModelImpact
    init(_ impact: ModelImpact) { self.impact = impact }
    enum Keys: String, CodingKey {
        case model, downstream, truncated
        case catalogId = "catalog_id", columnUsers = "column_users"
    }
    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(impact.model, forKey: .model)
        try c.encode(impact.catalogId, forKey: .catalogId)
        try c.encode(impact.downstream.map(DownstreamDocument.init), forKey: .downstream)
        try c.encode(impact.columnUsers, forKey: .columnUsers)
        try c.encode(impact.truncated, forKey: .truncated)
    }
}

struct DownstreamDocument: Encodable {
    let node: DownstreamNode
    init(_ node: DownstreamNode) { self.node = node }
    enum Keys: String, CodingKey {
        case id, name, type, depth, source, owners, verified, pii, usage, stale, tags, url, relation
        case ownerDetails = "owner_details", parentId = "parent_id"
    }
    enum UsageKeys: String, CodingKey { case external, `internal`, externalUpdatedAt = "external_updated_at" }
    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(node.id, forKey: .id)
        try c.encode(node.name, forKey: .name)
        try c.encode(node.type, forKey: .type)
        try c.encode(node.depth, forKey: .depth)
        try c.encode(node.source, forKey: .source)
        try c.encode(node.owners.map(\.displayName), forKey: .owners)
        // Display strings above stay for scripts that read them; details carry emails and group members.
        try c.encode(node.owners.map(OwnerDocument.init), forKey: .ownerDetails)
        try c.encode(node.verified, forKey: .verified)
        try c.encode(node.pii, forKey: .pii)
        var usage = c.nestedContainer(keyedBy: UsageKeys.self, forKey: .usage)
        try usage.encode(node.usage?.externalViews, forKey: .external)
        try usage.encode(node.usage?.internalViews, forKey: .internal)
        try usage.encode(node.usage?.externalUpdatedAt, forKey: .externalUpdatedAt)
        try c.encode(node.stale, forKey: .stale)
        try c.encode(node.tags, forKey: .tags)
        try c.encode(node.url, forKey: .url)
        try c.encode(node.relation, forKey: .relation)
        try c.encode(node.parentId, forKey: .parentId)
    }
}

private struct OwnerDocument: Encodable {
    let owner: Owner
    init(_ owner: Owner) { self.owner = owner }
    enum Keys: String, CodingKey { case id, name, email, kind, members }
    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(owner.id, forKey: .id)
        try c.encode(owner.displayName, forKey: .name)
        try c.encode(owner.email, forKey: .email)
        try c.encode(owner.kind, forKey: .kind)
        try c.encode(owner.members, forKey: .members)
    }
}

private struct LocationDocument: Encodable {
    let path: String, line: Int, column: Int
    init(_ location: SourceLocation) { path = location.path; line = location.line; column = location.column }
}

private struct WaiverDocument: Encodable {
    let waiver: WaiverReference
    init(_ waiver: WaiverReference) { self.waiver = waiver }
    enum Keys: String, CodingKey { case reason, approvedBy = "approved_by", expires, location }
    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(waiver.reason, forKey: .reason)
        try c.encode(waiver.approvedBy, forKey: .approvedBy)
        try c.encode(waiver.expires, forKey: .expires)
        try c.encode(waiver.location.map(LocationDocument.init), forKey: .location)
    }
}

private struct FindingDocument: Encodable {
    let finding: Finding
    init(_ finding: Finding) { self.finding = finding }
    enum Keys: String, CodingKey {
        case rule, category, severity, model, column, message, location, downstream, waived, waiver,
             consumers, owners, mentions, contract
    }
    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(finding.rule, forKey: .rule)
        try c.encode(finding.category.rawValue, forKey: .category)
        try c.encode(finding.severity.rawValue, forKey: .severity)
        try c.encode(finding.model, forKey: .model)
        try c.encode(finding.column, forKey: .column)
        try c.encode(finding.message, forKey: .message)
        try c.encode(finding.location.map(LocationDocument.init), forKey: .location)
        try c.encode(finding.downstream, forKey: .downstream)
        try c.encode(finding.waived, forKey: .waived)
        try c.encode(finding.waiver.map(WaiverDocument.init), forKey: .waiver)
        try c.encode(finding.consumers, forKey: .consumers)
        try c.encode(finding.owners, forKey: .owners)
        try c.encode(finding.mentions, forKey: .mentions)
        try c.encode(finding.contract, forKey: .contract)
    }
}

private struct SummaryDocument: Encodable {
    let errors: Int, warnings: Int, notices: Int, waived: Int, downstream: Int
    init(_ summary: ReportSummary) {
        errors = summary.errors
        warnings = summary.warnings
        notices = summary.notices
        waived = summary.waived
        downstream = summary.downstream
    }
}

private struct DiagnosticDocument: Encodable {
    let diagnostic: Diagnostic
    init(_ diagnostic: Diagnostic) { self.diagnostic = diagnostic }
    enum Keys: String, CodingKey { case severity, message, location }
    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(diagnostic.severity.rawValue, forKey: .severity)
        try c.encode(diagnostic.message, forKey: .message)
        try c.encode(diagnostic.location.map(LocationDocument.init), forKey: .location)
    }
}
