import Foundation
import GateModel
import Testing
@testable import GateReporters

#if canImport(FoundationXML)
import FoundationXML
#endif

@Suite struct JSONReporterTests {
    @Test func carriesEveryKeyOfTheDesignSchema() throws {
        let data = JSONReporter().render(CanonicalReport.report)
        let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let designKeys: Set = ["schema_version", "tool", "base", "head", "verdict", "exit_code", "catalog", "changes",
                               "impact", "findings", "summary"]
        #expect(designKeys.isSubset(of: Set(root.keys)))
        #expect(root["schema_version"] as? Int == 1)
        #expect(root["verdict"] as? String == "fail")
        #expect(root["exit_code"] as? Int == 1)
        #expect(root["timings"] == nil)

        let catalog = try #require(root["catalog"] as? [String: Any])
        #expect(Set(["sources", "complete", "errors"]).isSubset(of: Set(catalog.keys)))

        let changes = try #require(root["changes"] as? [[String: Any]])
        #expect(changes.count == 3)
        for change in changes {
            #expect(Set(["model", "status", "path", "old_path", "relation", "old_relation", "catalog_id", "documentation_only", "unique_id"]) == Set(change.keys))
        }
        let added = try #require(changes.first { $0["model"] as? String == "stg_payments" })
        #expect(added["old_path"] is NSNull)

        let impact = try #require(root["impact"] as? [[String: Any]])
        let fct = try #require(impact.first { $0["model"] as? String == "fct_orders" })
        let downstream = try #require(fct["downstream"] as? [[String: Any]])
        #expect(downstream.count == 4)
        for node in downstream {
            let keys = Set(node.keys)
            #expect(Set(["id", "name", "type", "depth", "source", "owners", "verified", "pii", "usage", "stale"]).isSubset(of: keys))
            let usage = try #require(node["usage"] as? [String: Any])
            #expect(Set(["external", "internal"]).isSubset(of: Set(usage.keys)))
        }
        let revenue = try #require(downstream.first { $0["name"] as? String == "Revenue" })
        #expect(revenue["owners"] as? [String] == ["Dana Finance"])
        #expect((revenue["usage"] as? [String: Any])?["external"] as? Int == 40)
        let old = try #require(downstream.first { ($0["name"] as? String)?.hasPrefix("Old Revenue") == true })
        #expect(old["stale"] as? Bool == true)
        #expect((old["usage"] as? [String: Any])?["internal"] is NSNull)

        let findings = try #require(root["findings"] as? [[String: Any]])
        #expect(findings.count == 8, "the duplicate finding is listed once")
        let findingKeys: Set = ["rule", "category", "severity", "model", "column", "message", "location", "downstream",
                                "waived", "waiver"]
        for finding in findings { #expect(findingKeys.isSubset(of: Set(finding.keys))) }
        let blast = try #require(findings.first { $0["rule"] as? String == "BLAST_RADIUS" })
        #expect(blast["location"] is NSNull)
        #expect(blast["column"] is NSNull)
        #expect(blast["waiver"] is NSNull)
        let waived = try #require(findings.first { $0["column"] as? String == "legacy_status" })
        let waiver = try #require(waived["waiver"] as? [String: Any])
        #expect(waiver["approved_by"] as? String == "@alice")
        let located = try #require(findings.first { $0["rule"] as? String == "COLUMN_NO_DELETE" && $0["waived"] as? Bool == false })
        let location = try #require(located["location"] as? [String: Any])
        #expect(location["path"] as? String == CanonicalReport.schemaPath)
        #expect(location["line"] as? Int == 12 && location["column"] as? Int == 9)
        #expect(location.count == 3)
        #expect(findings.last?["rule"] as? String == "MODEL_HAS_OWNER", "findings without a location come last")

        let summary = try #require(root["summary"] as? [String: Int])
        #expect(summary == ["errors": 3, "warnings": 2, "notices": 1, "waived": 2, "downstream": 5])
    }

    @Test func keysAreSortedInEveryObject() throws {
        let file = try Python.temporaryFile(JSONReporter().render(CanonicalReport.report), suffix: ".json")
        defer { try? FileManager.default.removeItem(at: file) }
        let check = """
        import json, sys
        bad = []
        def hook(pairs):
            keys = [k for k, _ in pairs]
            if keys != sorted(keys): bad.append(keys)
            return dict(pairs)
        json.load(open(sys.argv[1]), object_pairs_hook=hook)
        if bad:
            print(bad); sys.exit(1)
        """
        let outcome = try Python.run(check, arguments: [file.path])
        #expect(outcome.status == 0, "\(outcome.output)")
    }
}

@Suite struct SARIFReporterTests {
    static let schemaPath = "/work/shared/schemas/sarif-schema-2.1.0.json"

    func validate(_ data: Data) throws -> Python.Outcome {
        let file = try Python.temporaryFile(data, suffix: ".sarif")
        defer { try? FileManager.default.removeItem(at: file) }
        let check = """
        import json, sys, jsonschema
        schema = json.load(open(sys.argv[1]))
        doc = json.load(open(sys.argv[2]))
        cls = jsonschema.validators.validator_for(schema)
        errors = sorted(cls(schema).iter_errors(doc), key=lambda e: list(e.absolute_path))
        for e in errors:
            print("/".join(map(str, e.absolute_path)), e.message)
        sys.exit(1 if errors else 0)
        """
        return try Python.run(check, arguments: [Self.schemaPath, file.path])
    }

    @Test func canonicalReportIsValidSARIF() throws {
        let outcome = try validate(SARIFReporter().render(CanonicalReport.report))
        #expect(outcome.status == 0, "SARIF schema errors:\n\(outcome.output)")
    }

    @Test func emptyReportIsValidSARIF() throws {
        let outcome = try validate(SARIFReporter().render(Report(base: "a", head: "b", verdict: .pass, exitCode: 0)))
        #expect(outcome.status == 0, "SARIF schema errors:\n\(outcome.output)")
    }

    @Test func theValidatorRejectsABrokenLog() throws {
        // Proves the check above can fail: a level SARIF does not know.
        var text = SARIFReporter().renderText(CanonicalReport.report)
        text = text.replacingOccurrences(of: "\"level\" : \"note\"", with: "\"level\" : \"notice\"")
        #expect(try validate(Data(text.utf8)).status != 0)
    }

    @Test func resultsPointAtTheirRulesAndWaiversAreSuppressions() throws {
        let log = SARIFReporter().document(CanonicalReport.report)
        let run = try #require(log.runs.first)
        let ruleIDs = run.tool.driver.rules.map(\.id)
        #expect(ruleIDs == ruleIDs.sorted())
        #expect(ruleIDs.contains("MODEL_HAS_OWNER"), "a rule without metadata still gets an entry")
        for result in run.results {
            #expect(ruleIDs[result.ruleIndex] == result.ruleId)
        }
        let suppressed = run.results.filter { $0.suppressions != nil }
        #expect(suppressed.count == 2)
        #expect(suppressed.contains { $0.suppressions?.first?.justification.hasPrefix("Replaced by order_status") == true })
        let blast = run.results.first { $0.ruleId == "BLAST_RADIUS" }?.locations.first?.physicalLocation
        #expect(blast?.artifactLocation.uri == "models/marts/finance/fct_orders.sql", "no location: the model's file")
        #expect(blast?.region.startLine == 1)
        let odd = run.results.first { $0.ruleId == "MODEL_HAS_DESCRIPTION" }
        #expect(odd?.locations.first?.physicalLocation.artifactLocation.uri == "models/staging/odd%3Aname,v2.yml")
        #expect(run.tool.driver.informationUri == "https://contract-gate.example/rules")
        let fingerprints = run.results.map { $0.partialFingerprints[SARIFReporter.fingerprintKey] ?? "" }
        #expect(Set(fingerprints).count == fingerprints.count)
    }

    @Test func fingerprintsIgnoreLineMovesAndMessages() {
        var finding = CanonicalReport.report.findings[1]
        let before = SARIFReporter.fingerprint(finding)
        finding.location?.line += 40
        finding.message = "reworded"
        #expect(SARIFReporter.fingerprint(finding) == before)
        finding.column = "other"
        #expect(SARIFReporter.fingerprint(finding) != before)
    }
}

@Suite struct JUnitReporterTests {
    @Test func wellFormedForPython() throws {
        let file = try Python.temporaryFile(JUnitReporter().render(CanonicalReport.report), suffix: ".xml")
        defer { try? FileManager.default.removeItem(at: file) }
        let check = """
        import sys, xml.etree.ElementTree as ET
        root = ET.parse(sys.argv[1]).getroot()
        assert root.tag == "testsuites", root.tag
        for suite in root.findall("testsuite"):
            cases = suite.findall("testcase")
            assert int(suite.get("tests")) == len(cases), suite.get("name")
            assert int(suite.get("failures")) == len([c for c in cases if c.find("failure") is not None])
            assert int(suite.get("skipped")) == len([c for c in cases if c.find("skipped") is not None])
            print(suite.get("name"), len(cases), suite.get("failures"), suite.get("skipped"))
        """
        let outcome = try Python.run(check, arguments: [file.path])
        #expect(outcome.status == 0, "\(outcome.output)")
        #expect(outcome.output.outputLines == ["dim_customers 3 2 1", "fct_orders 4 3 0", "stg_payments 1 1 0"])
    }

    #if canImport(FoundationXML) || os(macOS)
    @Test func wellFormedForFoundation() throws {
        let document = try XMLDocument(data: JUnitReporter().render(CanonicalReport.report))
        let failures = try document.nodes(forXPath: "//failure")
        #expect(failures.count == 6)
        let hostile = try document.nodes(forXPath: "//testcase[@name='COLUMN_SAME_TYPE']/failure").first
        let text = hostile?.stringValue ?? ""
        #expect(text.contains("<b>& more</b>"), "escaped markup reads back as the original text")
        #expect(!text.contains("\u{1B}") && !text.contains("[31m"))
        let skipped = try document.nodes(forXPath: "//testcase[@name='MODEL_HAS_OWNER']/skipped/@message").first
        #expect(skipped?.stringValue == "waived: Owned by the CRM team until the reorg")
        let passed = try document.nodes(forXPath: "//testcase[@name='MODEL_NO_DELETE']").first as? XMLElement
        #expect(passed?.children == nil || passed?.children?.isEmpty == true)
    }
    #endif

    @Test func controlCharactersInvalidInXMLAreRemoved() {
        let escaped = XMLText.escape("a\u{1B}[31mb\u{0}c\u{8}d\u{FFFE}e & <f> \"g\"\nh")
        #expect(escaped == "abcde &amp; &lt;f&gt; &quot;g&quot;&#10;h")
    }
}

@Suite struct GitLabCodeQualityReporterTests {
    @Test func fingerprintsAreUniqueAndStableAcrossRuns() throws {
        let report = CanonicalReport.report
        let issues = GitLabCodeQualityReporter().issues(report)
        #expect(issues.count == 6, "waived findings are left out")
        let fingerprints = issues.map(\.fingerprint)
        #expect(Set(fingerprints).count == fingerprints.count)

        // Same findings, lines moved and messages reworded: fingerprints do not change.
        var moved = report
        moved.findings = report.findings.map { finding in
            var copy = finding
            copy.location?.line += 7
            copy.message += " (again)"
            return copy
        }
        #expect(Set(GitLabCodeQualityReporter().issues(moved).map(\.fingerprint)) == Set(fingerprints))

        // Two findings that agree on rule, model, column and path still get distinct fingerprints.
        let twin = Finding(rule: "X", category: .impact, severity: .warning, model: "m", message: "one")
        var twins = Report(base: "a", head: "b", verdict: .pass, exitCode: 0, findings: [twin])
        var other = twin
        other.message = "two"
        twins.findings.append(other)
        let twinPrints = GitLabCodeQualityReporter().issues(twins).map(\.fingerprint)
        #expect(twinPrints.count == 2 && Set(twinPrints).count == 2)
    }

    @Test func severityMappingAndLocations() throws {
        let data = GitLabCodeQualityReporter().render(CanonicalReport.report)
        let issues = try #require(try JSONSerialization.jsonObject(with: data) as? [[String: Any]])
        func issue(_ rule: String) -> [String: Any]? { issues.first { $0["check_name"] as? String == rule } }
        #expect(issue("COLUMN_SAME_TYPE")?["severity"] as? String == "critical")
        #expect(issue("BLAST_RADIUS")?["severity"] as? String == "minor")
        #expect(issue("MODEL_HAS_DESCRIPTION")?["severity"] as? String == "info")
        let blast = try #require(issue("BLAST_RADIUS")?["location"] as? [String: Any])
        #expect(blast["path"] as? String == "models/marts/finance/fct_orders.sql", "no location: the model's file")
        #expect((blast["lines"] as? [String: Int])?["begin"] == 1)
        let error = Finding(rule: "MODEL_RESOLVES", category: .catalog, severity: .error, message: "x")
        #expect(GitLabCodeQualityReporter.severity(error) == "major")
        for issue in issues {
            #expect(issue["description"] is String && issue["fingerprint"] is String)
            #expect(!(issue["description"] as? String ?? "").contains("\u{1B}"))
        }
    }
}

@Suite struct TextReporterTests {
    @Test func plainTextHasNoControlCharacters() {
        let text = TextReporter(useColor: false).renderText(CanonicalReport.report)
        #expect(text.hasPrefix("contract-gate: FAIL — 3 errors, 2 warnings, 1 notice, 2 waived · 5 downstream resources\n"))
        #expect(!text.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" })
        #expect(text.contains("      » ::error::pwned"), "the injected line is an indented, marked continuation")
        #expect(text.contains("Old Revenue <legacy> (dashboard, depth 2) · usage 0 external / - internal · owners: Olaf <Legacy>, Finance · stale: deprecation candidate"))
    }

    @Test func colourOnlyFromOurOwnSGRCodes() throws {
        let text = TextReporter(useColor: true).renderText(CanonicalReport.report)
        #expect(text.contains("\u{1B}[1;31mFAIL\u{1B}[0m"))
        // Every escape is a colour code we wrote: ESC [ digits/semicolons m.
        let scalars = Array(text.unicodeScalars)
        for (index, scalar) in scalars.enumerated() where scalar.value == 0x1B {
            let tail = scalars[(index + 1)...].prefix(8)
            #expect(tail.first == "[")
            let body = tail.dropFirst().prefix { $0 != "m" }
            #expect(body.allSatisfy { ("0"..."9").contains($0) || $0 == ";" })
        }
        #expect(!text.contains("\u{1B}[31mred"), "the data's own colour code is gone")
    }

    @Test func findingsAreGroupedByModelWithUnlocatedLast() {
        let lines = TextReporter(useColor: false).renderText(CanonicalReport.report).outputLines
        let headings = lines.filter { ["dim_customers", "fct_orders", "stg_payments", "(no model)"].contains($0) }
        #expect(headings == ["dim_customers", "fct_orders", "stg_payments"])
        let fct = lines.firstIndex(of: "fct_orders") ?? 0
        let blast = lines.firstIndex { $0.contains("BLAST_RADIUS") } ?? 0
        let stg = lines.firstIndex(of: "stg_payments") ?? 0
        #expect(fct < blast && blast < stg)
        #expect(lines[blast].hasPrefix("  (no location): warning BLAST_RADIUS"))
    }
}
