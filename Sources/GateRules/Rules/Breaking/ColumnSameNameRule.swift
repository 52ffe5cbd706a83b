import GateModel

/// COLUMN_SAME_NAME: columns are not renamed.
public struct ColumnSameNameRule: Rule {
    public init() {}

    public static let description = RuleDescription(
        id: "COLUMN_SAME_NAME", name: "Column keeps its name", category: .breaking,
        purpose: "Checks that a column is not renamed (removed + added at the same position with the same type, or `meta.renamed_from`).",
        rationale: "To a consumer a rename is a deletion: queries select the old name. Reported once, naming both "
            + "names, so the author sees one clear finding instead of a removal and an addition. The finding names "
            + "the old column, since that is what consumers use.",
        defaultSeverity: .warning,
        triggeringExamples: [
            RuleExample("`status` becomes `order_status` at the same position with the same type",
                         before: Sketch.model("fct_orders", [Sketch.column("order_id", "bigint"), Sketch.column("status", "varchar")]),
                         after: Sketch.model("fct_orders", [Sketch.column("order_id", "bigint"), Sketch.column("order_status", "varchar")]),
                         impact: Sketch.impact("fct_orders", [Sketch.consumer("Revenue", type: "dashboard", usage: 9, uses: ["status"])]),
                         expect: [.column("status", line: 6)]),
            RuleExample("A rename declared with `meta.renamed_from`, even when moved",
                         before: Sketch.model("fct_orders", [Sketch.column("amt", "numeric(12,2)"), Sketch.column("order_id", "bigint")]),
                         after: Sketch.model("fct_orders", [Sketch.column("order_id", "bigint"),
                                                            Sketch.column("amount", "numeric(12,2)", renamedFrom: "amt")]),
                         expect: [.column("amt", line: 6)]),
        ],
        nonTriggeringExamples: [
            RuleExample("A column is removed and a different one added elsewhere (COLUMN_NO_DELETE reports the removal)",
                         before: Sketch.model("fct_orders", [Sketch.column("order_id", "bigint"), Sketch.column("status", "varchar")]),
                         after: Sketch.model("fct_orders", [Sketch.column("order_id", "bigint"), Sketch.column("placed_at", "timestamp")])),
            RuleExample("Column names differ only in case",
                         before: Sketch.model("fct_orders", [Sketch.column("order_id", "bigint")]),
                         after: Sketch.model("fct_orders", [Sketch.column("ORDER_ID", "bigint")])),
        ])

    public func check(_ change: ModelChange, impact: ModelImpact?, context: RuleContext) throws -> [Finding] {
        guard change.liveHead != nil else { return [] }
        return change.columnChanges.filter { $0.kind == .renamed }.map { rename in
            let old = rename.before?.name ?? rename.column
            let declared = rename.after?.renamedFrom != nil ? " (declared by `meta.renamed_from`)" : ""
            return finding("Column `\(old)` of `\(change.name)` is renamed to `\(rename.column)`\(declared). Consumers select `\(old)`; keep it as well (an alias column) until they migrate.",
                           change: change, column: old, at: rename.location ?? change.location, context: context)
        }
    }
}
