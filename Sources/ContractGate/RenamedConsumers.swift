import GateModel

extension ImpactStage {
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
