import Foundation
import GateModel

/// Every rule contract-gate has, in the order `contract-gate rules` lists them.
public enum RuleCatalog {
    /// The rule types. IDs are public API: a retired rule keeps its ID and points at its replacement.
    public static let all: [any Rule.Type] = [
        ModelNoDeleteRule.self,
        ModelSameRelationRule.self,
        ModelVersionNoDeleteRule.self,
        ColumnNoDeleteRule.self,
        ColumnSameNameRule.self,
        ColumnSameTypeRule.self,
        ColumnConstraintNoDeleteRule.self,
        ContractStaysEnforcedRule.self,
        MaterializationKeepsRelationRule.self,
        OdcsSchemaSatisfiedRule.self,
        DownstreamDashboardInUseRule.self,
        DownstreamVerifiedRule.self,
        BlastRadiusRule.self,
        ColumnPiiStaysTaggedRule.self,
        ModelHasOwnerRule.self,
        ModelHasDescriptionRule.self,
        ColumnStaysDocumentedRule.self,
        ModelResolvesRule.self,
        RefResolvesRule.self,
        ColumnReadExistsRule.self,
        ContractMatchesSqlRule.self,
        PolicyWaiverAddedRule.self,
        PolicyRuleWeakenedRule.self,
        PolicyContractNarrowedRule.self,
    ]

    public static let descriptions: [RuleDescription] = all.map { $0.description }
    public static let ids: [String] = descriptions.map(\.id)
    /// What reporters need for every rule (SARIF rules, links), in catalogue order.
    public static let metadata: [RuleMetadata] = descriptions.map(\.metadata)

    public static func description(of id: String) -> RuleDescription? { descriptions.first { $0.id == id } }

    /// The catalogue ID closest to a mistyped one (for "unknown rule X. Did you mean Y?").
    public static func suggestion(for id: String) -> String? {
        Suggestions.closest(to: id, in: ids + [waiverExpired.id])
    }
    public static func rule(_ id: String) -> (any Rule.Type)? { all.first { $0.description.id == id } }

    /// Findings the engine makes about the contracts themselves. They are not rules a contract can
    /// configure (so not in `all`), but reporters describe them like rules.
    public static let waiverExpired = RuleMetadata(
        id: "WAIVER_EXPIRED", name: "Waiver expired", category: .governance,
        purpose: "Checks that a waiver that would apply to this change has not passed its `expires` date.",
        rationale: "A waiver is a time-boxed exception. Once it expires the finding it covered counts again, and "
            + "this warning points at the waiver so its owners renew it (with a new approval) or fix the break.",
        defaultSeverity: .warning,
        helpURI: "https://github.com/contract-gate/contract-gate#rule-waiver-expired")

    /// The catalogue plus the engine's own findings: what `Report.rules` should carry.
    public static var reportMetadata: [RuleMetadata] { metadata + [waiverExpired] }

    // MARK: `contract-gate rules`

    /// What `contract-gate rules` lists (rendered by GateReporters' `RuleListReporter`).
    public static var listing: [RuleMetadata] { metadata }

    /// `contract-gate explain RULE_ID`: purpose, rationale, options and the examples, rendered
    /// as the property-file lines the markers refer to. Nil for an unknown ID.
    public static func explain(_ id: String) -> String? {
        if id.uppercased() == waiverExpired.id {
            let m = waiverExpired
            return "\(m.id) — \(m.name)\ncategory: \(m.category.rawValue) · severity: warning (not configurable)\n\n\(m.purpose)\n\n\(m.rationale)\n\nMore: \(m.helpURI)\n"
        }
        guard let d = description(of: id.uppercased()) else { return nil }
        var out: [String] = []
        out.append("\(d.id) — \(d.name)")
        out.append("category: \(d.category.rawValue) · default severity: \(d.defaultSeverity.rawValue) "
                   + (d.category == .policy ? "(the default policy sets it; no contract with models: can)" : "(models under no contract)"))
        out.append("")
        out.append(d.purpose)
        out.append("")
        out.append("Why: \(d.rationale)")
        out.append("")
        if d.options.isEmpty {
            out.append("Options: none (set only the severity: `\(d.id): error`).")
        } else {
            out.append("Options (`\(d.id): {severity: error, \(d.options[0].name): …}`):")
            for option in d.options {
                let allowed = option.allowedValues.map { " — one of: \($0.joined(separator: ", "))" } ?? ""
                out.append("  \(option.name) (\(option.kind.rawValue), default \(render(option.defaultValue)))\(allowed)")
                out.append("      \(option.meaning)")
            }
        }
        for (title, examples) in [("Reported", d.triggeringExamples), ("Not reported", d.nonTriggeringExamples)] {
            for example in examples {
                out.append("")
                out.append("\(title): \(example.title)")
                out += explainExample(example, rule: d)
            }
        }
        out.append("")
        out.append("More: \(d.helpURI)")
        return out.joined(separator: "\n") + "\n"
    }

    static func explainExample(_ example: RuleExample, rule: RuleDescription) -> [String] {
        var out: [String] = []
        if !example.options.isEmpty {
            let options = example.options.keys.sorted().map { "\($0): \(render(example.options[$0] ?? .null))" }
            out.append("  contract: \(rule.id): {severity: error, \(options.joined(separator: ", "))}")
        }
        if let policy = example.policy {
            // A POLICY example is a contract file before and after, not a model.
            out.append("  before (\(Sketch.contractPath)):")
            out += numbered(policy.before)
            out.append("  after:")
            out += numbered(policy.after)
        } else {
            out.append("  before (\(Sketch.propertiesPath)):")
            out += Sketch.render(example.before).map { "  " + $0 }
            out.append("  after:")
            out += Sketch.render(example.after).map { "  " + $0 }
        }
        if let impact = example.impact, !impact.downstream.isEmpty {
            out.append("  downstream:")
            for node in impact.downstream {
                var facts = [node.type]
                if let usage = node.usage { facts.append("\(usage.total) views") }
                if node.stale { facts.append("stale") }
                if node.verified { facts.append("verified") }
                if !node.tags.isEmpty { facts.append("tags: \(node.tags.joined(separator: ", "))") }
                let uses = impact.columnUsers.filter { $0.value.contains(node.id) }.keys.sorted()
                if !uses.isEmpty { facts.append("uses \(uses.joined(separator: ", "))") }
                let via = node.parentId.map { " via \($0)" } ?? ""
                out.append("    \(node.name)\(via) (\(facts.joined(separator: ", ")))")
            }
        }
        for reference in example.references {
            out.append("  at head, \(reference.location.path):\(reference.location.line) calls \(reference.call) ("
                       + "\(reference.reason.rawValue)\(reference.renamedTo.map { " to \($0)" } ?? ""))")
        }
        for finding in example.breaking {
            out.append("  breaking finding already found: \(finding.rule)\(finding.column.map { " on \($0)" } ?? "")")
        }
        if example.catalog.consulted {
            var facts: [String] = []
            for (model, id) in example.catalog.ids.sorted(by: { $0.key < $1.key }) { facts.append("\(model) → \(id ?? "not found")") }
            for (model, owners) in example.catalog.owners.sorted(by: { $0.key < $1.key }) { facts.append("\(model) owners: \(owners.joined(separator: ", "))") }
            for (model, pii) in example.catalog.piiColumns.sorted(by: { $0.key < $1.key }) { facts.append("\(model) pii: \(pii.sorted().joined(separator: ", "))") }
            out.append("  catalog: \(facts.isEmpty ? "consulted" : facts.joined(separator: "; "))")
        }
        for promise in example.odcs {
            let props = promise.properties.map { p -> String in
                var parts = [p.name]
                if let t = p.physicalType { parts.append(t) }
                if let t = p.logicalType { parts.append("logical \(t)") }
                if p.required { parts.append("required") }
                if p.unique { parts.append("unique") }
                if p.primaryKey { parts.append("primaryKey") }
                if let c = p.classification { parts.append("classification \(c)") }
                return parts.joined(separator: " ")
            }
            out.append("  ODCS \(promise.contract) promises \(promise.model): \(props.joined(separator: "; "))")
        }
        if example.expected.isEmpty {
            out.append("  → no finding")
        } else {
            for expected in example.expected {
                let subject = example.policy == nil ? " (the model)" : ""
                out.append("  ↓ finding at line \(expected.line)" + (expected.column.map { ", column `\($0)`" } ?? subject))
            }
        }
        return out
    }

    /// A file's lines numbered as the `↓ finding at line N` markers count them.
    static func numbered(_ text: String) -> [String] {
        text.split(separator: "\n", omittingEmptySubsequences: false).dropLast(text.hasSuffix("\n") ? 1 : 0)
            .enumerated().map { "  " + String(format: "%3d", $0.offset + 1) + "  " + $0.element }
    }

    package static func render(_ value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool(let b): String(b)
        case .number(let n): n == n.rounded() ? String(Int(n)) : String(n)
        case .string(let s): s
        case .array(let items): "[" + items.map(render).joined(separator: ", ") + "]"
        case .object(let o): "{" + o.keys.sorted().map { "\($0): \(render(o[$0] ?? .null))" }.joined(separator: ", ") + "}"
        }
    }
}
