import GateModel

/// DOWNSTREAM_VERIFIED: breaking changes do not reach verified or protected resources.
public struct DownstreamVerifiedRule: Rule {
    public init() {}

    static let protectedTags = TypedRuleOption.stringList(
        "protected_tags", default: ["protected", "certified"],
        meaning: "Tags that make a downstream resource protected, compared case-insensitively.")

    public static let description = RuleDescription(
        id: "DOWNSTREAM_VERIFIED", name: "No break reaches a verified resource", category: .impact,
        purpose: "Checks that a breaking change does not reach a verified resource or one tagged with a protected tag.",
        rationale: "Verified resources (Secoda's `verified`) and resources tagged as protected are the ones the "
            + "organisation vouches for; a break there undermines trust in the whole catalog.",
        defaultSeverity: .off,
        options: [
            protectedTags.declaration,
        ],
        triggeringExamples: [
            RuleExample("Removing `status` reaches a verified model that uses it",
                         before: Sketch.model("fct_orders", [Sketch.column("order_id", "bigint"), Sketch.column("status", "varchar")]),
                         after: Sketch.model("fct_orders", [Sketch.column("order_id", "bigint")]),
                         impact: Sketch.impact("fct_orders", [Sketch.consumer("fct_fulfilment", verified: true, uses: ["status"])]),
                         breaking: [Sketch.breaking("COLUMN_NO_DELETE", model: "fct_orders", column: "status")],
                         expect: [.model(line: 2)]),
            RuleExample("A relation rename reaches an export tagged `certified`",
                         before: Sketch.model("fct_orders"), after: Sketch.model("fct_orders", alias: "orders"),
                         impact: Sketch.impact("fct_orders", [Sketch.consumer("Salesforce sync", type: "table", tags: ["Certified"])]),
                         breaking: [Sketch.breaking("MODEL_SAME_RELATION", model: "fct_orders")],
                         expect: [.model(line: 2)]),
        ],
        nonTriggeringExamples: [
            RuleExample("The verified model does not use the removed column",
                         before: Sketch.model("fct_orders", [Sketch.column("order_id", "bigint"), Sketch.column("status", "varchar")]),
                         after: Sketch.model("fct_orders", [Sketch.column("order_id", "bigint")]),
                         impact: Sketch.impact("fct_orders", [Sketch.consumer("fct_fulfilment", verified: true, uses: ["order_id"])]),
                         breaking: [Sketch.breaking("COLUMN_NO_DELETE", model: "fct_orders", column: "status")]),
            RuleExample("Nothing breaks",
                         before: Sketch.model("fct_orders"), after: Sketch.model("fct_orders", description: "Orders."),
                         impact: Sketch.impact("fct_orders", [Sketch.consumer("fct_fulfilment", verified: true)])),
        ])

    public func check(_ change: ModelChange, impact: ModelImpact?, context: RuleContext) throws -> [Finding] {
        let protectedTags = Set(context.options[Self.protectedTags].map { $0.lowercased() })
        var hit: [String: (node: DownstreamNode, why: String)] = [:]
        for breaking in context.breakingFindings {
            for node in ConsumerReach.consumers(reachedBy: breaking, in: impact) {
                let tags = node.tags.filter { protectedTags.contains($0.lowercased()) }
                if node.verified { hit[node.id] = (node, "verified") }
                else if let tag = tags.first { hit[node.id] = (node, "tagged `\(tag)`") }
            }
        }
        guard !hit.isEmpty else { return [] }
        let list = ConsumerReach.ranked(hit.values.map(\.node)).compactMap { node in
            hit[node.id].map { "`\(node.name)` (\(node.type), \($0.why))" }
        }
        var result = finding("Breaking change to `\(change.name)` reaches protected resource\(hit.count == 1 ? "" : "s"): \(list.joined(separator: ", ")). Tell their owners before merging.",
                             change: change, at: change.location, context: context)
        result.downstream = hit.count
        result.consumers = ConsumerReach.ranked(hit.values.map(\.node)).map(\.name)
        return [result]
    }
}
