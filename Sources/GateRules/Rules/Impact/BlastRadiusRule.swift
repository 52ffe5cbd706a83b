import GateModel

/// BLAST_RADIUS: a change to a widely used model gets a second look.
public struct BlastRadiusRule: Rule {
    public init() {}

    static func many(_ count: Int) -> [(node: DownstreamNode, uses: [String])] {
        (1...count).map { Sketch.consumer("model_\($0)") }
    }

    static let maxDownstream = TypedRuleOption.integer(
        "max_downstream", default: 25, meaning: "The most downstream resources a changed model may have without a finding.")

    public static let description = RuleDescription(
        id: "BLAST_RADIUS", name: "Blast radius bounded", category: .impact,
        purpose: "Checks that the number of downstream resources stays under `max_downstream`.",
        rationale: "A change to a model with a very large downstream (stale dashboards not counted) deserves "
            + "review by its owners even when no rule sees a break: a subtle semantic change spreads far.",
        defaultSeverity: .off,
        options: [
            maxDownstream.declaration,
        ],
        triggeringExamples: [
            RuleExample("A model with 4 consumers changes under `max_downstream: 3`",
                         before: Sketch.model("dim_customers"), after: Sketch.model("dim_customers", description: "Customers."),
                         impact: Sketch.impact("dim_customers", many(4)), options: ["max_downstream": .number(3)],
                         expect: [.model(line: 2)]),
        ],
        nonTriggeringExamples: [
            RuleExample("3 consumers and 2 stale dashboards under `max_downstream: 3`",
                         before: Sketch.model("dim_customers"), after: Sketch.model("dim_customers", description: "Customers."),
                         impact: Sketch.impact("dim_customers", many(3) + [Sketch.consumer("Old", type: "dashboard", usage: 0),
                                                                           Sketch.consumer("Older", type: "chart")]),
                         options: ["max_downstream": .number(3)]),
            RuleExample("A new model has no downstream yet",
                         before: nil, after: Sketch.model("dim_customers")),
        ])

    public func check(_ change: ModelChange, impact: ModelImpact?, context: RuleContext) throws -> [Finding] {
        guard change.status != .added, let impact else { return [] }
        let limit = context.options[Self.maxDownstream]
        let count = impact.consumers.count
        guard count > limit else { return [] }
        let atLeast = impact.truncated ? "at least " : ""
        var result = finding("`\(change.name)` has \(atLeast)\(count) downstream resources (more than max_downstream \(limit)). Ask its owners to review the change.",
                             change: change, at: change.location, context: context)
        result.downstream = count
        result.consumers = ConsumerReach.ranked(impact.consumers).map(\.name)
        return [result]
    }
}
