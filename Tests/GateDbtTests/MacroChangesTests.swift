import Foundation
import GateJinja
import GateModel
import Testing
@testable import DbtFiles
@testable import GateDbt

/// A macro edit changes the models that call it, as dbt's `state:modified` (`modified.macros`)
/// counts them. The expectations were confirmed once with dbt-core 1.11.16 + dbt-duckdb:
/// `dbt parse` at base gave `model.shop.m_a -> [macro.shop.a]`, `m_x -> []` (its call sits in
/// `if execute`), `m_d -> [macro.shop.d]`, `macro.shop.a -> [macro.shop.b]` (a branch that never
/// runs), `macro.shop.d -> [macro.shop.default__d]`, `macro.shop.q -> [macro.shop.b]`; after
/// editing `b`, `default__d` and `x`, `dbt ls -s state:modified` listed m_a, m_d and m_q.
@Suite struct MacroChangesTests {
    static let macros = """
        {% macro a() %}{% if false %}{{ b() }}{% endif %}1{% endmacro %}
        {% macro b() %}2{% endmacro %}
        {% macro x() %}3{% endmacro %}
        {% macro d() %}{{ return(adapter.dispatch('d')()) }}{% endmacro %}
        {% macro default__d() %}4{% endmacro %}
        {% macro orphan() %}{{ b() }}{% endmacro %}
        {% macro q() %}{{ shop.b() }}{% endmacro %}

        """

    func projects(editing edit: (String) -> String) throws -> (base: DbtProject, head: DbtProject) {
        let files = [
            "dbt_project.yml": "name: shop\nmodels:\n  shop:\n    m_project_hook:\n      +pre-hook: ['{{ q() }}']\n",
            "models/m_a.sql": "select {{ a() }} as one\n",
            "models/m_x.sql": "select {% if execute %}{{ x() }}{% else %}0{% endif %} as one\n",
            "models/m_d.sql": "select {{ d() }} as one\n",
            "models/m_plain.sql": "select 1 as one\n",
            "models/m_q.sql": "select {{ q() }} as one\n",
            "models/m_hook.sql": "{{ config(materialized='table', post_hook=\"{{ orphan() }}\") }}\nselect 1 as one\n",
            "models/m_project_hook.sql": "select 1 as one\n",
            "macros/m.sql": Self.macros,
        ]
        var headFiles = files
        headFiles["macros/m.sql"] = edit(Self.macros)
        var settings = DbtSettings()
        settings.adapterType = "duckdb"
        return (try DbtProject.load(tree: MemoryTree(files), settings: settings),
                try DbtProject.load(tree: MemoryTree(headFiles), settings: settings))
    }

    @Test func modelsCallingAnEditedMacroDirectlyOrThroughMacrosAreChanged() throws {
        let (base, head) = try projects { text in
            text.replacingOccurrences(of: "{% macro b() %}2", with: "{% macro b() %}22")
                .replacingOccurrences(of: "{% macro default__d() %}4", with: "{% macro default__d() %}44")
                .replacingOccurrences(of: "{% macro x() %}3", with: "{% macro x() %}33")
        }
        let result = try SemanticDiff.compare(base: base, head: head, changes: changeSet(modified("macros/m.sql")))
        #expect(result.changes.map(\.name) == ["m_a", "m_d", "m_hook", "m_project_hook", "m_q"], "\(result.changes.summary)")
        #expect(result.changes.allSatisfy { $0.status == .modified })
        let notices = result.diagnostics.filter { $0.message.hasPrefix("macro ") }.map(\.message)
        #expect(notices == [
            "macro shop.b changed: the 4 models that call it (m_a, m_hook, m_project_hook and 1 more) count as changed, as dbt's state:modified counts them",
            "macro shop.default__d changed: the model that calls it (m_d) counts as changed, as dbt's state:modified counts it",
        ])
        #expect(result.diagnostics.first { $0.message.hasPrefix("macro shop.b") }?.location == SourceLocation(path: "macros/m.sql", line: 2))
    }

    /// Moving a macro down its file changes no macro's text: nothing changed (dbt compares text).
    @Test func aMacroThatOnlyMovesChangesNothing() throws {
        let (base, head) = try projects { "\n\n" + $0 }
        let result = try SemanticDiff.compare(base: base, head: head, changes: changeSet(modified("macros/m.sql")))
        #expect(result.changes.isEmpty, "\(result.changes.summary)")
    }

    /// Hooks are rendered at parse time too: a macro a hook calls is the model's (dbt:
    /// `m_hook -> [macro.shop.orphan]`, `m_project_hook -> [macro.shop.q]`; editing `b` selects
    /// m_a, m_hook, m_project_hook and m_q). dbt also counts `m_local`, which calls a `b` it defines
    /// itself, as calling the project's `b`: the gate does not (a model-local macro is its own).
    @Test func aMacroAHookCallsChangesTheModel() throws {
        let (base, head) = try projects { $0.replacingOccurrences(of: "{% macro orphan() %}", with: "{% macro orphan() %}0") }
        let result = try SemanticDiff.compare(base: base, head: head, changes: changeSet(modified("macros/m.sql")))
        #expect(result.changes.map(\.name) == ["m_hook"], "\(result.changes.summary)")
        let again = try projects { $0.replacingOccurrences(of: "{% macro b() %}2", with: "{% macro b() %}3") }
        let throughQ = try SemanticDiff.compare(base: again.base, head: again.head, changes: changeSet(modified("macros/m.sql")))
        #expect(throughQ.changes.map(\.name) == ["m_a", "m_hook", "m_project_hook", "m_q"], "\(throughQ.changes.summary)")
    }

    /// A macro only other uncalled macros call changes no model.
    @Test func aMacroNoModelReachesChangesNothing() throws {
        let (base, head) = try projects { $0 + "{% macro unused() %}{{ x() }}{% endmacro %}" }
        let result = try SemanticDiff.compare(base: base, head: head, changes: changeSet(modified("macros/m.sql")))
        #expect(result.changes.isEmpty, "\(result.changes.summary)")
    }

    @Test func staticCallsAreEveryCallInEveryBranchAsDbtReadsThem() throws {
        let template = try JinjaTemplate.parse("""
            {% macro m(x=default_of()) %}
              {% if false %}{{ hidden() }}{% else %}{{ dbt_utils.star(from=ref('t')) }}{% endif %}
              {% for i in items() %}{{ adapter.quote(i) }}{% endfor %}
              {% call wrapper() %}{{ inner() }}{% endcall %}
              {{ adapter.dispatch('thing', macro_namespace='pkg')(1) }}
              {{ a.b.c() }}{{ x | default(filtered()) }}
            {% endmacro %}
            """, name: "macros/m.sql")
        let definition = try #require(template.macros["m"])
        #expect(JinjaStaticCalls.calls(in: definition) == [
            .name("default_of"), .name("hidden"), .qualified(package: "dbt_utils", name: "star"), .name("ref"),
            .name("items"), .name("wrapper"), .name("inner"), .name("thing"), .dispatch(name: "thing", namespace: "pkg"),
            .name("filtered"),
        ])
    }
}
