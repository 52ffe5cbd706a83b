import Foundation

/// A host object that iterates, indexes and unpacks like a tuple (groupby's `(grouper, list)`).
public protocol JinjaIterableObject: JinjaObject {
    var elements: [JinjaValue] { get }
}

/// A tuple whose fields also read by name, as Python's namedtuple (`group.grouper`, `group.list`).
final class JinjaNamedTuple: JinjaIterableObject {
    let typeName = "tuple"
    let names: [String]
    let elements: [JinjaValue]

    init(_ fields: [(String, JinjaValue)]) {
        names = fields.map(\.0)
        elements = fields.map(\.1)
    }

    func attribute(_ name: String) -> JinjaValue? {
        names.firstIndex(of: name).map { elements[$0] }
    }

    func item(_ key: JinjaValue) -> JinjaValue? {
        if case .int(let index) = key {
            let position = index < 0 ? index + elements.count : index
            return elements.indices.contains(position) ? elements[position] : nil
        }
        return key.stringValue.flatMap(attribute)
    }

    var rendered: String { JinjaValue.tuple(elements).repr }
    var isTruthy: Bool { !elements.isEmpty }
}

/// Python's semantics the builtins share, and which the evaluator may use for `<`, `in` and `for`.
package enum JinjaPython {
    // MARK: Ordering

    /// Python's ordering (`<`): -1, 0 or 1. Numbers by value, strings by code point, lists and
    /// tuples element-wise; any other pairing throws as Python's TypeError does.
    static func compare(_ a: JinjaValue, _ b: JinjaValue, operator op: String = "<") throws -> Int {
        switch (a, b) {
        case (.int(let x), .int(let y)): return x < y ? -1 : (x > y ? 1 : 0)
        case (.string(let x), .string(let y)):
            if x == y { return 0 }
            return x.unicodeScalars.lexicographicallyPrecedes(y.unicodeScalars) ? -1 : 1
        case (.list(let x), .list(let y)) where x.isTuple == y.isTuple:
            for (p, q) in zip(x.items, y.items) where !p.equals(q) { return try compare(p, q, operator: op) }
            return x.items.count < y.items.count ? -1 : (x.items.count > y.items.count ? 1 : 0)
        default:
            if let x = a.numeric, let y = b.numeric { return x < y ? -1 : (x > y ? 1 : 0) }
            throw JinjaError("TypeError: '\(op)' not supported between instances of '\(a.typeName)' and '\(b.typeName)'")
        }
    }

    /// Python's `a < b`.
    static func pythonLess(_ a: JinjaValue, _ b: JinjaValue) throws -> Bool {
        try compare(a, b) < 0
    }

    /// A stable sort by Python ordering of `key(item)`; `reverse` keeps equal items in order, as Python's does.
    static func sorted(_ items: [JinjaValue], reverse: Bool = false,
                       key: (JinjaValue) throws -> JinjaValue = { $0 }) throws -> [JinjaValue] {
        let keyed = try items.enumerated().map { (offset: $0.offset, key: try key($0.element), item: $0.element) }
        let ordered = try keyed.sorted { left, right in
            let order = try compare(left.key, right.key)
            if order == 0 { return left.offset < right.offset }
            return reverse ? order > 0 : order < 0
        }
        return ordered.map(\.item)
    }

    /// Jinja's `ignore_case`: strings lowercased, anything else unchanged.
    static func ignoringCase(_ value: JinjaValue) -> JinjaValue {
        if case .string(let text) = value { return .string(text.lowercased()) }
        return value
    }

    // MARK: Iteration and containment

    /// Python's `iter(value)` as a list: list and tuple items, dict keys, a string's characters.
    /// Undefined iterates as empty (Jinja's lenient undefined).
    package static func iterate(_ value: JinjaValue) throws -> [JinjaValue] {
        switch value {
        case .undefined: return []
        case .list(let list): return list.items
        case .dict(let dict): return dict.keyValues
        case .string(let text): return text.unicodeScalars.map { .string(String($0)) }
        case .object(let object):
            if let iterable = object as? any JinjaIterableObject { return iterable.elements }
            if object is any JinjaOpaqueObject { return [] }
        default: break
        }
        throw JinjaError("TypeError: '\(value.typeName)' object is not iterable")
    }

    /// Python's `len(value)`; undefined has length 0.
    static func length(_ value: JinjaValue) throws -> Int {
        switch value {
        case .undefined: return 0
        case .string(let text): return text.unicodeScalars.count
        case .list(let list): return list.items.count
        case .dict(let dict): return dict.count
        case .object(let object):
            if let iterable = object as? any JinjaIterableObject { return iterable.elements.count }
        default: break
        }
        throw JinjaError("TypeError: object of type '\(value.typeName)' has no len()")
    }

    /// Python's `item in container`.
    static func contains(_ container: JinjaValue, _ item: JinjaValue) throws -> Bool {
        switch container {
        case .undefined: return false
        case .string(let text):
            guard case .string(let part) = item else {
                throw JinjaError("TypeError: 'in <string>' requires string as left operand, not \(item.typeName)")
            }
            return part.isEmpty || text.unicodeScalars.firstRange(of: part.unicodeScalars) != nil
        case .list(let list): return list.items.contains { $0.equals(item) }
        case .dict(let dict):
            guard JinjaKey(item) != nil else { throw JinjaError("TypeError: unhashable type: '\(item.typeName)'") }
            return dict[item] != nil
        case .object(let object):
            if let iterable = object as? any JinjaIterableObject { return iterable.elements.contains { $0.equals(item) } }
            return object.item(item) != nil
        default: break
        }
        throw JinjaError("TypeError: argument of type '\(container.typeName)' is not iterable")
    }

    /// The key a dict or set would use, or Python's "unhashable type" error.
    static func hashKey(_ value: JinjaValue) throws -> JinjaKey {
        guard let key = JinjaKey(value) else { throw JinjaError("TypeError: unhashable type: '\(value.typeName)'") }
        return key
    }

    // MARK: Attribute paths

    /// Jinja's `make_attrgetter` path: `"a.b.0"` → `["a", "b", 0]` (digit parts index as integers).
    static func attributePath(_ attribute: JinjaValue) -> [JinjaValue] {
        guard case .string(let text) = attribute else { return [attribute] }
        return text.split(separator: ".", omittingEmptySubsequences: false).map { part in
            Int(part).map(JinjaValue.int) ?? .string(String(part))
        }
    }

    /// Follows an attribute path with Jinja's `getitem` (item first, then attribute).
    /// An undefined result becomes `defaultValue` when one is given.
    static func lookup(_ value: JinjaValue, path: [JinjaValue], default defaultValue: JinjaValue? = nil,
                       context: any JinjaCallContext) throws -> JinjaValue {
        var current = value
        for part in path {
            current = try context.item(part, of: current)
            if current.isUndefined { break }
        }
        if current.isUndefined, let defaultValue { return defaultValue }
        return current
    }

    // MARK: Conversions

    /// Python's `float(text)`: surrounding whitespace, underscores between digits, inf and nan.
    static func parseFloat(_ text: String) -> Double? {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty, !trimmed.contains(where: { "xXpP".contains($0) }),
              !trimmed.hasPrefix("_"), !trimmed.hasSuffix("_"), !trimmed.contains("__") else { return nil }
        let lowered = trimmed.lowercased()
        let body = lowered.hasPrefix("+") || lowered.hasPrefix("-") ? String(lowered.dropFirst()) : lowered
        if ["inf", "infinity", "nan"].contains(body) {
            let magnitude = body == "nan" ? Double.nan : Double.infinity
            return lowered.hasPrefix("-") ? -magnitude : magnitude
        }
        guard body.first.map({ $0.isNumber || $0 == "." }) == true else { return nil }
        return Double(trimmed.replacingOccurrences(of: "_", with: ""))
    }

    /// Python's `int(text, base)`: whitespace, sign, underscores, and `0x`/`0o`/`0b` prefixes
    /// (required with base 0, allowed with the matching base).
    static func parseInt(_ text: String, base: Int = 10) -> Int? {
        var body = Substring(text.trimmingCharacters(in: .whitespacesAndNewlines))
        var negative = false
        if let sign = body.first, sign == "+" || sign == "-" {
            negative = sign == "-"
            body = body.dropFirst()
        }
        var radix = base
        let prefixes: [(String, Int)] = [("0x", 16), ("0o", 8), ("0b", 2)]
        if let prefix = prefixes.first(where: { body.lowercased().hasPrefix($0.0) }), base == 0 || base == prefix.1 {
            radix = prefix.1
            body = body.dropFirst(2)
            if body.hasPrefix("_") { body = body.dropFirst() }
        } else if base == 0 {
            radix = 10
            // Python: a base-0 decimal may not have a leading zero unless it is all zeros.
            if body.hasPrefix("0"), !body.allSatisfy({ $0 == "0" || $0 == "_" }) { return nil }
        }
        guard (2...36).contains(radix), !body.isEmpty, !body.hasPrefix("_"), !body.hasSuffix("_"),
              !body.contains("__") else { return nil }
        guard let magnitude = Int(body.replacingOccurrences(of: "_", with: ""), radix: radix) else { return nil }
        return negative ? -magnitude : magnitude
    }

    /// Python's `+` for sum(): numbers (int stays int), lists and tuples concatenate, strings join.
    static func add(_ a: JinjaValue, _ b: JinjaValue) throws -> JinjaValue {
        switch (a, b) {
        case (.int(let x), .int(let y)):
            let (sum, overflow) = x.addingReportingOverflow(y)
            return overflow ? .double(Double(x) + Double(y)) : .int(sum)
        case (.bool, .int), (.int, .bool), (.bool, .bool):
            return try add(.int(Int(a.numeric!)), .int(Int(b.numeric!)))
        case (.string(let x), .string(let y)): return .string(x + y)
        case (.list(let x), .list(let y)) where x.isTuple == y.isTuple:
            return .list(JinjaList(x.items + y.items, isTuple: x.isTuple))
        default:
            if let x = a.numeric, let y = b.numeric { return .double(x + y) }
            throw JinjaError("TypeError: unsupported operand type(s) for +: '\(a.typeName)' and '\(b.typeName)'")
        }
    }

    // MARK: Characters

    /// Python's `str.isspace` for one code point (what `split()` and `strip()` remove).
    static func isSpace(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.isWhitespace || (0x1C...0x1F).contains(scalar.value)
    }

    /// Python's `\w`: letters, digits, numerics and the underscore.
    static func isWordCharacter(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "_" || scalar.properties.isAlphabetic || scalar.properties.numericType != nil
    }

    /// MarkupSafe's escape: `& < > " '` as HTML entities.
    static func htmlEscape(_ text: String) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&#34;"
            case "'": result += "&#39;"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    // MARK: JSON

    /// Python's `json.dumps(value, sort_keys:, indent:)` with its default separators and
    /// `ensure_ascii`.
    package static func json(_ value: JinjaValue, sortKeys: Bool, indent: String?, level: Int = 0) throws -> String {
        func scalarJSON(_ value: JinjaValue) -> String? {
            switch value {
            case .none: "null"
            case .bool(let flag): flag ? "true" : "false"
            case .int(let number): String(number)
            case .double(let number):
                number.isNaN ? "NaN" : number.isInfinite ? (number < 0 ? "-Infinity" : "Infinity") : JinjaValue.pythonFloat(number)
            case .string(let text): jsonString(text)
            default: nil
            }
        }
        if let scalar = scalarJSON(value) { return scalar }
        let inner = indent.map { "\n" + String(repeating: $0, count: level + 1) }
        let outer = indent.map { "\n" + String(repeating: $0, count: level) } ?? ""
        let separator = indent == nil ? ", " : ","
        switch value {
        case .list(let list):
            if list.items.isEmpty { return "[]" }
            let parts = try list.items.map { (inner ?? "") + (try json($0, sortKeys: sortKeys, indent: indent, level: level + 1)) }
            return "[" + parts.joined(separator: separator) + outer + "]"
        case .dict(let dict):
            if dict.count == 0 { return "{}" }
            var pairs = dict.pairs
            if sortKeys {
                let keys = try sorted(pairs.map(\.key))
                pairs = keys.map { key in (key: key, value: dict[key]!) }
            }
            let parts = try pairs.map { pair -> String in
                let key: String
                switch pair.key {
                case .string(let text): key = jsonString(text)
                case .none, .bool, .int, .double: key = jsonString(scalarJSON(pair.key)!)
                default: throw JinjaError("TypeError: keys must be str, int, float, bool or None, not \(pair.key.typeName)")
                }
                return (inner ?? "") + key + ": " + (try json(pair.value, sortKeys: sortKeys, indent: indent, level: level + 1))
            }
            return "{" + parts.joined(separator: separator) + outer + "}"
        default:
            throw JinjaError("TypeError: Object of type \(value.typeName) is not JSON serializable")
        }
    }

    private static func jsonString(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case "\u{08}": result += "\\b"
            case "\u{0C}": result += "\\f"
            default:
                if scalar.value < 0x20 || scalar.value > 0x7E {
                    for unit in String(scalar).utf16 { result += String(format: "\\u%04x", unit) }
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result + "\""
    }
}
