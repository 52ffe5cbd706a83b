import Foundation
import GateModel

/// A changed model the walk starts from.
public struct WalkRoot: Sendable, Hashable {
    /// The model name (what the report calls it).
    public var model: String
    /// dbt's unique_id, to follow the dbt graph from.
    public var dbtId: String?
    /// The catalog table id it resolved to, to follow catalog lineage from.
    public var catalogId: String?

    public init(model: String, dbtId: String? = nil, catalogId: String? = nil) {
        self.model = model
        self.dbtId = dbtId
        self.catalogId = catalogId
    }
}

/// Breadth-first downstream walk over the catalog's lineage merged with the dbt graph.
///
/// - Live Secoda is read ahead first (`CatalogSource.readAhead`, `LineageReadAhead`: page by
///   page, as fast as latency allows); the level-by-level walk below then runs over what was
///   read and asks the catalog only for what the read-ahead could not foresee.
/// - What the read-ahead did not foresee (a node first reached through the dbt graph, nodes past
///   its budget) is asked here level by level: one lineage query for the level's frontier, one
///   metadata query for the nodes first seen there.
/// - A catalog table and a dbt node with the same relation are one node: type `model`
///   (or the dbt type), source `dbt+secoda`, id the catalog id, name the dbt name. A catalog
///   dashboard and the dbt exposure whose `url` is its URL (`urlKey`) are one node too: type
///   and name the dashboard's. A node the dbt graph reached first becomes the merged one when
///   the catalog names it later; a dbt node the catalog's lineage does not reach is looked up
///   by relation (`TableResolver`, alongside the level's lineage query), so Secoda's consumers
///   of its table are walked even where Secoda lacks the table-to-table edge.
/// - Cycle-safe (each node once per root, at its smallest depth); `maxDepth` levels and
///   `maxNodes` nodes per root, with `truncated` set when a budget cut the walk — or when a
///   node's lineage listing ran past the client's page cap (`DownstreamLinks.partial`), which
///   `CatalogSettings.makeClient` sizes so that only a listing mostly of upstream rows can.
/// - Deterministic: children are visited in id order, so the live catalog and a snapshot of
///   it give the same result. (Not past the page cap: the live walk keeps children from the
///   pages read, a snapshot from all of them; both say the walk was cut.)
public struct LineageWalker: Sendable {
    public let source: (any CatalogSource)?
    public let graph: ProjectGraph
    public let maxDepth: Int
    public let maxNodes: Int
    /// Told after each level of the walk (depth, nodes found so far); nil: nobody is told.
    public var progress: CatalogProgressHandler?
    /// `catalog.secoda.integration_id`: dbt nodes the walk looks up by relation are resolved
    /// within it, as the changed models are.
    public var integrationId: String?
    /// When all catalog work must be done (`catalog.secoda.deadline_seconds`): checked at every
    /// level, so a walk over what was read ahead (all in memory, no request to time out) is
    /// bounded too. Nil: no deadline.
    public var deadline: ContinuousClock.Instant?

    /// - Parameters:
    ///   - source: the catalog to follow; nil walks the dbt graph alone.
    ///   - graph: the dbt project graph merged into the walk.
    ///   - maxDepth: levels walked (`lineage.max_depth`).
    ///   - maxNodes: nodes kept per root (`lineage.max_nodes`).
    public init(source: (any CatalogSource)?, graph: ProjectGraph = ProjectGraph(), maxDepth: Int = 6, maxNodes: Int = 5000) {
        self.source = source
        self.graph = graph
        self.maxDepth = max(0, maxDepth)
        self.maxNodes = max(0, maxNodes)
    }

    /// A node as the walk knows it: a catalog id, a dbt id, or both once merged.
    private struct NodeRef: Hashable {
        var catalogId: String?
        var dbtId: String?
        var key: String { catalogId.map { "c:" + $0 } ?? "d:" + (dbtId ?? "") }
        var displayId: String { catalogId ?? dbtId ?? "" }
    }

    private struct RootWalk {
        var root: WalkRoot
        var visitedCatalog: Set<String> = []
        var visitedDbt: Set<String> = []
        var frontier: [NodeRef] = []
        var nodes: [DownstreamNode] = []
        var truncated = false

        func visited(_ ref: NodeRef) -> Bool {
            (ref.catalogId.map(visitedCatalog.contains) ?? false) || (ref.dbtId.map(visitedDbt.contains) ?? false)
        }

        mutating func markVisited(_ ref: NodeRef) {
            if let id = ref.catalogId { visitedCatalog.insert(id) }
            if let id = ref.dbtId { visitedDbt.insert(id) }
        }

        /// `ref` was listed as a dbt node and turns out to be a catalog node too: it is visited
        /// under both ids, and its listed node is rebuilt by `rebuild` (keeping depth and parent).
        /// False, and nothing changes, when no node is listed under its dbt id (a root).
        mutating func merge(_ ref: NodeRef, rebuild: (DownstreamNode) -> DownstreamNode) -> Bool {
            guard let dbtId = ref.dbtId, let at = nodes.firstIndex(where: { $0.id == dbtId }) else { return false }
            markVisited(ref)
            nodes[at] = rebuild(nodes[at])
            return true
        }
    }

    /// The catalog as a walk from `roots` reads it ahead (`CatalogSource.readAhead`): what
    /// `walk(_:readAhead:)` takes, so a caller can start it before the walk (`CatalogImpact`
    /// does, from table ids an earlier run resolved).
    public func readAhead(for roots: [WalkRoot]) async throws -> (any CatalogSource)? {
        let catalogRoots = roots.compactMap(\.catalogId)
        // Each root has its own node budget; together they keep at most this many.
        let (allRoots, overflow) = maxNodes.multipliedReportingOverflow(by: max(1, catalogRoots.count))
        return try await source?.readAhead(below: catalogRoots, maxDepth: maxDepth, maxNodes: overflow ? Int.max : allRoots)
    }

    /// Walks downstream from every root at once; one `ModelImpact` per root, in order.
    /// - Parameter readAhead: `readAhead(for: roots)` when the caller started it already.
    /// - Throws: `CatalogError` from the catalog source.
    public func walk(_ roots: [WalkRoot], readAhead: (any CatalogSource)? = nil) async throws -> [ModelImpact] {
        // Live Secoda is read ahead of the walk (`LineageReadAhead`); the walk below then asks it
        // level by level as if it were a snapshot, and decides alone what the impact is.
        let source: (any CatalogSource)? = if let readAhead { readAhead } else { try await self.readAhead(for: roots) }
        var children: [String: [String]] = [:]           // catalog adjacency, filled level by level
        var partial = Set<String>()                       // ids whose children were not all read
        var metadata: [String: CatalogResource] = [:]
        var catalogToDbt: [String: String] = [:]
        var dbtToCatalog: [String: String] = [:]
        // Only a catalog walk needs them (matching catalog tables to dbt nodes by relation, and
        // catalog dashboards to dbt exposures by URL).
        let relationIndex = source == nil ? [:] : LineageWalker.relationIndex(graph)
        let urlIndex = source == nil ? [:] : LineageWalker.urlIndex(graph)

        var walks = roots.map { root -> RootWalk in
            var walk = RootWalk(root: root)
            let ref = NodeRef(catalogId: root.catalogId, dbtId: root.dbtId)
            walk.markVisited(ref)
            walk.frontier = [ref]
            return walk
        }
        for root in roots {
            if let catalogId = root.catalogId, let dbtId = root.dbtId {
                catalogToDbt[catalogId] = dbtId
                dbtToCatalog[dbtId] = catalogId
            }
        }

        // dbt nodes already looked up by relation (the roots were, by the caller).
        var lookedUp = Set(roots.compactMap(\.dbtId))

        // One record per node, shared by every root that reaches it (`DownstreamNode.placed`):
        // 27 changed models over a 15,000-node catalog reach largely the same nodes. A node is
        // the same whichever root reaches it as long as its metadata is, which is checked.
        var shared: [NodeRef: (resource: CatalogResource?, node: DownstreamNode)] = [:]
        func place(_ ref: NodeRef, depth: Int, parent: String?) -> DownstreamNode {
            let resource = ref.catalogId.flatMap { metadata[$0] }
            if let known = shared[ref], known.resource == resource { return known.node.placed(depth: depth, parentId: parent) }
            let made = node(ref, depth: depth, parent: parent, metadata: metadata)
            shared[ref] = (resource, made)
            return made
        }

        var depth = 0
        // Past `maxDepth` the catalog is no longer asked (that is what the budget bounds: requests),
        // but the dbt graph, which is local and free, is still followed to the end: a dbt model
        // downstream is never missed because the chain is long.
        var catalogExhausted = false
        while walks.contains(where: { !$0.frontier.isEmpty }) {
            if let deadline, ContinuousClock.now >= deadline {
                throw CatalogError(.timeout, "the lineage walk did not finish within the catalog deadline "
                    + "(catalog.secoda.deadline_seconds); it had reached depth \(depth) and "
                    + "\(walks.reduce(0) { $0 + $1.nodes.count }) nodes. Lower lineage.max_depth or lineage.max_nodes, "
                    + "or raise the deadline")
            }
            // 1. One lineage query for every frontier catalog id not asked about yet; alongside
            //    it, one table lookup for the frontier's dbt nodes the catalog has not named
            //    (reached through the dbt graph alone: Secoda may lack the table-to-table edge,
            //    and the dashboards on such a model's table must not be missed).
            var lookups: [String: Relation] = [:]
            if source != nil, depth > 0, depth < maxDepth {
                for walk in walks {
                    for ref in walk.frontier where ref.catalogId == nil {
                        guard let dbtId = ref.dbtId, dbtToCatalog[dbtId] == nil, lookedUp.insert(dbtId).inserted,
                              let dbtNode = graph.nodes[dbtId], dbtNode.type != "exposure", let relation = dbtNode.relation else { continue }
                        lookups[dbtId] = relation
                    }
                }
            }
            // Filtered by lookup: `subtracting(children.keys)` walks every key known so far, once
            // per level, which made a long chain (a ring of 30,000) quadratic.
            let unknownAdjacency = Set(walks.flatMap { $0.frontier.compactMap(\.catalogId) }.filter { children[$0] == nil })
            if let source, !catalogExhausted, !unknownAdjacency.isEmpty || !lookups.isEmpty {
                let asked = unknownAdjacency.sorted(), relations = Array(Set(lookups.values))
                let resolver = TableResolver(source: source, integrationId: integrationId)
                async let named = relations.isEmpty ? TableResolution() : resolver.resolve(relations)
                let found = asked.isEmpty ? DownstreamLinks() : try await source.downstream(of: asked)
                for id in unknownAdjacency { children[id] = found.children[id] ?? [] }
                partial.formUnion(found.partial)

                let resolution = try await named
                for (dbtId, relation) in lookups.sorted(by: { $0.key < $1.key }) {
                    guard let table = resolution.resolved[relation], catalogToDbt[table.id] == nil, dbtToCatalog[dbtId] == nil,
                          !walks.contains(where: { $0.visitedCatalog.contains(table.id) }) else { continue }
                    catalogToDbt[table.id] = dbtId
                    dbtToCatalog[dbtId] = table.id
                    metadata[table.id] = table
                }
                // The frontier's dbt nodes the catalog now names become merged nodes (their depth
                // and parent stay), and their catalog lineage is read in a round of its own.
                var newlyNamed = Set<String>()
                for index in walks.indices {
                    for slot in walks[index].frontier.indices {
                        let ref = walks[index].frontier[slot]
                        guard ref.catalogId == nil, let dbtId = ref.dbtId, let id = dbtToCatalog[dbtId],
                              !walks[index].visitedCatalog.contains(id) else { continue }
                        let merged = NodeRef(catalogId: id, dbtId: dbtId)
                        guard walks[index].merge(merged, rebuild: { place(merged, depth: $0.depth, parent: $0.parentId) })
                        else { continue }
                        walks[index].frontier[slot] = merged
                        if children[id] == nil { newlyNamed.insert(id) }
                    }
                }
                if !newlyNamed.isEmpty {
                    let more = try await source.downstream(of: newlyNamed.sorted())
                    for id in newlyNamed { children[id] = more.children[id] ?? [] }
                    partial.formUnion(more.partial)
                }
            }

            func candidates(of ref: NodeRef) -> [NodeRef] {
                var result: [NodeRef] = []
                for child in (catalogExhausted ? nil : ref.catalogId.flatMap({ children[$0] })) ?? [] {
                    result.append(NodeRef(catalogId: child, dbtId: catalogToDbt[child]))
                }
                for child in (ref.dbtId.flatMap { graph.nodes[$0]?.children } ?? []).sorted() {
                    result.append(NodeRef(catalogId: dbtToCatalog[child], dbtId: child))
                }
                return result
            }

            if depth >= maxDepth && !catalogExhausted {
                // Budget reached: say whether the catalog had anything beyond it, then go on in
                // the dbt graph alone.
                for index in walks.indices where !walks[index].frontier.isEmpty {
                    let walk = walks[index]
                    let beyond = walk.frontier.contains { ref in
                        ref.catalogId.map(partial.contains) == true || (ref.catalogId.flatMap { children[$0] } ?? []).contains {
                            !walk.visited(NodeRef(catalogId: $0, dbtId: catalogToDbt[$0]))
                        }
                    }
                    if beyond { walks[index].truncated = true }
                }
                catalogExhausted = true
            }

            // 2. One metadata query for the catalog nodes first seen at this level, as many as
            //    each root's remaining node budget can take.
            var wanted = Set<String>()
            for walk in walks where !walk.frontier.isEmpty {
                var room = maxNodes - walk.nodes.count
                var seen = Set<String>()
                for ref in walk.frontier {
                    for candidate in candidates(of: ref) where room > 0 {
                        guard let id = candidate.catalogId, !walk.visited(candidate), seen.insert(id).inserted else { continue }
                        room -= 1
                        if metadata[id] == nil { wanted.insert(id) }
                    }
                }
            }
            if let source, !catalogExhausted, !wanted.isEmpty {
                let found = try await source.resources(ids: wanted.sorted())
                for (id, resource) in found {
                    metadata[id] = resource
                    // A catalog table that is a dbt model's relation is that model.
                    // A catalog dashboard at an exposure's URL is that exposure.
                    let dbtId: String? = switch resource.type {
                    case "table": LineageWalker.dbtNode(for: resource, in: relationIndex)
                    case "dashboard": resource.url.flatMap(LineageWalker.urlKey).flatMap { urlIndex[$0] }
                    default: nil
                    }
                    if let dbtId, catalogToDbt[id] == nil, dbtToCatalog[dbtId] == nil {
                        catalogToDbt[id] = dbtId
                        dbtToCatalog[dbtId] = id
                    }
                }
            }

            // 3. Advance every root one level.
            for index in walks.indices where !walks[index].frontier.isEmpty {
                // Moved out, not copied: a copy would duplicate the visited sets and the node list
                // at the first change, once per level (quadratic over a long chain).
                var walk = RootWalk(root: walks[index].root)
                swap(&walk, &walks[index])
                var next: [NodeRef] = []
                let rootKey = NodeRef(catalogId: walk.root.catalogId, dbtId: walk.root.dbtId).key
                frontierLoop: for parent in walk.frontier {
                    // A node with more lineage than the page cap lets the walk read: the children
                    // it did not read are missing, as if a budget had cut them.
                    if !catalogExhausted, let id = parent.catalogId, partial.contains(id) { walk.truncated = true }
                    for raw in candidates(of: parent) {
                        // Links learnt from this level's metadata apply to both kinds of child.
                        var child = raw
                        if child.dbtId == nil, let id = child.catalogId { child.dbtId = catalogToDbt[id] }
                        if child.catalogId == nil, let id = child.dbtId { child.catalogId = dbtToCatalog[id] }
                        if walk.visited(child) {
                            // Reached through the dbt graph before the catalog said what it is:
                            // the node becomes the merged one (its depth and parent stay), and
                            // its catalog lineage is walked from here.
                            if let catalogId = child.catalogId, !walk.visitedCatalog.contains(catalogId),
                               walk.merge(child, rebuild: { place(child, depth: $0.depth, parent: $0.parentId) }) {
                                next.append(child)
                            }
                            continue
                        }
                        if walk.nodes.count >= maxNodes {
                            walk.truncated = true
                            break frontierLoop
                        }
                        walk.markVisited(child)
                        walk.nodes.append(place(child, depth: depth + 1, parent: parent.key == rootKey ? nil : parent.displayId))
                        next.append(child)
                    }
                }
                walk.frontier = next
                walks[index] = walk
            }
            depth += 1
            progress?(.level(depth: depth, nodes: walks.reduce(0) { $0 + $1.nodes.count }))
        }

        // Owner names are a courtesy: a key that may not list users (or a failing endpoint)
        // leaves short ids ("user 3131f219") rather than failing the impact.
        var people: OwnerDirectory?
        let catalogKinds: Set<String> = ["user", "group", "team"]
        if let source, walks.contains(where: { $0.nodes.contains { $0.owners.contains { catalogKinds.contains($0.kind) } } }) {
            people = (try? await source.people()).map(OwnerDirectory.init)
        }
        // Named once per shared record, and the named record shared again.
        var named: [ObjectIdentifier: DownstreamNode] = [:]
        return walks.map { walk in
            let nodes = walk.nodes.map { node -> DownstreamNode in
                if let done = named[node.recordIdentity] { return done.placed(depth: node.depth, parentId: node.parentId) }
                var copy = node
                let owners = node.owners.compactMap { owner -> Owner? in
                    guard catalogKinds.contains(owner.kind) else { return owner }
                    guard let people else {
                        var unnamed = owner
                        unnamed.name = "\(owner.kind) \(CatalogPeople.shortId(owner.id))"
                        return unnamed
                    }
                    return people.isDefaultTeam(owner) ? nil : people.named(owner)
                }
                if owners != node.owners { copy.owners = owners }
                named[node.recordIdentity] = copy
                return copy
            }
            return ModelImpact(model: walk.root.model, catalogId: walk.root.catalogId,
                               downstream: nodes.sorted { ($0.depth, $0.name, $0.id) < ($1.depth, $1.name, $1.id) },
                               truncated: walk.truncated)
        }
    }

    private func node(_ ref: NodeRef, depth: Int, parent: String?, metadata: [String: CatalogResource]) -> DownstreamNode {
        let dbtNode = ref.dbtId.flatMap { graph.nodes[$0] }
        let resource = ref.catalogId.flatMap { metadata[$0] }
        let dbtOwners = dbtNode?.owners ?? []
        guard let catalogId = ref.catalogId else {
            return DownstreamNode(id: ref.dbtId ?? "", name: dbtNode?.name ?? ref.dbtId ?? "", type: dbtNode?.type ?? "model",
                                  depth: depth, source: "dbt", owners: dbtOwners, tags: dbtNode?.tags ?? [],
                                  relation: dbtNode?.relation?.description, parentId: parent)
        }
        var catalogOwners = (resource?.owners ?? []).map { Owner(id: $0, kind: "user") }
            + (resource?.ownerGroups ?? []).map { Owner(id: $0, kind: "group") }
        // Nobody owns it by name: its team is who to ask (the default team is dropped once named).
        if catalogOwners.isEmpty && dbtOwners.isEmpty { catalogOwners = (resource?.teams ?? []).map { Owner(id: $0, kind: "team") } }
        var owners: [Owner] = []
        for owner in catalogOwners + dbtOwners where !owners.contains(owner) { owners.append(owner) }
        var tags: [String] = []
        for tag in (resource?.tags ?? []) + (dbtNode?.tags ?? []) where !tags.contains(tag) { tags.append(tag) }
        // An exposure merged with the catalog's dashboard is that dashboard, as Secoda names it.
        let isExposure = dbtNode?.type == "exposure" && resource != nil
        let type = (isExposure ? resource?.type : dbtNode?.type) ?? resource?.type ?? "resource"
        let usage = resource.map { Usage(external: $0.externalUsage, internal: $0.internalUsage,
                                         externalUpdatedAt: $0.externalUpdatedAt) }
        var node = DownstreamNode(
            id: catalogId, name: (isExposure ? resource?.title : dbtNode?.name) ?? resource?.title ?? catalogId, type: type, depth: depth,
            source: dbtNode == nil ? "secoda" : "dbt+secoda", owners: owners, tags: tags,
            verified: resource?.verified ?? false, pii: resource?.pii ?? false, usage: usage,
            relation: dbtNode?.relation?.description ?? (resource?.type == "table" ? resource?.relation.description : nil),
            url: resource?.url, parentId: parent)
        // A dashboard nobody looks at is a deprecation candidate, not a consumer to protect.
        node.stale = node.isDashboardLike && (usage?.total ?? 0) == 0
        return node
    }

    /// Normalised relation → dbt node id, for relations unique in the project. A dbt relation
    /// without a database is also indexed as `~schema.name`, so it still meets a catalog
    /// table that names its database; a key two nodes share is dropped rather than guessed.
    static func relationIndex(_ graph: ProjectGraph) -> [String: String] {
        uniqueIndex(graph.nodes.flatMap { id, node -> [(String, String)] in
            guard let relation = node.relation, node.type != "exposure" else { return [] }
            return keys(relation).map { ($0, id) }
        })
    }

    /// Normalised URL → dbt exposure id, for URLs only one exposure has.
    static func urlIndex(_ graph: ProjectGraph) -> [String: String] {
        uniqueIndex(graph.nodes.compactMap { id, node in
            node.type == "exposure" ? node.url.flatMap(urlKey).map { ($0, id) } : nil
        })
    }

    /// Key → node id for the keys exactly one node has: a key two nodes share says nothing certain.
    private static func uniqueIndex(_ pairs: [(key: String, id: String)]) -> [String: String] {
        var index: [String: String] = [:]
        var duplicated = Set<String>()
        for (key, id) in pairs {
            if let existing = index[key], existing != id { duplicated.insert(key) } else { index[key] = id }
        }
        for key in duplicated { index[key] = nil }
        return index
    }

    /// A URL as two tools may write the same address: scheme and host case, a default port and
    /// a trailing slash do not matter; path, query and fragment do (Tableau and others keep the
    /// view in the fragment). Nil for text that is not an absolute URL with a host.
    static func urlKey(_ text: String) -> String? {
        guard let components = URLComponents(string: text.trimmingCharacters(in: .whitespaces)),
              let host = components.host?.lowercased(), !host.isEmpty else { return nil }
        let port = components.port.map { [80, 443].contains($0) ? "" : ":\($0)" } ?? ""
        var path = components.percentEncodedPath
        while path.hasSuffix("/") { path.removeLast() }
        var key = host + port + path
        if let query = components.percentEncodedQuery, !query.isEmpty { key += "?" + query }
        if var fragment = components.percentEncodedFragment, !fragment.isEmpty {
            while fragment.hasSuffix("/") { fragment.removeLast() }
            key += "#" + fragment
        }
        return key
    }

    /// The dbt node a catalog table stands for: the most specific key both sides know.
    static func dbtNode(for table: CatalogResource, in index: [String: String]) -> String? {
        let relation = table.relation
        let full = relation.normalized
        if relation.database != nil, relation.schema != nil {
            // The catalog knows the whole relation: only a dbt node agreeing on all of it (or
            // one that leaves the database unsaid) matches.
            if let id = index[full] { return id }
            let schemaKey = [relation.schema, relation.identifier].compactMap { $0 }.map(Relation.normalize).joined(separator: ".")
            return index["~" + schemaKey]
        }
        return index[full]
    }

    /// `db.schema.name` for complete relations, `~schema.name` for those without a database.
    private static func keys(_ relation: Relation) -> [String] {
        if relation.database != nil { return [relation.normalized] }
        return ["~" + relation.normalized, relation.normalized]
    }
}
