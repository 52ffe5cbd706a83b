import Foundation
import GateModel
import GateTestSupport
import Testing
@testable import ContractGate

/// The Jinja side of the check through the binary: what a render finds is in the report, and a
/// render that fails is said, never dropped.
@Suite struct RenderingScenarioTests {
    @Test func aModelReachedOnlyThroughMacrosIsDownstreamAndAFailedRenderIsReported() throws {
        let repo = try TempRepository()
        defer { repo.remove() }
        try repo.write("dbt_project.yml", "name: shop\nmodel-paths: [\"models\"]\n")
        try repo.write("macros/marts.sql", """
            {% macro build_mart(name) %}
            {% set since = (run_started_at - modules.datetime.timedelta(days=31)).strftime('%Y-%m-%d') %}
            select * from {{ ref('stg_' ~ name) }} where loaded_at > '{{ since }}'
            {% endmacro %}
            """)
        try repo.write("models/stg_orders.sql", "select 1 as id\n")
        try repo.write("models/mart_orders.sql", "{{ build_mart('orders') }}\n")
        try repo.write("models/broken.sql", "select * from {{ ref('stg_orders') }} {% if %}\n")
        let base = try repo.commit("base")
        try repo.write("models/stg_orders.sql", "select 1 as id -- edited\n")
        let head = try repo.commit("head")

        let result = try GateBinary().run(["check", "--base", base, "--head", head, "--catalog", "dbt", "--format", "json"],
                                          in: repo.path)
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let impact = json["impact"] as? [[String: Any]] ?? []
        let downstream = impact.flatMap { $0["downstream"] as? [[String: Any]] ?? [] }.compactMap { $0["name"] as? String }.sorted()
        #expect(downstream == ["broken", "mart_orders"], "\(downstream)")
        let diagnostics = json["diagnostics"] as? [[String: Any]] ?? []
        let rendering = diagnostics.filter { ($0["message"] as? String)?.hasPrefix("dbt.rendering:") == true }
        let locations = rendering.map { $0["location"] as? [String: Any] }
        #expect(locations.map { $0?["path"] as? String } == ["models/broken.sql"], "\(diagnostics)")
        #expect(locations.first??["line"] as? Int == 1)
    }
}
