import GateModel

/// MODEL_HAS_DESCRIPTION: what is new is described.
public struct ModelHasDescriptionRule: Rule {
    public init() {}

    static let columns = TypedRuleOption.boolean("columns", default: true, meaning: "Also require descriptions on new columns.")

    public static let description = RuleDescription(
        id: "MODEL_HAS_DESCRIPTION", name: "New models and columns are described", category: .governance,
        purpose: "Checks that new models and columns are described.",
        rationale: "Descriptions are what consumers read in the catalog before they build on a model; writing one "
            + "is cheapest when the model or column is added. Existing gaps are not reported on unrelated changes.",
        defaultSeverity: .off,
        options: [
            columns.declaration,
        ],
        triggeringExamples: [
            RuleExample("A new model without a description, with an undescribed column",
                         before: nil,
                         after: Sketch.model("fct_refunds", [Sketch.column("refund_id", "bigint"),
                                                             Sketch.column("reason", "varchar", description: nil)],
                                             description: nil),
                         expect: [.model(line: 2), .column("reason", line: 6)]),
            RuleExample("A column is added without a description",
                         before: Sketch.model("fct_orders", [Sketch.column("order_id", "bigint")]),
                         after: Sketch.model("fct_orders", [Sketch.column("order_id", "bigint"), Sketch.column("channel", "varchar", description: "  ")]),
                         expect: [.column("channel", line: 6)]),
        ],
        nonTriggeringExamples: [
            RuleExample("An existing undescribed model gets a described column",
                         before: Sketch.model("fct_orders", [Sketch.column("order_id", "bigint")], description: nil),
                         after: Sketch.model("fct_orders", [Sketch.column("order_id", "bigint"), Sketch.column("channel", "varchar")], description: nil)),
            RuleExample("A new column without a description when `columns: false`",
                         before: Sketch.model("fct_orders", [Sketch.column("order_id", "bigint")]),
                         after: Sketch.model("fct_orders", [Sketch.column("order_id", "bigint"), Sketch.column("channel", "varchar", description: nil)]),
                         options: ["columns": .bool(false)]),
        ])

    static func isBlank(_ text: String?) -> Bool {
        (text ?? "").trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
    }

    public func check(_ change: ModelChange, impact: ModelImpact?, context: RuleContext) throws -> [Finding] {
        guard let head = change.head else { return [] }
        var findings: [Finding] = []
        if change.status == .added, Self.isBlank(head.description) {
            findings.append(finding("New model `\(change.name)` has no description. Say what one row is and who should use it.",
                                    change: change, at: head.location, context: context))
        }
        guard context.options[Self.columns] else { return findings }
        let newColumns: [ColumnSpec] = change.status == .added
            ? head.columns
            : change.columnChanges.filter { $0.kind == .added }.compactMap(\.after)
        for column in newColumns where Self.isBlank(column.description) {
            findings.append(finding("New column `\(column.name)` of `\(change.name)` has no description.",
                                    change: change, column: column.name, at: column.location ?? head.location, context: context))
        }
        return findings
    }
}
