import GateModel

/// Where a finding from an example must land: the column it names (nil for a model-level
/// finding) and the line of the example's property file — or, for a BUILD finding, of the
/// model's own SQL file (SwiftLint's `↓` marker).
public struct ExpectedFinding: Sendable, Hashable, CustomStringConvertible {
    public var column: String?
    public var line: Int

    public init(column: String? = nil, line: Int) {
        self.column = column
        self.line = line
    }

    /// `.model(line:)` for a finding about the model as a whole.
    public static func model(line: Int) -> ExpectedFinding { ExpectedFinding(column: nil, line: line) }
    /// `.column("status", line: 6)` for a finding about one column.
    public static func column(_ name: String, line: Int) -> ExpectedFinding { ExpectedFinding(column: name, line: line) }

    public var description: String {
        column.map { ".column(\"\($0)\", line: \(line))" } ?? ".model(line: \(line))"
    }
}

/// A small before/after model state plus a tiny lineage: documentation of a rule and its test.
public struct RuleExample: Sendable {
    public var title: String
    public var before: ModelSnapshot?
    public var after: ModelSnapshot?
    public var impact: ModelImpact?
    /// Rule options for this example (over the rule's defaults).
    public var options: [String: JSONValue]
    public var catalog: CatalogFacts
    public var odcs: [OdcsSchemaExpectation]
    /// For IMPACT rules: the breaking findings already found.
    public var breaking: [Finding]
    /// For BUILD rules: the model's calls that no longer resolve at head.
    public var references: [DanglingReference]
    /// For BUILD rules: head reads of columns the change removes upstream.
    public var brokenReads: [BrokenColumnRead]
    /// For BUILD rules: enforced contracts whose SQL and YAML disagree.
    public var mismatches: [ContractMismatch]
    /// Column changes as the SQL reading gives them, when the YAML alone cannot show them.
    public var columnChanges: [ColumnChange]?
    /// For POLICY rules: the contract file (`Sketch.contractPath`) at the base and at the head.
    public var policy: (before: String, after: String)?
    public var today: CalendarDay
    /// Where each finding must point; empty for a non-triggering example.
    public var expected: [ExpectedFinding]

    public init(_ title: String, before: ModelSnapshot?, after: ModelSnapshot?, impact: ModelImpact? = nil,
                options: [String: JSONValue] = [:], catalog: CatalogFacts = CatalogFacts(),
                odcs: [OdcsSchemaExpectation] = [], breaking: [Finding] = [], references: [DanglingReference] = [],
                brokenReads: [BrokenColumnRead] = [], mismatches: [ContractMismatch] = [], columnChanges: [ColumnChange]? = nil,
                policy: (before: String, after: String)? = nil, today: CalendarDay = Sketch.today,
                expect expected: [ExpectedFinding] = []) {
        self.title = title
        self.before = before
        self.after = after
        self.impact = impact
        self.options = options
        self.catalog = catalog
        self.odcs = odcs
        self.breaking = breaking
        self.references = references
        self.brokenReads = brokenReads
        self.mismatches = mismatches
        self.columnChanges = columnChanges
        self.policy = policy
        self.today = today
        self.expected = expected
    }

    /// The change the example describes, with column changes worked out as the dbt diff would.
    public var change: ModelChange {
        let name = after?.name ?? before?.name ?? "model"
        let status: ModelChangeStatus
        switch (before, after) {
        case (nil, _): status = .added
        case (_, nil): status = .deleted
        case let (b?, a?):
            status = b.path != a.path || b.relation.normalized != a.relation.normalized ? .renamed : .modified
        }
        return ModelChange(name: name, status: status, base: before, head: after,
                           columnChanges: columnChanges ?? Sketch.columnChanges(before: before, after: after))
    }
}
