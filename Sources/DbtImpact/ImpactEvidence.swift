import DbtFiles
import Foundation
import GateDbt
import GateModel

/// What the dbt project says about a change's impact, beyond the graph itself: the lineage graph
/// a check walks (with the former consumers of what is gone), the downstream models' dbt owners,
/// and which downstream models use which changed columns. The pipeline hands these to the
/// catalog walk and the rules; all of it is read here, where the project is.
extension DbtProject {
    /// Downstream dbt models read the same way the rules do: `meta.owner` and the dbt `group` of
    /// each become owners (kind `dbt`) next to the catalog's. Looked up once per model name, for
    /// at most `ownerLookupLimit` models, so a huge walk is not slowed by property-file reads.
    public static func withModelOwners(_ impacts: [ModelImpact], head: DbtProject, base: DbtProject) throws -> [ModelImpact] {
        var cache: [String: [Owner]] = [:]
        var result = impacts
        let project = head.exists ? head : base
        var wanted: [String] = []
        var seen = Set<String>()
        for impact in impacts {
            for node in impact.downstream where node.type == "model" && wanted.count < ownerLookupLimit && seen.insert(node.name).inserted {
                wanted.append(node.name)
            }
        }
        try project.prepareLookups(of: wanted)
        for index in result.indices {
            for nodeIndex in result[index].downstream.indices where result[index].downstream[nodeIndex].type == "model" {
                let name = result[index].downstream[nodeIndex].name
                if cache[name] == nil {
                    guard cache.count < ownerLookupLimit else { continue }
                    let model = (try? project.ownership(ofModel: name)) ?? nil
                    cache[name] = DbtOwners.of(owner: model?.owner, group: model?.group)
                }
                var node = result[index].downstream[nodeIndex]
                for owner in cache[name] ?? [] where !node.owners.contains(where: { $0.id == owner.id || $0.email == owner.id }) {
                    node.owners.append(owner)
                }
                result[index].downstream[nodeIndex] = node
            }
        }
        return result
    }

    public static let ownerLookupLimit = 500

    /// The head graph, plus the base-side edges of models that no longer exist at head (deleted,
    /// disabled or renamed away), so their former consumers are still found.
    public static func lineageGraph(changes: [ModelChange], base: DbtProject, head: DbtProject) throws -> ProjectGraph {
        var graph = head.exists ? try head.graph() : ProjectGraph()
        if head.exists { try addInstalledPackages(modifiedBy: changes, to: &graph, head: head) }
        let goneIds = goneIds(changes)
        guard !goneIds.isEmpty, base.exists else { return graph }
        let baseGraph = try base.consumers(of: Set(goneIds))
        for id in goneIds {
            guard let node = baseGraph.nodes[id] else { continue }
            if var existing = graph.nodes[id] {
                existing.children = Array(Set(existing.children).union(node.children)).sorted()
                graph.nodes[id] = existing
            } else {
                graph.nodes[id] = node
            }
            for child in node.children where graph.nodes[child] == nil {
                graph.nodes[child] = baseGraph.nodes[child]
            }
        }
        return graph
    }

    /// Reads, now, the base-side consumers `lineageGraph` will ask for: a check does it while its
    /// head graph is still being built on the other core (`buildGraphAhead`).
    public static func readFormerConsumers(changes: [ModelChange], base: DbtProject) throws {
        let goneIds = goneIds(changes)
        guard !goneIds.isEmpty, base.exists else { return }
        _ = try base.consumers(of: Set(goneIds))
    }

    /// The models a change removes from the head graph (deleted, disabled or renamed away), by
    /// their base-side ids.
    static func goneIds(_ changes: [ModelChange]) -> [String] {
        changes.compactMap { change -> String? in
            guard let old = change.base else { return nil }
            let stillThere = change.head.map { $0.enabled && $0.uniqueId == old.uniqueId } ?? false
            return stillThere ? nil : old.uniqueId
        }
    }

    /// The graphs of the installed packages joined to the project's: the package models
    /// downstream of a package model a change modified (through hooks or `models: <package>:`),
    /// the project's models that `ref()` them (`ref('pkg', 'm')`, or `ref('m')` that no model of
    /// the project answers), and the package models that `ref()` a model, seed or snapshot of the
    /// root project, are walked as dbt's `state:modified+` walks them; the package models the root
    /// project disables are not. dbt resolves a package node's unqualified `ref('x')` in the root
    /// project first (dbt_project_evaluator's models read the root's
    /// `dbt_project_evaluator_exceptions` seed when the root disables the package's own).
    private static func addInstalledPackages(modifiedBy changes: [ModelChange], to graph: inout ProjectGraph, head: DbtProject) throws {
        var packages = Set(try head.installedPackageNames())
        for change in changes {
            let parts = (change.head?.uniqueId ?? "").split(separator: ".")
            if parts.count >= 3, parts[0] == "model", parts[1] != head.name { packages.insert(String(parts[1])) }
        }
        packages.remove(head.name)
        // The root project's refable nodes by name: what a package's unqualified ref() finds first.
        var rootRefable: [String: String] = [:]
        for (id, node) in graph.nodes where node.path != nil && ["model", "seed", "snapshot"].contains(node.type)
            && id.hasPrefix("\(node.type).\(head.name).") && id == "\(node.type).\(head.name).\(node.name)" {
            if rootRefable[node.name] == nil || node.type == "seed" { rootRefable[node.name] = id }
        }
        // A seed is in the graph once something of the project reads it; a package may be its only reader.
        var rootSeeds: [String: String] = [:]   // name → path
        for folder in head.projectFile?.seedPaths ?? [] {
            for path in try head.tree.files(under: head.settings.projectPrefix + folder) where path.hasSuffix(".csv") {
                let name = DbtProject.stem(of: path)
                if rootSeeds[name] == nil { rootSeeds[name] = path }
            }
        }
        for package in packages.sorted() {
            guard let packageGraph = try head.installedPackageGraph(package) else { continue }
            for (id, node) in packageGraph.nodes {
                // A package node named like a root node: the package's ref() of that name reads the
                // root's (the package's own, if any, is disabled: dbt rejects two enabled ones).
                if rootRefable[node.name] == nil, let path = rootSeeds[node.name] {
                    let seedId = "seed.\(head.name).\(node.name)"
                    graph.nodes[seedId] = graph.nodes[seedId] ?? ProjectGraphNode(id: seedId, name: node.name, type: "seed", path: path)
                    rootRefable[node.name] = seedId
                }
                if ["model", "seed", "snapshot"].contains(node.type), id == "\(node.type).\(package).\(node.name)",
                   let rootId = rootRefable[node.name], graph.nodes[id] == nil {
                    let children = Array(Set(graph.nodes[rootId]?.children ?? []).union(node.children)).sorted()
                    graph.nodes[rootId]?.children = children
                    continue
                }
                var merged = node
                if let existing = graph.nodes[id] { merged.children = Array(Set(existing.children).union(node.children)).sorted() }
                // An unqualified ref() of a package model reads as a project model nobody defines.
                if node.type == "model", let placeholder = graph.nodes["model.\(head.name).\(node.name)"], placeholder.path == nil {
                    merged.children = Array(Set(merged.children).union(placeholder.children)).sorted()
                }
                graph.nodes[id] = merged
            }
        }
    }

    /// `impact` with the evidence of which downstream nodes use each column the change touches,
    /// keyed by the node ids the impact uses (catalog ids for merged nodes). Downstream models use
    /// a column when the column lineage (`uses`, from their SQL) says so, with its reason in
    /// `columnNotes`; without it (a deleted model), when their SQL names it. Semantic models use
    /// the columns their entities, dimensions and measures name.
    public func withColumnUsers(change: ModelChange, impact: ModelImpact, graph: ProjectGraph,
                                uses: [String: ColumnUse]?) throws -> ModelImpact {
        let columns = Set(change.columnChanges.map(\.column) + change.columnChanges.compactMap { $0.before?.name })
        guard !columns.isEmpty, exists else { return impact }
        var dbtIdToNode: [String: String] = [:]
        // Model ids by name, for downstream nodes the catalog named (made once, and only then:
        // it is a pass over the whole graph).
        var modelIdsByName: [String: String]?
        // Semantic models use the columns they name (never merged with a catalog table).
        for node in impact.downstream where node.type == "semantic_model" { dbtIdToNode[node.id] = node.id }
        for node in impact.downstream where node.type == "model" {
            if graph.nodes[node.id] != nil {
                dbtIdToNode[node.id] = node.id
                continue
            }
            if modelIdsByName == nil {
                var byName: [String: String] = [:]
                for node in graph.nodes.values where node.type == "model" { byName[node.name] = node.id }
                modelIdsByName = byName
            }
            if let dbtId = modelIdsByName?[node.name] { dbtIdToNode[dbtId] = node.id }
        }
        // Versioned changes are named `model.vN`; the model itself is `snapshot.name`.
        let model = (change.head ?? change.base)?.name ?? change.name
        let semanticIds = impact.downstream.filter { $0.type == "semantic_model" }.map(\.id)
        var found = try columnUsers(of: model, columns: Array(columns), among: uses == nil ? Array(dbtIdToNode.keys) : semanticIds)
        var result = impact
        for (column, use) in uses ?? [:] {
            found[column, default: []] += use.readers
            if let note = use.note { result.columnNotes[column] = note }
        }
        for (column, dbtIds) in found {
            let ids = dbtIds.compactMap { dbtIdToNode[$0] }
            result.columnUsers[column] = Array(Set(result.columnUsers[column, default: []]).union(ids)).sorted()
        }
        return result
    }
}
