/// Expressions, parsed only as far as column analysis needs: operator precedence does not
/// matter for "which columns does this read", so binary operators are read as a flat chain;
/// what needs care is every syntax in which a word is *not* a column (`interval '1' day`,
/// `extract(day from x)`, `cast(x as date)`, `date '2020-01-01'`, lambda parameters).
extension SQLParser {
    private static let binarySymbols: Set<String> = [
        "=", "<>", "!=", "<", ">", "<=", ">=", "==", "<=>", "+", "-", "*", "/", "%", "||", "^", "&", "|", "<<",
        ">>", "->", "->>", "#>", "#>>", "@>", "<@", "?", "?|", "?&", "~", "~*", "!~", "!~*", "**", "//", "&&",
        "#", "|>", "^@", "!!=", "@@", "@",
    ]
    private static let binaryWords: Set<String> = [
        "and", "or", "xor", "div", "overlaps", "escape", "glob", "like", "ilike", "rlike", "regexp", "between", "in",
    ]
    private static let negatableWords: Set<String> = ["in", "like", "ilike", "rlike", "regexp", "between", "similar", "glob"]

    /// Words that cannot start an expression (so a missing expression is an error, not a column).
    static let nonExpressionWords: Set<String> = [
        "from", "where", "group", "having", "qualify", "window", "order", "limit", "offset", "fetch", "union",
        "intersect", "except", "minus", "select", "on", "using", "join", "when", "then", "else", "end", "as",
        "and", "or", "by", "with", "into", "over", "inner", "outer", "cross", "natural", "full",
    ]

    /// Words that are values, not columns, when no `(` follows.
    private static let valueWords: Set<String> = [
        "null", "true", "false", "current_date", "current_timestamp", "current_time", "localtime", "localtimestamp",
        "current_user", "session_user", "current_role", "current_schema", "current_catalog", "current_database",
        "default", "unknown", "sysdate", "systimestamp",
    ]

    /// Words that make a typed literal when a string follows (`date '2020-01-01'`).
    private static let typedLiteralWords: Set<String> = [
        "date", "time", "timestamp", "datetime", "timestamp_ntz", "timestamp_ltz", "timestamp_tz", "timestamptz",
        "numeric", "decimal", "json", "bignumeric", "inet", "uuid", "bytea", "interval", "real", "float", "double",
        "int", "integer", "bigint", "boolean", "char", "varchar", "text", "string",
    ]

    /// Date and time parts: words, not columns, as arguments of the functions below and in `interval … day`.
    static let dateParts: Set<String> = [
        "year", "years", "yr", "yrs", "y", "yy", "yyy", "yyyy", "quarter", "quarters", "qtr", "q", "month", "months",
        "mon", "mons", "mm", "week", "weeks", "wk", "w", "isoweek", "weekiso", "week_iso", "day", "days", "dd", "d",
        "dayofweek", "dayofweekiso", "dow", "dw", "dayofmonth", "dayofyear", "doy", "dy", "hour", "hours", "hh",
        "h", "minute", "minutes", "mi", "min", "second", "seconds", "ss", "s", "sec", "secs", "millisecond",
        "milliseconds", "ms", "microsecond", "microseconds", "us", "nanosecond", "nanoseconds", "ns", "epoch",
        "epoch_second", "epoch_millisecond", "isoyear", "yearofweek", "yearofweekiso", "timezone_hour",
        "timezone_minute", "century", "decade", "millennium", "julian",
    ]

    /// Functions whose bare-word arguments can be date parts (`datediff(day, a, b)`).
    private static let datePartFunctions: Set<String> = [
        "date_trunc", "datediff", "date_diff", "dateadd", "date_add", "date_sub", "timestampadd", "timestampdiff",
        "timestamp_diff", "timestamp_trunc", "timestamp_add", "timestamp_sub", "datetime_diff", "datetime_trunc",
        "datetime_add", "datetime_sub", "time_diff", "time_trunc", "time_add", "time_sub", "date_part", "datepart",
        "last_day", "extract", "time_slice", "trunc", "date_bucket", "datetrunc", "timestamp_bucket",
    ]

    // MARK: Expressions

    /// An expression; `first` is an operand already read (a macro's output a select item starts with).
    mutating func parseExpr(first: SQLExpr? = nil) throws -> SQLExpr {
        try enter()
        defer { leave() }
        var parts = [try first ?? parseUnary()]
        while true {
            if isOpaqueStart {
                // A macro writing part of the expression (`over (…)`, `and x = 1`, `ignore nulls`).
                parts.append(.opaque(try parseOpaque()))
            } else if tokens[pos].kind == .symbol, SQLParser.binarySymbols.contains(tokens[pos].text) {
                advance()
                parts.append(try parseUnary())
            } else if tokens[pos].kind == .word {
                let word = tokens[pos].lower
                if word == "not", tokens[min(pos + 1, tokens.count - 1)].kind == .word, SQLParser.negatableWords.contains(tokens[min(pos + 1, tokens.count - 1)].lower) {
                    advance()
                    continue
                }
                if SQLParser.binaryWords.contains(word) {
                    advance()
                    if word == "in", isSymbol("("), isWord("select", at: 1) || isWord("with", at: 1) {
                        let line = tokens[pos].line
                        advance()
                        parts.append(.subquery(try parseQuery(), .value, line: line))
                        try expectSymbol(")")
                        continue
                    }
                    parts.append(try parseUnary())
                } else if word == "similar", isWord("to", at: 1) {
                    advance(); advance()
                    parts.append(try parseUnary())
                } else if word == "is" {
                    advance()
                    _ = acceptWord("not")
                    if acceptWord("distinct") { try expectWord("from") }
                    parts.append(try parseUnary())
                } else if word == "isnull" || word == "notnull" {
                    advance()
                } else if word == "at", isWord("time", at: 1), isWord("zone", at: 2) {
                    advance(); advance(); advance()
                    parts.append(try parseUnary())
                } else if word == "at", isWord("local", at: 1) {
                    advance(); advance()
                } else if word == "collate" {
                    advance()
                    advance()
                } else {
                    break
                }
            } else {
                break
            }
        }
        return parts.count == 1 ? parts[0] : .compound(parts)
    }

    mutating func parseUnary() throws -> SQLExpr {
        try enter()
        defer { leave() }
        while (tokens[pos].kind == .symbol && ["-", "+", "~", "!"].contains(tokens[pos].text)) || (isWord("not") && !isSymbol(",", at: 1))
                || isHierarchyOperator {
            advance()
        }
        return try parsePostfix(try parsePrimary())
    }

    /// `prior x` in a `connect by`, `connect_by_root x` in a select list (Snowflake, Oracle): an
    /// operator on the value after it, when a value follows (else it is a column of that name).
    private var isHierarchyOperator: Bool {
        guard isWord("prior") || isWord("connect_by_root") else { return false }
        let next = tokens[min(pos + 1, tokens.count - 1)]
        switch next.kind {
        case .word: return !SQLParser.clauseWords.contains(next.lower)
        case .quoted: return true
        case .symbol: return next.text == "("
        default: return false
        }
    }

    /// `::type`, `[index]`, `.field`, `:path` after a value.
    mutating func parsePostfix(_ value: SQLExpr) throws -> SQLExpr {
        var expression = value
        while true {
            if acceptSymbol("::") {
                try parseType()
                expression = .cast(expression)
            } else if isSymbol("[") {
                advance()
                var indexes: [SQLExpr] = []
                while !isSymbol("]") {
                    if acceptSymbol(":") || acceptSymbol(",") { continue }
                    guard tokens[pos].kind != .end else { throw unexpected("expected `]`") }
                    indexes.append(try parseExpr())
                }
                advance()
                expression = .path(expression, indexes)
            } else if isSymbol("."), tokens[min(pos + 1, tokens.count - 1)].kind == .word || tokens[min(pos + 1, tokens.count - 1)].kind == .quoted {
                advance(); advance()
                expression = .path(expression, [])
            } else if isSymbol(":"), [.word, .quoted, .string].contains(tokens[min(pos + 1, tokens.count - 1)].kind) {
                // Snowflake/Databricks variant paths: `v:field.sub[0]`.
                advance(); advance()
                expression = .path(expression, [])
            } else {
                return expression
            }
        }
    }

    /// Tokens that can follow an expression: where one of them stands where an operand should, a
    /// macro printed nothing there at parse time (`LOWER({{ col }} || …)` with `col` from a
    /// warehouse query, `IN ({{ ids() }})`), where dbt's compile prints a value.
    private static let holeFollowers: Set<String> = [",", ")", "]"]

    /// An operand a macro left empty, read as opaque output (it makes a select item partial), once
    /// per token so no loop can spin on it; anything else is a syntax error.
    private mutating func hole(line: Int) throws -> SQLExpr {
        let token = tokens[pos]
        let follows = token.kind == .symbol && (SQLParser.holeFollowers.contains(token.text) || SQLParser.binarySymbols.contains(token.text))
            || token.kind == .word && SQLParser.nonExpressionWords.contains(token.lower)
        guard holesAllowed, follows, pos != lastHole else { throw unexpected("expected an expression") }
        lastHole = pos
        return .opaque(SQLOpaque(arguments: [], nodes: [], line: line))
    }

    private mutating func parsePrimary() throws -> SQLExpr {
        let line = tokens[pos].line
        switch tokens[pos].kind {
        case .number, .parameter:
            advance()
            return .literal
        case .string:
            while tokens[pos].kind == .string { advance() }
            return .literal
        case .end:
            throw unexpected("expected an expression")
        case .quoted:
            return try parseNameOrCall()
        case .word:
            return try parseWordPrimary()
        case .symbol:
            switch tokens[pos].text {
            case "(":
                advance()
                if isWord("select") || isWord("with") || (isSymbol("(") && isWord("select", at: 1)) {
                    let query = try parseQuery()
                    try expectSymbol(")")
                    return .subquery(query, .value, line: line)
                }
                var items = [try parseExpr()]
                while acceptSymbol(",") {
                    if isSymbol(")") { break }
                    items.append(try parseExpr())
                }
                try expectSymbol(")")
                return items.count == 1 ? items[0] : .compound(items)
            case "[":
                return try parseBracketList()
            case "{":
                advance()
                var values: [SQLExpr] = []
                while !isSymbol("}") {
                    guard tokens[pos].kind != .end else { throw unexpected("expected `}`") }
                    advance()  // the key
                    try expectSymbol(":")
                    values.append(try parseExpr())
                    if !acceptSymbol(",") { break }
                }
                try expectSymbol("}")
                return .compound(values)
            case "*":
                advance()
                return .star(nil, line: line)
            case "?":
                advance()
                return .literal
            default:
                return try hole(line: line)
            }
        }
    }

    private mutating func parseBracketList() throws -> SQLExpr {
        try expectSymbol("[")
        var items: [SQLExpr] = []
        while !isSymbol("]") {
            guard tokens[pos].kind != .end else { throw unexpected("expected `]`") }
            items.append(try parseExpr())
            if !acceptSymbol(",") { break }
        }
        try expectSymbol("]")
        return .compound(items)
    }

    private mutating func parseWordPrimary() throws -> SQLExpr {
        let word = tokens[pos].lower
        let line = tokens[pos].line
        let next = peek()
        let callFollows = next.kind == .symbol && next.text == "("
        let commaFollows = next.kind == .symbol && next.text == ","
        if SQLParser.nonExpressionWords.contains(word) && !callFollows && !commaFollows {
            return try hole(line: line)
        }
        switch word {
        case "__dbt_opaque__" where callFollows:
            return .opaque(try parseOpaque())
        case "case":
            advance()
            var parts: [SQLExpr] = []
            if !isWord("when") { parts.append(try parseExpr()) }
            while acceptWord("when") {
                parts.append(try parseExpr())
                try expectWord("then")
                parts.append(try parseExpr())
            }
            if acceptWord("else") { parts.append(try parseExpr()) }
            try expectWord("end")
            return .compound(parts)
        case _ where callFollows && (word == "cast" || word == "try_cast" || word == "safe_cast"):
            advance(); advance()
            let inner = try parseExpr()
            if acceptWord("as") || acceptSymbol(",") { try parseType() }
            if acceptWord("format") { _ = try parseExpr() }
            try expectSymbol(")")
            return .cast(inner)
        case "exists" where callFollows && (isWord("select", at: 2) || isWord("with", at: 2) || isSymbol("(", at: 2)):
            advance(); advance()
            let query = try parseQuery()
            try expectSymbol(")")
            return .subquery(query, .exists, line: line)
        case "interval" where [.string, .number].contains(next.kind) || (next.kind == .symbol && ["-", "+", "("].contains(next.text)):
            advance()
            let value = try parseUnary()
            if tokens[pos].kind == .word, SQLParser.dateParts.contains(tokens[pos].lower) {
                advance()
                if acceptWord("to") { advance() }
            }
            return value
        case "interval" where next.kind == .word || next.kind == .quoted:
            let start = pos
            let savedDepth = depth
            advance()
            if let value = try? parseUnary(), tokens[pos].kind == .word, SQLParser.dateParts.contains(tokens[pos].lower) {
                advance()
                if acceptWord("to") { advance() }
                return value
            }
            pos = start
            depth = savedDepth
        case "array" where next.kind == .symbol && next.text == "[":
            advance()
            return try parseBracketList()
        case _ where ["array", "struct", "map", "row", "list"].contains(word) && next.kind == .symbol && next.text == "<":
            advance()
            try skipAngles()
            if isSymbol("[") { return try parseBracketList() }
            if isSymbol("(") { return .call(word, try parseCallArguments(word)) }
            return .literal
        default:
            break
        }
        if next.kind == .string, SQLParser.typedLiteralWords.contains(word) {
            advance()
            while tokens[pos].kind == .string { advance() }
            return .literal
        }
        if !callFollows, SQLParser.valueWords.contains(word) {
            advance()
            return .literal
        }
        return try parseNameOrCall()
    }

    /// A column reference (`a`, `t.a`, `s.t.a`), `t.*`, a call (`f(…)`, `safe.f(…)`) with its
    /// `within group`/`filter`/`over`, or a lambda parameter list.
    private mutating func parseNameOrCall() throws -> SQLExpr {
        let line = tokens[pos].line
        var parts = [tokens[pos].lower]
        var lastName = tokens[pos].text
        advance()
        while isSymbol(".") {
            let next = peek()
            if next.kind == .symbol, next.text == "*" {
                advance(); advance()
                return .star(parts, line: line)
            }
            guard next.kind == .word || next.kind == .quoted else { break }
            advance()
            parts.append(tokens[pos].lower)
            lastName = tokens[pos].text
            advance()
        }
        guard isSymbol("(") else { return .column(parts, name: lastName, line: line) }
        let name = parts.last ?? ""
        var expression = SQLExpr.call(name, try parseCallArguments(name))
        var extras: [SQLExpr] = []
        while true {
            if isWord("within"), isWord("group", at: 1) {
                advance(); advance()
                try expectSymbol("(")
                try expectWord("order")
                try expectWord("by")
                extras.append(contentsOf: try parseOrderList())
                try expectSymbol(")")
            } else if isWord("filter"), isSymbol("(", at: 1), isWord("where", at: 2) {
                advance(); advance(); advance()
                extras.append(try parseExpr())
                try expectSymbol(")")
            } else if (isWord("ignore") || isWord("respect")), isWord("nulls", at: 1) {
                advance(); advance()
            } else if isWord("from"), isWord("first", at: 1) || isWord("last", at: 1), isWord("over", at: 2) || isWord("ignore", at: 2) || isWord("respect", at: 2) {
                advance(); advance()
            } else {
                break
            }
        }
        if !extras.isEmpty { expression = .compound([expression] + extras) }
        if acceptWord("over") {
            if acceptSymbol("(") {
                expression = .windowed(expression, try parseWindowSpecification())
            } else {
                expression = .windowed(expression, SQLWindow(name: SQLLexer.lowercase(try parseName())))
            }
        }
        return expression
    }

    /// The inside of `over (…)` or `window w as (…)`, after the `(`; consumes the `)`.
    mutating func parseWindowSpecification() throws -> SQLWindow {
        var window = SQLWindow(name: nil)
        if isName, !(tokens[pos].kind == .word && ["partition", "order", "rows", "range", "groups"].contains(tokens[pos].lower)) {
            window.name = tokens[pos].lower
            advance()
        }
        if isWord("partition"), isWord("by", at: 1) {
            advance(); advance()
            repeat { window.partition.append(try parseExpr()) } while acceptSymbol(",")
        }
        if isWord("order"), isWord("by", at: 1) {
            advance(); advance()
            window.order = try parseOrderList()
        }
        // The frame (`rows between unbounded preceding and current row`) reads no column.
        if !isSymbol(")") {
            var nesting = 0
            while tokens[pos].kind != .end {
                if isSymbol("(") { nesting += 1 }
                if isSymbol(")") {
                    if nesting == 0 { break }
                    nesting -= 1
                }
                advance()
            }
        }
        try expectSymbol(")")
        return window
    }

    /// `(…)` arguments of a call named `name` (lower-cased): positional, named (`input => x`),
    /// `distinct`, subqueries, lambdas, `order by`/`ignore nulls`/`limit` inside aggregates,
    /// and the keyword forms `substring(x from 1 for 2)`, `trim(both 'x' from y)`,
    /// `extract(day from x)`.
    mutating func parseCallArguments(_ name: String) throws -> [SQLExpr] {
        try enter()
        defer { leave() }
        try expectSymbol("(")
        var arguments: [SQLExpr] = []
        _ = acceptWord("distinct") || acceptWord("all")
        if name == "trim" { _ = acceptWord("both") || acceptWord("leading") || acceptWord("trailing") }
        while !isSymbol(")") {
            guard tokens[pos].kind != .end else { throw unexpected("expected `)`") }
            if isWord("select") || isWord("with") {
                let line = tokens[pos].line
                arguments.append(.subquery(try parseQuery(), .value, line: line))
            } else if let lambda = try parseLambdaIfPresent() {
                arguments.append(lambda)
            } else if isName, isSymbol("=>", at: 1) {
                advance(); advance()
                arguments.append(try parseExpr())
            } else if isSymbol("*"), isSymbol(")", at: 1) || isSymbol(",", at: 1) {
                let line = tokens[pos].line
                advance()
                arguments.append(name == "count" ? .literal : .star(nil, line: line))
            } else {
                arguments.append(try parseExpr())
            }
            while true {
                if isWord("order"), isWord("by", at: 1) {
                    advance(); advance()
                    arguments.append(contentsOf: try parseOrderList())
                } else if (isWord("ignore") || isWord("respect")), isWord("nulls", at: 1) {
                    advance(); advance()
                } else if acceptWord("limit") || acceptWord("separator") {
                    arguments.append(try parseExpr())
                } else if isWord("having"), isWord("max", at: 1) || isWord("min", at: 1) {
                    advance(); advance()
                    arguments.append(try parseExpr())
                } else if acceptWord("as") || acceptWord("returning") {
                    try parseType()
                } else if (isWord("null") || isWord("absent")), isWord("on", at: 1) {
                    advance(); advance(); advance()
                } else {
                    break
                }
            }
            if acceptSymbol(",") || acceptWord("from") || acceptWord("for") || acceptWord("placing") || acceptWord("using") { continue }
            break
        }
        try expectSymbol(")")
        // Redshift's `convert(type, x)`: the type is a word, not a column.
        if name == "convert", arguments.count == 2, case let .column(parts, _, _) = arguments[0], parts.count == 1 {
            arguments[0] = .literal
        }
        if SQLParser.datePartFunctions.contains(name) {
            arguments = arguments.map { argument in
                if case let .column(parts, _, _) = argument, parts.count == 1, SQLParser.dateParts.contains(parts[0]) { return .literal }
                if case let .call(function, _) = argument, function == "week" || function == "isoweek" { return .literal }
                return argument
            }
        }
        return arguments
    }

    /// `x -> body` or `(x, y) -> body` (Databricks, DuckDB, Snowflake). A body that does not
    /// use its parameter is Postgres' JSON `->` on a column instead, and reads it.
    private mutating func parseLambdaIfPresent() throws -> SQLExpr? {
        var parameters: [String] = []
        if tokens[pos].kind == .word, isSymbol("->", at: 1), !SQLParser.nonExpressionWords.contains(tokens[pos].lower) {
            parameters = [tokens[pos].lower]
            let line = tokens[pos].line
            let name = tokens[pos].text
            advance(); advance()
            let body = try parseExpr()
            if SQLParser.mentions(body, parameters) { return .lambda(parameters, body) }
            return .compound([.column(parameters, name: name, line: line), body])
        }
        guard isSymbol("(") else { return nil }
        var offset = 1
        while peek(offset).kind == .word, isSymbol(",", at: offset + 1) || isSymbol(")", at: offset + 1) {
            parameters.append(peek(offset).lower)
            if isSymbol(")", at: offset + 1) {
                guard isSymbol("->", at: offset + 2) else { return nil }
                pos += offset + 3
                return .lambda(parameters, try parseExpr())
            }
            offset += 2
        }
        return nil
    }

    static func mentions(_ expression: SQLExpr, _ names: [String]) -> Bool {
        switch expression {
        case let .column(parts, _, _): return names.contains(parts[0])
        case .literal, .position, .star, .subquery, .opaque: return false
        case let .call(_, arguments), let .compound(arguments): return arguments.contains { mentions($0, names) }
        case let .windowed(inner, _), let .cast(inner), let .lambda(_, inner): return mentions(inner, names)
        case let .path(inner, indexes): return mentions(inner, names) || indexes.contains { mentions($0, names) }
        }
    }

    /// A type after `::`, `cast(… as`, or in a column definition: names, `(…)`, `<…>`, `[]`.
    mutating func parseType() throws {
        if isOpaqueStart {
            _ = try parseOpaque()
            return
        }
        guard isName else { throw unexpected("expected a type") }
        let first = tokens[pos].lower
        advance()
        while isSymbol("."), tokens[min(pos + 1, tokens.count - 1)].kind == .word { advance(); advance() }
        while tokens[pos].kind == .word {
            if ["precision", "varying", "unsigned", "signed"].contains(tokens[pos].lower) {
                advance()
            } else if (isWord("with") || isWord("without")), isWord("time", at: 1) || isWord("local", at: 1) {
                advance()
                _ = acceptWord("local")
                try expectWord("time")
                try expectWord("zone")
            } else {
                break
            }
        }
        if isSymbol("(") {
            pos = closingIndex(from: pos)
            advance()
        }
        if isSymbol("<"), ["array", "struct", "map", "row", "list", "object", "vector"].contains(first) {
            try skipAngles()
        }
        while isSymbol("["), isSymbol("]", at: 1) || (tokens[min(pos + 1, tokens.count - 1)].kind == .number && isSymbol("]", at: 2)) {
            pos = closingIndex(from: pos)
            advance()
        }
    }

    /// `<…>` type parameters (`array<struct<a int>>`); `>>` closes two levels.
    mutating func skipAngles() throws {
        var nesting = 0
        repeat {
            guard tokens[pos].kind != .end else { throw unexpected("expected `>`") }
            if isSymbol("<") { nesting += 1 }
            if isSymbol(">") { nesting -= 1 }
            if isSymbol(">>") { nesting -= 2 }
            if isSymbol("<>") { nesting += 0 }
            advance()
        } while nesting > 0
    }

    /// `__dbt_opaque__(…)`: its arguments parsed as expressions when they are SQL; otherwise
    /// the bare names in them (read, to over-approximate), and the node placeholders.
    mutating func parseOpaque() throws -> SQLOpaque {
        let line = tokens[pos].line
        advance()
        let open = pos
        let close = closingIndex(from: open)
        guard tokens[close].kind == .symbol, tokens[close].text == ")" else {
            throw SQLSyntaxError(message: "the macro output opened here is never closed", line: line)
        }
        var nodes: [Int] = []
        for index in (open + 1)..<close where tokens[index].kind == .word {
            if let node = SQLParser.nodeIndex(tokens[index].lower), !nodes.contains(node) { nodes.append(node) }
        }
        let savedDepth = depth
        let savedHoles = holesAllowed
        holesAllowed = false
        defer { holesAllowed = savedHoles }
        if let arguments = try? parseCallArguments("__dbt_opaque__"), pos == close + 1 {
            return SQLOpaque(arguments: arguments.filter { !SQLParser.isNodePlaceholder($0) }, nodes: nodes, line: line)
        }
        depth = savedDepth
        var arguments: [SQLExpr] = []
        var index = open + 1
        while index < close {
            let t = tokens[index]
            if t.kind == .word || t.kind == .quoted, SQLParser.nodeIndex(t.lower) == nil,
               !(t.kind == .word && (SQLParser.clauseWords.contains(t.lower) || SQLParser.valueWords.contains(t.lower))),
               index == 0 || !(tokens[index - 1].kind == .symbol && tokens[index - 1].text == ".") {
                var parts = [t.lower]
                var last = t.text
                var end = index + 1
                while end + 1 < close, tokens[end].kind == .symbol, tokens[end].text == ".",
                      tokens[end + 1].kind == .word || tokens[end + 1].kind == .quoted {
                    parts.append(tokens[end + 1].lower)
                    last = tokens[end + 1].text
                    end += 2
                }
                let next = tokens[end]
                let isCallOrKeyword = next.kind == .symbol && (next.text == "(" || next.text == "=>")
                if !isCallOrKeyword { arguments.append(.column(parts, name: last, line: t.line)) }
                index = end
                continue
            }
            index += 1
        }
        pos = close
        advance()
        return SQLOpaque(arguments: arguments, nodes: nodes, line: line)
    }

    private static func isNodePlaceholder(_ expression: SQLExpr) -> Bool {
        if case let .column(parts, _, _) = expression, parts.count == 1, nodeIndex(parts[0]) != nil { return true }
        return false
    }
}
