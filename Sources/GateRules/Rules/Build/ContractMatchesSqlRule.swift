import GateModel

/// CONTRACT_MATCHES_SQL: an enforced contract's declared columns are exactly what the SQL outputs.
public struct ContractMatchesSqlRule: Rule {
    public init() {}

    public static let description = RuleDescription(
        id: "CONTRACT_MATCHES_SQL", name: "Enforced contract matches the SQL", category: .build,
        purpose: "Checks that a model with an enforced contract still outputs exactly the columns its YAML declares.",
        rationale: "With `contract: {enforced: true}`, dbt compares the model's SQL output with its declared columns "
            + "before building it and stops when a declared column is missing or an undeclared one appears. The "
            + "gate reads the output from the model's SQL (with `*` expanded through the graph), so a column "
            + "dropped in the SQL, or one that a `select *` stops passing on from upstream, is caught before the "
            + "build. dbt also compares the declared data types with the built ones: a `data_type` edited in YAML "
            + "while the model's rendered SQL and everything upstream stay the same no longer matches what the "
            + "base declared and built (unless both spellings name one type on the adapter's warehouse). "
            + "Mismatches that were already there before the change are left to dbt.",
        defaultSeverity: .error,
        triggeringExamples: [
            RuleExample("The SQL of an enforced model no longer outputs a declared column",
                        before: Sketch.model("fct_orders", enforced: true), after: Sketch.model("fct_orders", enforced: true),
                        mismatches: [Sketch.mismatch("fct_orders", missing: ["status"])],
                        expect: [.model(line: 2)]),
            RuleExample("A declared type is edited in YAML only: the unchanged SQL still builds the old type",
                        before: Sketch.model("fct_orders", enforced: true), after: Sketch.model("fct_orders", enforced: true),
                        mismatches: [ContractMismatch(model: "fct_orders", missing: [], undeclared: [], changedModel: true,
                                                      location: SourceLocation(path: Sketch.propertiesPath, line: 2),
                                                      retyped: [ContractTypeChange(column: "ordered_at", before: "timestamp", after: "varchar",
                                                                                   location: SourceLocation(path: Sketch.propertiesPath, line: 9))])],
                        expect: [.model(line: 9)]),
        ],
        nonTriggeringExamples: [
            RuleExample("The SQL outputs exactly the declared columns",
                        before: Sketch.model("fct_orders", enforced: true), after: Sketch.model("fct_orders", enforced: true)),
            RuleExample("A declared type respelled as a synonym (`int` for `integer`)",
                        before: Sketch.model("fct_orders", enforced: true), after: Sketch.model("fct_orders", enforced: true),
                        mismatches: [ContractMismatch(model: "fct_orders", missing: [], undeclared: [], changedModel: true,
                                                      location: SourceLocation(path: Sketch.propertiesPath, line: 2),
                                                      retyped: [ContractTypeChange(column: "order_id", before: "integer", after: "int")])]),
        ])

    public func check(_ change: ModelChange, impact: ModelImpact?, context: RuleContext) throws -> [Finding] {
        context.contractMismatches.compactMap { mismatch in
            var mismatch = mismatch
            // Two spellings of one type on this warehouse (`text`/`varchar` on DuckDB) still match.
            mismatch.retyped.removeAll { ColumnType.sameType($0.before, $0.after, adapter: context.adapter) }
            guard !mismatch.missing.isEmpty || !mismatch.undeclared.isEmpty || !mismatch.retyped.isEmpty else { return nil }
            let location = mismatch.missing.isEmpty && mismatch.undeclared.isEmpty
                ? mismatch.retyped.first?.location ?? mismatch.location : mismatch.location
            return Finding(rule: Self.description.id, category: Self.description.category, severity: context.severity,
                           model: mismatch.model, message: Self.message(mismatch), location: location)
        }
    }

    static func message(_ m: ContractMismatch) -> String {
        func list(_ names: [String]) -> String { names.map { "`\($0)`" }.joined(separator: ", ") }
        var problems: [String] = []
        if !m.missing.isEmpty { problems.append("its SQL no longer outputs declared column\(m.missing.count == 1 ? "" : "s") \(list(m.missing))") }
        if !m.undeclared.isEmpty { problems.append("its SQL outputs \(list(m.undeclared)), which the YAML does not declare") }
        for change in m.retyped {
            problems.append("its YAML now declares `\(change.column)` as `\(change.after)` while the SQL, unchanged, still "
                + "builds the `\(change.before)` the YAML declared before")
        }
        let cause = m.changedModel ? "" : " because of the change to `\(m.cause ?? "an upstream model")` (through `select *`)"
        return "`\(m.model)` has an enforced contract, but \(problems.joined(separator: ", and "))\(cause): `dbt build` stops "
            + "on the contract check. Fix: make the SQL output exactly the declared columns, or update `columns:` (a "
            + "breaking change for its consumers)."
    }
}
