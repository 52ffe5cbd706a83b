import GateModel

/// Reads Python/Jinja literals (strings, numbers, booleans, None, lists, tuples, dicts) from
/// bytes, and skips any other expression by balancing brackets — never evaluating it.
struct LiteralParser {
    let bytes: UnsafeBufferPointer<UInt8>
    var index: Int
    /// Lists, tuples and dicts currently open. Past `maxNesting` the value is "not a literal"
    /// (skipped by bracket balancing, which needs no stack), so hostile nesting cannot
    /// overflow the stack.
    private var nesting = 0
    static let maxNesting = 64

    init(bytes: UnsafeBufferPointer<UInt8>, index: Int) {
        self.bytes = bytes
        self.index = index
    }

    var atEnd: Bool { index >= bytes.count }
    var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    mutating func skipSpace() {
        while index < bytes.count, ByteText.isSpace(bytes[index]) { index += 1 }
    }

    mutating func consume(_ byte: UInt8) -> Bool {
        if current == byte { index += 1; return true }
        return false
    }

    mutating func identifier() -> String? {
        let start = index
        while index < bytes.count, ByteText.isIdentifier(bytes[index]) { index += 1 }
        guard index > start else { return nil }
        return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
    }

    /// A quoted string; nil (position unchanged) when there is none here.
    mutating func string() -> String? {
        guard let quote = current, quote == UInt8(ascii: "'") || quote == UInt8(ascii: "\"") else { return nil }
        let start = index
        var out: [UInt8] = []
        index += 1
        while index < bytes.count {
            let byte = bytes[index]
            if byte == quote { index += 1; return String(decoding: out, as: UTF8.self) }
            if byte == UInt8(ascii: "\\"), index + 1 < bytes.count {
                let escaped = bytes[index + 1]
                switch escaped {
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "t"): out.append(0x09)
                default: out.append(escaped)
                }
                index += 2
                continue
            }
            out.append(byte)
            index += 1
        }
        index = start
        return nil
    }

    /// Literals nested deeper than this are treated as expressions, so hostile input cannot
    /// exhaust the stack.
    static let maxDepth = 64

    /// A literal value; nil (position unchanged) when the text here is not one.
    mutating func literal(depth: Int = 0) -> JSONValue? {
        let start = index
        guard depth < LiteralParser.maxDepth else { return nil }
        skipSpace()
        guard let byte = current else { index = start; return nil }
        if let text = string() { return .string(text) }
        let opensContainer = byte == UInt8(ascii: "[") || byte == UInt8(ascii: "(") || byte == UInt8(ascii: "{")
        if opensContainer {
            guard nesting < Self.maxNesting else { index = start; return nil }
            nesting += 1
        }
        defer { if opensContainer { nesting -= 1 } }
        if byte == UInt8(ascii: "[") || byte == UInt8(ascii: "(") {
            let close = byte == UInt8(ascii: "[") ? UInt8(ascii: "]") : UInt8(ascii: ")")
            index += 1
            var items: [JSONValue] = []
            while true {
                skipSpace()
                if consume(close) { return .array(items) }
                guard let item = literal(depth: depth + 1) else { index = start; return nil }
                items.append(item)
                skipSpace()
                if consume(UInt8(ascii: ",")) { continue }
                if consume(close) { return .array(items) }
                index = start
                return nil
            }
        }
        if byte == UInt8(ascii: "{") {
            index += 1
            var object: [String: JSONValue] = [:]
            while true {
                skipSpace()
                if consume(UInt8(ascii: "}")) { return .object(object) }
                guard let key = string() else { index = start; return nil }
                skipSpace()
                guard consume(UInt8(ascii: ":")), let value = literal(depth: depth + 1) else { index = start; return nil }
                object[key] = value
                skipSpace()
                if consume(UInt8(ascii: ",")) { continue }
                if consume(UInt8(ascii: "}")) { return .object(object) }
                index = start
                return nil
            }
        }
        if byte == UInt8(ascii: "-") || byte == UInt8(ascii: "+") || byte == UInt8(ascii: ".") || (byte >= 0x30 && byte <= 0x39) {
            let numberStart = index
            index += 1
            while index < bytes.count, bytes[index] >= 0x30 && bytes[index] <= 0x39 || bytes[index] == UInt8(ascii: ".")
                || bytes[index] == UInt8(ascii: "_") || bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
                index += 1
            }
            let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[numberStart..<index]), as: UTF8.self)
            if let number = Double(text.replacingOccurrences(of: "_", with: "")) { return .number(number) }
            index = start
            return nil
        }
        if ByteText.isIdentifier(byte) {
            let word = identifier()
            switch word {
            case "true", "True": return .bool(true)
            case "false", "False": return .bool(false)
            case "none", "None": return .null
            default: index = start; return nil
            }
        }
        index = start
        return nil
    }

    /// Skips one argument expression up to (not past) the next top-level `,` or the closing `)`.
    /// Returns false when the input ends first: the brackets are unbalanced.
    mutating func skipExpression() -> Bool {
        var depth = 0
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "'"), UInt8(ascii: "\""):
                if string() == nil { index = bytes.count; return false }
                continue
            case UInt8(ascii: "("), UInt8(ascii: "["), UInt8(ascii: "{"):
                depth += 1
            case UInt8(ascii: ")"), UInt8(ascii: "]"), UInt8(ascii: "}"):
                if depth == 0 { return byte == UInt8(ascii: ")") }
                depth -= 1
            case UInt8(ascii: ","):
                if depth == 0 { return true }
            default:
                break
            }
            index += 1
        }
        return false
    }
}
