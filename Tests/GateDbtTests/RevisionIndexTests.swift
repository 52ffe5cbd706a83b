import Foundation
import GateModel
import Testing
@testable import DbtFiles
@testable import GateDbt

/// `RevisionIndex`: one pass over a revision's files, each file read once per blob across the two
/// sides of a comparison, and an immutable value afterwards.
@Suite struct RevisionIndexTests {
    typealias CountingTree = ParseCacheTests.CountingTree

    static let files: [String: String] = [
        "dbt_project.yml": "name: shop\n",
        "models/a.sql": "{{ config(materialized='table') }}\nselect 1 as id\n",
        "models/b.sql": "select * from {{ ref('a') }}\n",
        "models/staging/b.py": "def model(dbt, session):\n    return dbt.ref('a')\n",
        "models/bad.sql": "{{ config(materialized='table'\nselect 1\n",
        "models/schema.yml": "version: 2\nmodels:\n  - name: a\n  - name: b\n    description: b\n",
        "models/odd.yml": "version: 2\nmodels:\n  - name: c\n    name: d\n",
        "models/notes.txt": "not a model\n",
        "macros/m.sql": "{% macro m() %}1{% endmacro %}\n",
    ]

    @Test func itListsScansAndOutlinesTheRevisionOnce() throws {
        let tree = CountingTree(Self.files)
        let project = try DbtProject.load(tree: tree)
        let index = try project.index()
        #expect(index.files.modelFiles == ["models/a.sql", "models/b.sql", "models/bad.sql", "models/staging/b.py"])
        #expect(index.files.byStem["b"] == ["models/b.sql", "models/staging/b.py"])
        #expect(index.files.propertyFiles == ["models/odd.yml", "models/schema.yml"])
        #expect(index.modelFiles["models/b.sql"]?.scan.refs.map(\.name) == ["a"])
        #expect(index.modelFiles["models/a.sql"]?.config?.values["materialized"] == .string("table"))
        #expect(index.entries.items["b"]?.map(\.path) == ["models/schema.yml"])
        // An entry whose name is not written once, plainly: that file is searched by word instead.
        #expect(index.entries.searched == ["models/odd.yml"])
        // The unclosed config( is said once, with its file.
        #expect(project.diagnostics.contains { $0.location?.path == "models/bad.sql" })

        #expect(tree.readCount { $0.hasPrefix("models/") } == 6)
        // Asked again (the listing, a scan), it reads nothing.
        #expect(try project.index().files == index.files)
        #expect(try project.scan("models/a.sql") == index.modelFiles["models/a.sql"]?.scan)
        #expect(tree.readCount { $0.hasPrefix("models/") } == 6)
    }

    @Test func baseAndHeadReadEachSharedBlobOnce() throws {
        var headFiles = Self.files
        headFiles["models/b.sql"] = "select id from {{ ref('a') }}\n"
        let baseTree = CountingTree(Self.files), headTree = CountingTree(headFiles)
        let memo = BlobMemo()
        let base = try DbtProject.load(tree: baseTree, memo: memo)
        let head = try DbtProject.load(tree: headTree, memo: memo)
        _ = try base.index()
        let headIndex = try head.index()
        #expect(baseTree.reads["models/a.sql"] == 1)
        #expect(headTree.reads["models/a.sql"] == nil)
        #expect(headTree.reads["models/b.sql"] == 1)
        #expect(headTree.reads["models/schema.yml"] == nil)
        #expect(headIndex.modelFiles["models/b.sql"]?.scan.refs.map(\.name) == ["a"])
    }

    /// The index is a value other tasks may read (the compiler checks `Sendable`).
    @Test func theIndexCanBeReadFromAnotherTask() async throws {
        let index = try DbtProject.load(tree: CountingTree(Self.files)).index()
        let count = await Task.detached { index.files.modelFiles.count + index.entries.items.count }.value
        #expect(count == 4 + 2)
    }

    @Test func aRevisionWithoutAProjectHasNoFiles() throws {
        let project = try DbtProject.load(tree: CountingTree(["README.md": "x\n"]), required: false)
        #expect(try project.index().files.modelFiles.isEmpty)
        #expect(try project.fileListing().propertyFiles.isEmpty)
    }
}
