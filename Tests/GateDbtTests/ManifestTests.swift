import Foundation
import GateModel
import Testing
@testable import DbtFiles
@testable import GateDbt

@Suite struct ManifestTests {
    @Test func manifestRelationsAndChildMapWinForTheNodesItKnows() throws {
        let head = try DbtProject.load(tree: Fixtures.tree("manifest", "after"),
                                       settings: DbtSettings(targetDatabase: "analytics", targetSchema: "prod"))
        let a = try #require(try head.model(named: "a"))
        #expect(a.relation == Relation(database: "warehouse", schema: "core", identifier: "a_core_v2"))
        // c is not in the manifest: its relation comes from the project files.
        #expect(try head.model(named: "c")?.relation.description == "analytics.prod.c")
        #expect(try head.model(named: "b")?.refs == ["a"])

        let graph = try head.graph()
        // child_map wins for a (c's scanned ref is not added); tests are not graph nodes.
        #expect(graph.nodes["model.shop.a"]?.children == ["model.shop.b"])
        #expect(graph.nodes["model.shop.b"]?.children == ["exposure.shop.kpis"])
        #expect(graph.nodes["exposure.shop.kpis"]?.owners.first?.email == "bo@example.com")
        #expect(graph.nodes["exposure.shop.kpis"]?.url == "https://bi.example.com/dashboards/7")
        #expect(graph.nodes["exposure.shop.kpis"]?.label == "KPIs")
        #expect(graph.nodes["model.shop.a"]?.tags == ["core"])
        #expect(graph.nodes["model.shop.c"]?.path == "models/c.sql")
        #expect(!graph.nodes.keys.contains { $0.hasPrefix("test.") })
    }

    @Test func aRelationChangeSeenThroughManifestsIsARename() throws {
        let (base, head) = try Fixtures.projects("manifest")
        let result = try SemanticDiff.compare(base: base, head: head, changes: changeSet(modified("models/a.sql")))
        #expect(result.changes.summary == ["a:renamed"])
        #expect(result.changes[model: "a"]?.base?.relation.description == "warehouse.core.a_core")
        #expect(result.changes[model: "a"]?.head?.relation.description == "warehouse.core.a_core_v2")
    }

    @Test func aManifestOnOneSideOnlyDoesNotMakeModelsLookMoved() throws {
        let base = try DbtProject.load(tree: Fixtures.tree("manifest", "before"),
                                       settings: DbtSettings(manifestPath: "no/manifest.json"))
        let head = try DbtProject.load(tree: Fixtures.tree("manifest", "after"))
        let result = try SemanticDiff.compare(base: base, head: head, changes: changeSet(modified("models/a.sql")))
        #expect(result.changes.summary == ["a:modified"])
        #expect(result.changes[model: "a"]?.relationChanged == false)
        #expect(result.changes[model: "a"]?.head?.relation.identifier == "a")
        #expect(result.diagnostics.contains { $0.message.contains("manifest gives its relation on one side only") })
    }

    @Test func aNamedManifestThatIsMissingOrBrokenIsADiagnostic() throws {
        let tree = MemoryTree(["dbt_project.yml": "name: shop\n", "models/a.sql": "select 1\n", "out/m.json": "{not json"])
        let missing = try DbtProject.load(tree: tree, settings: DbtSettings(manifestPath: "out/none.json"))
        #expect(try missing.model(named: "a")?.relation.identifier == "a")
        #expect(missing.diagnostics.contains { $0.location?.path == "out/none.json" && $0.severity == .warning })
        let broken = try DbtProject.load(tree: tree, settings: DbtSettings(manifestPath: "out/m.json"))
        #expect(try broken.model(named: "a")?.relation.identifier == "a")
        #expect(broken.diagnostics.contains { $0.location?.path == "out/m.json" && $0.message.contains("not valid JSON") })
    }
}
