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
}
