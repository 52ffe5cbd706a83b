import Foundation

/// A call a macro's text makes, read without running it, as dbt reads it for a macro's
/// `depends_on.macros` (`statically_extract_macro_calls`): every call in the macro, in every
/// branch, whether or not it would run.
package enum JinjaStaticCall: Hashable, Sendable {
    /// `name(…)`
    case name(String)
    /// `package.name(…)`
    case qualified(package: String, name: String)
    /// `adapter.dispatch('name', 'namespace')` (or `macro_name=` / `macro_namespace=`): dbt adds
    /// the implementation the adapter's dispatch finds.
    case dispatch(name: String, namespace: String?)
}

package enum JinjaStaticCalls {
    /// The calls `definition` makes: in its parameters' defaults and its body, nested macros and
    /// `{% call %}` blocks included.
    package static func calls(in definition: JinjaMacroDefinition) -> [JinjaStaticCall] {
        var collector = Collector()
        collector.visit(definition)
        return collector.calls
    }

    private struct Collector {
        var calls: [JinjaStaticCall] = []
        var seen = Set<JinjaStaticCall>()

        mutating func add(_ call: JinjaStaticCall) {
            if seen.insert(call).inserted { calls.append(call) }
        }

        mutating func visit(_ definition: JinjaMacroDefinition) {
            for parameter in definition.parameters { if let value = parameter.defaultValue { visit(value) } }
            visit(definition.body)
        }

        mutating func visit(_ statements: [JinjaStatement]) {
            for statement in statements { visit(statement) }
        }

        mutating func visit(_ statement: JinjaStatement) {
            switch statement.kind {
            case .text, .breakLoop, .continueLoop:
                break
            case let .output(expression), let .expression(expression), let .set(_, expression):
                visit(expression)
            case let .ifChain(branches, orElse):
                for branch in branches {
                    visit(branch.condition)
                    visit(branch.body)
                }
                visit(orElse)
            case let .forLoop(loop):
                visit(loop.iterable)
                if let condition = loop.condition { visit(condition) }
                visit(loop.body)
                visit(loop.orElse)
            case let .setBlock(_, filters, body):
                for filter in filters { visit(filter.arguments) }
                visit(body)
            case let .macro(definition):
                visit(definition)
            case let .callBlock(caller, call):
                visit(call)
                visit(caller)
            case let .filterBlock(filters, body):
                for filter in filters { visit(filter.arguments) }
                visit(body)
            case let .with(assignments, body):
                for assignment in assignments { visit(assignment.value) }
                visit(body)
            case let .snapshot(_, body):
                visit(body)
            }
        }

        mutating func visit(_ arguments: [JinjaArgumentExpr]) {
            for argument in arguments {
                switch argument {
                case let .positional(value), let .keyword(_, value), let .unpack(value), let .unpackKeywords(value):
                    visit(value)
                }
            }
        }

        mutating func visit(_ expression: JinjaExpr) {
            switch expression.kind {
            case .literal, .name:
                break
            case let .list(items), let .tuple(items):
                for item in items { visit(item) }
            case let .dict(pairs):
                for pair in pairs {
                    visit(pair.key)
                    visit(pair.value)
                }
            case let .attribute(object, _):
                visit(object)
            case let .item(object, key):
                visit(object)
                visit(key)
            case let .slice(object, start, stop, step):
                visit(object)
                for part in [start, stop, step] { if let part { visit(part) } }
            case let .call(callee, arguments):
                record(callee, arguments)
                visit(callee)
                visit(arguments)
            case let .filter(value, filter):
                visit(value)
                visit(filter.arguments)
            case let .test(value, _, arguments, _):
                visit(value)
                visit(arguments)
            case let .unary(_, value):
                visit(value)
            case let .binary(_, left, right):
                visit(left)
                visit(right)
            case let .compare(first, rest):
                visit(first)
                for item in rest { visit(item.operand) }
            case let .conditional(condition, then, otherwise):
                visit(condition)
                visit(then)
                if let otherwise { visit(otherwise) }
            }
        }

        /// dbt's reading of one call: a bare name, `package.name`, or `adapter.dispatch(…)`
        /// (other `adapter.` methods are not macros); anything else (`x.y.z()`, `f()()`) is not read.
        mutating func record(_ callee: JinjaExpr, _ arguments: [JinjaArgumentExpr]) {
            switch callee.kind {
            case let .name(name):
                add(.name(name))
            case let .attribute(object, attribute):
                guard case let .name(package) = object.kind else { return }
                guard package == "adapter" else {
                    add(.qualified(package: package, name: attribute))
                    return
                }
                guard attribute == "dispatch" else { return }
                var name: String?
                var namespace: String?
                var positional = 0
                for argument in arguments {
                    switch argument {
                    case let .positional(value):
                        if case let .literal(.string(text)) = value.kind {
                            if positional == 0 { name = text } else if positional == 1 { namespace = text }
                        }
                        positional += 1
                    case let .keyword("macro_name", value):
                        if case let .literal(.string(text)) = value.kind { name = text }
                    case let .keyword("macro_namespace", value):
                        if case let .literal(.string(text)) = value.kind { namespace = text }
                    default:
                        break
                    }
                }
                if let name {
                    add(.name(name))
                    add(.dispatch(name: name, namespace: namespace))
                }
            default:
                return
            }
        }
    }
}
