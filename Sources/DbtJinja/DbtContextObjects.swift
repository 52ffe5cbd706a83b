import Foundation
import GateJinja
import GateModel

/// What `ref()`, `source()`, `this` and `api.Relation.create()` return: a relation whose parts
/// macros read (`.identifier`, `.schema`) and which prints as `rendered`.
final class RelationObject: JinjaObject {
    let database: String
    let schema: String
    let identifier: String
    let printed: String

    init(database: String, schema: String, identifier: String, rendered: String) {
        self.database = database
        self.schema = schema
        self.identifier = identifier
        self.printed = rendered
    }

    var typeName: String { "Relation" }
    var rendered: String { printed }
    /// dbt's relations are mappings with `metadata.type` ending in `Relation`: that is how
    /// `dbt_utils._is_relation` tells them from strings.
    var isMapping: Bool { true }

    func attribute(_ name: String) -> JinjaValue? {
        switch name {
        case "database": .string(database)
        case "schema": .string(schema)
        case "identifier", "name", "table": .string(identifier)
        case "type": .string("table")
        case "is_table", "is_view", "is_cte", "is_materialized_view": .bool(name == "is_table")
        case "render": .callable(JinjaFunction("render") { [printed] _, _ in .string(printed) })
        case "metadata": .dict([("type", .string("BaseRelation"))])
        case "get": .callable(JinjaFunction("get") { [self] arguments, _ in
            guard let key = arguments.positional.first?.stringValue else { return .none }
            return attribute(key) ?? arguments.argument(1, "default") ?? .none
        })
        // Relation methods that return a relation: the same one will do for the graph.
        case "include", "quote", "incorporate", "replace_path", "without_identifier", "create_from":
            .callable(JinjaFunction(name) { [self] _, _ in .object(self) })
        default: nil
        }
    }
}

/// Python modules and objects the gate does not model (`modules.datetime`, `run_started_at`): every
/// attribute and call gives another opaque value, printed as `__dbt_opaque__()` so the SQL reader
/// sees a value it cannot know where dbt prints one (`{{ run_started_at.year }} as year`). Unlike
/// an undefined name, calling one is not an unknown macro.
final class OpaqueObject: JinjaOpaqueObject, JinjaCallable {
    let name: String

    init(name: String) { self.name = name }

    var typeName: String { "object" }
    var rendered: String { "__dbt_opaque__()" }

    func attribute(_ attribute: String) -> JinjaValue? { .object(OpaqueObject(name: name + "." + attribute)) }
    func item(_ key: JinjaValue) -> JinjaValue? { .object(OpaqueObject(name: name + "[]")) }
    func call(_ arguments: JinjaArguments, context: any JinjaCallContext) throws -> JinjaValue { .object(OpaqueObject(name: name + "()")) }
}

/// `api.Relation`: `create(database=, schema=, identifier=)`.
final class RelationFactory: JinjaObject {
    var typeName: String { "RelationFactory" }

    func attribute(_ name: String) -> JinjaValue? {
        guard name == "create" else { return nil }
        return .callable(JinjaFunction("api.Relation.create") { arguments, _ in
            let identifier = arguments.named("identifier")?.rendered ?? ""
            let schema = arguments.named("schema")?.rendered ?? ""
            let database = arguments.named("database")?.rendered ?? ""
            let printed = [database, schema, identifier].filter { !$0.isEmpty }.joined(separator: ".")
            return .object(RelationObject(database: database, schema: schema, identifier: identifier, rendered: printed))
        })
    }
}

/// `api.Column`: the adapter's column class, whose class methods models call to spell a type
/// (`api.Column.translate_type('date')`, `string_type(255)`, `numeric_type('numeric', 38, 2)`,
/// `create(name, dtype)`). dbt's base `Column` semantics: `translate_type` maps the labels STRING,
/// TIMESTAMP, FLOAT, INTEGER, BOOLEAN (any case) to TEXT, TIMESTAMP, FLOAT, INT, BOOLEAN and keeps
/// every other type as written. The spelling never changes the graph; a call is not an unknown macro.
final class ColumnFactory: JinjaObject {
    var typeName: String { "Column" }

    static let typeLabels = ["STRING": "TEXT", "TIMESTAMP": "TIMESTAMP", "FLOAT": "FLOAT", "INTEGER": "INT", "BOOLEAN": "BOOLEAN"]

    static func translate(_ type: String) -> String { typeLabels[type.uppercased()] ?? type }

    func attribute(_ name: String) -> JinjaValue? {
        switch name {
        case "translate_type":
            return .callable(JinjaFunction("api.Column.translate_type") { arguments, _ in
                .string(Self.translate(arguments.argument(0, "dtype")?.rendered ?? ""))
            })
        case "string_type":
            return .callable(JinjaFunction("api.Column.string_type") { arguments, _ in
                .string("character varying(\(arguments.argument(0, "size")?.rendered ?? ""))")
            })
        case "numeric_type":
            return .callable(JinjaFunction("api.Column.numeric_type") { arguments, _ in
                let dtype = arguments.argument(0, "dtype")?.rendered ?? ""
                guard let precision = arguments.argument(1, "precision"), !precision.isNone,
                      let scale = arguments.argument(2, "scale"), !scale.isNone else { return .string(dtype) }
                return .string("\(dtype)(\(precision.rendered),\(scale.rendered))")
            })
        case "create":
            return .callable(JinjaFunction("api.Column.create") { arguments, _ in
                let name = arguments.argument(0, "name")?.rendered ?? ""
                let type = Self.translate(arguments.argument(1, "label_or_dtype")?.rendered ?? "")
                return .dict([("name", .string(name)), ("column", .string(name)), ("quoted", .string("\"" + name + "\"")),
                              ("dtype", .string(type)), ("data_type", .string(type))])
            })
        default:
            return nil
        }
    }
}

/// dbt's parse-time `config`: calling it records configuration (read elsewhere from the file),
/// and `config.get(...)` answers "" whatever was set, as dbt's parser does.
final class ConfigObject: JinjaObject, JinjaCallable {
    unowned let renderer: DbtRenderer

    init(renderer: DbtRenderer) { self.renderer = renderer }

    var typeName: String { "Config" }
    var name: String { "config" }

    func call(_ arguments: JinjaArguments, context: any JinjaCallContext) throws -> JinjaValue {
        if case .dict(let options)? = arguments.positional.first {
            for (key, value) in options.pairs { renderer.recordConfig(key.rendered, value) }
        }
        for (key, value) in arguments.keyword { renderer.recordConfig(key, value) }
        return .string("")
    }

    func attribute(_ name: String) -> JinjaValue? {
        switch name {
        case "get", "require", "meta_get", "meta_require", "set":
            .callable(JinjaFunction("config." + name) { _, _ in .string("") })
        case "persist_relation_docs", "persist_column_docs":
            .callable(JinjaFunction("config." + name) { _, _ in .bool(false) })
        default: nil
        }
    }
}

/// `adapter`: `dispatch` follows dbt's search order; the rest asks the warehouse, which a parse
/// does not, and answers nothing.
final class AdapterObject: JinjaObject {
    unowned let renderer: DbtRenderer

    init(renderer: DbtRenderer) { self.renderer = renderer }

    var typeName: String { "Adapter" }

    func attribute(_ name: String) -> JinjaValue? {
        switch name {
        case "dispatch":
            return .callable(JinjaFunction("adapter.dispatch") { [unowned renderer] arguments, _ in
                guard let macro = arguments.argument(0, "macro_name")?.stringValue else {
                    throw JinjaError("adapter.dispatch needs a macro name")
                }
                let namespace = arguments.argument(1, "macro_namespace").flatMap { $0.isNone ? nil : $0.stringValue }
                return try renderer.dispatch(macro, namespace: namespace)
            })
        case "quote":
            return .callable(JinjaFunction("adapter.quote") { arguments, _ in
                .string("\"" + (arguments.positional.first?.rendered ?? "") + "\"")
            })
        case "type":
            return .callable(JinjaFunction("adapter.type") { [unowned renderer] _, _ in .string(renderer.adapterType) })
        case "get_columns_in_relation":
            return .callable(JinjaFunction("adapter.get_columns_in_relation") { [unowned renderer] arguments, _ in
                renderer.columns(in: arguments.argument(0, "relation") ?? .none)
            })
        case "list_relations_without_caching", "get_relations_by_pattern":
            return .callable(JinjaFunction("adapter." + name) { _, _ in .list([]) })
        case "get_relation", "load_relation":
            return .callable(JinjaFunction("adapter." + name) { _, _ in .none })
        default:
            return .callable(JinjaFunction("adapter." + name) { _, _ in .undefined("adapter." + name) })
        }
    }
}

/// `exceptions.raise_compiler_error(msg)` fails the render, as it fails dbt's parse; warnings pass.
final class ExceptionsObject: JinjaObject {
    var typeName: String { "Exceptions" }

    func attribute(_ name: String) -> JinjaValue? {
        if name == "warn" || name == "warn_snapshot_timestamp_data_types" {
            return .callable(JinjaFunction("exceptions.warn") { _, _ in .string("") })
        }
        return .callable(JinjaFunction("exceptions." + name) { arguments, _ in
            throw JinjaError("the model raised \(name): \(arguments.positional.first?.rendered ?? "")")
        })
    }
}

/// A package's macros as a namespace: `dbt_utils.star(...)`, `dbt.current_timestamp()`.
final class MacroNamespaceObject: JinjaObject {
    unowned let renderer: DbtRenderer
    let package: String

    init(renderer: DbtRenderer, package: String) {
        self.renderer = renderer
        self.package = package
    }

    var typeName: String { "MacroNamespace" }

    func attribute(_ name: String) -> JinjaValue? {
        renderer.macroValue(name, package: package)
    }
}

/// The little of Python that dbt's context functions need.
package enum JinjaDbtSupport {
    /// A YAML/JSON value from `dbt_project.yml` as a template value.
    package static func value(_ json: JSONValue) -> JinjaValue {
        switch json {
        case .null: .none
        case .bool(let value): .bool(value)
        case .number(let value): value == value.rounded() && abs(value) < 1e15 ? .int(Int(value)) : .double(value)
        case .string(let value): .string(value)
        case .array(let items): .list(items.map(value))
        case .object(let fields): .dict(fields.sorted { $0.key < $1.key }.map { ($0.key, value($0.value)) })
        }
    }

    /// A template value as data, when it is data (not a relation, macro or undefined).
    package static func json(_ value: JinjaValue) -> JSONValue? {
        switch value {
        case .none: return JSONValue.null
        case .bool(let flag): return .bool(flag)
        case .int(let number): return .number(Double(number))
        case .double(let number): return .number(number)
        case .string(let text): return .string(text)
        case .list(let list):
            var items: [JSONValue] = []
            for item in list.items {
                guard let json = json(item) else { return nil }
                items.append(json)
            }
            return .array(items)
        case .dict(let dict):
            var fields: [String: JSONValue] = [:]
            for (key, item) in dict.pairs {
                guard let json = json(item) else { return nil }
                fields[key.rendered] = json
            }
            return .object(fields)
        case .undefined, .callable, .object: return nil
        }
    }

    /// A stable digest for `local_md5` (the graph does not depend on its exact value).
    package static func fnv(_ text: String) -> String { String(StableHash.fnv1a(text), radix: 16) }
}

/// `fromjson`/`fromyaml` (JSON is YAML) for the template values JSON can hold; `tojson` is
/// `JinjaPython.json`, shared with the `tojson` filter.
enum JinjaJSON {
    static func decode(_ text: String) -> JinjaValue? {
        (try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))).map(JinjaDbtSupport.value)
    }
}

/// A warehouse column as `adapter.get_columns_in_relation` gives it (dbt's `Column`): the name is
/// what the gate knows; the type is not known (`data_type` is "unknown", no `is_*` test holds).
final class ColumnObject: JinjaObject {
    let name: String

    init(name: String) { self.name = name }

    var typeName: String { "Column" }
    var rendered: String { name }

    func attribute(_ attribute: String) -> JinjaValue? {
        switch attribute {
        case "name", "column": .string(name)
        case "quoted": .string("\"" + name + "\"")
        case "data_type", "dtype": .string("unknown")
        case "char_size", "numeric_precision", "numeric_scale": JinjaValue.none
        case "is_string", "is_number", "is_numeric", "is_float", "is_integer":
            .callable(JinjaFunction("Column." + attribute) { _, _ in .bool(false) })
        case "string_size":
            .callable(JinjaFunction("Column.string_size") { _, _ in .int(256) })
        default: nil
        }
    }
}
