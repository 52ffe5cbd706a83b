import GateModel
import GateRules

/// Where findings land and how often they are counted, once every rule has run: one problem, one
/// finding, at a line an annotation can land on.
extension RuleEngine {
    /// MODEL_NO_DELETE for a model whose file is gone points at a head line that still calls it
    /// (`ref('stg_orders')` in `customers.sql`) — the place to fix, and a file that exists at head —
    /// rather than at the deleted file or property entry. Model readers first, then snapshots and
    /// exposures, each in file order. Without such a call it stays at the model's base entry.
    func placedAtDanglingCall(_ finding: Finding, change: ModelChange) -> Finding {
        guard finding.rule == ModelNoDeleteRule.description.id, change.head == nil, let old = change.base?.name else {
            return finding
        }
        // A removed version (`dim_customers.v1`) is found by the calls that name that version.
        let version = change.name.hasPrefix(old + ".v") ? String(change.name.dropFirst(old.count + 2)) : nil
        let calls = build.danglingReferences.filter {
            $0.resolvedAtBase && $0.targetType == "model" && $0.targetName == old && (version == nil || $0.version == version)
        }
        guard let first = calls.min(by: { ($0.referrerType == "model" ? 0 : 1, $0.location) < ($1.referrerType == "model" ? 0 : 1, $1.location) })
        else { return finding }
        var placed = finding
        placed.location = first.location
        return placed
    }

    /// A DOWNSTREAM_DASHBOARD_IN_USE finding names the dashboards, but the breaks that reach them
    /// are already raised to its severity (`raiseForDashboards`): as a second error it would count
    /// one change twice ("2 changes, 3 errors"). It stays as a notice that explains the raise.
    static func countedOnce(_ finding: Finding) -> Finding {
        guard finding.rule == DownstreamDashboardInUseRule.description.id, finding.severity > .notice else { return finding }
        var notice = finding
        notice.message += " The breaks that reach \(finding.consumers.count == 1 ? "it" : "them") are raised to "
            + "\(finding.severity.rawValue) instead of being counted again here."
        notice.severity = .notice
        return notice
    }

    /// Findings of one rule at one line of a `dbt_project.yml` (a `+contract`/`+materialized`
    /// folder config) are one change: they become one finding at that line that lists the models
    /// it affects, instead of one per model. Findings that differ in severity, contract or waiver
    /// stay apart, so nothing is lowered or waived by the merge.
    static func mergedProjectFileFindings(_ findings: [Finding]) -> [Finding] {
        struct Key: Hashable {
            var rule: String
            var location: SourceLocation
            var severity: Severity
            var waived: Bool
            var contract: String?
            var waiver: WaiverReference?
        }
        var groups: [Key: [Int]] = [:]
        for (index, finding) in findings.enumerated() {
            guard let location = finding.location, location.path == "dbt_project.yml" || location.path.hasSuffix("/dbt_project.yml"),
                  finding.column == nil, finding.model != nil else { continue }
            groups[Key(rule: finding.rule, location: location, severity: finding.severity, waived: finding.waived,
                       contract: finding.contract, waiver: finding.waiver), default: []].append(index)
        }
        var replaced: [Int: Finding] = [:]
        var dropped = Set<Int>()
        for indices in groups.values where indices.count > 1 {
            let members = indices.map { findings[$0] }.sorted { ($0.model ?? "") < ($1.model ?? "") }
            let names = members.compactMap(\.model)
            let shown = names.prefix(10).map { "`\($0)`" }.joined(separator: ", ")
                + (names.count > 10 ? " and \(names.count - 10) more" : "")
            var merged = members[0]
            merged.model = nil
            merged.message = "This line of dbt_project.yml affects \(names.count) models (\(shown)). For `\(names[0])`: "
                + members[0].message
            merged.downstream = members.map(\.downstream).reduce(0, +)
            merged.consumers = unique(members.flatMap(\.consumers))
            merged.owners = unique(members.flatMap(\.owners))
            merged.mentions = unique(members.flatMap(\.mentions))
            let first = indices.min() ?? indices[0]
            replaced[first] = merged
            dropped.formUnion(indices.filter { $0 != first })
        }
        return findings.indices.compactMap { dropped.contains($0) ? nil : replaced[$0] ?? findings[$0] }
    }

    private static func unique(_ items: [String]) -> [String] {
        var seen = Set<String>()
        return items.filter { seen.insert($0).inserted }
    }
}
