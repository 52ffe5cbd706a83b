import Foundation
import GateModel

/// SARIF 2.1.0 for GitHub code scanning and other SARIF consumers: the rules that ran with
/// their help text, one result per finding with a stable `partialFingerprints` entry, and
/// waived findings as results with an accepted external suppression (the waiver's reason).
/// Every result has a location (code scanning requires one): a finding without its own points
/// at line 1 of its model's file, else of `contract-gate.yml`.
public struct SARIFReporter: Reporter {
    public static let schemaURI = "https://json.schemastore.org/sarif-2.1.0.json"
    /// The fingerprint key; bump the version only if the hashed fields change.
    public static let fingerprintKey = "contractGate/v1"

    public init() {}

    public var format: ReportFormat { .sarif }

    public func render(_ report: Report) -> Data {
        JSONOutput.encode(document(report))
    }

    func document(_ report: Report) -> SARIFLog {
        let facts = ReportFacts(report)
        let rules = Self.rules(for: facts)
        let ruleIndex = Dictionary(uniqueKeysWithValues: rules.enumerated().map { ($1.id, $0) })
        let results = facts.findings.filter { $0.severity != .off }.map { finding in
            // GitHub code scanning rejects a whole upload if one result has no location.
            let location = finding.location ?? SourceLocation(
                path: facts.changePath(ofModel: finding.model) ?? GitLabCodeQualityReporter.fallbackPath)
            return Self.result(finding, location: location, ruleIndex: ruleIndex[finding.rule] ?? 0)
        }
        let helpBase = rules.compactMap(\.helpUri).map(Self.withoutFragment)
        let informationUri = Set(helpBase).count == 1 ? helpBase.first : nil
        let driver = SARIFLog.Driver(
            name: report.tool.name, version: report.tool.version, semanticVersion: report.tool.version,
            informationUri: informationUri, rules: rules)
        let run = SARIFLog.Run(
            tool: .init(driver: driver),
            originalUriBaseIds: ["%SRCROOT%": .init(description: .init(text: "The root of the repository checked."))],
            results: results,
            properties: .init(verdict: report.verdict.rawValue, base: report.base, head: report.head,
                              catalogComplete: report.catalog.complete))
        return SARIFLog(schema: Self.schemaURI, version: "2.1.0", runs: [run])
    }

    /// The rules the report carries metadata for, plus any rule a finding names without it,
    /// sorted by ID so `ruleIndex` is stable.
    static func rules(for facts: ReportFacts) -> [SARIFLog.Rule] {
        var byID: [String: SARIFLog.Rule] = [:]
        for metadata in facts.report.rules {
            byID[metadata.id] = rule(from: metadata)
        }
        for finding in facts.findings where byID[finding.rule] == nil {
            byID[finding.rule] = SARIFLog.Rule(
                id: finding.rule, name: finding.rule, shortDescription: .init(text: finding.rule),
                fullDescription: .init(text: finding.rule), help: .init(text: finding.rule, markdown: "`\(finding.rule)`"),
                helpUri: nil, defaultConfiguration: .init(level: level(finding.severity)),
                properties: .init(category: finding.category.rawValue, tags: [finding.category.rawValue]))
        }
        return byID.values.sorted { $0.id < $1.id }
    }

    static func rule(from metadata: RuleMetadata) -> SARIFLog.Rule {
        let full = metadata.rationale.isEmpty ? metadata.purpose : "\(metadata.purpose) \(metadata.rationale)"
        var helpText = full
        var helpMarkdown = "**\(metadata.id)** (\(metadata.category.rawValue)): \(metadata.purpose)"
        if !metadata.rationale.isEmpty { helpMarkdown += "\n\n\(metadata.rationale)" }
        if !metadata.helpURI.isEmpty {
            helpText += " See \(metadata.helpURI)"
            helpMarkdown += "\n\n[Read more](\(metadata.helpURI))"
        }
        return SARIFLog.Rule(
            id: metadata.id, name: metadata.name, shortDescription: .init(text: metadata.purpose),
            fullDescription: .init(text: full), help: .init(text: helpText, markdown: helpMarkdown),
            helpUri: metadata.helpURI.isEmpty ? nil : metadata.helpURI,
            defaultConfiguration: .init(level: level(metadata.defaultSeverity)),
            properties: .init(category: metadata.category.rawValue, tags: [metadata.category.rawValue]))
    }

    /// `location` is where the result points: the finding's own, or for a finding without one,
    /// its model's file (line 1).
    static func result(_ finding: Finding, location: SourceLocation, ruleIndex: Int) -> SARIFLog.Result {
        var text = finding.message
        if finding.downstream > 0 {
            text += " Reaches \(ReportFacts.plural(finding.downstream, "downstream resource"))"
            text += finding.consumers.isEmpty ? "." : ": \(finding.consumers.joined(separator: ", "))."
        }
        let locations = [SARIFLog.Location(physicalLocation: .init(
            artifactLocation: .init(uri: uriReference(location.path), uriBaseId: "%SRCROOT%"),
            region: .init(startLine: max(1, location.line), startColumn: max(1, location.column),
                          endLine: location.endLine.map { max(location.line, $0) },
                          endColumn: location.endColumn.map { max(1, $0) })))]
        let suppressions = finding.waived
            ? [SARIFLog.Suppression(kind: "external", status: "accepted",
                                    justification: finding.waiver?.reason ?? "Waived by a contract.")]
            : nil
        return SARIFLog.Result(
            ruleId: finding.rule, ruleIndex: ruleIndex, level: level(finding.severity),
            message: .init(text: TerminalText.sanitize(text, keepNewlines: true)),
            locations: locations,
            partialFingerprints: [fingerprintKey: fingerprint(finding)],
            suppressions: suppressions,
            properties: .init(category: finding.category.rawValue, model: finding.model, column: finding.column,
                              downstream: finding.downstream, contract: finding.contract))
    }

    /// Stable across runs and line moves: rule, model, column and file, not the message or line.
    static func fingerprint(_ finding: Finding) -> String {
        StableHash.fingerprint([finding.rule, finding.model ?? "", finding.column ?? "", finding.location?.path ?? ""])
    }

    static func level(_ severity: Severity) -> String {
        switch severity {
        case .error: "error"
        case .warning: "warning"
        case .notice: "note"
        case .off: "none"
        }
    }

    /// A repository path as a relative URI reference: every character outside the unreserved
    /// and path-safe set is percent-encoded (so `:` cannot read as a scheme, spaces are `%20`).
    static func uriReference(_ path: String) -> String {
        var allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        allowed.insert(charactersIn: "-._~/!$&'()*+,;=@")
        return path.addingPercentEncoding(withAllowedCharacters: allowed) ?? path
    }

    static func withoutFragment(_ uri: String) -> String {
        uri.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? uri
    }
}

/// The subset of the SARIF 2.1.0 object model the gate writes. Optional members are left out
/// when nil (synthesised `Encodable` uses `encodeIfPresent`).
struct SARIFLog: Encodable {
    let schema: String
    let version: String
    let runs: [Run]

    enum CodingKeys: String, CodingKey {
        case schema = "$schema", version, runs
    }

    struct Text: Encodable { let text: String }
    struct MultiformatText: Encodable { let text: String; let markdown: String }

    struct Run: Encodable {
        let tool: Tool
        let originalUriBaseIds: [String: BaseLocation]
        let results: [Result]
        let properties: RunProperties
    }

    struct BaseLocation: Encodable { let description: Text }

    struct RunProperties: Encodable {
        let verdict: String, base: String, head: String, catalogComplete: Bool
    }

    struct Tool: Encodable { let driver: Driver }

    struct Driver: Encodable {
        let name: String
        let version: String
        let semanticVersion: String
        let informationUri: String?
        let rules: [Rule]
    }

    struct Rule: Encodable {
        let id: String
        let name: String
        let shortDescription: Text
        let fullDescription: Text
        let help: MultiformatText
        let helpUri: String?
        let defaultConfiguration: Configuration
        let properties: RuleProperties
    }

    struct Configuration: Encodable { let level: String }
    struct RuleProperties: Encodable { let category: String; let tags: [String] }

    struct Result: Encodable {
        let ruleId: String
        let ruleIndex: Int
        let level: String
        let message: Text
        let locations: [Location]
        let partialFingerprints: [String: String]
        let suppressions: [Suppression]?
        let properties: ResultProperties
    }

    struct ResultProperties: Encodable {
        let category: String, model: String?, column: String?, downstream: Int, contract: String?
    }

    struct Location: Encodable { let physicalLocation: PhysicalLocation }
    struct PhysicalLocation: Encodable { let artifactLocation: ArtifactLocation; let region: Region }
    struct ArtifactLocation: Encodable { let uri: String; let uriBaseId: String }
    struct Region: Encodable { let startLine: Int; let startColumn: Int; let endLine: Int?; let endColumn: Int? }
    struct Suppression: Encodable { let kind: String; let status: String; let justification: String }
}
