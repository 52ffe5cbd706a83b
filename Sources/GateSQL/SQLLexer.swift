/// One token of rendered SQL.
struct SQLToken {
    enum Kind: UInt8 {
        /// An unquoted word: a keyword or a name.
        case word
        /// A quoted identifier (`"x"`, `` `x` ``); `text` is its content.
        case quoted
        /// A string literal (any quoting: `'…'`, `E'…'`, `$$…$$`, BigQuery `"…"`, `'''…'''`);
        /// `text` is the literal as written, quotes included.
        case string
        case number
        /// `$1`, `?`, `@name`, `$var`: a value bound from outside.
        case parameter
        /// An operator or punctuation (`(`, `::`, `->`, …).
        case symbol
        case end
    }

    var kind: Kind
    /// As written (a quoted identifier's content without its quotes).
    var text: String
    /// `text` lower-cased, for keyword and name comparison (case-insensitive by design).
    var lower: String
    var line: Int
    /// UTF-8 offsets of the token in the SQL text.
    var start: Int
    var end: Int
}

/// The syntax error that makes an analysis `.unknown`.
struct SQLSyntaxError: Error {
    var message: String
    var line: Int
    var description: String { "\(message) at line \(line)" }
}

/// Splits rendered SQL into tokens, with the dialect deciding the few lexical conflicts: what
/// `"x"` is (a name, or a string in BigQuery and Databricks), whether `#` and `//` start
/// comments, and whether `\` escapes inside strings.
struct SQLLexer {
    private let bytes: [UInt8]
    private let dialect: SQLDialect
    private var index = 0
    private var line = 1
    private var tokens: [SQLToken] = []

    private var doubleQuotesMakeStrings: Bool { dialect == .bigquery || dialect == .databricks || dialect == .spark }
    private var backslashEscapes: Bool {
        switch dialect {
        case .snowflake, .bigquery, .databricks, .spark, .redshift: return true
        case .postgres, .duckdb, .generic: return false
        }
    }
    private var hashComments: Bool { dialect == .bigquery }
    private var slashComments: Bool { dialect == .snowflake }
    private var taggedDollarStrings: Bool { dialect == .postgres || dialect == .redshift || dialect == .duckdb || dialect == .generic }

    static func tokenize(_ bytes: [UInt8], dialect: SQLDialect) throws -> [SQLToken] {
        var lexer = SQLLexer(bytes: bytes, dialect: dialect)
        try lexer.run()
        return lexer.tokens
    }

    private init(bytes: [UInt8], dialect: SQLDialect) {
        self.bytes = bytes
        self.dialect = dialect
        tokens.reserveCapacity(bytes.count / 4)
    }

    private func byte(_ at: Int) -> UInt8 { at < bytes.count ? bytes[at] : 0 }

    private static func isWordStart(_ c: UInt8) -> Bool {
        (c >= 0x61 && c <= 0x7A) || (c >= 0x41 && c <= 0x5A) || c == 0x5F || c >= 0x80
    }

    private static func isWordByte(_ c: UInt8) -> Bool {
        isWordStart(c) || (c >= 0x30 && c <= 0x39) || c == 0x24
    }

    private static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }

    private func text(_ from: Int, _ to: Int) -> String {
        String(decoding: bytes[from..<to], as: UTF8.self)
    }

    private mutating func add(_ kind: SQLToken.Kind, _ start: Int, _ startLine: Int, text: String = "", lower: String? = nil) {
        tokens.append(SQLToken(kind: kind, text: text, lower: lower ?? text, line: startLine, start: start, end: index))
    }

    private static let threeByteSymbols: Set<String> = ["->>", "#>>", "<=>", "!~*", "!!="]
    private static let twoByteSymbols: Set<String> = [
        "::", ":=", "=>", "->", "#>", "<=", ">=", "<>", "!=", "==", "||", "<<", ">>", "@>", "<@", "!~", "~*",
        "**", "//", "&&", "?|", "?&", "|>", "^@",
    ]

    private mutating func run() throws {
        while index < bytes.count {
            let c = bytes[index]
            let start = index
            switch c {
            case 0x0A:
                line += 1
                index += 1
            case 0x20, 0x09, 0x0D, 0x0B, 0x0C:
                index += 1
            case 0x2D where byte(index + 1) == 0x2D:  // --
                skipLineComment()
            case 0x23 where hashComments:  // #
                skipLineComment()
            case 0x2F where byte(index + 1) == 0x2F && slashComments:  // //
                skipLineComment()
            case 0x2F where byte(index + 1) == 0x2A:  // /*
                try skipBlockComment()
            case 0x27:  // '
                let startLine = line
                try readQuoted(0x27, escapes: backslashEscapes)
                add(.string, start, startLine, text: text(start, index))
            case 0x22:  // "
                let startLine = line
                if doubleQuotesMakeStrings {
                    try readQuoted(0x22, escapes: backslashEscapes)
                    add(.string, start, startLine, text: text(start, index))
                } else {
                    let content = try readQuotedName(0x22)
                    add(.quoted, start, startLine, text: content, lower: content.lowercased())
                }
            case 0x60:  // `
                let startLine = line
                let content = try readQuotedName(0x60)
                add(.quoted, start, startLine, text: content, lower: content.lowercased())
            case 0x24:  // $
                try readDollar()
            case 0x40 where SQLLexer.isWordStart(byte(index + 1)) || byte(index + 1) == 0x40:  // @name, @@name
                index += 1
                while index < bytes.count, SQLLexer.isWordByte(bytes[index]) || bytes[index] == 0x40 { index += 1 }
                add(.parameter, start, line, text: text(start, index))
            case _ where SQLLexer.isDigit(c) || (c == 0x2E && SQLLexer.isDigit(byte(index + 1)) && !previousEndsAValue):
                readNumber()
            case _ where SQLLexer.isWordStart(c):
                try readWord()
            default:
                readSymbol()
            }
        }
        tokens.append(SQLToken(kind: .end, text: "", lower: "", line: line, start: bytes.count, end: bytes.count))
    }

    /// Whether the last token can be followed by `.field` (so `.5` is not a number after it).
    private var previousEndsAValue: Bool {
        guard let last = tokens.last else { return false }
        switch last.kind {
        // After a keyword that an expression follows (`then .5`), a dot starts a number.
        case .word: return !SQLLexer.keywordsBeforeAnExpression.contains(last.lower)
        case .quoted, .string, .number, .parameter: return true
        case .symbol: return last.text == ")" || last.text == "]"
        case .end: return false
        }
    }

    static let keywordsBeforeAnExpression: Set<String> = [
        "select", "where", "when", "then", "else", "and", "or", "not", "on", "having", "by", "case", "like", "ilike",
        "between", "in", "is", "distinct", "all", "any", "some", "limit", "offset", "top", "qualify", "return", "interval",
    ]

    private mutating func skipLineComment() {
        while index < bytes.count, bytes[index] != 0x0A { index += 1 }
    }

    private mutating func skipBlockComment() throws {
        let startLine = line
        index += 2
        while index < bytes.count {
            if bytes[index] == 0x2A, byte(index + 1) == 0x2F {
                index += 2
                return
            }
            if bytes[index] == 0x0A { line += 1 }
            index += 1
        }
        throw SQLSyntaxError(message: "a /* comment that is never closed, opened", line: startLine)
    }

    /// A quoted string; BigQuery's triple quotes too. Doubled quotes escape in every dialect.
    private mutating func readQuoted(_ quote: UInt8, escapes: Bool) throws {
        let startLine = line
        if dialect == .bigquery, byte(index + 1) == quote, byte(index + 2) == quote {
            index += 3
            while index < bytes.count {
                if bytes[index] == quote, byte(index + 1) == quote, byte(index + 2) == quote {
                    index += 3
                    return
                }
                if escapes, bytes[index] == 0x5C { index += 1 }
                if byte(index) == 0x0A { line += 1 }
                index += 1
            }
            throw SQLSyntaxError(message: "a string that is never closed, opened", line: startLine)
        }
        index += 1
        while index < bytes.count {
            let c = bytes[index]
            if c == quote {
                if byte(index + 1) == quote {
                    index += 2
                    continue
                }
                index += 1
                return
            }
            if c == 0x5C, escapes {
                if byte(index + 1) == 0x0A { line += 1 }
                index += 2
                continue
            }
            if c == 0x0A { line += 1 }
            index += 1
        }
        throw SQLSyntaxError(message: "a string that is never closed, opened", line: startLine)
    }

    private mutating func readQuotedName(_ quote: UInt8) throws -> String {
        let startLine = line
        index += 1
        var content: [UInt8] = []
        while index < bytes.count {
            let c = bytes[index]
            if c == quote {
                if byte(index + 1) == quote {
                    content.append(quote)
                    index += 2
                    continue
                }
                index += 1
                return String(decoding: content, as: UTF8.self)
            }
            if c == 0x0A { line += 1 }
            content.append(c)
            index += 1
        }
        throw SQLSyntaxError(message: "a quoted name that is never closed, opened", line: startLine)
    }

    /// `$1` (a parameter), `$$…$$` and `$tag$…$tag$` (strings), `$name` (a Snowflake variable).
    private mutating func readDollar() throws {
        let start = index
        let startLine = line
        if byte(index + 1) == 0x24 {
            index += 2
            try readUntil([0x24, 0x24], opened: startLine)
            add(.string, start, startLine, text: text(start, index))
            return
        }
        var end = index + 1
        while end < bytes.count, SQLLexer.isWordByte(bytes[end]), bytes[end] != 0x24 { end += 1 }
        if end > index + 1, byte(end) == 0x24, taggedDollarStrings, !SQLLexer.isDigit(byte(index + 1)) {
            let tag = Array(bytes[index...end])
            index = end + 1
            try readUntil(tag, opened: startLine)
            add(.string, start, startLine, text: text(start, index))
            return
        }
        index = max(end, index + 1)
        add(.parameter, start, startLine, text: text(start, index))
    }

    private mutating func readUntil(_ terminator: [UInt8], opened startLine: Int) throws {
        while index < bytes.count {
            if bytes[index] == terminator[0], index + terminator.count <= bytes.count,
               bytes[index..<(index + terminator.count)].elementsEqual(terminator) {
                index += terminator.count
                return
            }
            if bytes[index] == 0x0A { line += 1 }
            index += 1
        }
        throw SQLSyntaxError(message: "a $-quoted string that is never closed, opened", line: startLine)
    }

    private mutating func readNumber() {
        let start = index
        if byte(index) == 0x30, byte(index + 1) | 0x20 == 0x78 {  // 0x…
            index += 2
            while index < bytes.count, SQLLexer.isWordByte(bytes[index]) { index += 1 }
            add(.number, start, line, text: text(start, index))
            return
        }
        while index < bytes.count, SQLLexer.isDigit(bytes[index]) || bytes[index] == 0x5F { index += 1 }
        if byte(index) == 0x2E, byte(index + 1) != 0x2E {
            index += 1
            while index < bytes.count, SQLLexer.isDigit(bytes[index]) { index += 1 }
        }
        if byte(index) | 0x20 == 0x65 {  // e, E
            var next = index + 1
            if byte(next) == 0x2B || byte(next) == 0x2D { next += 1 }
            if SQLLexer.isDigit(byte(next)) {
                index = next
                while index < bytes.count, SQLLexer.isDigit(bytes[index]) { index += 1 }
            }
        }
        // Type suffixes (Databricks `10L`, `1.5D`, `2BD`) belong to the number.
        while index < bytes.count, SQLLexer.isWordStart(bytes[index]), bytes[index] < 0x80 { index += 1 }
        add(.number, start, line, text: text(start, index))
    }

    private mutating func readWord() throws {
        let start = index
        while index < bytes.count, SQLLexer.isWordByte(bytes[index]) { index += 1 }
        let length = index - start
        // String prefixes: E'…', N'…', B'…', X'…', U&'…', r'…', b'…', rb'…' (BigQuery raw/bytes).
        if length <= 2, byte(index) == 0x27 || (byte(index) == 0x22 && doubleQuotesMakeStrings) {
            let prefix = text(start, index).lowercased()
            if ["e", "n", "b", "x", "r", "rb", "br"].contains(prefix) {
                let raw = prefix.contains("r")
                let startLine = line
                try readQuoted(byte(index), escapes: prefix == "e" || (!raw && backslashEscapes))
                add(.string, start, startLine, text: text(start, index))
                return
            }
        }
        if length == 1, byte(start) | 0x20 == 0x75, byte(index) == 0x26, byte(index + 1) == 0x27 {  // U&'…'
            index += 1
            let startLine = line
            try readQuoted(0x27, escapes: false)
            add(.string, start, startLine, text: text(start, index))
            return
        }
        let word = text(start, index)
        add(.word, start, line, text: word, lower: SQLLexer.lowercase(word))
    }

    /// Lower-cases ASCII words without going through Unicode case mapping (the common case).
    static func lowercase(_ word: String) -> String {
        var ascii = true
        var hasUpper = false
        for c in word.utf8 {
            if c >= 0x80 { ascii = false; break }
            if c >= 0x41 && c <= 0x5A { hasUpper = true }
        }
        if !ascii { return word.lowercased() }
        if !hasUpper { return word }
        return String(decoding: word.utf8.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }, as: UTF8.self)
    }

    private mutating func readSymbol() {
        let start = index
        if index + 3 <= bytes.count, SQLLexer.threeByteSymbols.contains(text(index, index + 3)) {
            index += 3
        } else if index + 2 <= bytes.count, SQLLexer.twoByteSymbols.contains(text(index, index + 2)) {
            index += 2
        } else {
            // One byte, or one whole UTF-8 character when it is not ASCII (never split a scalar).
            index += 1
            while index < bytes.count, bytes[index] & 0xC0 == 0x80 { index += 1 }
        }
        add(.symbol, start, line, text: text(start, index))
    }
}
