import Foundation
import GateModel
import GateReporters
import Testing
@testable import GateRules

@Suite("`contract-gate rules` and `explain` text")
struct RuleCatalogTextTests {
    @Test("the table lists every rule with category, default severity and purpose")
    func table() {
        let text = RuleListReporter().renderText(RuleCatalog.listing)
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("ID") == true && lines.first?.contains("PURPOSE") == true)
        for d in RuleCatalog.descriptions {
            let row = lines.first { $0.hasPrefix(d.id + " ") }
            #expect(row != nil, "no row for \(d.id)")
            #expect(row?.contains(d.category.rawValue) == true && row?.contains(d.defaultSeverity.rawValue) == true
                    && row?.hasSuffix(d.purpose) == true, "row for \(d.id): \(row ?? "")")
        }
        // Columns line up: every purpose starts at the same offset as the PURPOSE header.
        let header = lines[0]
        let start = header.distance(from: header.startIndex, to: header.range(of: "PURPOSE")!.lowerBound)
        for d in RuleCatalog.descriptions {
            guard let row = lines.first(where: { $0.hasPrefix(d.id + " ") }), let range = row.range(of: d.purpose) else { continue }
            #expect(row.distance(from: row.startIndex, to: range.lowerBound) == start, "misaligned: \(row)")
        }
    }

    @Test("--format json is versioned, sorted and carries options")
    func json() throws {
        let text = String(decoding: RuleListReporter().renderJSON(RuleCatalog.listing), as: UTF8.self)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(object["schema_version"] as? Int == 1)
        let rules = try #require(object["rules"] as? [[String: Any]])
        #expect(rules.map { $0["id"] as? String ?? "" } == RuleCatalog.ids)
        let sameType = try #require(rules.first { $0["id"] as? String == "COLUMN_SAME_TYPE" })
        #expect(sameType["default_severity"] as? String == "warning")
        #expect(sameType["help_uri"] as? String == "https://github.com/contract-gate/contract-gate#rule-column-same-type")
        let option = try #require((sameType["options"] as? [[String: Any]])?.first)
        #expect(option["name"] as? String == "allow" && option["type"] as? String == "string_list")
        #expect(option["allowed_values"] as? [String] == ["widening"])
        #expect(text.range(of: "\"category\"")!.lowerBound < text.range(of: "\"default_severity\"")!.lowerBound, "keys are sorted")
    }

    @Test("explain prints purpose, rationale, options and every example with its marker", arguments: RuleCatalog.ids)
    func explain(_ id: String) throws {
        let text = try #require(RuleCatalog.explain(id))
        let d = try #require(RuleCatalog.description(of: id))
        #expect(text.hasPrefix("\(id) — \(d.name)"))
        #expect(text.contains(d.purpose))
        #expect(text.contains(d.rationale))
        for option in d.options { #expect(text.contains("  \(option.name) (\(option.kind.rawValue), default")) }
        for example in d.triggeringExamples { #expect(text.contains("Reported: \(example.title)")) }
        for example in d.nonTriggeringExamples { #expect(text.contains("Not reported: \(example.title)")) }
        let markers = d.triggeringExamples.flatMap(\.expected).count
        #expect(text.components(separatedBy: "↓ finding at line").count - 1 == markers)
        #expect(RuleCatalog.explain(id.lowercased()) == text, "IDs are matched case-insensitively")
    }

    @Test("explain renders the example lines the markers point at")
    func explainLines() throws {
        let text = try #require(RuleCatalog.explain("COLUMN_SAME_NAME"))
        #expect(text.contains("  6        - {name: order_status, data_type: varchar, description: Documented.}") || text.contains("  6        - {name: order_status, data_type: varchar}"),
                "\(text)")
        #expect(text.contains("  2    - name: fct_orders"))
        #expect(text.contains("↓ finding at line 6, column `status`"))
        #expect(text.contains("Revenue (dashboard, 9 views, uses status)"))
    }

    @Test("explain knows WAIVER_EXPIRED and nothing else outside the catalogue")
    func unknown() {
        #expect(RuleCatalog.explain("WAIVER_EXPIRED")?.contains("not configurable") == true)
        #expect(RuleCatalog.explain("NO_SUCH_RULE") == nil)
        #expect(RuleCatalog.suggestion(for: "COLUMN_SAME_TPYE") == "COLUMN_SAME_TYPE")
        #expect(RuleCatalog.suggestion(for: "ZZZ") == nil)
        #expect(RuleCatalog.reportMetadata.count == RuleCatalog.ids.count + 1)
    }
}

/// `rules --format json` is documented in contracts/schema/report.schema.json (`$defs/rule_listing`).
@Suite struct RuleListingSchemaTests {
    @Test func theListingMatchesTheSchema() throws {
        let schema = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("contracts/schema/report.schema.json")
        let listing = FileManager.default.temporaryDirectory.appendingPathComponent("rules-\(UUID().uuidString).json")
        try RuleListReporter().renderJSON(RuleCatalog.listing).write(to: listing)
        defer { try? FileManager.default.removeItem(at: listing) }
        let script = #"""
        import sys, json, jsonschema
        schema = json.load(open(sys.argv[1]))
        root = {"$defs": schema["$defs"], "$ref": "#/$defs/rule_listing"}
        for e in jsonschema.Draft202012Validator(root).iter_errors(json.load(open(sys.argv[2]))):
            print("/".join(str(p) for p in e.path) + ": " + e.message)
        """#
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, schema.path, listing.path]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let violations = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(violations.isEmpty, "\(violations)")
    }
}
