import Foundation
import GateModel

/// Builders for the `resource/catalog` `filter` JSON (SECODA_API.md §3).
package enum CatalogFilter {
    package static func exact(_ field: String, _ value: JSONValue) -> JSONValue {
        .object(["operator": .string("exact"), "field": .string(field), "value": value])
    }

    package static func `in`(_ field: String, _ values: [JSONValue]) -> JSONValue {
        .object(["operator": .string("in"), "field": .string(field), "value": .array(values)])
    }

    package static func contains(_ field: String, _ text: String) -> JSONValue {
        .object(["operator": .string("contains"), "field": .string(field), "value": .string(text)])
    }

    package static func and(_ operands: [JSONValue]) -> JSONValue {
        .object(["operator": .string("and"), "operands": .array(operands)])
    }

    package static func not(_ operand: JSONValue) -> JSONValue {
        .object(["operator": .string("not"), "operands": .array([operand])])
    }

    package static func encode(_ filter: JSONValue) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(filter)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}
