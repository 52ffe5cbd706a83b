import Foundation
import GateTestSupport
import Testing

/// `contract-gate columns` through the binary: it finds the dbt project as `check` does (here in a
/// subfolder with no contract-gate.yml) and says how sure each model's columns are.
@Suite struct ColumnsCommandTests {
    @Test func findsTheProjectInASubfolderAndReportsEachModel() throws {
        let repo = try TempRepository()
        defer { repo.remove() }
        try repo.write("transform/dbt_project.yml", "name: shop\nprofile: shop\n")
        try repo.write("transform/models/stg_orders.sql", "select id as order_id, status from raw.orders\n")
        try repo.write("transform/models/fct_orders.sql", "select * from {{ ref('stg_orders') }}\n")
        try repo.write("transform/models/broken.sql", "select a\nfrom t\nwhere (b = 1\n")
        try repo.commit("project in a subfolder")
        let result = try GateBinary().run(["columns", "--format", "json"], in: repo.path)
        #expect(result.status == 0, "\(result.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let models = try #require(json["models"] as? [[String: Any]])
        let fct = try #require(models.first { $0["model"] as? String == "fct_orders" })
        #expect(fct["columns"] as? [String] == ["order_id", "status"])
        #expect(fct["certainty"] as? String == "known")
        let broken = try #require(models.first { $0["model"] as? String == "broken" })
        #expect(broken["certainty"] as? String == "unknown")
        #expect((broken["reason"] as? String)?.contains("line") == true, "\(broken)")
        #expect(json["known"] as? Int == 2 && json["unknown"] as? Int == 1)
    }
}
