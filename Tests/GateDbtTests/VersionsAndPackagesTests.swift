import Foundation
import GateModel
import Testing
@testable import DbtFiles
@testable import GateDbt

@Suite struct VersionsAndPackagesTests {
    let settings = DbtSettings(targetDatabase: "analytics", targetSchema: "prod")

    @Test func versionsAreNodesWithTheirOwnColumnsAndRelations() throws {
        let (base, head) = try Fixtures.projects("versions", settings: settings)
        let before = try base.modelVersions(named: "dim_customers")
        #expect(before.map(\.uniqueId) == ["model.shop.dim_customers.v1", "model.shop.dim_customers.v2"])
        // v1 excludes `country`; its default alias is `<name>_v<N>`.
        #expect(before[0].columns.map(\.name) == ["customer_id", "full_name"])
        #expect(before[0].relation.description == "analytics.prod.dim_customers_v1")
        #expect(before[0].path == "models/marts/dim_customers_v1.sql")
        #expect(before[0].versions.first?.deprecationDate == "2099-12-31")
        #expect(before[1].columns.map(\.name) == ["customer_id", "full_name", "country"])
        #expect(try base.model(named: "dim_customers")?.uniqueId == "model.shop.dim_customers.v2")

        // v3 lives in `defined_in: dim_customers_next` but keeps the default alias dim_customers_v3.
        let latest = try #require(try head.model(named: "dim_customers"))
        #expect(latest.uniqueId == "model.shop.dim_customers.v3")
        #expect(latest.path == "models/marts/dim_customers_next.sql")
        #expect(latest.relation.identifier == "dim_customers_v3")
        #expect(latest.columns.map(\.name) == ["customer_id", "full_name", "country", "segment"])
        #expect(latest.latestVersion == "3")
        #expect(latest.contractEnforced)
    }

    @Test func versionAddedAndRemoved() throws {
        let (base, head) = try Fixtures.projects("versions", settings: settings)
        let result = try SemanticDiff.compare(base: base, head: head, changes: changeSet(
            deleted("models/marts/dim_customers_v1.sql"),
            added("models/marts/dim_customers_next.sql"),
            modified("models/marts/_dim_customers.yml")))
        #expect(result.changes.summary == ["dim_customers.v1:deleted", "dim_customers.v2:modified", "dim_customers.v3:added"],
                "got \(result.changes.summary)")
        let v2 = try #require(result.changes[model: "dim_customers.v2"])
        #expect(v2.base?.versions.map(\.version) == ["1", "2"])
        #expect(v2.head?.versions.map(\.version) == ["2", "3"])
        #expect(v2.base?.latestVersion == "2" && v2.head?.latestVersion == "3")
        #expect(result.changes[model: "dim_customers.v1"]?.base?.versions.first?.deprecationDate == "2099-12-31")
    }

    @Test func graphResolvesVersionsPackagesSourcesAndExposures() throws {
        let head = try DbtProject.load(tree: Fixtures.tree("versions", "after"), settings: settings)
        let graph = try head.graph()
        // An unpinned ref goes to the latest version; `v=2` pins one.
        #expect(graph.nodes["model.shop.dim_customers.v3"]?.children == ["model.shop.customer_report"])
        #expect(graph.nodes["model.shop.dim_customers.v2"]?.children == ["model.shop.customer_report"])
        #expect(graph.nodes["model.finance_pkg.revenue"]?.children == ["model.shop.customer_report"])
        #expect(graph.nodes["source.shop.crm.customers"]?.children == ["exposure.shop.customer_dashboard", "model.shop.stg_customers"])
        #expect(graph.nodes["model.shop.customer_report"]?.children == ["exposure.shop.customer_dashboard"])
        let exposure = try #require(graph.nodes["exposure.shop.customer_dashboard"])
        #expect(exposure.type == "exposure")
        #expect(exposure.owners.first?.email == "ann@example.com")
        // A ref inside a Jinja comment is not a dependency.
        #expect(!graph.nodes.keys.contains { $0.contains("commented_out") })
        #expect(graph.nodes["model.shop.dim_customers.v3"]?.relation?.description == "analytics.prod.dim_customers_v3")

        let downstream = graph.downstream(of: "model.shop.stg_customers").nodes.map(\.id).sorted()
        #expect(downstream == ["exposure.shop.customer_dashboard", "model.shop.customer_report",
                               "model.shop.dim_customers.v2", "model.shop.dim_customers.v3"])

        let report = try #require(try head.model(named: "customer_report"))
        #expect(report.refs == ["dim_customers", "revenue"])
    }

    @Test func columnUsersFindWholeWordMentionsInDownstreamSql() throws {
        let head = try DbtProject.load(tree: Fixtures.tree("versions", "after"), settings: settings)
        let users = try head.columnUsers(
            of: "stg_customers", columns: ["Customer_ID", "country", "full"],
            among: ["model.shop.customer_report", "exposure.shop.customer_dashboard", "model.shop.dim_customers.v3",
                    "model.shop.stg_customers"])
        #expect(users["customer_id"] == ["model.shop.customer_report", "model.shop.dim_customers.v3"])
        #expect(users["country"] == ["model.shop.dim_customers.v3"])
        // `full` occurs only inside `full_name`: not a whole word.
        #expect(users["full"] == [])
        // Another version of the model itself is not its consumer.
        let own = try head.columnUsers(of: "dim_customers", columns: ["country"], among: ["model.shop.dim_customers.v2"])
        #expect(own["country"] == [])
    }
}

@Suite struct StarProjectionTests {
    func users(of sql: String) throws -> [String] {
        let tree = MemoryTree([
            "dbt_project.yml": "name: shop\n",
            "models/orders.sql": "select 1 as id, 'x' as status\n",
            "models/report.sql": sql,
        ])
        let project = try DbtProject.load(tree: tree, settings: DbtSettings())
        return try project.columnUsers(of: "orders", columns: ["status"], among: ["model.shop.report"])["status"] ?? []
    }

    /// A consumer that selects every column may use any of them: never a missed break.
    @Test func selectStarCountsAsUsingEveryColumn() throws {
        #expect(try users(of: "select * from {{ ref('orders') }}") == ["model.shop.report"])
        #expect(try users(of: "select o.*, 1 as n from {{ ref('orders') }} o") == ["model.shop.report"])
        #expect(try users(of: "select distinct\n  *\nfrom {{ ref('orders') }}") == ["model.shop.report"])
        #expect(try users(of: "select id, 2 * 3 as six, count(*) as n from {{ ref('orders') }} group by 1") == [])
    }
}

@Suite struct SeedsAndSnapshotsTests {
    @Test func seedsAreParentsAndSnapshotsAreConsumers() throws {
        let snapshot = """
        {% snapshot orders_snapshot %}
        {{ config(unique_key='id', strategy='check', check_cols='all') }}
        select * from {{ ref('orders') }}
        {% endsnapshot %}
        {%- snapshot  regions_snapshot -%}
        select * from {{ ref('country_codes') }}
        {% endsnapshot %}
        """
        let project = try DbtProject.load(tree: MemoryTree([
            "dbt_project.yml": "name: shop\n",
            "models/orders.sql": "select * from {{ ref('country_codes') }}\n",
            "seeds/country_codes.csv": "code,name\nNL,Netherlands\n",
            "snapshots/history.sql": snapshot,
        ]))
        let graph = try project.graph()
        #expect(graph.nodes["seed.shop.country_codes"]?.children == ["model.shop.orders", "snapshot.shop.regions_snapshot"])
        #expect(graph.nodes["model.shop.orders"]?.children == ["snapshot.shop.orders_snapshot"])
        #expect(graph.nodes["snapshot.shop.orders_snapshot"]?.type == "snapshot")
        #expect(graph.nodes["model.shop.country_codes"] == nil)
    }
}

/// The base side of a check builds only the consumers of the models that are gone; that
/// subgraph must say exactly what the whole graph says about them.
@Suite struct ConsumersSubgraphTests {
    @Test func consumersAreTheWholeGraphsChildrenOfTheTargets() throws {
        let tree = MemoryTree([
            "dbt_project.yml": "name: shop\nmodels:\n  shop:\n    marts:\n      +schema: marts\n",
            "models/a.sql": "select 1 as id\n",
            "models/b.sql": "select * from {{ ref('a') }} join {{ source('raw', 'events') }} using (id)\n",
            "models/c.sql": "select * from {{ ref('b') }}\n",
            "models/marts/d.sql": "{{ config(alias='dee') }}\nselect * from {{ ref('a') }}, {{ ref('x', v=1) }}\n",
            "models/x_v1.sql": "select 1 as id\n",
            "models/x_v2.sql": "select 2 as id\n",
            "models/y.sql": "select * from {{ ref('x') }}\n",
            // Named with its package: still a consumer of `a`.
            "models/e.sql": "select * from {{ ref('shop', 'a') }}\n",
            "models/schema.yml": """
            models:
              - name: x
                latest_version: 2
                versions:
                  - v: 1
                  - v: 2
            exposures:
              - name: board
                type: dashboard
                url: https://bi.example.com/dashboards/12
                label: KPI Board
                owner: {email: ana@shop.test}
                depends_on: [ref('a'), ref('c')]
            """,
            "snapshots/history.sql": "{% snapshot a_history %}\nselect * from {{ ref('a') }}\n{% endsnapshot %}\n",
        ])
        let whole = try DbtProject.load(tree: tree).graph()
        let targets: Set<String> = ["model.shop.a", "model.shop.x.v1", "model.shop.x.v2"]
        let part = try DbtProject.load(tree: tree).consumers(of: targets)
        for target in targets {
            #expect(part.nodes[target]?.children == whole.nodes[target]?.children, "children of \(target)")
        }
        for child in targets.flatMap({ whole.nodes[$0]?.children ?? [] }) {
            var expected = whole.nodes[child]
            var found = part.nodes[child]
            // Only the edges into the targets are kept; everything else about the node is the same.
            expected?.children = []
            found?.children = []
            #expect(found == expected, "node \(child)")
        }
        // Not agreement on nothing, and not the whole graph.
        #expect(part.nodes["model.shop.a"]?.children
            == ["exposure.shop.board", "model.shop.b", "model.shop.d", "model.shop.e", "snapshot.shop.a_history"])
        #expect(part.nodes["model.shop.x.v2"]?.children == ["model.shop.y"])
        #expect(whole.nodes["exposure.shop.board"]?.url == "https://bi.example.com/dashboards/12")
        #expect(whole.nodes["exposure.shop.board"]?.label == "KPI Board")
        #expect(part.nodes["model.shop.d"]?.relation == whole.nodes["model.shop.d"]?.relation)
        #expect(part.nodes["model.shop.c"] == nil || part.nodes["model.shop.c"]?.path == nil)
    }
}
