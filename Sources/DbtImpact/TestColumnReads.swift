import DbtFiles
import Foundation
import GateModel
import Yams

/// A dbt test, written in a property file, that names a column of a model. `dbt build` runs data
/// tests and unit tests, so a test that names a column its model no longer outputs fails the
/// build ("Referenced column … not found", "Invalid column name … in unit test fixture"), whether
/// or not any model reads that column.
struct TestColumnRead: Hashable, Sendable {
    /// How the finding names the test: "data test `not_null` on `stg_orders.order_id`",
    /// "unit test `test_x`".
    var test: String
    /// The model the test belongs to (the one dbt reports the failure under).
    var owner: String
    /// The model whose column the test names.
    var model: String
    /// The column as written, lower-cased.
    var column: String
    var location: SourceLocation
}

/// Reads the tests of a property file that name columns, as dbt applies them:
/// - a test under a column's `data_tests:`/`tests:` (any generic test: `not_null`, `unique`,
///   `accepted_values`, a package test) is run with `column_name` set to that column;
/// - `relationships` (column or model level) also reads its `field` of the `to:` model;
/// - a model-level test reads its `column_name`, `combination_of_columns` and the identifiers of
///   its `expression` (`dbt_utils.expression_is_true`), its arguments either beside the test name or
///   under `arguments:` (dbt ≥ 1.10);
/// - a unit test reads the columns its `given` rows set on each `ref()` input, and the columns its
///   `expect` rows name on its own model (dict rows; `csv`/`sql` fixtures are not read).
/// A test with `enabled: false` is skipped. Versions' own tests are not read.
enum TestColumnReads {
    /// The reads of one file in the parse cache's form (the path is the key's, not repeated).
    static func encode(_ reads: [TestColumnRead]) -> [UInt8] {
        var writer = BinaryWriter()
        writer.count(reads.count)
        for read in reads {
            writer.string(read.test)
            writer.string(read.owner)
            writer.string(read.model)
            writer.string(read.column)
            writer.position(read.location)
        }
        return writer.bytes
    }

    static func decode(_ reader: inout BinaryReader, path: String) throws -> [TestColumnRead] {
        var reads: [TestColumnRead] = []
        for _ in 0..<(try reader.count()) {
            let test = try reader.string(), owner = try reader.string(), model = try reader.string(), column = try reader.string()
            reads.append(TestColumnRead(test: test, owner: owner, model: model, column: column,
                                        location: try reader.position(in: path)))
        }
        return reads
    }

    static func read(_ data: Data, path: String) -> [TestColumnRead] {
        let text = String(decoding: data, as: UTF8.self)
        guard let root = try? YAMLReading.composeKeepingLastDuplicate(text, path: path, readKeys: ["models", "unit_tests"]).node
        else { return [] }
        var reads: [TestColumnRead] = []
        for entry in YAMLReading.items(YAMLReading.value("models", in: root)) {
            guard let model = YAMLReading.string(YAMLReading.value("name", in: entry)) else { continue }
            for test in tests(in: entry) {
                reads += modelLevel(test, owner: model, path: path)
            }
            for column in YAMLReading.items(YAMLReading.value("columns", in: entry)) {
                guard let name = YAMLReading.string(YAMLReading.value("name", in: column)) else { continue }
                for test in tests(in: column) {
                    let location = YAMLReading.location(of: test.node, in: path)
                    reads.append(TestColumnRead(test: "data test `\(test.name)` on `\(model).\(name)`", owner: model,
                                                model: model, column: name.lowercased(), location: location))
                    reads += relationshipField(test, owner: model, path: path)
                }
            }
        }
        for unit in YAMLReading.items(YAMLReading.value("unit_tests", in: root)) {
            reads += unitTest(unit, path: path)
        }
        return reads
    }

    struct Test {
        var name: String
        var node: Node
        /// The arguments (beside the name, or under `arguments:`), merged.
        var arguments: [(key: String, value: Node)]
    }

    /// The enabled tests of a model or column entry.
    static func tests(in entry: Node) -> [Test] {
        var found: [Test] = []
        for key in ["data_tests", "tests"] {
            for item in YAMLReading.items(YAMLReading.value(key, in: entry)) {
                var name: String?
                var holder: Node?
                if let bare = YAMLReading.string(item) {
                    name = bare
                } else if let testName = YAMLReading.string(YAMLReading.value("test_name", in: item)) {
                    name = testName
                    holder = item
                } else {
                    let pairs = YAMLReading.pairs(of: item)
                    if pairs.count == 1 {
                        name = pairs[0].key
                        holder = pairs[0].value
                    }
                }
                guard let name else { continue }
                var arguments: [(key: String, value: Node)] = []
                if let holder {
                    for pair in YAMLReading.pairs(of: holder) where pair.key != "arguments" {
                        arguments.append((pair.key, pair.value))
                    }
                    if let nested = YAMLReading.value("arguments", in: holder) {
                        for pair in YAMLReading.pairs(of: nested) { arguments.append((pair.key, pair.value)) }
                    }
                    let config = YAMLReading.value("config", in: holder)
                    let enabled = YAMLReading.value("enabled", in: holder) ?? config.flatMap { YAMLReading.value("enabled", in: $0) }
                    if let enabled, YAMLReading.json(enabled) == .bool(false) { continue }
                }
                found.append(Test(name: name, node: item, arguments: arguments))
            }
        }
        return found
    }

    static func modelLevel(_ test: Test, owner: String, path: String) -> [TestColumnRead] {
        var reads: [TestColumnRead] = []
        let location = YAMLReading.location(of: test.node, in: path)
        func add(_ column: String) {
            reads.append(TestColumnRead(test: "data test `\(test.name)` on `\(owner)`", owner: owner, model: owner,
                                        column: column.lowercased(), location: location))
        }
        for (key, value) in test.arguments {
            switch key {
            case "column_name", "combination_of_columns", "column_names":
                for name in YAMLReading.strings(value) where isIdentifier(name) { add(name) }
            case "expression":
                if let expression = YAMLReading.string(value) {
                    for word in identifiers(in: expression) { add(word) }
                }
            default:
                break
            }
        }
        if let column = test.arguments.first(where: { $0.key == "column_name" }).flatMap({ YAMLReading.string($0.value) }),
           isIdentifier(column) {
            reads += relationshipField(test, owner: owner, path: path)
        }
        return reads
    }

    /// `relationships: {to: ref('x'), field: id}`: the test selects `field` from `x`.
    static func relationshipField(_ test: Test, owner: String, path: String) -> [TestColumnRead] {
        guard test.name == "relationships" || test.name.hasSuffix(".relationships"),
              let to = test.arguments.first(where: { $0.key == "to" }).flatMap({ YAMLReading.string($0.value) }),
              let field = test.arguments.first(where: { $0.key == "field" }).flatMap({ YAMLReading.string($0.value) }),
              isIdentifier(field),
              let target = ReferenceScanner.scan(Data(to.utf8)).refs.first else { return [] }
        return [TestColumnRead(test: "data test `relationships` on `\(owner)` (field `\(field)` of `\(target.name)`)",
                               owner: owner, model: target.name, column: field.lowercased(),
                               location: YAMLReading.location(of: test.node, in: path))]
    }

    static func unitTest(_ unit: Node, path: String) -> [TestColumnRead] {
        guard let name = YAMLReading.string(YAMLReading.value("name", in: unit)),
              let model = YAMLReading.string(YAMLReading.value("model", in: unit)) else { return [] }
        if let config = YAMLReading.value("config", in: unit), let enabled = YAMLReading.value("enabled", in: config),
           YAMLReading.json(enabled) == .bool(false) { return [] }
        var reads: [TestColumnRead] = []
        func rows(_ holder: Node, of target: String) {
            if let format = YAMLReading.string(YAMLReading.value("format", in: holder)), format != "dict" { return }
            for row in YAMLReading.items(YAMLReading.value("rows", in: holder)) {
                for pair in YAMLReading.pairs(of: row) where isIdentifier(pair.key) {
                    let read = TestColumnRead(test: "unit test `\(name)`", owner: model, model: target,
                                              column: pair.key.lowercased(), location: YAMLReading.location(of: pair.keyNode, in: path))
                    if !reads.contains(where: { $0.model == read.model && $0.column == read.column }) { reads.append(read) }
                }
            }
        }
        for given in YAMLReading.items(YAMLReading.value("given", in: unit)) {
            guard let input = YAMLReading.string(YAMLReading.value("input", in: given)),
                  let target = ReferenceScanner.scan(Data(input.utf8)).refs.first else { continue }
            rows(given, of: target.name)
        }
        if let expect = YAMLReading.value("expect", in: unit) { rows(expect, of: model) }
        return reads
    }

    static func isIdentifier(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, first == "_" || CharacterSet.letters.contains(first) else { return false }
        return text.unicodeScalars.allSatisfy { $0 == "_" || CharacterSet.alphanumerics.contains($0) }
    }

    /// The bare identifiers of a SQL expression, outside quotes (keywords and function names
    /// included: they only matter when they are also a column that is gone).
    static func identifiers(in expression: String) -> [String] {
        var words: [String] = []
        var current = ""
        var quote: Character?
        var previous: Character = " "
        func flush() {
            if !current.isEmpty, previous != ".", isIdentifier(current), !words.contains(current.lowercased()) {
                words.append(current.lowercased())
            }
            current = ""
        }
        for character in expression {
            if let open = quote {
                if character == open { quote = nil }
                continue
            }
            if character == "'" || character == "\"" {
                flush()
                quote = character
                continue
            }
            if character == "_" || character.isLetter || (character.isNumber && !current.isEmpty) {
                if current.isEmpty && character.isNumber { continue }
                current.append(character)
            } else {
                flush()
                previous = character
            }
        }
        flush()
        return words
    }
}
