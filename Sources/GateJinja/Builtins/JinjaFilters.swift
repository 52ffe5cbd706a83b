import Foundation

/// Jinja2's builtin filters (`value | name(args)`), with Jinja2's documented semantics.
///
/// Filters that Jinja2 returns as generators (`map`, `select`, `reverse`, `unique`, …) return lists.
/// On an undefined value the string filters give `""`, the sequence filters an empty list and
/// `length` 0, as with dbt's lenient undefined.
enum JinjaFilters {
    /// The names `apply` knows (the `filter` test asks this).
    static let names: Set<String> = [
        "abs", "attr", "batch", "capitalize", "center", "count", "d", "default", "dictsort", "e", "escape",
        "filesizeformat", "first", "float", "forceescape", "format", "groupby", "indent", "int", "items", "join",
        "last", "length", "list", "lower", "map", "max", "min", "pprint", "reject", "rejectattr", "replace",
        "reverse", "round", "safe", "select", "selectattr", "slice", "sort", "string", "striptags", "sum",
        "title", "tojson", "trim", "truncate", "unique", "upper", "urlencode", "wordcount", "wordwrap", "xmlattr",
    ]

    /// Applies the builtin filter `name`; nil when Jinja2 has no such filter.
    static func apply(_ name: String, to value: JinjaValue, _ arguments: JinjaArguments,
                      context: any JinjaCallContext) throws -> JinjaValue? {
        let args = FilterArguments(filter: name, arguments)
        switch name {
        case "abs":
            switch value {
            case .int(let number): return .int(abs(number))
            case .bool(let flag): return .int(flag ? 1 : 0)
            case .double(let number): return .double(abs(number))
            case .undefined: return value
            default: throw JinjaError("TypeError: bad operand type for abs(): '\(value.typeName)'")
            }
        case "attr":
            return try context.attribute(try args.string(0, "name"), of: value)
        case "batch":
            let size = try args.int(0, "linecount", default: nil)
            guard size > 0 else { throw JinjaError("ValueError: batch size must be positive") }
            let fill = args.value(1, "fill_with") ?? .none
            var batches: [JinjaValue] = []
            var current: [JinjaValue] = []
            for item in try JinjaPython.iterate(value) {
                if current.count == size { batches.append(.list(current)); current = [] }
                current.append(item)
            }
            if !current.isEmpty {
                if !fill.isNone { current += Array(repeating: fill, count: size - current.count) }
                batches.append(.list(current))
            }
            return .list(batches)
        case "capitalize":
            return .string(JinjaStrings.capitalize(value.rendered))
        case "center":
            return .string(JinjaStrings.pad(value.rendered, width: try args.int(0, "width", default: 80), align: "^"))
        case "count", "length":
            return .int(try JinjaPython.length(value))
        case "d", "default":
            let replacement = args.value(0, "default_value") ?? .string("")
            let boolean = args.value(1, "boolean")?.isTruthy ?? false
            return value.isUndefined || (boolean && !value.isTruthy) ? replacement : value
        case "dictsort":
            guard case .dict(let dict) = value else {
                if value.isUndefined { return .list([]) }
                throw JinjaError("TypeError: dictsort expects a mapping, got \(value.typeName)")
            }
            let caseSensitive = args.bool(0, "case_sensitive")
            let by = try args.string(1, "by", default: "key")
            guard by == "key" || by == "value" else {
                throw JinjaError("FilterArgumentError: You can only sort by either \"key\" or \"value\"")
            }
            let pairs = dict.pairs.map { JinjaValue.tuple([$0.key, $0.value]) }
            return .list(try JinjaPython.sorted(pairs, reverse: args.bool(2, "reverse")) { pair in
                guard case .list(let tuple) = pair else { return pair }
                let key = tuple.items[by == "key" ? 0 : 1]
                return caseSensitive ? key : JinjaPython.ignoringCase(key)
            })
        case "e", "escape", "forceescape":
            return .string(JinjaPython.htmlEscape(value.rendered))
        case "filesizeformat":
            return .string(try fileSize(value, binary: args.bool(0, "binary")))
        case "first", "last":
            let items = try JinjaPython.iterate(value)
            let item = name == "first" ? items.first : items.last
            return item ?? .undefined("No \(name) item, sequence was empty.")
        case "float":
            return float(value) ?? args.value(0, "default") ?? .double(0)
        case "format":
            if !args.positional.isEmpty, !args.keyword.isEmpty {
                throw JinjaError("FilterArgumentError: can't handle positional and keyword arguments at the same time")
            }
            let operands: JinjaValue = args.keyword.isEmpty
                ? .tuple(args.positional) : .dict(args.keyword.map { ($0.name, $0.value) })
            return .string(try JinjaFormat.percent(value.rendered, operands))
        case "groupby":
            return try groupBy(value, args, context: context)
        case "indent":
            return .string(try indent(value.rendered, args))
        case "int":
            let fallback = args.value(0, "default") ?? .int(0)
            return integer(value, base: try args.int(1, "base", default: 10)) ?? fallback
        case "items":
            switch value {
            case .undefined: return .list([])
            case .dict(let dict): return .list(dict.pairs.map { .tuple([$0.key, $0.value]) })
            default: throw JinjaError("TypeError: Can only get item pairs from a mapping.")
            }
        case "join":
            var items = try JinjaPython.iterate(value)
            if let attribute = args.value(1, "attribute") {
                let path = JinjaPython.attributePath(attribute)
                items = try items.map { try JinjaPython.lookup($0, path: path, context: context) }
            }
            let separator = args.value(0, "d")?.rendered ?? ""
            return .string(items.map(\.rendered).joined(separator: separator))
        case "list":
            return .list(try JinjaPython.iterate(value))
        case "lower":
            return .string(value.rendered.lowercased())
        case "upper":
            return .string(value.rendered.uppercased())
        case "map":
            return .list(try JinjaPython.iterate(value).map(try mapper(args, context: context)))
        case "max", "min":
            let items = try JinjaPython.iterate(value)
            let key = try sortKey(args.value(1, "attribute"), caseSensitive: args.bool(0, "case_sensitive"), context: context)
            let sorted = try JinjaPython.sorted(items, reverse: name == "max", key: key)
            return sorted.first ?? .undefined("No aggregated item, sequence was empty.")
        case "pprint":
            return .string(value.repr)
        case "select", "reject", "selectattr", "rejectattr":
            let keep = name.hasPrefix("select")
            let predicate = try selector(args, byAttribute: name.hasSuffix("attr"), context: context)
            return .list(try JinjaPython.iterate(value).filter { try predicate($0) == keep })
        case "replace":
            let count = args.value(2, "count").flatMap { $0.isNone ? nil : $0 }
            return .string(try JinjaStrings.replace(value.rendered, try args.string(0, "old"), try args.string(1, "new"),
                                                    count: try count.map { try FilterArguments.int($0, "count") } ?? -1))
        case "reverse":
            if case .string(let text) = value { return .string(String(String.UnicodeScalarView(text.unicodeScalars.reversed()))) }
            return .list(try JinjaPython.iterate(value).reversed())
        case "round":
            return try round(value, precision: try args.int(0, "precision", default: 0), method: try args.string(1, "method", default: "common"))
        case "safe":
            return value
        case "slice":
            return .list(try slice(try JinjaPython.iterate(value), into: try args.int(0, "slices", default: nil),
                                   fill: args.value(1, "fill_with") ?? .none))
        case "sort":
            let key = try sortKey(args.value(2, "attribute"), caseSensitive: args.bool(1, "case_sensitive"), context: context)
            return .list(try JinjaPython.sorted(try JinjaPython.iterate(value), reverse: args.bool(0, "reverse"), key: key))
        case "string":
            return .string(value.rendered)
        case "striptags":
            return .string(stripTags(value.rendered))
        case "sum":
            var total = args.value(1, "start") ?? .int(0)
            var items = try JinjaPython.iterate(value)
            if let attribute = args.value(0, "attribute") {
                let path = JinjaPython.attributePath(attribute)
                items = try items.map { try JinjaPython.lookup($0, path: path, context: context) }
            }
            for item in items { total = try JinjaPython.add(total, item) }
            return total
        case "title":
            return .string(title(value.rendered))
        case "tojson":
            let indent = args.value(0, "indent").flatMap { indent -> String? in
                switch indent {
                case .int(let width): String(repeating: " ", count: max(0, width))
                case .string(let text): text
                default: nil
                }
            }
            let json = try JinjaPython.json(value, sortKeys: true, indent: indent)
            return .string(json.replacingOccurrences(of: "<", with: "\\u003c").replacingOccurrences(of: ">", with: "\\u003e")
                .replacingOccurrences(of: "&", with: "\\u0026").replacingOccurrences(of: "'", with: "\\u0027"))
        case "trim":
            let chars = args.value(0, "chars").flatMap { $0.isNone ? nil : $0.rendered }
            return .string(JinjaStrings.strip(value.rendered, chars, leading: true, trailing: true))
        case "truncate":
            return .string(try truncate(value.rendered, args))
        case "unique":
            let key = try sortKey(args.value(1, "attribute"), caseSensitive: args.bool(0, "case_sensitive"), context: context)
            var seen = Set<JinjaKey>()
            return .list(try JinjaPython.iterate(value).filter { seen.insert(try JinjaPython.hashKey(try key($0))).inserted })
        case "urlencode":
            return .string(try urlEncode(value))
        case "wordcount":
            var count = 0
            var inWord = false
            for scalar in value.rendered.unicodeScalars {
                let isWord = JinjaPython.isWordCharacter(scalar)
                if isWord, !inWord { count += 1 }
                inWord = isWord
            }
            return .int(count)
        case "wordwrap":
            return .string(try wordWrap(value.rendered, args))
        case "xmlattr":
            return .string(try xmlAttributes(value, autospace: args.value(0, "autospace")?.isTruthy ?? true))
        default:
            return nil
        }
    }

    // MARK: Conversions

    /// Jinja's `float` filter: Python's `float(value)`, nil when that raises.
    private static func float(_ value: JinjaValue) -> JinjaValue? {
        switch value {
        case .bool, .int, .double: value.numeric.map(JinjaValue.double)
        case .string(let text): JinjaPython.parseFloat(text).map(JinjaValue.double)
        default: nil
        }
    }

    /// Jinja's `int` filter: `int(value)` (a string in `base`), else `int(float(value))`; nil when both raise.
    private static func integer(_ value: JinjaValue, base: Int) -> JinjaValue? {
        switch value {
        case .int: return value
        case .bool(let flag): return .int(flag ? 1 : 0)
        case .double(let number):
            return number.isFinite && abs(number) < 9.2e18 ? .int(Int(number)) : nil
        case .string(let text):
            if let number = JinjaPython.parseInt(text, base: base) { return .int(number) }
            guard let number = JinjaPython.parseFloat(text), number.isFinite, abs(number) < 9.2e18 else { return nil }
            return .int(Int(number))
        default: return nil
        }
    }

    private static func round(_ value: JinjaValue, precision: Int, method: String) throws -> JinjaValue {
        guard ["common", "ceil", "floor"].contains(method) else {
            throw JinjaError("FilterArgumentError: method must be common, ceil or floor")
        }
        if value.isUndefined { return value }
        guard let number = value.numeric else {
            throw JinjaError("TypeError: type \(value.typeName) doesn't define __round__ method")
        }
        let scale = pow(10.0, Double(precision))
        switch method {
        case "ceil": return .double((number * scale).rounded(.up) / scale)
        case "floor": return .double((number * scale).rounded(.down) / scale)
        default:
            // Python's round(): half to even; an int stays an int.
            if case .int(let integer) = value, precision >= 0 { return .int(integer) }
            if case .bool(let flag) = value, precision >= 0 { return .int(flag ? 1 : 0) }
            guard number.isFinite else { return .double(number) }
            let scaled = number * scale
            return .double(scaled.isFinite ? scaled.rounded(.toNearestOrEven) / scale : number)
        }
    }

    private static func fileSize(_ value: JinjaValue, binary: Bool) throws -> String {
        guard case .double(let bytes) = float(value) ?? .none else {
            throw JinjaError("ValueError: could not convert \(value.typeName) to float: \(value.repr)")
        }
        let base = binary ? 1024.0 : 1000.0
        let prefixes = binary ? ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"]
                              : ["kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"]
        if bytes == 1 { return "1 Byte" }
        if bytes < base { return "\(Int(bytes)) Bytes" }
        var unit = base
        for prefix in prefixes {
            unit *= base
            if bytes < unit || prefix == prefixes.last { return String(format: "%.1f", base * bytes / unit) + " " + prefix }
        }
        return ""
    }

    // MARK: Callables built from arguments

    /// `map('filter', args…)` or `map(attribute='name', default=…)`.
    private static func mapper(_ args: FilterArguments, context: any JinjaCallContext) throws -> (JinjaValue) throws -> JinjaValue {
        if args.positional.isEmpty, let attribute = args.named("attribute") {
            let path = JinjaPython.attributePath(attribute)
            let fallback = args.named("default")
            return { try JinjaPython.lookup($0, path: path, default: fallback, context: context) }
        }
        guard let filter = args.positional.first?.stringValue else {
            throw JinjaError("FilterArgumentError: map requires a filter argument")
        }
        let rest = JinjaArguments(Array(args.positional.dropFirst()), keyword: args.keyword)
        return { try context.applyFilter(filter, to: $0, rest) }
    }

    /// `select('test', args…)`, or `selectattr('attribute', 'test', args…)`; no test means truthiness.
    private static func selector(_ args: FilterArguments, byAttribute: Bool,
                                 context: any JinjaCallContext) throws -> (JinjaValue) throws -> Bool {
        var positional = args.positional[...]
        var path: [JinjaValue]?
        if byAttribute {
            guard let attribute = positional.popFirst() else {
                throw JinjaError("FilterArgumentError: Missing parameter for attribute name")
            }
            path = JinjaPython.attributePath(attribute)
        }
        let test = positional.popFirst()
        let rest = JinjaArguments(Array(positional), keyword: args.keyword)
        return { item in
            let subject = try path.map { try JinjaPython.lookup(item, path: $0, context: context) } ?? item
            guard let test else { return subject.isTruthy }
            return try context.applyTest(test.rendered, to: subject, rest)
        }
    }

    /// The sort key of `sort`, `min`, `max`, `unique`: the attribute(s) (comma-separated, dotted),
    /// lowercased unless case sensitive. Several attributes make a tuple key.
    private static func sortKey(_ attribute: JinjaValue?, caseSensitive: Bool,
                                context: any JinjaCallContext) throws -> (JinjaValue) throws -> JinjaValue {
        let fold: (JinjaValue) -> JinjaValue = { caseSensitive ? $0 : JinjaPython.ignoringCase($0) }
        guard let attribute, !attribute.isNone else { return fold }
        let paths: [[JinjaValue]]
        if case .string(let text) = attribute, text.contains(",") {
            paths = text.split(separator: ",").map { JinjaPython.attributePath(.string(String($0))) }
        } else {
            paths = [JinjaPython.attributePath(attribute)]
        }
        return { item in
            let keys = try paths.map { fold(try JinjaPython.lookup(item, path: $0, context: context)) }
            return keys.count == 1 ? keys[0] : .tuple(keys)
        }
    }

    // MARK: Sequences

    private static func groupBy(_ value: JinjaValue, _ args: FilterArguments, context: any JinjaCallContext) throws -> JinjaValue {
        guard let attribute = args.value(0, "attribute") else {
            throw JinjaError("TypeError: groupby() missing required argument: 'attribute'")
        }
        let path = JinjaPython.attributePath(attribute)
        let fallback = args.value(1, "default").flatMap { $0.isNone ? nil : $0 }
        let caseSensitive = args.bool(2, "case_sensitive")
        let key = { (item: JinjaValue) throws -> JinjaValue in
            let raw = try JinjaPython.lookup(item, path: path, default: fallback, context: context)
            return caseSensitive ? raw : JinjaPython.ignoringCase(raw)
        }
        var groups: [(key: JinjaValue, items: [JinjaValue])] = []
        for item in try JinjaPython.sorted(try JinjaPython.iterate(value), key: key) {
            let itemKey = try key(item)
            if let last = groups.last, last.key.equals(itemKey) {
                groups[groups.count - 1].items.append(item)
            } else {
                groups.append((itemKey, [item]))
            }
        }
        return .list(try groups.map { group in
            // The grouper keeps the case of the group's first item.
            let grouper = caseSensitive ? group.key : try JinjaPython.lookup(group.items[0], path: path, default: fallback, context: context)
            return .object(JinjaNamedTuple([("grouper", grouper), ("list", .list(group.items))]))
        })
    }

    private static func slice(_ items: [JinjaValue], into slices: Int, fill: JinjaValue) throws -> [JinjaValue] {
        guard slices > 0 else { throw JinjaError("ZeroDivisionError: integer division or modulo by zero") }
        let perSlice = items.count / slices
        let withExtra = items.count % slices
        var offset = 0
        var result: [JinjaValue] = []
        for number in 0..<slices {
            let start = offset + number * perSlice
            if number < withExtra { offset += 1 }
            let end = offset + (number + 1) * perSlice
            var part = Array(items[start..<end])
            if !fill.isNone, number >= withExtra { part.append(fill) }
            result.append(.list(part))
        }
        return result
    }

    // MARK: Text

    private static func indent(_ text: String, _ args: FilterArguments) throws -> String {
        let width = args.value(0, "width") ?? .int(4)
        let indention = try width.stringValue ?? String(repeating: " ", count: max(0, FilterArguments.int(width, "width")))
        let first = args.bool(1, "first")
        let blank = args.bool(2, "blank")
        var lines = JinjaStrings.splitLines(text + "\n", keepEnds: false)
        var result: String
        if blank {
            result = lines.joined(separator: "\n" + indention)
        } else {
            result = lines.removeFirst()
            if !lines.isEmpty {
                result += "\n" + lines.map { $0.isEmpty ? $0 : indention + $0 }.joined(separator: "\n")
            }
        }
        return first ? indention + result : result
    }

    /// Jinja's title: each run after `-`, whitespace or an opening bracket starts upper case, the rest is lower.
    private static func title(_ text: String) -> String {
        var result = ""
        var atStart = true
        for scalar in text.unicodeScalars {
            let separator = JinjaPython.isSpace(scalar) || "-({[<".unicodeScalars.contains(scalar)
            if separator {
                result.unicodeScalars.append(scalar)
                atStart = true
            } else {
                result += atStart ? String(scalar).uppercased() : String(scalar).lowercased()
                atStart = false
            }
        }
        return result
    }

    private static func truncate(_ text: String, _ args: FilterArguments) throws -> String {
        let length = try args.int(0, "length", default: 255)
        let killWords = args.bool(1, "killwords")
        let end = try args.string(2, "end", default: "...")
        let leeway = try args.int(3, "leeway", default: 5)
        guard length >= end.unicodeScalars.count else {
            throw JinjaError("AssertionError: expected length >= \(end.unicodeScalars.count), got \(length)")
        }
        guard leeway >= 0 else { throw JinjaError("AssertionError: expected leeway >= 0, got \(leeway)") }
        let scalars = text.unicodeScalars
        if scalars.count <= length + leeway { return text }
        let kept = String(String.UnicodeScalarView(scalars.prefix(length - end.unicodeScalars.count)))
        if killWords { return kept + end }
        let head = JinjaStrings.split(kept, separator: " ", maxSplit: 1, fromRight: true)[0]
        return head + end
    }

    private static func stripTags(_ text: String) -> String {
        var stripped = text.replacingOccurrences(of: "<!--.*?-->", with: "", options: .regularExpression)
        stripped = stripped.replacingOccurrences(of: "<[^>]*>", with: "", options: .regularExpression)
        let collapsed = JinjaStrings.split(stripped, separator: nil).joined(separator: " ")
        return unescapeEntities(collapsed)
    }

    private static func unescapeEntities(_ text: String) -> String {
        guard text.contains("&") else { return text }
        let named = ["amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "nbsp": "\u{A0}"]
        var result = ""
        var rest = Substring(text)
        while let ampersand = rest.firstIndex(of: "&") {
            result += rest[..<ampersand]
            rest = rest[ampersand...]
            if let semicolon = rest.prefix(12).firstIndex(of: ";") {
                let entity = rest[rest.index(after: rest.startIndex)..<semicolon]
                var replacement: String?
                if entity.hasPrefix("#x") || entity.hasPrefix("#X") {
                    replacement = UInt32(entity.dropFirst(2), radix: 16).flatMap(Unicode.Scalar.init).map(String.init)
                } else if entity.hasPrefix("#") {
                    replacement = UInt32(entity.dropFirst()).flatMap(Unicode.Scalar.init).map(String.init)
                } else {
                    replacement = named[String(entity)]
                }
                if let replacement {
                    result += replacement
                    rest = rest[rest.index(after: semicolon)...]
                    continue
                }
            }
            result += "&"
            rest = rest.dropFirst()
        }
        return result + rest
    }

    /// textwrap.wrap per line (no tab expansion, whitespace kept inside lines, dropped at breaks).
    /// Long words break when `break_long_words`; hyphenated words do not break at hyphens.
    private static func wordWrap(_ text: String, _ args: FilterArguments) throws -> String {
        let width = try args.int(0, "width", default: 79)
        guard width > 0 else { throw JinjaError("ValueError: invalid width \(width) (must be > 0)") }
        let breakLong = args.value(1, "break_long_words")?.isTruthy ?? true
        let wrap = args.value(2, "wrapstring").flatMap { $0.isNone ? nil : $0.rendered } ?? "\n"
        func wrapLine(_ line: String) -> [String] {
            // Chunks alternate between runs of whitespace and runs of anything else.
            var chunks: [String] = []
            for scalar in line.unicodeScalars {
                let space = JinjaPython.isSpace(scalar)
                if let last = chunks.last?.unicodeScalars.last, JinjaPython.isSpace(last) == space {
                    chunks[chunks.count - 1].unicodeScalars.append(scalar)
                } else {
                    chunks.append(String(scalar))
                }
            }
            var lines: [String] = []
            var current: [String] = []
            var currentLength = 0
            var queue = chunks[...]
            func isBlank(_ chunk: String) -> Bool { chunk.unicodeScalars.allSatisfy(JinjaPython.isSpace) }
            while !queue.isEmpty {
                if current.isEmpty, let chunk = queue.first, isBlank(chunk), !lines.isEmpty { queue.removeFirst(); continue }
                guard let chunk = queue.first else { break }
                let length = chunk.unicodeScalars.count
                if currentLength + length <= width {
                    current.append(chunk)
                    currentLength += length
                    queue.removeFirst()
                    continue
                }
                if length > width, breakLong {
                    let room = max(1, width - currentLength)
                    current.append(String(String.UnicodeScalarView(chunk.unicodeScalars.prefix(room))))
                    queue[queue.startIndex] = String(String.UnicodeScalarView(chunk.unicodeScalars.dropFirst(room)))
                    currentLength += room
                } else if current.isEmpty {
                    current.append(chunk)
                    queue.removeFirst()
                }
                if let last = current.last, isBlank(last), current.count > 1 { current.removeLast() }
                lines.append(current.joined())
                current = []
                currentLength = 0
            }
            if let last = current.last, isBlank(last) { current.removeLast() }
            if !current.isEmpty { lines.append(current.joined()) }
            return lines
        }
        return JinjaStrings.splitLines(text, keepEnds: false).map { wrapLine($0).joined(separator: wrap) }.joined(separator: wrap)
    }

    private static func urlEncode(_ value: JinjaValue) throws -> String {
        func quote(_ value: JinjaValue, forQuery: Bool) -> String {
            var result = ""
            for byte in value.rendered.utf8 {
                let scalar = Unicode.Scalar(byte)
                if (byte < 0x80 && (scalar.properties.isASCIIHexDigit || scalar.properties.isAlphabetic))
                    || "_.-~".unicodeScalars.contains(scalar) || (!forQuery && scalar == "/") {
                    result.unicodeScalars.append(scalar)
                } else if forQuery, byte == 0x20 {
                    result += "+"
                } else {
                    result += String(format: "%%%02X", byte)
                }
            }
            return result
        }
        let pairs: [(JinjaValue, JinjaValue)]
        switch value {
        case .dict(let dict): pairs = dict.pairs.map { ($0.key, $0.value) }
        case .list(let list):
            pairs = try list.items.map { item in
                let parts = try JinjaPython.iterate(item)
                guard parts.count == 2 else { throw JinjaError("ValueError: urlencode expects (key, value) pairs") }
                return (parts[0], parts[1])
            }
        default: return quote(value, forQuery: false)
        }
        return pairs.map { quote($0.0, forQuery: true) + "=" + quote($0.1, forQuery: true) }.joined(separator: "&")
    }

    private static func xmlAttributes(_ value: JinjaValue, autospace: Bool) throws -> String {
        guard case .dict(let dict) = value else { throw JinjaError("TypeError: xmlattr expects a mapping") }
        var parts: [String] = []
        for (key, item) in dict.pairs where !item.isNone && !item.isUndefined {
            let name = key.rendered
            if name.contains(where: { $0.isWhitespace || "/>=".contains($0) }) {
                throw JinjaError("ValueError: Invalid character in attribute name: \(key.repr)")
            }
            parts.append("\(JinjaPython.htmlEscape(name))=\"\(JinjaPython.htmlEscape(item.rendered))\"")
        }
        let joined = parts.joined(separator: " ")
        return autospace && !joined.isEmpty ? " " + joined : joined
    }
}

/// A filter's arguments (after the filtered value) read by position or keyword, with Python-like errors.
struct FilterArguments {
    let filter: String
    let arguments: JinjaArguments

    init(filter: String, _ arguments: JinjaArguments) {
        self.filter = filter
        self.arguments = arguments
    }

    var positional: [JinjaValue] { arguments.positional }
    var keyword: [(name: String, value: JinjaValue)] { arguments.keyword }
    func named(_ name: String) -> JinjaValue? { arguments.named(name) }
    func value(_ index: Int, _ name: String) -> JinjaValue? { arguments.argument(index, name) }

    func bool(_ index: Int, _ name: String) -> Bool { value(index, name)?.isTruthy ?? false }

    /// An int argument; `default` nil makes it required.
    func int(_ index: Int, _ name: String, default fallback: Int?) throws -> Int {
        guard let argument = value(index, name) else {
            if let fallback { return fallback }
            throw JinjaError("TypeError: \(filter)() missing required argument: '\(name)'")
        }
        return try Self.int(argument, name)
    }

    static func int(_ value: JinjaValue, _ name: String) throws -> Int {
        switch value {
        case .int(let number): return number
        case .bool(let flag): return flag ? 1 : 0
        case .double(let number) where number == number.rounded() && abs(number) < 9.2e18: return Int(number)
        case .string(let text): if let number = JinjaPython.parseInt(text) { return number }
        default: break
        }
        throw JinjaError("TypeError: '\(name)' must be an integer, not \(value.typeName)")
    }

    func string(_ index: Int, _ name: String, default fallback: String? = nil) throws -> String {
        guard let argument = value(index, name) else {
            if let fallback { return fallback }
            throw JinjaError("TypeError: \(filter)() missing required argument: '\(name)'")
        }
        return argument.rendered
    }
}
