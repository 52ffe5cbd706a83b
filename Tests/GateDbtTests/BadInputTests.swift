import Foundation
import GateModel
import Testing
@testable import DbtFiles
@testable import GateDbt

@Suite struct BadInputTests {
    /// A head property file that is not YAML stops the check (exit 2) at the offending line: what
    /// it says about fct_x is unknown, so "no change" would pass any edit to it.
    @Test func anInvalidHeadPropertyFileIsAnInputErrorNotNoChange() throws {
        let (base, head) = try Fixtures.projects("bad_input")
        let error = #expect(throws: InputError.self) {
            try SemanticDiff.compare(base: base, head: head, changes: changeSet(modified("models/schema.yml")))
        }
        #expect(error?.location?.path == "models/schema.yml")
        #expect(error?.location?.line == Fixtures.line("bad_input", "after", "models/schema.yml", containing: "     - name: amount"))
        #expect(error?.message.contains("invalid YAML") == true, "\(String(describing: error))")
        // Reached through the model file too: its description is unknown, so it cannot be judged.
        #expect(throws: InputError.self) {
            try SemanticDiff.compare(base: base, head: head, changes: changeSet(modified("models/fct_x.sql")))
        }
    }

    /// A base property file that is not YAML is what a change may be fixing: a warning, and the
    /// head's columns are not compared against the unknown base.
    @Test func anInvalidBasePropertyFileIsAWarning() throws {
        let projects = try Fixtures.projects("bad_input")
        let (base, head) = (projects.head, projects.base)
        let result = try SemanticDiff.compare(base: base, head: head, changes: changeSet(modified("models/schema.yml")))
        let fct = try #require(result.changes[model: "fct_x"], "\(result.changes.summary)")
        #expect(fct.columnChanges.isEmpty)
        #expect(result.diagnostics.contains { $0.message.contains("columns of fct_x were not compared") })
    }

    @Test func brokenFilesBecomeDiagnosticsWithFileAndLine() throws {
        let (base, head) = try Fixtures.projects("bad_input")
        let result = try SemanticDiff.compare(base: base, head: head, changes: changeSet(
            modified("models/dupes.yml"), added("models/ghost.yml"), modified("models/broken_config.sql")))
        let diagnostics = result.diagnostics
        func find(_ text: String) -> Diagnostic? { diagnostics.first { $0.message.contains(text) } }

        // Duplicate model entries.
        let duplicate = try #require(find("model dim_y is described more than once"))
        #expect(duplicate.location?.path == "models/dupes.yml")
        #expect(duplicate.location?.line == 5)

        // A property file for a model that does not exist.
        let ghost = try #require(find("describes model ghost"))
        #expect(ghost.location == SourceLocation(path: "models/ghost.yml", line: 2, column: 5))
        #expect(result.changes[model: "ghost"] == nil)

        // config( with unbalanced parentheses: a warning at the call's line; the model is still there.
        let config = try #require(find("config( is never closed"))
        #expect(config.location?.path == "models/broken_config.sql")
        #expect(config.location?.line == 3)
        #expect(result.changes[model: "broken_config"] != nil)
    }

    @Test func unreadableProjectFileIsAnInputErrorWithLine() throws {
        let broken = MemoryTree(["dbt_project.yml": "name: shop\nmodels:\n  shop:\n    +schema: [unclosed\n"])
        #expect {
            try DbtProject.load(tree: broken)
        } throws: { error in
            guard let error = error as? InputError else { return false }
            return error.location?.path == "dbt_project.yml" && (error.location?.line ?? 0) >= 4 && error.exitCode == .usage
        }
        let nameless = MemoryTree(["dbt_project.yml": "version: 1.0\nmodel-paths: [models]\n"])
        #expect(throws: InputError.self) { try DbtProject.load(tree: nameless) }
        let badPaths = MemoryTree(["dbt_project.yml": "name: shop\nmodel-paths: models\n"])
        #expect {
            try DbtProject.load(tree: badPaths)
        } throws: { ($0 as? InputError)?.location?.line == 2 }
        let latin1 = MemoryTree(data: ["dbt_project.yml": Data("name: shop\n# caf".utf8) + Data([0xE9, 0x0A])])
        #expect {
            try DbtProject.load(tree: latin1)
        } throws: { ($0 as? InputError)?.location?.line == 2 }
        // A repeated key is read as dbt reads it (the last wins), with a warning at its first line.
        let duplicateKey = try DbtProject.load(tree: MemoryTree(["dbt_project.yml": "name: shop\nname: other\n"]))
        #expect(duplicateKey.name == "other")
        #expect(duplicateKey.diagnostics.contains { $0.location?.line == 1 && $0.message.contains("duplicate key `name`") },
                "\(duplicateKey.diagnostics)")
    }

    @Test func missingProjectFileIsAnErrorUnlessOptional() throws {
        let empty = MemoryTree([:])
        #expect {
            try DbtProject.load(tree: empty, settings: DbtSettings(projectDir: "dbt"))
        } throws: { ($0 as? InputError)?.location?.path == "dbt/dbt_project.yml" }
        let absent = try DbtProject.load(tree: empty, settings: DbtSettings(projectDir: "dbt"), required: false)
        #expect(!absent.exists)
        #expect(try absent.model(named: "x") == nil)
        #expect(try absent.graph().nodes.isEmpty)
    }

    @Test func nonUTF8AndHugeModelFilesAreReadWithNotices() throws {
        var bytes = Array("select\n  name\n".utf8)
        bytes += [0xFF, 0xFE, 0x0A]
        bytes += Array("from {{ ref('upstream') }}\n".utf8)
        var huge = "{{ config(materialized='table') }}\n"
        huge += String(repeating: "select 1 as a, 'x(' as b -- filler filler filler filler filler filler\n", count: 75_000)
        huge += "from {{ ref('upstream') }}\n"
        let brokenHuge = "{{ config(alias='x'\n" + String(repeating: "select (1 as a\n", count: 350_000)
        let tree = MemoryTree(data: [
            "dbt_project.yml": Data("name: shop\n".utf8),
            "models/latin.sql": Data(bytes),
            "models/huge.sql": Data(huge.utf8),
            "models/broken_huge.sql": Data(brokenHuge.utf8),
            "models/upstream.sql": Data("select 1\n".utf8),
        ])
        let project = try DbtProject.load(tree: tree)
        let latin = try #require(try project.model(named: "latin"))
        #expect(latin.refs == ["upstream"])
        #expect(project.diagnostics.contains { $0.location == SourceLocation(path: "models/latin.sql", line: 3) && $0.message.contains("UTF-8") })

        let big = try #require(try project.model(named: "huge"))
        #expect(huge.utf8.count > 5_000_000)
        #expect(big.materialized == "table")
        #expect(big.refs == ["upstream"])
        #expect(project.diagnostics.contains { $0.location?.path == "models/huge.sql" && $0.severity == .notice })

        let brokenBig = try #require(try project.model(named: "broken_huge"))
        #expect(brokenBig.relation.identifier == "broken_huge")
        #expect(project.diagnostics.contains { $0.location?.path == "models/broken_huge.sql" && $0.message.contains("never closed") })
        #expect(try project.graph().nodes["model.shop.upstream"]?.children == ["model.shop.huge", "model.shop.latin"])
    }

    @Test func nonUTF8PropertyFileIsReadWithAWarning() throws {
        var yaml = Array("models:\n  - name: m\n    description: caf".utf8)
        yaml += [0xE9, 0x0A]
        let tree = MemoryTree(data: ["dbt_project.yml": Data("name: shop\n".utf8), "models/m.sql": Data("select 1\n".utf8),
                                     "models/m.yml": Data(yaml)])
        let project = try DbtProject.load(tree: tree)
        #expect(try project.model(named: "m")?.description?.hasPrefix("caf") == true)
        #expect(project.diagnostics.contains { $0.location == SourceLocation(path: "models/m.yml", line: 3) })
    }
}
