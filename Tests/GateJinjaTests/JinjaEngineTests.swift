import XCTest
@testable import GateJinja

/// A `namespace()` stand-in: the builtins provide the real one.
private final class TestNamespace: JinjaMutableObject {
    var values: [String: JinjaValue] = [:]
    var typeName: String { "Namespace" }
    func attribute(_ name: String) -> JinjaValue? { values[name] }
    func setAttribute(_ name: String, _ value: JinjaValue) { values[name] = value }
}

final class JinjaEngineTests: XCTestCase {
    private func environment(_ resolve: @escaping (String, JinjaTemplate) -> JinjaValue? = { _, _ in nil }) -> JinjaEnvironment {
        JinjaEnvironment(resolve: resolve)
    }

    private func render(_ source: String, _ context: [String: JinjaValue] = [:],
                        in env: JinjaEnvironment? = nil, file: StaticString = #filePath, line: UInt = #line) -> String {
        do {
            let template = try JinjaTemplate.parse(source, name: "t.sql")
            return try (env ?? environment()).render(template, context: context)
        } catch {
            XCTFail("\(error)", file: file, line: line)
            return "<error>"
        }
    }

    private func renderError(_ source: String, _ context: [String: JinjaValue] = [:], in env: JinjaEnvironment? = nil) -> JinjaError? {
        do {
            let template = try JinjaTemplate.parse(source, name: "t.sql")
            _ = try (env ?? environment()).render(template, context: context)
            return nil
        } catch {
            return error as? JinjaError
        }
    }

    // MARK: Text and whitespace

    func testTextCommentsAndTrailingNewline() {
        XCTAssertEqual(render("a {# gone {{ x }} #}b\n"), "a b")
        XCTAssertEqual(render("a\n\n"), "a\n")
        XCTAssertEqual(render("x\r\ny"), "x\ny")
    }

    func testWhitespaceControl() {
        XCTAssertEqual(render("a  \n  {{- 'b' -}}  \n c"), "abc")
        XCTAssertEqual(render("a\n{%- if true %}\nb\n{%- endif %}\nc"), "a\nb\nc")
        XCTAssertEqual(render("a\n{% if true -%}\n  b  {%- endif %}"), "a\nb")
        XCTAssertEqual(render("a \n{#- c -#}\n b"), "ab")
        // No trim_blocks: the newline after a block tag stays.
        XCTAssertEqual(render("{% if true %}\nx\n{% endif %}\ny"), "\nx\n\ny")
    }

    /// Inside a tag Jinja2 skips what Python's `\s` matches: Unicode spaces and separators too (a
    /// GitLab model has U+2029 after an argument; dbt parses it). Outside tags they are text.
    func testUnicodeWhitespaceInsideTagsIsWhitespace() {
        XCTAssertEqual(render("{{ 'a'\u{2029}~\u{00A0}'b'\u{3000} }}"), "ab")
        XCTAssertEqual(render("{%\u{2028}if true\u{202F}%}x{% endif %}"), "x")
        XCTAssertEqual(render("\u{2029}{{ 1\u{1F}}}"), "\u{2029}1")
        XCTAssertNotNil(renderError("{{ 'a' \u{2030} }}"), "a non-space character is still an error")
    }

    func testRaw() {
        XCTAssertEqual(render("{% raw %}{{ x }}{% if %}{% endraw %}!"), "{{ x }}{% if %}!")
        XCTAssertEqual(render("a {%- raw -%}  {{ y }}  {%- endraw -%}  b"), "a{{ y }}b")
    }

    // MARK: Literals and operators

    func testLiteralsAndStringEscapes() {
        XCTAssertEqual(render(#"{{ 'a\'b' }}|{{ "c\"d" }}|{{ 'x\ty\n' }}|{{ '\x41\u00e9' }}|{{ 'a' 'b' }}"#), "a'b|c\"d|x\ty\n|Aé|ab")
        XCTAssertEqual(render("{{ [1, 'a', none, true, 1.5] }}|{{ (1,) }}|{{ (1, 2) }}|{{ {'k': False} }}|{{ 1_000 }}|{{ 2e3 }}"),
                       "[1, 'a', None, True, 1.5]|(1,)|(1, 2)|{'k': False}|1000|2000.0")
        XCTAssertEqual(render("{{ None }}|{{ True }}"), "None|True")
    }

    func testArithmeticHasPythonSemantics() {
        XCTAssertEqual(render("{{ 7 // 2 }} {{ -7 // 2 }} {{ 7 % 3 }} {{ -7 % 3 }} {{ 7 % -3 }} {{ 7 / 2 }} {{ 4 / 2 }}"), "3 -4 1 2 -2 3.5 2.0")
        XCTAssertEqual(render("{{ 2 ** 10 }} {{ 2 ** 3 ** 2 }} {{ -2 ** 2 }} {{ 1 + 2 * 3 }} {{ (1 + 2) * 3 }} {{ 1 + 2.5 }}"), "1024 64 4 7 9 3.5")
        XCTAssertEqual(render("{{ 'ab' * 3 }} {{ [1] * 2 }} {{ 'a' + 'b' }} {{ [1] + [2] }} {{ 1 ~ 'x' ~ none }}"), "ababab [1, 1] ab [1, 2] 1xNone")
        XCTAssertEqual(render("{{ 7.5 // 2 }} {{ -7.5 % 2 }} {{ true + 1 }}"), "3.0 0.5 2")
        XCTAssertEqual(render("{{ '%s-%d' % ('a', 3.9) }}|{{ '%s!' % 'x' }}|{{ '%05.1f' % 3.14159 }}|{{ '%(k)s' % {'k': 1} }}|{{ '100%%' % () }}"),
                       "a-3|x!|003.1|1|100%")
        XCTAssertEqual(renderError("{{ 1 // 0 }}")?.message, "integer division or modulo by zero")
        XCTAssertEqual(renderError("{{ 1 + 'a' }}")?.message, "unsupported operand type(s) for +: 'int' and 'str'")
    }

    func testLogicAndComparisons() {
        XCTAssertEqual(render("{{ 0 or 'b' }} {{ 'a' or 'b' }} {{ 'a' and 'b' }} {{ '' and 'b' }}|{{ none or [] }}"), "b a b |[]")
        XCTAssertEqual(render("{{ not 1 }} {{ 1 < 2 < 3 }} {{ 3 > 2 > 2 }} {{ 1 == 1.0 }} {{ 'a' != 'b' }} {{ 'abc' < 'abd' }} {{ [1, 2] < [1, 3] }}"),
                       "False True False True True True True")
        XCTAssertEqual(render("{{ 'b' in 'abc' }} {{ 2 in [1, 2] }} {{ 'k' in {'k': 1} }} {{ 'z' not in 'abc' }} {{ 1 in missing }}"),
                       "True True True True False")
        XCTAssertEqual(render("{{ 'y' if 1 > 2 else 'n' }}|{{ 'y' if false }}|{{ 'a' if x is defined else 'b' }}"), "n||b")
    }

    func testAttributeItemAndSlice() {
        let context: [String: JinjaValue] = [
            "d": .dict([("a", .int(1)), ("b", .dict([("c", .string("deep"))]))]),
            "l": .list([.int(1), .int(2), .int(3), .int(4), .int(5)]),
        ]
        XCTAssertEqual(render("{{ d.a }} {{ d['a'] }} {{ d.b.c }} {{ d['b']['c'] }} {{ d.zz }}|{{ l[0] }} {{ l[-1] }} {{ l[9] }}|{{ l.0 }}", context),
                       "1 1 deep deep |1 5 |1")
        XCTAssertEqual(render("{{ l[1:3] }} {{ l[:2] }} {{ l[3:] }} {{ l[::-1] }} {{ l[::2] }} {{ l[-2:] }} {{ 'hello'[1:4] }} {{ 'hello'[::-1] }} {{ 'abc'[1] }}", context),
                       "[2, 3] [1, 2] [4, 5] [5, 4, 3, 2, 1] [1, 3, 5] [4, 5] ell olleh b")
    }

    // MARK: Statements

    func testIfElifElse() {
        let source = "{% for n in [1, 2, 3] %}{% if n == 1 %}one{% elif n == 2 %}two{% else %}many{% endif %},{% endfor %}"
        XCTAssertEqual(render(source), "one,two,many,")
    }

    func testForLoopVariablesElseAndFilter() {
        XCTAssertEqual(render("{% for x in ['a', 'b', 'c'] %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}{{ loop.revindex0 }}{{ loop.first }}{{ loop.last }}{{ loop.length }};{% endfor %}"),
                       "1032TrueFalse3;2121FalseFalse3;3210FalseTrue3;")
        XCTAssertEqual(render("{% for x in [1, 2, 3] %}{{ loop.previtem }}-{{ loop.nextitem }}/{{ loop.cycle('o', 'e') }} {% endfor %}"),
                       "-2/o 1-3/e 2-/o ")
        XCTAssertEqual(render("{% for x in [] %}x{% else %}empty{% endfor %}|{% for x in missing %}x{% else %}none{% endfor %}"), "empty|none")
        XCTAssertEqual(render("{% for x in [1, 2, 3, 4] if x is odd_number %}{{ x }}/{{ loop.length }} {% endfor %}", in: {
            let env = environment()
            env.tests["odd_number"] = { value, _, _ in if case .int(let n) = value { n % 2 == 1 } else { false } }
            return env
        }()), "1/2 3/2 ")
        XCTAssertEqual(render("{% for k, v in [('a', 1), ('b', 2)] %}{{ k }}={{ v }} {% endfor %}{% for k in {'x': 1, 'y': 2} %}{{ k }}{% endfor %}"),
                       "a=1 b=2 xy")
        XCTAssertEqual(render("{% for c in 'ab' %}[{{ c }}]{% endfor %}"), "[a][b]")
    }

    func testBreakAndContinue() {
        XCTAssertEqual(render("{% for x in [1, 2, 3, 4, 5] %}{% if x == 2 %}{% continue %}{% endif %}{% if x == 4 %}{% break %}{% endif %}{{ x }}{% endfor %}"), "13")
        XCTAssertEqual(renderError("{% break %}")?.message, "'break' outside of a loop")
    }

    func testScopingSetInLoopDoesNotLeakButNamespaceDoes() {
        let source = """
        {% set count = 0 %}{% for x in [1, 2, 3] %}{% set count = count + 1 %}{{ count }}{% endfor %}|{{ count }}|\
        {% for x in [1, 2, 3] %}{% set ns.total = ns.total + x %}{% endfor %}{{ ns.total }}|\
        {% if true %}{% set inif = 'visible' %}{% endif %}{{ inif }}
        """
        let ns = TestNamespace()
        ns.values["total"] = .int(0)
        XCTAssertEqual(render(source, ["ns": .object(ns)]), "111|0|6|visible")
        XCTAssertEqual(renderError("{% set x.y = 1 %}", ["x": .int(1)])?.message.contains("not a namespace"), true)
    }

    func testSetForms() {
        XCTAssertEqual(render("{% set a, b = [1, 2] %}{{ b }}{{ a }}|{% set t = 1, 2 %}{{ t }}"), "21|(1, 2)")
        XCTAssertEqual(render("{% set block %}  x={{ 1 + 1 }} {% endset %}[{{ block }}]"), "[  x=2 ]")
        let env = environment()
        env.filters["shout"] = { value, arguments, _ in .string(value.rendered.uppercased() + (arguments.positional.first?.rendered ?? "")) }
        XCTAssertEqual(render("{% set s | shout('!') %}hi{% endset %}{{ s }}", in: env), "HI!")
        XCTAssertEqual(renderError("{% set a, b = [1, 2, 3] %}")?.message, "too many values to unpack (expected 2)")
    }

    func testDoWithAndFilterBlock() {
        let list = JinjaList()
        let env = environment()
        env.filters["shout"] = { value, _, _ in .string(value.rendered.uppercased()) }
        let append = JinjaFunction("append") { arguments, _ in list.items.append(contentsOf: arguments.positional); return .none }
        XCTAssertEqual(render("{% do append(1) %}{% do append(2) %}{% with a = 5, b = 6 %}{{ a + b }}{% endwith %}{{ a }}|{% filter shout %}up {{ 'here' }}{% endfilter %}",
                              ["append": .callable(append)], in: env), "11|UP HERE")
        XCTAssertEqual(list.items.count, 2)
    }

    // MARK: Filters and tests

    func testCustomFiltersAndTestsWithArguments() {
        let env = environment()
        env.filters["wrap"] = { value, arguments, _ in
            .string((arguments.argument(0, "left")?.rendered ?? "<") + value.rendered + (arguments.named("right")?.rendered ?? ">"))
        }
        env.tests["bigger"] = { value, arguments, _ in (value.numeric ?? 0) > (arguments.positional.first?.numeric ?? 0) }
        XCTAssertEqual(render("{{ 'x' | wrap }} {{ 'x'|wrap('[', right=']') }} {{ 'x' | wrap | wrap('(', right=')') }}", in: env), "<x> [x] (<x>)")
        XCTAssertEqual(render("{{ 5 is bigger 3 }} {{ 5 is bigger(9) }} {{ 5 is not bigger(9) }} {{ -1|wrap }}", in: env), "True False True <-1>")
        XCTAssertEqual(renderError("{{ 1 | nope }}", in: env)?.message, "no filter named 'nope'")
        XCTAssertEqual(renderError("{{ 1 is nope }}", in: env)?.message, "no test named 'nope'")
    }

    // MARK: Macros

    func testMacrosDefaultsVarargsKwargs() {
        let source = """
        {% macro greet(name, greeting='Hello', punct=greeting[0]) -%}
        {{ greeting }} {{ name }}{{ punct }}{{ varargs }}{{ kwargs }}
        {%- endmacro %}{{ greet('A') }}|{{ greet('B', 'Hi') }}|{{ greet(greeting='Yo', name='C') }}|{{ greet('D', 'E', 'F', 1, 2, extra=3) }}
        """
        XCTAssertEqual(render(source), "Hello AH(){}|Hi BH(){}|Yo CY(){}|E DF(1, 2){'extra': 3}")
        XCTAssertEqual(renderError("{% macro m(a) %}{% endmacro %}{{ m(1, a=2) }}")?.message, "macro 'm' got multiple values for argument 'a'")
    }

    func testMacroScopeSeesTopLevelNamesAtCallTimeButNotCallerLocals() {
        let source = """
        {% macro show() %}{{ top }}/{{ local }}/{{ other() }}{% endmacro %}{% macro other() %}o{% endmacro %}\
        {% set top = 'T1' %}{{ show() }} {% set top = 'T2' %}{% for local in [1] %}{{ show() }}{% endfor %}
        """
        XCTAssertEqual(render(source), "T1//o T2//o")
        XCTAssertEqual(render("{% macro m() %}{{ ctx }}{% set leaked = 1 %}{% endmacro %}{{ m() }}{{ leaked }}", ["ctx": .string("c")]), "c")
    }

    func testMacroReturnsValueThroughJinjaReturn() {
        let returnFunction = JinjaFunction("return") { arguments, _ in throw JinjaReturn(arguments.positional.first ?? .none) }
        let source = """
        {% macro pick(x) %}ignored{{ return([x, x * 2]) }}never{% endmacro %}\
        {% macro outer() %}{% set r = pick(3) %}{{ return(r[1] + 1) }}{% endmacro %}{{ pick(2) }}|{{ outer() }}|{{ outer() + 1 }}
        """
        XCTAssertEqual(render(source, ["return": .callable(returnFunction)]), "[2, 4]|7|8")
    }

    func testCallBlockWithCaller() {
        let source = """
        {% macro box(title) %}[{{ title }}:{{ caller() }}]{% endmacro %}\
        {% macro each(items) %}{% for i in items %}{{ caller(i, loop.index) }}{% endfor %}{% endmacro %}\
        {% set outside = '!' %}{% call box('t') %}body{{ outside }}{% endcall %}|{% call(item, n) each(['a', 'b']) %}{{ n }}{{ item }};{% endcall %}
        """
        XCTAssertEqual(render(source), "[t:body!]|1a;2b;")
    }

    func testNestedMacroClosesOverItsScope() {
        XCTAssertEqual(render("{% macro outer(x) %}{% macro inner() %}<{{ x }}>{% endmacro %}{{ inner() }}{% endmacro %}{{ outer(4) }}{{ inner }}"), "<4>")
    }

    func testRecursionGuard() {
        let error = renderError("{% macro loop_forever(n) %}{{ loop_forever(n + 1) }}{% endmacro %}{{ loop_forever(0) }}")
        XCTAssertEqual(error?.message.hasPrefix("maximum call depth (200) exceeded"), true)
        XCTAssertEqual(error?.line, 1)
        XCTAssertEqual(render("{% macro fact(n) %}{{ 1 if n <= 1 else n * fact(n - 1)|int_ }}{% endmacro %}{{ fact(5) }}", in: {
            let env = environment()
            env.filters["int_"] = { value, _, _ in .int(Int(value.rendered) ?? 0) }
            return env
        }()), "120")
    }

    func testLoopIterationAndOutputGuards() {
        let env = environment()
        env.maxLoopIterations = 5
        XCTAssertEqual(renderError("{% for a in [1, 2, 3] %}{% for b in [1, 2] %}{% endfor %}{% endfor %}", in: env)?.message, "more than 5 loop iterations")
        let small = environment()
        small.maxOutputBytes = 10
        XCTAssertEqual(renderError("{% for a in [1, 2, 3, 4] %}abc{% endfor %}", in: small)?.message, "output exceeds 10 bytes")
    }

    // MARK: Undefined

    func testUndefinedIsLenient() {
        XCTAssertEqual(render("[{{ nope }}][{{ nope.attr.deeper }}][{{ nope['k'] }}][{{ nope() }}][{% for x in nope %}x{% endfor %}][{{ 'y' if nope else 'n' }}][{{ nope is defined }}][{{ nope ~ 'z' }}]"),
                       "[][][][][][n][False][z]")
        XCTAssertEqual(render("{{ x is defined }} {{ x is undefined }}", ["x": .int(1)]), "True False")
        let error = renderError("line1\n{{ nope + 1 }}")
        XCTAssertEqual(error?.message, "'nope' is undefined")
        XCTAssertEqual(error?.line, 2)
        XCTAssertEqual(error?.template, "t.sql")
    }

    func testUndefinedCallHookAndResolveOrder() throws {
        var calls: [String] = []
        var asked: [String] = []
        let env = environment { name, template in
            asked.append("\(name)@\(template.name)")
            return name == "known" ? .string("K") : nil
        }
        env.onUndefinedCall = { name, line, template in calls.append("\(name):\(line):\(template)") }
        let template = try JinjaTemplate.parse("{{ known }}\n{{ missing_macro(1) }}{{ dbt_utils.star('x') }}{{ local }}", name: "m.sql")
        XCTAssertEqual(try env.render(template, context: ["local": .string("L")]), "K\nL")
        XCTAssertEqual(calls, ["missing_macro:2:m.sql", "dbt_utils.star:2:m.sql"])
        XCTAssertEqual(asked, ["known@m.sql", "missing_macro@m.sql", "dbt_utils@m.sql"])
    }

    // MARK: Host callables and objects

    func testHostFunctionsGetArgumentsAndCanCallBack() {
        let describe = JinjaFunction("describe") { arguments, context in
            let keyword = arguments.keyword.map(\.name).joined(separator: ",")
            let callback = arguments.named("last") ?? arguments.positional.last
            let callbackResult = try callback.map { try context.call($0, JinjaArguments([.string("cb")])) }
            return .string("\(arguments.positional.count)|\(keyword)|\(callbackResult?.rendered ?? "")")
        }
        let source = "{% macro m(x) %}m:{{ x }}{% endmacro %}{{ describe(1, *[2, 3], k='v', **{'z': 9}, last=m) }}|{{ describe(m) }}"
        XCTAssertEqual(render(source, ["describe": .callable(describe)]), "3|k,z,last|m:cb|1||m:cb")
    }

    func testEnvironmentMacroRunsInItsOwnTemplate() throws {
        let macros = try JinjaTemplate.parse("""
            {% macro helper(x) %}{{ prefix }}{{ x }}{% endmacro %}
            {% macro uses_helper(y) %}<{{ helper(y) }}|{{ from_host }}>{% endmacro %}
            """, name: "macros/helpers.sql")
        var templatesAsked: Set<String> = []
        var usesHelper: JinjaValue?
        let env = environment { name, template in
            templatesAsked.insert(template.name)
            switch name {
            case "from_host": return .string("H")
            case "uses_helper": return usesHelper
            default: return nil
            }
        }
        usesHelper = env.macro("uses_helper", in: macros)
        let model = try JinjaTemplate.parse("{{ uses_helper(1) }}", name: "models/a.sql")
        XCTAssertEqual(try env.render(model, context: ["prefix": .string("model-only")]), "<1|H>")
        XCTAssertEqual(templatesAsked, ["models/a.sql", "macros/helpers.sql"])
        XCTAssertEqual(macros.macroNames, ["helper", "uses_helper"])
        XCTAssertNil(env.macro("nope", in: macros))
        guard case .callable(let helper)? = env.macro("helper", in: macros) else { return XCTFail("no macro") }
        XCTAssertEqual(try helper.call(JinjaArguments([.int(5)]), context: env.interpreter).rendered, "5")
    }

    // MARK: dbt block tags

    func testDbtBlockTags() throws {
        let source = """
        {% materialization table, default %}T{% endmaterialization %}
        {% materialization view, adapter='snowflake', supported_languages=['sql'] %}V{% endmaterialization %}
        {% test not_null(model, column_name) %}select * from {{ model }} where {{ column_name }} is null{% endtest %}
        {% docs orders %}# Orders {{ not_rendered }}{% enddocs %}
        {% snapshot orders_snapshot %}{{ config(strategy='check') }}select 1{% endsnapshot %}
        {% macro plain() %}{% endmacro %}
        """
        let template = try JinjaTemplate.parse(source, name: "t.sql")
        XCTAssertEqual(template.macroNames, ["materialization_table_default", "materialization_view_snowflake", "test_not_null", "plain"])
        XCTAssertEqual(template.snapshotNames, ["orders_snapshot"])
        let env = environment()
        var configured = false
        let config = JinjaFunction("config") { _, _ in configured = true; return .string("") }
        XCTAssertEqual(try env.render(template, context: ["config": .callable(config)]), "\n\n\n\nselect 1\n")
        XCTAssertTrue(configured)
        guard case .callable(let test)? = env.macro("test_not_null", in: template) else { return XCTFail("no test macro") }
        XCTAssertEqual(try env.interpreter.call(.callable(test), JinjaArguments([.string("m")], keyword: [("column_name", .string("id"))])).rendered,
                       "select * from m where id is null")
    }

    // MARK: Errors

    func testParseErrorsCarryLineAndTemplate() {
        func parseError(_ source: String) -> JinjaError? {
            do { _ = try JinjaTemplate.parse(source, name: "bad.sql"); return nil } catch { return error as? JinjaError }
        }
        let unclosed = parseError("a\n{% if x %}\nb\n")
        XCTAssertEqual(unclosed?.line, 3)
        XCTAssertEqual(unclosed?.template, "bad.sql")
        XCTAssertEqual(unclosed?.message.contains("'if' opened on line 2"), true)
        XCTAssertEqual(parseError("x\n\n{{ 1 + }}")?.line, 3)
        XCTAssertEqual(parseError("{% foo %}")?.message, "unknown tag 'foo'")
        XCTAssertEqual(parseError("\n{% include 'x.sql' %}")?.message, "'include' is not supported")
        XCTAssertEqual(parseError("\n{% include 'x.sql' %}")?.line, 2)
        XCTAssertEqual(parseError("{{ 'abc }}")?.message, "unexpected end of string")
        XCTAssertEqual(parseError("{% endif %}")?.message, "unknown tag 'endif'")
        XCTAssertEqual(parseError("{# open")?.message, "missing end of comment tag")
    }

    func testRuntimeErrorsCarryInnermostLine() {
        let failing = JinjaFunction("fail") { _, _ in throw JinjaError("boom") }
        let error = renderError("{% macro m() %}\nok\n{{ fail() }}{% endmacro %}\n\n{{ m() }}", ["fail": .callable(failing)])
        XCTAssertEqual(error?.message, "boom")
        XCTAssertEqual(error?.line, 3)
        XCTAssertEqual(renderError("{% set x = [\n1,\n2 < 'a'] %}")?.line, 3)
        XCTAssertEqual(renderError("{{ 1() }}")?.message, "'int' object is not callable")
    }

    func testTemplateIsReusable() throws {
        let template = try JinjaTemplate.parse("{% set n = n + 1 %}{{ n }}", name: "t")
        let env = environment()
        XCTAssertEqual(try env.render(template, context: ["n": .int(1)]), "2")
        XCTAssertEqual(try env.render(template, context: ["n": .int(10)]), "11")
    }
}

extension JinjaEngineTests {
    func testTestArgumentWithoutParenthesesStopsAtKeywords() {
        let env = environment()
        env.tests["same"] = { value, arguments, _ in value.equals(arguments.positional.first ?? .undefined("")) }
        XCTAssertEqual(render("{{ 1 is same 1 and 2 is same 3 }} {{ 'y' if x is defined else 'n' }} {{ none is same none }}", in: env), "False n True")
    }
}
