import Foundation
import GateDbt
import GateGit
import GateModel
import GateTestSupport
import Testing

/// The renders a project's graph needs run ahead on all cores (`DbtProject.prerender`), each
/// thread with a renderer and a git handle of its own. They must give exactly what rendering one
/// file at a time gives: the same parents, the same fallbacks and warnings for a render that fails.
@Suite struct PrerenderTests {
    static let files: [String: String] = {
        var files = [
            "dbt_project.yml": "name: shop\nversion: '1.0'\nconfig-version: 2\nmodel-paths: [models]\nmacro-paths: [macros]\n",
            "macros/upstream.sql": "{% macro upstream(name) %}{{ ref(name) }}{% endmacro %}\n",
            "macros/broken.sql": "{% macro broken() %}{{ 1 + }}{% endmacro %}\n",
            "models/base_a.sql": "select 1 as id\n",
            "models/base_b.sql": "select 2 as id\n",
            "models/uses_broken.sql": "select {{ broken() }} as x from {{ ref('base_a') }}\n",
            "models/unknown_macro.sql": "select {{ not_defined_anywhere() }} from {{ upstream('base_b') }}\n",
        ]
        for number in 1...24 {
            let parent = number.isMultiple(of: 2) ? "base_a" : "base_b"
            files["models/m_\(number).sql"] = """
                select * from {{ upstream('\(parent)') }}
                {% if var('wide', false) %} join {{ ref('base_a') }} using (id) {% endif %}
                {% if number > 0 %}{% endif %}
                """.replacingOccurrences(of: "number > 0", with: "\(number) > 0")
        }
        files["models/m_3.sql"] = "{% set p = 'm_' ~ 2 %}select * from {{ upstream(p) }}\n"
        return files
    }()

    @Test func renderingAheadOnAllCoresGivesWhatOneByOneGives() throws {
        let fixture = try TempRepository()
        defer { fixture.remove() }
        for (path, text) in Self.files { try fixture.write(path, text) }
        let head = try fixture.commit("project")
        try fixture.shell("git gc -q")

        let ahead = try DbtProject.load(tree: try Repository.open(at: fixture.path).tree(at: head))
        // A tree that cannot be read from another thread: every file rendered when asked for.
        let oneByOne = try DbtProject.load(tree: CountingTree(Self.files))
        let graph = try ahead.graph()
        #expect(graph == (try oneByOne.graph()))
        #expect(oneByOne.prerenderedFiles == 0)
        // Every model but the two plain ones needs its render.
        if ProcessInfo.processInfo.activeProcessorCount > 1 {
            #expect(ahead.prerenderedFiles == Self.files.keys.filter { $0.hasPrefix("models/") }.count - 2)
        }
        #expect(ahead.diagnostics == oneByOne.diagnostics)

        #expect(Self.parents(of: "model.shop.m_2", in: graph) == ["model.shop.base_a"])
        #expect(Self.parents(of: "model.shop.m_3", in: graph) == ["model.shop.m_2"])
        #expect(Self.parents(of: "model.shop.unknown_macro", in: graph) == ["model.shop.base_b"])
        // The render that fails keeps the literal references, and says so.
        #expect(Self.parents(of: "model.shop.uses_broken", in: graph) == ["model.shop.base_a"])
        #expect(ahead.diagnostics.contains { $0.message.hasPrefix("dbt.rendering: models/uses_broken.sql could not be rendered") })
    }

    /// The worktree has no blob ids: the renders done ahead are kept by path, with the same result.
    @Test func renderingAheadInTheWorktreeGivesWhatOneByOneGives() throws {
        let root = try Self.folder(with: Self.files)
        defer { try? FileManager.default.removeItem(at: root) }
        let ahead = try DbtProject.load(tree: DirectoryTree(root: root))
        let oneByOne = try DbtProject.load(tree: CountingTree(Self.files))
        #expect(try ahead.graph() == (try oneByOne.graph()))
        #expect(ahead.diagnostics == oneByOne.diagnostics)
        if ProcessInfo.processInfo.activeProcessorCount > 1 {
            #expect(ahead.prerenderedFiles == Self.files.keys.filter { $0.hasPrefix("models/") }.count - 2)
        }
    }

    /// A new temporary folder holding `files` (removed by the caller).
    static func folder(with files: [String: String]) throws -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("worktree-\(UUID().uuidString)")
        for (path, text) in files {
            let url = root.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url)
        }
        return root
    }

    static func parents(of id: String, in graph: ProjectGraph) -> [String] {
        graph.nodes.values.filter { $0.children.contains(id) }.map(\.id).sorted()
    }
}
