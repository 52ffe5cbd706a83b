import GateModel

/// What several reporters say the same way: counts, the verdict line, consumer lists.
/// Everything here is derived from the `Report` alone.
struct ReportFacts {
    let report: Report
    /// Deduplicated, in buf's order (path, line, column, rule, message).
    let findings: [Finding]
    /// Counts over `findings`, so the numbers a reporter prints match the rows it lists.
    let summary: ReportSummary

    init(_ report: Report) {
        self.report = report
        self.findings = report.sortedFindings.sorted(by: ReportFacts.totalOrder)
        var summary = ReportSummary(findings: findings, impact: report.impact)
        // The pipeline's downstream count may include nodes the impact list does not carry.
        summary.downstream = max(summary.downstream, report.summary.downstream)
        self.summary = summary
    }

    /// buf's order, then every other field as a tie-breaker, so findings that agree on path,
    /// line, column, rule, model and message (but not, say, column) come out in the same order
    /// whatever order the pipeline produced them in.
    static func totalOrder(_ a: Finding, _ b: Finding) -> Bool {
        if Finding.reportOrder(a, b) { return true }
        if Finding.reportOrder(b, a) { return false }
        let left = [a.column ?? "", a.severity.rawValue, a.category.rawValue, a.waived ? "1" : "0", String(a.downstream),
                    a.consumers.joined(separator: "\u{0}"), a.owners.joined(separator: "\u{0}"), a.contract ?? "",
                    a.waiver?.reason ?? "", a.location.map { "\($0.endLine ?? 0):\($0.endColumn ?? 0)" } ?? ""]
        let right = [b.column ?? "", b.severity.rawValue, b.category.rawValue, b.waived ? "1" : "0", String(b.downstream),
                     b.consumers.joined(separator: "\u{0}"), b.owners.joined(separator: "\u{0}"), b.contract ?? "",
                     b.waiver?.reason ?? "", b.location.map { "\($0.endLine ?? 0):\($0.endColumn ?? 0)" } ?? ""]
        return left.lexicographicallyPrecedes(right)
    }

    var unwaived: [Finding] { findings.filter { !$0.waived && $0.severity != .off } }
    var waived: [Finding] { findings.filter(\.waived) }

    /// Impact sorted by model, each downstream list by depth, name, id.
    var impact: [ModelImpact] { Self.ordered(report.impact) }

    /// The order every JSON document lists impacts in (`check`'s report, `impact`'s listing).
    static func ordered(_ impacts: [ModelImpact]) -> [ModelImpact] {
        impacts
            .map { impact in
                var copy = impact
                copy.downstream = impact.downstream.sorted(by: ReportFacts.downstreamOrder)
                return copy
            }
            .sorted { ($0.model, $0.catalogId ?? "") < ($1.model, $1.catalogId ?? "") }
    }

    static func downstreamOrder(_ a: DownstreamNode, _ b: DownstreamNode) -> Bool {
        (a.depth, a.name, a.type, a.id) < (b.depth, b.name, b.type, b.id)
    }

    /// "3 errors, 2 warnings, 1 notice, 2 waived".
    var countsPhrase: String {
        [
            Self.plural(summary.errors, "error"),
            Self.plural(summary.warnings, "warning"),
            Self.plural(summary.notices, "notice"),
            "\(summary.waived) waived",
        ].joined(separator: ", ")
    }

    /// "3 downstream resources".
    var downstreamPhrase: String {
        summary.downstream == 1 ? "1 downstream resource" : "\(summary.downstream) downstream resources"
    }

    static func plural(_ count: Int, _ noun: String) -> String {
        count == 1 ? "1 \(noun)" : "\(count) \(noun)s"
    }

    /// `model.column`, `model`, `column` or nil.
    static func subject(of finding: Finding) -> String? {
        switch (finding.model, finding.column) {
        case let (model?, column?): "\(model).\(column)"
        case let (model?, nil): model
        case let (nil, column?): column
        case (nil, nil): nil
        }
    }

    /// The model's file as the changes list records it, for formats that need a path
    /// even when a finding has no location.
    func changePath(ofModel model: String?) -> String? {
        guard let model else { return nil }
        return report.changes.filter { $0.model == model }.map(\.path).min()
    }
}

extension Severity {
    /// The word reports print; `notice` for the lowest level that shows.
    var label: String { rawValue }
}

extension Array where Element == Owner {
    /// The owners' names as a report lists them, told apart where two share a name (a Secoda
    /// group and a dbt exposure owner both called "Finance"): by email, else by kind.
    var distinctNames: [String] {
        let counts = Dictionary(map { ($0.displayName, 1) }, uniquingKeysWith: +)
        return map { owner in
            guard counts[owner.displayName, default: 0] > 1 else { return owner.displayName }
            if let email = owner.email, email != owner.displayName { return "\(owner.displayName) <\(email)>" }
            return "\(owner.displayName) (\(owner.kind))"
        }
    }
}
