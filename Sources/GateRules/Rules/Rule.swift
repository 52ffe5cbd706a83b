import GateModel

/// A contract rule: a pure check of one model change against its impact (STYLE.md "Rules").
///
/// A rule never prints, reads files or calls the network; everything it needs arrives in the
/// `ModelChange`, the `ModelImpact` and the `RuleContext`. It returns findings at
/// `context.severity`; the engine then applies consumer-aware severity and waivers.
public protocol Rule: Sendable {
    /// The documentation and the test: ID, purpose, options and examples.
    static var description: RuleDescription { get }
    init()
    func check(_ change: ModelChange, impact: ModelImpact?, context: RuleContext) throws -> [Finding]
}

extension Rule {
    /// A finding of this rule at the configured severity, for `change`'s model.
    func finding(_ message: String, change: ModelChange, column: String? = nil,
                 at location: SourceLocation?, context: RuleContext) -> Finding {
        let description = Self.description
        return Finding(rule: description.id, category: description.category, severity: context.severity,
                       model: change.name, column: column, message: message, location: location)
    }
}

/// The type of a rule option's value.
public enum RuleOptionKind: String, Sendable, Hashable, Codable {
    case integer
    case boolean
    case string
    case stringList = "string_list"
}

/// One option a contract may set for a rule (`COLUMN_SAME_TYPE: {severity: error, allow: [widening]}`).
public struct RuleOption: Sendable, Hashable {
    public var name: String
    public var kind: RuleOptionKind
    public var defaultValue: JSONValue
    /// For `string`/`string_list`: the only words allowed; nil when any text is allowed.
    public var allowedValues: [String]?
    public var meaning: String

    public init(name: String, kind: RuleOptionKind, defaultValue: JSONValue, allowedValues: [String]? = nil,
                meaning: String) {
        self.name = name
        self.kind = kind
        self.defaultValue = defaultValue
        self.allowedValues = allowedValues
        self.meaning = meaning
    }
}

/// One option of one rule, declared once: the documentation `rules`/`explain` list and
/// `validate` checks contracts against (`declaration`), and how its typed value is read from a
/// contract's options. A rule lists `declaration` in its description and reads the value with
/// `options[option]`, so the name, the kind and the default live in this one value.
public struct TypedRuleOption<Value: Sendable>: Sendable {
    public let declaration: RuleOption
    private let fallback: Value
    private let read: @Sendable (JSONValue) -> Value?

    private init(_ declaration: RuleOption, fallback: Value, read: @escaping @Sendable (JSONValue) -> Value?) {
        self.declaration = declaration
        self.fallback = fallback
        self.read = read
    }

    /// The value in `options`, or the declared default when it is unset or of another kind
    /// (`validate` reports a value of the wrong kind; the check never guesses one).
    public func value(in options: RuleOptions) -> Value {
        options.values[declaration.name].flatMap(read) ?? fallback
    }
}

extension TypedRuleOption where Value == Int {
    public static func integer(_ name: String, default value: Int, meaning: String) -> Self {
        Self(RuleOption(name: name, kind: .integer, defaultValue: .number(Double(value)), meaning: meaning), fallback: value) {
            if case .number(let n) = $0, n.isFinite, abs(n) < 1e15 { return Int(n) }
            return nil
        }
    }
}

extension TypedRuleOption where Value == Bool {
    public static func boolean(_ name: String, default value: Bool, meaning: String) -> Self {
        Self(RuleOption(name: name, kind: .boolean, defaultValue: .bool(value), meaning: meaning), fallback: value) { $0.boolValue }
    }
}

extension TypedRuleOption where Value == [String] {
    /// A list of words; a single string counts as a list of one.
    public static func stringList(_ name: String, default value: [String], allowedValues: [String]? = nil,
                                  meaning: String) -> Self {
        Self(RuleOption(name: name, kind: .stringList, defaultValue: .array(value.map(JSONValue.string)),
                        allowedValues: allowedValues, meaning: meaning), fallback: value) {
            switch $0 {
            case .array(let items): items.compactMap(\.stringValue)
            case .string(let s): [s]
            default: nil
            }
        }
    }
}

/// Option values for one rule, with the rule's defaults filled in.
public struct RuleOptions: Sendable, Hashable {
    public var values: [String: JSONValue]

    public init(_ values: [String: JSONValue] = [:]) { self.values = values }

    /// `values` over the defaults of `options`.
    public init(_ values: [String: JSONValue], defaults options: [RuleOption]) {
        var merged: [String: JSONValue] = [:]
        for option in options { merged[option.name] = option.defaultValue }
        for (key, value) in values { merged[key] = value }
        self.values = merged
    }

    /// The typed value of `option` (rules read their options only this way).
    public subscript<Value>(_ option: TypedRuleOption<Value>) -> Value { option.value(in: self) }
}

/// What the catalog step learned about the changed models, for the CATALOG and GOVERNANCE rules.
public struct CatalogFacts: Sendable, Hashable {
    /// Whether a catalog (Secoda or a snapshot) was consulted at all; without one MODEL_RESOLVES is silent.
    public var consulted: Bool
    /// Model name → catalog table id; a model absent here or mapped to nil did not resolve.
    public var ids: [String: String?]
    /// Model name → owners the catalog lists for the model's own table (display names or handles).
    public var owners: [String: [String]]
    /// Model name → lower-cased names of columns the catalog marks `pii: true`.
    public var piiColumns: [String: Set<String>]
    /// False when the impact is known to be incomplete (catalog error under `on_catalog_error: warn`):
    /// then "no consumer found" is not evidence of "no consumer", and `when_unused` lowers nothing.
    public var impactComplete: Bool
    /// Model name → ids of the several catalog tables its relation matches: it did not resolve because
    /// the catalog has it more than once (several warehouse integrations), not because it is missing.
    public var ambiguous: [String: [String]]

    public init(consulted: Bool = false, ids: [String: String?] = [:], owners: [String: [String]] = [:],
                piiColumns: [String: Set<String>] = [:], impactComplete: Bool = true,
                ambiguous: [String: [String]] = [:]) {
        self.consulted = consulted
        self.ids = ids
        self.owners = owners
        self.piiColumns = piiColumns
        self.impactComplete = impactComplete
        self.ambiguous = ambiguous
    }

    /// The resolved catalog id of `model`, if any.
    public func id(of model: String) -> String? { ids[model] ?? nil }
}

/// Everything a rule may know besides the change and its impact.
public struct RuleContext: Sendable {
    /// The severity the contracts give this rule for this model (never `off` when a rule runs).
    public var severity: Severity
    public var options: RuleOptions
    /// "Today" for waiver expiry and `deprecation_date`, fixed by the caller so runs are reproducible.
    public var today: CalendarDay
    public var catalog: CatalogFacts
    /// ODCS schema objects that promise something about this model.
    public var odcs: [OdcsSchemaExpectation]
    /// Names of the contracts that select this model (empty: the default policy applies).
    public var contracts: [String]
    /// For IMPACT rules: the unwaived BREAKING findings already found for this model.
    public var breakingFindings: [Finding]
    /// For BUILD rules: the `ref()`/`source()` calls this model's file (or this snapshot's, this
    /// exposure's) makes that no longer resolve at head.
    public var danglingReferences: [DanglingReference]
    /// For BUILD rules: this model's reads of columns the change removes upstream.
    public var brokenReads: [BrokenColumnRead]
    /// For BUILD rules: this model's enforced contract, when its SQL no longer matches it.
    public var contractMismatches: [ContractMismatch]
    /// The warehouse adapter the project builds with (`snowflake`, `bigquery`, `duckdb`, …), when
    /// known: which type spellings are one type (`ColumnType`).
    public var adapter: String?
    /// For POLICY rules: how the change relaxes the policy (`PolicyDiff`).
    public var policyChanges: [PolicyChange] = []

    public init(severity: Severity = .error, options: RuleOptions = RuleOptions(), today: CalendarDay,
                catalog: CatalogFacts = CatalogFacts(), odcs: [OdcsSchemaExpectation] = [],
                contracts: [String] = [], breakingFindings: [Finding] = [],
                danglingReferences: [DanglingReference] = [], brokenReads: [BrokenColumnRead] = [],
                contractMismatches: [ContractMismatch] = [], adapter: String? = nil) {
        self.adapter = adapter
        self.severity = severity
        self.options = options
        self.today = today
        self.catalog = catalog
        self.odcs = odcs
        self.contracts = contracts
        self.breakingFindings = breakingFindings
        self.danglingReferences = danglingReferences
        self.brokenReads = brokenReads
        self.contractMismatches = contractMismatches
    }
}

extension PolicyChange {
    /// The finding a POLICY rule reports for this change, at `severity`.
    func finding(severity: Severity) -> Finding {
        let category = RuleCatalog.description(of: kind.rawValue)?.category ?? .policy
        return Finding(rule: kind.rawValue, category: category, severity: severity, model: model, column: column,
                       message: message, location: location, contract: contract)
    }
}

/// The documentation of a rule, which is also its test (SwiftLint's `RuleDescription`).
public struct RuleDescription: Sendable {
    /// `SUBJECT_PREDICATE`; public API, never renamed.
    public var id: String
    public var name: String
    public var category: RuleCategory
    /// Starts with "Checks that …".
    public var purpose: String
    public var rationale: String
    /// The severity under the built-in default policy (models under no contract).
    public var defaultSeverity: Severity
    public var options: [RuleOption]
    /// Changes the rule must report, each with where the finding must point.
    public var triggeringExamples: [RuleExample]
    /// Changes the rule must accept.
    public var nonTriggeringExamples: [RuleExample]

    public init(id: String, name: String, category: RuleCategory, purpose: String, rationale: String,
                defaultSeverity: Severity, options: [RuleOption] = [], triggeringExamples: [RuleExample],
                nonTriggeringExamples: [RuleExample]) {
        self.id = id
        self.name = name
        self.category = category
        self.purpose = purpose
        self.rationale = rationale
        self.defaultSeverity = defaultSeverity
        self.options = options
        self.triggeringExamples = triggeringExamples
        self.nonTriggeringExamples = nonTriggeringExamples
    }

    /// The README anchor for this rule: `#rule-column-no-delete`.
    public var helpURI: String {
        "https://github.com/contract-gate/contract-gate#rule-" + id.lowercased().replacingOccurrences(of: "_", with: "-")
    }

    /// What reports carry about the rule.
    public var metadata: RuleMetadata {
        RuleMetadata(id: id, name: name, category: category, purpose: purpose, rationale: rationale,
                     defaultSeverity: defaultSeverity, helpURI: helpURI,
                     options: options.map { RuleOptionInfo(name: $0.name, type: $0.kind.rawValue, defaultValue: $0.defaultValue,
                                                           allowedValues: $0.allowedValues, meaning: $0.meaning) })
    }

    /// The option called `name`, if the rule has one.
    public func option(named name: String) -> RuleOption? { options.first { $0.name == name } }
}
