/// One node of the dbt project's own lineage graph (models, sources, seeds, snapshots, exposures).
public struct ProjectGraphNode: Sendable, Hashable, Codable {
    /// dbt's unique_id, e.g. `model.shop.fct_orders`, `exposure.shop.revenue`, `source.shop.raw.orders`.
    public var id: String
    public var name: String
    /// `model`, `exposure`, `source`, `seed`, `snapshot`, `semantic_model`, `metric`, `saved_query`.
    public var type: String
    /// The warehouse relation, for nodes that have one (used to merge with catalog tables).
    public var relation: Relation?
    /// The defining file, when known.
    public var path: String?
    public var owners: [Owner]
    public var tags: [String]
    /// unique_ids of the nodes that read from this one.
    public var children: [String]
    /// An exposure's `url` (the dashboard or app it describes), used to merge it with the
    /// catalog's dashboard at that address.
    public var url: String?
    /// An exposure's or semantic-layer node's `label` (its human name, often the dashboard's title).
    public var label: String?

    public init(id: String, name: String, type: String, relation: Relation? = nil, path: String? = nil,
                owners: [Owner] = [], tags: [String] = [], children: [String] = [], url: String? = nil,
                label: String? = nil) {
        self.id = id
        self.name = name
        self.type = type
        self.relation = relation
        self.path = path
        self.owners = owners
        self.tags = tags
        self.children = children
        self.url = url
        self.label = label
    }
}

/// The dbt project's graph (DESIGN.md §2 source `dbt`): always available, offline.
public struct ProjectGraph: Sendable, Hashable, Codable {
    public var nodes: [String: ProjectGraphNode]

    public init(nodes: [String: ProjectGraphNode] = [:]) { self.nodes = nodes }

    /// Breadth-first downstream walk from `id`, cycle-safe, cut at `maxDepth` levels or `maxNodes` nodes.
    /// Returns the nodes reached (the start excluded) and whether a budget cut the walk.
    public func downstream(of id: String, maxDepth: Int = .max, maxNodes: Int = .max)
        -> (nodes: [DownstreamNode], truncated: Bool)
    {
        var seen: Set<String> = [id]
        var frontier = [id]
        var result: [DownstreamNode] = []
        var depth = 0
        while !frontier.isEmpty {
            if depth >= maxDepth {
                let more = frontier.contains { nodes[$0]?.children.contains { !seen.contains($0) } ?? false }
                return (result, more)
            }
            depth += 1
            var next: [String] = []
            for parent in frontier {
                for child in nodes[parent]?.children ?? [] where seen.insert(child).inserted {
                    if result.count >= maxNodes { return (result, true) }
                    let node = nodes[child]
                    result.append(DownstreamNode(
                        id: child, name: node?.name ?? child, type: node?.type ?? "model", depth: depth,
                        source: "dbt", owners: node?.owners ?? [], tags: node?.tags ?? [],
                        relation: node?.relation?.description, parentId: parent == id ? nil : parent))
                    next.append(child)
                }
            }
            frontier = next
        }
        return (result, false)
    }
}
