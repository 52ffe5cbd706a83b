/// One changed model as the report lists it (DESIGN.md §6 `changes`).
public struct ChangeRecord: Sendable, Hashable, Codable {
    /// The model name; for a change that is not a model (plain file), the file path.
    public var model: String
    public var status: String
    public var path: String
    public var oldPath: String?
    public var relation: String?
    public var oldRelation: String?
    public var catalogId: String?
    /// Only documentation changed: dbt builds the same table (`ModelChange.documentationOnly`).
    public var documentationOnly: Bool
    /// The dbt node id (`model.<package>.<name>[.v<N>]`): unique where names are not (a project
    /// model and a package model of one name, the versions of a model).
    public var uniqueId: String?

    public init(model: String, status: String, path: String, oldPath: String? = nil, relation: String? = nil,
                oldRelation: String? = nil, catalogId: String? = nil, documentationOnly: Bool = false, uniqueId: String? = nil) {
        self.model = model
        self.status = status
        self.path = path
        self.oldPath = oldPath
        self.relation = relation
        self.oldRelation = oldRelation
        self.catalogId = catalogId
        self.documentationOnly = documentationOnly
        self.uniqueId = uniqueId
    }

    enum CodingKeys: String, CodingKey {
        case model, status, path, relation
        case oldPath = "old_path"
        case oldRelation = "old_relation"
        case catalogId = "catalog_id"
        case documentationOnly = "documentation_only"
        case uniqueId = "unique_id"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        model = try c.decode(String.self, forKey: .model)
        status = try c.decode(String.self, forKey: .status)
        path = try c.decode(String.self, forKey: .path)
        oldPath = try c.decodeIfPresent(String.self, forKey: .oldPath)
        relation = try c.decodeIfPresent(String.self, forKey: .relation)
        oldRelation = try c.decodeIfPresent(String.self, forKey: .oldRelation)
        catalogId = try c.decodeIfPresent(String.self, forKey: .catalogId)
        documentationOnly = try c.decodeIfPresent(Bool.self, forKey: .documentationOnly) ?? false
    }

    // Nulls are written out so scripts can rely on every key being present.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(model, forKey: .model)
        try c.encode(status, forKey: .status)
        try c.encode(path, forKey: .path)
        try c.encode(oldPath, forKey: .oldPath)
        try c.encode(relation, forKey: .relation)
        try c.encode(oldRelation, forKey: .oldRelation)
        try c.encode(catalogId, forKey: .catalogId)
        try c.encode(documentationOnly, forKey: .documentationOnly)
    }
}

/// One file of the change set, as git names it (the `files` list of the JSON report): what
/// `git diff --name-status -M base head` lists, models or not.
public struct ChangedFile: Sendable, Hashable, Codable {
    public var status: String
    public var path: String
    public var oldPath: String?

    public init(status: String, path: String, oldPath: String? = nil) {
        self.status = status
        self.path = path
        self.oldPath = oldPath
    }

    public init(_ change: FileChange) {
        self.init(status: change.status.rawValue, path: change.path,
                  oldPath: change.status == .renamed ? change.oldPath : nil)
    }

    enum CodingKeys: String, CodingKey {
        case status, path
        case oldPath = "old_path"
    }
}

public struct ToolInfo: Sendable, Hashable, Codable {
    public var name: String
    public var version: String
    public init(name: String = "contract-gate", version: String = ContractGateVersion.current) {
        self.name = name
        self.version = version
    }
}

public enum ContractGateVersion {
    public static let current = "0.1.0"
}

public struct ReportSummary: Sendable, Hashable, Codable {
    public var errors: Int
    public var warnings: Int
    public var notices: Int
    public var waived: Int
    public var downstream: Int

    public init(errors: Int = 0, warnings: Int = 0, notices: Int = 0, waived: Int = 0, downstream: Int = 0) {
        self.errors = errors
        self.warnings = warnings
        self.notices = notices
        self.waived = waived
        self.downstream = downstream
    }

    /// Counts the unwaived findings by severity and the waived ones apart.
    public init(findings: [Finding], impact: [ModelImpact]) {
        self.init()
        for finding in findings {
            if finding.waived { waived += 1; continue }
            switch finding.severity {
            case .error: errors += 1
            case .warning: warnings += 1
            case .notice: notices += 1
            case .off: break
            }
        }
        downstream = Set(impact.flatMap { $0.downstream.map(\.id) }).count
    }
}

/// A problem with the input that is not a rule finding (an unreadable file, a non-literal config),
/// reported so nothing is silently skipped.
public struct Diagnostic: Sendable, Hashable, Codable {
    public var severity: Severity
    public var message: String
    public var location: SourceLocation?

    public init(severity: Severity, message: String, location: SourceLocation? = nil) {
        self.severity = severity
        self.message = message
        self.location = location
    }
}

public enum Verdict: String, Sendable, Codable {
    case pass
    case fail
}

/// Everything one `check` found: the single value every reporter renders (DESIGN.md §1 step 6).
public struct Report: Sendable, Hashable, Codable {
    public var schemaVersion: Int
    public var tool: ToolInfo
    public var base: String
    public var head: String
    public var verdict: Verdict
    public var exitCode: Int
    public var catalog: CatalogStatus
    public var changes: [ChangeRecord]
    /// Every changed file (models, YAML, anything else), in path order.
    public var files: [ChangedFile]
    public var impact: [ModelImpact]
    public var findings: [Finding]
    public var diagnostics: [Diagnostic]
    public var summary: ReportSummary
    /// Metadata of the rules that were evaluated (for SARIF rules, JUnit testcases, links).
    public var rules: [RuleMetadata]
    /// Rule IDs checked per model (JUnit testcases), model → rule IDs.
    public var checked: [String: [String]]
    /// Milliseconds per pipeline stage.
    public var timings: [String: Int]

    public init(schemaVersion: Int = 1, tool: ToolInfo = ToolInfo(), base: String, head: String,
                verdict: Verdict, exitCode: Int, catalog: CatalogStatus = CatalogStatus(),
                changes: [ChangeRecord] = [], files: [ChangedFile] = [], impact: [ModelImpact] = [], findings: [Finding] = [],
                diagnostics: [Diagnostic] = [], summary: ReportSummary? = nil, rules: [RuleMetadata] = [],
                checked: [String: [String]] = [:], timings: [String: Int] = [:]) {
        self.schemaVersion = schemaVersion
        self.tool = tool
        self.base = base
        self.head = head
        self.verdict = verdict
        self.exitCode = exitCode
        self.catalog = catalog
        self.changes = changes
        self.files = files
        self.impact = impact
        self.findings = findings
        self.diagnostics = diagnostics
        self.summary = summary ?? ReportSummary(findings: findings, impact: impact)
        self.rules = rules
        self.checked = checked
        self.timings = timings
    }

    enum CodingKeys: String, CodingKey {
        case tool, base, head, verdict, catalog, changes, files, impact, findings, diagnostics, summary, rules,
             checked, timings
        case schemaVersion = "schema_version"
        case exitCode = "exit_code"
    }

    /// Findings deduplicated and in report order (path, line, column, rule, message).
    public var sortedFindings: [Finding] {
        var seen = Set<Finding>()
        return findings.filter { seen.insert($0).inserted }.sorted(by: Finding.reportOrder)
    }

    /// The metadata of a rule, if the report carries it.
    public func rule(_ id: String) -> RuleMetadata? { rules.first { $0.id == id } }
}
