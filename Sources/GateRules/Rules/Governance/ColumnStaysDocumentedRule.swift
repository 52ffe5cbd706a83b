import GateModel

/// COLUMN_STAYS_DOCUMENTED: a column the SQL still outputs keeps its YAML entry.
public struct ColumnStaysDocumentedRule: Rule {
    public init() {}

    public static let description = RuleDescription(
        id: "COLUMN_STAYS_DOCUMENTED", name: "Column stays documented", category: .governance,
        purpose: "Checks that a column the model's SQL still outputs does not lose its YAML entry.",
        rationale: "Deleting a column's entry from the YAML while the SQL still produces it removes nothing from the "
            + "table: consumers are not affected, and dbt raises nothing. What is lost is its description, tests and "
            + "declared constraints, so it is a documentation finding, not COLUMN_NO_DELETE's removal.",
        defaultSeverity: .off,
        triggeringExamples: [
            RuleExample("`status`'s YAML entry is deleted; the SQL still selects it",
                        before: Sketch.model("fct_orders", [Sketch.column("order_id", "bigint"), Sketch.column("status", "varchar")]),
                        after: Sketch.model("fct_orders", [Sketch.column("order_id", "bigint")]),
                        columnChanges: [ColumnChange(kind: .undeclared, column: "status",
                                                     before: Sketch.column("status", "varchar"),
                                                     location: SourceLocation(path: Sketch.propertiesPath, line: 4))],
                        expect: [.column("status", line: 4)]),
        ],
        nonTriggeringExamples: [
            RuleExample("The column is removed from the SQL and the YAML (COLUMN_NO_DELETE reports it)",
                        before: Sketch.model("fct_orders", [Sketch.column("order_id", "bigint"), Sketch.column("status", "varchar")]),
                        after: Sketch.model("fct_orders", [Sketch.column("order_id", "bigint")])),
        ])

    public func check(_ change: ModelChange, impact: ModelImpact?, context: RuleContext) throws -> [Finding] {
        guard change.liveHead != nil else { return [] }
        return change.columnChanges.filter { $0.kind == .undeclared }.map { item in
            finding("Column `\(item.column)` of `\(change.name)` lost its YAML entry, but the SQL still outputs it: its "
                    + "description, tests and constraints are gone, the column is not. Keep the entry, or remove the column "
                    + "from the SQL as well if that was the intent.",
                    change: change, column: item.column, at: item.location ?? change.location, context: context)
        }
    }
}
