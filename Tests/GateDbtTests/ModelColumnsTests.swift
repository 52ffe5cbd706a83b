import Foundation
import GateModel
import XCTest
@testable import DbtFiles
@testable import DbtImpact
@testable import GateDbt
import GateSQL

/// A model's output columns as the gate works them out: its rendered SQL, with `*` expanded from
/// its parents up the graph, seeds' headers, sources' catalog or YAML, and the macros that ask the
/// warehouse for a relation's columns answered from what the gate knows.
final class ModelColumnsTests: XCTestCase {
    private func project(_ files: [String: String], settings: DbtSettings = DbtSettings()) throws -> DbtProject {
        var all = files
        if all["dbt_project.yml"] == nil { all["dbt_project.yml"] = "name: shop\n" }
        return try DbtProject.load(tree: MemoryTree(all), settings: settings)
    }

    private func columns(_ model: String, in project: DbtProject) throws -> ModelOutputColumns {
        try XCTUnwrap(try project.outputColumns(ofModel: model).first, "no model \(model)")
    }

    func testStarIsExpandedFromTheParentsOwnSQLUpTheGraph() throws {
        let project = try project([
            "models/stg_orders.sql": "select id as order_id, status, amount from raw.orders",
            "models/int_orders.sql": "with o as (select * from {{ ref('stg_orders') }}) select * from o",
            "models/fct_orders.sql": "select o.*, 1 as one from {{ ref('int_orders') }} as o",
        ])
        let fct = try columns("fct_orders", in: project)
        XCTAssertEqual(fct.columns, ["order_id", "status", "amount", "one"])
        XCTAssertEqual(fct.certainty, .known)
        XCTAssertEqual(fct.origin, .sql)
    }

    func testASeedsColumnsAreItsHeader() throws {
        let project = try project([
            "seeds/raw_customers.csv": "id,\"first, name\",email\n1,a,b\n",
            "models/stg_customers.sql": "select * from {{ ref('raw_customers') }}",
        ])
        XCTAssertEqual(try columns("stg_customers", in: project).columns, ["id", "first, name", "email"])
    }

    func testASourceIsPartlyKnownFromItsYAMLAndKnownFromTheWarehouseCatalog() throws {
        let files = [
            "models/sources.yml": """
            version: 2
            sources:
              - name: raw
                tables:
                  - name: orders
                    columns:
                      - name: id
                      - name: status
            """,
            "models/stg_orders.sql": "select * from {{ source('raw', 'orders') }}",
        ]
        let fromYAML = try columns("stg_orders", in: try project(files))
        XCTAssertEqual(fromYAML.columns, ["id", "status"])
        guard case .partial = fromYAML.certainty else { return XCTFail("YAML source columns are partial: \(fromYAML.certainty)") }

        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("catalog-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let catalog = folder.appendingPathComponent("catalog.json")
        try Data("""
        {"nodes": {}, "sources": {"source.shop.raw.orders": {"columns": {
          "STATUS": {"name": "STATUS", "index": 2, "type": "TEXT"},
          "ID": {"name": "ID", "index": 1, "type": "NUMBER"},
          "LOADED_AT": {"name": "LOADED_AT", "index": 3, "type": "TIMESTAMP"}}}}}
        """.utf8).write(to: catalog)
        var settings = DbtSettings()
        settings.warehouseCatalog = catalog.path
        let fromCatalog = try columns("stg_orders", in: try project(files, settings: settings))
        XCTAssertEqual(fromCatalog.columns, ["ID", "STATUS", "LOADED_AT"])
        XCTAssertEqual(fromCatalog.certainty, .known)
    }

    func testABrokenCatalogIsAnErrorNamingTheFile() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("catalog-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let catalog = folder.appendingPathComponent("catalog.json")
        try Data("[1, 2".utf8).write(to: catalog)
        var settings = DbtSettings()
        settings.warehouseCatalog = catalog.path
        let project = try project(["models/stg.sql": "select * from {{ source('raw', 'orders') }}"], settings: settings)
        XCTAssertThrowsError(try project.outputColumns(ofModel: "stg")) { error in
            XCTAssertTrue("\(error)".contains(catalog.path), "\(error)")
        }
    }

    func testMacrosThatReadARelationsColumnsGetTheColumnsTheGateKnows() throws {
        // The shape of dbt_utils.unpivot: it asks the warehouse for the relation's columns.
        let project = try project([
            "macros/unpivot.sql": """
            {% macro my_unpivot(relation, exclude) %}
              {%- for col in adapter.get_columns_in_relation(relation) if col.column not in exclude -%}
                select {{ exclude | join(', ') }}, '{{ col.column }}' as field_name, cast({{ col.name }} as int) as value
                from {{ relation }}
                {% if not loop.last %}union all{% endif %}
              {% endfor -%}
            {% endmacro %}
            """,
            "models/stg_counts.sql": "select agency, year, buses, trains from raw.counts",
            "models/int_counts.sql": "{{ my_unpivot(ref('stg_counts'), ['agency', 'year']) }}",
        ])
        let unpivoted = try columns("int_counts", in: project)
        XCTAssertEqual(unpivoted.columns, ["agency", "year", "field_name", "value"])
        XCTAssertEqual(unpivoted.certainty, .known)
    }

    func testProjectVarsAreRenderedAndUnknowableValuesAreOpaqueNotHoles() throws {
        let project = try project([
            "dbt_project.yml": """
            name: shop
            vars:
              start_column: "{{ 'created' ~ '_at' }}"
            """,
            "models/events.sql": """
            select
                {{ var('start_column') }},
                {{ run_started_at.year }} as run_year,
                {{ dbt.current_timestamp() }} as loaded_at,
                {{ dbt.date_trunc('day', 'created_at') }} as created_day
            from raw.events
            """,
        ])
        let events = try columns("events", in: project)
        XCTAssertEqual(events.columns, ["created_at", "run_year", "loaded_at", "created_day"])
        XCTAssertEqual(events.certainty, .known)
    }

    func testAPythonModelsColumnsAreItsYAMLsUnderAnEnforcedContractAndUnknownWithout() throws {
        let project = try project([
            "models/scored.py": "def model(dbt, session):\n    return dbt.ref('events')\n",
            "models/plain.py": "def model(dbt, session):\n    return dbt.ref('events')\n",
            "models/events.sql": "select 1 as id",
            "models/schema.yml": """
            version: 2
            models:
              - name: scored
                config:
                  contract: {enforced: true}
                columns:
                  - name: id
                    data_type: int
                  - name: score
                    data_type: float
            """,
        ])
        let scored = try columns("scored", in: project)
        XCTAssertEqual(scored.columns, ["id", "score"])
        XCTAssertEqual(scored.origin, .yaml)
        XCTAssertEqual(scored.certainty, .known)
        let plain = try columns("plain", in: project)
        guard case let .unknown(reason) = plain.certainty else { return XCTFail("\(plain.certainty)") }
        XCTAssertTrue(reason.contains("Python model"), reason)
    }

    func testUnparseableSQLIsUnknownWithItsLineNeverNoColumns() throws {
        let project = try project(["models/broken.sql": "select a,\n  from from where\n"])
        let broken = try columns("broken", in: project)
        XCTAssertTrue(broken.columns.isEmpty)
        guard case let .unknown(reason) = broken.certainty else { return XCTFail("\(broken.certainty)") }
        XCTAssertTrue(reason.contains("line"), reason)
    }

    func testAYAMLOnlyRemovalOfAColumnTheSQLStillOutputsIsDocumentationNotARemoval() {
        let removal = ColumnChange(kind: .removed, column: "status", before: ColumnSpec(name: "status"))
        let head = NodeColumns(columns: SQLColumnSet(names: ["order_id", "STATUS"], certainty: .known), origin: .sql)
        let merged = ColumnLineage.Walk.merge(yaml: [removal], sql: [], head: head, baseSpecs: [])
        XCTAssertEqual(merged.map(\.kind), [.undeclared])
        // Both the YAML and the SQL dropping it: one removal, with the YAML's facts.
        let gone = NodeColumns(columns: SQLColumnSet(names: ["order_id"], certainty: .known), origin: .sql)
        let sqlRemoval = ColumnChange(kind: .removed, column: "status", before: ColumnSpec(name: "status"), evidence: "the SQL no longer outputs it")
        let both = ColumnLineage.Walk.merge(yaml: [removal], sql: [sqlRemoval], head: gone, baseSpecs: [])
        XCTAssertEqual(both.map(\.kind), [.removed])
        XCTAssertNil(both.first?.evidence)
        // Only the SQL: the removal carries the declared spec from the base YAML when there is one.
        let declared = ColumnSpec(name: "status", dataType: "varchar")
        let onlySQL = ColumnLineage.Walk.merge(yaml: [], sql: [sqlRemoval], head: gone, baseSpecs: [declared])
        XCTAssertEqual(onlySQL.first?.before?.dataType, "varchar")
        XCTAssertEqual(onlySQL.first?.evidence, "the SQL no longer outputs it")
    }
}
