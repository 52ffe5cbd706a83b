import Foundation
import GateJSON
import GateModel

/// The `json` target: any bytes that parse as JSON become a value, and `PrettyJSONEncoder` must
/// write exactly the bytes Foundation's `JSONEncoder` writes for it (with the report's options),
/// and those bytes must read back as the same value. Unparsable input is fine; a difference is a
/// finding and stops the run like a crash.
enum JSONCodecFuzz {
    static func run(_ data: Data) {
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: data) else { return }
        check(value, input: data)
        // The same value nested in a document, as reports nest entities.
        check(.object(["value": value, "list": .array([value, .null, value])]), input: data)
    }

    static func check(_ value: JSONValue, input: Data) {
        let foundation = JSONEncoder()
        foundation.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        guard let expected = try? foundation.encode(value) else { return }
        let written: [UInt8]
        do {
            written = try PrettyJSONEncoder().encodeDirectly(value)
        } catch {
            fatalError("PrettyJSONEncoder refused what JSONEncoder wrote (\(error)) for input \(describe(input))")
        }
        guard written == [UInt8](expected) else {
            fatalError("PrettyJSONEncoder wrote other bytes than JSONEncoder for input \(describe(input))")
        }
        guard let back = try? JSONDecoder().decode(JSONValue.self, from: Data(written)), back == value else {
            fatalError("PrettyJSONEncoder's bytes do not read back as the value for input \(describe(input))")
        }
    }

    static func describe(_ input: Data) -> String {
        input.prefix(120).map { String(format: "%02x", $0) }.joined()
    }
}
