import Foundation

/// Jinja2's builtin tests (`value is name(args)`), with Jinja2's documented semantics.
enum JinjaTests {
    /// The names `apply` knows (the `test` test asks this).
    static let names: Set<String> = [
        "boolean", "callable", "defined", "divisibleby", "eq", "equalto", "==", "escaped", "even", "false", "filter",
        "float", "ge", ">=", "gt", ">", "greaterthan", "in", "integer", "iterable", "le", "<=", "lower", "lt", "<",
        "lessthan", "mapping", "ne", "!=", "none", "number", "odd", "sameas", "sequence", "string", "test", "true",
        "undefined", "upper",
    ]

    /// Applies the builtin test `name`; nil when Jinja2 has no such test.
    ///
    /// `filter` and `test` know only the builtin names (`JinjaFilters.names`, `JinjaTests.names`);
    /// the evaluator should answer them first for filters and tests it adds (dbt's `as_bool`, …).
    static func apply(_ name: String, to value: JinjaValue, _ arguments: JinjaArguments,
                      context: any JinjaCallContext) throws -> Bool? {
        func operand() throws -> JinjaValue {
            guard let other = arguments.argument(0, "other") ?? arguments.argument(0, "value") ?? arguments.argument(0, "seq")
                ?? arguments.argument(0, "num") else {
                throw JinjaError("TypeError: test '\(name)' missing required argument")
            }
            return other
        }
        switch name {
        case "boolean": if case .bool = value { return true } else { return false }
        case "false": if case .bool(false) = value { return true } else { return false }
        case "true": if case .bool(true) = value { return true } else { return false }
        case "integer": if case .int = value { return true } else { return false }
        case "float": if case .double = value { return true } else { return false }
        // Python's bool is a Number, as Jinja's `number` test sees it.
        case "number": return value.numeric != nil
        case "string": return value.stringValue != nil
        case "none": return value.isNone
        case "defined": return !value.isUndefined
        case "undefined": return value.isUndefined
        case "mapping":
            switch value {
            case .dict: return true
            case .object(let object): return object.isMapping
            default: return false
            }
        // Jinja's undefined has a length, an item lookup and an iterator, so it passes both.
        case "sequence", "iterable":
            switch value {
            case .undefined, .string, .list, .dict: return true
            case .object(let object): return object is any JinjaIterableObject
            default: return false
            }
        // Jinja's undefined defines __call__, so Python's callable() is true for it too.
        case "callable":
            switch value {
            case .callable, .undefined: return true
            default: return false
            }
        case "escaped": return false
        case "lower": return try JinjaMethods.method("islower", of: .string(value.rendered))!.isTrue(context)
        case "upper": return try JinjaMethods.method("isupper", of: .string(value.rendered))!.isTrue(context)
        case "divisibleby":
            let divisor = try operand()
            return try remainder(value, divisor) == 0
        case "even": return try remainder(value, .int(2)) == 0
        case "odd": return try remainder(value, .int(2)) == 1
        case "eq", "equalto", "==": return value.equals(try operand())
        case "ne", "!=": return !value.equals(try operand())
        case "lt", "<", "lessthan": return try JinjaPython.compare(value, try operand(), operator: "<") < 0
        case "le", "<=": return try JinjaPython.compare(value, try operand(), operator: "<=") <= 0
        case "gt", ">", "greaterthan": return try JinjaPython.compare(value, try operand(), operator: ">") > 0
        case "ge", ">=": return try JinjaPython.compare(value, try operand(), operator: ">=") >= 0
        case "in": return try JinjaPython.contains(try operand(), value)
        case "sameas": return identical(value, try operand())
        case "filter": return value.stringValue.map(JinjaFilters.names.contains) ?? false
        case "test": return value.stringValue.map(names.contains) ?? false
        default: return nil
        }
    }

    /// Python's `value % divisor` as a number (floor modulo), for divisibleby/even/odd.
    private static func remainder(_ value: JinjaValue, _ divisor: JinjaValue) throws -> Double {
        guard let number = value.numeric, let modulus = divisor.numeric else {
            throw JinjaError("TypeError: unsupported operand type(s) for %: '\(value.typeName)' and '\(divisor.typeName)'")
        }
        guard modulus != 0 else { throw JinjaError("ZeroDivisionError: integer modulo by zero") }
        if case .int(let a) = value, case .int(let b) = divisor {
            let r = a % b
            return Double(r != 0 && (r < 0) != (b < 0) ? r + b : r)
        }
        let r = number.truncatingRemainder(dividingBy: modulus)
        return r != 0 && (r < 0) != (modulus < 0) ? r + modulus : r
    }

    /// Python's `is`: the same list, dict, callable or object; scalars by type and value
    /// (CPython shares None, the bools and small ints).
    private static func identical(_ a: JinjaValue, _ b: JinjaValue) -> Bool {
        switch (a, b) {
        case (.list(let x), .list(let y)): x === y
        case (.dict(let x), .dict(let y)): x === y
        case (.callable(let x), .callable(let y)): x === y
        case (.object(let x), .object(let y)): x === y
        case (.none, .none), (.undefined, .undefined): true
        case (.bool(let x), .bool(let y)): x == y
        case (.int(let x), .int(let y)): x == y
        case (.double(let x), .double(let y)): x == y
        case (.string(let x), .string(let y)): x == y
        default: false
        }
    }
}

private extension JinjaValue {
    /// Calls a bound predicate method and reads its bool.
    func isTrue(_ context: any JinjaCallContext) throws -> Bool {
        guard case .callable(let callable) = self else { return false }
        return try callable.call(JinjaArguments(), context: context).isTruthy
    }
}
