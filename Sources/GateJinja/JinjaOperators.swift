import Foundation

/// Python's operators on `JinjaValue`s, as Jinja2 evaluates them.
enum JinjaOperators {
    private static func integer(_ value: JinjaValue) -> Int? {
        switch value {
        case .int(let number): number
        case .bool(let flag): flag ? 1 : 0
        default: nil
        }
    }

    private static func undefinedError(_ value: JinjaValue) -> JinjaError? {
        guard case .undefined(let name) = value else { return nil }
        return JinjaError(name.isEmpty ? "value is undefined" : "'\(name)' is undefined")
    }

    /// A value standing for something the evaluator does not model (`run_started_at`,
    /// `modules.datetime`): arithmetic and ordering on it give it back instead of failing.
    private static func opaque(_ values: JinjaValue...) -> JinjaValue? {
        values.first { if case .object(let object) = $0 { object is any JinjaOpaqueObject } else { false } }
    }

    static func unary(_ op: JinjaExpr.UnaryOperator, _ value: JinjaValue) throws -> JinjaValue {
        if op != .not, let opaque = opaque(value) { return opaque }
        if let error = undefinedError(value) { throw error }
        switch (op, value) {
        case (.not, _): return .bool(!value.isTruthy)
        case (.negate, .double(let number)): return .double(-number)
        case (.plus, .double): return value
        default:
            guard let number = integer(value) else {
                throw JinjaError("bad operand type for unary \(op == .negate ? "-" : "+"): '\(value.typeName)'")
            }
            return .int(op == .negate ? -number : number)
        }
    }

    static func binary(_ op: JinjaExpr.BinaryOperator, _ lhs: JinjaValue, _ rhs: JinjaValue, maxLength: Int) throws -> JinjaValue {
        if op == .concat { return .string(lhs.rendered + rhs.rendered) }
        if let opaque = opaque(lhs, rhs) { return opaque }
        if let error = undefinedError(lhs) ?? undefinedError(rhs) { throw error }
        switch (op, lhs, rhs) {
        case (.add, .string(let a), .string(let b)):
            return .string(a + b)
        case (.add, .list(let a), .list(let b)) where a.isTuple == b.isTuple:
            return .list(JinjaList(a.items + b.items, isTuple: a.isTuple))
        case (.multiply, .string(let text), _), (.multiply, _, .string(let text)):
            guard let count = integer(lhs.stringValue == nil ? lhs : rhs) else { break }
            guard text.utf8.count * max(count, 0) <= maxLength else { throw JinjaError("repeated string too long") }
            return .string(String(repeating: text, count: max(count, 0)))
        case (.multiply, .list(let list), _), (.multiply, _, .list(let list)):
            let other: JinjaValue
            if case .list = lhs { other = rhs } else { other = lhs }
            guard let count = integer(other) else { break }
            guard list.items.count * max(count, 0) <= maxLength else { throw JinjaError("repeated list too long") }
            return .list(JinjaList(Array([[JinjaValue]](repeating: list.items, count: max(count, 0)).joined()), isTuple: list.isTuple))
        case (.modulo, .string(let format), _):
            return .string(try JinjaFormat.percent(format, rhs))
        default:
            if let a = integer(lhs), let b = integer(rhs) { return try integerArithmetic(op, a, b) }
            if let a = lhs.numeric, let b = rhs.numeric { return try floatArithmetic(op, a, b) }
        }
        throw JinjaError("unsupported operand type(s) for \(op.rawValue): '\(lhs.typeName)' and '\(rhs.typeName)'")
    }

    private static func integerArithmetic(_ op: JinjaExpr.BinaryOperator, _ a: Int, _ b: Int) throws -> JinjaValue {
        let result: (partialValue: Int, overflow: Bool)
        switch op {
        case .add: result = a.addingReportingOverflow(b)
        case .subtract: result = a.subtractingReportingOverflow(b)
        case .multiply: result = a.multipliedReportingOverflow(by: b)
        case .divide: return try floatArithmetic(op, Double(a), Double(b))
        case .floorDivide, .modulo:
            guard b != 0 else { throw JinjaError("integer division or modulo by zero") }
            if a == .min && b == -1 { return try floatArithmetic(op, Double(a), Double(b)) }
            var quotient = a / b, remainder = a % b
            if remainder != 0 && (remainder < 0) != (b < 0) {
                quotient -= 1
                remainder += b
            }
            return .int(op == .floorDivide ? quotient : remainder)
        case .power:
            guard b >= 0 else { return try floatArithmetic(op, Double(a), Double(b)) }
            var value = 1, base = a, exponent = b
            while exponent > 0 {
                if exponent & 1 == 1 {
                    let product = value.multipliedReportingOverflow(by: base)
                    if product.overflow { return .double(pow(Double(a), Double(b))) }
                    value = product.partialValue
                }
                exponent >>= 1
                if exponent > 0 {
                    let square = base.multipliedReportingOverflow(by: base)
                    if square.overflow { return .double(pow(Double(a), Double(b))) }
                    base = square.partialValue
                }
            }
            return .int(value)
        case .concat, .and, .or: throw JinjaError("unexpected operator \(op.rawValue)")
        }
        return result.overflow ? try floatArithmetic(op, Double(a), Double(b)) : .int(result.partialValue)
    }

    private static func floatArithmetic(_ op: JinjaExpr.BinaryOperator, _ a: Double, _ b: Double) throws -> JinjaValue {
        switch op {
        case .add: return .double(a + b)
        case .subtract: return .double(a - b)
        case .multiply: return .double(a * b)
        case .divide:
            guard b != 0 else { throw JinjaError("division by zero") }
            return .double(a / b)
        case .floorDivide:
            guard b != 0 else { throw JinjaError("float floor division by zero") }
            return .double((a / b).rounded(.down))
        case .modulo:
            guard b != 0 else { throw JinjaError("float modulo") }
            let remainder = a - b * (a / b).rounded(.down)
            return .double(remainder)
        case .power: return .double(pow(a, b))
        case .concat, .and, .or: throw JinjaError("unexpected operator \(op.rawValue)")
        }
    }

    /// Python's comparison operators (`in` included).
    static func compare(_ op: JinjaExpr.CompareOperator, _ lhs: JinjaValue, _ rhs: JinjaValue) throws -> Bool {
        switch op {
        case .equal: return lhs.equals(rhs)
        case .notEqual: return !lhs.equals(rhs)
        case .contains: return try contains(rhs, lhs)
        case .notContains: return try !contains(rhs, lhs)
        case .less: return try order(lhs, rhs, op) < 0
        case .lessEqual: return try order(lhs, rhs, op) <= 0
        case .greater: return try order(lhs, rhs, op) > 0
        case .greaterEqual: return try order(lhs, rhs, op) >= 0
        }
    }

    private static func order(_ lhs: JinjaValue, _ rhs: JinjaValue, _ op: JinjaExpr.CompareOperator) throws -> Int {
        if opaque(lhs, rhs) != nil { return 0 }
        if let error = undefinedError(lhs) ?? undefinedError(rhs) { throw error }
        switch (lhs, rhs) {
        case (.string(let a), .string(let b)):
            if a == b { return 0 }
            return a.unicodeScalars.lexicographicallyPrecedes(b.unicodeScalars) ? -1 : 1
        case (.list(let a), .list(let b)):
            for (x, y) in zip(a.items, b.items) where !x.equals(y) { return try order(x, y, op) }
            return a.items.count == b.items.count ? 0 : (a.items.count < b.items.count ? -1 : 1)
        default:
            if let a = integer(lhs), let b = integer(rhs) { return a == b ? 0 : (a < b ? -1 : 1) }
            if let a = lhs.numeric, let b = rhs.numeric { return a == b ? 0 : (a < b ? -1 : 1) }
            throw JinjaError("'\(op.rawValue)' not supported between instances of '\(lhs.typeName)' and '\(rhs.typeName)'")
        }
    }

    private static func contains(_ container: JinjaValue, _ needle: JinjaValue) throws -> Bool {
        try JinjaPython.contains(container, needle)
    }

    static func slice(_ value: JinjaValue, start: Int?, stop: Int?, step: Int?) throws -> JinjaValue {
        let step = step ?? 1
        guard step != 0 else { throw JinjaError("slice step cannot be zero") }
        func indices(_ count: Int) -> StrideTo<Int> {
            func clamp(_ index: Int?, _ fallback: Int, lower: Int, upper: Int) -> Int {
                guard var index else { return fallback }
                if index < 0 { index += count }
                return min(max(index, lower), upper)
            }
            if step > 0 {
                return stride(from: clamp(start, 0, lower: 0, upper: count), to: clamp(stop, count, lower: 0, upper: count), by: step)
            }
            return stride(from: clamp(start, count - 1, lower: -1, upper: count - 1), to: clamp(stop, -1, lower: -1, upper: count - 1), by: step)
        }
        switch value {
        case .list(let list):
            return .list(JinjaList(indices(list.items.count).map { list.items[$0] }, isTuple: list.isTuple))
        case .string(let text):
            let scalars = Array(text.unicodeScalars)
            var result = String.UnicodeScalarView()
            for index in indices(scalars.count) { result.append(scalars[index]) }
            return .string(String(result))
        case .undefined:
            return value
        default:
            throw JinjaError("'\(value.typeName)' object is not subscriptable")
        }
    }
}
