import Foundation
import GateModel

/// The report for people at a terminal: the verdict first, then the findings grouped by model
/// (location, severity, rule, message, who is reached and who to tell), the impact with stale
/// dashboards marked, and the catalog's completeness.
///
/// Colour is used only when `useColor` is true; the CLI decides that (a TTY and no
/// `NO_COLOR`). Repository and catalog text never reaches the terminal raw: escape sequences
/// and control characters are removed so data cannot move the cursor or recolour the screen.
public struct TextReporter: Reporter {
    public let useColor: Bool

    public init(useColor: Bool) {
        self.useColor = useColor
    }

    public var format: ReportFormat { .text }

    public func render(_ report: Report) -> Data {
        Data(renderLines(report).map { Self.inertInCILogs($0) + "\n" }.joined().utf8)
    }

    /// CI runners read a log line as a command when, after leading whitespace, it starts with
    /// `::` (GitHub Actions) or `##[` / `##vso[` (older runners, Azure Pipelines). A line built
    /// from repository data (a model named `::error::x`, a message line) gets a visible marker
    /// in front so it stays text.
    static func inertInCILogs(_ line: String) -> String {
        let start = line.firstIndex { !$0.isWhitespace } ?? line.endIndex
        let rest = line[start...]
        guard rest.hasPrefix("::") || rest.hasPrefix("##") else { return line }
        return line[..<start] + "» " + rest
    }

    private enum Style: String {
        case bold = "1", dim = "2", red = "31", green = "32", yellow = "33", cyan = "36"
    }

    private func styled(_ text: String, _ styles: Style...) -> String {
        guard useColor, !styles.isEmpty else { return text }
        return "\u{1B}[" + styles.map(\.rawValue).joined(separator: ";") + "m" + text + "\u{1B}[0m"
    }

    /// Repository data, safe for the terminal, on one line.
    private func clean(_ text: String) -> String { TerminalText.sanitize(text) }

    func renderLines(_ report: Report) -> [String] {
        let facts = ReportFacts(report)
        var lines: [String] = []
        let verdict = report.verdict == .pass ? styled("PASS", .bold, .green) : styled("FAIL", .bold, .red)
        lines.append("contract-gate: \(verdict) — \(facts.countsPhrase) · \(facts.downstreamPhrase)")
        lines.append("base \(clean(report.base)) → head \(clean(report.head)) · \(catalogLine(report.catalog))")

        let findings = facts.findings.filter { $0.severity != .off }
        if findings.isEmpty {
            lines.append("")
            lines.append("No findings.")
        }
        let noModel = "(no model)"
        let groups = Dictionary(grouping: findings) { $0.model ?? noModel }
        let order = groups.keys.sorted { a, b in
            if (a == noModel) != (b == noModel) { return b == noModel }
            return a < b
        }
        for model in order {
            lines.append("")
            lines.append(styled(model == noModel ? noModel : clean(model), .bold))
            for finding in groups[model] ?? [] {
                lines += findingLines(finding)
            }
        }

        let impact = facts.impact.filter { !$0.downstream.isEmpty }
        if !impact.isEmpty {
            lines.append("")
            lines.append(styled("Impact", .bold))
            for entry in impact {
                let truncated = entry.truncated ? " (walk cut by its depth or node budget)" : ""
                lines.append("  \(clean(entry.model)) → \(ReportFacts.plural(entry.downstream.count, "downstream resource"))\(truncated)")
                for node in entry.downstream {
                    lines.append("    " + nodeLine(node))
                }
            }
        }

        let affected = facts.affectedOwners
        if !affected.isEmpty {
            lines.append("")
            lines.append(styled("Who is affected", .bold))
            for group in affected { lines.append("  " + ownerLine(group)) }
        }
        let staleOwners = facts.staleOwners
        if !staleOwners.isEmpty {
            lines.append("")
            lines.append(styled("Ask before deprecating", .bold) + " (dashboards with no recorded usage)")
            for group in staleOwners { lines.append("  " + ownerLine(group)) }
        }

        let rules = facts.firedRules
        if !rules.isEmpty {
            lines.append("")
            lines.append(styled("Rules", .bold) + " (`contract-gate explain RULE_ID` prints the rule with examples)")
            for rule in rules {
                lines.append("  \(clean(rule.id))" + (rule.helpURI.map { " · " + clean($0) } ?? ""))
            }
        }

        let diagnostics = report.diagnostics.filter { $0.severity != .off }
        if !diagnostics.isEmpty {
            lines.append("")
            lines.append(styled("Diagnostics", .bold))
            for diagnostic in diagnostics {
                let place = diagnostic.location.map { clean($0.description) + ": " } ?? ""
                lines.append("  \(place)\(severityWord(diagnostic.severity)): \(clean(diagnostic.message))")
            }
        }
        return lines
    }

    private func severityWord(_ severity: Severity) -> String {
        switch severity {
        case .error: styled("error", .bold, .red)
        case .warning: styled("warning", .bold, .yellow)
        case .notice, .off: styled("notice", .cyan)
        }
    }

    private func findingLines(_ finding: Finding) -> [String] {
        let place = finding.location.map { clean($0.description) } ?? "(no location)"
        let level = finding.waived ? styled("waived", .dim) : severityWord(finding.severity)
        let column = finding.column.map { " column \(clean($0))" } ?? ""
        var lines = ["  \(place): \(level) \(clean(finding.rule))\(column)"]
        let indent = "      "
        // A message may span lines; each continuation is indented so it cannot pose as a finding.
        for line in TerminalText.sanitize(finding.message, keepNewlines: true).split(separator: "\n", omittingEmptySubsequences: false) {
            lines.append(indent + (finding.waived ? styled(String(line), .dim) : String(line)))
        }
        if finding.downstream > 0 || !finding.consumers.isEmpty {
            var reach = "reaches \(ReportFacts.plural(finding.downstream, "downstream resource"))"
            if !finding.consumers.isEmpty {
                let shown = finding.consumers.prefix(8).map(clean).joined(separator: ", ")
                reach += ": \(shown)" + (finding.consumers.count > 8 ? " and \(finding.consumers.count - 8) more" : "")
            }
            lines.append(indent + reach)
        }
        if !finding.owners.isEmpty {
            lines.append(indent + "owners: " + finding.owners.map(clean).joined(separator: ", "))
        }
        if finding.waived {
            var waived = "waived"
            if let waiver = finding.waiver {
                waived += ": \(clean(waiver.reason))"
                if let approvedBy = waiver.approvedBy { waived += " (approved by \(clean(approvedBy)))" }
                if let expires = waiver.expires { waived += ", expires \(clean(expires))" }
            }
            lines.append(indent + styled(waived, .dim))
        }
        return lines
    }

    /// "Finance (alice@shop.com, bob@shop.com): Revenue Overview, Finance Export".
    private func ownerLine(_ group: OwnerGroup) -> String {
        let resources = clean(ReportFacts.shortList(group.resources, limit: 15))
        guard let name = group.name else { return "no known owner: \(resources)" }
        return styled(clean(name), .bold) + (group.contact.map { " " + clean($0) } ?? "") + ": " + resources
    }

    private func nodeLine(_ node: DownstreamNode) -> String {
        var parts = ["\(clean(node.name)) (\(clean(node.type)), depth \(node.depth))"]
        if let usage = node.usage {
            let external = usage.externalViews.map(String.init) ?? "-"
            let `internal` = usage.internalViews.map(String.init) ?? "-"
            parts.append("usage \(external) external / \(`internal`) internal")
        }
        if !node.owners.isEmpty {
            parts.append("owners: " + node.owners.distinctNames.map(clean).joined(separator: ", "))
        }
        if node.verified { parts.append("verified") }
        if node.pii { parts.append("PII") }
        if node.stale { parts.append(styled("stale: deprecation candidate", .yellow)) }
        return parts.joined(separator: " · ")
    }

    private func catalogLine(_ catalog: CatalogStatus) -> String {
        let sources = catalog.sources.isEmpty ? "none" : catalog.sources.map(clean).joined(separator: ", ")
        guard !catalog.complete else { return "catalog: \(sources)" }
        var line = "catalog: \(sources) — " + styled("impact may be incomplete", .yellow)
        if !catalog.errors.isEmpty { line += " (" + catalog.errors.map(clean).joined(separator: "; ") + ")" }
        return line
    }
}
