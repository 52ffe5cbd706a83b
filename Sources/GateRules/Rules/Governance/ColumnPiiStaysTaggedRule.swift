import GateModel

/// COLUMN_PII_STAYS_TAGGED: personal data stays marked, and new personal data gets marked.
public struct ColumnPiiStaysTaggedRule: Rule {
    public init() {}

    static let defaultPatterns = ["email", "phone", "ssn", "first_name", "last_name", "full_name", "birth_date",
                                  "date_of_birth", "dob", "address", "ip_address", "passport", "tax_id",
                                  "credit_card", "card_number", "iban"]

    static let patterns = TypedRuleOption.stringList(
        "patterns", default: defaultPatterns,
        meaning: "Column-name word sequences that look like PII (`first_name` matches `customer_first_name`).")

    public static let description = RuleDescription(
        id: "COLUMN_PII_STAYS_TAGGED", name: "PII stays tagged", category: .governance,
        purpose: "Checks that a column marked PII (YAML `meta`/tags, or Secoda `pii: true`) keeps its mark, and a new column whose name looks like PII is marked.",
        rationale: "Masking policies, access reviews and deletion requests find personal data by its mark. A lost "
            + "mark exposes data silently. Names are matched by underscore-separated words, so `zip` never "
            + "matches `ip_address`.",
        defaultSeverity: .off,
        options: [
            patterns.declaration,
        ],
        triggeringExamples: [
            RuleExample("`email` loses `meta: {pii: true}`",
                         before: Sketch.model("dim_customers", [Sketch.column("customer_id", "bigint"), Sketch.column("email", "varchar", pii: true)]),
                         after: Sketch.model("dim_customers", [Sketch.column("customer_id", "bigint"), Sketch.column("email", "varchar")]),
                         expect: [.column("email", line: 6)]),
            RuleExample("A new `billing_phone` column is not marked",
                         before: Sketch.model("dim_customers", [Sketch.column("customer_id", "bigint")]),
                         after: Sketch.model("dim_customers", [Sketch.column("customer_id", "bigint"), Sketch.column("billing_phone", "varchar")]),
                         expect: [.column("billing_phone", line: 6)]),
            RuleExample("Secoda marks `contact` as PII; its type changes and the YAML does not mark it",
                         before: Sketch.model("dim_customers", [Sketch.column("contact", "varchar(64)")]),
                         after: Sketch.model("dim_customers", [Sketch.column("contact", "varchar(128)")]),
                         catalog: CatalogFacts(consulted: true, piiColumns: ["dim_customers": ["contact"]]),
                         expect: [.column("contact", line: 5)]),
        ],
        nonTriggeringExamples: [
            RuleExample("A new PII-looking column is marked",
                         before: Sketch.model("dim_customers", [Sketch.column("customer_id", "bigint")]),
                         after: Sketch.model("dim_customers", [Sketch.column("customer_id", "bigint"), Sketch.column("email", "varchar", pii: true)])),
            RuleExample("`zip` is not `ip`; `shipped_at` is not PII",
                         before: Sketch.model("fct_orders", [Sketch.column("order_id", "bigint")]),
                         after: Sketch.model("fct_orders", [Sketch.column("order_id", "bigint"), Sketch.column("zip", "varchar"),
                                                            Sketch.column("shipped_at", "timestamp")])),
        ])

    static func looksLikePII(_ name: String, patterns: [String]) -> Bool {
        let words = name.lowercased().split(whereSeparator: { $0 == "_" || $0 == "-" || $0 == " " }).map(String.init)
        return patterns.contains { pattern in
            let wanted = pattern.lowercased().split(separator: "_").map(String.init)
            guard !wanted.isEmpty, wanted.count <= words.count else { return false }
            return (0...(words.count - wanted.count)).contains { Array(words[$0..<$0 + wanted.count]) == wanted }
        }
    }

    public func check(_ change: ModelChange, impact: ModelImpact?, context: RuleContext) throws -> [Finding] {
        guard let head = change.head else { return [] }
        let patterns = context.options[Self.patterns]
        let catalogPII = context.catalog.piiColumns[change.name] ?? []
        var findings: [Finding] = []
        var reported: Set<String> = []
        func report(_ column: String, _ message: String, _ location: SourceLocation?) {
            guard reported.insert(column.lowercased()).inserted else { return }
            findings.append(finding(message, change: change, column: column, at: location ?? head.location, context: context))
        }
        for item in change.columnChanges {
            guard let after = item.after, !after.isPII else { continue }
            let location = item.location ?? after.location
            if item.kind == .piiMarkRemoved || (item.before?.isPII ?? false) {
                report(after.name, "Column `\(after.name)` of `\(change.name)` loses its PII mark. Keep `meta: {pii: true}` (or the pii tag); masking and access rules depend on it.", location)
            } else if catalogPII.contains(after.name.lowercased()) || catalogPII.contains((item.before?.name ?? "").lowercased()) {
                report(after.name, "Column `\(after.name)` of `\(change.name)` is PII in the catalog but not marked in its YAML. Add `meta: {pii: true}`.", location)
            } else if item.kind == .added || item.kind == .renamed, Self.looksLikePII(after.name, patterns: patterns) {
                report(after.name, "New column `\(after.name)` of `\(change.name)` looks like personal data but is not marked. Add `meta: {pii: true}`, or rename it if it is not PII.", location)
            }
        }
        if change.status == .added {
            for column in head.columns where !column.isPII
                && (catalogPII.contains(column.name.lowercased()) || Self.looksLikePII(column.name, patterns: patterns)) {
                report(column.name, "New column `\(column.name)` of new model `\(change.name)` looks like personal data but is not marked. Add `meta: {pii: true}`.", column.location)
            }
        }
        return findings
    }
}
