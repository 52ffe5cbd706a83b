import GateModel

extension RuleCatalog {
    /// The rule reference as Markdown, one section per rule with the `rule-<id>` anchor every
    /// `helpURI` points at. The README's rule section is this text (kept in sync by a test over
    /// `contracts/README.md`).
    public static func referenceMarkdown() -> String {
        var out: [String] = []
        for category in RuleCategory.allCases {
            let rules = descriptions.filter { $0.category == category }
            guard !rules.isEmpty else { continue }
            out.append("### \(category.rawValue)")
            out.append("")
            for d in rules {
                out.append(section(id: d.id, name: d.name, category: d.category, severity: d.defaultSeverity.rawValue,
                                   purpose: d.purpose, rationale: d.rationale, anchor: d.helpURI))
                if !d.options.isEmpty {
                    out.append("| option | type | default | meaning |")
                    out.append("|---|---|---|---|")
                    for option in d.options {
                        let allowed = option.allowedValues.map { " One of: \($0.map { "`\($0)`" }.joined(separator: ", "))." } ?? ""
                        out.append("| `\(option.name)` | \(option.kind.rawValue) | `\(render(option.defaultValue))` | \(option.meaning)\(allowed) |")
                    }
                    out.append("")
                }
                out.append("`contract-gate explain \(d.id)` shows its examples.")
                out.append("")
            }
        }
        let w = waiverExpired
        out.append("### Findings about the contracts themselves")
        out.append("")
        out.append(section(id: w.id, name: w.name, category: w.category, severity: "warning, not configurable",
                           purpose: w.purpose, rationale: w.rationale, anchor: w.helpURI))
        return out.joined(separator: "\n") + "\n"
    }

    private static func section(id: String, name: String, category: RuleCategory, severity: String, purpose: String,
                                rationale: String, anchor: String) -> String {
        let fragment = anchor.split(separator: "#").last.map(String.init) ?? ""
        return """
        #### <a id="\(fragment)"></a>`\(id)` — \(name)

        \(category.rawValue) · default severity `\(severity)`. \(purpose)

        \(rationale)

        """
    }
}
