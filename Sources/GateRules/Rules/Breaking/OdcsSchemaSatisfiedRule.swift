import GateModel

/// ODCS_SCHEMA_SATISFIED: the head model still meets the ODCS contracts that describe it.
public struct OdcsSchemaSatisfiedRule: Rule {
    public init() {}

    static let promise = OdcsSchemaExpectation(
        contract: "orders-v1", model: "fct_orders",
        properties: [
            OdcsPropertyExpectation(name: "order_id", physicalType: "bigint", required: true, primaryKey: true,
                                    location: SourceLocation(path: "contracts/orders.odcs.yaml", line: 9, column: 7)),
            OdcsPropertyExpectation(name: "amount", logicalType: "number",
                                    location: SourceLocation(path: "contracts/orders.odcs.yaml", line: 14, column: 7)),
            OdcsPropertyExpectation(name: "customer_email", physicalType: "varchar", classification: "pii",
                                    location: SourceLocation(path: "contracts/orders.odcs.yaml", line: 17, column: 7)),
        ],
        location: SourceLocation(path: "contracts/orders.odcs.yaml", line: 6, column: 5))

    static let keeps = [Sketch.column("order_id", "bigint", [.primaryKey]), Sketch.column("amount", "numeric(12,2)"),
                        Sketch.column("customer_email", "varchar", pii: true)]

    public static let description = RuleDescription(
        id: "ODCS_SCHEMA_SATISFIED", name: "ODCS schema satisfied", category: .breaking,
        purpose: "Checks that the head model still provides every column and type an ODCS contract promises.",
        rationale: "An Open Data Contract Standard file is a published promise to consumers who may not appear in "
            + "any lineage graph. Each promised property must still exist with its physical type (or a type of its "
            + "logical family), keep not_null when `required`, unique when `unique`, a primary key when `primaryKey`, "
            + "and a PII mark when its classification is sensitive. Types are checked where the model declares "
            + "`data_type`. Unlike other BREAKING rules, `when_unused` does not lower it: the consumers are outside.",
        defaultSeverity: .warning,
        triggeringExamples: [
            RuleExample("The promised `amount` column is dropped and `order_id` loses its key",
                         before: Sketch.model("fct_orders", keeps),
                         after: Sketch.model("fct_orders", [Sketch.column("order_id", "bigint"),
                                                            Sketch.column("customer_email", "varchar", pii: true)]),
                         odcs: [promise],
                         expect: [.column("order_id", line: 5), .column("amount", line: 2)]),
            RuleExample("`amount` becomes text although the contract promises a number; the PII mark is lost",
                         before: Sketch.model("fct_orders", keeps),
                         after: Sketch.model("fct_orders", [Sketch.column("order_id", "bigint", [.primaryKey]),
                                                            Sketch.column("amount", "varchar"),
                                                            Sketch.column("customer_email", "varchar")]),
                         odcs: [promise],
                         expect: [.column("amount", line: 6), .column("customer_email", line: 7)]),
        ],
        nonTriggeringExamples: [
            RuleExample("Everything promised is still there; a column is added",
                         before: Sketch.model("fct_orders", keeps),
                         after: Sketch.model("fct_orders", keeps + [Sketch.column("note", "varchar")]),
                         odcs: [promise]),
            RuleExample("not_null + unique satisfy `primaryKey`; INT8 is bigint",
                         before: Sketch.model("fct_orders", keeps),
                         after: Sketch.model("fct_orders", [Sketch.column("order_id", "INT8", [.notNull, .unique]),
                                                            Sketch.column("amount", "double"),
                                                            Sketch.column("customer_email", "varchar", pii: true)]),
                         odcs: [promise]),
        ])

    public func check(_ change: ModelChange, impact: ModelImpact?, context: RuleContext) throws -> [Finding] {
        var findings: [Finding] = []
        for promise in context.odcs {
            let source = "ODCS contract `\(promise.contract)` (\(promise.location))"
            guard let head = change.head, head.enabled else {
                findings.append(finding("`\(change.name)` is deleted or disabled, but \(source) promises it.",
                                        change: change, at: change.location, context: context))
                continue
            }
            for property in promise.properties {
                guard let column = head.column(named: property.name) else {
                    findings.append(finding("Column `\(property.name)` is promised by \(source) but `\(change.name)` no longer declares it.",
                                            change: change, column: property.name, at: head.location, context: context))
                    continue
                }
                let problems = unmet(property, by: column, adapter: context.adapter)
                guard !problems.isEmpty else { continue }
                findings.append(finding("Column `\(column.name)` of `\(change.name)` breaks \(source): \(problems.joined(separator: "; ")).",
                                        change: change, column: column.name, at: column.location ?? head.location,
                                        context: context))
            }
        }
        return findings
    }

    private func unmet(_ property: OdcsPropertyExpectation, by column: ColumnSpec, adapter: String?) -> [String] {
        var problems: [String] = []
        if let type = column.dataType {
            if let promised = property.physicalType, !ColumnType.sameType(promised, type, adapter: adapter) {
                problems.append("type is \(type), promised \(promised)")
            }
            if let logical = property.logicalType, let family = ColumnType.family(ofPhysical: type),
               !Self.satisfies(family: family, logical: logical) {
                problems.append("type \(type) is not a \(logical)")
            }
        }
        let kinds = column.constraintKinds
        if property.required && !kinds.contains(.notNull) && !kinds.contains(.primaryKey) {
            problems.append("promised required, but has no not_null")
        }
        if property.unique && !kinds.contains(.unique) && !kinds.contains(.primaryKey) {
            problems.append("promised unique, but has no unique constraint or test")
        }
        if property.primaryKey && !kinds.contains(.primaryKey) && !(kinds.contains(.notNull) && kinds.contains(.unique)) {
            problems.append("promised as primary key, but has neither primary_key nor not_null + unique")
        }
        if property.isSensitive && !column.isPII {
            problems.append("classified \(property.classification ?? "sensitive"), but not marked PII")
        }
        return problems
    }

    static func satisfies(family: String, logical: String) -> Bool {
        switch logical {
        case "number": family == "number" || family == "integer"
        case "date", "timestamp", "time": family == "date"
        default: family == logical
        }
    }
}
