import Foundation

/// A level of names: a template's context, its top level (the module), a macro call, a loop iteration, a `with`.
final class JinjaScope {
    var names: [String: JinjaValue] = [:]
    let parent: JinjaScope?
    /// The template whose code runs in this scope.
    let template: JinjaTemplate
    /// A template's top level: its macros are found here too.
    let isModule: Bool

    init(parent: JinjaScope?, template: JinjaTemplate, isModule: Bool = false) {
        self.parent = parent
        self.template = template
        self.isModule = isModule
    }

    func child() -> JinjaScope { JinjaScope(parent: self, template: template) }
}

/// A macro bound to where it was defined: top-level macros (no `closure`) see their template's
/// top level as it is when they are called; nested macros and callers see their defining scope.
package final class JinjaMacro: JinjaCallable {
    package let definition: JinjaMacroDefinition
    package let template: JinjaTemplate
    let closure: JinjaScope?
    unowned let interpreter: JinjaInterpreter

    init(_ definition: JinjaMacroDefinition, template: JinjaTemplate, closure: JinjaScope?, interpreter: JinjaInterpreter) {
        self.definition = definition
        self.template = template
        self.closure = closure
        self.interpreter = interpreter
    }

    package var name: String { definition.name }

    package func call(_ arguments: JinjaArguments, context: any JinjaCallContext) throws -> JinjaValue {
        try interpreter.invoke(self, arguments)
    }
}

/// The `loop` variable of a `for` body.
final class JinjaLoop: JinjaObject {
    let items: [JinjaValue]
    var index0 = 0
    private var lastChanged: [JinjaValue]?

    init(_ items: [JinjaValue]) { self.items = items }

    var typeName: String { "LoopContext" }

    func attribute(_ name: String) -> JinjaValue? {
        let count = items.count
        switch name {
        case "index": return .int(index0 + 1)
        case "index0": return .int(index0)
        case "revindex": return .int(count - index0)
        case "revindex0": return .int(count - index0 - 1)
        case "first": return .bool(index0 == 0)
        case "last": return .bool(index0 == count - 1)
        case "length": return .int(count)
        case "depth": return .int(1)
        case "depth0": return .int(0)
        case "previtem": return index0 > 0 ? items[index0 - 1] : .undefined("previtem")
        case "nextitem": return index0 + 1 < count ? items[index0 + 1] : .undefined("nextitem")
        case "cycle":
            return .callable(JinjaFunction("loop.cycle") { [index0] arguments, _ in
                guard !arguments.positional.isEmpty else { throw JinjaError("no items for cycling given") }
                return arguments.positional[index0 % arguments.positional.count]
            })
        case "changed":
            return .callable(JinjaFunction("loop.changed") { [self] arguments, _ in
                let values = arguments.positional
                defer { lastChanged = values }
                guard let last = lastChanged, last.count == values.count else { return .bool(true) }
                return .bool(!zip(last, values).allSatisfy { $0.equals($1) })
            })
        default: return nil
        }
    }
}

/// Runs parsed templates with Jinja2's semantics (dbt's parse-time lenient undefined).
final class JinjaInterpreter: JinjaCallContext {
    unowned let environment: JinjaEnvironment
    /// Each template's top level, for its macros: installed by `render`, or made on first call.
    private var modules: [ObjectIdentifier: JinjaScope] = [:]
    private var depth = 0
    private var loopIterations = 0
    private var outputBytes = 0

    init(environment: JinjaEnvironment) {
        self.environment = environment
    }

    private enum Flow { case normal, breakLoop, continueLoop }

    // MARK: Entry points

    func render(_ template: JinjaTemplate, context: [String: JinjaValue]) throws -> String {
        let contextScope = JinjaScope(parent: nil, template: template)
        contextScope.names = context
        let module = JinjaScope(parent: contextScope, template: template, isModule: true)
        let key = ObjectIdentifier(template)
        let previous = modules.updateValue(module, forKey: key)
        // A template without macros leaves nothing that could later see its top level.
        defer { if template.macros.isEmpty { modules[key] = previous } }
        try enter("rendering '\(template.name)'")
        defer { depth -= 1 }
        var output = ""
        _ = try execute(template.body, module, &output)
        return output
    }

    private func enter(_ what: String) throws {
        if depth == 0 {
            loopIterations = 0
            outputBytes = 0
        }
        guard depth < environment.maxCallDepth else {
            throw JinjaError("maximum call depth (\(environment.maxCallDepth)) exceeded \(what)")
        }
        depth += 1
    }

    private func module(of template: JinjaTemplate) -> JinjaScope {
        if let module = modules[ObjectIdentifier(template)] { return module }
        let module = JinjaScope(parent: nil, template: template, isModule: true)
        modules[ObjectIdentifier(template)] = module
        return module
    }

    func invoke(_ macro: JinjaMacro, _ arguments: JinjaArguments) throws -> JinjaValue {
        // A call made by the rendered template itself, not by a macro it called (dbt's stack depth 0).
        if depth == 1 { environment.onTopLevelMacroCall?(macro.definition.name, macro.template.name) }
        try enter("calling macro '\(macro.name)'")
        defer { depth -= 1 }
        let definition = macro.definition
        let scope = JinjaScope(parent: macro.closure ?? module(of: macro.template), template: macro.template)
        let parameters = definition.parameters
        var bound = [Bool](repeating: false, count: parameters.count)
        var varargs: [JinjaValue] = []
        for (index, value) in arguments.positional.enumerated() {
            if index < parameters.count {
                scope.names[parameters[index].name] = value
                bound[index] = true
            } else {
                varargs.append(value)
            }
        }
        let kwargs = JinjaDict()
        for (name, value) in arguments.keyword {
            if let index = parameters.firstIndex(where: { $0.name == name }) {
                guard !bound[index] else {
                    throw JinjaError("macro '\(definition.name)' got multiple values for argument '\(name)'")
                }
                scope.names[name] = value
                bound[index] = true
            } else if name == "caller" {
                scope.names[name] = value
            } else {
                kwargs[string: name] = value
            }
        }
        scope.names["varargs"] = .tuple(varargs)
        scope.names["kwargs"] = .dict(kwargs)
        for (index, parameter) in parameters.enumerated() where !bound[index] {
            scope.names[parameter.name] = try parameter.defaultValue.map { try evaluate($0, scope) } ?? .undefined(parameter.name)
        }
        var output = ""
        do {
            _ = try execute(definition.body, scope, &output)
        } catch let returned as JinjaReturn {
            return returned.value
        }
        return .string(output)
    }

    // MARK: Statements

    private func append(_ text: String, to output: inout String) throws {
        outputBytes += text.utf8.count
        guard outputBytes <= environment.maxOutputBytes else {
            throw JinjaError("output exceeds \(environment.maxOutputBytes) bytes")
        }
        output += text
    }

    private func execute(_ body: [JinjaStatement], _ scope: JinjaScope, _ output: inout String) throws -> Flow {
        for statement in body {
            let flow: Flow
            do {
                flow = try execute(statement, scope, &output)
            } catch var error as JinjaError where error.line == 0 || error.template.isEmpty {
                if error.line == 0 { error.line = statement.line }
                if error.template.isEmpty { error.template = scope.template.name }
                throw error
            }
            if flow != .normal { return flow }
        }
        return .normal
    }

    private func execute(_ statement: JinjaStatement, _ scope: JinjaScope, _ output: inout String) throws -> Flow {
        switch statement.kind {
        case .text(let text):
            try append(text, to: &output)
        case .output(let expression):
            try append(try evaluate(expression, scope).rendered, to: &output)
        case .ifChain(let branches, let orElse):
            for branch in branches where try evaluate(branch.condition, scope).isTruthy {
                return try execute(branch.body, scope, &output)
            }
            return try execute(orElse, scope, &output)
        case .forLoop(let loop):
            return try executeFor(loop, scope, &output)
        case .set(let target, let value):
            try assign(target, try evaluate(value, scope), in: scope)
        case .setBlock(let target, let filters, let body):
            var captured = ""
            _ = try execute(body, scope, &captured)
            try assign(target, try applyFilters(filters, to: .string(captured), scope), in: scope)
        case .expression(let expression):
            _ = try evaluate(expression, scope)
        case .macro(let definition):
            scope.names[definition.name] = .callable(JinjaMacro(definition, template: scope.template, closure: scope, interpreter: self))
        case .callBlock(let callerDefinition, let call):
            guard case .call(let calleeExpression, let argumentExpressions) = call.kind else { return .normal }
            let caller = JinjaMacro(callerDefinition, template: scope.template, closure: scope, interpreter: self)
            let callee = try evaluate(calleeExpression, scope)
            var arguments = try evaluateArguments(argumentExpressions, scope, line: call.line)
            arguments.keyword.append(("caller", .callable(caller)))
            try append(try self.call(callee, arguments, line: call.line, scope: scope).rendered, to: &output)
        case .filterBlock(let filters, let body):
            var captured = ""
            _ = try execute(body, scope.child(), &captured)
            try append(try applyFilters(filters, to: .string(captured), scope).rendered, to: &output)
        case .with(let assignments, let body):
            let inner = scope.child()
            for (target, value) in assignments { try assign(target, try evaluate(value, scope), in: inner) }
            return try execute(body, inner, &output)
        case .breakLoop:
            return .breakLoop
        case .continueLoop:
            return .continueLoop
        case .snapshot(_, let body):
            return try execute(body, scope, &output)
        }
        return .normal
    }

    private func executeFor(_ loop: JinjaStatement.ForLoop, _ scope: JinjaScope, _ output: inout String) throws -> Flow {
        var items = try iterate(try evaluate(loop.iterable, scope))
        if let condition = loop.condition {
            items = try items.filter { item in
                let inner = scope.child()
                try assign(loop.target, item, in: inner)
                return try evaluate(condition, inner).isTruthy
            }
        }
        if items.isEmpty {
            _ = try execute(loop.orElse, scope.child(), &output)
            return .normal
        }
        let state = JinjaLoop(items)
        for (index, item) in items.enumerated() {
            loopIterations += 1
            guard loopIterations <= environment.maxLoopIterations else {
                throw JinjaError("more than \(environment.maxLoopIterations) loop iterations")
            }
            state.index0 = index
            let inner = scope.child()
            inner.names["loop"] = .object(state)
            try assign(loop.target, item, in: inner)
            if try execute(loop.body, inner, &output) == .breakLoop { break }
        }
        return .normal
    }

    private func assign(_ target: JinjaTarget, _ value: JinjaValue, in scope: JinjaScope) throws {
        switch target {
        case .name(let name):
            scope.names[name] = value
        case .tuple(let targets):
            let items = try iterate(value)
            guard items.count == targets.count else {
                throw JinjaError(items.count > targets.count
                    ? "too many values to unpack (expected \(targets.count))"
                    : "not enough values to unpack (expected \(targets.count), got \(items.count))")
            }
            for (target, item) in zip(targets, items) { try assign(target, item, in: scope) }
        case .attribute(let objectName, let name):
            guard case .object(let object) = lookup(objectName, scope), let mutable = object as? any JinjaMutableObject else {
                throw JinjaError("cannot assign attribute '\(name)' on '\(objectName)': not a namespace object")
            }
            mutable.setAttribute(name, value)
        }
    }

    // MARK: Names

    private func lookup(_ name: String, _ scope: JinjaScope) -> JinjaValue {
        var level: JinjaScope? = scope
        while let current = level {
            if let value = current.names[name] { return value }
            if current.isModule, let definition = current.template.macros[name] {
                return .callable(JinjaMacro(definition, template: current.template, closure: nil, interpreter: self))
            }
            level = current.parent
        }
        return environment.resolve(name, scope.template) ?? JinjaGlobals.value(named: name) ?? .undefined(name)
    }

    // MARK: Expressions

    func evaluate(_ expression: JinjaExpr, _ scope: JinjaScope) throws -> JinjaValue {
        switch expression.kind {
        case .literal(let literal):
            return literal.value
        case .name(let name):
            return lookup(name, scope)
        case .list(let items):
            return .list(try items.map { try evaluate($0, scope) })
        case .tuple(let items):
            return .tuple(try items.map { try evaluate($0, scope) })
        case .dict(let pairs):
            let dict = JinjaDict()
            for pair in pairs {
                let key = try evaluate(pair.key, scope)
                guard JinjaKey(key) != nil else {
                    throw error("unhashable type: '\(key.typeName)'", expression, scope)
                }
                dict[key] = try evaluate(pair.value, scope)
            }
            return .dict(dict)
        case .attribute(let base, let name):
            return try attribute(name, of: try evaluate(base, scope))
        case .item(let base, let key):
            return try item(try evaluate(key, scope), of: try evaluate(base, scope))
        case .slice(let base, let start, let stop, let step):
            let value = try evaluate(base, scope)
            func bound(_ expression: JinjaExpr?) throws -> Int? {
                guard let expression else { return nil }
                switch try evaluate(expression, scope) {
                case .none, .undefined: return nil
                case .int(let number): return number
                case .bool(let flag): return flag ? 1 : 0
                case let other: throw error("slice indices must be integers or None, not \(other.typeName)", expression, scope)
                }
            }
            return try wrap(expression, scope) {
                try JinjaOperators.slice(value, start: try bound(start), stop: try bound(stop), step: try bound(step))
            }
        case .call(let calleeExpression, let argumentExpressions):
            let callee = try evaluate(calleeExpression, scope)
            let arguments = try evaluateArguments(argumentExpressions, scope, line: expression.line)
            return try call(callee, arguments, line: expression.line, scope: scope)
        case .filter(let base, let filter):
            return try applyFilters([filter], to: try evaluate(base, scope), scope)
        case .test(let base, let name, let argumentExpressions, let negated):
            let value = try evaluate(base, scope)
            let arguments = try evaluateArguments(argumentExpressions, scope, line: expression.line)
            return .bool(try wrap(expression, scope) { try applyTest(name, to: value, arguments) } != negated)
        case .unary(let op, let operand):
            let value = try evaluate(operand, scope)
            if op == .not { return .bool(!value.isTruthy) }
            return try wrap(expression, scope) { try JinjaOperators.unary(op, value) }
        case .binary(.and, let left, let right):
            let value = try evaluate(left, scope)
            return value.isTruthy ? try evaluate(right, scope) : value
        case .binary(.or, let left, let right):
            let value = try evaluate(left, scope)
            return value.isTruthy ? value : try evaluate(right, scope)
        case .binary(let op, let left, let right):
            let lhs = try evaluate(left, scope), rhs = try evaluate(right, scope)
            return try wrap(expression, scope) { try JinjaOperators.binary(op, lhs, rhs, maxLength: environment.maxOutputBytes) }
        case .compare(let first, let operations):
            var left = try evaluate(first, scope)
            for operation in operations {
                let right = try evaluate(operation.operand, scope)
                guard try wrap(expression, scope, { try JinjaOperators.compare(operation.op, left, right) }) else { return .bool(false) }
                left = right
            }
            return .bool(true)
        case .conditional(let condition, let then, let otherwise):
            if try evaluate(condition, scope).isTruthy { return try evaluate(then, scope) }
            return try otherwise.map { try evaluate($0, scope) } ?? .undefined("")
        }
    }

    private func error(_ message: String, _ expression: JinjaExpr, _ scope: JinjaScope) -> JinjaError {
        JinjaError(message, line: expression.line, template: scope.template.name)
    }

    /// Runs `body`, giving a `JinjaError` without a line the line of `expression`.
    private func wrap<T>(_ expression: JinjaExpr, _ scope: JinjaScope, _ body: () throws -> T) throws -> T {
        try wrap(line: expression.line, scope, body)
    }

    private func wrap<T>(line: Int, _ scope: JinjaScope?, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch var error as JinjaError where error.line == 0 && line != 0 {
            error.line = line
            if error.template.isEmpty { error.template = scope?.template.name ?? "" }
            throw error
        }
    }

    private func evaluateArguments(_ expressions: [JinjaArgumentExpr], _ scope: JinjaScope, line: Int) throws -> JinjaArguments {
        var arguments = JinjaArguments()
        for expression in expressions {
            switch expression {
            case .positional(let value):
                arguments.positional.append(try evaluate(value, scope))
            case .keyword(let name, let value):
                arguments.keyword.append((name, try evaluate(value, scope)))
            case .unpack(let value):
                arguments.positional.append(contentsOf: try wrap(value, scope) { try iterate(try evaluate(value, scope)) })
            case .unpackKeywords(let value):
                switch try evaluate(value, scope) {
                case .dict(let dict):
                    for pair in dict.pairs {
                        guard let name = pair.key.stringValue else { throw error("keywords must be strings", value, scope) }
                        arguments.keyword.append((name, pair.value))
                    }
                case .undefined, .none: break
                case let other: throw error("argument after ** must be a mapping, not \(other.typeName)", value, scope)
                }
            }
        }
        return arguments
    }

    private func applyFilters(_ filters: [JinjaFilterCall], to value: JinjaValue, _ scope: JinjaScope) throws -> JinjaValue {
        var result = value
        for filter in filters {
            let arguments = try evaluateArguments(filter.arguments, scope, line: filter.line)
            result = try wrap(line: filter.line, scope) { [result] in try applyFilter(filter.name, to: result, arguments) }
        }
        return result
    }

    func call(_ callee: JinjaValue, _ arguments: JinjaArguments, line: Int, scope: JinjaScope?) throws -> JinjaValue {
        switch callee {
        case .callable(let callable):
            return try wrap(line: line, scope) {
                if let macro = callable as? JinjaMacro, macro.interpreter === self { return try invoke(macro, arguments) }
                return try callable.call(arguments, context: self)
            }
        case .undefined(let name):
            environment.onUndefinedCall?(name, line, scope?.template.name ?? "")
            return environment.undefinedCallResult?(name, arguments) ?? .undefined(name)
        case .object(let object as any JinjaCallable):
            // An object that is also a function (dbt's `config`: `config(...)` and `config.get(...)`).
            return try wrap(line: line, scope) { try object.call(arguments, context: self) }
        default:
            throw JinjaError("'\(callee.typeName)' object is not callable", line: line, template: scope?.template.name ?? "")
        }
    }

    /// The items a `for` loop (or unpacking) goes over: list items, dict keys, string characters.
    func iterate(_ value: JinjaValue) throws -> [JinjaValue] { try JinjaPython.iterate(value) }

    // MARK: JinjaCallContext

    func call(_ callee: JinjaValue, _ arguments: JinjaArguments) throws -> JinjaValue {
        try call(callee, arguments, line: 0, scope: nil)
    }

    func attribute(_ name: String, of value: JinjaValue) throws -> JinjaValue {
        switch value {
        case .undefined(let base):
            return .undefined(base.isEmpty ? name : base + "." + name)
        case .dict(let dict):
            return JinjaMethods.method(name, of: value) ?? dict[string: name] ?? .undefined(name)
        case .object(let object):
            return object.attribute(name) ?? object.item(.string(name)) ?? .undefined(name)
        default:
            return JinjaMethods.method(name, of: value) ?? .undefined(name)
        }
    }

    func item(_ key: JinjaValue, of value: JinjaValue) throws -> JinjaValue {
        func index(_ count: Int) -> Int? {
            let position: Int
            switch key {
            case .int(let number): position = number
            case .bool(let flag): position = flag ? 1 : 0
            default: return nil
            }
            let resolved = position < 0 ? position + count : position
            return resolved >= 0 && resolved < count ? resolved : nil
        }
        switch value {
        case .undefined(let base):
            return .undefined(base.isEmpty ? key.rendered : base + "." + key.rendered)
        case .list(let list):
            if let position = index(list.items.count) { return list.items[position] }
        case .dict(let dict):
            if let found = dict[key] { return found }
        case .string(let text):
            let scalars = text.unicodeScalars
            if let position = index(scalars.count) {
                return .string(String(scalars[scalars.index(scalars.startIndex, offsetBy: position)]))
            }
        case .object(let object):
            if let found = object.item(key) { return found }
        default:
            break
        }
        if case .string(let name) = key { return try attribute(name, of: value) }
        return .undefined(key.rendered)
    }

    func applyFilter(_ name: String, to value: JinjaValue, _ arguments: JinjaArguments) throws -> JinjaValue {
        if let filter = environment.filters[name] { return try filter(value, arguments, self) }
        if let result = try JinjaFilters.apply(name, to: value, arguments, context: self) { return result }
        throw JinjaError("no filter named '\(name)'")
    }

    func applyTest(_ name: String, to value: JinjaValue, _ arguments: JinjaArguments) throws -> Bool {
        if let test = environment.tests[name] { return try test(value, arguments, self) }
        if let result = try JinjaTests.apply(name, to: value, arguments, context: self) { return result }
        // The two tests undefined-leniency depends on, until the builtins answer them.
        switch name {
        case "defined": return !value.isUndefined
        case "undefined": return value.isUndefined
        default: throw JinjaError("no test named '\(name)'")
        }
    }
}
