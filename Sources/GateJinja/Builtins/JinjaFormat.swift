import Foundation

/// Python's string formatting: `format % args` (the `format` filter) and `str.format`.
enum JinjaFormat {
    // MARK: printf-style

    /// Python's `format % arguments`: `arguments` is a tuple of positional values or, for
    /// `%(name)s` fields, a dict.
    static func percent(_ format: String, _ arguments: JinjaValue) throws -> String {
        let scalars = Array(format.unicodeScalars)
        let positional: [JinjaValue]
        if case .list(let list) = arguments, list.isTuple { positional = list.items } else { positional = [arguments] }
        var next = 0
        var usedMapping = false
        var result = ""
        var index = 0

        func take() throws -> JinjaValue {
            guard next < positional.count else { throw JinjaError("TypeError: not enough arguments for format string") }
            defer { next += 1 }
            return positional[next]
        }
        func number() -> Int? {
            var digits = ""
            while index < scalars.count, ("0"..."9").contains(scalars[index]) {
                digits.unicodeScalars.append(scalars[index])
                index += 1
            }
            return Int(digits)
        }

        while index < scalars.count {
            let scalar = scalars[index]
            index += 1
            guard scalar == "%" else {
                result.unicodeScalars.append(scalar)
                continue
            }
            guard index < scalars.count else { throw JinjaError("ValueError: incomplete format") }
            var mapped: JinjaValue?
            if scalars[index] == "(" {
                guard case .dict(let dict) = arguments else { throw JinjaError("TypeError: format requires a mapping") }
                var depth = 1
                var key = ""
                index += 1
                while index < scalars.count {
                    if scalars[index] == "(" { depth += 1 } else if scalars[index] == ")" { depth -= 1 }
                    if depth == 0 { break }
                    key.unicodeScalars.append(scalars[index])
                    index += 1
                }
                guard index < scalars.count else { throw JinjaError("ValueError: incomplete format key") }
                index += 1
                guard let value = dict[.string(key)] else { throw JinjaError("KeyError: \(JinjaValue.pythonQuoted(key))") }
                mapped = value
                usedMapping = true
            }
            var spec = Spec()
            while index < scalars.count, "-+ #0".unicodeScalars.contains(scalars[index]) {
                switch scalars[index] {
                case "-": spec.align = "<"
                case "+": spec.sign = "+"
                case " ": if spec.sign != "+" { spec.sign = " " }
                case "#": spec.alternate = true
                default: spec.zero = true
                }
                index += 1
            }
            if index < scalars.count, scalars[index] == "*" {
                index += 1
                let width = try take()
                guard case .int(let value) = width else { throw JinjaError("TypeError: * wants int") }
                if value < 0 { spec.align = "<" }
                spec.width = abs(value)
            } else {
                spec.width = number()
            }
            if index < scalars.count, scalars[index] == "." {
                index += 1
                if index < scalars.count, scalars[index] == "*" {
                    index += 1
                    guard case .int(let value) = try take() else { throw JinjaError("TypeError: * wants int") }
                    spec.precision = max(0, value)
                } else {
                    spec.precision = number() ?? 0
                }
            }
            while index < scalars.count, "hlL".unicodeScalars.contains(scalars[index]) { index += 1 }
            guard index < scalars.count else { throw JinjaError("ValueError: incomplete format") }
            let conversion = scalars[index]
            index += 1
            if conversion == "%" {
                result += "%"
                continue
            }
            if spec.align == "<" { spec.zero = false }
            if spec.zero { spec.fill = "0"; spec.align = "=" }
            let value = try mapped ?? take()
            switch conversion {
            case "s", "r", "a":
                let text = conversion == "s" ? value.rendered : value.repr
                spec.zero = false
                spec.fill = " "
                if spec.align == "=" { spec.align = ">" }
                result += pad(String(text.unicodeScalars.prefix(spec.precision ?? Int.max)), spec, defaultAlign: ">")
            case "d", "i", "u", "x", "X", "o", "c":
                guard let number = value.numeric else {
                    if conversion == "c", let text = value.stringValue, text.unicodeScalars.count == 1 {
                        result += pad(text, spec, defaultAlign: ">")
                        continue
                    }
                    throw JinjaError("TypeError: %\(conversion) format: a real number is required, not \(value.typeName)")
                }
                if conversion == "c" {
                    guard let character = Unicode.Scalar(UInt32(max(0, number))) else { throw JinjaError("OverflowError: %c arg not in range") }
                    result += pad(String(character), spec, defaultAlign: ">")
                    continue
                }
                guard number.isFinite else { throw JinjaError("OverflowError: cannot convert float infinity to integer") }
                let integer = intValue(value) ?? Int(number)
                let radix = conversion == "x" || conversion == "X" ? 16 : conversion == "o" ? 8 : 10
                var digits = String(integer.magnitude, radix: radix, uppercase: conversion == "X")
                if let precision = spec.precision, digits.count < precision {
                    digits = String(repeating: "0", count: precision - digits.count) + digits
                }
                let prefix = spec.alternate && radix != 10 ? (radix == 16 ? "0\(conversion)" : "0o") : ""
                result += pad(digits, spec, negative: integer < 0, prefix: prefix, defaultAlign: ">")
            case "f", "F", "e", "E", "g", "G":
                guard let number = value.numeric else {
                    throw JinjaError("TypeError: must be real number, not \(value.typeName)")
                }
                result += pad(floatBody(number, type: conversion, precision: spec.precision ?? 6, alternate: spec.alternate),
                              spec, negative: number.sign == .minus && !number.isNaN, defaultAlign: ">")
            default:
                throw JinjaError("ValueError: unsupported format character '\(conversion)' (0x\(String(conversion.value, radix: 16)))")
            }
        }
        if !usedMapping, next < positional.count, !(positional.count == 1 && positional[0].isDictLike) {
            throw JinjaError("TypeError: not all arguments converted during string formatting")
        }
        return result
    }

    // MARK: str.format

    /// Python's `str.format(*positional, **keyword)`: `{}`, `{0}`, `{name}`, `{0.attr}`,
    /// `{0[key]}`, `!r`/`!s` and format specs (`{:>10}`, `{:.2f}`, `{:,}`).
    static func format(_ format: String, _ arguments: JinjaArguments, context: any JinjaCallContext) throws -> String {
        let scalars = Array(format.unicodeScalars)
        var result = ""
        var index = 0
        var automatic = 0
        while index < scalars.count {
            let scalar = scalars[index]
            index += 1
            if scalar == "}" {
                guard index < scalars.count, scalars[index] == "}" else {
                    throw JinjaError("ValueError: Single '}' encountered in format string")
                }
                index += 1
                result += "}"
                continue
            }
            guard scalar == "{" else {
                result.unicodeScalars.append(scalar)
                continue
            }
            if index < scalars.count, scalars[index] == "{" {
                index += 1
                result += "{"
                continue
            }
            var field = ""
            var depth = 1
            while index < scalars.count {
                if scalars[index] == "{" { depth += 1 } else if scalars[index] == "}" { depth -= 1 }
                if depth == 0 { break }
                field.unicodeScalars.append(scalars[index])
                index += 1
            }
            guard index < scalars.count else { throw JinjaError("ValueError: expected '}' before end of string") }
            index += 1
            result += try replacementField(field, arguments, automatic: &automatic, context: context)
        }
        return result
    }

    private static func replacementField(_ field: String, _ arguments: JinjaArguments, automatic: inout Int,
                                         context: any JinjaCallContext) throws -> String {
        var name = field
        var specText = ""
        if let colon = field.firstIndex(of: ":") {
            name = String(field[..<colon])
            specText = String(field[field.index(after: colon)...])
        }
        var conversion: Character?
        if let bang = name.firstIndex(of: "!") {
            conversion = name[name.index(after: bang)...].first
            name = String(name[..<bang])
        }
        // The first part names the argument; `.attr` and `[key]` follow.
        let headEnd = name.firstIndex { $0 == "." || $0 == "[" } ?? name.endIndex
        let head = String(name[..<headEnd])
        var value: JinjaValue
        if head.isEmpty {
            guard automatic < arguments.positional.count else {
                throw JinjaError("IndexError: Replacement index \(automatic) out of range for positional args tuple")
            }
            value = arguments.positional[automatic]
            automatic += 1
        } else if let position = Int(head) {
            guard position < arguments.positional.count else {
                throw JinjaError("IndexError: Replacement index \(position) out of range for positional args tuple")
            }
            value = arguments.positional[position]
        } else {
            guard let named = arguments.named(head) else { throw JinjaError("KeyError: \(JinjaValue.pythonQuoted(head))") }
            value = named
        }
        var rest = name[headEnd...]
        while let first = rest.first {
            rest = rest.dropFirst()
            let end = rest.firstIndex { first == "[" ? $0 == "]" : ($0 == "." || $0 == "[") } ?? rest.endIndex
            let part = String(rest[..<end])
            rest = first == "[" && end < rest.endIndex ? rest[rest.index(after: end)...] : rest[end...]
            value = first == "."
                ? try context.attribute(part, of: value)
                : try context.item(Int(part).map(JinjaValue.int) ?? .string(part), of: value)
        }
        switch conversion {
        case "r", "a": value = .string(value.repr)
        case "s": value = .string(value.rendered)
        default: break
        }
        // A spec may itself hold fields: `{:{width}}`.
        if specText.contains("{") { specText = try format(specText, arguments, context: context) }
        return try formatValue(value, spec: specText)
    }

    /// Python's `format(value, spec)` for strings, numbers and (with an empty spec) anything.
    static func formatValue(_ value: JinjaValue, spec specText: String) throws -> String {
        var spec = try parseSpec(specText)
        switch value {
        case .bool, .int, .double:
            let type = spec.type
            if case .bool(let flag) = value, specText.isEmpty { return flag ? "True" : "False" }
            let isInteger = if case .double = value { false } else { true }
            if isInteger, type == nil || "bcdoxXn".unicodeScalars.contains(type!) {
                let integer = intValue(value) ?? 0
                if type == "c" {
                    return pad(Unicode.Scalar(UInt32(max(0, integer))).map(String.init) ?? "", spec, defaultAlign: ">")
                }
                let radix = type == "b" ? 2 : type == "o" ? 8 : (type == "x" || type == "X") ? 16 : 10
                var digits = String(integer.magnitude, radix: radix, uppercase: type == "X")
                if radix == 10 { digits = group(digits, spec.grouping) }
                let prefix = spec.alternate && radix != 10 ? "0" + String(type!) : ""
                return pad(digits, spec, negative: integer < 0, prefix: prefix, defaultAlign: ">")
            }
            guard let number = value.numeric else { return value.rendered }
            var body: String
            switch type {
            case nil:
                if let precision = spec.precision {
                    // Python's general format without a type keeps a fractional digit: `2.0`, not `2`.
                    body = floatBody(number, type: "g", precision: max(precision, 1), alternate: false)
                    if !body.contains(where: { "e.n".contains($0) }) { body += ".0" }
                } else {
                    body = JinjaValue.pythonFloat(abs(number))
                }
            case "%":
                body = floatBody(number * 100, type: "f", precision: spec.precision ?? 6, alternate: spec.alternate) + "%"
            case let type? where "eEfFgG".unicodeScalars.contains(type):
                body = floatBody(number, type: type, precision: spec.precision ?? 6, alternate: spec.alternate)
            case let type?:
                throw JinjaError("ValueError: Unknown format code '\(type)' for object of type '\(value.typeName)'")
            }
            if spec.grouping != nil, number.isFinite {
                let integerEnd = body.firstIndex { !$0.isNumber } ?? body.endIndex
                body = group(String(body[..<integerEnd]), spec.grouping) + body[integerEnd...]
            }
            return pad(body, spec, negative: number.sign == .minus && !number.isNaN, defaultAlign: ">")
        default:
            if let type = spec.type, type != "s" {
                throw JinjaError("ValueError: Unknown format code '\(type)' for object of type '\(value.typeName)'")
            }
            if spec.sign != nil { throw JinjaError("ValueError: Sign not allowed in string format specifier") }
            if spec.align == "=" { throw JinjaError("ValueError: '=' alignment not allowed in string format specifier") }
            if spec.zero, spec.align == nil { spec.align = "<" }
            var text = value.rendered
            if let precision = spec.precision { text = String(text.unicodeScalars.prefix(precision)) }
            return pad(text, spec, defaultAlign: "<")
        }
    }

    // MARK: Specs and padding

    struct Spec {
        var fill: Unicode.Scalar = " "
        var align: Unicode.Scalar?
        var sign: Unicode.Scalar?
        var alternate = false
        var zero = false
        var width: Int?
        var grouping: Unicode.Scalar?
        var precision: Int?
        var type: Unicode.Scalar?
    }

    /// `[[fill]align][sign][#][0][width][,|_][.precision][type]`.
    private static func parseSpec(_ text: String) throws -> Spec {
        var spec = Spec()
        let scalars = Array(text.unicodeScalars)
        var index = 0
        let aligns = "<>=^".unicodeScalars
        if scalars.count >= 2, aligns.contains(scalars[1]) {
            spec.fill = scalars[0]
            spec.align = scalars[1]
            index = 2
        } else if let first = scalars.first, aligns.contains(first) {
            spec.align = first
            index = 1
        }
        if index < scalars.count, "+- ".unicodeScalars.contains(scalars[index]) {
            spec.sign = scalars[index]
            index += 1
        }
        if index < scalars.count, scalars[index] == "#" { spec.alternate = true; index += 1 }
        if index < scalars.count, scalars[index] == "0" {
            spec.zero = true
            if spec.align == nil { spec.fill = "0"; spec.align = "=" }
            index += 1
        }
        var digits = ""
        while index < scalars.count, ("0"..."9").contains(scalars[index]) { digits.unicodeScalars.append(scalars[index]); index += 1 }
        spec.width = Int(digits)
        if index < scalars.count, scalars[index] == "," || scalars[index] == "_" { spec.grouping = scalars[index]; index += 1 }
        if index < scalars.count, scalars[index] == "." {
            index += 1
            digits = ""
            while index < scalars.count, ("0"..."9").contains(scalars[index]) { digits.unicodeScalars.append(scalars[index]); index += 1 }
            guard let precision = Int(digits) else { throw JinjaError("ValueError: Format specifier missing precision") }
            spec.precision = precision
        }
        if index < scalars.count { spec.type = scalars[index]; index += 1 }
        guard index == scalars.count else { throw JinjaError("ValueError: Invalid format specifier '\(text)'") }
        return spec
    }

    /// Sign, prefix and body padded to the spec's width with its fill and alignment.
    private static func pad(_ body: String, _ spec: Spec, negative: Bool = false, prefix: String = "",
                            defaultAlign: Unicode.Scalar) -> String {
        let sign = negative ? "-" : spec.sign == "+" ? "+" : spec.sign == " " ? " " : ""
        let content = sign + prefix + body
        let missing = (spec.width ?? 0) - content.unicodeScalars.count
        guard missing > 0 else { return content }
        let fill = String(spec.fill)
        switch spec.align ?? defaultAlign {
        case "<": return content + String(repeating: fill, count: missing)
        case "^":
            let left = missing / 2
            return String(repeating: fill, count: left) + content + String(repeating: fill, count: missing - left)
        case "=": return sign + prefix + String(repeating: fill, count: missing) + body
        default: return String(repeating: fill, count: missing) + content
        }
    }

    /// The digits of |number| in C's `%f`/`%e`/`%g` (which Python's float formatting matches).
    private static func floatBody(_ number: Double, type: Unicode.Scalar, precision: Int, alternate: Bool) -> String {
        let upper = "EFG".unicodeScalars.contains(type)
        if number.isNaN { return upper ? "NAN" : "nan" }
        if number.isInfinite { return upper ? "INF" : "inf" }
        return String(format: "%\(alternate ? "#" : "").\(precision)\(type)", abs(number))
    }

    private static func group(_ digits: String, _ separator: Unicode.Scalar?) -> String {
        guard let separator else { return digits }
        var result = ""
        for (offset, character) in digits.enumerated() {
            if offset > 0, (digits.count - offset) % 3 == 0 { result.unicodeScalars.append(separator) }
            result.append(character)
        }
        return result
    }

    private static func intValue(_ value: JinjaValue) -> Int? {
        switch value {
        case .int(let number): number
        case .bool(let flag): flag ? 1 : 0
        case .double(let number) where number.isFinite && abs(number) < 9.2e18: Int(number)
        default: nil
        }
    }
}

private extension JinjaValue {
    /// Python lets `'text' % mapping` pass without consuming the mapping.
    var isDictLike: Bool { if case .dict = self { true } else { false } }
}
