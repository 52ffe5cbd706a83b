import Foundation

/// A constant written in a template.
package enum JinjaLiteral: Sendable {
    case none, bool(Bool), int(Int), double(Double), string(String)
}

/// An expression with the line it starts on.
package struct JinjaExpr: Sendable {
    package let line: Int
    package let kind: Kind

    init(_ kind: Kind, line: Int) {
        self.kind = kind
        self.line = line
    }

    package enum BinaryOperator: String, Sendable {
        case add = "+", subtract = "-", multiply = "*", divide = "/", floorDivide = "//", modulo = "%"
        case power = "**", concat = "~", and, or
    }

    package enum CompareOperator: String, Sendable {
        case equal = "==", notEqual = "!=", less = "<", lessEqual = "<=", greater = ">", greaterEqual = ">="
        case contains = "in", notContains = "not in"
    }

    package enum UnaryOperator: Sendable { case not, negate, plus }

    package indirect enum Kind: Sendable {
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
package enum JinjaArgumentExpr: Sendable {
    case positional(JinjaExpr)
    case keyword(String, JinjaExpr)
    case unpack(JinjaExpr)  // *args
    case unpackKeywords(JinjaExpr)  // **kwargs
}

/// `| name(arguments)`.
package struct JinjaFilterCall: Sendable {
    package let name: String
    package let arguments: [JinjaArgumentExpr]
    package let line: Int
}

/// What `set`, `for` and `with` assign to.
package indirect enum JinjaTarget: Sendable {
    case name(String)
    case tuple([JinjaTarget])
    /// `set ns.attribute = …`
    case attribute(object: String, name: String)
}

/// A macro (also `{% test %}`, `{% materialization %}` and a `{% call %}` block's caller).
package final class JinjaMacroDefinition: Sendable {
    package let name: String
    package let parameters: [(name: String, defaultValue: JinjaExpr?)]
    package let body: [JinjaStatement]
    package let line: Int

    init(name: String, parameters: [(name: String, defaultValue: JinjaExpr?)], body: [JinjaStatement], line: Int) {
        self.name = name
        self.parameters = parameters
        self.body = body
        self.line = line
    }
}

package struct JinjaStatement: Sendable {
    package let line: Int
    package let kind: Kind

    init(_ kind: Kind, line: Int) {
        self.kind = kind
        self.line = line
    }

    package struct ForLoop: Sendable {
        package let target: JinjaTarget
        package let iterable: JinjaExpr
        package let condition: JinjaExpr?
        package let body: [JinjaStatement]
        package let orElse: [JinjaStatement]
    }

    package indirect enum Kind: Sendable {
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
