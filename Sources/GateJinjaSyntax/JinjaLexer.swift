import Foundation

/// One lexical token of a template, with the line it starts on.
struct JinjaToken {
    enum Kind: Equatable {
        case text, variableBegin, variableEnd, blockBegin, blockEnd
        case name, string, integer, float, op, eof
    }

    var kind: Kind
    /// The text of a `text`, `name`, `op` or (decoded) `string` token.
    var text: String = ""
    var integer: Int = 0
    var float: Double = 0
    var line: Int

    var display: String {
        switch kind {
        case .text: "template text"
        case .variableBegin: "'{{'"
        case .variableEnd: "'}}'"
        case .blockBegin: "'{%'"
        case .blockEnd: "end of statement block"
        case .name, .op: "'\(text)'"
        case .string: "string"
        case .integer, .float: "number"
        case .eof: "end of template"
        }
    }
}

/// Splits a template into tokens in one pass over its UTF-8 bytes, with Jinja2's default
/// settings as dbt uses them: no trim_blocks, no lstrip_blocks, one trailing newline dropped,
/// `-` on a delimiter strips all whitespace (newlines included) on that side.
struct JinjaLexer {
    private let bytes: [UInt8]
    private let name: String
    private var pos = 0
    private var line = 1
    private var tokens: [JinjaToken] = []

    static func tokenize(_ source: String, name: String) throws -> [JinjaToken] {
        var bytes = Array(source.utf8)
        if bytes.contains(ascii("\r")) {
            bytes = Array(source.replacingOccurrences(of: "\r\n", with: "\n").utf8)
        }
        if bytes.last == ascii("\n") { bytes.removeLast() }
        var lexer = JinjaLexer(bytes: bytes, name: name)
        try lexer.run()
        return lexer.tokens
    }

    private init(bytes: [UInt8], name: String) {
        self.bytes = bytes
        self.name = name
    }

    private static func ascii(_ character: Unicode.Scalar) -> UInt8 { UInt8(character.value) }
    private static let brace = ascii("{"), closeBrace = ascii("}"), percent = ascii("%"), hash = ascii("#")
    private static let dash = ascii("-"), plus = ascii("+"), newline = ascii("\n")

    private func error(_ message: String, line: Int? = nil) -> JinjaError {
        JinjaError(message, line: line ?? self.line, template: name)
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D || byte == 0x0B || byte == 0x0C
    }

    /// The length in bytes of the whitespace character at `index` that is not ASCII space, tab or a
    /// line break — what Python's `\s` (and so Jinja2's lexer) also skips inside a tag: U+001C–U+001F,
    /// U+0085, U+00A0, U+1680, U+2000–U+200A, U+2028, U+2029, U+202F, U+205F, U+3000 — or 0.
    private func otherSpaceLength(at index: Int) -> Int {
        let byte = bytes[index]
        if byte >= 0x1C && byte <= 0x1F { return 1 }
        guard index + 1 < bytes.count else { return 0 }
        let second = bytes[index + 1]
        if byte == 0xC2 { return second == 0x85 || second == 0xA0 ? 2 : 0 }
        guard index + 2 < bytes.count else { return 0 }
        let third = bytes[index + 2]
        switch (byte, second) {
        case (0xE1, 0x9A): return third == 0x80 ? 3 : 0
        case (0xE2, 0x80): return (third >= 0x80 && third <= 0x8A) || third == 0xA8 || third == 0xA9 || third == 0xAF ? 3 : 0
        case (0xE2, 0x81): return third == 0x9F ? 3 : 0
        case (0xE3, 0x80): return third == 0x80 ? 3 : 0
        default: return 0
        }
    }

    private mutating func run() throws {
        let count = bytes.count
        var stripLeading = false
        while pos < count {
            var start = pos
            while start + 1 < count {
                if bytes[start] == Self.brace {
                    let next = bytes[start + 1]
                    if next == Self.brace || next == Self.percent || next == Self.hash { break }
                }
                start += 1
            }
            if start + 1 >= count { start = count }
            let stripTrailing = start + 2 < count && bytes[start + 2] == Self.dash
            emitText(from: pos, to: start, stripLeading: stripLeading, stripTrailing: stripTrailing)
            if start >= count { break }
            let opener = bytes[start + 1]
            let openLine = line
            pos = start + 2
            if pos < count, bytes[pos] == Self.dash || bytes[pos] == Self.plus { pos += 1 }
            if opener == Self.hash {
                stripLeading = try skipComment(openLine: openLine)
            } else if opener == Self.percent, let strip = try lexRaw(openLine: openLine) {
                stripLeading = strip
            } else {
                let block = opener == Self.percent
                tokens.append(JinjaToken(kind: block ? .blockBegin : .variableBegin, line: openLine))
                stripLeading = try lexTag(block: block, openLine: openLine)
            }
        }
        tokens.append(JinjaToken(kind: .eof, line: line))
    }

    /// Appends the text `bytes[from..<to]` (whitespace-stripped as asked) and counts its lines.
    private mutating func emitText(from: Int, to: Int, stripLeading: Bool, stripTrailing: Bool) {
        var lower = from, upper = to
        if stripLeading { while lower < upper, Self.isSpace(bytes[lower]) { lower += 1 } }
        if stripTrailing { while upper > lower, Self.isSpace(bytes[upper - 1]) { upper -= 1 } }
        if lower < upper {
            let textLine = line + countNewlines(from, lower)
            tokens.append(JinjaToken(kind: .text, text: String(decoding: bytes[lower..<upper], as: UTF8.self), line: textLine))
        }
        line += countNewlines(from, to)
        pos = to
    }

    private func countNewlines(_ from: Int, _ to: Int) -> Int {
        var lines = 0
        for index in from..<to where bytes[index] == Self.newline { lines += 1 }
        return lines
    }

    /// Finds `needle` at or after `from`; nil when absent.
    private func find(_ needle: (UInt8, UInt8), from: Int) -> Int? {
        var index = from
        while index + 1 < bytes.count {
            if bytes[index] == needle.0, bytes[index + 1] == needle.1 { return index }
            index += 1
        }
        return nil
    }

    /// Skips a comment; returns whether it ends with `-#}`.
    private mutating func skipComment(openLine: Int) throws -> Bool {
        guard let end = find((Self.hash, Self.closeBrace), from: pos) else {
            throw error("missing end of comment tag", line: openLine)
        }
        let strip = end > pos && bytes[end - 1] == Self.dash
        line += countNewlines(pos, end)
        pos = end + 2
        return strip
    }

    /// Matches `ws* word ws* [-] %}` at `index`; returns the index after it and whether `-` was there.
    private func matchTag(_ word: String, at index: Int) -> (end: Int, strip: Bool)? {
        var index = index
        while index < bytes.count, Self.isSpace(bytes[index]) { index += 1 }
        for byte in word.utf8 {
            guard index < bytes.count, bytes[index] == byte else { return nil }
            index += 1
        }
        if index < bytes.count, Self.isNameByte(bytes[index]) { return nil }
        while index < bytes.count, Self.isSpace(bytes[index]) { index += 1 }
        var strip = false
        if index < bytes.count, bytes[index] == Self.dash { strip = true; index += 1 }
        guard index + 1 < bytes.count, bytes[index] == Self.percent, bytes[index + 1] == Self.closeBrace else { return nil }
        return (index + 2, strip)
    }

    /// `{% raw %}…{% endraw %}`: emits the body as text. Nil when the tag is not `raw`;
    /// else whether the text after `endraw` is to be stripped.
    private mutating func lexRaw(openLine: Int) throws -> Bool? {
        guard let open = matchTag("raw", at: pos) else { return nil }
        var search = open.end
        while let candidate = find((Self.brace, Self.percent), from: search) {
            var after = candidate + 2
            let stripContentEnd = after < bytes.count && bytes[after] == Self.dash
            if stripContentEnd { after += 1 }
            if let close = matchTag("endraw", at: after) {
                line += countNewlines(pos, open.end)
                emitText(from: open.end, to: candidate, stripLeading: open.strip, stripTrailing: stripContentEnd)
                line += countNewlines(candidate, close.end)
                pos = close.end
                return close.strip
            }
            search = candidate + 2
        }
        throw error("missing end of raw directive", line: openLine)
    }

    private static func isNameByte(_ byte: UInt8) -> Bool {
        (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x30 && byte <= 0x39)
            || byte == 0x5F || byte >= 0x80
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    private static let twoCharOperators: Set<String> = ["**", "//", "==", "!=", "<=", ">="]
    private static let oneCharOperators: Set<UInt8> = Set("+-*/%~|.,:()[]{}=<>".utf8)

    /// Lexes the inside of `{% %}` or `{{ }}` up to its closing delimiter; returns whether it
    /// closed with `-`.
    private mutating func lexTag(block: Bool, openLine: Int) throws -> Bool {
        let closer = block ? Self.percent : Self.closeBrace
        let endKind: JinjaToken.Kind = block ? .blockEnd : .variableEnd
        var depth = 0
        let count = bytes.count
        while true {
            guard pos < count else {
                throw error("unexpected end of template: tag opened on line \(openLine) was never closed", line: openLine)
            }
            let byte = bytes[pos]
            if Self.isSpace(byte) {
                if byte == Self.newline { line += 1 }
                pos += 1
                continue
            }
            let other = otherSpaceLength(at: pos)
            if other > 0 {
                pos += other
                continue
            }
            if depth == 0 {
                if byte == Self.dash, pos + 2 < count, bytes[pos + 1] == closer, bytes[pos + 2] == Self.closeBrace {
                    tokens.append(JinjaToken(kind: endKind, line: line))
                    pos += 3
                    return true
                }
                if byte == closer, pos + 1 < count, bytes[pos + 1] == Self.closeBrace {
                    tokens.append(JinjaToken(kind: endKind, line: line))
                    pos += 2
                    return false
                }
            }
            if Self.isDigit(byte) {
                lexNumber()
            } else if Self.isNameByte(byte) {
                let start = pos
                while pos < count, Self.isNameByte(bytes[pos]), otherSpaceLength(at: pos) == 0 { pos += 1 }
                tokens.append(JinjaToken(kind: .name, text: String(decoding: bytes[start..<pos], as: UTF8.self), line: line))
            } else if byte == 0x27 || byte == 0x22 {
                try lexString(quote: byte)
            } else {
                if pos + 1 < count {
                    let pair = String(decoding: bytes[pos..<pos + 2], as: UTF8.self)
                    if Self.twoCharOperators.contains(pair) {
                        tokens.append(JinjaToken(kind: .op, text: pair, line: line))
                        pos += 2
                        continue
                    }
                }
                guard Self.oneCharOperators.contains(byte) else {
                    throw error("unexpected character '\(String(decoding: [byte], as: UTF8.self))'")
                }
                switch byte {
                case 0x28, 0x5B, 0x7B: depth += 1
                case 0x29, 0x5D, 0x7D: depth = max(0, depth - 1)
                default: break
                }
                tokens.append(JinjaToken(kind: .op, text: String(UnicodeScalar(byte)), line: line))
                pos += 1
            }
        }
    }

    private mutating func lexNumber() {
        let count = bytes.count
        var digits: [UInt8] = []
        var isFloat = false
        func takeDigits() {
            while pos < count, Self.isDigit(bytes[pos]) || bytes[pos] == 0x5F {
                if bytes[pos] != 0x5F { digits.append(bytes[pos]) }
                pos += 1
            }
        }
        takeDigits()
        if pos + 1 < count, bytes[pos] == 0x2E, Self.isDigit(bytes[pos + 1]) {
            isFloat = true
            digits.append(0x2E)
            pos += 1
            takeDigits()
        }
        if pos < count, bytes[pos] == 0x65 || bytes[pos] == 0x45 {
            var look = pos + 1
            if look < count, bytes[look] == 0x2B || bytes[look] == Self.dash { look += 1 }
            if look < count, Self.isDigit(bytes[look]) {
                isFloat = true
                digits.append(contentsOf: bytes[pos..<look])
                pos = look
                takeDigits()
            }
        }
        let text = String(decoding: digits, as: UTF8.self)
        if !isFloat, let value = Int(text) {
            tokens.append(JinjaToken(kind: .integer, integer: value, line: line))
        } else {
            tokens.append(JinjaToken(kind: .float, float: Double(text) ?? .infinity, line: line))
        }
    }

    /// A string literal with Python's escapes.
    private mutating func lexString(quote: UInt8) throws {
        let startLine = line
        let count = bytes.count
        var buffer: [UInt8] = []
        pos += 1
        while true {
            guard pos < count else { throw error("unexpected end of string", line: startLine) }
            let byte = bytes[pos]
            if byte == quote { pos += 1; break }
            if byte == Self.newline { line += 1 }
            guard byte == 0x5C, pos + 1 < count else {
                buffer.append(byte)
                pos += 1
                continue
            }
            let escape = bytes[pos + 1]
            pos += 2
            switch escape {
            case 0x6E: buffer.append(0x0A)  // n
            case 0x74: buffer.append(0x09)  // t
            case 0x72: buffer.append(0x0D)  // r
            case 0x30: buffer.append(0x00)  // 0
            case 0x61: buffer.append(0x07)  // a
            case 0x62: buffer.append(0x08)  // b
            case 0x66: buffer.append(0x0C)  // f
            case 0x76: buffer.append(0x0B)  // v
            case 0x5C, 0x27, 0x22: buffer.append(escape)
            case Self.newline: line += 1  // line continuation
            case 0x78, 0x75, 0x55:  // x, u, U
                let width = escape == 0x78 ? 2 : (escape == 0x75 ? 4 : 8)
                guard pos + width <= count,
                      let code = UInt32(String(decoding: bytes[pos..<pos + width], as: UTF8.self), radix: 16),
                      let scalar = Unicode.Scalar(code) else {
                    throw error("invalid \\\(String(UnicodeScalar(escape))) escape in string")
                }
                buffer.append(contentsOf: Array(String(Character(scalar)).utf8))
                pos += width
            default:
                buffer.append(0x5C)
                buffer.append(escape)
                if escape == Self.newline { line += 1 }
            }
        }
        tokens.append(JinjaToken(kind: .string, text: String(decoding: buffer, as: UTF8.self), line: startLine))
    }
}
