import Foundation

/// A constant written in a template.
enum JinjaLiteral: Sendable {
    case none, bool(Bool), int(Int), double(Double), string(String)

    var value: JinjaValue {
        switch self {
        case .none: .none
        case .bool(let value): .bool(value)
        case .int(let value): .int(value)
        case .double(let value): .double(value)
        case .string(let value): .string(value)
        }
    }
}

/// An expression with the line it starts on.
struct JinjaExpr: Sendable {
    let line: Int
    let kind: Kind

    init(_ kind: Kind, line: Int) {
        self.kind = kind
        self.line = line
    }

    enum BinaryOperator: String, Sendable {
        case add = "+", subtract = "-", multiply = "*", divide = "/", floorDivide = "//", modulo = "%"
        case power = "**", concat = "~", and, or
    }

    enum CompareOperator: String, Sendable {
        case equal = "==", notEqual = "!=", less = "<", lessEqual = "<=", greater = ">", greaterEqual = ">="
        case contains = "in", notContains = "not in"
    }

    enum UnaryOperator: Sendable { case not, negate, plus }

    indirect enum Kind: Sendable {
        case literal(JinjaLiteral)
        case name(String)
        case list([JinjaExpr])
        case tuple([JinjaExpr])
        case dict([(key: JinjaExpr, value: JinjaExpr)])
        case attribute(JinjaExpr, String)
        case item(JinjaExpr, JinjaExpr)
        case slice(JinjaExpr, start: JinjaExpr?, stop: JinjaExpr?, step: JinjaExpr?)
        case call(JinjaExpr, [JinjaArgumentExpr])
        case filter(JinjaExpr, JinjaFilterCall)
        case test(JinjaExpr, name: String, arguments: [JinjaArgumentExpr], negated: Bool)
        case unary(UnaryOperator, JinjaExpr)
        case binary(BinaryOperator, JinjaExpr, JinjaExpr)
        /// `a < b <= c`: Python's chained comparison.
        case compare(JinjaExpr, [(op: CompareOperator, operand: JinjaExpr)])
        case conditional(condition: JinjaExpr, then: JinjaExpr, otherwise: JinjaExpr?)
    }
}

/// One argument written in a call.
enum JinjaArgumentExpr: Sendable {
    case positional(JinjaExpr)
    case keyword(String, JinjaExpr)
    case unpack(JinjaExpr)  // *args
    case unpackKeywords(JinjaExpr)  // **kwargs
}

/// `| name(arguments)`.
struct JinjaFilterCall: Sendable {
    let name: String
    let arguments: [JinjaArgumentExpr]
    let line: Int
}

/// What `set`, `for` and `with` assign to.
indirect enum JinjaTarget: Sendable {
    case name(String)
    case tuple([JinjaTarget])
    /// `set ns.attribute = …`
    case attribute(object: String, name: String)
}

/// A macro (also `{% test %}`, `{% materialization %}` and a `{% call %}` block's caller).
package final class JinjaMacroDefinition: Sendable {
    package let name: String
    let parameters: [(name: String, defaultValue: JinjaExpr?)]
    let body: [JinjaStatement]
    let line: Int

    init(name: String, parameters: [(name: String, defaultValue: JinjaExpr?)], body: [JinjaStatement], line: Int) {
        self.name = name
        self.parameters = parameters
        self.body = body
        self.line = line
    }
}

struct JinjaStatement: Sendable {
    let line: Int
    let kind: Kind

    init(_ kind: Kind, line: Int) {
        self.kind = kind
        self.line = line
    }

    struct ForLoop: Sendable {
        let target: JinjaTarget
        let iterable: JinjaExpr
        let condition: JinjaExpr?
        let body: [JinjaStatement]
        let orElse: [JinjaStatement]
    }

    indirect enum Kind: Sendable {
        case text(String)
        case output(JinjaExpr)
        case ifChain([(condition: JinjaExpr, body: [JinjaStatement])], orElse: [JinjaStatement])
        case forLoop(ForLoop)
        case set(JinjaTarget, JinjaExpr)
        case setBlock(JinjaTarget, filters: [JinjaFilterCall], body: [JinjaStatement])
        case expression(JinjaExpr)  // {% do %}
        /// A macro defined below the top level (top-level macros live in `JinjaTemplate.macros`).
        case macro(JinjaMacroDefinition)
        /// `{% call(params) callee(args) %}body{% endcall %}`: `caller` is the body.
        case callBlock(caller: JinjaMacroDefinition, call: JinjaExpr)
        case filterBlock([JinjaFilterCall], body: [JinjaStatement])
        case with([(target: JinjaTarget, value: JinjaExpr)], body: [JinjaStatement])
        case breakLoop, continueLoop
        case snapshot(String, body: [JinjaStatement])
    }
}
