import Foundation
import GateModel
import GateTestSupport
import Testing
@testable import ContractGate

/// A macro that a project-wide `models: +post-hook:` calls, through the binary: dbt records the
/// hook's macros for every model, the installed packages' too, so editing it modifies them all
/// (dbt-core 1.11: `ci/bench/oracle/hook_matrix.py`, case `h_all`).
@Suite struct HookScenarioTests {
    @Test func aMacroAProjectWideHookCallsModifiesPackageModelsToo() throws {
        let repo = try TempRepository()
        defer { repo.remove() }
        try repo.write("dbt_project.yml", """
            name: shop
            models:
              +post-hook: ["{{ mask_model() }}", "alter table {{ this }} set retention = 30"]
              artifacts:
                staging: {+materialized: view}
            """)
        try repo.write("macros/mask.sql", "{% macro mask_model() %}{{ log('masking ' ~ this) }}{% endmacro %}\n")
        try repo.write("models/orders.sql", "select 1 as id\n")
        try repo.write("models/run_report.sql", "select * from {{ ref('artifacts', 'fct_runs') }}\n")
        // `dbt deps` installs packages in the worktree; they are not committed.
        try repo.write(".git/info/exclude", "dbt_packages/\n")
        try repo.write("dbt_packages/artifacts/dbt_project.yml", "name: artifacts\n")
        try repo.write("dbt_packages/artifacts/models/staging/stg_runs.sql", "select 1 as run_id\n")
        try repo.write("dbt_packages/artifacts/models/fct_runs.sql", "select * from {{ ref('stg_runs') }}\n")
        try repo.write("dbt_packages/artifacts/models/off.sql", "{{ config(enabled=false) }}\nselect 1 as id\n")
        let base = try repo.commit("base")
        try repo.write("macros/mask.sql", "{% macro mask_model() %}{{ log('masking ' ~ this, info=true) }}{% endmacro %}\n")
        let head = try repo.commit("head")

        let result = try GateBinary().run(["check", "--base", base, "--head", head, "--catalog", "dbt", "--format", "json"], in: repo.path)
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let changes = json["changes"] as? [[String: Any]] ?? []
        let changed = changes.map { "\($0["model"] as? String ?? "?") \($0["status"] as? String ?? "?") \($0["path"] as? String ?? "?")" }.sorted()
        #expect(changed == [
            "fct_runs modified dbt_packages/artifacts/models/fct_runs.sql",
            "orders modified models/orders.sql",
            "run_report modified models/run_report.sql",
            "stg_runs modified dbt_packages/artifacts/models/staging/stg_runs.sql",
        ], "\(changes)")
        // Each change names its dbt node, the package's by the package.
        #expect(changes.compactMap { $0["unique_id"] as? String }.sorted() == [
            "model.artifacts.fct_runs", "model.artifacts.stg_runs", "model.shop.orders", "model.shop.run_report"])
        // Inside the package, fct_runs reads stg_runs; in the project, run_report reads fct_runs.
        let impact = json["impact"] as? [[String: Any]] ?? []
        let downstream = Dictionary(uniqueKeysWithValues: impact.map { entry in
            (entry["model"] as? String ?? "?", (entry["downstream"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }.sorted())
        })
        #expect(downstream["stg_runs"] == ["fct_runs", "run_report"], "\(impact)")
        #expect(downstream["fct_runs"] == ["run_report"])
        // The package's SQL is the same at both sides: no column reading of it, and no warning about one.
        let notices = (json["diagnostics"] as? [[String: Any]] ?? []).compactMap { $0["message"] as? String }
        #expect(notices == ["macro shop.mask_model changed: the 4 models that call it (orders, run_report, fct_runs and 1 more) count as changed, as dbt's state:modified counts them"])
    }
}
