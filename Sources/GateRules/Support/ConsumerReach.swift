import GateModel

/// Which downstream resources a breaking finding reaches: the evidence behind consumer-aware severity.
///
/// A model-level break reaches everything downstream. A column-level break reaches the nodes that
/// use the column (by `ModelImpact.columnUsers`), everything reached through them, and — because
/// absence of evidence is not evidence of absence — any *direct* consumer that is not a dbt model
/// (nor a semantic model) and has no column evidence at all (a dashboard or export reading the table without column lineage).
public enum ConsumerReach {
    /// All nodes (stale ones included) a finding reaches, in downstream order.
    public static func nodes(reachedBy finding: Finding, in impact: ModelImpact?) -> [DownstreamNode] {
        guard let impact else { return [] }
        guard let column = finding.column else { return impact.downstream }
        return nodes(reachedByColumn: column, in: impact)
    }

    /// Node types whose column use is always known: a dbt model's SQL, and a semantic model's
    /// entities, dimensions and measures. Naming none of a model's columns is evidence they are unused.
    static let columnsKnown: Set<String> = ["model", "semantic_model"]

    public static func nodes(reachedByColumn column: String, in impact: ModelImpact) -> [DownstreamNode] {
        let users = Set(impact.users(ofColumn: column).map(\.id))
        let withEvidence = Set(impact.columnUsers.values.flatMap { $0 })
        var reached: Set<String> = []
        var result: [DownstreamNode] = []
        // Parents come before children when walked by depth (the walk is breadth-first).
        let ordered = impact.downstream.enumerated().sorted { ($0.element.depth, $0.offset) < ($1.element.depth, $1.offset) }
        for (_, node) in ordered {
            let direct = node.parentId == nil
            let unknownDirect = direct && !Self.columnsKnown.contains(node.type) && !withEvidence.contains(node.id)
            let viaParent = node.parentId.map(reached.contains) ?? false
            if users.contains(node.id) || unknownDirect || viaParent {
                reached.insert(node.id)
                result.append(node)
            }
        }
        return result
    }

    /// Consumers to protect (stale dashboards left out), most important first: dashboards, then by
    /// usage, depth and name.
    public static func consumers(reachedBy finding: Finding, in impact: ModelImpact?) -> [DownstreamNode] {
        ranked(nodes(reachedBy: finding, in: impact).filter { !$0.stale })
    }

    public static func ranked(_ nodes: [DownstreamNode]) -> [DownstreamNode] {
        nodes.sorted { a, b in
            if a.isDashboardLike != b.isDashboardLike { return a.isDashboardLike }
            let ua = a.usage?.total ?? 0, ub = b.usage?.total ?? 0
            if ua != ub { return ua > ub }
            if a.depth != b.depth { return a.depth < b.depth }
            return a.name < b.name
        }
    }

    /// "Revenue (dashboard, 40 views)".
    package static func label(_ node: DownstreamNode) -> String {
        var parts = [node.type]
        if let usage = node.usage, node.isDashboardLike { parts.append("\(usage.total) view\(usage.total == 1 ? "" : "s")") }
        return "`\(node.name)` (\(parts.joined(separator: ", ")))"
    }
}
