import Foundation
import GateJSON
import GateModel
import Testing

/// Randomised inputs for the JSON codec, like the YAML readers' fuzzing (ci/fuzz/run.sh `json`
/// target, seeds in ci/fuzz/corpus/json/ replayed by FuzzRegressionTests): whatever the value —
/// random, deeply nested, strings of any characters — `PrettyJSONEncoder` writes exactly what
/// `JSONEncoder` writes and the bytes read back as the value. Seeded, so a failure repeats.
@Suite struct JSONCodecFuzzTests {
    /// SplitMix64: a small deterministic generator, so every run sees the same values.
    struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// Characters chosen to hit every escaping rule: controls, quotes, backslashes, slashes, DEL,
    /// C1 controls, bidi marks, line separators, non-BMP scalars, ordinary text.
    static let interesting: [Unicode.Scalar] = [
        "\u{0}", "\u{1}", "\u{7}", "\u{8}", "\t", "\n", "\u{B}", "\u{C}", "\r", "\u{1F}", " ", "\"", "\\", "/",
        "\u{7F}", "\u{80}", "\u{9F}", "\u{A0}", "é", "\u{61C}", "\u{200E}", "\u{2028}", "\u{2029}", "\u{202E}",
        "\u{2066}", "\u{FEFF}", "\u{FFFD}", "😀", "\u{10FFFF}", "a", "Z", "0", "_", "-",
    ]

    static func string(_ rng: inout Generator) -> String {
        let count = Int.random(in: 0...12, using: &rng)
        var scalars = String.UnicodeScalarView()
        for _ in 0..<count {
            if Bool.random(using: &rng) {
                scalars.append(interesting.randomElement(using: &rng)!)
            } else if let scalar = Unicode.Scalar(UInt32.random(in: 0...0x2FFF, using: &rng)) {
                scalars.append(scalar)
            }
        }
        return String(scalars)
    }

    static func number(_ rng: inout Generator) -> Double {
        switch Int.random(in: 0...4, using: &rng) {
        case 0: return Double(Int.random(in: -1_000...1_000, using: &rng))
        case 1: return Double(Int64.random(in: Int64.min...Int64.max, using: &rng))
        case 2: return Double.random(in: -1...1, using: &rng)
        case 3: return Double.random(in: -1e300...1e300, using: &rng)
        default:
            // Any finite bit pattern: subnormals, huge exponents, negative zero.
            while true {
                let value = Double(bitPattern: rng.next())
                if value.isFinite { return value }
            }
        }
    }

    static func value(_ rng: inout Generator, depth: Int) -> JSONValue {
        let leafOnly = depth <= 0
        switch Int.random(in: 0...(leafOnly ? 3 : 5), using: &rng) {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &rng))
        case 2: return .number(number(&rng))
        case 3: return .string(string(&rng))
        case 4: return .array((0..<Int.random(in: 0...5, using: &rng)).map { _ in value(&rng, depth: depth - 1) })
        default:
            var members: [String: JSONValue] = [:]
            for _ in 0..<Int.random(in: 0...5, using: &rng) { members[string(&rng)] = value(&rng, depth: depth - 1) }
            return .object(members)
        }
    }

    static func foundation(_ value: JSONValue) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return [UInt8](try encoder.encode(value))
    }

    static func expectRoundTrip(_ value: JSONValue, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws {
        let written = try PrettyJSONEncoder().encodeDirectly(value)
        #expect(written == (try foundation(value)), "bytes differ from JSONEncoder's", sourceLocation: sourceLocation)
        #expect(try JSONDecoder().decode(JSONValue.self, from: Data(written)) == value, sourceLocation: sourceLocation)
    }

    @Test(arguments: 0..<8)
    func randomValuesMatchFoundationAndReadBack(_ seed: Int) throws {
        var rng = Generator(state: UInt64(seed) &* 0x1234_5678_9ABC_DEF1)
        for _ in 0..<150 {
            try Self.expectRoundTrip(Self.value(&rng, depth: 5))
        }
    }

    /// Nesting as deep as Foundation's own decoder reads back (it stops at 512 levels).
    @Test(arguments: [1, 64, 500])
    func deeplyNestedValuesMatchFoundation(_ depth: Int) throws {
        var array = JSONValue.string("bottom \u{0} \u{202E}")
        var object = JSONValue.number(-0.0)
        for level in 0..<depth {
            array = .array([array, .number(Double(level))])
            object = .object(["k\(level % 3)": object, "z": .null])
        }
        try Self.expectRoundTrip(array)
        try Self.expectRoundTrip(object)
    }

    /// Every prefix of a real document (a file cut short, a pipe closed early) and random bytes
    /// go through the fuzz target's path — parse, encode, compare — without a crash: what does
    /// not parse is refused, what parses round-trips.
    @Test func truncatedAndRandomInputIsRefusedOrRoundTrips() throws {
        var rng = Generator(state: 42)
        let document = try PrettyJSONEncoder().encodeDirectly(Self.value(&rng, depth: 4))
        var inputs: [[UInt8]] = stride(from: 0, through: document.count, by: max(1, document.count / 200)).map { Array(document.prefix($0)) }
        for _ in 0..<300 {
            inputs.append((0..<Int.random(in: 0...64, using: &rng)).map { _ in
                Bool.random(using: &rng) ? Array("{}[]\",:0-.eE truefalsenull\\u".utf8).randomElement(using: &rng)! : UInt8.random(in: 0...255, using: &rng)
            })
        }
        var parsed = 0
        for input in inputs {
            guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(input)) else { continue }
            parsed += 1
            try Self.expectRoundTrip(value)
        }
        #expect(parsed >= 1, "the whole document at least parses")
    }
}
