import Foundation
import GateModel
import Testing
@testable import DbtFiles
@testable import GateDbt

@Suite struct ColumnDiffTests {
    let settings = DbtSettings(targetDatabase: "analytics", targetSchema: "prod")

    @Test func everyKindOfColumnChangeIsFoundWithItsHeadLocation() throws {
        let (base, head) = try Fixtures.projects("columns", settings: settings)
        let result = try SemanticDiff.compare(base: base, head: head, changes: changeSet(
            modified("models/marts/schema.yml"), modified("models/staging/stg_customers.sql")))

        // dim_customers shares the changed schema.yml but its entry did not change: not reported.
        #expect(result.changes.summary == ["fct_orders:modified", "fct_payments:modified", "stg_customers:modified"],
                "got \(result.changes.summary)")
        let orders = try #require(result.changes[model: "fct_orders"])
        #expect(orders.columnSummary == [
            "added:discount", "constraint_removed:customer_id:not_null", "constraint_removed:order_id:unique",
            "description_changed:status", "pii_mark_removed:email", "removed:legacy_code", "renamed:remark",
            "renamed:sales_region", "type_changed:created_at", "type_changed:sales_region",
        ], "got \(orders.columnSummary)")

        // Positional rename: same position, same type.
        let remark = try #require(orders.column(.renamed, "remark"))
        #expect(remark.before?.name == "note")
        // Declared rename (meta.renamed_from), with a type change on top.
        #expect(orders.column(.renamed, "sales_region")?.before?.name == "region")
        #expect(orders.column(.typeChanged, "sales_region")?.before?.dataType == "varchar")

        let file = "models/marts/schema.yml"
        // A removed column points at the head `- name: fct_orders` line; its base line travels in `before`.
        let removed = try #require(orders.column(.removed, "legacy_code"))
        #expect(removed.location?.path == file)
        #expect(removed.location?.line == Fixtures.line("columns", "after", file, containing: "- name: fct_orders"))
        #expect(removed.before?.location?.line == Fixtures.line("columns", "before", file, containing: "- name: legacy_code"))
        #expect(orders.column(.typeChanged, "created_at")?.location?.line
                == Fixtures.line("columns", "after", file, containing: "data_type: date"))
        #expect(orders.column(.added, "discount")?.location?.line
                == Fixtures.line("columns", "after", file, containing: "- name: discount"))
        #expect(orders.column(.descriptionChanged, "status")?.location?.line
                == Fixtures.line("columns", "after", file, containing: "Status of the order."))
        // Yams marks are 1-based columns too: `- name:` items start after the dash.
        #expect(orders.column(.added, "discount")?.location?.column == 9)

        // Case, spacing and quoting of types do not count as changes; neither does moving not_null
        // from a test to a constraint.
        #expect(orders.column(.typeChanged, "customer_id") == nil)
        #expect(orders.column(.typeChanged, "amount") == nil)
        #expect(orders.column(.constraintRemoved, "order_id")?.constraint == .unique)
        #expect(!orders.columnChanges.contains { $0.column == "order_id" && $0.constraint == .notNull })

        // A PII tag on a new column is read.
        #expect(orders.head?.column(named: "discount")?.isPII == true)

        let payments = try #require(result.changes[model: "fct_payments"])
        #expect(payments.base?.materialized == "table" && payments.head?.materialized == "ephemeral")
        #expect(payments.base?.contractEnforced == true && payments.head?.contractEnforced == false)
        // Model-level `constraints:` apply to the columns they name.
        #expect(payments.columnSummary == ["constraint_added:payment_id:check", "constraint_removed:payment_id:primary_key"],
                "got \(payments.columnSummary)")
        #expect(payments.column(.constraintAdded, "payment_id")?.location?.line
                == Fixtures.line("columns", "after", "models/marts/schema.yml", containing: "- type: check"))

        // A SQL-only edit is a modification without column changes.
        #expect(result.changes[model: "stg_customers"]?.columnChanges.isEmpty == true)
    }

    @Test func snapshotCarriesConfigRelationAndLineage() throws {
        let (_, head) = try Fixtures.projects("columns", settings: settings)
        let orders = try #require(try head.model(named: "fct_orders"))
        // dbt's default generate_schema_name: `<target schema>_<custom schema>`; alias from config().
        #expect(orders.relation == Relation(database: "analytics", schema: "prod_marts", identifier: "orders"))
        #expect(orders.materialized == "table")
        #expect(orders.contractEnforced)
        #expect(orders.refs == ["stg_orders"])
        #expect(orders.uniqueId == "model.shop.fct_orders")
        #expect(orders.patchPath == "models/marts/schema.yml")
        #expect(orders.path == "models/marts/fct_orders.sql")
        let staging = try #require(try head.model(named: "stg_orders"))
        #expect(staging.relation.description == "analytics.prod.stg_orders")
        #expect(staging.materialized == "view")
        #expect(staging.sources == ["raw.orders"])
        #expect(staging.location == SourceLocation(path: "models/staging/stg_orders.sql", line: 1, column: 1))
    }

    @Test func typeNormalisation() {
        #expect(ColumnDiff.normalizedType("DECIMAL( 18 , 2 )") == "decimal(18,2)")
        #expect(ColumnDiff.normalizedType("\"Timestamp\" With Time Zone") == "timestamp with time zone")
        #expect(ColumnDiff.normalizedType(" varchar(10) ") == ColumnDiff.normalizedType("VARCHAR(10)"))
        #expect(ColumnDiff.normalizedType("varchar(10)") != ColumnDiff.normalizedType("varchar(20)"))
        #expect(ColumnDiff.normalizedType(nil) == nil)
    }
}
