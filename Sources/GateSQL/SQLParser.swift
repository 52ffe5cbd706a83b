import Foundation

/// What the last statement of a model's SQL is.
enum SQLStatement {
    case query(SQLQuery)
    /// Not a query (`create …`, `insert …`): the word it starts with, and its line.
    case notQuery(String, line: Int)
    /// Only the output of macros the gate cannot run, possibly followed by something that is not a query.
    case opaque(line: Int)
    case empty
}

/// A recursive-descent parser over the query structure, with a tolerant expression parser
/// (SQLExpressionParser.swift): it keeps what column analysis needs and skips what it does not
/// (types, window frames, sampling, time travel). Errors are `SQLSyntaxError`s naming a line;
/// nesting deeper than `maxDepth` is an error too, so no input can exhaust the stack.
struct SQLParser {
    let tokens: [SQLToken]
    let dialect: SQLDialect
    var pos = 0
    /// Where the last hole was read (see `hole(line:)`): a second one at the same token is an error.
    var lastHole = -1
    /// Off while a macro's arguments are tried as expressions: there a missing operand means they
    /// are not SQL, and the names in them are read instead.
    var holesAllowed = true
    var depth = 0
    static let maxDepth = 100

    init(tokens: [SQLToken], dialect: SQLDialect) {
        self.tokens = tokens
        self.dialect = dialect
    }

    // MARK: Tokens

    var token: SQLToken { tokens[pos] }
    func peek(_ offset: Int = 1) -> SQLToken { tokens[min(pos + offset, tokens.count - 1)] }
    func isWord(_ word: String) -> Bool { tokens[pos].kind == .word && tokens[pos].lower == word }
    func isWord(_ word: String, at offset: Int) -> Bool { let t = peek(offset); return t.kind == .word && t.lower == word }
    func isSymbol(_ symbol: String) -> Bool { tokens[pos].kind == .symbol && tokens[pos].text == symbol }
    func isSymbol(_ symbol: String, at offset: Int) -> Bool { let t = peek(offset); return t.kind == .symbol && t.text == symbol }
    var isName: Bool { tokens[pos].kind == .word || tokens[pos].kind == .quoted }

    mutating func advance() { if pos < tokens.count - 1 { pos += 1 } }

    mutating func acceptWord(_ word: String) -> Bool {
        guard isWord(word) else { return false }
        advance()
        return true
    }

    mutating func acceptSymbol(_ symbol: String) -> Bool {
        guard isSymbol(symbol) else { return false }
        advance()
        return true
    }

    mutating func expectWord(_ word: String) throws {
        guard acceptWord(word) else { throw unexpected("expected `\(word)`") }
    }

    mutating func expectSymbol(_ symbol: String) throws {
        guard acceptSymbol(symbol) else { throw unexpected("expected `\(symbol)`") }
    }

    static func describe(_ token: SQLToken) -> String {
        switch token.kind {
        case .end: return "the end of the SQL"
        case .string: return "a string"
        case .quoted: return "the quoted name \"\(token.text)\""
        default: return "`\(token.text)`"
        }
    }

    func unexpected(_ what: String) -> SQLSyntaxError {
        SQLSyntaxError(message: "\(what), found \(SQLParser.describe(token))", line: tokens[pos].line)
    }

    mutating func enter() throws {
        depth += 1
        if depth > SQLParser.maxDepth {
            throw SQLSyntaxError(message: "nesting deeper than \(SQLParser.maxDepth) levels", line: tokens[pos].line)
        }
    }

    mutating func leave() { depth -= 1 }

    /// A name (unquoted or quoted), as written.
    mutating func parseName() throws -> String {
        guard isName else { throw unexpected("expected a name") }
        let name = tokens[pos].text
        advance()
        return name
    }

    /// `(a, b, …)` names as written.
    mutating func parseNameList() throws -> [String] {
        try expectSymbol("(")
        var names: [String] = []
        if acceptSymbol(")") { return names }
        repeat { names.append(try parseName()) } while acceptSymbol(",")
        try expectSymbol(")")
        return names
    }

    var isOpaqueStart: Bool { isWord("__dbt_opaque__") && isSymbol("(", at: 1) }

    static func containsOpaqueMarker(_ name: String) -> Bool {
        let marker = Array("__dbt_opaque__".utf8)
        let bytes = Array(name.utf8)
        guard bytes.count >= marker.count else { return false }
        for start in 0...(bytes.count - marker.count) where bytes[start] == 0x5F && bytes[start..<(start + marker.count)].elementsEqual(marker) {
            return true
        }
        return false
    }

    static func nodeIndex(_ lower: String) -> Int? {
        guard lower.hasPrefix("__dbt_node_"), lower.hasSuffix("__"), lower.count > 13 else { return nil }
        let digits = lower.dropFirst(11).dropLast(2)
        guard digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber) else { return nil }
        return Int(digits)
    }

    // MARK: Statements

    /// The last statement of the SQL (rendered models hold one; trailing `;` and macro-made
    /// preambles are skipped).
    mutating func parseLastStatement() throws -> SQLStatement {
        var last = SQLStatement.empty
        while tokens[pos].kind != .end {
            if acceptSymbol(";") { continue }
            let line = tokens[pos].line
            var leading: [SQLOpaque] = []
            while isOpaqueStart { leading.append(try parseOpaque()) }
            let sawOpaque = !leading.isEmpty
            if tokens[pos].kind == .end || isSymbol(";") {
                if sawOpaque { last = .opaque(line: line) }
                continue
            }
            // `{{ import_ctes(…) }}, final as (…) select …`: a macro wrote the first CTEs.
            let continuesWith = sawOpaque && isSymbol(",") && (tokens[min(pos + 1, tokens.count - 1)].kind == .word || tokens[min(pos + 1, tokens.count - 1)].kind == .quoted) && isWord("as", at: 2)
            if isWord("select") || isWord("with") || isWord("values") || isSymbol("(") || continuesWith {
                let query = try parseQuery(macroCTEs: continuesWith ? leading : [])
                guard tokens[pos].kind == .end || isSymbol(";") else { throw unexpected("expected the end of the query") }
                last = .query(query)
                continue
            }
            if sawOpaque {
                last = .opaque(line: line)
            } else {
                last = .notQuery(tokens[pos].kind == .word ? tokens[pos].lower : SQLParser.describe(token), line: tokens[pos].line)
            }
            skipStatement()
        }
        return last
    }

    private mutating func skipStatement() {
        var nesting = 0
        while tokens[pos].kind != .end {
            if tokens[pos].kind == .symbol {
                if tokens[pos].text == "(" { nesting += 1 }
                if tokens[pos].text == ")" { nesting -= 1 }
                if tokens[pos].text == ";" && nesting <= 0 { return }
            }
            advance()
        }
    }

    // MARK: Queries

    /// A query; `macroCTEs` (at the start of a statement) are macro outputs that stand for the
    /// first CTEs of a `with` list the SQL continues with `, name as (…)`.
    mutating func parseQuery(macroCTEs: [SQLOpaque] = []) throws -> SQLQuery {
        try enter()
        defer { leave() }
        let line = tokens[pos].line
        var ctes: [SQLCTE] = []
        var opaqueCTEs = macroCTEs
        var recursive = false
        if !macroCTEs.isEmpty || acceptWord("with") {
            recursive = macroCTEs.isEmpty && acceptWord("recursive")
            if !macroCTEs.isEmpty { try expectSymbol(",") }
            while true {
                if isOpaqueStart {
                    // A macro writing CTEs, or (when nothing follows) the whole final query.
                    let after = tokens[min(closingIndex(from: pos + 1) + 1, tokens.count - 1)]
                    if after.kind == .end || (after.kind == .symbol && (after.text == ";" || after.text == ")")) { break }
                    opaqueCTEs.append(try parseOpaque())
                } else {
                    let cteLine = tokens[pos].line
                    let name = try parseName()
                    let columns = isSymbol("(") ? try parseNameList() : nil
                    try expectWord("as")
                    _ = acceptWord("not")
                    _ = acceptWord("materialized")
                    try expectSymbol("(")
                    let body = try parseQuery()
                    try expectSymbol(")")
                    ctes.append(SQLCTE(key: SQLLexer.lowercase(name), name: name, columns: columns, query: body, line: cteLine))
                }
                if acceptSymbol(",") {
                    if isWord("select") { break }  // a trailing comma a macro left
                    continue
                }
                if isOpaqueStart { continue }
                break
            }
        }
        let query = SQLQuery(body: try parseSetBody(), line: line)
        query.ctes = ctes
        query.opaqueCTEs = opaqueCTEs
        query.recursive = recursive
        return query
    }

    /// The index of the `)` closing the `(` at `open`, or the end token's index.
    func closingIndex(from open: Int) -> Int {
        var nesting = 0
        var index = open
        while index < tokens.count - 1 {
            let t = tokens[index]
            if t.kind == .symbol {
                switch t.text {
                case "(", "[", "{": nesting += 1
                case ")", "]", "}":
                    nesting -= 1
                    if nesting == 0 { return index }
                default: break
                }
            }
            index += 1
        }
        return tokens.count - 1
    }

    private static let setOperators: Set<String> = ["union", "intersect", "except", "minus"]

    mutating func parseSetBody() throws -> SQLBody {
        var body = try parseSetOperand()
        while tokens[pos].kind == .word, SQLParser.setOperators.contains(tokens[pos].lower) {
            let line = tokens[pos].line
            advance()
            _ = acceptWord("all") || acceptWord("distinct")
            var byName = false
            if isWord("by"), isWord("name", at: 1) {
                advance(); advance()
                byName = true
            } else if acceptWord("corresponding") {
                byName = true
            }
            let right = try parseSetOperand()
            body = .setOperation(body, right, byName: byName, line: line)
        }
        // `(select …) union (select …) order by 1 limit 5`: the order is by output columns.
        if isWord("order") || isWord("limit") || isWord("offset") || isWord("fetch") {
            let trailing = SQLSelect(line: tokens[pos].line)
            try parseTrailingClauses(into: trailing)
        }
        return body
    }

    private mutating func parseSetOperand() throws -> SQLBody {
        if isWord("select") { return .select(try parseSelect()) }
        if isWord("values") {
            let line = tokens[pos].line
            return .values(try parseValuesRows(), line: line)
        }
        if isWord("with") { return .query(try parseQuery()) }
        if isOpaqueStart { return .opaque(try parseOpaque()) }
        if acceptSymbol("(") {
            let query = try parseQuery()
            try expectSymbol(")")
            return .query(query)
        }
        if holesAllowed, isSymbol(")"), pos != lastHole {
            // `unioned as ( )`: a macro (dbt_utils.union_relations over relations whose columns the
            // warehouse gives at compile time) printed no query here at parse time.
            lastHole = pos
            return .opaque(SQLOpaque(arguments: [], nodes: [], line: tokens[pos].line))
        }
        throw unexpected("expected a query (`select`, `with`, `values` or a parenthesised query)")
    }

    mutating func parseValuesRows() throws -> [[SQLExpr]] {
        try expectWord("values")
        var rows: [[SQLExpr]] = []
        repeat {
            if acceptSymbol("(") {
                var row: [SQLExpr] = []
                if !isSymbol(")") {
                    repeat { row.append(try parseExpr()) } while acceptSymbol(",")
                }
                try expectSymbol(")")
                rows.append(row)
            } else {
                rows.append([try parseExpr()])
            }
        } while acceptSymbol(",")
        return rows
    }

    // MARK: Select

    /// Words that end a select list or an expression: a bare word among them is never an alias.
    static let clauseWords: Set<String> = [
        "from", "where", "group", "having", "qualify", "window", "order", "limit", "offset", "fetch",
        "union", "intersect", "except", "minus", "into", "as", "and", "or", "not", "is", "in", "like",
        "ilike", "rlike", "regexp", "similar", "glob", "between", "over", "then", "when", "else", "end",
        "on", "using", "join", "inner", "left", "right", "full", "cross", "natural", "outer", "with",
        "for", "asc", "desc", "nulls", "escape", "collate", "sort", "cluster", "distribute", "semi",
        "anti", "lateral", "pivot", "unpivot", "sample", "tablesample", "select", "returning",
        "__dbt_opaque__", "connect", "start", "match_recognize", "asof", "positional", "straight_join",
        "apply", "by", "case",
    ]

    /// Words that end a select list (after a trailing comma too).
    static let selectListEnds: Set<String> = [
        "from", "where", "group", "having", "qualify", "window", "order", "limit", "union", "intersect",
        "except", "minus", "into",
    ]

    /// Words that continue an expression (so a macro's output before them is part of one).
    static let binaryStartWords: Set<String> = [
        "and", "or", "is", "in", "not", "like", "ilike", "rlike", "regexp", "similar", "between", "over", "collate",
        "at", "within", "filter", "ignore", "respect", "xor", "div", "escape", "glob", "isnull", "notnull",
    ]

    /// Words after a from item that are never its alias.
    static let fromClauseWords: Set<String> = clauseWords.union(["at", "before", "changes", "any", "global", "final", "values"])

    mutating func parseSelect() throws -> SQLSelect {
        try enter()
        defer { leave() }
        let select = SQLSelect(line: tokens[pos].line)
        try expectWord("select")
        while true {
            if isWord("top"), tokens[min(pos + 1, tokens.count - 1)].kind == .number || isSymbol("(", at: 1) {
                advance()
                select.others.append(try parseUnary())
                _ = acceptWord("percent")
                continue
            }
            if acceptWord("all") { continue }
            if acceptWord("distinct") {
                if isWord("on"), isSymbol("(", at: 1) {
                    advance(); advance()
                    repeat { select.others.append(try parseExpr()) } while acceptSymbol(",")
                    try expectSymbol(")")
                }
                continue
            }
            if isWord("as"), isWord("struct", at: 1) || isWord("value", at: 1) {
                advance(); advance()
                continue
            }
            break
        }
        while true {
            // `limit` and friends are columns when a comma follows (`select id, limit, …`).
            if tokens[pos].kind == .word, SQLParser.selectListEnds.contains(tokens[pos].lower), !isSymbol(",", at: 1) { break }
            if tokens[pos].kind == .end || isSymbol(")") || isSymbol(";") { break }
            let item = try parseSelectItem()
            select.items.append(item)
            if acceptSymbol(",") { continue }
            // A macro that wrote whole select items (with their commas) needs no comma after it.
            if case let .expression(.opaque, alias, _, _) = item, alias == nil,
               isOpaqueStart || isSymbol("*") || tokens[pos].kind == .quoted
                || (tokens[pos].kind == .word && !SQLParser.selectListEnds.contains(tokens[pos].lower) && !SQLParser.clauseWords.contains(tokens[pos].lower)) {
                continue
            }
            break
        }
        if acceptWord("into") { _ = try parseNameParts() }
        try parseClauses(into: select)
        return select
    }

    private mutating func parseClauses(into select: SQLSelect) throws {
        while true {
            if isWord("from") {
                advance()
                select.from.append(contentsOf: try parseFromList())
            } else if isWord("lateral"), isWord("view", at: 1) {
                let line = tokens[pos].line
                let item = try parseLateralView()
                if let last = select.from.popLast() {
                    select.from.append(.join(last, item, SQLJoin(line: line)))
                } else {
                    select.from.append(item)
                }
            } else if acceptWord("where") {
                select.whereClause = try parseExpr()
            } else if isWord("group"), isWord("by", at: 1) {
                select.groupByLine = tokens[pos].line
                advance(); advance()
                if isWord("all"), !isSymbol("(", at: 1) {
                    advance()
                    select.groupByAll = true
                } else {
                    repeat { select.groupBy.append(try parseGroupingItem()) } while acceptSymbol(",")
                }
                if acceptWord("with") { _ = acceptWord("rollup") || acceptWord("cube") }
            } else if acceptWord("having") {
                select.having = try parseExpr()
            } else if acceptWord("qualify") {
                select.qualify = try parseExpr()
            } else if isWord("start"), isWord("with", at: 1) {
                // Snowflake's (and Oracle's) hierarchical query: read, not output.
                advance(); advance()
                select.others.append(try parseExpr())
            } else if isWord("connect"), isWord("by", at: 1) {
                advance(); advance()
                _ = acceptWord("nocycle")
                select.others.append(try parseExpr())
            } else if isWord("window"), tokens[min(pos + 1, tokens.count - 1)].kind == .word || tokens[min(pos + 1, tokens.count - 1)].kind == .quoted {
                advance()
                repeat {
                    let name = SQLLexer.lowercase(try parseName())
                    try expectWord("as")
                    try expectSymbol("(")
                    select.windows.append((name, try parseWindowSpecification()))
                } while acceptSymbol(",")
            } else if isOpaqueStart {
                select.others.append(.opaque(try parseOpaque()))
            } else if isWord("order") || isWord("limit") || isWord("offset") || isWord("fetch")
                        || ((isWord("sort") || isWord("cluster") || isWord("distribute")) && isWord("by", at: 1)) {
                try parseTrailingClauses(into: select)
            } else {
                return
            }
        }
    }

    /// `order by`, `limit`, `offset`, `fetch`, and Databricks' `sort/cluster/distribute by`.
    mutating func parseTrailingClauses(into select: SQLSelect) throws {
        while true {
            if isWord("order"), isWord("by", at: 1) {
                advance(); advance()
                select.orderBy.append(contentsOf: try parseOrderList())
            } else if (isWord("sort") || isWord("cluster") || isWord("distribute")), isWord("by", at: 1) {
                advance(); advance()
                select.others.append(contentsOf: try parseOrderList())
            } else if acceptWord("limit") {
                if acceptWord("all") { continue }
                select.others.append(try parseExpr())
                if acceptSymbol(",") { select.others.append(try parseExpr()) }
            } else if acceptWord("offset") {
                select.others.append(try parseExpr())
                _ = acceptWord("rows") || acceptWord("row")
            } else if acceptWord("fetch") {
                while tokens[pos].kind == .number || tokens[pos].kind == .parameter
                        || ["first", "next", "rows", "row", "only", "with", "ties", "percent"].contains(tokens[pos].lower) && tokens[pos].kind == .word {
                    advance()
                }
            } else {
                return
            }
        }
    }

    mutating func parseOrderList() throws -> [SQLExpr] {
        var items: [SQLExpr] = []
        repeat {
            items.append(try parseGroupingItem())
            _ = acceptWord("asc") || acceptWord("desc")
            if acceptWord("nulls") { _ = acceptWord("first") || acceptWord("last") }
            if acceptWord("using") { advance() }
        } while acceptSymbol(",")
        return items
    }

    /// A `group by`/`order by` item: a position (`1`), `grouping sets (…)`, or an expression.
    private mutating func parseGroupingItem() throws -> SQLExpr {
        if tokens[pos].kind == .number, let position = Int(tokens[pos].text) {
            let next = peek()
            let ends = next.kind == .end || (next.kind == .symbol && [",", ")", ";"].contains(next.text))
                || (next.kind == .word && (SQLParser.clauseWords.contains(next.lower) || next.lower == "nulls"))
            if ends {
                let line = tokens[pos].line
                advance()
                return .position(position, line: line)
            }
        }
        if isWord("grouping"), isWord("sets", at: 1) {
            advance(); advance()
            return try parseUnary()
        }
        return try parseExpr()
    }

    mutating func parseSelectItem() throws -> SQLSelectItem {
        let line = tokens[pos].line
        if let qualifier = try parseStarQualifier() {
            var star = SQLStar(qualifier: qualifier, line: line)
            try parseStarModifiers(&star)
            return .star(star)
        }
        let start = pos
        var expression: SQLExpr
        if isOpaqueStart {
            let opaque = try parseOpaque()
            let ends = tokens[pos].kind == .end || isSymbol(",") || isSymbol(")") || isSymbol(";") || isOpaqueStart
                || tokens[pos].kind == .quoted || (tokens[pos].kind == .word && !isWord("as") && !SQLParser.binaryStartWords.contains(tokens[pos].lower))
            if ends {
                return .expression(.opaque(opaque), alias: nil, text: tokens[start].start..<tokens[max(start, pos - 1)].end, line: line)
            }
            expression = try parseExpr(first: try parsePostfix(.opaque(opaque)))
        } else {
            expression = try parseExpr()
        }
        let text = tokens[start].start..<tokens[max(start, pos - 1)].end
        var alias: String?
        if acceptWord("as") {
            guard isName || tokens[pos].kind == .string else { throw unexpected("expected a column alias after `as`") }
            alias = tokens[pos].kind == .string ? SQLParser.stringContent(tokens[pos].text) : tokens[pos].text
            advance()
        } else if tokens[pos].kind == .quoted || (tokens[pos].kind == .word && !SQLParser.clauseWords.contains(tokens[pos].lower)) {
            alias = tokens[pos].text
            advance()
        }
        if isSymbol("("), let name = alias, name.utf8.count >= 14, SQLParser.containsOpaqueMarker(name) {
            // A column named by a macro: one column, its name unknown.
            pos = closingIndex(from: pos)
            advance()
            return .expression(.opaque(SQLOpaque(arguments: [expression], nodes: [], line: line, namesOneColumn: true)),
                               alias: nil, text: text, line: line)
        }
        return .expression(expression, alias: alias, text: text, line: line)
    }

    /// `*` (→ []) or `t.*`/`s.t.*` (→ the lower-cased parts), consumed; nil otherwise.
    private mutating func parseStarQualifier() throws -> [String]?? {
        if isSymbol("*") {
            advance()
            return .some(nil)
        }
        var offset = 0
        var parts: [String] = []
        while peek(offset).kind == .word || peek(offset).kind == .quoted, isSymbol(".", at: offset + 1) {
            parts.append(peek(offset).lower)
            if isSymbol("*", at: offset + 2) {
                pos += offset + 3
                return .some(parts)
            }
            offset += 2
        }
        return nil
    }

    private mutating func parseStarModifiers(_ star: inout SQLStar) throws {
        while true {
            if isWord("exclude") || (isWord("except") && isSymbol("(", at: 1)) {
                advance()
                if isSymbol("(") {
                    star.exclude.append(contentsOf: try parseNameList().map(SQLLexer.lowercase))
                } else {
                    star.exclude.append(SQLLexer.lowercase(try parseName()))
                }
            } else if isWord("replace"), isSymbol("(", at: 1) {
                advance(); advance()
                repeat {
                    let expression = try parseExpr()
                    try expectWord("as")
                    star.replace.append((expression, try parseName()))
                } while acceptSymbol(",")
                try expectSymbol(")")
            } else if isWord("rename") {
                advance()
                let parenthesised = acceptSymbol("(")
                repeat {
                    var old = try parseName()
                    while acceptSymbol(".") { old = try parseName() }
                    try expectWord("as")
                    star.rename.append((SQLLexer.lowercase(old), try parseName()))
                } while parenthesised && acceptSymbol(",")
                if parenthesised { try expectSymbol(")") }
            } else if (isWord("ilike") || isWord("like")), tokens[min(pos + 1, tokens.count - 1)].kind == .string {
                advance()
                star.like = SQLParser.stringContent(tokens[pos].text)
                advance()
            } else {
                return
            }
        }
    }

    /// The content of a plain `'…'` string token (its raw text), for patterns and aliases.
    static func stringContent(_ raw: String) -> String {
        var content = raw
        if let first = content.first, first == "'" || first == "\"" {
            content.removeFirst()
            if content.last == first { content.removeLast() }
            content = content.replacingOccurrences(of: String([first, first]), with: String(first))
        }
        return content
    }

    // MARK: From

    mutating func parseFromList() throws -> [SQLFromItem] {
        var items = [try parseJoinedItem()]
        while acceptSymbol(",") { items.append(try parseJoinedItem()) }
        return items
    }

    private mutating func parseJoinedItem() throws -> SQLFromItem {
        var left = try parseFromItem()
        while true {
            let line = tokens[pos].line
            if isWord("lateral"), isWord("view", at: 1) {
                left = .join(left, try parseLateralView(), SQLJoin(line: line))
                continue
            }
            if isOpaqueStart {
                // A macro that writes a join (or a filter) here: its relations join the scope.
                left = .join(left, .opaque(try parseOpaque(), alias: nil), SQLJoin(line: line))
                continue
            }
            guard let natural = acceptJoinKeywords() else { return left }
            let right = try parseFromItem()
            var join = SQLJoin(natural: natural, line: line)
            var conditions: [SQLExpr] = []
            if acceptWord("match_condition") {
                try expectSymbol("(")
                conditions.append(try parseExpr())
                try expectSymbol(")")
            }
            if acceptWord("on") {
                conditions.append(try parseExpr())
            } else if acceptWord("using") {
                join.using = try parseNameList().map(SQLLexer.lowercase)
                if acceptWord("as") { _ = try parseName() }
            }
            if !conditions.isEmpty { join.on = conditions.count == 1 ? conditions[0] : .compound(conditions) }
            left = .join(left, right, join)
        }
    }

    /// Consumes `[natural] [inner|left|right|full|cross|semi|anti|asof|positional] [outer] join`
    /// (and `cross/outer apply`); returns whether it was natural, or nil (nothing consumed).
    private mutating func acceptJoinKeywords() -> Bool? {
        let start = pos
        let natural = acceptWord("natural")
        while tokens[pos].kind == .word, ["inner", "left", "right", "full", "cross", "outer", "semi", "anti", "asof",
                                    "positional", "any", "global", "array", "leftsemi", "leftanti"].contains(tokens[pos].lower) {
            if (isWord("cross") || isWord("outer")), isWord("apply", at: 1) {
                advance(); advance()
                return natural
            }
            advance()
        }
        if acceptWord("join") || acceptWord("straight_join") { return natural }
        pos = start
        return nil
    }

    /// Databricks `lateral view [outer] explode(x) t as a, b`.
    private mutating func parseLateralView() throws -> SQLFromItem {
        let line = tokens[pos].line
        advance(); advance()
        _ = acceptWord("outer")
        let name = SQLLexer.lowercase(try parseNameParts().last ?? "")
        let arguments = try parseCallArguments(name)
        var alias: SQLAlias?
        if isName, !(tokens[pos].kind == .word && SQLParser.fromClauseWords.contains(tokens[pos].lower)) {
            alias = SQLAlias(name: try parseName())
        }
        if acceptWord("as") {
            var columns = [try parseName()]
            while isSymbol(","), tokens[min(pos + 1, tokens.count - 1)].kind == .word || tokens[min(pos + 1, tokens.count - 1)].kind == .quoted,
                  !isSymbol(".", at: 2), !isSymbol("(", at: 2), peek(2).kind != .word || SQLParser.fromClauseWords.contains(peek(2).lower) {
                advance()
                columns.append(try parseName())
            }
            if alias == nil { alias = SQLAlias(name: name) }
            alias?.columns = columns
        }
        return .function(name: name, arguments: arguments, alias: alias, offset: nil, line: line)
    }

    mutating func parseNameParts() throws -> [String] {
        var parts = [try parseName()]
        while isSymbol("."), tokens[min(pos + 1, tokens.count - 1)].kind == .word || tokens[min(pos + 1, tokens.count - 1)].kind == .quoted {
            advance()
            parts.append(try parseName())
        }
        return parts
    }

    private func startsQuery(at index: Int) -> Bool {
        var i = index
        while i < tokens.count, tokens[i].kind == .symbol, tokens[i].text == "(" { i += 1 }
        guard i < tokens.count, tokens[i].kind == .word else { return false }
        return ["select", "with", "values"].contains(tokens[i].lower) || (tokens[i].lower == "__dbt_opaque__" && i == index)
    }

    private mutating func parseFromItem() throws -> SQLFromItem {
        try enter()
        defer { leave() }
        let line = tokens[pos].line
        _ = acceptWord("lateral")
        var item: SQLFromItem
        if isSymbol("(") {
            if startsQuery(at: pos + 1) {
                advance()
                let query = try parseQuery()
                try expectSymbol(")")
                item = .subquery(query, alias: try parseFromAlias(), line: line)
            } else {
                advance()
                let inner = try parseJoinedItem()
                try expectSymbol(")")
                _ = try parseFromAlias()
                item = inner
            }
        } else if isOpaqueStart {
            let opaque = try parseOpaque()
            item = .opaque(opaque, alias: try parseFromAlias())
        } else if isWord("values") {
            let rows = try parseValuesRows()
            item = .values(rows, alias: try parseFromAlias(), line: line)
        } else if isWord("table"), isSymbol("(", at: 1) {
            advance(); advance()
            let inner = try parseFromItem()
            try expectSymbol(")")
            let alias = try parseFromAlias()
            if case let .function(name, arguments, innerAlias, offset, _) = inner {
                item = .function(name: name, arguments: arguments, alias: alias ?? innerAlias, offset: offset, line: line)
            } else {
                item = inner
            }
        } else if isName {
            let parts = try parseNameParts()
            if isSymbol("(") {
                let name = SQLLexer.lowercase(parts.last ?? "")
                let arguments = try parseCallArguments(name)
                let alias = try parseFromAlias()
                var offset: String?
                if isWord("with"), isWord("offset", at: 1) {
                    advance(); advance()
                    offset = "offset"
                    if acceptWord("as") || (isName && !(tokens[pos].kind == .word && SQLParser.fromClauseWords.contains(tokens[pos].lower))) {
                        offset = try parseName()
                    }
                }
                item = .function(name: name, arguments: arguments, alias: alias, offset: offset, line: line)
            } else {
                try skipRelationModifiers()
                let alias = try parseFromAlias()
                try skipRelationModifiers()
                item = .table(parts: parts.map(SQLLexer.lowercase), alias: alias, line: line)
            }
        } else {
            throw unexpected("expected a table, a subquery or a table function")
        }
        while isWord("pivot") || isWord("unpivot"), isSymbol("(", at: 1) || isWord("include", at: 1) || isWord("exclude", at: 1) {
            let pivotLine = tokens[pos].line
            advance()
            if acceptWord("include") || acceptWord("exclude") { _ = acceptWord("nulls") }
            try expectSymbol("(")
            // `sum(x) for y in ('a' as a, 'b')`: operands one by one (`in` is the pivot's, not an operator).
            var expressions: [SQLExpr] = []
            var nesting = 0
            while true {
                guard tokens[pos].kind != .end else { throw unexpected("expected `)` closing the pivot") }
                if isSymbol(")") {
                    advance()
                    if nesting == 0 { break }
                    nesting -= 1
                    continue
                }
                if isSymbol("("), isWord("select", at: 1) {
                    advance()
                    expressions.append(.subquery(try parseQuery(), .value, line: tokens[pos].line))
                    try expectSymbol(")")
                    continue
                }
                if acceptSymbol("(") { nesting += 1; continue }
                if acceptWord("for") || acceptWord("in") || acceptWord("as") || acceptSymbol(",") || acceptWord("any") { continue }
                if acceptWord("order") { _ = acceptWord("by"); continue }
                if acceptWord("default") { _ = acceptWord("on"); _ = acceptWord("null"); continue }
                expressions.append(try parseUnary())
            }
            item = .pivot(item, expressions, alias: try parseFromAlias(), line: pivotLine)
        }
        return item
    }

    /// Time travel, sampling and hints after a table name: nothing the analysis needs.
    private mutating func skipRelationModifiers() throws {
        while true {
            if (isWord("at") || isWord("before") || isWord("changes")), isSymbol("(", at: 1) {
                advance()
                pos = closingIndex(from: pos)
                advance()
            } else if isWord("for"), isWord("system_time", at: 1) || isWord("system", at: 1) || isWord("timestamp", at: 1) {
                advance(); advance()
                _ = acceptWord("time")
                _ = acceptWord("as")
                _ = acceptWord("of")
                _ = try parseExpr()
            } else if isWord("tablesample") || (isWord("sample") && (isSymbol("(", at: 1) || tokens[min(pos + 1, tokens.count - 1)].kind == .word)) {
                advance()
                while tokens[pos].kind == .word, ["bernoulli", "system", "block", "row", "reservoir"].contains(tokens[pos].lower) { advance() }
                if isSymbol("(") { pos = closingIndex(from: pos); advance() }
                if acceptWord("seed") || acceptWord("repeatable"), isSymbol("(") { pos = closingIndex(from: pos); advance() }
            } else if isWord("with"), isSymbol("(", at: 1) {
                advance()
                pos = closingIndex(from: pos)
                advance()
            } else {
                return
            }
        }
    }

    private mutating func parseFromAlias() throws -> SQLAlias? {
        var name: String
        if acceptWord("as") {
            name = try parseName()
        } else if tokens[pos].kind == .quoted || (tokens[pos].kind == .word && !SQLParser.fromClauseWords.contains(tokens[pos].lower)) {
            name = tokens[pos].text
            advance()
        } else {
            return nil
        }
        var alias = SQLAlias(name: name)
        if isSymbol("(") { alias.columns = try parseNameList() }
        return alias
    }
}
