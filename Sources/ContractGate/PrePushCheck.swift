import Foundation
import GateGit
import GateModel

/// What the pre-push hook runs: one check per pushed range (git's stdin lines), offline by
/// default, and the worst exit code of them all.
public enum PrePushCheck {
    /// One checked range and its report.
    public struct RangeReport: Sendable {
        public var range: String
        public var report: Report
    }

    /// - Parameter stdin: git's `<local ref> <local sha> <remote ref> <remote sha>` lines.
    /// - Returns: a report per range that has something to check (deletions have nothing).
    public static func run(stdin: String, request: CheckRequest) async throws -> [RangeReport] {
        let ranges: [PushRange]
        do {
            let repository = try Repository.open(at: request.repository, ownerCheck: request.ownerCheck)
            let defaultBase = try? repository.defaultBaseReference()
            ranges = try repository.prePushRanges(stdin, defaultBase: defaultBase)
        }
        var reports: [RangeReport] = []
        for range in ranges {
            guard let base = range.base else { continue }
            var rangeRequest = request
            rangeRequest.target = .commits(base: base, head: range.head)
            let report = try await CheckPipeline.run(rangeRequest)
            reports.append(RangeReport(range: "\(range.localRef) → \(range.remoteRef)", report: report))
        }
        return reports
    }

    /// The one line the hook prints for a range that passes: the verdict, what was looked at, and
    /// how to see the findings below the failing severity (they are not printed).
    public static func passLine(_ entry: RangeReport) -> String {
        let report = entry.report
        let unwaived = report.findings.filter { !$0.waived }
        var counts: [String] = []
        for severity in [Severity.error, .warning, .notice] {
            let count = unwaived.filter { $0.severity == severity }.count
            if count > 0 { counts.append("\(count) \(severity.rawValue)\(count == 1 ? "" : "s")") }
        }
        let diagnostics = report.diagnostics.filter { $0.severity >= .warning }.count
        if diagnostics > 0 { counts.append("\(diagnostics) diagnostic\(diagnostics == 1 ? "" : "s")") }
        let changed = report.changes.count
        var line = "contract-gate: PASS \(entry.range) (\(changed) changed model\(changed == 1 ? "" : "s")"
        if !counts.isEmpty {
            line += ", \(counts.joined(separator: ", ")); see them with `contract-gate check --base \(report.base) --head \(report.head)`"
        }
        return line + ")"
    }
}
