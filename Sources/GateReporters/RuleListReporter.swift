import Foundation
import GateModel

/// `contract-gate rules`: the rule catalogue as a table, or as JSON
/// (`{"schema_version": 1, "rules": [...]}`, sorted and pretty like the report;
/// contracts/schema/report.schema.json `$defs/rule_listing`).
public struct RuleListReporter: Sendable {
    public init() {}

    /// ID, category, default severity and purpose, one rule a row, the columns aligned.
    public func renderText(_ rules: [RuleMetadata]) -> String {
        let idWidth = max(2, rules.map(\.id.count).max() ?? 0)
        let categoryWidth = max(8, RuleCategory.allCases.map(\.rawValue.count).max() ?? 0)
        let severityWidth = 8
        func row(_ a: String, _ b: String, _ c: String, _ d: String) -> String {
            a.padding(toLength: idWidth, withPad: " ", startingAt: 0) + "  "
                + b.padding(toLength: categoryWidth, withPad: " ", startingAt: 0) + "  "
                + c.padding(toLength: severityWidth, withPad: " ", startingAt: 0) + "  " + d
        }
        var lines = [row("ID", "CATEGORY", "DEFAULT", "PURPOSE")]
        for rule in rules { lines.append(row(rule.id, rule.category.rawValue, rule.defaultSeverity.rawValue, rule.purpose)) }
        lines.append("")
        lines.append("DEFAULT is the severity for models under no contract. `contract-gate explain RULE_ID` shows options and examples.")
        return lines.joined(separator: "\n") + "\n"
    }

    public func renderJSON(_ rules: [RuleMetadata]) -> Data {
        JSONOutput.encode(RuleListingDocument(rules: rules))
    }
}

struct RuleListingDocument: Encodable {
    let rules: [RuleMetadata]
    enum Keys: String, CodingKey { case schemaVersion = "schema_version", rules }
    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(1, forKey: .schemaVersion)
        try c.encode(rules.map(RuleDocument.init), forKey: .rules)
    }
}

/// A rule as `rules --format json` lists it.
struct RuleDocument: Encodable {
    let rule: RuleMetadata
    init(_ rule: RuleMetadata) { self.rule = rule }
    enum Keys: String, CodingKey {
        case id, name, category, purpose, rationale, options
        case defaultSeverity = "default_severity", helpURI = "help_uri"
    }
    enum OptionKeys: String, CodingKey {
        case name, type, meaning
        case defaultValue = "default", allowedValues = "allowed_values"
    }
    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(rule.id, forKey: .id)
        try c.encode(rule.name, forKey: .name)
        try c.encode(rule.category.rawValue, forKey: .category)
        try c.encode(rule.purpose, forKey: .purpose)
        try c.encode(rule.rationale, forKey: .rationale)
        try c.encode(rule.defaultSeverity.rawValue, forKey: .defaultSeverity)
        try c.encode(rule.helpURI, forKey: .helpURI)
        var options = c.nestedUnkeyedContainer(forKey: .options)
        for option in rule.options {
            var o = options.nestedContainer(keyedBy: OptionKeys.self)
            try o.encode(option.name, forKey: .name)
            try o.encode(option.type, forKey: .type)
            try o.encode(option.defaultValue, forKey: .defaultValue)
            // Only options with a closed set of words carry the key (as since version 1).
            try o.encodeIfPresent(option.allowedValues, forKey: .allowedValues)
            try o.encode(option.meaning, forKey: .meaning)
        }
    }
}
