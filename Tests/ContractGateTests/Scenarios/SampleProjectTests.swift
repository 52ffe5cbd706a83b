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

    /// fct_orders loses status (read by fct_revenue, which feeds the Revenue Overview dashboard: error,
    /// and DOWNSTREAM_DASHBOARD_IN_USE as a notice naming the dashboards), discount_code (nobody reads it: when_unused lowers it to a
    /// notice) and legacy_status (waived until 2099); dim_customers is renamed to dim_clients.
    static let expected = [
        "verdict: fail (exit 1)",
        "COLUMN_NO_DELETE notice fct_orders.discount_code models/marts/finance/schema.yml:3 contract=finance-marts",
        "COLUMN_NO_DELETE notice fct_orders.legacy_status models/marts/finance/schema.yml:3 contract=finance-marts waived",
        "COLUMN_NO_DELETE error fct_orders.status models/marts/finance/schema.yml:3 contract=finance-marts",
        "DOWNSTREAM_DASHBOARD_IN_USE notice fct_orders models/marts/finance/schema.yml:3 contract=finance-marts",
        "MODEL_SAME_RELATION error dim_clients models/marts/marketing/schema.yml:3 contract=marketing-marts",
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
        #expect(report.changes.map { "\($0.status) \($0.model)" }.sorted() == ["modified fct_orders", "renamed dim_clients"])
        let rename = try #require(report.changes.first { $0.model == "dim_clients" })
        #expect(rename.oldRelation == "analytics.prod_marketing.dim_customers")
        #expect(rename.relation == "analytics.prod_marketing.dim_clients")
        let dashboard = try #require(report.findings.first { $0.rule == "DOWNSTREAM_DASHBOARD_IN_USE" })
        #expect(dashboard.consumers == ["Revenue Overview"])
        #expect(dashboard.message.contains("Orders Legacy Board"), "the stale board is named as a deprecation candidate")
    }

    @Test func sampleThroughTheBinaryExitsOne() async throws {
        let repo = try Self.demoRepository()
        defer { repo.remove() }
        let result = try await GateBinary().runDetached(["check", "--repo", repo.path], in: repo.container,
                                          environment: ["NO_COLOR": "1"])
        #expect(result.status == 1, "stderr: \(result.stderr)")
        #expect(result.stdout.contains("COLUMN_NO_DELETE"))
        #expect(result.stdout.contains("MODEL_SAME_RELATION"))
    }
}
