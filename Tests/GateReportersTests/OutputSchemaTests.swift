import Foundation
import GateModel
import Testing
@testable import GateReporters

/// contracts/schema/report.schema.json documents the JSON contract-gate prints. The documents
/// the reporters write are validated against it with Python's jsonschema (the reference checker
/// the contract schemas are tested with), and `check` and `impact` write one shape per entity.
@Suite struct OutputSchemaTests {
    static let schema = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("contracts/schema/report.schema.json")

    /// The violations of `json` against `$defs/<definition>`, empty when it is valid.
    static func violations(_ json: Data, definition: String) throws -> [String] {
        let script = #"""
        import sys, json, jsonschema
        schema = json.load(open(sys.argv[1]))
        jsonschema.Draft202012Validator.check_schema(schema)
        root = {"$defs": schema["$defs"], "$ref": "#/$defs/" + sys.argv[2]}
        doc = json.load(sys.stdin)
        validator = jsonschema.Draft202012Validator(root)
        for e in sorted(validator.iter_errors(doc), key=lambda e: [str(p) for p in e.path]):
            print("/".join(str(p) for p in e.path) + ": " + e.message)
        """#
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, schema.path, definition]
        let input = Pipe(), out = Pipe(), err = Pipe()
        process.standardInput = input
        process.standardOutput = out
        process.standardError = err
        try process.run()
        input.fileHandleForWriting.write(json)
        try input.fileHandleForWriting.close()
        let output = out.fileHandleForReading.readDataToEndOfFile()
        let errors = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "python3 jsonschema failed: \(String(decoding: errors, as: UTF8.self))")
        return String(decoding: output, as: UTF8.self).split(separator: "\n").map(String.init)
    }

    static var impactReport: ImpactReport {
        ImpactReport(catalog: CanonicalReport.report.catalog, impacts: CanonicalReport.report.impact)
    }

    @Test func checksReportMatchesTheSchema() throws {
        let violations = try Self.violations(JSONReporter().render(CanonicalReport.report), definition: "report")
        #expect(violations.isEmpty, "\(violations.joined(separator: "\n"))")
    }

    @Test func impactsListingMatchesTheSchema() throws {
        let violations = try Self.violations(ImpactReporter().renderJSON(Self.impactReport), definition: "impact_listing")
        #expect(violations.isEmpty, "\(violations.joined(separator: "\n"))")
    }

    /// The validation can fail: a missing key, an extra key and a wrong type are each reported.
    @Test func theSchemaRefusesWhatItDoesNotDocument() throws {
        var document = try #require(try JSONSerialization.jsonObject(with: JSONReporter().render(CanonicalReport.report)) as? [String: Any])
        var impacts = try #require(document["impact"] as? [[String: Any]])
        var downstream = try #require(impacts[0]["downstream"] as? [[String: Any]])
        downstream[0].removeValue(forKey: "owner_details")
        downstream[0]["undocumented"] = true
        impacts[0]["downstream"] = downstream
        impacts[0]["truncated"] = "yes"
        document["impact"] = impacts
        let violations = try Self.violations(try JSONSerialization.data(withJSONObject: document), definition: "report")
        #expect(violations.contains { $0.contains("owner_details") }, "\(violations)")
        #expect(violations.contains { $0.contains("undocumented") }, "\(violations)")
        #expect(violations.contains { $0.hasPrefix("impact/0/truncated") }, "\(violations)")
    }

    /// One shape per entity: the impact entries and the catalog of `impact --format json` are
    /// the very objects `check`'s report holds for the same models.
    @Test func impactAndCheckWriteTheSameImpactEntries() throws {
        let report = try #require(try JSONSerialization.jsonObject(with: JSONReporter().render(CanonicalReport.report)) as? NSDictionary)
        let listing = try #require(try JSONSerialization.jsonObject(with: ImpactReporter().renderJSON(Self.impactReport)) as? NSDictionary)
        let reportImpact = try #require(report["impact"] as? NSArray)
        #expect(reportImpact.count == CanonicalReport.report.impact.count)
        #expect(listing["impact"] as? NSArray == reportImpact)
        #expect(listing["catalog"] as? NSDictionary == report["catalog"] as? NSDictionary)
        #expect(listing["schema_version"] as? Int == ImpactReport.schemaVersion)
    }

    @Test func impactTextIsATreeWithTheCatalogStatusLast() {
        let parent = DownstreamNode(id: "m-1", name: "rpt_revenue", type: "model", depth: 1, source: "dbt")
        let child = DownstreamNode(id: "d-1", name: "Revenue\u{1B}[31m", type: "dashboard", depth: 2, source: "secoda",
                                   owners: [Owner(id: "u-1", name: "Dana", kind: "user")], usage: Usage(external: 40),
                                   parentId: "m-1")
        let report = ImpactReport(catalog: CatalogStatus(sources: ["dbt", "secoda"], complete: false, errors: ["lineage timed out"]),
                                  impacts: [ModelImpact(model: "fct_orders", catalogId: "t-1", downstream: [child, parent])])
        #expect(ImpactReporter().renderText(report) == """
            fct_orders (t-1) → 2 downstream
              └ rpt_revenue [model, depth 1]
                └ Revenue [dashboard, depth 2] · usage 40 external / - internal · owners: Dana
            catalog: dbt, secoda — INCOMPLETE
              ! lineage timed out

            """)
    }
}
