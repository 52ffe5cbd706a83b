import DbtJinja
import Foundation
import GateModel
import GateTestSupport
import Testing
@testable import GateDbt

/// A model that calls only macros which cannot change what a render tells (no reference,
/// config, variable, warehouse or context word; only pure calls) is read without a render for the
/// graph: its literal `ref()`s are its parents. Any other macro call still renders, so references
/// made inside macros, undefined macros and warehouse questions are found as before.
@Suite struct InertMacroTests {
    static let files: [String: String] = [
        "dbt_project.yml": "name: shop\nversion: '1.0'\nconfig-version: 2\nmodel-paths: [models]\nmacro-paths: [macros]\n",
        "macros/helpers.sql": """
            {% macro safe_cast(col, typ) -%}
                cast({{ col }} as {{ typ }})
            {%- endmacro %}
            {% macro cents(col) -%}
                {{ return(safe_cast(col, 'int') ~ ' / 100') }}
            {%- endmacro %}
            {% macro upper_name(name) -%}{{ name.upper() }}{%- endmacro %}
            {% macro upstream(name) %}{{ ref(name) }}{% endmacro %}
            {% macro dispatched(col) %}{{ return(adapter.dispatch('dispatched')(col)) }}{% endmacro %}
            {% macro default__dispatched(col) %}{{ col }}{% endmacro %}
            {% macro calls_missing(col) %}{{ no_such_macro(col) }}{% endmacro %}
            {% macro reads_var(col) %}{{ col }} {{ var('unit') }}{% endmacro %}
            """,
        "dbt_packages/util/dbt_project.yml": "name: util\nversion: '1.0'\nconfig-version: 2\nmacro-paths: [macros]\n",
        "dbt_packages/util/macros/strings.sql": "{% macro trim_it(col) %}trim({{ col }}){% endmacro %}\n",
        "models/base.sql": "select 1 as id, 2 as amount\n",
        "models/casts.sql": "select {{ safe_cast('id', 'bigint') }} as id, {{ cents('amount') }} as amount,\n"
            + "  {{ upper_name('x') }} as x, {{ util.trim_it('y') }} as y\nfrom {{ ref('base') }}\n",
        "models/through_macro.sql": "select * from {{ upstream('base') }}\n",
        "models/dispatching.sql": "select {{ dispatched('id') }} as id from {{ ref('base') }}\n",
        "models/missing.sql": "select {{ calls_missing('id') }} as id from {{ ref('base') }}\n",
        "models/undefined.sql": "select {{ nowhere('id') }} as id from {{ ref('base') }}\n",
        "models/with_var.sql": "select {{ reads_var('id') }} as id from {{ ref('base') }}\n",
    ]

    @Test func onlyCallsThatCanMatterAreRendered() throws {
        let tree = CountingTree(Self.files)
        let project = try DbtProject.load(tree: tree)
        let graph = try project.graph()
        func parents(_ name: String) -> [String] {
            graph.nodes.values.filter { $0.children.contains("model.shop.\(name)") }.map(\.id).sorted()
        }
        for name in ["casts", "through_macro", "dispatching", "missing", "undefined", "with_var"] {
            #expect(parents(name) == ["model.shop.base"], "\(name)")
        }
        // Read once by the index; read again only to be rendered.
        func reads(_ name: String) -> Int { tree.readCount { $0 == "models/\(name).sql" } }
        #expect(reads("casts") == 1, "an inert macro call was rendered")
        for name in ["through_macro", "dispatching", "missing", "undefined", "with_var"] {
            #expect(reads(name) >= 2, "\(name) was not rendered")
        }
        // What only a render tells is still told.
        #expect(project.diagnostics.contains { $0.message.contains("nowhere") }, "\(project.diagnostics.map(\.message))")
        #expect(project.diagnostics.contains { $0.message.contains("no_such_macro") }, "\(project.diagnostics.map(\.message))")
    }

    @Test func theMacroIndexKnowsWhichMacrosAreInert() throws {
        let project = try DbtProject.load(tree: CountingTree(Self.files))
        let macros = try project.renderingState(try #require(project.projectFile)).macros
        for name in ["safe_cast", "cents", "upper_name", "util.trim_it"] {
            #expect(macros.isInert(call: name, from: "shop"), "\(name)")
        }
        for name in ["upstream", "dispatched", "calls_missing", "reads_var", "nowhere", "util.nowhere", "adapter.quote"] {
            #expect(!macros.isInert(call: name, from: "shop"), "\(name)")
        }
        #expect(MacroTagScanner.jinjaCalls(in: Data("{% macro m(a) %}{{ f(a) ~ 'g(x)' }}{% set y = pkg.h (1) %}{# k(1) #}{% endmacro %}".utf8))
                == ["f", "pkg.h"])
    }

    /// A macro that does not parse is what dbt stops on, and the gate reports it through its
    /// callers' renders: while any file of inert macros does not parse, every macro caller renders.
    @Test func aMacroFileThatDoesNotParseStillReachesItsCallersRenders() throws {
        var files = Self.files
        files["macros/broken.sql"] = "{% macro shout(col) %}upper({{ col ~ }}){% endmacro %}\n"
        files["models/shouting.sql"] = "select {{ shout('id') }} as id from {{ ref('base') }}\n"
        let tree = CountingTree(files)
        let project = try DbtProject.load(tree: tree)
        _ = try project.graph()
        #expect(project.diagnostics.contains { $0.message.hasPrefix("dbt.rendering: models/shouting.sql could not be rendered") },
                "\(project.diagnostics.map(\.message))")
        // Every macro caller renders meanwhile, the inert ones' too.
        #expect(tree.readCount { $0 == "models/casts.sql" } >= 2)
    }
}
