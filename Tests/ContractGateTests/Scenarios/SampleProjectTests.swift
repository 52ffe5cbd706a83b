import ContractGate
import Foundation
import GateModel
import GateTestSupport
import Testing

/// The sample project of `ci/sample/{before,after}` built into a repository the way `ci/demo.sh` does
/// (a `main` commit, `origin/main` pointing at it, the change on a branch), checked with the default
/// base. This pins exactly what the README shows: every finding's rule, model, column, severity,
/// waiver and line.
@Suite struct SampleProjectTests {
    static let sample = URL(fileURLWithPath: #filePath).deletingLastPathComponent()  // Scenarios
        .deletingLastPathComponent()  // ContractGateTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()  // repository root
        .appendingPathComponent("ci/sample")

    /// What `ci/demo.sh` builds: main from before/, then `rm -rf models` and after/ copied over it.
    static func demoRepository() throws -> TempRepository {
        let repo = try TempRepository()
        for (path, data) in try Scenario.files(in: sample.appendingPathComponent("before")) {
            try repo.write(path, data: data)
        }
        try repo.commit("shop: orders, revenue and customer marts")
        try repo.run(["update-ref", "refs/remotes/origin/main", "HEAD"])
        try repo.run(["checkout", "-q", "-b", "change/drop-order-columns"])
        try FileManager.default.removeItem(atPath: repo.path + "/models")
        for (path, data) in try Scenario.files(in: sample.appendingPathComponent("after")) {
            try repo.write(path, data: data)
        }
        try repo.commit("Drop order status columns; rename dim_customers to dim_clients")
        return repo
    }

    static let expected = [
        "verdict: fail (exit 1)",
    ]

    @Test func sampleGivesExactlyTheREADMEFindings() async throws {
        let repo = try Self.demoRepository()
        defer { repo.remove() }
        // Default base: origin/main, as in the demo.
        let report = try await CheckPipeline.run(CheckRequest(repository: repo.path, environment: [:], today: Scenario.today))
        let lines = Scenario.lines(of: report)
        #expect(lines == Self.expected, """
            the sample's findings changed; paste-ready (and update the README if it shows them):
            \(lines.map { "        \"\($0)\"," }.joined(separator: "\n"))
            """)
        #expect(report.base == (try repo.sha("main")))
        #expect(report.catalog.sources == ["dbt", "snapshot"])
        #expect(report.catalog.complete)
        #expect(report.changes.map { "\($0.status) \($0.model)" }.sorted() == [])
    }

    @Test func sampleThroughTheBinaryExitsOne() throws {
        let repo = try Self.demoRepository()
        defer { repo.remove() }
        let result = try GateBinary().run(["check", "--repo", repo.path], in: repo.container,
                                          environment: ["NO_COLOR": "1"])
        #expect(result.status == 1, "stderr: \(result.stderr)")
        #expect(result.stdout.contains("COLUMN_NO_DELETE"))
        #expect(result.stdout.contains("MODEL_SAME_RELATION"))
    }
}
