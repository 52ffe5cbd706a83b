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
            + "build. Mismatches that were already there before the change are left to dbt.",
        defaultSeverity: .error,
        triggeringExamples: [
            RuleExample("The SQL of an enforced model no longer outputs a declared column",
                        before: Sketch.model("fct_orders", enforced: true), after: Sketch.model("fct_orders", enforced: true),
                        mismatches: [Sketch.mismatch("fct_orders", missing: ["status"])],
                        expect: [.model(line: 2)]),
        ],
        nonTriggeringExamples: [
            RuleExample("The SQL outputs exactly the declared columns",
                        before: Sketch.model("fct_orders", enforced: true), after: Sketch.model("fct_orders", enforced: true)),
        ])

    public func check(_ change: ModelChange, impact: ModelImpact?, context: RuleContext) throws -> [Finding] {
        context.contractMismatches.map { mismatch in
            Finding(rule: Self.description.id, category: Self.description.category, severity: context.severity,
                    model: mismatch.model, message: Self.message(mismatch), location: mismatch.location)
        }
    }

    static func message(_ m: ContractMismatch) -> String {
        func list(_ names: [String]) -> String { names.map { "`\($0)`" }.joined(separator: ", ") }
        var problems: [String] = []
        if !m.missing.isEmpty { problems.append("its SQL no longer outputs declared column\(m.missing.count == 1 ? "" : "s") \(list(m.missing))") }
        if !m.undeclared.isEmpty { problems.append("its SQL outputs \(list(m.undeclared)), which the YAML does not declare") }
        let cause = m.changedModel ? "" : " because of the change to `\(m.cause ?? "an upstream model")` (through `select *`)"
        return "`\(m.model)` has an enforced contract, but \(problems.joined(separator: ", and "))\(cause): `dbt build` stops "
            + "on the contract check. Fix: make the SQL output exactly the declared columns, or update `columns:` (a "
            + "breaking change for its consumers)."
    }
}
