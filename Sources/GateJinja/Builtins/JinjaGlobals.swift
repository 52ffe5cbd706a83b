import Foundation

/// Jinja2's default global functions: `range`, `dict`, `namespace`, `cycler`, `joiner`, `lipsum`.
///
/// Python's own builtins (`len`, `str`, …) are not Jinja globals and stay undefined.
enum JinjaGlobals {
    /// Jinja's sandbox-free `range` still refuses ranges longer than this (MAX_RANGE).
    static let maxRange = 100_000

    /// The global `name`, or nil when Jinja2 defines no such global.
    static func value(named name: String) -> JinjaValue? {
        let body: ((JinjaArguments, any JinjaCallContext) throws -> JinjaValue)?
        switch name {
        case "range": body = { arguments, _ in try range(arguments) }
        case "dict":
            body = { arguments, _ in
                let dict = JinjaDict()
                if arguments.positional.count > 1 {
                    throw JinjaError("TypeError: dict expected at most 1 argument, got \(arguments.positional.count)")
                }
                if let source = arguments.positional.first { try JinjaMethods.merge(source, into: dict) }
                for (key, value) in arguments.keyword { dict[string: key] = value }
                return .dict(dict)
            }
        case "namespace":
            body = { arguments, _ in
                let namespace = JinjaNamespace()
                if let source = arguments.positional.first { try JinjaMethods.merge(source, into: namespace.attributes) }
                for (key, value) in arguments.keyword { namespace.attributes[string: key] = value }
                return .object(namespace)
            }
        case "cycler":
            body = { arguments, _ in
                guard !arguments.positional.isEmpty else { throw JinjaError("RuntimeError: at least one item has to be provided") }
                return .object(JinjaCycler(arguments.positional))
            }
        case "joiner":
            body = { arguments, _ in
                let separator = arguments.argument(0, "sep")?.rendered ?? ", "
                var used = false
                return .callable(JinjaFunction("joiner") { _, _ in
                    defer { used = true }
                    return .string(used ? separator : "")
                })
            }
        case "lipsum": body = { arguments, _ in try lipsum(arguments) }
        default: body = nil
        }
        return body.map { .callable(JinjaFunction(name, $0)) }
    }

    /// Python's `range(stop)`, `range(start, stop[, step])` as a list.
    private static func range(_ arguments: JinjaArguments) throws -> JinjaValue {
        let bounds = try arguments.positional.map { value -> Int in
            switch value {
            case .int(let number): return number
            case .bool(let flag): return flag ? 1 : 0
            default: throw JinjaError("TypeError: '\(value.typeName)' object cannot be interpreted as an integer")
            }
        }
        let (start, stop, step): (Int, Int, Int)
        switch bounds.count {
        case 1: (start, stop, step) = (0, bounds[0], 1)
        case 2: (start, stop, step) = (bounds[0], bounds[1], 1)
        case 3: (start, stop, step) = (bounds[0], bounds[1], bounds[2])
        default: throw JinjaError("TypeError: range expected 1 to 3 arguments, got \(bounds.count)")
        }
        guard step != 0 else { throw JinjaError("ValueError: range() arg 3 must not be zero") }
        let count = step > 0 ? (stop > start ? (stop - start + step - 1) / step : 0)
                             : (start > stop ? (start - stop - step - 1) / -step : 0)
        guard count <= maxRange else {
            throw JinjaError("OverflowError: Range too big. The sandbox blocks ranges larger than MAX_RANGE (\(maxRange)).")
        }
        return .list((0..<count).map { .int(start + $0 * step) })
    }

    /// Lorem ipsum: `n` paragraphs (default 5) of `min`…`max` words, in `<p>` unless `html=False`.
    /// Deterministic, unlike Jinja's random text.
    private static func lipsum(_ arguments: JinjaArguments) throws -> JinjaValue {
        let words = """
            lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et \
            dolore magna aliqua enim ad minim veniam quis nostrud exercitation ullamco laboris nisi aliquip ex ea \
            commodo consequat duis aute irure in reprehenderit voluptate velit esse cillum fugiat nulla pariatur
            """.split(separator: " ").map(String.init)
        func int(_ index: Int, _ name: String, _ fallback: Int) -> Int {
            if case .int(let number)? = arguments.argument(index, name) { return number }
            return fallback
        }
        let paragraphs = int(0, "n", 5)
        let html = arguments.argument(1, "html")?.isTruthy ?? true
        let minimum = max(1, int(2, "min", 20))
        let maximum = max(minimum, int(3, "max", 100))
        let length = (minimum + maximum) / 2
        let texts = (0..<max(0, paragraphs)).map { paragraph -> String in
            var text = (0..<length).map { words[($0 + paragraph * 7) % words.count] }.joined(separator: " ")
            text = JinjaStrings.capitalize(text) + "."
            return html ? "<p>\(text)</p>" : text
        }
        return .string(texts.joined(separator: html ? "\n" : "\n\n"))
    }
}

/// Jinja's `namespace(...)`: attributes a template reads and sets (`{% set ns.found = true %}`).
final class JinjaNamespace: JinjaMutableObject {
    let typeName = "Namespace"
    let attributes = JinjaDict()

    func attribute(_ name: String) -> JinjaValue? { attributes[string: name] }
    func item(_ key: JinjaValue) -> JinjaValue? { attributes[key] }
    func setAttribute(_ name: String, _ value: JinjaValue) { attributes[string: name] = value }
    var rendered: String { "<Namespace \(JinjaValue.dict(attributes).repr)>" }
}

/// Jinja's `cycler(items…)`: `next()` returns the current item and advances, `current` reads it,
/// `reset()` goes back to the first.
final class JinjaCycler: JinjaObject {
    let typeName = "Cycler"
    let items: [JinjaValue]
    private var position = 0

    init(_ items: [JinjaValue]) { self.items = items }

    func attribute(_ name: String) -> JinjaValue? {
        switch name {
        case "items": return .list(items)
        case "current": return items[position]
        case "next":
            return .callable(JinjaFunction("Cycler.next") { [self] _, _ in
                defer { position = (position + 1) % items.count }
                return items[position]
            })
        case "reset":
            return .callable(JinjaFunction("Cycler.reset") { [self] _, _ in
                position = 0
                return .none
            })
        default: return nil
        }
    }
}
