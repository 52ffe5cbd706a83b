import Foundation
@testable import GateDbt
import GateGit
import GateModel
import GateTestSupport
import Testing

/// A check builds the head graph on the second core while it compares the revisions
/// (`DbtProject.buildGraphAhead`), through a twin of the project. The project must then answer
/// exactly as if it had built the graph itself when first asked: the same graph, the same words in
/// the same order, and what the build learnt (rendered configs, semantic models' columns) known.
@Suite struct GraphAheadTests {
    static let files: [String: String] = {
        var files = PrerenderTests.files
        files["macros/naming.sql"] = "{% macro generate_schema_name(custom, node) %}{{ custom }}{% endmacro %}\n"
        // A render decides whether this model is in the graph (its `enabled` is an expression).
        files["models/switchable.sql"] = "{{ config(enabled=var('switch_on', false)) }}\nselect * from {{ ref('base_a') }}\n"
        files["models/reads_env.sql"] = "{% set x = env_var('GRAPH_AHEAD_UNSET_VARIABLE') %}select '{{ x }}' as x from {{ ref('base_b') }}\n"
        // A snapshot named like a model: the graph says dbt resolves ref() to the snapshot.
        files["snapshots/base_b.sql"] = """
            {% snapshot base_b %}
            {{ config(unique_key='id', strategy='check', check_cols='all') }}
            select * from {{ ref('base_a') }}
            {% endsnapshot %}
            """
        files["models/semantic.yml"] = """
            semantic_models:
              - name: base_a_sm
                model: ref('base_a')
                entities:
                  - name: thing
                    type: primary
                    expr: id
            """
        return files
    }()

    /// What a check asks of the head before the graph (the comparison's questions), then the graph.
    static func questionsThenGraph(_ project: DbtProject) throws -> ProjectGraph {
        _ = try project.namingMacroOverrides()
        _ = try project.references(ofModelFile: "models/m_1.sql")
        return try project.graph()
    }

    /// A repository with `files` committed (removed by the caller).
    static func committedFixture(_ files: [String: String] = GraphAheadTests.files) throws -> TempRepository {
        let fixture = try TempRepository()
        for (path, text) in files { try fixture.write(path, text) }
        _ = try fixture.commit("project")
        return fixture
    }

    static func headTree(_ fixture: TempRepository) throws -> GitTree {
        try Repository.open(at: fixture.path).tree(at: "HEAD")
    }

    @Test func aGraphBuiltAheadIsTheGraphBuiltWhenAsked() throws {
        let fixture = try Self.committedFixture()
        defer { fixture.remove() }

        let ahead = try DbtProject.load(tree: try Self.headTree(fixture))
        try ahead.buildGraphAhead()
        let asked = try DbtProject.load(tree: try Self.headTree(fixture))
        let graph = try Self.questionsThenGraph(ahead)
        #expect(graph == (try Self.questionsThenGraph(asked)))
        #expect(ahead.diagnostics == asked.diagnostics)
        #expect(try ahead.graph() == graph)

        // What the build said and learnt is the project's.
        #expect(graph.nodes["model.shop.switchable"] == nil)
        #expect(try ahead.modelIsEnabled(named: "switchable") == false)
        #expect(ahead.diagnostics.contains { $0.message.contains("share a name") })
        #expect(ahead.diagnostics.contains { $0.message.contains("GRAPH_AHEAD_UNSET_VARIABLE") })
        #expect(ahead.diagnostics.contains { $0.message.contains("not_defined_anywhere") })
        #expect(try ahead.columnUsers(of: "base_a", columns: ["id"], among: ["semantic_model.shop.base_a_sm"])
                == ["id": ["semantic_model.shop.base_a_sm"]])
        if ProcessInfo.processInfo.activeProcessorCount > 1 {
            #expect(ahead.prerenderedFiles > 0)
        }
    }

    /// In the worktree (no blob ids) the renders done ahead are kept by path, and taken over too.
    @Test func aGraphBuiltAheadInTheWorktreeIsTheGraphBuiltWhenAsked() throws {
        let root = try PrerenderTests.folder(with: Self.files)
        defer { try? FileManager.default.removeItem(at: root) }
        let ahead = try DbtProject.load(tree: DirectoryTree(root: root))
        try ahead.buildGraphAhead()
        let asked = try DbtProject.load(tree: DirectoryTree(root: root))
        #expect(try Self.questionsThenGraph(ahead) == (try Self.questionsThenGraph(asked)))
        #expect(ahead.diagnostics == asked.diagnostics)
    }

    /// A graph nobody asked for leaves no trace: its words are not the project's.
    @Test func aGraphNeverAskedForIsDropped() throws {
        let fixture = try Self.committedFixture()
        defer { fixture.remove() }

        let ahead = try DbtProject.load(tree: try Self.headTree(fixture))
        try ahead.buildGraphAhead()
        let never = try DbtProject.load(tree: try Self.headTree(fixture))
        _ = try ahead.namingMacroOverrides()
        _ = try never.namingMacroOverrides()
        ahead.finishWorkAhead()
        #expect(ahead.diagnostics == never.diagnostics)
        #expect(!ahead.diagnostics.contains { $0.message.contains("share a name") })
        // Asked for later, it is built here, as it would have been.
        #expect(try ahead.graph() == (try never.graph()))
        #expect(ahead.diagnostics == never.diagnostics)
    }
}

/// A check works out the base-side columns of the changed models on a thread of their own
/// (`DbtProject.readColumnsAhead`) while it resolves references and walks the graph. The first
/// `columns(of:)` takes them over: the same columns and SQL readings, and the same words in the
/// same order, as when they are worked out there and then.
@Suite struct ColumnsAheadTests {
    static let files: [String: String] = {
        var files = GraphAheadTests.files
        files["models/sources.yml"] = """
            sources:
              - name: raw
                tables:
                  - name: orders
                    columns:
                      - name: order_id
                      - name: amount
            """
        files["models/from_source.sql"] = "select order_id, amount * 2 as doubled from {{ source('raw', 'orders') }}\n"
        files["models/widened.sql"] = "select f.*, m.id from {{ ref('from_source') }} f join {{ ref('m_1') }} m on true\n"
        return files
    }()

    static let nodes: [ColumnNode] = ["widened", "uses_broken", "unknown_macro", "reads_env", "switchable"]
        .map { .model(name: $0, version: nil) }

    /// What a check asks of the base before the walk, then the walk's columns.
    static func questionsThenColumns(_ project: DbtProject) throws -> [NodeColumns] {
        _ = try project.references(ofModelFile: "models/unknown_macro.sql")
        _ = try project.consumers(of: ["model.shop.base_a"])
        return try nodes.map { try project.columns(of: $0) }
    }

    @Test func columnsWorkedOutAheadAreTheColumnsWorkedOutWhenAsked() throws {
        let fixture = try GraphAheadTests.committedFixture(Self.files)
        defer { fixture.remove() }

        let ahead = try DbtProject.load(tree: try GraphAheadTests.headTree(fixture))
        try ahead.readColumnsAhead(Self.nodes)
        let asked = try DbtProject.load(tree: try GraphAheadTests.headTree(fixture))
        let columns = try Self.questionsThenColumns(ahead)
        #expect(columns == (try Self.questionsThenColumns(asked)))
        #expect(ahead.diagnostics == asked.diagnostics)
        for node in Self.nodes {
            #expect(try ahead.sqlReading(of: node)?.sql == (try asked.sqlReading(of: node)?.sql))
        }

        // `*` expanded through the model read from a source, whose columns are its YAML's.
        #expect(columns[0].columns.names == ["order_id", "doubled", "id"])
        #expect(columns[0].origin == .sql)
        #expect(ahead.diagnostics.contains { $0.message.contains("not_defined_anywhere") })
        #expect(ahead.diagnostics.contains { $0.message.contains("GRAPH_AHEAD_UNSET_VARIABLE") })
    }

    /// The first question takes every column worked out ahead, not only its own.
    @Test func theFirstQuestionTakesEveryColumnWorkedOutAhead() throws {
        guard ProcessInfo.processInfo.activeProcessorCount > 1 else { return }
        let fixture = try GraphAheadTests.committedFixture(Self.files)
        defer { fixture.remove() }

        let ahead = try DbtProject.load(tree: try GraphAheadTests.headTree(fixture))
        try ahead.readColumnsAhead(Self.nodes)
        #expect(ahead.nodeColumns.isEmpty)
        _ = try ahead.columns(of: .model(name: "base_a", version: nil))
        #expect(Self.nodes.allSatisfy { ahead.nodeColumns[$0] != nil })
        #expect(ahead.nodeColumns[.source(source: "raw", table: "orders")]?.columns.names == ["order_id", "amount"])
    }

    /// Columns nobody asked for leave no trace.
    @Test func columnsNeverAskedForAreDropped() throws {
        let fixture = try GraphAheadTests.committedFixture(Self.files)
        defer { fixture.remove() }

        let ahead = try DbtProject.load(tree: try GraphAheadTests.headTree(fixture))
        try ahead.readColumnsAhead(Self.nodes)
        let never = try DbtProject.load(tree: try GraphAheadTests.headTree(fixture))
        ahead.finishWorkAhead()
        #expect(ahead.diagnostics == never.diagnostics)
        #expect(!ahead.diagnostics.contains { $0.message.contains("GRAPH_AHEAD_UNSET_VARIABLE") })
        #expect(try ahead.columns(of: Self.nodes[0]) == (try never.columns(of: Self.nodes[0])))
        #expect(ahead.diagnostics == never.diagnostics)
    }
}
