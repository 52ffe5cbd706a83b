import DbtImpact
import Foundation
import GateModel
import Testing
@testable import GateDbt

/// An installed package's models that `ref()` a node of the root project are downstream of it:
/// dbt resolves a package node's unqualified `ref('x')` in the root project first. Found on
/// Mattermost's warehouse, whose root project has its own `dbt_project_evaluator_exceptions` seed
/// (and disables the package's): dbt_project_evaluator's models read it. dbt-core 1.11.16 parses
/// this project to `model.pkg.pm_seed ← seed.shop.exceptions` and `model.pkg.pm_root ←
/// model.shop.root_only` (two enabled nodes of one name would be a parse error).
@Suite struct PackageRefsToRootTests {
    static func files(seedRows: String = "id\n1\n", rootBody: String = "select 1 as id\n") -> [String: String] {
        [
            "dbt_project.yml": "name: shop\nseeds:\n  pkg:\n    exceptions:\n      +enabled: false\n",
            "models/root_only.sql": rootBody,
            "models/root_child.sql": "select * from {{ ref('root_only') }}\n",
            "seeds/exceptions.csv": seedRows,
            "dbt_packages/pkg/dbt_project.yml": "name: pkg\nversion: '1.0'\nconfig-version: 2\n",
            "dbt_packages/pkg/seeds/exceptions.csv": "id\n2\n",
            "dbt_packages/pkg/models/pm_seed.sql": "select * from {{ ref('exceptions') }}\n",
            "dbt_packages/pkg/models/pm_root.sql": "select * from {{ ref('root_only') }}\n",
            "dbt_packages/pkg/models/pm_child.sql": "select * from {{ ref('pm_seed') }}\n",
            "dbt_packages/pkg/models/pm_alone.sql": "select 1 as id\n",
        ]
    }

    func downstreamModels(of id: String, changes: [ModelChange], base: DbtProject, head: DbtProject) throws -> [String] {
        let graph = try DbtProject.lineageGraph(changes: changes, base: base, head: head)
        return graph.downstream(of: id).nodes.filter { $0.type == "model" }.map(\.id).sorted()
    }

    @Test func aRootSeedEditReachesThePackageModelsThatReadIt() throws {
        let base = try DbtProject.load(tree: MemoryTree(Self.files()), settings: DbtSettings())
        let head = try DbtProject.load(tree: MemoryTree(Self.files(seedRows: "id\n1\n1\n")), settings: DbtSettings())
        #expect(try ModifiedNodes.between(base: base, head: head).seeds == ["exceptions"])
        #expect(try downstreamModels(of: "seed.shop.exceptions", changes: [], base: base, head: head)
                == ["model.pkg.pm_child", "model.pkg.pm_seed"])
    }

    @Test func aRootModelEditReachesThePackageModelsThatRefIt() throws {
        let base = try DbtProject.load(tree: MemoryTree(Self.files()), settings: DbtSettings())
        let head = try DbtProject.load(tree: MemoryTree(Self.files(rootBody: "select 1 as id -- edited\n")), settings: DbtSettings())
        let result = try SemanticDiff.compare(base: base, head: head, changes: changeSet(modified("models/root_only.sql")))
        let changed = result.changes.filter { !$0.documentationOnly }
        #expect(changed.map(\.name) == ["root_only"])
        #expect(try downstreamModels(of: "model.shop.root_only", changes: changed, base: base, head: head)
                == ["model.pkg.pm_root", "model.shop.root_child"])
    }
}
