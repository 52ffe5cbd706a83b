import Foundation
import GateModel
import Testing
@testable import DbtFiles
@testable import GateDbt

@Suite struct ScannerTests {
    @Test func aFileStemIsTheNameBetweenTheLastSlashAndTheLastDot() {
        #expect(DbtProject.stem(of: "models/marts/fct_orders.sql") == "fct_orders")
        #expect(DbtProject.stem(of: "fct_orders.v2.sql") == "fct_orders.v2")
        #expect(DbtProject.stem(of: "models/x.y/noext") == "noext")
        #expect(DbtProject.stem(of: "models/é/ünïcödé.sql") == "ünïcödé")
        #expect(DbtProject.stem(of: "models/.hidden") == "")
        #expect(DbtProject.stem(of: "plain") == "plain")
    }

    @Test func refsAndSourcesInEveryWrittenForm() {
        let sql = """
        with a as (select * from {{ ref('m1') }}),
        b as (select * from {{ ref("m2") }}),
        c as (select * from {{ ref('pkg', 'm3') }}),
        d as (select * from {{ ref('m4', v=2) }}),
        e as (select * from {{ ref("m5", version="3") }}),
        f as (select * from {{ ref ( 'm6' ) }}),
        g as (select * from {{ source('raw', 'orders') }}),
        {# h as (select * from {{ ref('commented') }}), #}
        i as (select * from {{ ref(var('dynamic')) }}),
        j as (select myref('not_a_ref'), preref('nope')),
        -- k: {{ ref('in_sql_comment') }} is rendered by dbt, so it counts
        l as (select 1)
        select * from a
        """
        let scan = ReferenceScanner.scan(Data(sql.utf8))
        #expect(scan.refs.map(\.name) == ["m1", "m2", "m3", "m4", "m5", "m6", "in_sql_comment"])
        #expect(scan.refs[2].package == "pkg")
        #expect(scan.refs[3].version == "2")
        #expect(scan.refs[4].version == "3")
        #expect(scan.refs.map(\.line) == [1, 2, 3, 4, 5, 6, 11])
        #expect(scan.sources == [SourceReference(source: "raw", table: "orders", line: 7)])

        let python = """
        def model(dbt, session):
            dbt.config(materialized="table")
            orders = dbt.ref("orders")
            raw = dbt.source("raw", "payments")
            return orders
        """
        let py = ReferenceScanner.scan(Data(python.utf8))
        #expect(py.refs.map(\.name) == ["orders"])
        #expect(py.sources.map(\.table) == ["payments"])
        #expect(py.configCalls.count == 1)
    }

    @Test func configLiteralsAreReadAndExpressionsAreUnknown() {
        let sql = """
        {{
          config(
            materialized = 'incremental',
            unique_key=["id", 'day'],
            enabled=True,
            full_refresh=false,
            batch=25,
            meta={'owner': "ann", 'tier': 1, "nested": {"x": [1, 2]}},
            contract={'enforced': true},
            schema=env_var('DBT_SCHEMA', 'prod'),
            alias='orders_' ~ var('suffix'),
            database=target.database if target.name == 'prod' else 'dev',
            tags=none
          )
        }}
        select 1
        """
        let data = Data(sql.utf8)
        let scan = ReferenceScanner.scan(data)
        let (config, problems) = ConfigCallReader.read(data, calls: scan.configCalls, path: "m.sql")
        #expect(problems.isEmpty)
        #expect(config.string("materialized") == "incremental")
        #expect(config.values["unique_key"] == .array([.string("id"), .string("day")]))
        #expect(config.bool("enabled") == true)
        #expect(config.bool("full_refresh") == false)
        #expect(config.values["batch"] == .number(25))
        #expect(config.meta["nested"] == .object(["x": .array([.number(1), .number(2)])]))
        #expect(config.contractEnforced == true)
        #expect(config.values["tags"] == .null)
        #expect(Set(config.unknown.keys) == ["schema", "alias", "database"])
        #expect(config.unknown["alias"] == "'orders_' ~ var('suffix')")
        #expect(config.unknown["database"] == "target.database if target.name == 'prod' else 'dev'")
        #expect(config.locations["alias"]?.line == 11)
    }

    @Test func unbalancedConfigIsReportedAtItsLine() {
        let sql = "select 1\n{{ config(materialized='table', tags=['a'\n}}\nselect 2\n"
        let data = Data(sql.utf8)
        let (_, problems) = ConfigCallReader.read(data, calls: ReferenceScanner.scan(data).configCalls, path: "m.sql")
        #expect(problems.count == 1)
        #expect(problems.first?.location?.line == 2)
        #expect(problems.first?.location?.column == 4)
        let unclosedString = Data("{{ config(alias='x) }}\n".utf8)
        let (_, stringProblems) = ConfigCallReader.read(unclosedString, calls: ReferenceScanner.scan(unclosedString).configCalls, path: "m.sql")
        #expect(stringProblems.count == 1)
    }

    @Test func projectConfigFollowsDbtFqnSearch() throws {
        let file = try ProjectFile.parse("""
        name: shop
        model-paths: ["models", "./more/"]
        models:
          +tags: [all]
          shop:
            +materialized: view
            marts:
              materialized: table
              +tags: marts
              +meta: {owner: team}
              finance:
                +schema: finance
                +meta: {tier: 1}
                fct_special:
                  alias: special
        """, path: "dbt_project.yml")
        #expect(file.modelPaths == ["models", "more"])
        let config = file.models.effectiveConfig(fqn: ["shop", "marts", "finance", "fct_special"])
        #expect(config.string("materialized") == "table")
        #expect(config.string("schema") == "finance")
        #expect(config.string("alias") == "special")
        #expect(config.tags == ["all", "marts"])
        #expect(config.meta == ["owner": .string("team"), "tier": .number(1)])
        let other = file.models.effectiveConfig(fqn: ["shop", "staging", "stg"])
        #expect(other.string("materialized") == "view")
        #expect(other.string("schema") == nil)
    }
}

@Suite struct HostileInputTests {
    @Test func deeplyNestedConfigValueIsAnExpressionNotACrash() {
        let sql = "{{ config(meta=" + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + ", alias='a') }}"
        let data = Data(sql.utf8)
        let (config, problems) = ConfigCallReader.read(data, calls: ReferenceScanner.scan(data).configCalls, path: "m.sql")
        #expect(problems.isEmpty)
        #expect(config.unknown["meta"] != nil)
        #expect(config.string("alias") == "a")
    }

    @Test func projectInASubfolderUsesRepositoryRelativePaths() throws {
        let tree = MemoryTree([
            "analytics/dbt_project.yml": "name: shop\nmodels:\n  shop:\n    +schema: core\n",
            "analytics/models/a.sql": "select 1 as id\n",
            "analytics/models/a.yml": "models:\n  - name: a\n    columns:\n      - name: id\n",
            "models/not_dbt.sql": "select 1\n",
        ])
        let project = try DbtProject.load(tree: tree, settings: DbtSettings(projectDir: "./analytics/", targetSchema: "prod"))
        #expect(project.modelPaths == ["analytics/models"])
        #expect(project.isModelFile("analytics/models/a.sql"))
        #expect(!project.isModelFile("models/not_dbt.sql"))
        let a = try #require(try project.model(named: "a"))
        #expect(a.path == "analytics/models/a.sql")
        #expect(a.location == SourceLocation(path: "analytics/models/a.yml", line: 2, column: 5))
        #expect(a.relation.schema == "prod_core")
    }
}
