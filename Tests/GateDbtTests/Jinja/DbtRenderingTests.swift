import Foundation
import GateModel
import XCTest
@testable import DbtFiles
@testable import GateDbt

/// The graph as `dbt parse` records it: Jinja rendered with the project's and the installed
/// packages' macros, `execute` false. Each expectation was checked against dbt-core 1.11.
final class DbtRenderingTests: XCTestCase {
    private func project(_ files: [String: String], settings: DbtSettings = DbtSettings()) throws -> DbtProject {
        var all = files
        if all["dbt_project.yml"] == nil { all["dbt_project.yml"] = "name: shop\n" }
        return try DbtProject.load(tree: MemoryTree(all), settings: settings)
    }

    /// The parents of `model`, as unique ids, sorted.
    private func parents(of model: String, in project: DbtProject) throws -> [String] {
        let graph = try project.graph()
        return graph.nodes.values.filter { $0.children.contains("model.shop.\(model)") }.map(\.id).sorted()
    }

    func testRefsMadeInsideAMacroAreParents() throws {
        let project = try project([
            "macros/simple_cte.sql": """
            {%- macro simple_cte(tuple_list) -%}
            WITH {% for cte_ref in tuple_list %}{{ cte_ref[0] }} AS (
                SELECT * FROM {{ ref(cte_ref[1]) }}
            ){%- if not loop.last -%},{%- endif -%}
            {% endfor %}
            {%- endmacro -%}
            """,
            "models/orders.sql": "select 1 as id",
            "models/customers.sql": "select 1 as id",
            "models/report.sql": "{{ simple_cte([('o', 'orders'), ('c', 'customers')]) }}\nselect * from o join c using (id)\n",
        ])
        XCTAssertEqual(try parents(of: "report", in: project), ["model.shop.customers", "model.shop.orders"])
        XCTAssertTrue(project.diagnostics.isEmpty, "\(project.diagnostics)")
    }

    func testAModelBuiltByAMacroWithComputedNames() throws {
        let project = try project([
            "macros/marts.sql": """
            {% macro build_mart(metric, sources=['a', 'b']) %}
              {%- set parts = [] -%}
              {%- for s in sources -%}{% do parts.append('stg_' ~ s ~ '_' ~ metric) %}{%- endfor -%}
              select * from {{ ref(parts | join('') if false else parts[0]) }}
              union all select * from {{ ref(parts[-1]) }}
            {% endmacro %}
            """,
            "models/stg_a_pings.sql": "select 1",
            "models/stg_b_pings.sql": "select 1",
            "models/mart_pings.sql": "{{ build_mart('pings') }}",
        ])
        XCTAssertEqual(try parents(of: "mart_pings", in: project), ["model.shop.stg_a_pings", "model.shop.stg_b_pings"])
    }

    func testBranchesDbtDoesNotRenderAtParseTimeAddNoParent() throws {
        let project = try project([
            "models/a.sql": "select 1", "models/b.sql": "select 1", "models/c.sql": "select 1", "models/d.sql": "select 1",
            "models/m.sql": """
            -- depends_on: {{ ref('a') }}
            {% if execute %}{% set rows = run_query('select * from ' ~ ref('b')) %}{% endif %}
            select * from {{ ref('c') }}
            {% if is_incremental() %} where x > (select max(x) from {{ ref('d') }}) {% endif %}
            """,
        ])
        XCTAssertEqual(try parents(of: "m", in: project), ["model.shop.a", "model.shop.c"])
        XCTAssertFalse(project.diagnostics.contains { $0.message.contains("ask the warehouse") },
                       "run_query inside `if execute` is not run at parse time")
    }

    func testAModelThatAsksTheWarehouseAtParseTimeIsMarked() throws {
        let project = try project([
            "models/a.sql": "select 1",
            "models/m.sql": "{% set rows = run_query('select 1') %}select * from {{ ref('a') }}",
        ])
        XCTAssertEqual(try parents(of: "m", in: project), ["model.shop.a"])
        let notice = project.diagnostics.first { $0.message.contains("ask the warehouse") }
        XCTAssertEqual(notice?.location?.path, "models/m.sql")
    }

    func testDispatchFollowsDbtsSearchOrderIntoInstalledPackages() throws {
        let files = [
            "dbt_project.yml": "name: shop\ndispatch:\n  - macro_namespace: util\n    search_order: ['shop', 'util']\n",
            "dbt_packages/util/dbt_project.yml": "name: util\n",
            "dbt_packages/util/macros/pick.sql": """
            {% macro pick(x) %}{{ return(adapter.dispatch('pick', 'util')(x)) }}{% endmacro %}
            {% macro default__pick(x) %}{{ ref('from_package_' ~ x) }}{% endmacro %}
            """,
            "models/from_package_1.sql": "select 1",
            "models/from_project_1.sql": "select 1",
            "models/m.sql": "select * from {{ util.pick(1) }}",
        ]
        XCTAssertEqual(try parents(of: "m", in: try project(files)), ["model.shop.from_package_1"])
        var overridden = files
        overridden["macros/override.sql"] = "{% macro default__pick(x) %}{{ ref('from_project_' ~ x) }}{% endmacro %}"
        XCTAssertEqual(try parents(of: "m", in: try project(overridden)), ["model.shop.from_project_1"],
                       "the project's default__pick comes first in the configured search order")
    }

    func testVarsAndEnvVarsChooseTheReference() throws {
        let project = try project([
            "dbt_project.yml": "name: shop\nvars:\n  orders_model: orders_v2\n",
            "models/orders_v2.sql": "select 1", "models/fallback.sql": "select 1", "models/env_default.sql": "select 1",
            "models/m.sql": "select * from {{ ref(var('orders_model')) }}, {{ ref(var('missing', 'fallback')) }}, "
                + "{{ ref(env_var('CONTRACT_GATE_TEST_UNSET_VAR', 'env_default')) }}",
        ])
        XCTAssertEqual(try parents(of: "m", in: project),
                       ["model.shop.env_default", "model.shop.fallback", "model.shop.orders_v2"])
    }

    func testAnUnknownMacroKeepsTheLiteralReferencesAndSaysSo() throws {
        let project = try project([
            "models/a.sql": "select 1", "models/b.sql": "select 1",
            "models/m.sql": "{% set x = 1 %}select * from {{ not_installed.helper(ref('a')) }} join {{ ref('b') }}",
        ])
        XCTAssertEqual(try parents(of: "m", in: project), ["model.shop.a", "model.shop.b"])
        let notice = project.diagnostics.first { $0.message.hasPrefix("dbt.rendering:") }
        XCTAssertEqual(notice?.location?.path, "models/m.sql")
        XCTAssertTrue(notice?.message.contains("not_installed.helper") ?? false, "\(project.diagnostics)")
    }

    func testATemplateThatCannotBeRenderedFallsBackToTheLiteralScanAndSaysWhere() throws {
        let project = try project([
            "models/a.sql": "select 1",
            "models/m.sql": "select * from {{ ref('a') }}\n{% if %}\n",
        ])
        XCTAssertEqual(try parents(of: "m", in: project), ["model.shop.a"])
        let warning = project.diagnostics.first { $0.message.hasPrefix("dbt.rendering:") }
        XCTAssertEqual(warning?.severity, .warning)
        XCTAssertEqual(warning?.location, SourceLocation(path: "models/m.sql", line: 2))
    }

    func testAPlainModelIsNotRendered() throws {
        let memo = BlobMemo()
        let tree = MemoryTree(["dbt_project.yml": "name: shop\n", "models/a.sql": "select 1",
                               "models/m.sql": "{{ config(materialized='table') }}\nselect * from {{ ref('a') }}"])
        let project = try DbtProject.load(tree: tree, memo: memo)
        XCTAssertEqual(try parents(of: "m", in: project), ["model.shop.a"])
        XCTAssertNil(try project.renderedModel("models/m.sql"))
    }

    func testRenderedSQLMarksEachRelationWithItsNode() throws {
        let project = try project([
            "models/a.sql": "select 1",
            "models/m.sql": "{% set t = ref('a') %}select id from {{ t }} join {{ source('raw', 'events') }} using (id)",
        ])
        let rendered = try XCTUnwrap(try project.renderedModel("models/m.sql"))
        XCTAssertEqual(rendered.sql, "select id from __dbt_node_0__ join __dbt_node_1__ using (id)")
        XCTAssertEqual(rendered.nodes.count, 2)
        XCTAssertEqual(rendered.refs.map(\.name), ["a"])
        // Relations are hashable, as dbt's are: macros test them against dicts.
        let keyed = try self.project(["models/a.sql": "select 1",
                                 "models/k.sql": "{% set r = ref('a') %}{% set d = {r: 1} %}{{ r in d }} {{ ref('a') in {} }}"])
        XCTAssertEqual(try keyed.renderedModel("models/k.sql")?.sql, "True False")
        XCTAssertEqual(rendered.sources.map(\.table), ["events"])
    }

    /// `api.Column`'s class methods spell a type (Tuva casts with `api.Column.translate_type('date')`):
    /// dbt parses such a model, so they are no unknown macro and the model keeps its rendered
    /// parents, with no `dbt.rendering` notice. Types as dbt's base `Column` spells them.
    func testApiColumnSpellsTypesAsDbtsBaseColumn() throws {
        let project = try project([
            "models/a.sql": "select 1",
            "models/b.sql": "select 1",
            "models/m.sql": """
            {%- if execute %}{{ ref('b') }}{% endif -%}
            select cast(x as {{ api.Column.translate_type('string') }}), cast(y as {{ api.Column.translate_type('date') }}),
            cast(z as {{ api.Column.string_type(32) }}), cast(w as {{ api.Column.numeric_type('numeric', 38, 2) }}),
            cast(v as {{ api.Column.numeric_type('numeric', none, none) }}), {{ api.Column.create('k', 'integer').data_type }}
            from {{ ref('a') }}
            """,
        ])
        XCTAssertEqual(try parents(of: "m", in: project), ["model.shop.a"], "the literal ref('b') under `if execute` is not a parent")
        let rendered = try XCTUnwrap(try project.renderedModel("models/m.sql"))
        XCTAssertEqual(rendered.sql, """
            select cast(x as TEXT), cast(y as date),
            cast(z as character varying(32)), cast(w as numeric(38,2)),
            cast(v as numeric), INT
            from __dbt_node_0__
            """)
        XCTAssertTrue(rendered.unknownMacros.isEmpty, "\(rendered.unknownMacros)")
        XCTAssertFalse(project.diagnostics.contains { $0.message.hasPrefix("dbt.rendering:") }, "\(project.diagnostics)")
    }

    /// `dbt_packages/` is usually not committed: the packages `dbt deps` installed in the worktree
    /// (a `local:` package as a symlink) supply the macros the revision's tree lacks.
    func testPackagesInstalledInTheWorktreeServeWhenTheTreeHasNone() throws {
        let worktree = FileManager.default.temporaryDirectory.appendingPathComponent("cg-packages-\(UUID().uuidString)")
        let vendored = worktree.appendingPathComponent("vendor/util")
        defer { try? FileManager.default.removeItem(at: worktree) }
        try FileManager.default.createDirectory(at: vendored.appendingPathComponent("macros"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: worktree.appendingPathComponent("dbt_packages"), withIntermediateDirectories: true)
        try "name: util\n".write(to: vendored.appendingPathComponent("dbt_project.yml"), atomically: true, encoding: .utf8)
        try "{% macro pick() %}{{ ref('picked') }}{% endmacro %}"
            .write(to: vendored.appendingPathComponent("macros/pick.sql"), atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(at: worktree.appendingPathComponent("dbt_packages/util"),
                                                   withDestinationURL: vendored)
        var settings = DbtSettings()
        settings.installedPackagesRoot = worktree.path
        let files = ["models/picked.sql": "select 1", "models/m.sql": "select * from {{ util.pick() }}"]
        XCTAssertEqual(try parents(of: "m", in: try project(files, settings: settings)), ["model.shop.picked"])
        let without = try project(files)
        XCTAssertEqual(try parents(of: "m", in: without), [], "nothing installed: the call is unknown")
        XCTAssertTrue(without.diagnostics.contains { $0.message.contains("util.pick") })
    }

    /// dbt leaves a disabled model out of its graph, whatever says so: a rendered `config()`
    /// expression, a Jinja folder config, or YAML. Its parents' downstream does not include it.
    func testDisabledModelsAreNobodysConsumers() throws {
        let project = try project([
            "dbt_project.yml": """
            name: shop
            vars: {api: rest}
            models:
              shop:
                folder_off:
                  +enabled: "{{ var('api') == 'graphql' }}"
            """,
            "models/base.sql": "select 1",
            "models/by_sql.sql": "{{ config(enabled=var('api', 'x') == 'graphql') }}\nselect * from {{ ref('base') }}",
            "models/folder_off/by_folder.sql": "select * from {{ ref('base') }}",
            "models/by_yaml.sql": "select * from {{ ref('base') }}",
            "models/schema.yml": "models:\n  - name: by_yaml\n    config:\n      enabled: false\n",
            "models/kept.sql": "{{ config(materialized='table', enabled=config.get('x') == '') }}\nselect * from {{ ref('base') }}",
        ])
        XCTAssertEqual(try project.graph().nodes["model.shop.base"]?.children, ["model.shop.kept"])
        XCTAssertNil(try project.graph().nodes["model.shop.by_sql"])
    }

    /// A disabled snapshot is out of dbt's graph too, whatever disables it: `config({...})` with a
    /// dict whose `enabled` reads a var (Tuva's snapshots), `snapshots:` folder config in
    /// `dbt_project.yml`, or the property entry. dbt-core 1.11's `dbt ls -s base+` on this project
    /// lists `base` and `kept` only.
    func testDisabledSnapshotsAreNobodysConsumers() throws {
        func block(_ name: String, _ config: String) -> String {
            "{% snapshot \(name) %}\n{{ config(\(config)) }}\nselect * from {{ ref('base') }}\n{% endsnapshot %}\n"
        }
        let plain = "unique_key='id', strategy='check', check_cols='all', target_schema='s'"
        let project = try project([
            "dbt_project.yml": """
            name: shop
            vars: {snapshots_enabled: false}
            snapshots:
              shop:
                off_folder:
                  +enabled: false
            """,
            "models/base.sql": "select 1 as id",
            "snapshots/on/by_dict.sql": block("by_dict", """
                {"unique_key": "id", "strategy": "check", "check_cols": "all", "target_schema": "s",
                 "enabled": var('snapshots_enabled', False) == true | as_bool}
                """),
            "snapshots/off_folder/by_folder.sql": block("by_folder", plain),
            "snapshots/on/by_yaml.sql": block("by_yaml", plain),
            "snapshots/on/kept.sql": block("kept", plain),
            "snapshots/on/props.yml": "snapshots:\n  - name: by_yaml\n    config:\n      enabled: false\n",
            // Two blocks in one file, one disabled in its own config() (dbt-core 1.11.16 lists only `two_on`).
            "snapshots/on/two.sql": block("two_on", plain) + block("two_off", plain + ", enabled=false"),
        ])
        let graph = try project.graph()
        XCTAssertEqual(graph.nodes["model.shop.base"]?.children, ["snapshot.shop.kept", "snapshot.shop.two_on"])
        XCTAssertNil(graph.nodes["snapshot.shop.two_off"])
        XCTAssertNil(graph.nodes["snapshot.shop.by_dict"])
        XCTAssertNil(graph.nodes["snapshot.shop.by_folder"])
        XCTAssertNil(graph.nodes["snapshot.shop.by_yaml"])
    }

    /// `adapter.dispatch` prefers the adapter's implementation: the one `dbt.adapter` names, else
    /// the one `profiles.yml` names for the project's profile (dbt's own lookup), else `default__`.
    func testDispatchPrefersTheAdapterFromTheConfigOrProfiles() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cg-profiles-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try "warehouse:\n  target: ci\n  outputs:\n    ci:\n      type: duckdb\n      path: x.duckdb\n"
            .write(to: folder.appendingPathComponent("profiles.yml"), atomically: true, encoding: .utf8)
        let files = [
            "dbt_project.yml": "name: shop\nprofile: warehouse\n",
            "macros/pick.sql": """
            {% macro pick() %}{{ return(adapter.dispatch('pick')()) }}{% endmacro %}
            {% macro duckdb__pick() %}{{ ref('for_duckdb') }}{% endmacro %}
            {% macro default__pick() %}{{ ref('for_others') }}{% endmacro %}
            """,
            "models/for_duckdb.sql": "select 1", "models/for_others.sql": "select 1",
            "models/m.sql": "select * from {{ pick() }} -- {{ target.name }}",
        ]
        XCTAssertEqual(try parents(of: "m", in: try project(files)), ["model.shop.for_others"])
        var fromProfiles = DbtSettings()
        fromProfiles.profilesDirectories = ["/nonexistent", folder.path]
        let detected = try project(files, settings: fromProfiles)
        XCTAssertEqual(try parents(of: "m", in: detected), ["model.shop.for_duckdb"])
        XCTAssertEqual(try detected.renderedModel("models/m.sql")?.sql.hasSuffix("-- ci"), true)
        var configured = fromProfiles
        configured.adapterType = "snowflake"
        XCTAssertEqual(try parents(of: "m", in: try project(files, settings: configured)), ["model.shop.for_others"],
                       "dbt.adapter wins over profiles.yml; snowflake has no implementation here")
    }

    /// A model can put what env_var() returns into a ref() name, and so into a report: secrets
    /// read as unset, whatever the environment holds.
    func testEnvVarNeverReadsASecret() throws {
        var settings = DbtSettings()
        settings.environment = ["SNOWFLAKE_DATABASE": "analytics_db", "GITHUB_TOKEN": "ghp_canary", "DB_PASSWORD": "hunter2"]
        let project = try project([
            "models/analytics_db.sql": "select 1", "models/unset.sql": "select 1",
            "models/m.sql": "select * from {{ ref(env_var('SNOWFLAKE_DATABASE')) }}, {{ ref(env_var('GITHUB_TOKEN', 'unset')) }}",
            "models/n.sql": "select * from {{ ref(env_var('DB_PASSWORD')) }}",
        ], settings: settings)
        XCTAssertEqual(try parents(of: "m", in: project), ["model.shop.analytics_db", "model.shop.unset"])
        XCTAssertEqual(try parents(of: "n", in: project), [])
        let text = project.diagnostics.map(\.message).joined(separator: "\n")
        XCTAssertTrue(text.contains("ref() of an empty name"), text)
        XCTAssertFalse(text.contains("hunter2") || text.contains("ghp_canary"))
    }

    /// An env var the job does not set stops dbt, but rarely decides a reference: the render goes
    /// on with "", so the references its macros make are still edges, and the report says which.
    func testAnUnsetEnvVarIsANoticeNotALostEdge() throws {
        let project = try project([
            "macros/cte.sql": "{% macro cte(name) %}select * from {{ ref(name) }}{% endmacro %}",
            "models/a.sql": "select 1",
            "models/m.sql": "{{ config(database=env_var('WAREHOUSE_DB')) }}{{ cte('a') }}",
            "models/n.sql": "{{ config(database=env_var('WAREHOUSE_DB')) }}{{ cte('a') }}",
        ])
        XCTAssertEqual(try parents(of: "m", in: project), ["model.shop.a"])
        let notices = project.diagnostics.filter { $0.message.contains("env_var('WAREHOUSE_DB')") }
        XCTAssertEqual(notices.count, 1, "\(project.diagnostics)")
        XCTAssertEqual(notices.first?.location?.path, "models/m.sql")
        XCTAssertTrue(notices.first?.message.contains("and 1 other model") ?? false)
    }
}
