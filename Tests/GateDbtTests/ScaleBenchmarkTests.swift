import Foundation
import GateModel
import Testing
@testable import GateDbt

/// A benchmark, not a timing test: runs only when `GATEDBT_BENCH_PROJECT` names a generated
/// project (`gen_dbt_project.py --n 50000 --out DIR`), prints how long each step took, and checks
/// that the work done stays proportional to the change (how many YAML files were parsed).
@Suite struct ScaleBenchmarkTests {
    static let projectPath = ProcessInfo.processInfo.environment["GATEDBT_BENCH_PROJECT"]

    @Test(.enabled(if: projectPath != nil))
    func largeProjectReadingScalesWithTheChange() throws {
        let root = URL(fileURLWithPath: try #require(Self.projectPath))
        let tree = DirectoryTree(root: root)
        let clock = ContinuousClock()
        var project: DbtProject?
        let load = try clock.measure { project = try DbtProject.load(tree: tree) }
        let dbt = try #require(project)
        let listing = try clock.measure { _ = try dbt.fileListing() }
        var files = 0
        let read = try clock.measure { for path in try dbt.fileListing().modelFiles { files += try tree.contents(of: path)?.count ?? 0 } }
        let wordSearch = try clock.measure { _ = try dbt.propertyFiles(mentioning: ["versions"]) }
        let versions = try clock.measure { _ = try dbt.versionIndex() }
        var graph = ProjectGraph()
        let scan = try clock.measure { graph = try dbt.graph() }
        let models = graph.nodes.values.filter { $0.type == "model" && $0.path != nil }.count
        #expect(models == (try dbt.fileListing().modelFiles.count))

        // One changed model: only the YAML files that mention its name get parsed.
        let model = try #require(try dbt.fileListing().modelFiles.first { $0.contains("/marts/") })
        let diff = try clock.measure {
            _ = try SemanticDiff.compare(base: dbt, head: dbt, changes: ChangeSet(
                base: "b", head: .worktree, changes: [FileChange(status: .modified, oldPath: model, newPath: model)]))
        }
        print("""
        GateDbt scale: \(models) models, \(try dbt.fileListing().propertyFiles.count) YAML files
          load \(load), file listing \(listing), read all \(read) (\(files) bytes), word search \(wordSearch), version index \(versions), ref scan + graph \(scan), one-model diff \(diff)
        """)
    }
}
