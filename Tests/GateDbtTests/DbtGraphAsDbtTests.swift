import Foundation
import GateModel
import Testing
@testable import DbtFiles
@testable import GateDbt

/// The project graph as dbt-core 1.11 builds it. Each expectation was confirmed once with
/// `dbt parse` (dbt-core 1.11.16, dbt-duckdb) on a project of the same shape, reading
/// `target/manifest.json` `child_map`/`parent_map`; dbt itself is not part of the test run.
@Suite struct DbtGraphAsDbtTests {
    /// dbt: `snapshot.shop.orders_snap -> ['model.shop.from_snap']`,
    /// `snapshot.shop.orders_ysnap -> ['model.shop.from_ysnap']` (a YAML snapshot in
    /// snapshots/ysnap.yml), `snapshot.shop.msnap` (a YAML snapshot under models/ reading a source).
    @Test func modelsReadingASnapshotAreDownstreamOfWhatTheSnapshotReads() throws {
        let project = try DbtProject.load(tree: MemoryTree([
            "dbt_project.yml": "name: shop\n",
            "models/orders.sql": "select 1 as order_id\n",
            "models/from_snap.sql": "select * from {{ ref('orders_snap') }}\n",
            "models/from_ysnap.sql": "select * from {{ ref('orders_ysnap') }}\n",
            "models/from_msnap.sql": "select * from {{ ref('msnap') }}\n",
            "models/snaps.yml": "snapshots:\n  - name: msnap\n    relation: source('raw', 'orders')\n",
            "snapshots/orders_snap.sql": "{% snapshot orders_snap %}\nselect * from {{ ref('orders') }}\n{% endsnapshot %}\n",
            "snapshots/ysnap.yml": "snapshots:\n  - name: orders_ysnap\n    relation: ref('orders')\n    config:\n      strategy: check\n",
        ]))
        let graph = try project.graph()
        #expect(graph.nodes["model.shop.orders"]?.children == ["snapshot.shop.orders_snap", "snapshot.shop.orders_ysnap"])
        #expect(graph.nodes["snapshot.shop.orders_snap"]?.children == ["model.shop.from_snap"])
        #expect(graph.nodes["snapshot.shop.orders_ysnap"]?.children == ["model.shop.from_ysnap"])
        #expect(graph.nodes["snapshot.shop.orders_ysnap"]?.path == "snapshots/ysnap.yml")
        #expect(graph.nodes["source.shop.raw.orders"]?.children == ["snapshot.shop.msnap"])
        #expect(graph.nodes["snapshot.shop.msnap"]?.children == ["model.shop.from_msnap"])
        #expect(graph.nodes["model.shop.orders_snap"] == nil)
        let downstream = graph.downstream(of: "model.shop.orders").nodes.map(\.id).sorted()
        #expect(downstream == ["model.shop.from_snap", "model.shop.from_ysnap", "snapshot.shop.orders_snap",
                               "snapshot.shop.orders_ysnap"])
    }

    /// dbt registers refable nodes in parse order and the last of a name wins (with a warning):
    /// a SQL snapshot over a model (`from_snap -> snapshot.shop.orders_snap`), a seed over both
    /// (`from_orders -> seed.shop.orders`), a YAML snapshot over a seed (`from_msnap -> snapshot.shop.msnap`).
    @Test func aNameClashResolvesAsDbtDoes() throws {
        let project = try DbtProject.load(tree: MemoryTree([
            "dbt_project.yml": "name: shop\n",
            "models/orders.sql": "select 1 as order_id\n",
            "models/orders_snap.sql": "select 1 as a\n",
            "models/from_snap.sql": "select * from {{ ref('orders_snap') }}\n",
            "models/from_orders.sql": "select * from {{ ref('orders') }}\n",
            "models/from_msnap.sql": "select * from {{ ref('msnap') }}\n",
            "models/snaps.yml": "snapshots:\n  - name: msnap\n    relation: source('raw', 'orders')\n",
            "seeds/orders.csv": "a\n1\n",
            "seeds/msnap.csv": "a\n1\n",
            "snapshots/orders_snap.sql": "{% snapshot orders_snap %}\nselect * from {{ ref('orders') }}\n{% endsnapshot %}\n",
        ]))
        let graph = try project.graph()
        #expect(graph.nodes["snapshot.shop.orders_snap"]?.children == ["model.shop.from_snap"])
        #expect(graph.nodes["seed.shop.orders"]?.children == ["model.shop.from_orders", "snapshot.shop.orders_snap"])
        #expect(graph.nodes["snapshot.shop.msnap"]?.children == ["model.shop.from_msnap"])
        #expect(graph.nodes["model.shop.orders"]?.children ?? [] == [])
        #expect(project.diagnostics.contains { $0.message.contains("the model and the seed orders share a name") })
    }

    static let semanticLayer = """
        semantic_models:
          - name: orders_sm
            model: ref('orders')
            config:
              group: finance
              meta:
                owner: "@fin"
            entities:
              - name: order
                type: primary
                expr: order_id
              - name: customer_id
                type: foreign
            dimensions:
              - name: order_status
                type: categorical
                expr: status
            measures:
              - name: revenue
                agg: sum
                expr: amount
              - name: order_count
                agg: count
                expr: 1
        metrics:
          - name: revenue
            label: Revenue
            type: simple
            config:
              group: finance
              meta:
                owner: "@rev"
            type_params:
              measure: revenue
          - name: orders
            label: Orders
            type: simple
            type_params:
              measure:
                name: order_count
          - name: aov
            label: AOV
            type: ratio
            type_params:
              numerator: revenue
              denominator: {name: orders}
          - name: rev2
            label: Rev2
            type: derived
            type_params:
              expr: revenue * 2
              metrics:
                - name: revenue
        saved_queries:
          - name: rev_by_day
            label: Revenue by day
            query_params:
              metrics: [revenue, aov]

        """

    static func semanticProject() throws -> DbtProject {
        try DbtProject.load(tree: MemoryTree([
            "dbt_project.yml": "name: shop\n",
            "models/orders.sql": "select 1 as order_id, 2 as customer_id, 'x' as status, 3 as amount, 'n' as note\n",
            "models/sem.yml": semanticLayer,
        ]))
    }

    /// dbt's child_map for the same YAML: `model.shop.orders -> semantic_model.shop.orders_sm`,
    /// `semantic_model.shop.orders_sm -> [metric.shop.orders, metric.shop.revenue]`,
    /// `metric.shop.revenue -> [metric.shop.aov, metric.shop.rev2, saved_query.shop.rev_by_day]`,
    /// `metric.shop.orders -> [metric.shop.aov]`, `metric.shop.aov -> [saved_query.shop.rev_by_day]`;
    /// `group` and `meta.owner` under `config:` (dbt 1.11 rejects a top-level `group`).
    @Test func theSemanticLayerConsumesModelsAsDbtRecordsIt() throws {
        let graph = try Self.semanticProject().graph()
        #expect(graph.nodes["model.shop.orders"]?.children == ["semantic_model.shop.orders_sm"])
        #expect(graph.nodes["semantic_model.shop.orders_sm"]?.children == ["metric.shop.orders", "metric.shop.revenue"])
        #expect(graph.nodes["metric.shop.revenue"]?.children == ["metric.shop.aov", "metric.shop.rev2", "saved_query.shop.rev_by_day"])
        #expect(graph.nodes["metric.shop.orders"]?.children == ["metric.shop.aov"])
        #expect(graph.nodes["metric.shop.aov"]?.children == ["saved_query.shop.rev_by_day"])

        let model = try #require(graph.nodes["semantic_model.shop.orders_sm"])
        #expect(model.type == "semantic_model")
        #expect(model.path == "models/sem.yml")
        #expect(model.owners.map(\.id) == ["@fin", "group:finance"])
        let metric = try #require(graph.nodes["metric.shop.revenue"])
        #expect(metric.label == "Revenue")
        #expect(metric.owners.map(\.id) == ["@rev", "group:finance"])
        #expect(graph.nodes["saved_query.shop.rev_by_day"]?.label == "Revenue by day")
    }

    /// A semantic model uses the columns its entities, dimensions and measures name (`expr`, else
    /// `name`); a column it does not name is not used by it.
    @Test func aSemanticModelUsesTheColumnsItNames() throws {
        let users = try Self.semanticProject().columnUsers(
            of: "orders", columns: ["order_id", "customer_id", "status", "amount", "note", "order_status"],
            among: ["semantic_model.shop.orders_sm", "metric.shop.revenue"])
        let sm = ["semantic_model.shop.orders_sm"]
        #expect(users == ["order_id": sm, "customer_id": sm, "status": sm, "amount": sm, "note": [], "order_status": []])
    }

    /// With a manifest, its child_map wins: the semantic-layer children it lists stay children.
    @Test func aManifestKeepsSemanticLayerChildren() throws {
        let manifest = """
            {"nodes": {"model.shop.orders": {"resource_type": "model", "name": "orders", "schema": "main"}},
             "semantic_models": {"semantic_model.shop.orders_sm": {"resource_type": "semantic_model", "name": "orders_sm",
                "label": "Orders", "group": "finance", "config": {"meta": {"owner": "@fin"}},
                "original_file_path": "models/sem.yml"}},
             "metrics": {"metric.shop.revenue": {"resource_type": "metric", "name": "revenue", "label": "Revenue"}},
             "child_map": {"model.shop.orders": ["semantic_model.shop.orders_sm"],
                           "semantic_model.shop.orders_sm": ["metric.shop.revenue"]}}
            """
        let project = try DbtProject.load(tree: MemoryTree([
            "dbt_project.yml": "name: shop\n",
            "models/orders.sql": "select 1 as order_id\n",
            "target/manifest.json": manifest,
        ]))
        let graph = try project.graph()
        #expect(graph.nodes["model.shop.orders"]?.children == ["semantic_model.shop.orders_sm"])
        #expect(graph.nodes["semantic_model.shop.orders_sm"]?.children == ["metric.shop.revenue"])
        #expect(graph.nodes["semantic_model.shop.orders_sm"]?.owners.map(\.id) == ["@fin", "group:finance"])
        #expect(graph.nodes["semantic_model.shop.orders_sm"]?.relation == nil)
        #expect(graph.nodes["metric.shop.revenue"]?.label == "Revenue")
    }
}

/// Property files read as dbt (PyYAML) reads them.
@Suite struct DuplicateKeyTests {
    /// dbt-core 1.11 on the same file: `order_id` has `data_type: bigint`, and it warns
    /// "[DuplicateYAMLKeysDeprecation] Duplicate key 'data_type' … line 6, column 9".
    @Test func theLastValueWinsWithAWarningNamingBothLines() throws {
        let yaml = """
            models:
              - name: orders
                columns:
                  - name: order_id
                    data_type: int
                    description: The id.
                    data_type: bigint
                  - name: status

            """
        let contents = PropertyFileReader.read(Data(yaml.utf8), path: "models/dup.yml")
        #expect(contents.failure == nil)
        let columns = try #require(contents.models.first).columns
        #expect(columns.map(\.spec.name) == ["order_id", "status"])
        #expect(columns.first?.spec.dataType == "bigint")
        #expect(columns.first?.dataTypeLocation?.line == 7)
        #expect(columns.first?.spec.description == "The id.")
        let warning = try #require(contents.diagnostics.first { $0.message.contains("duplicate key") })
        #expect(warning.severity == .warning)
        #expect(warning.message.contains("`data_type` at lines 5 and 7"), "\(warning.message)")
        #expect(warning.location == SourceLocation(path: "models/dup.yml", line: 5, column: 9))
        // The renamed key is gone from what the entry says.
        #expect(!"\(contents.models[0].raw)".contains("dropped"))
    }

    @Test func severalRepeatsAndAQuotedKeyAreAllRead() throws {
        let yaml = "models:\n  - name: a\n    description: one\n    \"description\": two\n    description: three\n    name: b\n"
        let contents = PropertyFileReader.read(Data(yaml.utf8), path: "x.yml")
        #expect(contents.failure == nil)
        #expect(contents.models.map(\.name) == ["b"])
        #expect(contents.models.first?.description == "three")
        #expect(contents.diagnostics.filter { $0.message.contains("duplicate key") }.count == 3)
    }

    /// A repeat written in flow style cannot be located by line: still an error, never "no change".
    @Test func aRepeatThatCannotBeLocatedIsStillAnError() throws {
        let contents = PropertyFileReader.read(Data("models: [{name: a, name: b}]\n".utf8), path: "x.yml")
        #expect(contents.failure?.location?.line == 1)
    }
}
