import Foundation

/// Builds a template's statements from its tokens, with Jinja2's grammar and precedence
/// (plus dbt's `materialization`, `test`, `docs` and `snapshot` blocks).
struct JinjaParser {
    private let tokens: [JinjaToken]
    private let name: String
    private var pos = 0
    /// How many block bodies are open: 1 while parsing top-level statements.
    private var nesting = 0
    private var loopDepth = 0
    /// How deep expressions and blocks nest: bounded, so a hostile file cannot exhaust the stack
    /// of this recursive-descent parser (or of the evaluator that walks what it builds).
    private var depth = 0
    static let maxDepth = 100

    private(set) var macros: [String: JinjaMacroDefinition] = [:]
    private(set) var macroNames: [String] = []
    private(set) var snapshotNames: [String] = []

    init(tokens: [JinjaToken], name: String) {
        self.tokens = tokens
        self.name = name
    }

    mutating func parseTemplate() throws -> [JinjaStatement] {
        try parseBody(until: [], opener: nil).body
    }

    // MARK: Token helpers

    private var current: JinjaToken { tokens[pos] }
    private var next: JinjaToken { tokens[min(pos + 1, tokens.count - 1)] }

    private mutating func deeper() throws {
        depth += 1
        if depth > Self.maxDepth { throw error("expressions or blocks nest more than \(Self.maxDepth) deep") }
    }

    private func error(_ message: String, line: Int? = nil) -> JinjaError {
        JinjaError(message, line: line ?? current.line, template: name)
    }

    private func isOp(_ op: String) -> Bool { current.kind == .op && current.text == op }
    private func isName(_ word: String) -> Bool { current.kind == .name && current.text == word }

    private mutating func skipOp(_ op: String) -> Bool {
        guard isOp(op) else { return false }
        pos += 1
        return true
    }

    private mutating func skipName(_ word: String) -> Bool {
        guard isName(word) else { return false }
        pos += 1
        return true
    }

    private mutating func expectOp(_ op: String) throws {
        guard skipOp(op) else { throw error("expected '\(op)', got \(current.display)") }
    }

    private mutating func expectName() throws -> String {
        guard current.kind == .name else { throw error("expected a name, got \(current.display)") }
        pos += 1
        return tokens[pos - 1].text
    }

    private mutating func expectBlockEnd() throws {
        guard current.kind == .blockEnd else { throw error("expected end of statement block, got \(current.display)") }
        pos += 1
    }

    // MARK: Statements

    /// Parses statements up to a `{% tag %}` whose name is in `endTags`; returns the body and
    /// that tag's name, leaving the tag's remaining tokens unread.
    private mutating func parseBody(until endTags: Set<String>, opener: (tag: String, line: Int)?) throws
        -> (body: [JinjaStatement], end: String) {
        try deeper()
        defer { depth -= 1 }
        nesting += 1
        defer { nesting -= 1 }
        var body: [JinjaStatement] = []
        while true {
            let token = current
            switch token.kind {
            case .eof:
                if let opener {
                    let expected = endTags.sorted().map { "'\($0)'" }.joined(separator: " or ")
                    throw error("unexpected end of template: '\(opener.tag)' opened on line \(opener.line) needs \(expected)")
                }
                return (body, "")
            case .text:
                body.append(JinjaStatement(.text(token.text), line: token.line))
                pos += 1
            case .variableBegin:
                pos += 1
                let expression = try parseTuple()
                guard current.kind == .variableEnd else { throw error("expected '}}', got \(current.display)") }
                pos += 1
                body.append(JinjaStatement(.output(expression), line: token.line))
            case .blockBegin:
                pos += 1
                guard current.kind == .name else { throw error("expected a statement name, got \(current.display)") }
                let tag = current
                pos += 1
                if endTags.contains(tag.text) { return (body, tag.text) }
                if let statement = try parseStatement(tag.text, line: tag.line) { body.append(statement) }
            default:
                throw error("unexpected \(token.display)")
            }
        }
    }

    /// Parses a body that must end with `{% end %}` and consumes that end tag.
    private mutating func parseBlock(_ tag: String, line: Int) throws -> [JinjaStatement] {
        let body = try parseBody(until: ["end" + tag], opener: (tag, line)).body
        try expectBlockEnd()
        return body
    }

    private mutating func parseStatement(_ tag: String, line: Int) throws -> JinjaStatement? {
        func statement(_ kind: JinjaStatement.Kind) -> JinjaStatement { JinjaStatement(kind, line: line) }
        switch tag {
        case "if":
            var branches: [(condition: JinjaExpr, body: [JinjaStatement])] = []
            var condition = try parseTuple()
            while true {
                try expectBlockEnd()
                let (body, end) = try parseBody(until: ["elif", "else", "endif"], opener: ("if", line))
                branches.append((condition, body))
                switch end {
                case "elif":
                    condition = try parseTuple()
                case "else":
                    try expectBlockEnd()
                    return statement(.ifChain(branches, orElse: try parseBlock("if", line: line)))
                default:
                    try expectBlockEnd()
                    return statement(.ifChain(branches, orElse: []))
                }
            }
        case "for":
            let target = try parseAssignTarget(allowAttribute: false)
            guard skipName("in") else { throw error("expected 'in', got \(current.display)") }
            let iterable = try parseTuple(conditional: false)
            let condition = skipName("if") ? try parseExpression() : nil
            if isName("recursive") { throw error("recursive loops are not supported") }
            try expectBlockEnd()
            loopDepth += 1
            let (body, end) = try parseBody(until: ["else", "endfor"], opener: ("for", line))
            loopDepth -= 1
            try expectBlockEnd()
            let orElse = end == "else" ? try parseBlock("for", line: line) : []
            return statement(.forLoop(.init(target: target, iterable: iterable, condition: condition, body: body, orElse: orElse)))
        case "set":
            let target = try parseAssignTarget(allowAttribute: true)
            if skipOp("=") {
                let value = try parseTuple()
                try expectBlockEnd()
                return statement(.set(target, value))
            }
            let filters = try parseFilterChain(leadingPipe: true)
            try expectBlockEnd()
            return statement(.setBlock(target, filters: filters, body: try parseBlock("set", line: line)))
        case "do":
            let value = try parseTuple()
            try expectBlockEnd()
            return statement(.expression(value))
        case "macro", "test":
            let macroName = (tag == "test" ? "test_" : "") + (try expectName())
            let parameters = try parseParameters()
            try expectBlockEnd()
            return try defineMacro(macroName, parameters: parameters, tag: tag, line: line)
        case "materialization":
            let materialization = try expectName()
            var adapter = "default"
            while skipOp(",") {
                let key = try expectName()
                if skipOp("=") {
                    let value = try parseExpression()
                    if key == "adapter" {
                        guard case .literal(.string(let text)) = value.kind else { throw error("adapter must be a string") }
                        adapter = text
                    }
                } else if key != "default" {
                    throw error("unexpected '\(key)' in materialization tag")
                }
            }
            try expectBlockEnd()
            return try defineMacro("materialization_\(materialization)_\(adapter)", parameters: [], tag: tag, line: line)
        case "docs":
            _ = try expectName()
            try expectBlockEnd()
            _ = try parseBlock("docs", line: line)
            return nil
        case "snapshot":
            let snapshot = try expectName()
            try expectBlockEnd()
            snapshotNames.append(snapshot)
            return statement(.snapshot(snapshot, body: try parseBlock("snapshot", line: line)))
        case "call":
            let parameters = isOp("(") ? try parseParameters() : []
            let call = try parseExpression()
            guard case .call = call.kind else { throw error("expected a call after 'call'") }
            try expectBlockEnd()
            let body = try parseMacroBody("call", line: line)
            return statement(.callBlock(caller: JinjaMacroDefinition(name: "caller", parameters: parameters, body: body, line: line), call: call))
        case "filter":
            let filters = try parseFilterChain(leadingPipe: false)
            try expectBlockEnd()
            return statement(.filterBlock(filters, body: try parseBlock("filter", line: line)))
        case "with":
            var assignments: [(target: JinjaTarget, value: JinjaExpr)] = []
            while current.kind != .blockEnd {
                if !assignments.isEmpty { try expectOp(",") }
                let target = try parseAssignTarget(allowAttribute: false)
                try expectOp("=")
                assignments.append((target, try parseExpression()))
            }
            try expectBlockEnd()
            return statement(.with(assignments, body: try parseBlock("with", line: line)))
        case "break", "continue":
            guard loopDepth > 0 else { throw error("'\(tag)' outside of a loop", line: line) }
            try expectBlockEnd()
            return statement(tag == "break" ? .breakLoop : .continueLoop)
        case "include", "import", "from", "extends", "block":
            throw error("'\(tag)' is not supported", line: line)
        default:
            throw error("unknown tag '\(tag)'", line: line)
        }
    }

    /// The body of a macro, test, materialization or call block: loops outside it do not count.
    private mutating func parseMacroBody(_ tag: String, line: Int) throws -> [JinjaStatement] {
        let outerLoops = loopDepth
        loopDepth = 0
        defer { loopDepth = outerLoops }
        return try parseBlock(tag, line: line)
    }

    private mutating func defineMacro(_ macroName: String, parameters: [(name: String, defaultValue: JinjaExpr?)],
                                      tag: String, line: Int) throws -> JinjaStatement? {
        let topLevel = nesting == 1
        let body = try parseMacroBody(tag, line: line)
        let definition = JinjaMacroDefinition(name: macroName, parameters: parameters, body: body, line: line)
        guard topLevel else { return JinjaStatement(.macro(definition), line: line) }
        if macros.updateValue(definition, forKey: macroName) == nil { macroNames.append(macroName) }
        return nil
    }

    /// `(a, b=default, …)`
    private mutating func parseParameters() throws -> [(name: String, defaultValue: JinjaExpr?)] {
        try expectOp("(")
        var parameters: [(name: String, defaultValue: JinjaExpr?)] = []
        while !skipOp(")") {
            if !parameters.isEmpty {
                try expectOp(",")
                if skipOp(")") { break }
            }
            let parameter = try expectName()
            parameters.append((parameter, skipOp("=") ? try parseExpression() : nil))
        }
        return parameters
    }

    private mutating func parseAssignTarget(allowAttribute: Bool) throws -> JinjaTarget {
        func single(_ parser: inout JinjaParser) throws -> JinjaTarget {
            if parser.skipOp("(") {
                let inner = try parser.parseAssignTarget(allowAttribute: false)
                try parser.expectOp(")")
                return inner
            }
            let first = try parser.expectName()
            if allowAttribute, parser.skipOp(".") {
                return .attribute(object: first, name: try parser.expectName())
            }
            return .name(first)
        }
        let first = try single(&self)
        guard isOp(",") else { return first }
        var targets = [first]
        while skipOp(",") {
            guard current.kind == .name || isOp("(") else { break }
            targets.append(try single(&self))
        }
        return .tuple(targets)
    }

    /// `name(args) | name2 …` (the first `|` only when `leadingPipe`).
    private mutating func parseFilterChain(leadingPipe: Bool) throws -> [JinjaFilterCall] {
        if leadingPipe, !skipOp("|") { return [] }
        var filters = [try parseFilterCall()]
        while skipOp("|") { filters.append(try parseFilterCall()) }
        return filters
    }

    private mutating func parseDottedName() throws -> String {
        var result = try expectName()
        while isOp("."), next.kind == .name {
            pos += 1
            result += "." + (try expectName())
        }
        return result
    }

    private mutating func parseFilterCall() throws -> JinjaFilterCall {
        let line = current.line
        let filterName = try parseDottedName()
        let arguments = isOp("(") ? try parseCallArguments() : []
        return JinjaFilterCall(name: filterName, arguments: arguments, line: line)
    }

    // MARK: Expressions

    /// An expression, or a tuple when commas follow (`{{ a, b }}`, `for x in a, b`).
    private mutating func parseTuple(conditional: Bool = true) throws -> JinjaExpr {
        let line = current.line
        let first = try parseExpression(conditional: conditional)
        guard isOp(",") else { return first }
        var items = [first]
        while skipOp(",") {
            guard canStartExpression else { break }
            items.append(try parseExpression(conditional: conditional))
        }
        return JinjaExpr(.tuple(items), line: line)
    }

    private var canStartExpression: Bool {
        switch current.kind {
        case .string, .integer, .float: return true
        case .name: return !["if", "else", "in", "recursive", "and", "or"].contains(current.text)
        case .op: return ["(", "[", "{", "-", "+"].contains(current.text)
        default: return false
        }
    }

    /// `x is divisibleby 3`: a test takes one argument without parentheses.
    private var canStartTestArgument: Bool {
        switch current.kind {
        case .string, .integer, .float: return true
        case .name: return !["else", "or", "and", "if", "in", "not", "is"].contains(current.text)
        case .op: return current.text == "[" || current.text == "{"
        default: return false
        }
    }

    private mutating func parseExpression(conditional: Bool = true) throws -> JinjaExpr {
        try deeper()
        defer { depth -= 1 }
        return conditional ? try parseConditional() : try parseOr()
    }

    private mutating func parseConditional() throws -> JinjaExpr {
        var expression = try parseOr()
        while isName("if") {
            let line = current.line
            pos += 1
            let condition = try parseOr()
            let otherwise = skipName("else") ? try parseConditional() : nil
            expression = JinjaExpr(.conditional(condition: condition, then: expression, otherwise: otherwise), line: line)
        }
        return expression
    }

    private mutating func parseOr() throws -> JinjaExpr {
        var left = try parseAnd()
        while isName("or") {
            let line = current.line
            pos += 1
            left = JinjaExpr(.binary(.or, left, try parseAnd()), line: line)
        }
        return left
    }

    private mutating func parseAnd() throws -> JinjaExpr {
        var left = try parseNot()
        while isName("and") {
            let line = current.line
            pos += 1
            left = JinjaExpr(.binary(.and, left, try parseNot()), line: line)
        }
        return left
    }

    private mutating func parseNot() throws -> JinjaExpr {
        if isName("not") {
            let line = current.line
            pos += 1
            return JinjaExpr(.unary(.not, try parseNot()), line: line)
        }
        return try parseCompare()
    }

    private mutating func parseCompare() throws -> JinjaExpr {
        let line = current.line
        let left = try parseMath1()
        var operations: [(op: JinjaExpr.CompareOperator, operand: JinjaExpr)] = []
        while true {
            if current.kind == .op, let op = JinjaExpr.CompareOperator(rawValue: current.text), op != .contains {
                pos += 1
                operations.append((op, try parseMath1()))
            } else if skipName("in") {
                operations.append((.contains, try parseMath1()))
            } else if isName("not"), next.kind == .name, next.text == "in" {
                pos += 2
                operations.append((.notContains, try parseMath1()))
            } else {
                break
            }
        }
        return operations.isEmpty ? left : JinjaExpr(.compare(left, operations), line: line)
    }

    /// Left-associative binary levels, in Jinja2's order: `+ -` over `~` over `* / // %` over `**`.
    private mutating func parseBinary(_ operators: [String], _ operand: (inout JinjaParser) throws -> JinjaExpr) throws -> JinjaExpr {
        var left = try operand(&self)
        while current.kind == .op, operators.contains(current.text), let op = JinjaExpr.BinaryOperator(rawValue: current.text) {
            let line = current.line
            pos += 1
            left = JinjaExpr(.binary(op, left, try operand(&self)), line: line)
        }
        return left
    }

    private mutating func parseMath1() throws -> JinjaExpr { try parseBinary(["+", "-"]) { try $0.parseConcat() } }
    private mutating func parseConcat() throws -> JinjaExpr { try parseBinary(["~"]) { try $0.parseMath2() } }
    private mutating func parseMath2() throws -> JinjaExpr { try parseBinary(["*", "/", "//", "%"]) { try $0.parsePower() } }
    private mutating func parsePower() throws -> JinjaExpr { try parseBinary(["**"]) { try $0.parseUnary() } }

    private mutating func parseUnary(withFilters: Bool = true) throws -> JinjaExpr {
        try deeper()
        defer { depth -= 1 }
        let line = current.line
        var expression: JinjaExpr
        if skipOp("-") {
            expression = JinjaExpr(.unary(.negate, try parseUnary(withFilters: false)), line: line)
        } else if skipOp("+") {
            expression = JinjaExpr(.unary(.plus, try parseUnary(withFilters: false)), line: line)
        } else {
            expression = try parsePrimary()
        }
        expression = try parsePostfix(expression)
        return withFilters ? try parseFiltersAndTests(expression) : expression
    }

    private mutating func parseFiltersAndTests(_ base: JinjaExpr) throws -> JinjaExpr {
        var expression = base
        while true {
            let line = current.line
            if skipOp("|") {
                expression = JinjaExpr(.filter(expression, try parseFilterCall()), line: line)
            } else if skipName("is") {
                let negated = skipName("not")
                let testName = try parseDottedName()
                var arguments: [JinjaArgumentExpr] = []
                if isOp("(") {
                    arguments = try parseCallArguments()
                } else if canStartTestArgument {
                    arguments = [.positional(try parsePostfix(try parsePrimary()))]
                }
                expression = JinjaExpr(.test(expression, name: testName, arguments: arguments, negated: negated), line: line)
            } else {
                return expression
            }
        }
    }

    private mutating func parsePostfix(_ base: JinjaExpr) throws -> JinjaExpr {
        var expression = base
        while true {
            let line = current.line
            if skipOp(".") {
                if current.kind == .integer {
                    expression = JinjaExpr(.item(expression, JinjaExpr(.literal(.int(current.integer)), line: line)), line: line)
                    pos += 1
                } else {
                    expression = JinjaExpr(.attribute(expression, try expectName()), line: line)
                }
            } else if skipOp("[") {
                expression = try parseSubscript(expression, line: line)
            } else if isOp("(") {
                expression = JinjaExpr(.call(expression, try parseCallArguments()), line: line)
            } else {
                return expression
            }
        }
    }

    /// After `[`: an index, a tuple of indexes, or a slice `start:stop:step`.
    private mutating func parseSubscript(_ base: JinjaExpr, line: Int) throws -> JinjaExpr {
        func bound(_ parser: inout JinjaParser) throws -> JinjaExpr? {
            parser.isOp(":") || parser.isOp("]") || parser.isOp(",") ? nil : try parser.parseExpression()
        }
        let start = try bound(&self)
        if skipOp(":") {
            let stop = try bound(&self)
            let step = skipOp(":") ? try bound(&self) : nil
            try expectOp("]")
            return JinjaExpr(.slice(base, start: start, stop: stop, step: step), line: line)
        }
        guard let start else { throw error("expected an index, got \(current.display)") }
        var key = start
        if isOp(",") {
            var items = [start]
            while skipOp(","), !isOp("]") { items.append(try parseExpression()) }
            key = JinjaExpr(.tuple(items), line: start.line)
        }
        try expectOp("]")
        return JinjaExpr(.item(base, key), line: line)
    }

    /// `(a, k=v, *rest, **more)`
    private mutating func parseCallArguments() throws -> [JinjaArgumentExpr] {
        try expectOp("(")
        var arguments: [JinjaArgumentExpr] = []
        while !skipOp(")") {
            if !arguments.isEmpty {
                try expectOp(",")
                if skipOp(")") { break }
            }
            if skipOp("*") {
                arguments.append(.unpack(try parseExpression()))
            } else if skipOp("**") {
                arguments.append(.unpackKeywords(try parseExpression()))
            } else if current.kind == .name, next.kind == .op, next.text == "=" {
                let keyword = current.text
                pos += 2
                arguments.append(.keyword(keyword, try parseExpression()))
            } else {
                arguments.append(.positional(try parseExpression()))
            }
        }
        return arguments
    }

    private mutating func parsePrimary() throws -> JinjaExpr {
        let token = current
        let line = token.line
        switch token.kind {
        case .name:
            pos += 1
            switch token.text {
            case "true", "True": return JinjaExpr(.literal(.bool(true)), line: line)
            case "false", "False": return JinjaExpr(.literal(.bool(false)), line: line)
            case "none", "None": return JinjaExpr(.literal(.none), line: line)
            default: return JinjaExpr(.name(token.text), line: line)
            }
        case .string:
            var text = token.text
            pos += 1
            while current.kind == .string {
                text += current.text
                pos += 1
            }
            return JinjaExpr(.literal(.string(text)), line: line)
        case .integer:
            pos += 1
            return JinjaExpr(.literal(.int(token.integer)), line: line)
        case .float:
            pos += 1
            return JinjaExpr(.literal(.double(token.float)), line: line)
        case .op where token.text == "(":
            pos += 1
            if skipOp(")") { return JinjaExpr(.tuple([]), line: line) }
            let first = try parseExpression()
            if skipOp(")") { return first }
            var items = [first]
            while skipOp(",") {
                if isOp(")") { break }
                items.append(try parseExpression())
            }
            try expectOp(")")
            return JinjaExpr(.tuple(items), line: line)
        case .op where token.text == "[":
            pos += 1
            var items: [JinjaExpr] = []
            while !skipOp("]") {
                if !items.isEmpty {
                    try expectOp(",")
                    if skipOp("]") { break }
                }
                items.append(try parseExpression())
            }
            return JinjaExpr(.list(items), line: line)
        case .op where token.text == "{":
            pos += 1
            var pairs: [(key: JinjaExpr, value: JinjaExpr)] = []
            while !skipOp("}") {
                if !pairs.isEmpty {
                    try expectOp(",")
                    if skipOp("}") { break }
                }
                let key = try parseExpression()
                try expectOp(":")
                pairs.append((key, try parseExpression()))
            }
            return JinjaExpr(.dict(pairs), line: line)
        default:
            throw error("unexpected \(token.display)")
        }
    }
}
