import Foundation
import GateModel
import Testing
@testable import DbtFiles
@testable import GateDbt

/// Expected relations follow dbt's documented default macros:
/// `generate_database_name` (custom database, else target.database), `generate_schema_name`
/// (no custom schema → target.schema; custom → `<target.schema>_<custom>`), and
/// `generate_alias_name` (custom alias, else the model name, `<name>_v<N>` for versions).
@Suite struct RelationTests {
    let settings = DbtSettings(targetDatabase: "analytics", targetSchema: "prod")

    @Test func relationsFollowDbtDefaultNaming() throws {
        let (base, _) = try Fixtures.projects("relations", settings: settings)
        // `finance:` sets `schema` without `+` (a non-mapping value is a config) and `+database`.
        #expect(try base.model(named: "fct_revenue")?.relation.description == "finance_db.prod_finance.fct_revenue")
        #expect(try base.model(named: "fct_sales")?.relation.description == "analytics.prod_marts.sales")
        #expect(try base.model(named: "stg_a")?.relation.description == "analytics.prod.stg_a")
        #expect(try base.model(named: "dim_geo")?.relation.description == "analytics.prod_marts.dim_geo")
        let sales = try #require(try base.model(named: "fct_sales"))
        #expect(sales.tags == ["finance", "daily"])
        #expect(sales.owner == "ann@example.com")
    }

    @Test func customOnlySchemaNamingUsesTheCustomSchemaVerbatim() throws {
        var custom = settings
        custom.schemaNaming = .customOnly
        let base = try DbtProject.load(tree: Fixtures.tree("relations", "before"), settings: custom)
        #expect(try base.model(named: "fct_revenue")?.relation.description == "finance_db.finance.fct_revenue")
        #expect(try base.model(named: "stg_a")?.relation.description == "analytics.prod.stg_a")
    }

    @Test func nonLiteralConfigIsRecordedNotGuessed() throws {
        let (base, head) = try Fixtures.projects("relations", settings: settings)
        let dynamic = try #require(try base.model(named: "fct_dynamic"))
        #expect(dynamic.unknownConfig == ["schema"])
        #expect(dynamic.materialized == "incremental")
        // The unknown schema is not replaced by the folder's `+schema: marts`.
        #expect(dynamic.relation.schema == "prod")

        let result = try SemanticDiff.compare(base: base, head: head, changes: changeSet(modified("models/marts/fct_dynamic.sql")))
        #expect(result.changes.summary == ["fct_dynamic:modified"])
        let warning = try #require(result.diagnostics.first { $0.message.contains("`schema` is set by an expression that changed") })
        #expect(warning.severity == .warning)
        #expect(warning.message.contains("var('other_schema') ~ '_x'"))
        #expect(warning.location?.path == "models/marts/fct_dynamic.sql")
    }

    @Test func aliasChangesInSqlOrYamlAreRenames() throws {
        let (base, head) = try Fixtures.projects("relations", settings: settings)
        let result = try SemanticDiff.compare(base: base, head: head, changes: changeSet(
            modified("models/marts/fct_sales.sql"), modified("models/marts/_geo.yml")))
        #expect(result.changes.summary == ["dim_geo:renamed", "fct_sales:renamed"], "got \(result.changes.summary)")
        let sales = try #require(result.changes[model: "fct_sales"])
        #expect(sales.relationChanged)
        #expect(sales.base?.relation.identifier == "sales" && sales.head?.relation.identifier == "sales_v2")
        let geo = try #require(result.changes[model: "dim_geo"])
        #expect(geo.head?.relation.description == "analytics.prod_marts.geography")
        #expect(geo.location?.line == Fixtures.line("relations", "after", "models/marts/_geo.yml", containing: "- name: dim_geo"))
    }

    @Test func unknownTargetSchemaKeepsCustomSchemasComparable() throws {
        let base = try DbtProject.load(tree: Fixtures.tree("relations", "before"))
        #expect(try base.model(named: "fct_sales")?.relation.description == "<target>_marts.sales")
        #expect(try base.model(named: "stg_a")?.relation.description == "stg_a")
    }

    @Test func projectFileChangeReachesOnlyTheModelsItConfigures() throws {
        let (base, head) = try Fixtures.projects("project_change", settings: settings)
        let result = try SemanticDiff.compare(base: base, head: head, changes: changeSet(modified("dbt_project.yml")))
        #expect(result.changes.summary == ["fct_a:renamed", "fct_b:renamed"], "got \(result.changes.summary)")
        #expect(result.changes[model: "fct_a"]?.head?.relation.description == "analytics.prod_reporting.fct_a")
        #expect(result.changes[model: "fct_a"]?.base?.relation.description == "analytics.prod_marts.fct_a")
    }
}

@Suite struct NamingMacroTests {
    @Test func anOverriddenSchemaMacroIsReported() throws {
        let macro = """
        -- custom naming
        {% macro generate_schema_name(custom_schema_name, node) -%}
            {{ custom_schema_name or target.schema }}
        {%- endmacro %}
        """
        let files = [
            "dbt_project.yml": "name: shop\nmacro-paths: [\"macros\"]\n",
            "models/a.sql": "{{ config(schema='core') }} select 1\n",
            "macros/naming.sql": macro,
            "macros/other.sql": "{% macro cents(x) %}{{ x }} * 100{% endmacro %}\n",
        ]
        let project = try DbtProject.load(tree: MemoryTree(files))
        #expect(try project.namingMacroOverrides() == ["generate_schema_name"])
        let notice = try #require(project.diagnostics.first { $0.message.contains("overrides generate_schema_name") })
        #expect(notice.location == SourceLocation(path: "macros/naming.sql", line: 2))
        #expect(notice.message.contains("custom_only"))

        let plain = try DbtProject.load(tree: MemoryTree(files.filter { $0.key != "macros/naming.sql" }))
        #expect(try plain.namingMacroOverrides().isEmpty)
    }
}
