import Foundation
import GateModel
import GateRules
import GateYAML
import Yams

/// Reads one YAML file node by node, keeping every node's line and column, and collects every
/// problem instead of stopping at the first: the user fixes a file in one round trip.
package struct YAMLReader {
    /// Repository-relative path the problems are reported against.
    package let path: String
    package private(set) var problems: [InputError] = []

    package init(path: String) { self.path = path }

    /// Problems in file order, so the user reads them top to bottom.
    package static func sorted(_ problems: [InputError]) -> [InputError] {
        problems.enumerated().sorted { a, b in
            let la = a.element.location, lb = b.element.location
            if let la, let lb, la != lb { return la < lb }
            return a.offset < b.offset
        }.map(\.element)
    }

    /// One `key: value` pair of a mapping.
    package struct Entry {
        package let key: String
        package let keyNode: Node
        package let value: Node
    }

    /// Parses the first document. A syntax error becomes an `InputError` at the libyaml mark.
    package static func compose(_ text: String, path: String) throws -> Node? {
        do {
            return try GuardedYAML.compose(text, path: path, expansionBudget: expansionBudget)
        } catch let error as YamlError {
            throw InputError(describe(error), at: location(of: error, path: path))
        }
    }

    /// How many nodes a document may hold once aliases are expanded (see `GuardedYAML`).
    package static let expansionBudget = 1_000_000

    /// The text of a file that must be UTF-8; an `InputError` at the first line that is not.
    package static func utf8Text(_ data: Data, path: String) throws -> String {
        if let text = String(data: data, encoding: .utf8) { return text }
        var line = 1
        for chunk in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            if String(data: Data(chunk), encoding: .utf8) == nil { break }
            line += 1
        }
        throw InputError("the file is not valid UTF-8 text; save it as UTF-8.", at: SourceLocation(path: path, line: line))
    }

    private static func describe(_ error: YamlError) -> String {
        switch error {
        case let .scanner(context, problem, _, _), let .parser(context, problem, _, _),
             let .composer(context, problem, _, _):
            let lead = context.map { "\($0.text) " } ?? ""
            return "YAML syntax: \(lead)\(problem). Fix the YAML syntax at this position."
        case let .duplicatedKeysInMapping(duplicates, _):
            return "duplicate key \(duplicates.map { "`\($0)`" }.joined(separator: ", ")) in one mapping; keep one."
        default:
            return "YAML could not be read: \(error)"
        }
    }

    private static func location(of error: YamlError, path: String) -> SourceLocation {
        switch error {
        case let .scanner(_, _, mark, _), let .parser(_, _, mark, _), let .composer(_, _, mark, _):
            return SourceLocation(path: path, line: mark.line, column: mark.column)
        case let .duplicatedKeysInMapping(_, context):
            return SourceLocation(path: path, line: context.mark.line, column: context.mark.column)
        default:
            return SourceLocation(path: path)
        }
    }

    package func location(_ node: Node?) -> SourceLocation {
        guard let mark = node?.mark else { return SourceLocation(path: path) }
        return SourceLocation(path: path, line: mark.line, column: mark.column)
    }

    package mutating func problem(_ message: String, at node: Node?) {
        problems.append(InputError(message, at: location(node)))
    }

    package mutating func problem(_ message: String, at location: SourceLocation?) {
        problems.append(InputError(message, at: location ?? SourceLocation(path: path)))
    }

    /// A plain `~`, `null` or empty value.
    package static func isNull(_ node: Node) -> Bool {
        guard case .scalar(let scalar) = node, scalar.style == .plain || scalar.style == .any else { return false }
        return node.null != nil
    }

    /// What a node is, in words, for "expected X, found Y".
    package static func kind(of node: Node) -> String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case .scalar(let scalar):
            if scalar.style == .plain || scalar.style == .any {
                if node.null != nil { return "nothing (null)" }
                if node.bool != nil { return "`\(scalar.string)` (a boolean)" }
                if node.int != nil || node.float != nil { return "`\(scalar.string)` (a number)" }
            }
            return "`\(scalar.string)` (a string)"
        }
    }

    /// The pairs of a mapping, reporting keys not in `allowed` (with a suggestion) and a node
    /// that is not a mapping at all. Returns nil only when the node is not a mapping.
    package mutating func entries(_ node: Node, of what: String, allowed: [String]) -> [Entry]? {
        if Self.isNull(node) { return [] }   // `dbt:` with nothing under it configures nothing
        guard case .mapping(let mapping) = node else {
            problem("\(what) must be a mapping, found \(Self.kind(of: node)).", at: node)
            return nil
        }
        var result: [Entry] = []
        for (keyNode, value) in mapping {
            guard case .scalar(let scalar) = keyNode else {
                problem("\(what) has a key that is not a plain name; use `name: value`.", at: keyNode)
                continue
            }
            let key = scalar.string
            if !allowed.isEmpty, !allowed.contains(key) {
                let known = allowed.map { "`\($0)`" }.joined(separator: ", ")
                problem("unknown key `\(key)` in \(what).\(Suggestions.hint(for: key, in: allowed)) Known keys: \(known).",
                        at: keyNode)
                continue
            }
            result.append(Entry(key: key, keyNode: keyNode, value: value))
        }
        return result
    }

    /// A plain or quoted scalar, as text. A plain number or boolean is read as its text, so a
    /// name such as `contract: 2024` is not rejected; only null, lists and mappings are.
    package mutating func string(_ node: Node, _ what: String) -> String? {
        guard case .scalar(let scalar) = node, node.null == nil || scalar.style != .plain else {
            problem("\(what) must be a string, found \(Self.kind(of: node)).", at: node)
            return nil
        }
        return scalar.string
    }

    /// A non-empty string.
    package mutating func nonEmptyString(_ node: Node, _ what: String) -> String? {
        guard let text = string(node, what) else { return nil }
        if text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            problem("\(what) must not be empty.", at: node)
            return nil
        }
        return text
    }

    package mutating func int(_ node: Node, _ what: String, atLeast minimum: Int) -> Int? {
        guard case .scalar(let scalar) = node, scalar.style == .plain, let value = node.int else {
            problem("\(what) must be a whole number, found \(Self.kind(of: node)).", at: node)
            return nil
        }
        if value < minimum {
            problem("\(what) must be at least \(minimum), found \(value).", at: node)
            return nil
        }
        return value
    }

    package mutating func bool(_ node: Node, _ what: String) -> Bool? {
        guard case .scalar(let scalar) = node, scalar.style == .plain,
              ["true", "false"].contains(scalar.string.lowercased()) else {
            if case .scalar(let scalar) = node, ["yes", "no", "on", "off", "y", "n"].contains(scalar.string.lowercased()) {
                problem("\(what) must be true or false, found `\(scalar.string)`; write `true` or `false` (other YAML tools read `\(scalar.string)` as text).",
                        at: node)
            } else {
                problem("\(what) must be true or false, found \(Self.kind(of: node)).", at: node)
            }
            return nil
        }
        return scalar.string.lowercased() == "true"
    }

    /// One of a closed set of words.
    package mutating func choice(_ node: Node, _ what: String, _ allowed: [String]) -> String? {
        guard let text = string(node, what) else { return nil }
        guard allowed.contains(text) else {
            let options = allowed.map { "`\($0)`" }.joined(separator: ", ")
            problem("\(what) must be one of \(options), found `\(text)`.\(Suggestions.hint(for: text, in: allowed))",
                    at: node)
            return nil
        }
        return text
    }

    /// A list of strings, each with its node (for per-item locations).
    package mutating func strings(_ node: Node, _ what: String) -> [(text: String, node: Node)]? {
        if Self.isNull(node) { return [] }
        guard case .sequence(let sequence) = node else {
            problem("\(what) must be a list, found \(Self.kind(of: node)).", at: node)
            return nil
        }
        var result: [(String, Node)] = []
        for item in sequence {
            if let text = nonEmptyString(item, "each item of \(what)") { result.append((text, item)) }
        }
        return result
    }

    /// A list of nodes.
    package mutating func list(_ node: Node, _ what: String) -> [Node]? {
        if Self.isNull(node) { return [] }
        guard case .sequence(let sequence) = node else {
            problem("\(what) must be a list, found \(Self.kind(of: node)).", at: node)
            return nil
        }
        return Array(sequence)
    }

    /// A `YYYY-MM-DD` date (YAML may have resolved it as a timestamp; the text is what counts).
    package mutating func day(_ node: Node, _ what: String) -> CalendarDay? {
        guard case .scalar(let scalar) = node else {
            problem("\(what) must be a date written YYYY-MM-DD, found \(Self.kind(of: node)).", at: node)
            return nil
        }
        guard let day = CalendarDay(scalar.string.trimmingCharacters(in: .whitespaces)) else {
            problem("\(what) must be a date written YYYY-MM-DD (e.g. 2027-01-31), found `\(scalar.string)`.",
                    at: node)
            return nil
        }
        return day
    }

    /// A node as a `JSONValue`: plain scalars are typed (null, bool, number), quoted ones stay text.
    package static func json(_ node: Node) -> JSONValue {
        switch node {
        case .scalar(let scalar):
            if scalar.style == .plain {
                if node.null != nil { return .null }
                let lower = scalar.string.lowercased()
                if lower == "true" || lower == "false" { return .bool(lower == "true") }
                if let int = node.int { return .number(Double(int)) }
                if let double = node.float { return .number(double) }
            }
            return .string(scalar.string)
        case .sequence(let sequence):
            return .array(sequence.map(json))
        case .mapping(let mapping):
            var object: [String: JSONValue] = [:]
            for (key, value) in mapping { object[key.string ?? ""] = json(value) }
            return .object(object)
        case .alias:
            return .null
        }
    }
}
