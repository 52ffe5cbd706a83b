import GateModel

/// COLUMN_READ_EXISTS: no head model reads a column the change removes, or `dbt build` fails.
public struct ColumnReadExistsRule: Rule {
    public init() {}

    public static let description = RuleDescription(
        id: "COLUMN_READ_EXISTS", name: "Columns read still exist", category: .build,
        purpose: "Checks that no downstream model, and no data test or unit test, reads a column that the change "
            + "removes or renames in the SQL output of a model it reads.",
        rationale: "A model whose SQL names a column its parent no longer outputs fails to build (\"invalid "
            + "identifier\"), contract or not, and everything downstream of it is not built. The columns come from "
            + "the models' SQL, with `*` expanded through the graph, so a column dropped upstream and passed on by "
            + "`select *` is followed to the model that names it. The finding points at that model's line in the "
            + "head tree. dbt runs data tests and unit tests in the same build: a test under the column "
            + "(`not_null`, `accepted_values`, any generic test), a `relationships` test whose `field` it is, an "
            + "`expression` that names it, or unit-test rows that set it fail the same way, at the test's line.",
        defaultSeverity: .error,
        triggeringExamples: [
            RuleExample("A downstream model still selects a column the change dropped",
                        before: Sketch.model("rpt_amount"), after: Sketch.model("rpt_amount"),
                        brokenReads: [Sketch.brokenRead("rpt_amount", reads: "amount", of: "fct_orders", line: 3)],
                        expect: [.column("amount", line: 3)]),
            RuleExample("A column renamed upstream and passed on through `select *`",
                        before: Sketch.model("rpt_orders"), after: Sketch.model("rpt_orders"),
                        brokenReads: [Sketch.brokenRead("rpt_orders", reads: "status", of: "int_orders", renamedTo: "order_status",
                                                        via: "through `select *` in `int_orders` from `stg_orders`",
                                                        changed: "stg_orders", line: 5)],
                        expect: [.column("status", line: 5)]),
        ],
        nonTriggeringExamples: [
            RuleExample("The dropped column is not read by any downstream model",
                        before: Sketch.model("rpt_amount"), after: Sketch.model("rpt_amount")),
        ])

    public func check(_ change: ModelChange, impact: ModelImpact?, context: RuleContext) throws -> [Finding] {
        context.brokenReads.map { read in
            Finding(rule: Self.description.id, category: Self.description.category, severity: context.severity,
                    model: read.reader, column: read.column, message: Self.message(read), location: read.location)
        }
    }

    static func message(_ read: BrokenColumnRead) -> String {
        let what = read.renamedTo.map { "renames it to `\($0)`" } ?? "removes it"
        let origin = read.upstream == read.changedModel ? "" : " (\(read.via ?? "from `\(read.changedModel)`"))"
        if let test = read.test {
            let fix = read.renamedTo.map { "name `\($0)` in the test, or keep `\(read.column)` as well" }
                ?? "keep `\(read.column)` in `\(read.changedModel)`, or remove or change the test"
            return "The \(test) names column `\(read.column)` of `\(read.upstream)`, but this change \(what)\(origin): "
                + "`dbt build` will fail on that test. Fix: \(fix)."
        }
        let fix = read.renamedTo.map { "select `\($0)` in `\(read.reader)`, or keep `\(read.column)` as well" }
            ?? "keep `\(read.column)` in `\(read.changedModel)`, or stop reading it in `\(read.reader)`"
        return "`\(read.reader)` reads column `\(read.column)` of `\(read.upstream)`, but this change \(what)\(origin): "
            + "`dbt build` will fail on `\(read.reader)`. Fix: \(fix)."
    }
}
