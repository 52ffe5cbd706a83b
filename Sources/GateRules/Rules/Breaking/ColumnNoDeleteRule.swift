import GateModel

/// COLUMN_NO_DELETE: declared columns stay.
public struct ColumnNoDeleteRule: Rule {
    public init() {}

    public static let description = RuleDescription(
        id: "COLUMN_NO_DELETE", name: "Column not deleted", category: .breaking,
        purpose: "Checks that a declared column is not removed.",
        rationale: "A column in a model's YAML is part of its interface; queries and dashboards that select it "
            + "fail once it is gone. A rename is reported once by COLUMN_SAME_NAME instead.",
        defaultSeverity: .warning,
        triggeringExamples: [
            RuleExample("`status` is removed while a report reads it",
                         before: Sketch.model("fct_orders", [Sketch.column("order_id", "bigint"), Sketch.column("status", "varchar")]),
                         after: Sketch.model("fct_orders", [Sketch.column("order_id", "bigint")]),
                         impact: Sketch.impact("fct_orders", [Sketch.consumer("rpt_orders", uses: ["status"])]),
                         expect: [.column("status", line: 2)]),
        ],
        nonTriggeringExamples: [
            RuleExample("A column is added",
                         before: Sketch.model("fct_orders", [Sketch.column("order_id", "bigint")]),
                         after: Sketch.model("fct_orders", [Sketch.column("order_id", "bigint"), Sketch.column("status", "varchar")])),
            RuleExample("A column is renamed in place (COLUMN_SAME_NAME reports it, once)",
                         before: Sketch.model("fct_orders", [Sketch.column("order_id", "bigint"), Sketch.column("status", "varchar")]),
                         after: Sketch.model("fct_orders", [Sketch.column("order_id", "bigint"), Sketch.column("order_status", "varchar")])),
            RuleExample("The whole model is deleted (MODEL_NO_DELETE reports it)",
                         before: Sketch.model("fct_orders", [Sketch.column("status", "varchar")]), after: nil),
            RuleExample("The model is disabled and its columns dropped (MODEL_NO_DELETE reports it)",
                         before: Sketch.model("fct_orders", [Sketch.column("order_id", "bigint"), Sketch.column("status", "varchar")]),
                         after: Sketch.model("fct_orders", [Sketch.column("order_id", "bigint")], enabled: false)),
        ])

    public func check(_ change: ModelChange, impact: ModelImpact?, context: RuleContext) throws -> [Finding] {
        guard change.liveHead != nil else { return [] }
        return change.columnChanges.filter { $0.kind == .removed }.map { removal in
            let type = removal.before?.dataType.map { " (\($0))" } ?? ""
            let evidence = removal.evidence.map { " (\($0))" } ?? ""
            return finding("Column `\(removal.column)`\(type) is removed from `\(change.name)`\(evidence). Keep it (deprecate it in its description) until no consumer selects it.",
                           change: change, column: removal.column, at: removal.location ?? change.location, context: context)
        }
    }
}
