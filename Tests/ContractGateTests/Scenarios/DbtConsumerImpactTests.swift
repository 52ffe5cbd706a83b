import ContractGate
import Foundation
import GateModel
import GateReporters
import GateTestSupport
import Testing

/// Consumers dbt knows beyond models and exposures — snapshots read through `ref()`, and the
/// semantic layer — through the real pipeline (git → dbt graph → impact → report), as every
/// report format shows them.
@Suite struct DbtConsumerImpactTests {
    func check(_ name: String) async throws -> Report {
        let scenario = Scenario(name: name)
        let repo = try scenario.makeRepository()
        defer { repo.remove() }
        return try await scenario.check(repo)
    }

    @Test func modelsReadingASnapshotAreDownstream() async throws {
        let report = try await check("blast_radius_through_snapshots")
        let downstream = try #require(report.impact.first { $0.model == "fct_orders" }).downstream
        let reached = downstream.map { "\($0.id)@\($0.depth)" }.sorted()
        #expect(reached == ["model.shop.rpt_order_changes@2", "model.shop.rpt_order_history@2",
                            "snapshot.shop.orders_snap@1", "snapshot.shop.orders_ysnap@1"], "\(reached)")
    }

    /// dbt's `state:modified+` for an edited snapshot block and seed (checked once with dbt-core
    /// 1.11: `snapshot.shop.orders_snap`, `model.shop.rpt_order_history`, `seed.shop.country_codes`,
    /// `model.shop.dim_countries`): each is walked like a changed model; the untouched block is not.
    @Test func anEditedSnapshotBlockAndSeedAreWalkedLikeChangedModels() async throws {
        let report = try await check("snapshot_and_seed_edits_reach_their_readers")
        #expect(report.changes.isEmpty)
        let walked = report.impact.map { "\($0.model): " + $0.downstream.map(\.id).sorted().joined(separator: ", ") }.sorted()
        #expect(walked == ["country_codes: model.shop.dim_countries", "orders_snap: model.shop.rpt_order_history"], "\(walked)")
    }

    /// dbt's `state:modified+` for edits to a sources file (checked once with dbt-core 1.11: the
    /// sources raw.orders, raw.payments, raw.items, crm.accounts and the models stg_orders,
    /// fct_orders, stg_payments, stg_items, stg_accounts; not raw.customers, whose description and
    /// columns changed): each changed source table is walked like a changed model, with a notice.
    @Test func anEditedSourceDefinitionIsWalkedLikeAChangedModel() async throws {
        let report = try await check("source_definition_edits_reach_their_readers")
        #expect(report.changes.isEmpty)
        let walked = report.impact.map { "\($0.model): " + $0.downstream.map(\.id).sorted().joined(separator: ", ") }.sorted()
        #expect(walked == ["crm.accounts: model.shop.stg_accounts", "raw.items: model.shop.stg_items",
                           "raw.orders: model.shop.fct_orders, model.shop.stg_orders", "raw.payments: model.shop.stg_payments"],
                "\(walked)")
        let notices = report.diagnostics.filter { $0.message.hasPrefix("source ") }
        #expect(notices.map(\.message).contains(
            "source raw.payments changed (identifier): dbt's state:modified selects it, and the models downstream of it are walked as for a changed model"),
            "\(notices)")
        #expect(notices.first { $0.message.hasPrefix("source raw.orders") }?.location == SourceLocation(path: "models/sources.yml", line: 6, column: 9))
        #expect(notices.count == 4)
    }

    @Test func theSemanticLayerIsListedWithItsOwnersInEveryFormat() async throws {
        let report = try await check("when_unused_semantic_model_uses_column")
        let downstream = try #require(report.impact.first { $0.model == "fct_orders" }).downstream
        let semanticModel = try #require(downstream.first { $0.id == "semantic_model.shop.orders" })
        #expect(semanticModel.type == "semantic_model")
        #expect(semanticModel.depth == 1)
        #expect(semanticModel.owners.map(\.id) == ["@revenue-team", "group:finance"])
        let metric = try #require(downstream.first { $0.id == "metric.shop.revenue" })
        #expect(metric.type == "metric")
        #expect(metric.depth == 2)
        #expect(metric.owners.map(\.id) == ["@cfo"])
        // The finding on a column the semantic model reads counts both as consumers.
        let amount = try #require(report.findings.first { $0.column == "amount" })
        #expect(amount.severity == .error)
        #expect(amount.downstream == 2, "\(amount)")

        for format in ReportFormat.allCases {
            let text = String(decoding: format.reporter().render(report), as: UTF8.self)
            switch format {
            case .text, .markdown:
                // The impact list and "Who is affected", with the semantic model and metric by owner.
                #expect(text.contains("Who is affected"), "\(format): \(text)")
                for name in ["orders", "revenue", "@revenue-team", "dbt group finance", "@cfo"] {
                    #expect(text.contains(name), "\(format) lacks \(name):\n\(text)")
                }
                // Markdown escapes the underscore.
                let type = format == .markdown ? "semantic\\_model" : "semantic_model"
                #expect(text.contains(type) && text.contains("metric"), "\(format):\n\(text)")
            case .json:
                let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
                let impact = try #require(object?["impact"] as? [[String: Any]])
                let nodes = try #require(impact.first?["downstream"] as? [[String: Any]])
                let types = Set(nodes.compactMap { $0["type"] as? String })
                #expect(types == ["semantic_model", "metric"], "\(types)")
            case .github, .sarif, .junit, .gitlab:
                // Per-finding formats: the finding names what it reaches.
                #expect(text.contains("amount"), "\(format):\n\(text)")
            }
        }
    }
}
