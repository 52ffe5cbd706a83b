import GateModel

/// COLUMN_CONSTRAINT_NO_DELETE: guarantees about a column's values stay.
public struct ColumnConstraintNoDeleteRule: Rule {
    public init() {}

    static let constraints = TypedRuleOption.stringList(
        "constraints", default: ["not_null", "unique", "primary_key", "foreign_key"],
        allowedValues: ConstraintKind.allCases.map(\.rawValue), meaning: "Which constraint kinds must not be removed.")

    public static let description = RuleDescription(
        id: "COLUMN_CONSTRAINT_NO_DELETE", name: "Column keeps its constraints", category: .breaking,
        purpose: "Checks that not_null / unique / primary_key / foreign_key constraints (and the equivalent generic tests) are not removed.",
        rationale: "Consumers rely on these guarantees: joins assume unique keys, metrics assume non-null amounts. "
            + "Dropping the constraint (or its test) lets values in that break them silently. Moving a guarantee "
            + "from a constraint to the equivalent test keeps it and is not reported.",
        defaultSeverity: .warning,
        options: [
            constraints.declaration,
        ],
        triggeringExamples: [
            RuleExample("`order_id` loses not_null",
                         before: Sketch.model("fct_orders", [Sketch.column("order_id", "bigint", [.notNull, .unique])]),
                         after: Sketch.model("fct_orders", [Sketch.column("order_id", "bigint", [.unique])]),
                         expect: [.column("order_id", line: 5)]),
            RuleExample("`customer_id` loses its foreign key and `order_id` its primary key",
                         before: Sketch.model("fct_orders", [Sketch.column("order_id", "bigint", [.primaryKey]),
                                                             Sketch.column("customer_id", "bigint", [.foreignKey])]),
                         after: Sketch.model("fct_orders", [Sketch.column("order_id", "bigint"), Sketch.column("customer_id", "bigint")]),
                         expect: [.column("order_id", line: 5), .column("customer_id", line: 6)]),
        ],
        nonTriggeringExamples: [
            RuleExample("A check constraint is removed (not in the default list)",
                         before: Sketch.model("fct_orders", [Sketch.column("amount", "numeric", [.check])]),
                         after: Sketch.model("fct_orders", [Sketch.column("amount", "numeric")])),
            RuleExample("A constraint is added",
                         before: Sketch.model("fct_orders", [Sketch.column("order_id", "bigint")]),
                         after: Sketch.model("fct_orders", [Sketch.column("order_id", "bigint", [.notNull])])),
            RuleExample("unique is removed but the contract only protects not_null",
                         before: Sketch.model("fct_orders", [Sketch.column("order_id", "bigint", [.notNull, .unique])]),
                         after: Sketch.model("fct_orders", [Sketch.column("order_id", "bigint", [.notNull])]),
                         options: ["constraints": .array([.string("not_null")])]),
        ])

    public func check(_ change: ModelChange, impact: ModelImpact?, context: RuleContext) throws -> [Finding] {
        guard change.liveHead != nil else { return [] }
        let protected = Set(context.options[Self.constraints])
        return change.columnChanges.compactMap { item -> Finding? in
            guard item.kind == .constraintRemoved, let kind = item.constraint, protected.contains(kind.rawValue) else { return nil }
            if let after = item.after, after.constraintKinds.contains(kind) { return nil }   // kept as a test or constraint
            return finding("Column `\(item.column)` of `\(change.name)` loses its \(kind.rawValue) guarantee (constraint or test). Consumers rely on it; keep it or tell them first.",
                           change: change, column: item.column, at: item.location ?? change.location, context: context)
        }
    }
}
