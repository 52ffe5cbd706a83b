import Foundation
import GateModel

/// A pull request comment or job summary: the verdict, a findings table, the impact table
/// (downstream resources with type, owners, usage and staleness), the waivers applied and the
/// catalog's completeness. Always under `maxCharacters` (GitHub rejects comments over 65,536):
/// when the report is larger, rows are dropped from the end and the comment says what was cut.
/// Repository and catalog text is escaped so it cannot break a table, open HTML or mention
/// anyone.
public struct MarkdownReporter: Reporter {
    /// GitHub's limit for an issue or pull request comment body.
    public static let defaultCharacterLimit = 65_536
    /// Room kept for the truncation notes, so they always fit.
    static let noteReserve = 1_200
    /// A single cell longer than this is cut, so one huge message cannot crowd out the rest.
    static let maxCellCharacters = 1_000

    /// The most the rendered body may hold, counted in UTF-8 bytes (never fewer than characters).
    public let maxCharacters: Int

    public init(maxCharacters: Int = MarkdownReporter.defaultCharacterLimit) {
        self.maxCharacters = max(maxCharacters, Self.noteReserve * 2)
    }

    public var format: ReportFormat { .markdown }

    public func render(_ report: Report) -> Data {
        Data(renderMarkdown(report).utf8)
    }

    /// Accumulates the body and stops taking rows once the budget is spent.
    private struct Body {
        let budget: Int
        var text = ""
        var exhausted = false

        mutating func add(_ chunk: String) { text += chunk }

        /// Adds a row if it fits; once one does not, no later row is taken (order is priority).
        mutating func addRow(_ row: String) -> Bool {
            guard !exhausted, text.utf8.count + row.utf8.count <= budget else {
                exhausted = true
                return false
            }
            text += row
            return true
        }
    }

    func renderMarkdown(_ report: Report) -> String {
        let facts = ReportFacts(report)
        var body = Body(budget: maxCharacters - Self.noteReserve)
        var omitted: [String] = []

        let icon = report.verdict == .pass ? "✅" : "❌"
        body.add("## \(icon) contract-gate: \(report.verdict.rawValue)\n\n")
        body.add("**\(facts.countsPhrase)** · \(facts.downstreamPhrase) · \(MarkdownText.code(Self.short(report.base), inTable: false)) → \(MarkdownText.code(Self.short(report.head), inTable: false))\n\n")
        body.add(catalogNote(report.catalog))

        let unwaived = facts.unwaived
        if unwaived.isEmpty {
            body.add("No unwaived findings.\n\n")
        } else {
            body.add("### Findings\n\n| Severity | Rule | Model / column | Location | Message |\n| --- | --- | --- | --- | --- |\n")
            var shown = 0
            for finding in unwaived {
                let row = "| \(Self.severityCell(finding.severity)) | \(Self.ruleCell(finding.rule, helpURI: facts.helpURI(of: finding.rule))) | "
                    + "\(Self.cell(ReportFacts.subject(of: finding) ?? "—")) | \(Self.locationCell(finding.location)) | "
                    + "\(MarkdownText.defuseMentions(Self.cell(Self.messageWithReach(finding)))) |\n"
                guard body.addRow(row) else { break }
                shown += 1
            }
            if shown < unwaived.count {
                let count = unwaived.count - shown
                body.add("\n_… \(ReportFacts.plural(count, "more finding")) not shown._\n")
                omitted.append(ReportFacts.plural(count, "finding"))
            }
            body.add("\n_Each rule links to its reference; `contract-gate explain RULE_ID` prints it with examples._\n\n")
        }

        let impact = facts.impact.filter { !$0.downstream.isEmpty }
        let impactRows = impact.reduce(0) { $0 + $1.downstream.count }
        if impactRows > 0 {
            body.add("### Impact\n\n| Changed model | Downstream | Type | Depth | Owners | Usage (external / internal) | Status |\n| --- | --- | --- | --- | --- | --- | --- |\n")
            var shown = 0
            rows: for entry in impact {
                for node in entry.downstream {
                    let owners = node.owners.isEmpty ? "—" : node.owners.distinctNames.map { MarkdownText.code($0) }.joined(separator: " ")
                    let row = "| \(Self.cell(entry.model)) | \(Self.cell(node.name)) | \(Self.cell(node.type)) | "
                        + "\(node.depth) | \(owners) | \(Self.usageCell(node.usage)) | \(Self.statusCell(node)) |\n"
                    guard body.addRow(row) else { break rows }
                    shown += 1
                }
            }
            if shown < impactRows {
                let count = impactRows - shown
                body.add("\n_… \(ReportFacts.plural(count, "more downstream resource")) not shown._\n")
                omitted.append(ReportFacts.plural(count, "downstream resource"))
            }
            if impact.contains(where: \.truncated) {
                body.add("\n_The lineage walk stopped at its depth or node budget; more may be downstream._\n")
            }
            body.add("\n")
        }

        let affected = facts.affectedOwners
        if !affected.isEmpty {
            body.add("### Who is affected\n\n")
            for group in affected {
                guard body.addRow("- \(Self.ownerLine(group))\n") else {
                    omitted.append("owners")
                    break
                }
            }
            body.add("\n")
        }
        let staleOwners = facts.staleOwners
        if !staleOwners.isEmpty {
            body.add("### Ask before deprecating\n\nThese dashboards have no recorded usage; ask their owners before deprecating them instead of keeping them working:\n\n")
            for group in staleOwners {
                guard body.addRow("- \(Self.ownerLine(group))\n") else {
                    omitted.append("stale dashboard owners")
                    break
                }
            }
            body.add("\n")
        }
        let mentions = facts.mentions
        if !mentions.isEmpty {
            // The contract asked for these (`notify:` with `handles:`); the only live mentions in the comment.
            body.add("**Notify:** \(mentions.joined(separator: " "))\n\n")
        }

        let waived = facts.waived
        if !waived.isEmpty {
            body.add("### Waivers applied\n\n| Rule | Model / column | Reason | Approved by | Expires |\n| --- | --- | --- | --- | --- |\n")
            var shown = 0
            for finding in waived {
                let waiver = finding.waiver
                let row = "| \(MarkdownText.code(finding.rule)) | \(Self.cell(ReportFacts.subject(of: finding) ?? "—")) | "
                    + "\(Self.cell(waiver?.reason ?? "—")) | \(waiver?.approvedBy.map { MarkdownText.code($0) } ?? "—") | "
                    + "\(Self.cell(waiver?.expires ?? "—")) |\n"
                guard body.addRow(row) else { break }
                shown += 1
            }
            if shown < waived.count {
                let count = waived.count - shown
                body.add("\n_… \(ReportFacts.plural(count, "more waiver")) not shown._\n")
                omitted.append(ReportFacts.plural(count, "waiver"))
            }
            body.add("\n")
        }

        let diagnostics = report.diagnostics.filter { $0.severity != .off }
        if !diagnostics.isEmpty {
            body.add("### Diagnostics\n\n")
            var shown = 0
            for diagnostic in diagnostics {
                let place = diagnostic.location.map { " (\(MarkdownText.code($0.description, inTable: false)))" } ?? ""
                let row = "- **\(diagnostic.severity.label)**\(place): \(MarkdownText.inline(Self.clip(diagnostic.message)))\n"
                guard body.addRow(row) else { break }
                shown += 1
            }
            if shown < diagnostics.count {
                let count = diagnostics.count - shown
                body.add("- _… \(ReportFacts.plural(count, "more diagnostic")) not shown._\n")
                omitted.append(ReportFacts.plural(count, "diagnostic"))
            }
            body.add("\n")
        }

        if !omitted.isEmpty {
            body.add("> **Truncated:** this comment is limited to \(maxCharacters) characters, so "
                + "\(omitted.joined(separator: ", ")) were left out. The full list is in the JSON or SARIF report.\n\n")
        }
        body.add("<sub>contract-gate \(MarkdownText.inline(report.tool.version))</sub>\n")
        return Self.enforceLimit(body.text, maxCharacters: maxCharacters)
    }

    /// The last guard: the rows are budgeted, but headers are not, so a pathological header
    /// (thousands of catalog sources) is still cut rather than rejected by GitHub.
    static func enforceLimit(_ text: String, maxCharacters: Int) -> String {
        guard text.utf8.count > maxCharacters else { return text }
        let note = "\n\n> **Truncated:** this comment was cut at \(maxCharacters) characters.\n"
        return GitHubStepSummary.prefix(of: text, maxBytes: maxCharacters - note.utf8.count) + note
    }

    private func catalogNote(_ catalog: CatalogStatus) -> String {
        let sources = catalog.sources.isEmpty ? "none" : catalog.sources.map { MarkdownText.inline($0) }.joined(separator: ", ")
        var note = ""
        if catalog.complete {
            note = "Catalog: \(sources) (complete)"
        } else {
            note = "> ⚠️ **Impact may be incomplete.** Catalog sources used: \(sources)."
            if !catalog.errors.isEmpty {
                let errors = catalog.errors.prefix(5).map { MarkdownText.inline(Self.clip($0, to: 300)) }
                note += " Errors: " + errors.joined(separator: "; ")
                if catalog.errors.count > 5 { note += "; and \(catalog.errors.count - 5) more" }
                note += "."
            }
        }
        if let taken = catalog.snapshotTakenAt {
            note += catalog.complete ? "; snapshot taken \(MarkdownText.inline(taken))" : " Snapshot taken \(MarkdownText.inline(taken))."
        }
        return note + "\n\n"
    }

    static func messageWithReach(_ finding: Finding) -> String {
        var text = finding.message
        if finding.downstream > 0 {
            text += "\nReaches \(ReportFacts.plural(finding.downstream, "downstream resource"))"
            if !finding.consumers.isEmpty {
                let shown = finding.consumers.prefix(10).joined(separator: ", ")
                text += ": \(shown)" + (finding.consumers.count > 10 ? " and \(finding.consumers.count - 10) more" : "")
            }
            text += "."
        }
        // Whom it affects, by name; handles here never ping (the Notify line is the only live mention).
        if !finding.owners.isEmpty {
            text += "\nOwners: " + finding.owners.prefix(10).joined(separator: ", ")
                + (finding.owners.count > 10 ? " and \(finding.owners.count - 10) more" : "") + "."
        }
        return text
    }

    /// "**Finance** (alice@shop.com, bob@shop.com): Revenue Overview, Finance Export".
    static func ownerLine(_ group: OwnerGroup) -> String {
        let resources = MarkdownText.quiet(clip(ReportFacts.shortList(group.resources, limit: 15), to: 600))
        guard let name = group.name else { return "_No known owner:_ \(resources)" }
        let contact = group.contact.map { " " + MarkdownText.quiet(clip($0, to: 300)) } ?? ""
        return "**\(MarkdownText.quiet(clip(name, to: 200)))**\(contact): \(resources)"
    }

    /// The rule ID as code, linked to its reference when the report knows where that is.
    static func ruleCell(_ rule: String, helpURI: String?) -> String {
        let code = MarkdownText.code(rule)
        guard let helpURI, helpURI.hasPrefix("https://"),
              !helpURI.contains(where: { $0 == ")" || $0 == " " || $0 == "|" || $0.isNewline }) else { return code }
        return "[\(code)](\(helpURI))"
    }

    static func cell(_ text: String) -> String {
        MarkdownText.cell(clip(text))
    }

    static func clip(_ text: String, to limit: Int = maxCellCharacters) -> String {
        text.count <= limit ? text : String(text.prefix(limit)) + " …"
    }

    static func severityCell(_ severity: Severity) -> String {
        switch severity {
        case .error: "🛑 error"
        case .warning: "⚠️ warning"
        case .notice, .off: "ℹ️ notice"
        }
    }

    static func locationCell(_ location: SourceLocation?) -> String {
        guard let location else { return "—" }
        return MarkdownText.code(clip("\(location.path):\(location.line)", to: 300))
    }

    static func usageCell(_ usage: Usage?) -> String {
        guard let usage else { return "—" }
        return "\(usage.externalViews.map(String.init) ?? "—") / \(usage.internalViews.map(String.init) ?? "—")"
    }

    static func statusCell(_ node: DownstreamNode) -> String {
        var marks: [String] = []
        if node.stale { marks.append("stale (deprecation candidate)") }
        else if node.isDashboardLike { marks.append("in use") }
        if node.verified { marks.append("verified") }
        if node.pii { marks.append("PII") }
        return marks.isEmpty ? "—" : marks.joined(separator: ", ")
    }

    /// A commit id shortened to 12 characters; WORKTREE / INDEX and ref names stay as they are.
    static func short(_ revision: String) -> String {
        let isHex = revision.count >= 20 && revision.allSatisfy(\.isHexDigit)
        return isHex ? String(revision.prefix(12)) : revision
    }
}
