import Foundation
import GateModel
import Testing
@testable import DbtFiles
@testable import GateDbt

/// Issue 19: no reading that fails may quietly become "no change". Each place that used to drop
/// what it could not read (`try?`) now says so, at the file it could not read.
@Suite struct UnreadableIsNotUnchangedTests {
    static let project = "name: shop\nversion: \"1.0.0\"\nprofile: shop\nmodel-paths: [\"models\"]\n"

    @Test func anEnabledFlagThatCannotBeRenderedIsAWarningNotASilentEnabled() throws {
        let tree = MemoryTree([
            "dbt_project.yml": Self.project + "models:\n  shop:\n    legacy:\n      +enabled: \"{{ var('use_legacy' }}\"\n",
            "models/legacy/old_orders.sql": "select 1 as id\n",
        ])
        let project = try DbtProject.load(tree: tree)
        let model = try #require(try project.model(named: "old_orders"))
        #expect(model.enabled, "compared as enabled, as before")
        let warning = project.diagnostics.first { $0.message.contains("could not be rendered") && $0.message.contains("enabled") }
        #expect(warning?.severity == .warning, "\(project.diagnostics.map(\.message))")
        #expect(warning?.location?.path == "dbt_project.yml" && warning?.location?.line == 8, "\(String(describing: warning))")
    }

    @Test func aProfilesFileThatIsNotYAMLIsSaidAndNamesNoAdapter() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("profiles-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data("shop:\n  target: prod\n  outputs: [unclosed\n".utf8).write(to: folder.appendingPathComponent("profiles.yml"))
        var settings = DbtSettings()
        settings.profilesDirectories = [folder.path]
        let project = try DbtProject.load(tree: MemoryTree(["dbt_project.yml": Self.project]), settings: settings)
        #expect(project.adapter() == nil)
        #expect(project.diagnostics.contains { $0.message.contains("profiles.yml is not valid YAML") },
                "\(project.diagnostics.map(\.message))")

        try Data("shop:\n  target: prod\n  outputs:\n    prod:\n      type: snowflake\n".utf8)
            .write(to: folder.appendingPathComponent("profiles.yml"))
        let readable = try DbtProject.load(tree: MemoryTree(["dbt_project.yml": Self.project]), settings: settings)
        #expect(readable.adapter() == "snowflake")
        #expect(readable.diagnostics.isEmpty, "\(readable.diagnostics.map(\.message))")
    }

    @Test func anInstalledPackageThatCannotBeReadIsSaid() throws {
        let tree = MemoryTree([
            "dbt_project.yml": Self.project,
            "models/orders.sql": "select * from {{ ref('payments_pkg', 'payments') }}\n",
            "dbt_packages/payments_pkg/dbt_project.yml": "name: [unclosed\n",
        ])
        let project = try DbtProject.load(tree: tree)
        _ = try ReferenceResolution.unresolvedReferences(in: project)
        let warning = project.diagnostics.first { $0.message.contains("installed package payments_pkg could not be read") }
        #expect(warning?.location?.path == "dbt_packages/payments_pkg/dbt_project.yml", "\(project.diagnostics.map(\.message))")
    }

    @Test func aSnapshotFileThatIsNotYAMLIsSaid() throws {
        let tree = MemoryTree([
            "dbt_project.yml": Self.project + "snapshot-paths: [\"snapshots\"]\n",
            "models/orders.sql": "select * from {{ ref('orders_snapshot') }}\n",
            "snapshots/orders_snapshot.yml": "snapshots: [unclosed\n",
        ])
        let project = try DbtProject.load(tree: tree)
        _ = try ReferenceResolution.unresolvedReferences(in: project)
        #expect(project.diagnostics.contains { $0.message.contains("snapshot file is not valid YAML") && $0.location?.path == "snapshots/orders_snapshot.yml" },
                "\(project.diagnostics.map(\.message))")
    }

    /// `validate`'s view: every call of the project that does not resolve, whoever made it.
    @Test func unresolvedReferencesListEveryDanglingCallOfTheProject() throws {
        let tree = MemoryTree([
            "dbt_project.yml": Self.project,
            "models/stg_customers.sql": "select 1 as customer_id\n",
            "models/customers.sql": "select *\nfrom {{ ref('stg_customers') }}\njoin {{ ref('stg_orders') }} using (customer_id)\n",
        ])
        let dangling = try ReferenceResolution.unresolvedReferences(in: try DbtProject.load(tree: tree))
        #expect(dangling.map { "\($0.referrer) \($0.targetName) \($0.location.path):\($0.location.line)" }
                == ["customers stg_orders models/customers.sql:3"])
    }
    /// Source calls resolve as the YAML parser reads the files, whether the plain-file sketch or
    /// the parser answers: names in quotes, a source name holding a dot (the sketch's
    /// `source.table` keys are then ambiguous), flow style (the sketch declines), a source with no tables.
    @Test func sourceCallsResolveAsTheParserReadsTheFiles() throws {
        let tree = MemoryTree([
            "dbt_project.yml": Self.project,
            "models/sources.yml": """
                version: 2
                sources:
                  - name: raw
                    tables:
                      - name: orders
                        columns:
                          - name: id
                      - name: "payments"
                  - name: raw.v2
                    tables:
                      - name: events
                  - name: empty

                """,
            "models/flow.yml": "sources: [{name: ext, tables: [{name: clicks}]}]\n",
            "models/a.sql": "select * from {{ source('raw', 'orders') }}\nunion all select * from {{ source('raw', 'payments') }}\n",
            "models/b.sql": "select * from {{ source('raw.v2', 'events') }}\n",
            "models/c.sql": "select * from {{ source('ext', 'clicks') }}\n",
            "models/d.sql": """
                select * from {{ source('raw', 'refunds') }}
                union all select * from {{ source('empty', 'x') }}
                union all select * from {{ source('raw', 'v2.events') }}
                union all select * from {{ source('ext', 'views') }}

                """,
        ])
        let dangling = try ReferenceResolution.unresolvedReferences(in: try DbtProject.load(tree: tree))
        #expect(dangling.map { "\($0.referrer) \($0.call) \($0.location.path):\($0.location.line)" }.sorted() == [
            "d source('empty', 'x') models/d.sql:2", "d source('ext', 'views') models/d.sql:4",
            "d source('raw', 'refunds') models/d.sql:1", "d source('raw', 'v2.events') models/d.sql:3",
        ])
    }
}
