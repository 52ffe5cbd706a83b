/// A waiver as a finding records it: enough to show why a finding does not count.
public struct WaiverReference: Sendable, Hashable, Codable {
    public var reason: String
    public var approvedBy: String?
    public var expires: String?
    /// The contract file and line the waiver is written at.
    public var location: SourceLocation?

    public init(reason: String, approvedBy: String? = nil, expires: String? = nil, location: SourceLocation? = nil) {
        self.reason = reason
        self.approvedBy = approvedBy
        self.expires = expires
        self.location = location
    }

    enum CodingKeys: String, CodingKey {
        case reason, expires, location
        case approvedBy = "approved_by"
    }
}

/// One problem a rule found.
public struct Finding: Sendable, Hashable, Codable {
    public var rule: String
    public var category: RuleCategory
    public var severity: Severity
    public var model: String?
    public var column: String?
    public var message: String
    public var location: SourceLocation?
    /// How many downstream consumers the change reaches.
    public var downstream: Int
    /// Names of the consumers reached (or that use the column), most important first.
    public var consumers: [String]
    /// People to tell: owners of the consumers reached.
    public var owners: [String]
    /// Code-host handles (`@alice`, `@org/team`) a PR comment should mention, as the deciding
    /// contract asks (`notify:` with `handles:`); never filled from catalog text alone.
    public var mentions: [String] = []
    public var waived: Bool
    public var waiver: WaiverReference?
    /// The contract that set this finding's severity.
    public var contract: String?

    public init(rule: String, category: RuleCategory, severity: Severity, model: String? = nil,
                column: String? = nil, message: String, location: SourceLocation? = nil, downstream: Int = 0,
                consumers: [String] = [], owners: [String] = [], waived: Bool = false,
                waiver: WaiverReference? = nil, contract: String? = nil) {
        self.rule = rule
        self.category = category
        self.severity = severity
        self.model = model
        self.column = column
        self.message = message
        self.location = location
        self.downstream = downstream
        self.consumers = consumers
        self.owners = owners
        self.waived = waived
        self.waiver = waiver
        self.contract = contract
    }

    enum CodingKeys: String, CodingKey {
        case rule, category, severity, model, column, message, location, downstream, consumers, owners, mentions,
             waived, waiver, contract
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        rule = try c.decode(String.self, forKey: .rule)
        category = try c.decode(RuleCategory.self, forKey: .category)
        severity = try c.decode(Severity.self, forKey: .severity)
        model = try c.decodeIfPresent(String.self, forKey: .model)
        column = try c.decodeIfPresent(String.self, forKey: .column)
        message = try c.decode(String.self, forKey: .message)
        location = try c.decodeIfPresent(SourceLocation.self, forKey: .location)
        downstream = try c.decodeIfPresent(Int.self, forKey: .downstream) ?? 0
        consumers = try c.decodeIfPresent([String].self, forKey: .consumers) ?? []
        owners = try c.decodeIfPresent([String].self, forKey: .owners) ?? []
        mentions = try c.decodeIfPresent([String].self, forKey: .mentions) ?? []
        waived = try c.decodeIfPresent(Bool.self, forKey: .waived) ?? false
        waiver = try c.decodeIfPresent(WaiverReference.self, forKey: .waiver)
        contract = try c.decodeIfPresent(String.self, forKey: .contract)
    }

    /// buf's order: path, line, column, rule, message (findings without a location last).
    public static func reportOrder(_ a: Finding, _ b: Finding) -> Bool {
        let la = a.location, lb = b.location
        if (la == nil) != (lb == nil) { return la != nil }
        if let la, let lb, la != lb { return la < lb }
        if a.rule != b.rule { return a.rule < b.rule }
        if (a.model ?? "") != (b.model ?? "") { return (a.model ?? "") < (b.model ?? "") }
        return a.message < b.message
    }
}

/// The published description of a rule: what reporters need to explain a finding.
public struct RuleMetadata: Sendable, Hashable, Codable {
    /// `SUBJECT_PREDICATE`, public API, never renamed.
    public var id: String
    public var name: String
    public var category: RuleCategory
    /// Starts with "Checks that …".
    public var purpose: String
    public var rationale: String
    public var defaultSeverity: Severity
    /// Where to read more (README anchor), for SARIF `helpUri` and links.
    public var helpURI: String
    /// What a contract may set for the rule, as `contract-gate rules --format json` lists it. Not
    /// part of a report's rule metadata (not encoded with it).
    public var options: [RuleOptionInfo] = []

    public init(id: String, name: String, category: RuleCategory, purpose: String, rationale: String,
                defaultSeverity: Severity, helpURI: String, options: [RuleOptionInfo] = []) {
        self.options = options
        self.id = id
        self.name = name
        self.category = category
        self.purpose = purpose
        self.rationale = rationale
        self.defaultSeverity = defaultSeverity
        self.helpURI = helpURI
    }

    enum CodingKeys: String, CodingKey {
        case id, name, category, purpose, rationale
        case defaultSeverity = "default_severity"
        case helpURI = "help_uri"
    }
}

/// One option of a rule, as listings show it (GateRules declares the options themselves).
public struct RuleOptionInfo: Sendable, Hashable {
    public var name: String
    /// `integer`, `boolean`, `string` or `string_list`.
    public var type: String
    public var defaultValue: JSONValue
    /// The only words allowed, when the option takes a closed set.
    public var allowedValues: [String]?
    public var meaning: String

    public init(name: String, type: String, defaultValue: JSONValue, allowedValues: [String]?, meaning: String) {
        self.name = name
        self.type = type
        self.defaultValue = defaultValue
        self.allowedValues = allowedValues
        self.meaning = meaning
    }
}
