import Foundation
import GateModel
import GateTestSupport
import Testing
@testable import DbtFiles
@testable import GateDbt

/// A cold check reads each file's bytes as few times as it can: whether a model needs a render is
/// decided from what its first reading kept, a property file answers every later word search from
/// its token hashes, and only the property files and entries that can matter are parsed.
@Suite struct ReadOnceTests {
    static func demand(_ sql: String) -> JinjaDemand {
        let data = Data(sql.utf8)
        return DbtProject.jinjaDemand(data, scan: ReferenceScanner.scan(data))
    }

    @Test func whatAModelsJinjaCanAskOfARender() {
        #expect(Self.demand("select 1") == .plain(words: []))
        // A comment's words count too: a needless render costs time, a missed one a parent.
        #expect(Self.demand("select 1 {# a {{ comment }} #}") == .plain(words: ["comment"]))
        #expect(Self.demand("select * from {{ ref('orders') }}") == .plain(words: ["orders", "ref"]))
        // Dotted names are split as the macro index names them; strings keep their words.
        #expect(Self.demand("{{ config(materialized='view') }} select {{ var(\"pkg.x\") }}")
                == .plain(words: ["config", "materialized", "pkg", "var", "view", "x"]))
        // Words outside {{ }} are SQL text: they ask nothing of the render.
        #expect(Self.demand("select my_macro from {{ ref('a') }}") == .plain(words: ["a", "ref"]))
        #expect(Self.demand("{% set x = 1 %} select 1") == .render)
        // A macro call names the macro: rendered unless the macro is inert (`InertMacroTests`).
        #expect(Self.demand("select {{ dbt_utils.star(ref('a')) }}")
                == .plain(words: ["a", "dbt_utils", "ref", "star"], macros: ["dbt_utils.star"]))
        #expect(Self.demand("select * from {{ ref(var('which')) }}") == .render)
        // A string names no call, even with a parenthesis in it.
        #expect(Self.demand("select * from {{ ref('x(y') }}") == .plain(words: ["ref", "x", "y"]))
    }

    /// A plain model naming, inside `{{ }}`, a macro that can reach a `ref()` is rendered; the same
    /// word in another model's SQL text is not Jinja, and that model keeps its literal parents.
    @Test func aReachingMacroNamedInsideAnExpressionIsRendered() throws {
        let files = [
            "dbt_project.yml": "name: shop\n",
            "macros/upstream.sql": "{% macro upstream() %}{{ return(ref('orders')) }}{% endmacro %}",
            "models/orders.sql": "select 1 as id",
            "models/customers.sql": "select 1 as id",
            "models/by_name.sql": "select * from {{ ref('customers') }} join {{ upstream }} using (id)",
            "models/in_text.sql": "select upstream from {{ ref('customers') }}",
        ]
        let project = try DbtProject.load(tree: MemoryTree(files))
        #expect(try project.renderedModel("models/by_name.sql") != nil)
        #expect(try project.renderedModel("models/in_text.sql") == nil)
        #expect(try project.references(ofModelFile: "models/in_text.sql")?.refs.map(\.name) == ["customers"])
    }

    @Test func theRenderDecisionReadsNoModelFileAgain() throws {
        var files = ["dbt_project.yml": "name: shop\n", "models/a.sql": "select 1 as id"]
        for index in 0..<20 { files["models/m\(index).sql"] = "select * from {{ ref('a') }}" }
        let tree = CountingTree(files)
        let project = try DbtProject.load(tree: tree)
        _ = try project.graph()
        #expect(tree.readCount { $0.hasPrefix("models/m") } == 20)
    }

    /// Searching by token hashes finds what searching the bytes finds, for any identifier words.
    @Test func tokenHashesAnswerAsTheBytesDo() {
        let text = """
            version: 2
            models:
              - name: fct_orders   # orders_v2 too
                description: "the {{ doc('orders') }} of stg_orders"
                columns: [{name: order_id}, {name: Status}]
            """
        let data = Data(text.utf8)
        let tokens = WordFinder.tokenHashes(in: data)
        let words: Set<String> = ["fct_orders", "orders", "orders_v2", "stg_orders", "order_id", "status", "Status",
                                  "fct", "version", "name", "missing", "doc", "v2", "_orders"]
        let finder = WordFinder(words: words)
        #expect(finder.findsByTokens)
        #expect(finder.words(amongTokens: tokens) == finder.words(in: data))
        #expect(finder.words(amongTokens: tokens).isSuperset(of: ["fct_orders", "orders_v2", "Status"]))
        #expect(!finder.words(amongTokens: tokens).contains("missing"))
        #expect(!WordFinder(words: ["raw-data"]).findsByTokens)
    }

    /// A file's token hashes are each of its tokens' hash once, sorted, however often a token repeats.
    @Test func tokenHashesAreEveryTokenOnceSorted() {
        var text = "version: 2\nmodels:\n"
        for index in 0..<500 {
            text += "  - name: model_\(index % 37)\n    description: \"x \(index * 7919 % 1013)\"\n    columns: [{name: id}]\n"
        }
        let data = Data(text.utf8)
        var all = Set<UInt64>()
        data.withUnsafeBytes { raw in
            WordFinder.forEachToken(in: raw.bindMemory(to: UInt8.self)) { _, _, hash in all.insert(hash) }
        }
        #expect(WordFinder.tokenHashes(in: data) == all.sorted())
        #expect(WordFinder.tokenHashes(in: Data()) == [])
        #expect(WordFinder.tokenHashes(in: Data("a".utf8)).count == 1)
    }

    /// Only the entries of a property file that mention a word are given, as documents of their
    /// own with the file's line numbers; the whole file when a word occurs outside them.
    @Test func thePartsOfAPropertyFileThatMentionAWord() throws {
        let yaml = """
            version: 2
            models:
              - name: orders
                columns:
                  - name: id
              - name: customers
                columns:
                  - name: id
                    data_tests:
                      - relationships: {to: ref('orders'), field: id}
              - name: payments
            """
        let project = try DbtProject.load(tree: MemoryTree(["dbt_project.yml": "name: shop\n", "models/schema.yml": yaml]))
        let parts = try project.partsOfPropertyFile("models/schema.yml", mentioning: ["orders"])
        #expect(parts.map(\.item) == [0, 1])
        let second = String(decoding: try #require(parts.last).data, as: UTF8.self)
        #expect(second.components(separatedBy: "\n")[5] == "  - name: customers")
        #expect(!second.contains("payments"))
        #expect(try project.partsOfPropertyFile("models/schema.yml", mentioning: ["refunds"]).isEmpty)

        let withUnitTests = yaml + "\nunit_tests:\n  - name: t\n    model: payments\n    given:\n      - input: ref('orders')\n"
        let whole = try DbtProject.load(tree: MemoryTree(["dbt_project.yml": "name: shop\n", "models/schema.yml": withUnitTests]))
        let wholeParts = try whole.partsOfPropertyFile("models/schema.yml", mentioning: ["orders"])
        #expect(wholeParts.map(\.item) == [nil])
        #expect(wholeParts.first?.data == Data(withUnitTests.utf8))
    }

    /// The version sketch reads lines by bytes: the same entry with Windows line ends reads the
    /// same, and the columns between its keys are skipped.
    @Test func aVersionSketchReadsLinesByBytes() throws {
        let entry = """
              - name: dim_customers
                latest_version: 2
                columns:
                  - name: versions
                    description: "not the key"
                versions:
                  - v: 1
                    defined_in: dim_customers_old
                  - v: 2
            """
        for text in [entry, entry.replacingOccurrences(of: "\n", with: "\r\n")] {
            let model = try #require(VersionSketch.read(Substring(text), path: "models/schema.yml", line: 3))
            #expect(model.name == "dim_customers" && model.latestVersion == "2")
            #expect(model.versions.map(\.version) == ["1", "2"])
            #expect(model.versions.map(\.definedIn) == ["dim_customers_old", nil])
            #expect(model.versions.map(\.location.line) == [9, 11])
        }
    }

    /// A source's YAML columns come from the first file in path order that declares it; files that
    /// never name the source are not parsed.
    @Test func sourceColumnsAreReadFromTheFilesNamingTheSource() throws {
        var files = [
            "dbt_project.yml": "name: shop\n",
            "models/a/sources.yml": "sources:\n  - name: raw\n    tables:\n      - name: orders\n        columns:\n          - name: id\n",
            "models/b/sources.yml": "sources:\n  - name: raw\n    tables:\n      - name: orders\n        columns:\n          - name: other\n",
            "models/stg_orders.sql": "select * from {{ source('raw', 'orders') }}",
        ]
        for index in 0..<5 {
            files["models/c/other\(index).yml"] = "sources:\n  - name: erp\(index)\n    tables:\n      - name: t\n        columns:\n          - name: x\n"
        }
        let tree = CountingTree(files)
        let project = try DbtProject.load(tree: tree)
        let listing = try #require(try project.outputColumns(ofModel: "stg_orders").first)
        #expect(listing.columns == ["id"])
        let parsed = try project.sourceColumnsByFile.keys.sorted()
        #expect(parsed == ["models/a/sources.yml"])
    }
}
