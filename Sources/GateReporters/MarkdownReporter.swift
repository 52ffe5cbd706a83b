import Foundation
import GateModel

/// A pull request comment or job summary: the verdict, a findings table, the impact table
/// (downstream resources with type, owners, usage and staleness), the waivers applied and the
/// catalog's completeness. Always under `maxCharacters` (GitHub rejects comments over 65,536):
/// when the report is larger, rows are dropped from the end and the comment says what was cut.
/// Repository and catalog text is escaped so it cannot break a table, open HTML or mention
/// anyone; identifiers (models, columns, rules, paths) are code spans.
///
/// For `contract-gate comment` the body starts with a hidden marker (`marker`), by which the
/// comment is found and updated in place. With `links`, each location links to its file line at
/// the checked commit. A downstream resource with a catalog URL links to it. Each unwaived
/// BREAKING or IMPACT finding gets a waiver ready to paste into its contract.
public struct MarkdownReporter: Reporter {
    /// The hidden first line `contract-gate comment` finds its comment by.
    public static let marker = "<!-- contract-gate:report -->"
    /// GitHub's limit for an issue or pull request comment body.
    public static let defaultCharacterLimit = 65_536
    /// Room kept for the truncation notes, so they always fit.
    static let noteReserve = 1_200
    /// A single cell longer than this is cut, so one huge message cannot crowd out the rest.
    static let maxCellCharacters = 1_000

    /// The most the rendered body may hold, counted in UTF-8 bytes (never fewer than characters).
    public let maxCharacters: Int
    /// Where file lines can be read on the code host (nil: locations are not linked).
    public let links: SourceLinks?

    public init(maxCharacters: Int = MarkdownReporter.defaultCharacterLimit, links: SourceLinks? = nil) {
        self.maxCharacters = max(maxCharacters, Self.noteReserve * 2)
        self.links = links
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
        body.add(Self.marker + "\n")
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
                    + "\(Self.subjectCell(finding)) | \(Self.locationCell(finding.location, links: links)) | "
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
            let waivable = unwaived.filter(Self.isWaivable)
            if !waivable.isEmpty {
                let header = "### Waivers to paste\n\nIf a break is intended and its consumers agreed, this under `waivers:` "
                    + "in the contract named lets it pass; fill in why, who approved it and until when. Waivers are read "
                    + "from the base branch, so land the waiver in a pull request of its own first.\n\n"
                var shownWaivers = 0
                for finding in waivable {
                    let snippet = Self.waiverSnippet(for: finding)
                    guard body.addRow(shownWaivers == 0 ? header + snippet : snippet) else { break }
                    shownWaivers += 1
                }
                if shownWaivers < waivable.count {
                    omitted.append(ReportFacts.plural(waivable.count - shownWaivers, "waiver snippet"))
                }
            }
        }

        let impact = facts.impact.filter { !$0.downstream.isEmpty }
        let impactRows = impact.reduce(0) { $0 + $1.downstream.count }
        if impactRows > 0 {
            body.add("### Impact\n\n| Changed model | Downstream | Type | Depth | Owners | Usage (external / internal) | Status |\n| --- | --- | --- | --- | --- | --- | --- |\n")
            var shown = 0
            rows: for entry in impact {
                for node in entry.downstream {
                    let owners = node.owners.isEmpty ? "—" : node.owners.distinctNames.map { MarkdownText.code($0) }.joined(separator: " ")
                    let row = "| \(MarkdownText.code(entry.model)) | \(Self.downstreamCell(node)) | \(Self.cell(node.type)) | "
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
                let row = "| \(MarkdownText.code(finding.rule)) | \(Self.subjectCell(finding)) | "
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

    /// `path:line` as code, linked to that line at the checked commit when the links are known.
    static func locationCell(_ location: SourceLocation?, links: SourceLinks? = nil) -> String {
        guard let location else { return "—" }
        let code = MarkdownText.code(clip("\(location.path):\(location.line)", to: 300))
        guard let links, location.path.utf8.count <= 1_000 else { return code }
        return "[\(code)](\(links.url(path: location.path, line: location.line)))"
    }

    /// The model, or `model.column`, as code.
    static func subjectCell(_ finding: Finding) -> String {
        guard let subject = ReportFacts.subject(of: finding) else { return "—" }
        return MarkdownText.code(clip(subject, to: 300))
    }

    /// A dbt model's name as code, a catalog resource's title as text; linked to the resource's
    /// catalog URL when it has a safe one.
    static func downstreamCell(_ node: DownstreamNode) -> String {
        let name = node.type == "model" ? MarkdownText.code(clip(node.name, to: 300)) : cell(node.name)
        guard let url = node.url.flatMap(MarkdownText.linkTarget) else { return name }
        return "[\(name)](\(url))"
    }

    /// Breaking and impact findings about a model can be waived; a BUILD finding (the next
    /// `dbt build` fails) or a finding about the contracts themselves is fixed, not waived.
    static func isWaivable(_ finding: Finding) -> Bool {
        (finding.category == .breaking || finding.category == .impact) && !(finding.model ?? "").isEmpty
    }

    /// A collapsed block holding the YAML of a waiver for `finding`, to paste under `waivers:`.
    static func waiverSnippet(for finding: Finding) -> String {
        let subject = ReportFacts.subject(of: finding) ?? ""
        var yaml = "- rule: \(WaiverYAML.scalar(finding.rule))\n  model: \(WaiverYAML.scalar(finding.model ?? ""))\n"
        if let column = finding.column, !column.isEmpty { yaml += "  column: \(WaiverYAML.scalar(column))\n" }
        yaml += "  reason: \"<why this break is acceptable, and that its consumers agreed>\"\n"
        yaml += "  approved_by: \"<who approved it>\"\n"
        yaml += "  # expires: YYYY-MM-DD   # optional: the last day it applies\n"
        let place = finding.contract.map { "contract <code>\(MarkdownText.html(clip($0, to: 200)))</code>" } ?? "the contract that selects it"
        let summary = "Waive <code>\(MarkdownText.html(finding.rule))</code> on <code>\(MarkdownText.html(clip(subject, to: 300)))</code> in \(place)"
        let fence = MarkdownText.fence(for: yaml)
        return "<details><summary>\(summary)</summary>\n\n\(fence)yaml\n\(yaml)\(fence)\n\n</details>\n\n"
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
