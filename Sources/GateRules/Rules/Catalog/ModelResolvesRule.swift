import GateModel

/// MODEL_RESOLVES: the gate can see a changed model in the catalog.
public struct ModelResolvesRule: Rule {
    public init() {}

    public static let description = RuleDescription(
        id: "MODEL_RESOLVES", name: "Model found in the catalog", category: .catalog,
        purpose: "Checks that an existing changed model is found in the catalog.",
        rationale: "The catalog holds the consumers dbt does not know about (dashboards, syncs). A model that does "
            + "not resolve has no catalog impact, so a break could pass unseen; the usual causes are a stale "
            + "catalog sync or a relation the project builds differently from production (database, schema, alias). "
            + "New models and ephemeral ones are not expected in the catalog; without a catalog the rule is silent.",
        defaultSeverity: .off,
        triggeringExamples: [
            RuleExample("A modified model is not in the catalog that was consulted",
                         before: Sketch.model("fct_orders"), after: Sketch.model("fct_orders", description: "Orders."),
                         catalog: CatalogFacts(consulted: true, ids: ["fct_orders": nil]),
                         expect: [.model(line: 2)]),
            RuleExample("The relation matches tables of two warehouse integrations (the message says to set integration_id)",
                         before: Sketch.model("fct_orders"), after: Sketch.model("fct_orders", description: "Orders."),
                         catalog: CatalogFacts(consulted: true, ids: ["fct_orders": nil],
                                               ambiguous: ["fct_orders": ["8d1f6c1e", "5e2b1c4d"]]),
                         expect: [.model(line: 2)]),
        ],
        nonTriggeringExamples: [
            RuleExample("The model resolves to a table id",
                         before: Sketch.model("fct_orders"), after: Sketch.model("fct_orders", description: "Orders."),
                         catalog: CatalogFacts(consulted: true, ids: ["fct_orders": "8d1f6c1e"])),
            RuleExample("A new model is not in the catalog yet",
                         before: nil, after: Sketch.model("fct_refunds"),
                         catalog: CatalogFacts(consulted: true)),
            RuleExample("No catalog was consulted (offline run)",
                         before: Sketch.model("fct_orders"), after: Sketch.model("fct_orders", description: "Orders.")),
        ])

    public func check(_ change: ModelChange, impact: ModelImpact?, context: RuleContext) throws -> [Finding] {
        guard context.catalog.consulted, change.status != .added, let base = change.base, base.enabled,
              base.materialized != "ephemeral", context.catalog.id(of: change.name) == nil,
              impact?.catalogId == nil else { return [] }
        if let ids = context.catalog.ambiguous[change.name], ids.count > 1 {
            return [finding("`\(change.name)` (\(base.relation)) matches \(ids.count) catalog tables (\(ids.joined(separator: ", "))), so its catalog consumers are unknown. Set catalog.secoda.integration_id to the warehouse integration the project builds into.",
                            change: change, at: change.location, context: context)]
        }
        return [finding("`\(change.name)` (\(base.relation)) was not found in the catalog, so its catalog consumers are unknown. Check that the catalog is synced and the relation matches production.",
                        change: change, at: change.location, context: context)]
    }
}
