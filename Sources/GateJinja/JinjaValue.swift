import Foundation

/// A value inside the Jinja evaluator, with Python's semantics as Jinja2 gives them.
///
/// Lists and dicts are references (`JinjaList`, `JinjaDict`), as Python's are: dbt macros build
/// them up with `{% do items.append(x) %}` and expect every alias to see the change. The
/// evaluator runs on one thread per render, so these references never cross threads.
public enum JinjaValue {
    /// A name that is not defined. dbt renders at parse time with a lenient undefined: it prints
    /// as nothing, and attribute access, item access and calls on it give another undefined.
    case undefined(String)
    case none
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    /// A Python list, or a tuple (`isTuple`): both index, iterate and compare alike.
    case list(JinjaList)
    case dict(JinjaDict)
    /// A macro, a host function (`ref`, `var`, `return`, …) or a bound method.
    case callable(any JinjaCallable)
    /// A host object with attributes (`target`, `this`, `adapter`, `modules`, `loop`, a namespace…).
    case object(any JinjaObject)

    public static func list(_ items: [JinjaValue]) -> JinjaValue { .list(JinjaList(items)) }
    public static func tuple(_ items: [JinjaValue]) -> JinjaValue { .list(JinjaList(items, isTuple: true)) }
    public static func dict(_ pairs: [(String, JinjaValue)]) -> JinjaValue {
        let dict = JinjaDict()
        for (key, value) in pairs { dict[.string(key)] = value }
        return .dict(dict)
    }

    public var isUndefined: Bool { if case .undefined = self { true } else { false } }
    public var isNone: Bool { if case .none = self { true } else { false } }

    /// Python truthiness: empty strings, lists and dicts, zero, None and undefined are false.
    public var isTruthy: Bool {
        switch self {
        case .undefined, .none: false
        case .bool(let value): value
        case .int(let value): value != 0
        case .double(let value): value != 0
        case .string(let value): !value.isEmpty
        case .list(let list): !list.items.isEmpty
        case .dict(let dict): dict.count > 0
        case .callable: true
        case .object(let object): object.isTruthy
        }
    }

    /// The string content when this is a string.
    public var stringValue: String? { if case .string(let value) = self { value } else { nil } }

    /// Python's `str()`: what `{{ value }}` prints. Undefined prints as nothing.
    public var rendered: String {
        switch self {
        case .undefined: ""
        case .string(let value): value
        default: repr
        }
    }

    /// Python's `repr()`: how a value prints inside a list or dict (`['a', 1, None]`).
    public var repr: String {
        switch self {
        case .undefined: ""
        case .none: "None"
        case .bool(let value): value ? "True" : "False"
        case .int(let value): String(value)
        case .double(let value): JinjaValue.pythonFloat(value)
        case .string(let value): JinjaValue.pythonQuoted(value)
        case .list(let list):
            list.isTuple && list.items.count == 1
                ? "(" + list.items[0].repr + ",)"
                : (list.isTuple ? "(" : "[") + list.items.map(\.repr).joined(separator: ", ") + (list.isTuple ? ")" : "]")
        case .dict(let dict): "{" + dict.pairs.map { $0.key.repr + ": " + $0.value.repr }.joined(separator: ", ") + "}"
        case .callable(let callable): "<function \(callable.name)>"
        case .object(let object): object.rendered
        }
    }

    /// Python's float formatting: `1.0`, `0.5`, `1e+20`.
    static func pythonFloat(_ value: Double) -> String {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value < 0 ? "-inf" : "inf" }
        if value == value.rounded(), abs(value) < 1e16 { return String(format: "%.1f", value) }
        return "\(value)"
    }

    /// Python's `repr` of a string: single quotes unless the text holds one and no double quote.
    static func pythonQuoted(_ text: String) -> String {
        let quote: Character = text.contains("'") && !text.contains("\"") ? "\"" : "'"
        var result = String(quote)
        for character in text {
            switch character {
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\t": result += "\\t"
            case "\r": result += "\\r"
            case quote: result += "\\" + String(quote)
            default: result.append(character)
            }
        }
        result.append(quote)
        return result
    }

    /// Python's type name, for error messages and the `is` tests.
    public var typeName: String {
        switch self {
        case .undefined: "Undefined"
        case .none: "NoneType"
        case .bool: "bool"
        case .int: "int"
        case .double: "float"
        case .string: "str"
        case .list(let list): list.isTuple ? "tuple" : "list"
        case .dict: "dict"
        case .callable: "function"
        case .object(let object): object.typeName
        }
    }

    /// Python `==`: numbers compare across int/float/bool, lists and dicts by contents,
    /// references by identity. Undefined equals only undefined.
    public func equals(_ other: JinjaValue) -> Bool {
        switch (self, other) {
        case (.undefined, .undefined), (.none, .none): return true
        case (.string(let a), .string(let b)): return a == b
        case (.list(let a), .list(let b)):
            return a === b || (a.items.count == b.items.count && zip(a.items, b.items).allSatisfy { $0.equals($1) })
        case (.dict(let a), .dict(let b)):
            return a === b || (a.count == b.count && a.pairs.allSatisfy { pair in b[pair.key].map { $0.equals(pair.value) } ?? false })
        case (.callable(let a), .callable(let b)): return a === b
        case (.object(let a), .object(let b)): return a === b
        default:
            if let a = numeric, let b = other.numeric { return a == b }
            return false
        }
    }

    /// The value as a number when it is a bool, int or float (Python's numeric tower).
    public var numeric: Double? {
        switch self {
        case .bool(let value): value ? 1 : 0
        case .int(let value): Double(value)
        case .double(let value): value
        default: nil
        }
    }
}

/// A Python list (or tuple): a reference, so `append` is seen by every alias.
public final class JinjaList {
    public var items: [JinjaValue]
    public let isTuple: Bool

    public init(_ items: [JinjaValue] = [], isTuple: Bool = false) {
        self.items = items
        self.isTuple = isTuple
    }
}

/// A hashable dict key: Python's hashable scalars (and tuples of them).
public enum JinjaKey: Hashable {
    case none
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case tuple([JinjaKey])
    /// A host object (dbt's relations are hashable): by identity.
    case object(JinjaObjectKey)

    /// The key for a value, or nil when Python would call it unhashable (lists, dicts, …).
    public init?(_ value: JinjaValue) {
        switch value {
        case .none: self = .none
        // Python: True == 1 and hash(True) == hash(1), so they are the same key.
        case .bool(let value): self = .int(value ? 1 : 0)
        case .int(let value): self = .int(value)
        case .double(let value): self = value == value.rounded() && abs(value) < 1e18 ? .int(Int(value)) : .double(value)
        case .string(let value): self = .string(value)
        case .object(let object): self = .object(JinjaObjectKey(object: object))
        case .list(let list) where list.isTuple:
            var keys: [JinjaKey] = []
            for item in list.items {
                guard let key = JinjaKey(item) else { return nil }
                keys.append(key)
            }
            self = .tuple(keys)
        default: return nil
        }
    }

    public var value: JinjaValue {
        switch self {
        case .none: .none
        case .bool(let value): .bool(value)
        case .int(let value): .int(value)
        case .double(let value): .double(value)
        case .string(let value): .string(value)
        case .tuple(let keys): .tuple(keys.map(\.value))
        case .object(let key): .object(key.object)
        }
    }
}

/// A host object as a dict key, compared by identity.
public struct JinjaObjectKey: Hashable {
    public let object: any JinjaObject

    public static func == (a: JinjaObjectKey, b: JinjaObjectKey) -> Bool { a.object === b.object }
    public func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(object)) }
}

/// A Python dict: insertion-ordered, a reference like `JinjaList`.
public final class JinjaDict {
    private var keys: [JinjaKey] = []
    private var storage: [JinjaKey: JinjaValue] = [:]

    public init() {}

    public var count: Int { storage.count }

    /// The entries in insertion order, keys as values.
    public var pairs: [(key: JinjaValue, value: JinjaValue)] {
        keys.compactMap { key in storage[key].map { (key.value, $0) } }
    }

    public var keyValues: [JinjaValue] { keys.map(\.value) }

    /// The value under a key; nil when absent or the key is unhashable.
    public subscript(key: JinjaValue) -> JinjaValue? {
        get { JinjaKey(key).flatMap { storage[$0] } }
        set {
            guard let key = JinjaKey(key) else { return }
            if let newValue {
                if storage.updateValue(newValue, forKey: key) == nil { keys.append(key) }
            } else if storage.removeValue(forKey: key) != nil {
                keys.removeAll { $0 == key }
            }
        }
    }

    public subscript(string key: String) -> JinjaValue? {
        get { storage[.string(key)] }
        set { self[.string(key)] = newValue }
    }

    public func copy() -> JinjaDict {
        let copy = JinjaDict()
        copy.keys = keys
        copy.storage = storage
        return copy
    }
}

/// Positional and keyword arguments of a call, in the order written.
public struct JinjaArguments {
    public var positional: [JinjaValue]
    public var keyword: [(name: String, value: JinjaValue)]

    public init(_ positional: [JinjaValue] = [], keyword: [(name: String, value: JinjaValue)] = []) {
        self.positional = positional
        self.keyword = keyword
    }

    /// The keyword argument `name`, if given.
    public func named(_ name: String) -> JinjaValue? {
        keyword.last { $0.name == name }?.value
    }

    /// The argument at `index` if given positionally, else the keyword `name`, else nil.
    public func argument(_ index: Int, _ name: String) -> JinjaValue? {
        index < positional.count ? positional[index] : named(name)
    }
}

/// Something callable from a template: a macro, a host function, a bound method.
public protocol JinjaCallable: AnyObject {
    /// The name used in messages (`ref`, `dbt_utils.star`, `list.append`).
    var name: String { get }
    func call(_ arguments: JinjaArguments, context: any JinjaCallContext) throws -> JinjaValue
}

/// A host object that templates reach with `.attribute` or `["item"]`.
public protocol JinjaObject: AnyObject {
    var typeName: String { get }
    /// `object.name`; nil when it has no such attribute (the evaluator then tries `item`).
    func attribute(_ name: String) -> JinjaValue?
    /// `object[key]`; nil when absent.
    func item(_ key: JinjaValue) -> JinjaValue?
    /// What `{{ object }}` prints.
    var rendered: String { get }
    /// Whether `is mapping` holds (dbt's relations are mappings: macros test them that way).
    var isMapping: Bool { get }
    var isTruthy: Bool { get }
}

extension JinjaObject {
    public func item(_ key: JinjaValue) -> JinjaValue? { key.stringValue.flatMap(attribute) }
    public var rendered: String { "<\(typeName)>" }
    public var isTruthy: Bool { true }
    public var isMapping: Bool { false }
}

/// A host object standing for something the evaluator does not model (a Python module, a
/// datetime): operators on it give it back rather than fail, as far as a parse-time render goes.
public protocol JinjaOpaqueObject: JinjaObject {}

/// What a host function or builtin may ask of the running evaluator.
public protocol JinjaCallContext: AnyObject {
    /// Calls any callable value with arguments (macros run in their own scope).
    func call(_ callee: JinjaValue, _ arguments: JinjaArguments) throws -> JinjaValue
    /// Jinja's `value.name`: attribute first (methods of str/list/dict, object attributes), then item.
    func attribute(_ name: String, of value: JinjaValue) throws -> JinjaValue
    /// Jinja's `value[key]`: item first, then attribute.
    func item(_ key: JinjaValue, of value: JinjaValue) throws -> JinjaValue
    /// `value | name(arguments)`.
    func applyFilter(_ name: String, to value: JinjaValue, _ arguments: JinjaArguments) throws -> JinjaValue
    /// `value is name(arguments)`.
    func applyTest(_ name: String, to value: JinjaValue, _ arguments: JinjaArguments) throws -> Bool
}

/// A host function written in Swift.
public final class JinjaFunction: JinjaCallable {
    public let name: String
    private let body: (JinjaArguments, any JinjaCallContext) throws -> JinjaValue

    public init(_ name: String, _ body: @escaping (JinjaArguments, any JinjaCallContext) throws -> JinjaValue) {
        self.name = name
        self.body = body
    }

    public func call(_ arguments: JinjaArguments, context: any JinjaCallContext) throws -> JinjaValue {
        try body(arguments, context)
    }
}

/// Thrown by dbt's `return(value)`: the innermost running macro catches it and returns `value`.
/// `Error` must be `Sendable`; this one never leaves the thread of the render that threw it (the
/// macro call that catches it is on the same stack), so its non-Sendable value is never shared.
public struct JinjaReturn: Error, @unchecked Sendable {
    public var value: JinjaValue
    public init(_ value: JinjaValue) { self.value = value }
}

/// A host object whose attributes templates may assign with `{% set obj.name = value %}`
/// (Jinja2 allows this on `namespace()` objects only).
public protocol JinjaMutableObject: JinjaObject {
    func setAttribute(_ name: String, _ value: JinjaValue)
}

extension JinjaLiteral {
    /// What the constant evaluates to.
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
