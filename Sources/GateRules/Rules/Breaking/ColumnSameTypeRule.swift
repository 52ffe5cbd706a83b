import GateModel

/// COLUMN_SAME_TYPE: a column's data type does not change (unless it only widens and the contract allows that).
public struct ColumnSameTypeRule: Rule {
    public init() {}

    static let allow = TypedRuleOption.stringList(
        "allow", default: [], allowedValues: ["widening"],
        meaning: "Type changes to accept: `widening` accepts changes that keep every old value representable.")

    public static let description = RuleDescription(
        id: "COLUMN_SAME_TYPE", name: "Column keeps its type", category: .breaking,
        purpose: "Checks that a column's data_type does not change (compared after normalising case, quoting and aliases such as int/integer/int4).",
        rationale: "A type change breaks casts, joins and BI field definitions downstream. Widening (int → bigint, "
            + "smallint → int, float → double, varchar(n) → varchar(m > n), more numeric precision) keeps every old "
            + "value readable and can be allowed with `allow: [widening]`. text ↔ varchar, timestamp ↔ timestamptz "
            + "and int → numeric are never treated as widening. On Snowflake, DuckDB and BigQuery (`dbt.adapter`, else "
            + "the target in profiles.yml) the warehouse's own synonyms are one type: varchar, text and string; on "
            + "Snowflake also every integer and number(38,0); on BigQuery every integer (INT64).",
        defaultSeverity: .warning,
        options: [
            allow.declaration,
        ],
        triggeringExamples: [
            RuleExample("`amount` goes from numeric to varchar",
                         before: Sketch.model("fct_orders", [Sketch.column("order_id", "bigint"), Sketch.column("amount", "numeric(12,2)")]),
                         after: Sketch.model("fct_orders", [Sketch.column("order_id", "bigint"), Sketch.column("amount", "varchar")]),
                         expect: [.column("amount", line: 6)]),
            RuleExample("int → bigint without `allow: [widening]`",
                         before: Sketch.model("fct_orders", [Sketch.column("quantity", "int")]),
                         after: Sketch.model("fct_orders", [Sketch.column("quantity", "bigint")]),
                         expect: [.column("quantity", line: 5)]),
            RuleExample("varchar(64) → text is not widening, even when widening is allowed",
                         before: Sketch.model("dim_customers", [Sketch.column("email", "varchar(64)")]),
                         after: Sketch.model("dim_customers", [Sketch.column("email", "text")]),
                         options: ["allow": .array([.string("widening")])],
                         expect: [.column("email", line: 5)]),
        ],
        nonTriggeringExamples: [
            RuleExample("int → bigint with `allow: [widening]`",
                         before: Sketch.model("fct_orders", [Sketch.column("quantity", "int")]),
                         after: Sketch.model("fct_orders", [Sketch.column("quantity", "bigint")]),
                         options: ["allow": .array([.string("widening")])]),
            RuleExample("varchar(20) → varchar(64) with `allow: [widening]`",
                         before: Sketch.model("fct_orders", [Sketch.column("status", "varchar(20)")]),
                         after: Sketch.model("fct_orders", [Sketch.column("status", "VARCHAR( 64 )")]),
                         options: ["allow": .array([.string("widening")])]),
            RuleExample("Only the spelling changes: INT4 → \"integer\"",
                         before: Sketch.model("fct_orders", [Sketch.column("quantity", "INT4")]),
                         after: Sketch.model("fct_orders", [Sketch.column("quantity", "\"integer\"")])),
        ])

    public func check(_ change: ModelChange, impact: ModelImpact?, context: RuleContext) throws -> [Finding] {
        guard change.liveHead != nil else { return [] }
        let allowWidening = context.options[Self.allow].contains("widening")
        return change.columnChanges.compactMap { item -> Finding? in
            guard item.kind == .typeChanged, let old = item.before?.dataType, let new = item.after?.dataType,
                  !ColumnType.sameType(old, new, adapter: context.adapter) else { return nil }
            let widening = ColumnType.isWidening(from: old, to: new, adapter: context.adapter)
            if widening && allowWidening { return nil }
            let hint = widening ? " It only widens; add `allow: [widening]` to the contract's COLUMN_SAME_TYPE to accept that."
                : " Keep the type, or add a new column with the new type and migrate consumers."
            return finding("Column `\(item.column)` of `\(change.name)` changes type \(old) → \(new).\(hint)",
                           change: change, column: item.column, at: item.location ?? change.location, context: context)
        }
    }
}
