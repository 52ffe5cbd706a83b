import Foundation
import GateModel
import GateTestSupport
import Testing
@testable import DbtFiles
@testable import GateDbt

/// The parse cache (`BlobFactStore` behind `BlobMemo`): a second run over the same blobs reads
/// none of the files whose facts it kept, reads the same project, and a damaged, foreign or
/// stale file is never trusted.
@Suite struct ParseCacheTests {
    typealias CountingTree = GateTestSupport.CountingTree

    static let identity = "test-binary 1"

    static func project(models: Int, editing edited: Int? = nil) -> [String: String] {
        var files: [String: String] = [
            "dbt_project.yml": "name: shop\nversion: '1.0'\nprofile: shop\n",
            "macros/imports.sql": "{% macro import(name) %}select * from {{ ref(name) }}{% endmacro %}\n",
            "models/sources.yml": "version: 2\nsources:\n  - name: raw\n    tables:\n      - name: orders\n        columns: [{name: id}, {name: amount}]\n",
            "models/schema.yml": "version: 2\nmodels:\n" + (0..<models).map { "  - name: m\($0)\n    description: model \($0)\n" }.joined(),
            "models/m0.sql": "{{ config(materialized='table', tags=['a']) }}\nselect id, amount from {{ source('raw', 'orders') }}\n",
        ]
        for index in 1..<models {
            files["models/m\(index).sql"] = index % 3 == 0
                ? "{{ import('m\(index - 1)') }}\n"   // a ref made inside a macro: rendered
                : "select * from {{ ref('m\(index - 1)') }}\n"
        }
        if let edited { files["models/m\(edited).sql"] = "select id from {{ ref('m0') }}\n" }
        return files
    }

    /// Reads what a check reads for its graph and property files, with `store` behind the memo.
    static func read(_ tree: CountingTree, store: BlobFactStore?) throws -> (ProjectGraph, [String: [String]], [String]?) {
        let memo = BlobMemo(store: store)
        let project = try DbtProject.load(tree: tree, memo: memo)
        let graph = try project.graph()
        let described = try project.propertyFiles(describing: ["m1", "m5", "nope"])
        let columns = try project.columns(of: .source(source: "raw", table: "orders"))
        memo.persist()
        return (graph, described, columns.columns.names)
    }

    @Test func aSecondRunReadsNoFileItKeptFactsOf() throws {
        let folder = try TemporaryFolder()
        let cold = CountingTree(Self.project(models: 12))
        let first = try Self.read(cold, store: BlobFactStore(folder: folder.url, scope: "repo", identity: Self.identity))
        #expect(cold.readCount { $0.hasPrefix("models/m") } >= 12)

        let warm = CountingTree(Self.project(models: 12))
        let store = BlobFactStore(folder: folder.url, scope: "repo", identity: Self.identity)
        #expect(store.rejection == nil)
        #expect(store.entryCount > 12)
        let second = try Self.read(warm, store: store)
        #expect(second.0 == first.0)
        #expect(second.1 == first.1)
        #expect(second.2 == first.2)
        #expect(first.2 == ["id", "amount"])
        // No model or property file is read again: plain ones, and those whose refs a macro makes
        // (their render was kept), nor the property files.
        #expect(warm.readCount { $0.hasPrefix("models/") } == 0, "read again: \(warm.reads.keys.sorted())")
    }

    @Test func aKeptRenderIsReusedOnlyWhileTheEnvironmentItReadIsTheSame() throws {
        let folder = try TemporaryFolder()
        let files = [
            "dbt_project.yml": "name: shop\nversion: '1.0'\nprofile: shop\n",
            "macros/pick.sql": "{% macro pick() %}{{ ref(env_var('PICKED', 'a')) }}{% endmacro %}\n",
            "models/a.sql": "select 1 as id\n", "models/b.sql": "select 2 as id\n",
            "models/c.sql": "select * from {{ pick() }}\n",
        ]
        func graph(_ environment: [String: String]) throws -> (ProjectGraph, CountingTree) {
            var settings = DbtSettings()
            settings.environment = environment
            let tree = CountingTree(files)
            let memo = BlobMemo(store: BlobFactStore(folder: folder.url, scope: "repo", identity: Self.identity))
            let graph = try DbtProject.load(tree: tree, settings: settings, memo: memo).graph()
            memo.persist()
            return (graph, tree)
        }
        let (first, _) = try graph(["PICKED": "a"])
        #expect(first.nodes["model.shop.a"]?.children == ["model.shop.c"])
        let (same, sameTree) = try graph(["PICKED": "a", "OTHER": "x"])
        #expect(same == first)
        #expect(sameTree.reads["models/c.sql"] == nil)
        let (other, otherTree) = try graph(["PICKED": "b"])
        #expect(other.nodes["model.shop.b"]?.children == ["model.shop.c"])
        #expect(other.nodes["model.shop.a"]?.children == [])
        #expect(otherTree.reads["models/c.sql"] != nil)
        let (unset, _) = try graph([:])
        #expect(unset == first)
    }

    @Test func anEditedFileIsReadAndTheRestComesFromTheCache() throws {
        let folder = try TemporaryFolder()
        _ = try Self.read(CountingTree(Self.project(models: 12)), store: BlobFactStore(folder: folder.url, scope: "repo", identity: Self.identity))
        let edited = CountingTree(Self.project(models: 12, editing: 4))
        let cached = try Self.read(edited, store: BlobFactStore(folder: folder.url, scope: "repo", identity: Self.identity))
        let fresh = try Self.read(CountingTree(Self.project(models: 12, editing: 4)), store: nil)
        #expect(cached.0 == fresh.0)
        #expect(cached.0.nodes["model.shop.m0"]?.children.contains("model.shop.m4") == true)
        #expect(cached.0.nodes["model.shop.m3"]?.children.contains("model.shop.m4") == false)
        #expect(edited.reads["models/m4.sql"] != nil)
        #expect(edited.reads["models/m5.sql"] == nil)
    }

    @Test func configCallsAndProblemsComeBackAsTheyWereRead() throws {
        let folder = try TemporaryFolder()
        let url = folder.url
        var config = ModelConfig()
        config.set("materialized", .string("table"), at: SourceLocation(path: "models/a.sql", line: 1))
        config.set("enabled", .string("{{ var('on') }}"), at: SourceLocation(path: "models/a.sql", line: 2))
        config.set("meta", .object(["n": .number(1.5), "one": .number(1), "zero": .number(0), "s": .string("1"),
                                    "list": .array([.bool(true), .bool(false), .null])]), at: nil)
        var scan = ReferenceScan()
        scan.refs = [ModelReference(package: "pkg", name: "b", version: "2", line: 3), ModelReference(name: "c", line: 4)]
        scan.sources = [SourceReference(source: "raw", table: "t", line: 5)]
        scan.configCalls = [7, 90]
        scan.unreadCalls = 1
        let facts = BlobMemo.ModelFileFacts(scan: scan, config: config, problems: [
            Diagnostic(severity: .warning, message: "odd — ünïcode", location: SourceLocation(path: "models/a.sql", line: 2, column: 4))],
            jinja: .plain(words: ["b", "ref", "source"]))
        let store = BlobFactStore(folder: url, scope: "s", identity: Self.identity)
        store.write(used: [.modelFile: ["blob:models/a.sql": BlobFactStore.encode(facts)]])
        let read = BlobFactStore(folder: url, scope: "s", identity: Self.identity)
            .fact(.modelFile, "blob:models/a.sql", BlobFactStore.decodeModelFile)
        #expect(read == facts)
        var rendered = facts
        rendered.jinja = .render
        BlobFactStore(folder: url, scope: "s", identity: Self.identity)
            .write(used: [.modelFile: ["blob:models/a.sql": BlobFactStore.encode(rendered)]])
        #expect(BlobFactStore(folder: url, scope: "s", identity: Self.identity)
            .fact(.modelFile, "blob:models/a.sql", BlobFactStore.decodeModelFile) == rendered)
    }

    @Test func versionedEntriesComeBackAsTheSketchReadThem() throws {
        let folder = try TemporaryFolder()
        let files = [
            "dbt_project.yml": "name: shop\nversion: '1.0'\nprofile: shop\n",
            "models/orders_v1.sql": "select 1 as id\n", "models/orders_v2.sql": "select 2 as id\n",
            "models/orders_final.sql": "select 3 as id\n", "models/plain.sql": "select 1 as id\n",
            "models/versions.yml": """
                version: 2
                models:
                  - name: orders
                    latest_version: 2
                    versions:
                      - v: 1
                      - v: 2
                      - v: 3
                        defined_in: orders_final
                  - name: plain
                    description: not versioned
                """,
        ]
        func index() throws -> ([String: PropertyModel], CountingTree) {
            let tree = CountingTree(files)
            let memo = BlobMemo(store: BlobFactStore(folder: folder.url, scope: "repo", identity: Self.identity))
            let project = try DbtProject.load(tree: tree, memo: memo)
            let index = try project.versionIndex()
            memo.persist()
            return (index, tree)
        }
        let (first, _) = try index()
        #expect(first["orders"]?.versions.map(\.version) == ["1", "2", "3"])
        #expect(first["orders"]?.versions.last?.definedIn == "orders_final")
        #expect(first["orders"]?.latestVersion == "2")
        let (second, tree) = try index()
        #expect(second == first)
        #expect(tree.reads["models/versions.yml"] == nil)
    }

    @Test func aDamagedForeignOrStaleFileIsNeverTrusted() throws {
        let folder = try TemporaryFolder()
        let tree = CountingTree(Self.project(models: 6))
        let store = BlobFactStore(folder: folder.url, scope: "repo", identity: Self.identity)
        let reference = try Self.read(tree, store: store)
        let file = store.file
        let good = try Data(contentsOf: file)

        var flipped = good
        flipped[good.count - 3] ^= 0x40
        try flipped.write(to: file)
        #expect(BlobFactStore(folder: folder.url, scope: "repo", identity: Self.identity).rejection == "checksum mismatch")

        try good.prefix(good.count - 10).write(to: file)
        #expect(BlobFactStore(folder: folder.url, scope: "repo", identity: Self.identity).rejection == "cut short")

        try Data("CGPARSE0 and then some bytes, long enough".utf8).write(to: file)
        #expect(BlobFactStore(folder: folder.url, scope: "repo", identity: Self.identity).rejection == "not a parse cache of this version")

        try good.write(to: file)
        #expect(BlobFactStore(folder: folder.url, scope: "repo", identity: "another build").rejection == "written by another build")

        // Damaged: nothing is read from it, the project reads the same, and the file is replaced.
        try flipped.write(to: file)
        let damaged = BlobFactStore(folder: folder.url, scope: "repo", identity: Self.identity)
        #expect(damaged.entryCount == 0)
        let again = CountingTree(Self.project(models: 6))
        let result = try Self.read(again, store: damaged)
        #expect(result.0 == reference.0 && result.1 == reference.1 && result.2 == reference.2)
        #expect(again.readCount { $0.hasPrefix("models/m") } >= 6)
        let rebuilt = BlobFactStore(folder: folder.url, scope: "repo", identity: Self.identity)
        #expect(rebuilt.rejection == nil && rebuilt.entryCount > 6)
    }

    @Test func entriesNoRunUsedForEightWritesAreDropped() throws {
        let folder = try TemporaryFolder()
        BlobFactStore(folder: folder.url, scope: "s", identity: Self.identity)
            .write(used: [.wordHits: ["old": [1]]])
        for round in 1...BlobFactStore.keptGenerations {
            let store = BlobFactStore(folder: folder.url, scope: "s", identity: Self.identity)
            #expect(store.has(.wordHits, "old"), "round \(round)")
            store.write(used: [.wordHits: ["new\(round)": [0]]])
        }
        let last = BlobFactStore(folder: folder.url, scope: "s", identity: Self.identity)
        #expect(!last.has(.wordHits, "old"))
        #expect(last.has(.wordHits, "new\(BlobFactStore.keptGenerations)"))
        #expect(last.fact(.wordHits, "new1") { try $0.bool() } == false)
    }

    @Test func aRunThatLearntNothingWritesNothing() throws {
        let folder = try TemporaryFolder()
        let store = BlobFactStore(folder: folder.url, scope: "repo", identity: Self.identity)
        _ = try Self.read(CountingTree(Self.project(models: 6)), store: store)
        let written = try FileManager.default.attributesOfItem(atPath: store.file.path)[.modificationDate] as? Date
        let bytes = try Data(contentsOf: store.file)
        _ = try Self.read(CountingTree(Self.project(models: 6)), store: BlobFactStore(folder: folder.url, scope: "repo", identity: Self.identity))
        #expect(try Data(contentsOf: store.file) == bytes)
        #expect(try FileManager.default.attributesOfItem(atPath: store.file.path)[.modificationDate] as? Date == written)
    }
}

/// A folder under the system's temporary folder, removed when the value goes away.
final class TemporaryFolder {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("parse-cache-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }
}
