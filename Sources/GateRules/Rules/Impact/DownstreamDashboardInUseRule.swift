import GateModel

/// DOWNSTREAM_DASHBOARD_IN_USE: breaking changes do not reach dashboards people look at.
public struct DownstreamDashboardInUseRule: Rule {
    public init() {}

    static let revenue = Sketch.consumer("Revenue", type: "dashboard", usage: 40, parent: "rpt_revenue")
    static let oldKpis = Sketch.consumer("Old KPIs", type: "dashboard", usage: 0, parent: "rpt_revenue")
    static let report = Sketch.consumer("rpt_revenue", uses: ["amount"])

    public static let description = RuleDescription(
        id: "DOWNSTREAM_DASHBOARD_IN_USE", name: "No break reaches a dashboard in use", category: .impact,
        purpose: "Checks that a breaking change does not reach a dashboard with usage ≥ `min_usage` (stale ones are listed as deprecation candidates instead).",
        rationale: "A broken dashboard that people open every day is the most visible failure a data change can "
            + "cause. Dashboards with no recorded usage are listed as candidates for deprecation, never counted. "
            + "When this rule is on, every breaking finding that reaches such a dashboard is raised to this "
            + "rule's severity; this rule's own finding, which names the dashboards, is then a notice, so one "
            + "change is never counted twice.",
        defaultSeverity: .off,
        options: [
            minUsage.declaration,
        ],
        triggeringExamples: [
            RuleExample("Removing `amount` reaches the Revenue dashboard through rpt_revenue",
                         before: Sketch.model("fct_orders", [Sketch.column("order_id", "bigint"), Sketch.column("amount", "numeric")]),
                         after: Sketch.model("fct_orders", [Sketch.column("order_id", "bigint")]),
                         impact: Sketch.impact("fct_orders", [report, revenue, oldKpis]),
                         breaking: [Sketch.breaking("COLUMN_NO_DELETE", model: "fct_orders", column: "amount")],
                         expect: [.model(line: 2)]),
            RuleExample("A renamed relation reaches a dashboard reading the table directly",
                         before: Sketch.model("fct_orders"), after: Sketch.model("fct_orders", alias: "orders"),
                         impact: Sketch.impact("fct_orders", [Sketch.consumer("Ops", type: "dashboard", usage: 5)]),
                         breaking: [Sketch.breaking("MODEL_SAME_RELATION", model: "fct_orders")],
                         expect: [.model(line: 2)]),
        ],
        nonTriggeringExamples: [
            RuleExample("The removed column is not used on the way to the dashboard",
                         before: Sketch.model("fct_orders", [Sketch.column("order_id", "bigint"), Sketch.column("note", "varchar")]),
                         after: Sketch.model("fct_orders", [Sketch.column("order_id", "bigint")]),
                         impact: Sketch.impact("fct_orders", [report, revenue]),
                         breaking: [Sketch.breaking("COLUMN_NO_DELETE", model: "fct_orders", column: "note")]),
            RuleExample("Only a stale dashboard is reached",
                         before: Sketch.model("fct_orders"), after: Sketch.model("fct_orders", alias: "orders"),
                         impact: Sketch.impact("fct_orders", [Sketch.consumer("Old KPIs", type: "dashboard", usage: 0)]),
                         breaking: [Sketch.breaking("MODEL_SAME_RELATION", model: "fct_orders")]),
            RuleExample("The dashboard is below `min_usage`",
                         before: Sketch.model("fct_orders"), after: Sketch.model("fct_orders", alias: "orders"),
                         impact: Sketch.impact("fct_orders", [Sketch.consumer("Ops", type: "dashboard", usage: 3)]),
                         options: ["min_usage": .number(10)],
                         breaking: [Sketch.breaking("MODEL_SAME_RELATION", model: "fct_orders")]),
            RuleExample("A dashboard is downstream but nothing breaks",
                         before: Sketch.model("fct_orders"), after: Sketch.model("fct_orders", description: "Orders."),
                         impact: Sketch.impact("fct_orders", [Sketch.consumer("Ops", type: "dashboard", usage: 50)])),
        ])

    static let minUsage = TypedRuleOption.integer(
        "min_usage", default: 1, meaning: "Views (Secoda external + internal usage) from which a dashboard counts as in use.")

    /// Dashboards in use (not stale, usage ≥ `min_usage` in `options`) that `breaking` reaches.
    /// The one place `min_usage` is read: this rule's check and the engine's raising of breaking
    /// findings (`RuleEngine.raiseForDashboards`) both ask here.
    public static func dashboardsInUse(reachedBy breaking: Finding, in impact: ModelImpact?, options: RuleOptions) -> [DownstreamNode] {
        let minUsage = options[Self.minUsage]
        return ConsumerReach.nodes(reachedBy: breaking, in: impact).filter {
            $0.isDashboardLike && !$0.stale && ($0.usage?.total ?? 0) >= minUsage
        }
    }

    public func check(_ change: ModelChange, impact: ModelImpact?, context: RuleContext) throws -> [Finding] {
        var inUse: [String: DownstreamNode] = [:]
        var stale: [String: DownstreamNode] = [:]
        var causes: [String] = []
        for breaking in context.breakingFindings {
            let hit = Self.dashboardsInUse(reachedBy: breaking, in: impact, options: context.options)
            if !hit.isEmpty { causes.append(breaking.rule + (breaking.column.map { " on `\($0)`" } ?? "")) }
            for node in hit { inUse[node.id] = node }
            for node in ConsumerReach.nodes(reachedBy: breaking, in: impact) where node.isDashboardLike && node.stale {
                stale[node.id] = node
            }
        }
        guard !inUse.isEmpty else { return [] }
        let dashboards = ConsumerReach.ranked(Array(inUse.values)).map(ConsumerReach.label).joined(separator: ", ")
        var message = "Breaking change to `\(change.name)` (\(Array(Set(causes)).sorted().joined(separator: ", "))) reaches dashboard\(inUse.count == 1 ? "" : "s") in use: \(dashboards)."
        if !stale.isEmpty {
            let names = stale.values.map { "`\($0.name)`" }.sorted().joined(separator: ", ")
            message += " Also reaches stale \(names) (no recorded usage): deprecation candidate\(stale.count == 1 ? "" : "s"), not counted."
        }
        var result = finding(message, change: change, at: change.location, context: context)
        let ranked = ConsumerReach.ranked(Array(inUse.values))
        result.downstream = ranked.count
        result.consumers = ranked.map(\.name)
        return [result]
    }
}
