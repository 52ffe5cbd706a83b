import Foundation
import GateTestSupport
import Testing

/// `check --state DIR` (dbt's flag): the base side's manifest comes from DIR/manifest.json; one
/// asked for and missing or broken stops the check with exit 2, never a silent fallback.
@Suite struct StateManifestTests {
    func repository() throws -> (TempRepository, base: String, head: String) {
        let repo = try TempRepository()
        try repo.write("dbt_project.yml", "name: shop\n")
        try repo.write("models/orders.sql", "select 1 as id\n")
        try repo.write("models/report.sql", "select * from {{ ref('orders') }}\n")
        let base = try repo.commit("base")
        try repo.delete("models/orders.sql")
        try repo.write("models/report.sql", "select 1 as id\n")
        let head = try repo.commit("head")
        return (repo, base, head)
    }

    @Test func theBaseManifestGivesTheFormerConsumers() throws {
        let (repo, base, head) = try repository()
        defer { repo.remove() }
        let state = try TempRepository.temporaryDirectory(prefix: "cg-state")
        defer { TempRepository.removeDirectory(state) }
        // The manifest knows a consumer the files do not: an exposure on orders.
        let manifest = """
            {"nodes": {"model.shop.orders": {"resource_type": "model", "name": "orders", "package_name": "shop",
                       "original_file_path": "models/orders.sql", "depends_on": {"nodes": []},
                       "compiled_code": "select 1 as id -- \\\\ \\" skipped"}},
             "exposures": {"exposure.shop.weekly": {"resource_type": "exposure", "name": "weekly", "label": "Weekly",
                           "depends_on": {"nodes": ["model.shop.orders"]}, "owner": {"email": "bo@example.com"}}},
             "child_map": {"model.shop.orders": ["exposure.shop.weekly"], "exposure.shop.weekly": []}}
            """
        try manifest.write(toFile: state + "/manifest.json", atomically: true, encoding: .utf8)
        let arguments = ["check", "--base", base, "--head", head, "--catalog", "dbt", "--format", "json"]
        let without = try GateBinary().run(arguments, in: repo.path)
        let with = try GateBinary().run(arguments + ["--state", state], in: repo.path)
        #expect(!without.stdout.contains("exposure.shop.weekly"), "\(without.stdout)")
        #expect(with.stdout.contains("exposure.shop.weekly"), "stderr: \(with.stderr)\n\(with.stdout)")
    }

    @Test(arguments: ["missing", "broken"])
    func aStateManifestThatCannotBeReadIsExitTwo(_ kind: String) throws {
        let (repo, base, head) = try repository()
        defer { repo.remove() }
        let state = try TempRepository.temporaryDirectory(prefix: "cg-state")
        defer { TempRepository.removeDirectory(state) }
        if kind == "broken" { try "{\"nodes\": {".write(toFile: state + "/manifest.json", atomically: true, encoding: .utf8) }
        let result = try GateBinary().run(["check", "--base", base, "--head", head, "--catalog", "dbt", "--state", state],
                                          in: repo.path)
        #expect(result.status == 2, "stdout: \(result.stdout) stderr: \(result.stderr)")
        #expect(result.stderr.contains(state + "/manifest.json"), "\(result.stderr)")
    }
}
