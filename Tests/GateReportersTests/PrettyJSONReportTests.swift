import Foundation
import GateJSON
import GateModel
import Testing
@testable import GateReporters

/// The JSON-based reporters write through `PrettyJSONEncoder`; their bytes must stay exactly what
/// `JSONEncoder` with the same options writes for the same documents.
@Suite struct PrettyJSONReportTests {
    static func foundationBytes<Value: Encodable>(_ value: Value) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(value) + [0x0A]
    }

    /// Rendered output equals JSONEncoder's, and the direct writer alone produced it (no fallback).
    static func expectFoundationBytes<Value: Encodable>(_ rendered: Data, document: Value,
                                                        sourceLocation: Testing.SourceLocation = #_sourceLocation) throws {
        let expected = try foundationBytes(document)
        let direct = try PrettyJSONEncoder().encodeDirectly(document)
        let sameRendered = rendered == expected, sameDirect = Data(direct + [0x0A]) == expected
        #expect(sameRendered, "the reporter's bytes differ from JSONEncoder's (\(rendered.count) vs \(expected.count))",
                sourceLocation: sourceLocation)
        #expect(sameDirect, "PrettyJSONEncoder's own bytes differ from JSONEncoder's", sourceLocation: sourceLocation)
    }

    /// The canonical report, plus 40 models × 125 downstream nodes and 2,000 findings.
    static var reports: [Report] {
        var big = CanonicalReport.report
        for model in 0..<40 {
            let nodes = (0..<125).map { (index: Int) -> DownstreamNode in
                let owners: [Owner] = index % 2 == 0 ? [] : [Owner(id: "u\(index)", name: "Ann \(index)", kind: "user")]
                let usage: Usage? = index % 4 == 0 ? nil : Usage(external: index, internal: nil)
                let url: String? = index % 3 == 0 ? "https://bi.example/d/\(index)" : nil
                return DownstreamNode(id: "n\(model)-\(index)", name: "Dashboard \(index) <\(model)>", type: "dashboard",
                                      depth: 1 + index % 3, source: "secoda", owners: owners, tags: ["t\(index % 5)"],
                                      usage: usage, stale: index % 9 == 0, url: url)
            }
            big.impact.append(ModelImpact(model: "model_\(model)", downstream: nodes, truncated: model == 3))
        }
        for index in 0..<2_000 {
            big.findings.append(Finding(rule: "COLUMN_NO_DELETE", category: .breaking, severity: .error,
                                        model: "model_\(index % 40)", column: "c\(index)",
                                        message: "Column c\(index) was removed: \"quoted\"\tand/slashed",
                                        location: GateModel.SourceLocation(path: "models/m\(index).yml", line: index + 1),
                                        downstream: index % 7, consumers: ["Dashboard \(index)"]))
        }
        return [CanonicalReport.report, big, Report(base: "a", head: "b", verdict: .pass, exitCode: 0)]
    }

    @Test func jsonReportIsJSONEncodersBytes() throws {
        for report in Self.reports {
            try Self.expectFoundationBytes(JSONReporter().render(report), document: JSONReportDocument(ReportFacts(report)))
        }
    }

    @Test func sarifIsJSONEncodersBytes() throws {
        for report in Self.reports {
            try Self.expectFoundationBytes(SARIFReporter().render(report), document: SARIFReporter().document(report))
        }
    }

    @Test func gitLabCodeQualityIsJSONEncodersBytes() throws {
        for report in Self.reports {
            let reporter = GitLabCodeQualityReporter()
            try Self.expectFoundationBytes(reporter.render(report), document: reporter.issues(report))
        }
    }
}
