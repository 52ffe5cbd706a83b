import Foundation
import GateModel
import Testing
@testable import GateContracts
@testable import GateRules

/// SwiftLint's `verifyRule`: every rule is run against its own documented examples. A rule's
/// description is its documentation (`contract-gate explain`) and its test at once.
enum RuleVerifier {
    /// Problems found running `type` on its examples; empty when the rule behaves as documented.
    static func verify(_ type: any Rule.Type) -> [String] {
        let description = type.description
        var problems: [String] = []
        if description.triggeringExamples.isEmpty { problems.append("\(description.id) has no triggering example") }
        if description.nonTriggeringExamples.isEmpty { problems.append("\(description.id) has no non-triggering example") }
        for example in description.triggeringExamples + description.nonTriggeringExamples {
            let findings: [Finding]
            do {
                findings = try type.init().check(example.change, impact: example.impact,
                                                 context: example.context(for: description, severity: .error))
            } catch {
                problems.append("\(description.id) threw on “\(example.title)”: \(error)")
                continue
            }
            let actual = findings.map { ExpectedFinding(column: $0.column, line: $0.location?.line ?? -1) }
            let key = { (e: ExpectedFinding) in "\(e.line) \(e.column ?? "")" }
            if actual.map(key).sorted() != example.expected.map(key).sorted() {
                // Paste-ready: what the example's `expect:` would have to say for this to pass.
                let pasteable = "expect: [" + actual.map(\.description).joined(separator: ", ") + "]"
                problems.append("""
                    \(description.id) example “\(example.title)”:
                      expected \(example.expected.map(\.description))
                      got      \(actual.map(\.description))  messages: \(findings.map(\.message))
                      to accept the current behaviour, write: \(pasteable)
                    """)
            }
            for finding in findings {
                if finding.rule != description.id || finding.category != description.category {
                    problems.append("\(description.id) produced a finding labelled \(finding.rule)/\(finding.category.rawValue)")
                }
                if finding.severity != .error { problems.append("\(description.id) ignored the context severity") }
                if description.category == .policy {
                    // A POLICY finding is about the contract file the example changes, and names the
                    // model only when a waiver does.
                    if finding.location?.path != Sketch.contractPath {
                        problems.append("\(description.id) finding points at \(finding.location?.description ?? "nowhere"), not the contract file")
                    }
                    if finding.message.count < 20 { problems.append("\(description.id) message too terse: \(finding.message)") }
                    continue
                }
                if finding.model != example.change.name { problems.append("\(description.id) finding names model \(finding.model ?? "nil")") }
                // A finding points at the model's property entry, or (BUILD) at a call in its own file.
                let ownFile = description.category == .build ? example.change.current?.path : nil
                if finding.location?.path != Sketch.propertiesPath, finding.location?.path != ownFile {
                    problems.append("\(description.id) finding points at \(finding.location?.description ?? "nowhere"), not the property file")
                }
                if finding.message.count < 20 { problems.append("\(description.id) message too terse: \(finding.message)") }
            }
        }
        return problems
    }
}

@Suite("Every rule against its own examples")
struct RuleExampleTests {
    @Test("rule behaves as its examples document", arguments: RuleCatalog.ids)
    func examples(_ id: String) throws {
        let type = try #require(RuleCatalog.rule(id))
        let problems = RuleVerifier.verify(type)
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
    }

    @Test("the catalogue is exactly the 17 public IDs of DESIGN.md §5 plus the BUILD and POLICY rules of §9")
    func catalogue() {
        #expect(RuleCatalog.ids == [
            "MODEL_NO_DELETE", "MODEL_SAME_RELATION", "MODEL_VERSION_NO_DELETE", "COLUMN_NO_DELETE", "COLUMN_SAME_NAME",
            "COLUMN_SAME_TYPE", "COLUMN_CONSTRAINT_NO_DELETE", "CONTRACT_STAYS_ENFORCED", "MATERIALIZATION_KEEPS_RELATION",
            "ODCS_SCHEMA_SATISFIED", "DOWNSTREAM_DASHBOARD_IN_USE", "DOWNSTREAM_VERIFIED", "BLAST_RADIUS",
            "COLUMN_PII_STAYS_TAGGED", "MODEL_HAS_OWNER", "MODEL_HAS_DESCRIPTION", "COLUMN_STAYS_DOCUMENTED", "MODEL_RESOLVES",
            "REF_RESOLVES", "COLUMN_READ_EXISTS", "CONTRACT_MATCHES_SQL",
            "POLICY_WAIVER_ADDED", "POLICY_RULE_WEAKENED", "POLICY_CONTRACT_NARROWED",
        ])
    }

    @Test("descriptions follow the house style and each rule lives in Rules/<Category>/<Name>Rule.swift",
          arguments: RuleCatalog.ids)
    func style(_ id: String) throws {
        let type = try #require(RuleCatalog.rule(id))
        let d = type.description
        #expect(d.purpose.hasPrefix("Checks that "), "\(id) purpose must start “Checks that”: \(d.purpose)")
        #expect(d.id.allSatisfy { $0.isUppercase || $0 == "_" }, "\(id) is not upper snake case")
        #expect(d.helpURI == "https://github.com/contract-gate/contract-gate#rule-" + id.lowercased().replacingOccurrences(of: "_", with: "-"))
        let expected: Severity = d.category == .build ? .error : d.category == .breaking || d.category == .policy ? .warning : .off
        #expect(d.defaultSeverity == expected,
                "default policy: BUILD fails, BREAKING and POLICY warn, the rest is off; \(id) says \(d.defaultSeverity)")
        let folder = ["BREAKING": "Breaking", "IMPACT": "Impact", "GOVERNANCE": "Governance", "CATALOG": "Catalog",
                      "BUILD": "Build", "POLICY": "Policy"][d.category.rawValue] ?? "?"
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources/GateRules/Rules/\(folder)/\(String(describing: type)).swift")
        #expect(FileManager.default.fileExists(atPath: file.path), "expected \(id) in \(file.path)")
        let words = id.split(separator: "_").map { $0.prefix(1) + $0.dropFirst().lowercased() }.joined()
        #expect(String(describing: type) == words + "Rule", "type for \(id) should be \(words)Rule")
    }

    @Test("a broken rule fails its own examples, and the report says what would pass")
    func verifierCatchesWrongExpectations() {
        struct AlwaysComplains: Rule {
            static let description = RuleDescription(
                id: "TEST_ALWAYS", name: "t", category: .breaking, purpose: "Checks that nothing.", rationale: "",
                defaultSeverity: .warning,
                triggeringExamples: [RuleExample("x", before: Sketch.model("m"), after: Sketch.model("m"),
                                                 expect: [.model(line: 3)])],
                nonTriggeringExamples: [RuleExample("y", before: Sketch.model("m"), after: Sketch.model("m"))])
            func check(_ change: ModelChange, impact: ModelImpact?, context: RuleContext) throws -> [Finding] {
                [finding("Something is always wrong with this model.", change: change, at: change.location, context: context)]
            }
        }
        let problems = RuleVerifier.verify(AlwaysComplains.self)
        #expect(problems.count == 2)
        #expect(problems.first?.contains("write: expect: [.model(line: 2)]") == true, "\(problems)")
    }
}
