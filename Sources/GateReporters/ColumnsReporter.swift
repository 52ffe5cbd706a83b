import Foundation
import GateModel

/// `contract-gate columns`: each model's output columns and how sure they are, for a person or
/// as JSON (`{"schema_version": 1, "models": [...], "known", "partial", "unknown"}`, sorted and
/// pretty like every other document; contracts/schema/report.schema.json `$defs/columns_listing`).
public struct ColumnsReporter: Sendable {
    public init() {}

    /// One line per model (path, origin, certainty), its columns beneath, the totals last.
    public func renderText(_ listing: ColumnsListing) -> String {
        var lines: [String] = []
        for model in listing.models {
            let how: String
            switch model.certainty {
            case .known: how = "known"
            case let .partial(reason): how = "partly known: \(reason)"
            case let .unknown(reason): how = "UNKNOWN: \(reason)"
            }
            lines.append("\(model.model) (\(model.path ?? "-"), from \(model.origin)) — \(how)")
            if !model.columns.isEmpty { lines.append("  " + model.columns.joined(separator: ", ")) }
            if let sql = listing.sql[model.model] {
                lines.append("  rendered SQL:")
                lines += sql.split(separator: "\n", omittingEmptySubsequences: false).enumerated().map { "  \($0.offset + 1)| \($0.element)" }
            }
        }
        let total = listing.models.count
        let share = total == 0 ? 100.0 : Double(listing.knownCount) * 100 / Double(total)
        lines.append(String(format: "%d models: %d known (%.1f %%), %d partly known, %d unknown",
                            total, listing.knownCount, share, listing.partialCount, listing.unknownCount))
        return Self.withoutControls(lines.joined(separator: "\n")) + "\n"
    }

    public func renderJSON(_ listing: ColumnsListing) -> Data {
        JSONOutput.encode(ColumnsListingDocument(listing: listing))
    }

    /// Repository text shown on a terminal loses its control characters (line breaks and tabs
    /// kept: the rendered SQL is printed as it is), so it cannot move the cursor or recolour the
    /// screen.
    static func withoutControls(_ value: String) -> String {
        String(String.UnicodeScalarView(value.unicodeScalars.filter { scalar in
            scalar == "\n" || scalar == "\t" || !(scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value))
        }))
    }
}

struct ColumnsListingDocument: Encodable {
    let listing: ColumnsListing
    enum Keys: String, CodingKey { case schemaVersion = "schema_version", models, known, partial, unknown }
    enum ModelKeys: String, CodingKey { case model, path, origin, certainty, reason, columns }
    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(1, forKey: .schemaVersion)
        var models = c.nestedUnkeyedContainer(forKey: .models)
        for model in listing.models {
            var m = models.nestedContainer(keyedBy: ModelKeys.self)
            let (certainty, reason): (String, String?) = switch model.certainty {
            case .known: ("known", nil)
            case let .partial(why): ("partial", why)
            case let .unknown(why): ("unknown", why)
            }
            try m.encode(model.model, forKey: .model)
            try m.encodeIfPresent(model.path, forKey: .path)
            try m.encode(model.origin, forKey: .origin)
            try m.encode(certainty, forKey: .certainty)
            try m.encodeIfPresent(reason, forKey: .reason)
            try m.encode(model.columns, forKey: .columns)
        }
        try c.encode(listing.knownCount, forKey: .known)
        try c.encode(listing.partialCount, forKey: .partial)
        try c.encode(listing.unknownCount, forKey: .unknown)
    }
}
