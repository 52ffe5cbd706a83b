import Foundation
import GateModel
import GateYAML
import Yams

/// Reading YAML as dbt does, keeping where every node was written.
///
/// Yams' `Mark` is 1-based for both line and column (it adds one to libyaml's 0-based marks),
/// which is what `SourceLocation` wants, so marks are used as they come.
package enum YAMLReading {
    /// Parses the first document of `text`. A syntax error becomes an `InputError` at the line and
    /// column libyaml reported.
    /// `readKeys`: the top-level sections the caller walks, the only ones the alias guard counts
    /// (nil: all of it; see `GuardedYAML.compose`).
    package static func compose(_ text: String, path: String, readKeys: Set<String>? = nil) throws -> Node? {
        do {
            // Plain scalars are typed by `plainScalarType` here, never by Yams' tags.
            return try GuardedYAML.compose(text, path: path, expansionBudget: expansionBudget, resolver: .basic,
                                           readKeys: readKeys)
        } catch let error as YamlError {
            throw inputError(error, path: path)
        }
    }

    /// Parses like `compose`, but reads a mapping that repeats a key as PyYAML (and so dbt) does:
    /// the last value wins (dbt 1.11 warns `DuplicateYAMLKeysDeprecation` and goes on). Each
    /// dropped key becomes a warning naming both lines. A repeat that cannot be located in the
    /// text (flow style) is still an `InputError`.
    package static func composeKeepingLastDuplicate(_ text: String, path: String,
                                            readKeys: Set<String>? = nil) throws -> (node: Node?, warnings: [Diagnostic]) {
        var text = text
        var lines: [String] = []   // split only once a repeat is met: most files have none
        var warnings: [Diagnostic] = []
        while true {
            do {
                let node = try GuardedYAML.compose(text, path: path, expansionBudget: expansionBudget, resolver: .basic,
                                                   readKeys: readKeys)
                return (warnings.isEmpty ? node : node.map(withoutDroppedKeys), warnings)
            } catch let error as YamlError {
                guard case let .duplicatedKeysInMapping(duplicates, context) = error, let key = duplicates.first else {
                    throw inputError(error, path: path)
                }
                if warnings.isEmpty { lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) }
                guard let kept = dropKey(key, line: context.mark.line, column: context.mark.column, in: &lines,
                                         number: warnings.count) else {
                    throw inputError(error, path: path)
                }
                text = lines.joined(separator: "\n")
                let first = context.mark.line
                warnings.append(Diagnostic(
                    severity: .warning,
                    message: "duplicate key `\(key)` at lines \(first) and \(kept); dbt reads the last one (line \(kept)) and warns — keep one",
                    location: SourceLocation(path: path, line: first, column: context.mark.column)))
            }
        }
    }

    /// Key written in place of a dropped duplicate, then removed from the composed tree.
    private static let droppedKeyPrefix = "__contract_gate_dropped_duplicate_"

    /// Renames the key written at `line`:`column` (1-based; the first of a repeated key, as Yams
    /// reports it) so the document composes, and returns the line of the repeat that is kept (the
    /// next line with the same key at the same column). Nil when the text is not that shape.
    private static func dropKey(_ key: String, line: Int, column: Int, in lines: inout [String], number: Int) -> Int? {
        guard lines.indices.contains(line - 1) else { return nil }
        let scalars = Array(lines[line - 1].unicodeScalars)
        let start = column - 1
        func written(at index: Int, in scalars: [Unicode.Scalar]) -> Int? {
            // The key as written there: plain, or quoted; its length in scalars.
            guard index >= 0, index < scalars.count else { return nil }
            let rest = String(String.UnicodeScalarView(scalars[index...]))
            for form in [key, "\"\(key)\"", "'\(key)'"] where rest.hasPrefix(form) {
                let after = rest.dropFirst(form.count).drop { $0 == " " }
                if after.first == ":" { return form.unicodeScalars.count }
            }
            return nil
        }
        guard let length = written(at: start, in: scalars) else { return nil }
        var keptLine: Int?
        for index in line..<lines.count {
            let other = Array(lines[index].unicodeScalars)
            guard let content = other.firstIndex(where: { $0 != " " }), other[content] != "#" else { continue }
            if content < start, other[content] != "-" { break }
            if written(at: start, in: other) != nil && other[..<start].allSatisfy({ $0 == " " || $0 == "-" }) {
                keptLine = index + 1
                break
            }
            if content < start { break }
        }
        guard let keptLine else { return nil }
        let replacement = Array("\(droppedKeyPrefix)\(number)".unicodeScalars)
        lines[line - 1] = String(String.UnicodeScalarView(scalars[..<start] + replacement + scalars[(start + length)...]))
        return keptLine
    }

    /// The tree without the keys `dropKey` renamed.
    private static func withoutDroppedKeys(_ node: Node) -> Node {
        switch node {
        case .mapping(let mapping):
            let pairs = mapping.compactMap { key, value -> (Node, Node)? in
                key.scalar?.string.hasPrefix(droppedKeyPrefix) == true ? nil : (key, withoutDroppedKeys(value))
            }
            return .mapping(Node.Mapping(pairs, mapping.tag, mapping.style, mapping.mark, mapping.anchor))
        case .sequence(let sequence):
            return .sequence(Node.Sequence(sequence.map(withoutDroppedKeys), sequence.tag, sequence.style, sequence.mark, sequence.anchor))
        case .scalar, .alias:
            return node
        }
    }

    /// How many nodes the sections a reader walks may hold once aliases are expanded (see
    /// `GuardedYAML`): about 200 MB of values at most, read in well under a second.
    static let expansionBudget = 2_000_000

    static func inputError(_ error: YamlError, path: String) -> InputError {
        switch error {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _),
             let .composer(context, problem, mark, _):
            let what = [context?.text, problem].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: " ")
            return InputError("invalid YAML: \(what); fix the syntax at this line",
                              at: SourceLocation(path: path, line: mark.line, column: mark.column))
        case let .reader(problem, offset, _, yaml):
            let line = offset.map { lineNumber(ofUTF8Offset: $0, in: yaml) } ?? 1
            return InputError("unreadable YAML: \(problem); the file must be UTF-8 text",
                              at: SourceLocation(path: path, line: line))
        case let .duplicatedKeysInMapping(duplicates, context):
            return InputError("duplicate key \(duplicates.joined(separator: ", ")) in one mapping; keep only one",
                              at: SourceLocation(path: path, line: context.mark.line, column: context.mark.column))
        default:
            return InputError("unreadable YAML: \(error)", at: SourceLocation(path: path))
        }
    }

    static func lineNumber(ofUTF8Offset offset: Int, in text: String) -> Int {
        var line = 1
        for (index, byte) in text.utf8.enumerated() {
            if index >= offset { break }
            if byte == UInt8(ascii: "\n") { line += 1 }
        }
        return line
    }

    /// The YAML 1.1 type of a node: plain scalars are typed by their text (`true`, `12`, `~`),
    /// quoted and block scalars are strings.
    static func tagName(_ node: Node) -> Tag.Name {
        switch node {
        case .scalar(let scalar):
            if scalar.style != .plain && scalar.style != .any { return .str }
            return plainScalarType(scalar.string)
        case .mapping: return .map
        case .sequence: return .seq
        case .alias: return Resolver.default.resolveTag(of: node)
        }
    }

    /// YAML 1.1 implicit typing of a plain scalar (what PyYAML, and so dbt, does), written out
    /// because Yams' regex resolver dominated the cost of reading large projects.
    static func plainScalarType(_ text: String) -> Tag.Name {
        guard let first = text.utf8.first else { return .null }
        switch first {
        case UInt8(ascii: "~"):
            return text == "~" ? .null : .str
        case UInt8(ascii: "n"), UInt8(ascii: "N"):
            if ["null", "Null", "NULL"].contains(text) { return .null }
            if ["n", "N", "no", "No", "NO"].contains(text) { return .bool }
            return .str
        case UInt8(ascii: "y"), UInt8(ascii: "Y"), UInt8(ascii: "t"), UInt8(ascii: "T"), UInt8(ascii: "f"), UInt8(ascii: "F"),
             UInt8(ascii: "o"), UInt8(ascii: "O"):
            let bools: Set<String> = ["y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "false", "False", "FALSE",
                                      "on", "On", "ON", "off", "Off", "OFF"]
            return bools.contains(text) ? .bool : .str
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "."):
            return Resolver.default.resolveTag(of: Node(text))
        default:
            return .str
        }
    }

    package static func location(of node: Node, in path: String) -> SourceLocation {
        guard let mark = node.mark else { return SourceLocation(path: path) }
        return SourceLocation(path: path, line: mark.line, column: mark.column)
    }

    /// The key/value pairs of a mapping in written order, with YAML merge keys (`<<: *anchor`)
    /// expanded beneath the explicit keys, as PyYAML (and so dbt) does.
    package static func pairs(of node: Node) -> [(key: String, keyNode: Node, value: Node)] {
        guard case .mapping(let mapping) = node else { return [] }
        var explicit: [(key: String, keyNode: Node, value: Node)] = []
        var merged: [(key: String, keyNode: Node, value: Node)] = []
        for (keyNode, value) in mapping {
            let key = keyNode.scalar?.string ?? ""
            if key == "<<", keyNode.scalar?.style == .plain {
                switch value {
                case .mapping: merged.append(contentsOf: pairs(of: value))
                case .sequence(let sequence): for item in sequence { merged.append(contentsOf: pairs(of: item)) }
                default: break
                }
            } else {
                explicit.append((key, keyNode, value))
            }
        }
        let explicitKeys = Set(explicit.map(\.key))
        return explicit + merged.filter { !explicitKeys.contains($0.key) }
    }

    /// The value of `key` in a mapping node.
    package static func value(_ key: String, in node: Node) -> Node? {
        guard case .mapping(let mapping) = node else { return nil }
        for (keyNode, value) in mapping {
            guard case .scalar(let scalar) = keyNode else { continue }
            if scalar.string == key { return value }
            if scalar.string == "<<" { return pairs(of: node).first { $0.key == key }?.value }
        }
        return nil
    }

    /// The scalar text of a node, nil for mappings, sequences and nulls.
    package static func string(_ node: Node?) -> String? {
        guard let node, case .scalar(let scalar) = node else { return nil }
        if tagName(node) == .null { return nil }
        return scalar.string
    }

    package static func items(_ node: Node?) -> [Node] {
        guard let node, case .sequence(let sequence) = node else { return [] }
        return Array(sequence)
    }

    /// Strings of a scalar-or-list value (`tags: a` and `tags: [a, b]` both occur).
    package static func strings(_ node: Node?) -> [String] {
        guard let node else { return [] }
        if case .sequence = node { return items(node).compactMap { string($0) } }
        return string(node).map { [$0] } ?? []
    }

    /// A node as a JSON-like value, with YAML 1.1 scalar typing (what PyYAML gives dbt).
    package static func json(_ node: Node) -> JSONValue {
        switch node {
        case .scalar(let scalar):
            switch tagName(node) {
            case .null: return .null
            // A fresh implicit scalar: Yams' constructors refuse a tag the basic resolver settled as `str`.
            case .bool: return Bool.construct(from: Node.Scalar(scalar.string)).map(JSONValue.bool) ?? .string(scalar.string)
            case .int: return Int.construct(from: Node.Scalar(scalar.string)).map { .number(Double($0)) } ?? .string(scalar.string)
            case .float: return Double.construct(from: Node.Scalar(scalar.string)).map(JSONValue.number) ?? .string(scalar.string)
            default: return .string(scalar.string)
            }
        case .sequence(let sequence):
            return .array(sequence.map(json))
        case .mapping:
            var object: [String: JSONValue] = [:]
            for pair in pairs(of: node) where object[pair.key] == nil { object[pair.key] = json(pair.value) }
            return .object(object)
        case .alias:
            return .null
        }
    }
}
