import XCTest
@testable import GateJinja

/// A stand-in for the evaluator (which lives on another branch): calls, attribute and item
/// lookup as Jinja does them, and filters and tests dispatched back to the builtins.
private final class TestContext: JinjaCallContext {
    func call(_ callee: JinjaValue, _ arguments: JinjaArguments) throws -> JinjaValue {
        guard case .callable(let callable) = callee else { throw JinjaError("'\(callee.typeName)' object is not callable") }
        return try callable.call(arguments, context: self)
    }

    func attribute(_ name: String, of value: JinjaValue) throws -> JinjaValue {
        if let method = JinjaMethods.method(name, of: value) { return method }
        if case .object(let object) = value, let attribute = object.attribute(name) { return attribute }
        return try item(.string(name), of: value, tryAttribute: false)
    }

    func item(_ key: JinjaValue, of value: JinjaValue) throws -> JinjaValue {
        try item(key, of: value, tryAttribute: true)
    }

    private func item(_ key: JinjaValue, of value: JinjaValue, tryAttribute: Bool) throws -> JinjaValue {
        switch (value, key) {
        case (.dict(let dict), _): if let found = dict[key] { return found }
        case (.list(let list), .int(let index)):
            let position = index < 0 ? index + list.items.count : index
            if list.items.indices.contains(position) { return list.items[position] }
        case (.object(let object), _): if let found = object.item(key) { return found }
        default: break
        }
        if tryAttribute, case .string(let name) = key, case .object(let object) = value, let found = object.attribute(name) {
            return found
        }
        return .undefined(key.rendered)
    }

    func applyFilter(_ name: String, to value: JinjaValue, _ arguments: JinjaArguments) throws -> JinjaValue {
        guard let result = try JinjaFilters.apply(name, to: value, arguments, context: self) else {
            throw JinjaError("No filter named '\(name)'.")
        }
        return result
    }

    func applyTest(_ name: String, to value: JinjaValue, _ arguments: JinjaArguments) throws -> Bool {
        guard let result = try JinjaTests.apply(name, to: value, arguments, context: self) else {
            throw JinjaError("No test named '\(name)'.")
        }
        return result
    }
}

final class JinjaBuiltinTests: XCTestCase {
    private let context = TestContext()

    // MARK: Helpers

    private func s(_ text: String) -> JinjaValue { .string(text) }
    private func i(_ number: Int) -> JinjaValue { .int(number) }
    private func list(_ items: JinjaValue...) -> JinjaValue { .list(items) }
    private func strings(_ items: String...) -> JinjaValue { .list(items.map(JinjaValue.string)) }

    private func filter(_ name: String, _ value: JinjaValue, _ positional: [JinjaValue] = [],
                        _ keyword: [(name: String, value: JinjaValue)] = [],
                        file: StaticString = #filePath, line: UInt = #line) throws -> JinjaValue {
        let result = try JinjaFilters.apply(name, to: value, JinjaArguments(positional, keyword: keyword), context: context)
        return try XCTUnwrap(result, "no filter \(name)", file: file, line: line)
    }

    private func test(_ name: String, _ value: JinjaValue, _ positional: [JinjaValue] = [],
                      file: StaticString = #filePath, line: UInt = #line) throws -> Bool {
        let result = try JinjaTests.apply(name, to: value, JinjaArguments(positional), context: context)
        return try XCTUnwrap(result, "no test \(name)", file: file, line: line)
    }

    private func call(_ value: JinjaValue, _ name: String, _ positional: [JinjaValue] = [],
                      _ keyword: [(name: String, value: JinjaValue)] = [],
                      file: StaticString = #filePath, line: UInt = #line) throws -> JinjaValue {
        let method = try XCTUnwrap(JinjaMethods.method(name, of: value), "no method \(name)", file: file, line: line)
        return try context.call(method, JinjaArguments(positional, keyword: keyword))
    }

    private func global(_ name: String, _ positional: [JinjaValue] = [],
                        _ keyword: [(name: String, value: JinjaValue)] = [],
                        file: StaticString = #filePath, line: UInt = #line) throws -> JinjaValue {
        let function = try XCTUnwrap(JinjaGlobals.value(named: name), "no global \(name)", file: file, line: line)
        return try context.call(function, JinjaArguments(positional, keyword: keyword))
    }

    /// The Python repr, which shows type and content exactly.
    private func assertRepr(_ value: JinjaValue, _ expected: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(value.repr, expected, file: file, line: line)
    }

    private func assertThrows(_ message: String, file: StaticString = #filePath, line: UInt = #line,
                              _ body: () throws -> Any) {
        XCTAssertThrowsError(try body(), file: file, line: line) { error in
            XCTAssertTrue((error as? JinjaError)?.message.contains(message) == true,
                          "\(error) does not mention \(message)", file: file, line: line)
        }
    }

    private var users: JinjaValue {
        list(.dict([("name", s("b")), ("city", s("NY")), ("age", i(30))]),
             .dict([("name", s("a")), ("city", s("CA")), ("age", i(25))]),
             .dict([("name", s("C")), ("city", s("ca")), ("age", i(41))]))
    }

    // MARK: Python ordering and iteration

    func testPythonOrdering() throws {
        XCTAssertTrue(try JinjaPython.pythonLess(i(1), .double(1.5)))
        XCTAssertTrue(try JinjaPython.pythonLess(s("B"), s("a")))
        XCTAssertTrue(try JinjaPython.pythonLess(list(i(1), i(2)), list(i(1), i(2), i(0))))
        XCTAssertFalse(try JinjaPython.pythonLess(list(i(2)), list(i(1), i(9))))
        assertThrows("'<' not supported between instances of 'int' and 'str'") { try JinjaPython.pythonLess(i(1), s("a")) }
        assertRepr(.list(try JinjaPython.iterate(.dict([("x", i(1)), ("y", i(2))]))), "['x', 'y']")
        assertRepr(.list(try JinjaPython.iterate(s("ab"))), "['a', 'b']")
        XCTAssertTrue(try JinjaPython.contains(s("abc"), s("bc")))
        XCTAssertTrue(try JinjaPython.contains(list(i(1), i(2)), .double(2)))
        assertThrows("not iterable") { try JinjaPython.iterate(i(3)) }
    }

    // MARK: Filters

    func testStringFilters() throws {
        assertRepr(try filter("upper", s("abc")), "'ABC'")
        assertRepr(try filter("lower", s("AbC")), "'abc'")
        assertRepr(try filter("capitalize", s("hELLO world")), "'Hello world'")
        assertRepr(try filter("title", s("hello wORLD-foo (bar) it's")), "\"Hello World-Foo (Bar) It's\"")
        assertRepr(try filter("trim", s("  x \n")), "'x'")
        assertRepr(try filter("trim", s("--x--"), [s("-")]), "'x'")
        assertRepr(try filter("replace", s("aaa"), [s("a"), s("b"), i(2)]), "'bba'")
        assertRepr(try filter("center", s("ab"), [i(5)]), "'  ab '")
        assertRepr(try filter("center", s("abc"), [i(6)]), "' abc  '")
        assertRepr(try filter("escape", s("<a href=\"x\">&'</a>")), "'&lt;a href=&#34;x&#34;&gt;&amp;&#39;&lt;/a&gt;'")
        assertRepr(try filter("striptags", s("<p>Hello <b>big</b>\n  world</p> &amp; more")), "'Hello big world & more'")
        assertRepr(try filter("wordcount", s("Hello, big_world 42!")), "3")
        assertRepr(try filter("string", list(i(1), s("a"))), "\"[1, 'a']\"")
        assertRepr(try filter("reverse", s("abc")), "'cba'")
        assertRepr(try filter("urlencode", s("a b/c&d")), "'a%20b/c%26d'")
        assertRepr(try filter("urlencode", .dict([("q", s("a b")), ("n", i(1))])), "'q=a+b&n=1'")
        assertRepr(try filter("xmlattr", .dict([("class", s("x")), ("id", .none), ("title", s("<"))])), "' class=\"x\" title=\"&lt;\"'")
    }

    func testIndent() throws {
        assertRepr(try filter("indent", s("a\nb\n\nc")), "'a\\n    b\\n\\n    c'")
        assertRepr(try filter("indent", s("a\nb\n"), [i(2)], [("first", .bool(true))]), "'  a\\n  b\\n'")
        assertRepr(try filter("indent", s("a\n\nb"), [s("> ")], [("blank", .bool(true))]), "'a\\n> \\n> b'")
    }

    func testTruncateAndWordwrap() throws {
        let text = s("foo bar baz qux")
        assertRepr(try filter("truncate", text, [i(10)]), "'foo bar baz qux'") // within the leeway of 5
        assertRepr(try filter("truncate", text, [i(9)]), "'foo...'")
        assertRepr(try filter("truncate", text, [i(9)], [("leeway", i(0))]), "'foo...'")
        assertRepr(try filter("truncate", text, [i(9), .bool(true)], [("leeway", i(0))]), "'foo ba...'")
        assertRepr(try filter("truncate", text, [i(9), .bool(false), s("!")], [("leeway", i(0))]), "'foo bar!'")
        assertRepr(try filter("wordwrap", s("the quick brown fox"), [i(10)]), "'the quick\\nbrown fox'")
        assertRepr(try filter("wordwrap", s("abcdefghij kl"), [i(4)]), "'abcd\\nefgh\\nij\\nkl'")
    }

    func testDefaultAndUndefined() throws {
        let missing = JinjaValue.undefined("x")
        assertRepr(try filter("default", missing, [s("d")]), "'d'")
        assertRepr(try filter("d", s(""), [s("d")]), "''")
        assertRepr(try filter("d", s(""), [s("d"), .bool(true)]), "'d'")
        assertRepr(try filter("default", .none, [s("d")]), "None")
        assertRepr(try filter("length", missing), "0")
        assertRepr(try filter("join", missing, [s(",")]), "''")
        assertRepr(try filter("list", missing), "[]")
        assertRepr(try filter("upper", missing), "''")
        XCTAssertTrue(try filter("first", list()).isUndefined)
    }

    func testNumberFilters() throws {
        assertRepr(try filter("int", s("42")), "42")
        assertRepr(try filter("int", s("3.9")), "3")
        assertRepr(try filter("int", s("x"), [i(7)]), "7")
        assertRepr(try filter("int", s("0x1A"), [i(0), i(16)]), "26")
        assertRepr(try filter("int", s("ff"), [], [("base", i(16))]), "255")
        assertRepr(try filter("int", .double(-2.7)), "-2")
        assertRepr(try filter("float", s("1.5")), "1.5")
        assertRepr(try filter("float", s("abc")), "0.0")
        assertRepr(try filter("float", i(2)), "2.0")
        assertRepr(try filter("abs", i(-3)), "3")
        assertRepr(try filter("round", .double(2.5)), "2.0")
        assertRepr(try filter("round", .double(3.14159), [i(2)]), "3.14")
        assertRepr(try filter("round", .double(2.1), [i(0), s("ceil")]), "3.0")
        assertRepr(try filter("round", .double(2.9), [], [("method", s("floor"))]), "2.0")
        assertRepr(try filter("round", i(5)), "5")
        assertThrows("method must be common, ceil or floor") { try self.filter("round", i(1), [i(0), s("up")]) }
        assertRepr(try filter("filesizeformat", i(1_500_000)), "'1.5 MB'")
        assertRepr(try filter("filesizeformat", i(2048), [.bool(true)]), "'2.0 KiB'")
        assertRepr(try filter("filesizeformat", i(1)), "'1 Byte'")
    }

    func testSequenceFilters() throws {
        assertRepr(try filter("sort", list(i(3), i(1), i(2))), "[1, 2, 3]")
        assertRepr(try filter("sort", strings("b", "A", "c")), "['A', 'b', 'c']")
        assertRepr(try filter("sort", strings("b", "A", "c"), [], [("case_sensitive", .bool(true))]), "['A', 'b', 'c']")
        assertRepr(try filter("sort", strings("b", "a", "C"), [], [("case_sensitive", .bool(true))]), "['C', 'a', 'b']")
        assertRepr(try filter("sort", list(i(1), i(3), i(2)), [.bool(true)]), "[3, 2, 1]")
        assertThrows("not supported between instances") { try self.filter("sort", list(i(1), s("a"))) }
        assertRepr(try filter("dictsort", .dict([("b", i(1)), ("a", i(2))])), "[('a', 2), ('b', 1)]")
        assertRepr(try filter("dictsort", .dict([("b", i(1)), ("a", i(2))]), [], [("by", s("value")), ("reverse", .bool(true))]),
                   "[('a', 2), ('b', 1)]")
        assertRepr(try filter("items", .dict([("x", i(1))])), "[('x', 1)]")
        assertRepr(try filter("join", list(i(1), s("a"), .none), [s("-")]), "'1-a-None'")
        assertRepr(try filter("first", strings("x", "y")), "'x'")
        assertRepr(try filter("last", strings("x", "y")), "'y'")
        assertRepr(try filter("length", s("héllo")), "5")
        assertRepr(try filter("count", .dict([("a", i(1))])), "1")
        assertRepr(try filter("list", s("ab")), "['a', 'b']")
        assertRepr(try filter("reverse", list(i(1), i(2))), "[2, 1]")
        assertRepr(try filter("unique", strings("a", "A", "b", "a")), "['a', 'b']")
        assertRepr(try filter("unique", strings("a", "A", "b"), [.bool(true)]), "['a', 'A', 'b']")
        assertRepr(try filter("max", list(i(1), i(5), i(3))), "5")
        assertRepr(try filter("min", strings("b", "A", "c")), "'A'")
        assertRepr(try filter("max", strings("b", "A", "C"), [.bool(true)]), "'b'")
        XCTAssertTrue(try filter("max", list()).isUndefined)
        assertRepr(try filter("sum", list(i(1), i(2), .double(0.5))), "3.5")
        assertRepr(try filter("sum", list(i(1), i(2)), [], [("start", i(10))]), "13")
        assertRepr(try filter("batch", list(i(1), i(2), i(3)), [i(2), s("x")]), "[[1, 2], [3, 'x']]")
        assertRepr(try filter("slice", list(i(1), i(2), i(3), i(4), i(5)), [i(3)]), "[[1, 2], [3, 4], [5]]")
        assertRepr(try filter("slice", list(i(1), i(2), i(3), i(4)), [i(3), i(0)]), "[[1, 2], [3, 0], [4, 0]]")
        assertRepr(try filter("pprint", .dict([("a", list(i(1)))])), "\"{'a': [1]}\"")
    }

    func testAttributeFilters() throws {
        assertRepr(try filter("map", users, [], [("attribute", s("name"))]), "['b', 'a', 'C']")
        assertRepr(try filter("map", users, [], [("attribute", s("zip")), ("default", s("?"))]), "['?', '?', '?']")
        assertRepr(try filter("map", strings("a", "b"), [s("upper")]), "['A', 'B']")
        assertRepr(try filter("map", strings("a,b", "c"), [s("replace"), s(","), s(";")]), "['a;b', 'c']")
        assertRepr(try filter("join", users, [s(",")], [("attribute", s("name"))]), "'b,a,C'")
        assertRepr(try filter("sort", users, [], [("attribute", s("name"))]).map("name"), "['a', 'b', 'C']")
        assertRepr(try filter("sort", users, [], [("attribute", s("city,age"))]).map("name"), "['a', 'C', 'b']")
        assertRepr(try filter("sort", users, [.bool(true)], [("attribute", s("age"))]).map("name"), "['C', 'b', 'a']")
        assertRepr(try filter("min", users, [], [("attribute", s("age"))]).field("name"), "'a'")
        assertRepr(try filter("sum", users, [], [("attribute", s("age"))]), "96")
        assertRepr(try filter("selectattr", users, [s("age"), s("gt"), i(28)]).map("name"), "['b', 'C']")
        assertRepr(try filter("rejectattr", users, [s("city"), s("equalto"), s("CA")]).map("name"), "['b', 'C']")
        assertRepr(try filter("select", list(i(1), i(2), i(3), i(4)), [s("odd")]), "[1, 3]")
        assertRepr(try filter("reject", list(i(0), i(1), s(""), s("x"))), "[0, '']")
        assertRepr(try filter("select", list(i(1), i(2), i(6)), [s("divisibleby"), i(3)]), "[6]")
        assertRepr(try filter("select", list(.undefined("u"), i(2))), "[2]")
        let nested = list(.dict([("a", .dict([("b", list(i(7), i(8)))]))]))
        assertRepr(try filter("map", nested, [], [("attribute", s("a.b.1"))]), "[8]")
        XCTAssertEqual(try filter("attr", .dict([("x", i(1))]), [s("keys")]).typeName, "function")
    }

    func testGroupby() throws {
        let groups = try filter("groupby", users, [s("city")])
        let tuples = try JinjaPython.iterate(groups)
        XCTAssertEqual(tuples.count, 2)
        // Case-insensitive by default; the grouper keeps the first item's case.
        assertRepr(try context.attribute("grouper", of: tuples[0]), "'CA'")
        assertRepr(try context.attribute("list", of: tuples[0]).map("name"), "['a', 'C']")
        assertRepr(try context.item(i(0), of: tuples[1]), "'NY'")
        XCTAssertEqual(groups.rendered, "[('CA', [{'name': 'a', 'city': 'CA', 'age': 25}, {'name': 'C', 'city': 'ca', 'age': 41}]), "
                       + "('NY', [{'name': 'b', 'city': 'NY', 'age': 30}])]")
        let sensitive = try filter("groupby", users, [s("city")], [("case_sensitive", .bool(true))])
        XCTAssertEqual(try JinjaPython.iterate(sensitive).map { try context.attribute("grouper", of: $0).rendered }, ["CA", "NY", "ca"])
    }

    func testFormatAndJSON() throws {
        assertRepr(try filter("format", s("%s-%d-%.2f-%5s|%-4s|%03d%%"), [s("a"), .double(3.9), .double(2.375), s("x"), s("y"), i(7)]),
                   "'a-3-2.38-    x|y   |007%'")
        assertRepr(try filter("format", s("%(a)s=%(b)r"), [], [("a", s("k")), ("b", s("v"))]), "\"k='v'\"")
        assertRepr(try filter("format", s("%x %X %o %e"), [i(255), i(255), i(8), .double(12345.678)]), "'ff FF 10 1.234568e+04'")
        assertThrows("not all arguments converted") { try self.filter("format", s("%s"), [i(1), i(2)]) }
        let data = JinjaValue.dict([("b", list(i(1), .double(2.5), .none, .bool(true))), ("a", s("<é'>"))])
        assertRepr(try filter("tojson", data), #"'{"a": "\\u003c\\u00e9\\u0027\\u003e", "b": [1, 2.5, null, true]}'"#)
        XCTAssertEqual(try filter("tojson", .dict([("k", list(i(1)))]), [i(2)]).rendered, "{\n  \"k\": [\n    1\n  ]\n}")
    }

    func testUnknownFilterIsNil() throws {
        XCTAssertNil(try JinjaFilters.apply("as_bool", to: s("x"), JinjaArguments(), context: context))
    }

    // MARK: Tests

    func testTypeTests() throws {
        XCTAssertTrue(try test("defined", i(0)))
        XCTAssertFalse(try test("defined", .undefined("x")))
        XCTAssertTrue(try test("undefined", .undefined("x")))
        XCTAssertTrue(try test("none", .none))
        XCTAssertTrue(try test("boolean", .bool(false)))
        XCTAssertTrue(try test("false", .bool(false)))
        XCTAssertFalse(try test("false", i(0)))
        XCTAssertTrue(try test("true", .bool(true)))
        XCTAssertTrue(try test("integer", i(1)))
        XCTAssertFalse(try test("integer", .bool(true)))
        XCTAssertTrue(try test("number", .bool(true)))
        XCTAssertTrue(try test("float", .double(1)))
        XCTAssertFalse(try test("float", i(1)))
        XCTAssertTrue(try test("string", s("")))
        XCTAssertTrue(try test("mapping", .dict([])))
        XCTAssertFalse(try test("mapping", list()))
        XCTAssertTrue(try test("sequence", s("ab")))
        XCTAssertFalse(try test("sequence", i(1)))
        XCTAssertTrue(try test("iterable", .dict([])))
        XCTAssertFalse(try test("iterable", .none))
        XCTAssertTrue(try test("callable", JinjaGlobals.value(named: "range")!))
        XCTAssertFalse(try test("callable", s("range")))
        XCTAssertTrue(try test("lower", s("abc1")))
        XCTAssertFalse(try test("lower", s("aBc")))
        XCTAssertTrue(try test("upper", s("AB_1")))
        XCTAssertTrue(try test("filter", s("upper")))
        XCTAssertFalse(try test("filter", s("nope")))
        XCTAssertTrue(try test("test", s("divisibleby")))
        XCTAssertNil(try JinjaTests.apply("nope", to: i(1), JinjaArguments(), context: context))
    }

    func testComparisonTests() throws {
        XCTAssertTrue(try test("divisibleby", i(9), [i(3)]))
        XCTAssertFalse(try test("divisibleby", i(10), [i(3)]))
        XCTAssertTrue(try test("even", i(-4)))
        XCTAssertTrue(try test("odd", i(-3)))
        XCTAssertFalse(try test("odd", i(4)))
        XCTAssertTrue(try test("eq", i(1), [.double(1)]))
        XCTAssertTrue(try test("==", s("a"), [s("a")]))
        XCTAssertTrue(try test("ne", s("a"), [s("b")]))
        XCTAssertTrue(try test("gt", i(3), [i(2)]))
        XCTAssertTrue(try test("greaterthan", i(3), [i(2)]))
        XCTAssertFalse(try test("lt", i(3), [i(2)]))
        XCTAssertTrue(try test("<=", i(2), [i(2)]))
        XCTAssertTrue(try test(">=", s("b"), [s("a")]))
        XCTAssertTrue(try test("in", s("b"), [strings("a", "b")]))
        XCTAssertTrue(try test("in", s("el"), [s("hello")]))
        XCTAssertFalse(try test("in", s("z"), [.dict([("a", i(1))])]))
        let shared = list(i(1))
        XCTAssertTrue(try test("sameas", shared, [shared]))
        XCTAssertFalse(try test("sameas", shared, [list(i(1))]))
        XCTAssertTrue(try test("sameas", .none, [.none]))
        assertThrows("not supported between") { try self.test("lt", i(1), [s("a")]) }
    }

    // MARK: str methods

    func testStringSplitting() throws {
        assertRepr(try call(s("a b  c"), "split"), "['a', 'b', 'c']")
        assertRepr(try call(s("  a b  c  "), "split"), "['a', 'b', 'c']")
        assertRepr(try call(s("a,b,,c"), "split", [s(",")]), "['a', 'b', '', 'c']")
        assertRepr(try call(s("a,b,c"), "split", [s(","), i(1)]), "['a', 'b,c']")
        assertRepr(try call(s("a b  c  "), "split", [.none, i(1)]), "['a', 'b  c  ']")
        assertRepr(try call(s("a,b,c"), "rsplit", [s(",")], [("maxsplit", i(1))]), "['a,b', 'c']")
        assertRepr(try call(s("  a b c  "), "rsplit", [.none, i(1)]), "['  a b', 'c']")
        assertRepr(try call(s("a::b::c"), "split", [s("::")]), "['a', 'b', 'c']")
        assertRepr(try call(s(""), "split"), "[]")
        assertRepr(try call(s(""), "split", [s(",")]), "['']")
        assertThrows("empty separator") { try self.call(self.s("a"), "split", [self.s("")]) }
        assertRepr(try call(s("a\nb\r\nc\n"), "splitlines"), "['a', 'b', 'c']")
        assertRepr(try call(s("a\nb"), "splitlines", [.bool(true)]), "['a\\n', 'b']")
        assertRepr(try call(s("k=v=w"), "partition", [s("=")]), "('k', '=', 'v=w')")
        assertRepr(try call(s("k=v=w"), "rpartition", [s("=")]), "('k=v', '=', 'w')")
        assertRepr(try call(s("kv"), "partition", [s("=")]), "('kv', '', '')")
    }

    func testStringMethods() throws {
        assertRepr(try call(s("  x  "), "strip"), "'x'")
        assertRepr(try call(s("xxaxx"), "lstrip", [s("x")]), "'axx'")
        assertRepr(try call(s("xxaxx"), "rstrip", [s("x")]), "'xxa'")
        assertRepr(try call(s("aaa"), "replace", [s("a"), s("b"), i(2)]), "'bba'")
        assertRepr(try call(s("ab"), "replace", [s(""), s("-")]), "'-a-b-'")
        assertRepr(try call(s("model.sql"), "endswith", [.tuple([s(".py"), s(".sql")])]), "True")
        assertRepr(try call(s("model.sql"), "startswith", [s("del"), i(2)]), "True")
        assertRepr(try call(s("abc"), "startswith", [s("a"), i(5)]), "False")
        assertRepr(try call(s("hello"), "find", [s("l")]), "2")
        assertRepr(try call(s("hello"), "rfind", [s("l")]), "3")
        assertRepr(try call(s("hello"), "find", [s("z")]), "-1")
        assertRepr(try call(s("hello"), "find", [s("l"), i(-2)]), "3")
        assertThrows("substring not found") { try self.call(self.s("hello"), "index", [self.s("z")]) }
        assertRepr(try call(s("banana"), "count", [s("an")]), "2")
        assertRepr(try call(s("abc"), "count", [s("")]), "4")
        assertRepr(try call(s(", "), "join", [strings("a", "b")]), "'a, b'")
        assertThrows("sequence item 1: expected str instance, int found") { try self.call(self.s(""), "join", [self.list(self.s("a"), self.i(1))]) }
        assertRepr(try call(s("they're bill's 1st"), "title"), "\"They'Re Bill'S 1St\"")
        assertRepr(try call(s("hELLO"), "capitalize"), "'Hello'")
        assertRepr(try call(s("aBc"), "swapcase"), "'AbC'")
        assertRepr(try call(s("Straße"), "casefold"), "'strasse'")
        assertRepr(try call(s("123"), "isdigit"), "True")
        assertRepr(try call(s(""), "isdigit"), "False")
        assertRepr(try call(s("abc"), "isalpha"), "True")
        assertRepr(try call(s("ab1"), "isalpha"), "False")
        assertRepr(try call(s("ab1"), "isalnum"), "True")
        assertRepr(try call(s(" \t"), "isspace"), "True")
        assertRepr(try call(s("ABC1"), "isupper"), "True")
        assertRepr(try call(s("abc"), "islower"), "True")
        assertRepr(try call(s("_x1"), "isidentifier"), "True")
        assertRepr(try call(s("1x"), "isidentifier"), "False")
        assertRepr(try call(s("42"), "zfill", [i(5)]), "'00042'")
        assertRepr(try call(s("-42"), "zfill", [i(5)]), "'-0042'")
        assertRepr(try call(s("ab"), "center", [i(6), s("*")]), "'**ab**'")
        assertRepr(try call(s("ab"), "ljust", [i(4)]), "'ab  '")
        assertRepr(try call(s("ab"), "rjust", [i(4), s("0")]), "'00ab'")
        assertRepr(try call(s("stg_orders"), "removeprefix", [s("stg_")]), "'orders'")
        assertRepr(try call(s("orders.sql"), "removesuffix", [s(".sql")]), "'orders'")
        assertRepr(try call(s("a\tbc\td"), "expandtabs", [i(4)]), "'a   bc  d'")
        assertRepr(try call(s("x"), "encode"), "'x'")
        XCTAssertNil(JinjaMethods.method("append", of: s("x")))
    }

    func testStringFormat() throws {
        assertRepr(try call(s("{} + {} = {}"), "format", [i(1), i(2), i(3)]), "'1 + 2 = 3'")
        assertRepr(try call(s("{1}{0}{1}"), "format", [s("a"), s("b")]), "'bab'")
        assertRepr(try call(s("{name}: {{x}}"), "format", [], [("name", s("n"))]), "'n: {x}'")
        assertRepr(try call(s("[{:>6}|{:<4}|{:^7}]"), "format", [s("ab"), s("c"), s("mid")]), "'[    ab|c   |  mid  ]'")
        assertRepr(try call(s("{:.2f} {:5d} {:05.1f} {:,} {:.1%}"), "format", [.double(3.14159), i(42), .double(2.25), i(1234567), .double(0.256)]),
                   "'3.14    42 002.2 1,234,567 25.6%'")
        assertRepr(try call(s("{0!r} {x[k]} {0[1]}"), "format", [strings("a", "b")], [("x", .dict([("k", i(9))]))]),
                   "\"['a', 'b'] 9 b\"")
        assertRepr(try call(s("{:x} {:#b} {:+d}"), "format", [i(255), i(5), i(3)]), "'ff 0b101 +3'")
        assertRepr(try call(s("{} {}"), "format", [.double(2.0), .bool(true)]), "'2.0 True'")
        assertThrows("Replacement index 1 out of range") { try self.call(self.s("{} {}"), "format", [self.i(1)]) }
    }

    // MARK: list and dict methods

    func testListMethods() throws {
        let items = JinjaList([i(3), i(1)])
        let value = JinjaValue.list(items)
        assertRepr(try call(value, "append", [i(2)]), "None")
        _ = try call(value, "extend", [.tuple([i(5), i(4)])])
        _ = try call(value, "insert", [i(-1), i(9)])
        assertRepr(value, "[3, 1, 2, 5, 9, 4]")
        assertRepr(try call(value, "pop"), "4")
        assertRepr(try call(value, "pop", [i(0)]), "3")
        _ = try call(value, "remove", [i(9)])
        assertRepr(try call(value, "index", [i(5)]), "2")
        assertRepr(try call(value, "count", [i(1)]), "1")
        _ = try call(value, "sort", [], [("reverse", .bool(true))])
        assertRepr(value, "[5, 2, 1]")
        _ = try call(value, "reverse")
        assertRepr(value, "[1, 2, 5]")
        let copy = try call(value, "copy")
        _ = try call(value, "clear")
        assertRepr(value, "[]")
        assertRepr(copy, "[1, 2, 5]")
        assertThrows("pop from empty list") { try self.call(value, "pop") }
        assertThrows("7 is not in list") { try self.call(copy, "index", [self.i(7)]) }
        assertThrows("list.remove(x): x not in list") { try self.call(copy, "remove", [self.i(7)]) }
        assertRepr(try call(.tuple([i(1), i(1)]), "count", [i(1)]), "2")
        XCTAssertNil(JinjaMethods.method("append", of: .tuple([])))
        // sort(key=) calls the key through the context.
        let words = strings("bb", "a", "ccc")
        _ = try call(words, "sort", [], [("key", .callable(JinjaFunction("len") { args, _ in
            .int(try JinjaPython.length(args.positional[0]))
        }))])
        assertRepr(words, "['a', 'bb', 'ccc']")
    }

    func testMutationIsSharedThroughAliases() throws {
        let items = JinjaList()
        let alias = JinjaValue.list(items)
        let append = try XCTUnwrap(JinjaMethods.method("append", of: alias))
        _ = try context.call(append, JinjaArguments([s("x")]))
        _ = try context.call(append, JinjaArguments([s("y")]))
        XCTAssertEqual(items.items.map(\.rendered), ["x", "y"])

        let config = JinjaDict()
        let other = JinjaValue.dict(config)
        _ = try call(other, "update", [.dict([("a", i(1))])], [("b", i(2))])
        _ = try call(other, "update", [list(.tuple([s("c"), i(3)]))])
        assertRepr(.dict(config), "{'a': 1, 'b': 2, 'c': 3}")
    }

    func testDictMethods() throws {
        let value = JinjaValue.dict([("a", i(1)), ("b", i(2))])
        assertRepr(try call(value, "keys"), "['a', 'b']")
        assertRepr(try call(value, "values"), "[1, 2]")
        assertRepr(try call(value, "items"), "[('a', 1), ('b', 2)]")
        assertRepr(try call(value, "get", [s("a")]), "1")
        assertRepr(try call(value, "get", [s("z")]), "None")
        assertRepr(try call(value, "get", [s("z"), i(0)]), "0")
        assertRepr(try call(value, "setdefault", [s("c"), i(3)]), "3")
        assertRepr(try call(value, "setdefault", [s("a"), i(9)]), "1")
        assertRepr(try call(value, "pop", [s("b")]), "2")
        assertRepr(try call(value, "pop", [s("b"), s("gone")]), "'gone'")
        assertThrows("KeyError: 'b'") { try self.call(value, "pop", [self.s("b")]) }
        assertRepr(try call(value, "popitem"), "('c', 3)")
        let copy = try call(value, "copy")
        _ = try call(value, "clear")
        assertRepr(value, "{}")
        assertRepr(copy, "{'a': 1}")
        assertThrows("dictionary is empty") { try self.call(value, "popitem") }
        assertThrows("unhashable type: 'list'") { try self.call(copy, "get", [self.list()]) }
    }

    // MARK: Globals

    func testRangeAndDict() throws {
        assertRepr(try global("range", [i(3)]), "[0, 1, 2]")
        assertRepr(try global("range", [i(1), i(7), i(2)]), "[1, 3, 5]")
        assertRepr(try global("range", [i(5), i(0), i(-2)]), "[5, 3, 1]")
        assertRepr(try global("range", [i(3), i(1)]), "[]")
        assertThrows("must not be zero") { try self.global("range", [self.i(1), self.i(2), self.i(0)]) }
        assertThrows("Range too big") { try self.global("range", [self.i(1_000_000)]) }
        assertRepr(try global("dict", [], [("a", i(1)), ("b", s("x"))]), "{'a': 1, 'b': 'x'}")
        assertRepr(try global("dict", [list(.tuple([s("k"), i(1)]))], [("z", i(2))]), "{'k': 1, 'z': 2}")
        XCTAssertNil(JinjaGlobals.value(named: "len"))
        XCTAssertNil(JinjaGlobals.value(named: "str"))
    }

    func testNamespaceCyclerJoiner() throws {
        guard case .object(let object) = try global("namespace", [], [("found", .bool(false))]),
              let namespace = object as? any JinjaMutableObject else { return XCTFail("namespace is not a mutable object") }
        assertRepr(try XCTUnwrap(namespace.attribute("found")), "False")
        namespace.setAttribute("found", .bool(true))
        namespace.setAttribute("count", i(2))
        assertRepr(try XCTUnwrap(namespace.attribute("found")), "True")
        XCTAssertEqual(namespace.rendered, "<Namespace {'found': True, 'count': 2}>")
        XCTAssertNil(namespace.attribute("missing"))

        let cycler = try global("cycler", [s("odd"), s("even")])
        let next = try context.attribute("next", of: cycler)
        XCTAssertEqual(try (0..<3).map { _ in try context.call(next, JinjaArguments()).rendered }, ["odd", "even", "odd"])
        assertRepr(try context.attribute("current", of: cycler), "'even'")
        _ = try context.call(try context.attribute("reset", of: cycler), JinjaArguments())
        assertRepr(try context.attribute("current", of: cycler), "'odd'")

        let joiner = try global("joiner", [s(" | ")])
        XCTAssertEqual(try (0..<3).map { _ in try context.call(joiner, JinjaArguments()).rendered }, ["", " | ", " | "])

        let text = try global("lipsum", [i(2)], [("html", .bool(false))]).rendered
        XCTAssertEqual(text.components(separatedBy: "\n\n").count, 2)
        XCTAssertTrue(text.hasPrefix("Lorem ipsum"))
    }
}

private extension JinjaValue {
    /// `[item[key] for item in self]` for list-of-dicts assertions.
    func map(_ key: String) -> JinjaValue {
        guard case .list(let list) = self else { return .undefined(key) }
        return .list(list.items.map { $0.field(key) })
    }

    func field(_ key: String) -> JinjaValue {
        guard case .dict(let dict) = self else { return .undefined(key) }
        return dict[string: key] ?? .undefined(key)
    }
}

final class JinjaPythonConversionTests: XCTestCase {
    func testPythonIntAndFloatParsing() {
        XCTAssertEqual(JinjaPython.parseInt(" -1_000 "), -1000)
        XCTAssertEqual(JinjaPython.parseInt("0b101", base: 0), 5)
        XCTAssertEqual(JinjaPython.parseInt("0o17", base: 8), 15)
        XCTAssertNil(JinjaPython.parseInt("012", base: 0))
        XCTAssertEqual(JinjaPython.parseInt("00", base: 0), 0)
        XCTAssertNil(JinjaPython.parseInt("1__0"))
        XCTAssertNil(JinjaPython.parseInt("1.5"))
        XCTAssertEqual(JinjaPython.parseFloat(" 1e3 "), 1000)
        XCTAssertEqual(JinjaPython.parseFloat("-inf"), -.infinity)
        XCTAssertNil(JinjaPython.parseFloat("0x10"))
        XCTAssertNil(JinjaPython.parseFloat("abc"))
    }
}
