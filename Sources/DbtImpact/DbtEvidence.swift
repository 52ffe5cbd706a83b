import GateDbt
import GateModel

/// Besides the changed models, the nodes dbt's `state:modified` selects on its own: seeds whose
/// rows changed, SQL snapshots, and source tables whose definition changed. The models downstream
/// of each are walked as for a changed model.
public struct ModifiedNodes: Sendable {
    public var seeds: [String] = []
    public var snapshots: [String] = []
    public var sources: [ChangedSource] = []

    public init() {}

    public var isEmpty: Bool { seeds.isEmpty && snapshots.isEmpty && sources.isEmpty }

    /// What changed between the two revisions of the project, besides its models.
    public static func between(base: DbtProject, head: DbtProject) throws -> ModifiedNodes {
        var result = ModifiedNodes()
        if head.exists && base.exists {
            result.seeds = try head.changedSeeds(since: base)
            result.snapshots = try head.changedSnapshots(since: base)
        }
        result.sources = try head.changedSources(since: base)
        return result
    }

    /// Each changed source, said once: the report shows why models nobody edited are walked.
    public var notices: [Diagnostic] {
        sources.map { source in
            Diagnostic(severity: .notice, message: "source \(source.name) "
                + (source.fields == ["new"] ? "is new" : "changed (\(source.fields.joined(separator: ", ")))")
                + ": dbt's state:modified selects it, and the models downstream of it are walked as for a changed model",
                location: source.location)
        }
    }
}

/// What the dbt project says about the impacts a walk found (DESIGN.md §9): which columns really
/// leave each changed model and who reads them (the SQL's column lineage), which readers a rename
/// updated in the same change, and the downstream models' dbt owners. The pipeline walks the
/// graph (with the catalog when there is one) and hands the impacts here; everything read from
/// the project happens in this module.
public struct DbtEvidence: Sendable {
    /// The changes with their column changes as the SQL shows them too.
    public var changes: [ModelChange]
    /// What the column lineage found breaks the build, and why columns count as used.
    public var lineage: ColumnLineageResult
    /// The impacts with their column users and dbt owners.
    public var impacts: [ModelImpact]

    /// - Parameters:
    ///   - impacts: what the walk found downstream of each change (dbt graph, catalog or both).
    ///   - graph: the graph the walk used (`DbtProject.lineageGraph`).
    public static func gather(changes: [ModelChange], modified: ModifiedNodes, impacts: [ModelImpact],
                              base: DbtProject, head: DbtProject, graph: ProjectGraph) throws -> DbtEvidence {
        let lineage = try ColumnLineage.analyze(changes: changes, seeds: modified.seeds, base: base, head: head, graph: graph)
        let changes = changes.map { change in
            var change = change
            change.columnChanges = lineage.columnChanges[change.name] ?? change.columnChanges
            return change
        }
        var impacts = withoutUpdatedReaders(impacts, changes: changes, graph: graph)
        // A change to documentation only builds the same table: nothing downstream is affected
        // (the catalog is still asked about the model itself: its id, owners and PII marks).
        let documentationOnly = Set(changes.filter(\.documentationOnly).map(\.name))
        for index in impacts.indices where documentationOnly.contains(impacts[index].model) {
            impacts[index].downstream = []
            impacts[index].truncated = false
        }
        for index in impacts.indices {
            guard let change = changes.first(where: { $0.name == impacts[index].model }) else { continue }
            // Column evidence comes from the side where the consumers' SQL still refers to the model.
            let project = change.head?.enabled == true ? head : base
            impacts[index] = try project.withColumnUsers(change: change, impact: impacts[index], graph: graph,
                                                         uses: lineage.uses[change.name])
        }
        impacts = try DbtProject.withModelOwners(impacts, head: head, base: base)
        return DbtEvidence(changes: changes, lineage: lineage, impacts: impacts)
    }

    /// A rename whose readers were updated in the same change (`ref('fct_orders')` → `ref('fct_sales')`)
    /// does not affect those readers: they are part of the change, not consumers it breaks. They,
    /// and what is reached only through them (their relations do not move), leave the renamed
    /// model's impact, so neither they nor their owners are listed as affected. Consumers outside
    /// dbt that read the old relation (a dashboard on the table) stay.
    ///
    /// A reader counts as updated when it is a model this change adds or edits and, at head, it
    /// reads the renamed model by its new name — which did not exist before the change.
    static func withoutUpdatedReaders(_ impacts: [ModelImpact], changes: [ModelChange], graph: ProjectGraph) -> [ModelImpact] {
        let changedNames = Set(changes.filter { $0.status == .added || $0.status == .modified }.compactMap { $0.head?.name })
        var result = impacts
        for index in result.indices {
            guard let change = changes.first(where: { $0.name == result[index].model }), change.status == .renamed,
                  let old = change.base, let new = change.head, old.name != new.name,
                  let renamed = graph.nodes[new.uniqueId] else { continue }
            let readersAtHead = Set(renamed.children.compactMap { graph.nodes[$0] }.filter { $0.type == "model" }.map(\.name))
            let updated = readersAtHead.intersection(changedNames)
            guard !updated.isEmpty else { continue }
            var removed = Set<String>()
            var kept: [DownstreamNode] = []
            for node in result[index].downstream.sorted(by: { $0.depth < $1.depth }) {
                let isUpdatedReader = node.depth == 1 && node.type == "model" && updated.contains(node.name)
                if isUpdatedReader || node.parentId.map(removed.contains) == true {
                    removed.insert(node.id)
                } else {
                    kept.append(node)
                }
            }
            let order = Dictionary(result[index].downstream.enumerated().map { ($1.id, $0) }) { first, _ in first }
            result[index].downstream = kept.sorted { (order[$0.id] ?? 0) < (order[$1.id] ?? 0) }
            result[index].columnUsers = result[index].columnUsers.mapValues { $0.filter { !removed.contains($0) } }
                .filter { !$0.value.isEmpty }
        }
        return result
    }
}
