import Foundation

/// Python's methods on the builtin types as templates call them (`'a,b'.split(',')`,
/// `items.append(x)`, `d.items()`).
///
/// Methods that mutate (`append`, `update`, …) change the shared `JinjaList`/`JinjaDict` in place
/// and return `.none`, as Python's do. `keys()`, `values()` and `items()` return lists (items as
/// 2-tuples) rather than views.
enum JinjaMethods {
    /// The bound method `name` of `value` (a `.callable`), or nil when its type has no such method.
    static func method(_ name: String, of value: JinjaValue) -> JinjaValue? {
        let body: ((MethodArguments) throws -> JinjaValue)?
        switch value {
        case .string(let text): body = stringMethod(name, text)
        case .list(let list): body = list.isTuple ? tupleMethod(name, list) : listMethod(name, list)
        case .dict(let dict): body = dictMethod(name, dict)
        default: body = nil
        }
        guard let body else { return nil }
        let qualified = "\(value.typeName).\(name)"
        return .callable(JinjaFunction(qualified) { arguments, context in
            try body(MethodArguments(method: qualified, arguments: arguments, context: context))
        })
    }

    // MARK: str

    private static func stringMethod(_ name: String, _ text: String) -> ((MethodArguments) throws -> JinjaValue)? {
        let scalars = Array(text.unicodeScalars)
        func predicate(_ test: @escaping ([Unicode.Scalar]) -> Bool) -> (MethodArguments) throws -> JinjaValue {
            { _ in .bool(test(scalars)) }
        }
        func each(_ test: @escaping (Unicode.Scalar) -> Bool) -> (MethodArguments) throws -> JinjaValue {
            predicate { !$0.isEmpty && $0.allSatisfy(test) }
        }
        switch name {
        case "lower": return { _ in .string(text.lowercased()) }
        case "upper": return { _ in .string(text.uppercased()) }
        case "casefold": return { _ in .string(text.folding(options: .caseInsensitive, locale: nil)) }
        case "strip", "lstrip", "rstrip":
            return { args in
                let chars = try args.optionalString(0, "chars")
                return .string(JinjaStrings.strip(text, chars, leading: name != "rstrip", trailing: name != "lstrip"))
            }
        case "split", "rsplit":
            return { args in
                let separator = try args.optionalString(0, "sep")
                if separator == "" { throw JinjaError("ValueError: empty separator") }
                let pieces = JinjaStrings.split(text, separator: separator, maxSplit: try args.int(1, "maxsplit", default: -1),
                                                fromRight: name == "rsplit")
                return .list(pieces.map(JinjaValue.string))
            }
        case "splitlines":
            return { args in
                .list(JinjaStrings.splitLines(text, keepEnds: args.value(0, "keepends")?.isTruthy ?? false).map(JinjaValue.string))
            }
        case "replace":
            return { args in
                .string(try JinjaStrings.replace(text, try args.string(0, "old"), try args.string(1, "new"),
                                                 count: try args.int(2, "count", default: -1)))
            }
        case "startswith", "endswith":
            return { args in
                let candidates: [JinjaValue]
                switch try args.required(0, "prefix") {
                case .list(let tuple) where tuple.isTuple: candidates = tuple.items
                case let single: candidates = [single]
                }
                guard let window = try args.window(scalars, start: 1, end: 2) else { return .bool(false) }
                for candidate in candidates {
                    guard case .string(let affix) = candidate else {
                        throw JinjaError("TypeError: \(name) first arg must be str or a tuple of str, not \(candidate.typeName)")
                    }
                    let affixScalars = Array(affix.unicodeScalars)
                    let matches = name == "startswith" ? window.starts(with: affixScalars) : window.reversed().starts(with: affixScalars.reversed())
                    if matches { return .bool(true) }
                }
                return .bool(false)
            }
        case "find", "rfind", "index", "rindex":
            return { args in
                let needle = Array(try args.string(0, "sub").unicodeScalars)
                let start = args.sliceIndex(1, "start", count: scalars.count) ?? 0
                let end = args.sliceIndex(2, "end", count: scalars.count) ?? scalars.count
                let found = JinjaStrings.find(needle, in: scalars, start: start, end: end, fromRight: name.hasPrefix("r"))
                if found < 0, name.hasSuffix("index") { throw JinjaError("ValueError: substring not found") }
                return .int(found)
            }
        case "count":
            return { args in
                let needle = Array(try args.string(0, "sub").unicodeScalars)
                let start = args.sliceIndex(1, "start", count: scalars.count) ?? 0
                let end = args.sliceIndex(2, "end", count: scalars.count) ?? scalars.count
                guard start <= end else { return .int(0) }
                if needle.isEmpty { return .int(end - start + 1) }
                var count = 0
                var index = start
                while index + needle.count <= end {
                    if scalars[index..<index + needle.count].elementsEqual(needle) {
                        count += 1
                        index += needle.count
                    } else {
                        index += 1
                    }
                }
                return .int(count)
            }
        case "join":
            return { args in
                let items = try JinjaPython.iterate(try args.required(0, "iterable"))
                let parts = try items.enumerated().map { offset, item in
                    guard case .string(let part) = item else {
                        throw JinjaError("TypeError: sequence item \(offset): expected str instance, \(item.typeName) found")
                    }
                    return part
                }
                return .string(parts.joined(separator: text))
            }
        case "format":
            return { args in .string(try JinjaFormat.format(text, args.arguments, context: args.context)) }
        case "title": return { _ in .string(JinjaStrings.title(text)) }
        case "capitalize": return { _ in .string(JinjaStrings.capitalize(text)) }
        case "swapcase":
            return { _ in
                .string(scalars.map { scalar in
                    scalar.properties.isUppercase ? String(scalar).lowercased()
                        : scalar.properties.isLowercase ? String(scalar).uppercased() : String(scalar)
                }.joined())
            }
        case "isdigit": return each { $0.properties.numericType == .decimal || $0.properties.numericType == .digit }
        case "isdecimal": return each { $0.properties.numericType == .decimal }
        case "isnumeric": return each { $0.properties.numericType != nil }
        case "isalpha": return each(JinjaStrings.isLetter)
        case "isalnum": return each { JinjaStrings.isLetter($0) || $0.properties.numericType != nil }
        case "isspace": return each(JinjaPython.isSpace)
        case "isascii": return predicate { $0.allSatisfy(\.isASCII) }
        case "islower":
            return predicate { scalars in
                scalars.contains { $0.properties.isLowercase }
                    && !scalars.contains { $0.properties.isUppercase || $0.properties.generalCategory == .titlecaseLetter }
            }
        case "isupper":
            return predicate { scalars in
                scalars.contains { $0.properties.isUppercase }
                    && !scalars.contains { $0.properties.isLowercase || $0.properties.generalCategory == .titlecaseLetter }
            }
        case "isidentifier":
            return predicate { scalars in
                guard let first = scalars.first, first == "_" || first.properties.isXIDStart else { return false }
                return scalars.dropFirst().allSatisfy(\.properties.isXIDContinue)
            }
        case "zfill":
            return { args in
                let width = try args.int(0, "width", default: nil)
                let missing = width - scalars.count
                guard missing > 0 else { return .string(text) }
                let zeros = String(repeating: "0", count: missing)
                if let sign = scalars.first, sign == "+" || sign == "-" {
                    return .string(String(sign) + zeros + String(String.UnicodeScalarView(scalars.dropFirst())))
                }
                return .string(zeros + text)
            }
        case "center", "ljust", "rjust":
            return { args in
                let fill = try args.optionalString(1, "fillchar") ?? " "
                guard fill.unicodeScalars.count == 1 else {
                    throw JinjaError("TypeError: The fill character must be exactly one character long")
                }
                let align: Character = name == "center" ? "^" : name == "ljust" ? "<" : ">"
                return .string(JinjaStrings.pad(text, width: try args.int(0, "width", default: nil), align: align, fill: fill))
            }
        case "partition", "rpartition":
            return { args in
                let separator = try args.string(0, "sep")
                if separator.isEmpty { throw JinjaError("ValueError: empty separator") }
                let needle = Array(separator.unicodeScalars)
                let found = JinjaStrings.find(needle, in: scalars, start: 0, end: scalars.count, fromRight: name == "rpartition")
                guard found >= 0 else {
                    return name == "partition" ? .tuple([.string(text), .string(""), .string("")])
                        : .tuple([.string(""), .string(""), .string(text)])
                }
                let before = String(String.UnicodeScalarView(scalars[..<found]))
                let after = String(String.UnicodeScalarView(scalars[(found + needle.count)...]))
                return .tuple([.string(before), .string(separator), .string(after)])
            }
        case "removeprefix":
            return { args in
                let prefix = try args.string(0, "prefix")
                return .string(scalars.starts(with: prefix.unicodeScalars)
                    ? String(String.UnicodeScalarView(scalars.dropFirst(prefix.unicodeScalars.count))) : text)
            }
        case "removesuffix":
            return { args in
                let suffix = try args.string(0, "suffix")
                return .string(!suffix.isEmpty && scalars.reversed().starts(with: suffix.unicodeScalars.reversed())
                    ? String(String.UnicodeScalarView(scalars.dropLast(suffix.unicodeScalars.count))) : text)
            }
        case "encode":
            return { _ in .string(text) }
        case "expandtabs":
            return { args in
                let size = try args.int(0, "tabsize", default: 8)
                var result = ""
                var column = 0
                for scalar in scalars {
                    switch scalar {
                    case "\t":
                        let spaces = size > 0 ? size - column % size : 0
                        result += String(repeating: " ", count: spaces)
                        column += spaces
                    case "\n", "\r":
                        result.unicodeScalars.append(scalar)
                        column = 0
                    default:
                        result.unicodeScalars.append(scalar)
                        column += 1
                    }
                }
                return .string(result)
            }
        default:
            return nil
        }
    }

    // MARK: list and tuple

    private static func tupleMethod(_ name: String, _ list: JinjaList) -> ((MethodArguments) throws -> JinjaValue)? {
        switch name {
        case "index", "count": listMethod(name, list)
        default: nil
        }
    }

    private static func listMethod(_ name: String, _ list: JinjaList) -> ((MethodArguments) throws -> JinjaValue)? {
        switch name {
        case "append":
            return { args in
                list.items.append(try args.required(0, "object"))
                return .none
            }
        case "extend":
            return { args in
                list.items += try JinjaPython.iterate(try args.required(0, "iterable"))
                return .none
            }
        case "insert":
            return { args in
                let count = list.items.count
                var index = try args.int(0, "index", default: nil)
                index = index < 0 ? max(0, index + count) : min(index, count)
                list.items.insert(try args.required(1, "object"), at: index)
                return .none
            }
        case "pop":
            return { args in
                guard !list.items.isEmpty else { throw JinjaError("IndexError: pop from empty list") }
                let index = try args.int(0, "index", default: -1)
                let position = index < 0 ? index + list.items.count : index
                guard list.items.indices.contains(position) else { throw JinjaError("IndexError: pop index out of range") }
                return list.items.remove(at: position)
            }
        case "remove":
            return { args in
                let target = try args.required(0, "value")
                guard let position = list.items.firstIndex(where: { $0.equals(target) }) else {
                    throw JinjaError("ValueError: list.remove(x): x not in list")
                }
                list.items.remove(at: position)
                return .none
            }
        case "index":
            return { args in
                let target = try args.required(0, "value")
                let start = args.sliceIndex(1, "start", count: list.items.count) ?? 0
                let end = args.sliceIndex(2, "stop", count: list.items.count) ?? list.items.count
                if start < end, let position = list.items[start..<end].firstIndex(where: { $0.equals(target) }) {
                    return .int(position)
                }
                throw JinjaError(list.isTuple ? "ValueError: tuple.index(x): x not in tuple" : "ValueError: \(target.repr) is not in list")
            }
        case "count":
            return { args in
                let target = try args.required(0, "value")
                return .int(list.items.filter { $0.equals(target) }.count)
            }
        case "reverse":
            return { _ in
                list.items.reverse()
                return .none
            }
        case "sort":
            return { args in
                let reverse = args.named("reverse")?.isTruthy ?? false
                let key = args.named("key").flatMap { $0.isNone ? nil : $0 }
                list.items = try JinjaPython.sorted(list.items, reverse: reverse) { item in
                    try key.map { try args.context.call($0, JinjaArguments([item])) } ?? item
                }
                return .none
            }
        case "copy":
            return { _ in .list(JinjaList(list.items)) }
        case "clear":
            return { _ in
                list.items.removeAll()
                return .none
            }
        default:
            return nil
        }
    }

    // MARK: dict

    private static func dictMethod(_ name: String, _ dict: JinjaDict) -> ((MethodArguments) throws -> JinjaValue)? {
        switch name {
        case "keys": return { _ in .list(dict.keyValues) }
        case "values": return { _ in .list(dict.pairs.map(\.value)) }
        case "items": return { _ in .list(dict.pairs.map { .tuple([$0.key, $0.value]) }) }
        case "get":
            return { args in
                let key = try args.required(0, "key")
                _ = try JinjaPython.hashKey(key)
                return dict[key] ?? args.value(1, "default") ?? .none
            }
        case "update":
            return { args in
                if let other = args.positional.first { try merge(other, into: dict) }
                for (key, value) in args.keyword { dict[string: key] = value }
                return .none
            }
        case "pop":
            return { args in
                let key = try args.required(0, "key")
                _ = try JinjaPython.hashKey(key)
                if let value = dict[key] {
                    dict[key] = nil
                    return value
                }
                if let fallback = args.value(1, "default") { return fallback }
                throw JinjaError("KeyError: \(key.repr)")
            }
        case "popitem":
            return { _ in
                guard let last = dict.pairs.last else { throw JinjaError("KeyError: 'popitem(): dictionary is empty'") }
                dict[last.key] = nil
                return .tuple([last.key, last.value])
            }
        case "setdefault":
            return { args in
                let key = try args.required(0, "key")
                _ = try JinjaPython.hashKey(key)
                if let value = dict[key] { return value }
                let value = args.value(1, "default") ?? .none
                dict[key] = value
                return value
            }
        case "copy": return { _ in .dict(dict.copy()) }
        case "clear":
            return { _ in
                for key in dict.keyValues { dict[key] = nil }
                return .none
            }
        default:
            return nil
        }
    }

    /// `dict.update(other)` and `dict(other)`: a mapping, or an iterable of key/value pairs.
    static func merge(_ other: JinjaValue, into dict: JinjaDict) throws {
        if case .dict(let source) = other {
            for (key, value) in source.pairs { dict[key] = value }
            return
        }
        for (offset, element) in try JinjaPython.iterate(other).enumerated() {
            let pair = try JinjaPython.iterate(element)
            guard pair.count == 2 else {
                throw JinjaError("ValueError: dictionary update sequence element #\(offset) has length \(pair.count); 2 is required")
            }
            dict[try JinjaPython.hashKey(pair[0]).value] = pair[1]
        }
    }
}

/// A method's arguments with Python-like errors.
struct MethodArguments {
    let method: String
    let arguments: JinjaArguments
    let context: any JinjaCallContext

    var positional: [JinjaValue] { arguments.positional }
    var keyword: [(name: String, value: JinjaValue)] { arguments.keyword }
    func named(_ name: String) -> JinjaValue? { arguments.named(name) }
    func value(_ index: Int, _ name: String) -> JinjaValue? { arguments.argument(index, name) }

    func required(_ index: Int, _ name: String) throws -> JinjaValue {
        guard let value = value(index, name) else {
            throw JinjaError("TypeError: \(method)() missing required argument: '\(name)'")
        }
        return value
    }

    func string(_ index: Int, _ name: String) throws -> String {
        let argument = try required(index, name)
        guard case .string(let text) = argument else {
            throw JinjaError("TypeError: \(method)() argument '\(name)' must be str, not \(argument.typeName)")
        }
        return text
    }

    /// A str argument that may be omitted or None.
    func optionalString(_ index: Int, _ name: String) throws -> String? {
        guard let argument = value(index, name), !argument.isNone else { return nil }
        return try string(index, name)
    }

    /// An int argument; `default` nil makes it required.
    func int(_ index: Int, _ name: String, default fallback: Int?) throws -> Int {
        guard let argument = value(index, name), !(fallback != nil && argument.isNone) else {
            if let fallback { return fallback }
            throw JinjaError("TypeError: \(method)() missing required argument: '\(name)'")
        }
        switch argument {
        case .int(let number): return number
        case .bool(let flag): return flag ? 1 : 0
        default: throw JinjaError("TypeError: '\(argument.typeName)' object cannot be interpreted as an integer")
        }
    }

    /// A Python slice bound (negative counts from the end, clamped to 0...count); nil when omitted or None.
    func sliceIndex(_ index: Int, _ name: String, count: Int) -> Int? {
        guard let argument = value(index, name), case .int(let number) = argument else {
            if case .bool(let flag)? = value(index, name) { return flag ? min(1, count) : 0 }
            return nil
        }
        return number < 0 ? max(0, number + count) : min(number, count)
    }

    /// `text[start:end]` for startswith/endswith; nil when start lies past the end (Python: False).
    func window(_ scalars: [Unicode.Scalar], start: Int, end: Int) throws -> ArraySlice<Unicode.Scalar>? {
        if case .int(let raw)? = value(start, "start"), raw > scalars.count { return nil }
        let from = sliceIndex(start, "start", count: scalars.count) ?? 0
        let to = sliceIndex(end, "end", count: scalars.count) ?? scalars.count
        return from <= to ? scalars[from..<to] : nil
    }
}

/// Python's str algorithms on code points, shared by the methods and the filters.
enum JinjaStrings {
    /// `str.split` / `str.rsplit`; a nil separator splits on runs of whitespace and drops empty pieces.
    static func split(_ text: String, separator: String?, maxSplit: Int = -1, fromRight: Bool = false) -> [String] {
        // rsplit is split of the reversed text by the reversed separator, reversed back.
        var scalars = Array(text.unicodeScalars)
        var needle = separator.map { Array($0.unicodeScalars) }
        if fromRight {
            scalars.reverse()
            needle?.reverse()
        }
        var pieces: [ArraySlice<Unicode.Scalar>] = []
        var index = 0
        let count = scalars.count
        if let needle, !needle.isEmpty {
            var start = 0
            while index + needle.count <= count, maxSplit < 0 || pieces.count < maxSplit {
                if scalars[index..<index + needle.count].elementsEqual(needle) {
                    pieces.append(scalars[start..<index])
                    index += needle.count
                    start = index
                } else {
                    index += 1
                }
            }
            pieces.append(scalars[start..<count])
        } else {
            while true {
                while index < count, JinjaPython.isSpace(scalars[index]) { index += 1 }
                if index == count { break }
                if maxSplit >= 0, pieces.count == maxSplit {
                    pieces.append(scalars[index..<count])
                    break
                }
                let start = index
                while index < count, !JinjaPython.isSpace(scalars[index]) { index += 1 }
                pieces.append(scalars[start..<index])
            }
        }
        let strings = pieces.map { String(String.UnicodeScalarView(fromRight ? Array($0.reversed()) : Array($0))) }
        return fromRight ? strings.reversed() : strings
    }

    /// `str.strip(chars)` on either or both ends; nil chars strips whitespace.
    static func strip(_ text: String, _ chars: String?, leading: Bool, trailing: Bool) -> String {
        let set = chars.map { Set($0.unicodeScalars) }
        let remove = { (scalar: Unicode.Scalar) in set.map { $0.contains(scalar) } ?? JinjaPython.isSpace(scalar) }
        var scalars = text.unicodeScalars[...]
        if leading { scalars = scalars.drop(while: remove) }
        if trailing { while let last = scalars.last, remove(last) { scalars = scalars.dropLast() } }
        return String(Substring(scalars))
    }

    /// `str.replace(old, new, count)`; an empty `old` inserts `new` around every character.
    static func replace(_ text: String, _ old: String, _ new: String, count: Int) throws -> String {
        let scalars = Array(text.unicodeScalars)
        let needle = Array(old.unicodeScalars)
        var result = String.UnicodeScalarView()
        var replaced = 0
        var index = 0
        let limit = count < 0 ? Int.max : count
        if needle.isEmpty {
            for scalar in scalars {
                if replaced < limit { result += new.unicodeScalars; replaced += 1 }
                result.append(scalar)
            }
            if replaced < limit { result += new.unicodeScalars }
            return String(result)
        }
        while index < scalars.count {
            if replaced < limit, index + needle.count <= scalars.count,
               scalars[index..<index + needle.count].elementsEqual(needle) {
                result += new.unicodeScalars
                index += needle.count
                replaced += 1
            } else {
                result.append(scalars[index])
                index += 1
            }
        }
        return String(result)
    }

    /// `str.splitlines(keepends)`: \n, \r, \r\n, \v, \f, \x1c–\x1e, \x85, \u2028, \u2029 end lines.
    static func splitLines(_ text: String, keepEnds: Bool) -> [String] {
        let breaks: Set<UInt32> = [0x0A, 0x0B, 0x0C, 0x0D, 0x1C, 0x1D, 0x1E, 0x85, 0x2028, 0x2029]
        let scalars = Array(text.unicodeScalars)
        var lines: [String] = []
        var start = 0
        var index = 0
        while index < scalars.count {
            guard breaks.contains(scalars[index].value) else { index += 1; continue }
            var end = index + 1
            if scalars[index] == "\r", end < scalars.count, scalars[end] == "\n" { end += 1 }
            lines.append(String(String.UnicodeScalarView(scalars[start..<(keepEnds ? end : index)])))
            start = end
            index = end
        }
        if start < scalars.count { lines.append(String(String.UnicodeScalarView(scalars[start...]))) }
        return lines
    }

    /// `str.find` / `str.rfind` within `start..<end`: the code point offset, or -1.
    static func find(_ needle: [Unicode.Scalar], in scalars: [Unicode.Scalar], start: Int, end: Int, fromRight: Bool) -> Int {
        guard start <= end, end - start >= needle.count else { return -1 }
        let candidates = Array(start...(end - needle.count))
        for index in fromRight ? candidates.reversed() : candidates
        where scalars[index..<index + needle.count].elementsEqual(needle) {
            return index
        }
        return -1
    }

    /// Python's `str.title`: a letter after a cased letter is lower case, any other upper case.
    static func title(_ text: String) -> String {
        var result = ""
        var previousCased = false
        for scalar in text.unicodeScalars {
            let cased = scalar.properties.isCased
            result += cased ? (previousCased ? String(scalar).lowercased() : String(scalar).uppercased()) : String(scalar)
            previousCased = cased
        }
        return result
    }

    /// Python's `str.capitalize`: the first character upper case, the rest lower.
    static func capitalize(_ text: String) -> String {
        guard let first = text.unicodeScalars.first else { return text }
        return String(first).uppercased() + String(text.unicodeScalars.dropFirst()).lowercased()
    }

    /// `str.center` (`^`, with Python's placement of an odd space), `ljust` (`<`), `rjust` (`>`).
    static func pad(_ text: String, width: Int, align: Character, fill: String = " ") -> String {
        let missing = width - text.unicodeScalars.count
        guard missing > 0 else { return text }
        let left: Int
        switch align {
        case "<": left = 0
        case ">": left = missing
        default: left = missing / 2 + (missing & width & 1)
        }
        return String(repeating: fill, count: left) + text + String(repeating: fill, count: missing - left)
    }

    /// Python's `str.isalpha` for one code point: a letter category (L*).
    static func isLetter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: true
        default: false
        }
    }
}
