import Foundation
import GateJSON
import GateModel
import Testing

/// `PrettyJSONEncoder` must write exactly the bytes of `JSONEncoder` with the report options.
/// Each test compares the direct writer (no fallback) with Foundation on the same value.
@Suite struct PrettyJSONEncoderTests {
    static func foundationBytes<Value: Encodable>(_ value: Value) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(value))
    }

    /// Compares byte for byte; on a mismatch prints the first differing line of each.
    static func expectSameBytes<Value: Encodable>(_ value: Value, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws {
        let expected = try foundationBytes(value)
        let direct = try PrettyJSONEncoder().encodeDirectly(value)
        if direct != expected {
            let ours = String(decoding: direct, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            let theirs = String(decoding: expected, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            let line = (0..<min(ours.count, theirs.count)).first { ours[$0] != theirs[$0] } ?? min(ours.count, theirs.count)
            Issue.record("""
                differs at line \(line + 1) (\(direct.count) vs \(expected.count) bytes)
                ours:       \(line < ours.count ? String(ours[line]) : "<end>")
                JSONEncoder: \(line < theirs.count ? String(theirs[line]) : "<end>")
                """, sourceLocation: sourceLocation)
        }
        let withNewline = try PrettyJSONEncoder().encode(value, newlineAtEnd: true)
        let sameWithNewline = Array(withNewline) == expected + [0x0A]
        #expect(sameWithNewline, "encode(_:newlineAtEnd: true) is not JSONEncoder's bytes plus a newline",
                sourceLocation: sourceLocation)
    }

    @Test func wideHandMadeValueMatchesFoundation() throws {
        try Self.expectSameBytes(Everything.sample)
    }

    @Test func everyStringEscapeClassMatchesFoundation() throws {
        let controls = String(String.UnicodeScalarView((0..<0x20).compactMap(Unicode.Scalar.init)))
        let strings = [
            "", controls, "quote \" backslash \\ slash / both \\/", "del \u{7F} ls \u{2028} ps \u{2029} nel \u{85}",
            "emoji 🎉 flag 🇨🇭 family 👩‍👩‍👧 combining e\u{301} é", "ünïcødé ✓ 漢字 ﻿bom", "\u{1B}[31mred\u{1B}[0m\r\n",
            String(repeating: "long\t", count: 500),
        ]
        try Self.expectSameBytes(strings)
        for string in strings { try Self.expectSameBytes(string) }
    }

    @Test func numbersMatchFoundation() throws {
        let doubles: [Double] = [
            0, -0.0, 1e-7, 123456789012345, 0.1, 1.5e300, -1.5e-300, 1e15, 1e16, 1e-5, 1e-4, 2.5, -3, 100,
            0.1 + 0.2, .pi, Double.leastNonzeroMagnitude, .leastNormalMagnitude, .greatestFiniteMagnitude,
            9_007_199_254_740_992, 1e21, 1e22, 4.35, 1 / 3,
        ]
        let floats: [Float] = [0, -0.0, 0.1, 1e10, 3, 1e-7, .greatestFiniteMagnitude, .leastNonzeroMagnitude, 16_777_216, 1e21]
        try Self.expectSameBytes(doubles)
        try Self.expectSameBytes(floats)
        try Self.expectSameBytes([Int.min, Int.max, 0, -1, 7])
        try Self.expectSameBytes([UInt64.max, 0])
        try Self.expectSameBytes(Integers())
        for double in doubles { try Self.expectSameBytes(double) }
    }

    @Test func topLevelScalarsAndEmptyContainersMatchFoundation() throws {
        try Self.expectSameBytes(42)
        try Self.expectSameBytes(true)
        try Self.expectSameBytes(Int?.none)
        try Self.expectSameBytes([Int]())
        try Self.expectSameBytes([String: Int]())
        try Self.expectSameBytes([[Int]]())
        try Self.expectSameBytes([[[Int]()], [], [[]]])
        try Self.expectSameBytes(["a": [String: [Int]](), "b": ["c": []]])
        try Self.expectSameBytes([Int?.none, 1, nil])
    }

    @Test func keysSortLikeFoundation() throws {
        let keys = ["b", "B", "a10", "a9", "a", "ab", "", "_", "Z", "z", "é", "e\u{301}f", "ä", "Ω", "😀", "a b",
                    "a\"q", "a\\b", "tab\tkey", "\u{1}", "~", "0", "10", "9"]
        try Self.expectSameBytes(Dictionary(uniqueKeysWithValues: keys.enumerated().map { ($1, $0) }))
        try Self.expectSameBytes([10: "ten", 9: "nine", 100: "hundred", -1: "minus"])
        try Self.expectSameBytes(["outer": ["Zeta": 1, "alpha": 2, "Alpha": 3]])
    }

    /// The writer remembers the order of key sequences it has seen; look-alike sequences must not share it.
    @Test func repeatedObjectsWithOtherKeysOrOrderMatchFoundation() throws {
        let objects = (0..<100).map { index in
            KeyOrder(keys: index % 3 == 0 ? ["b", "a", "c"] : index % 3 == 1 ? ["c", "b", "a"] : ["b", "a", "d"],
                     nested: index % 2 == 0)
        } + [KeyOrder(keys: ["\u{E9}", "z"], nested: true), KeyOrder(keys: ["e\u{301}", "z"], nested: true)]
        try Self.expectSameBytes(objects)
        try Self.expectSameBytes((0..<50).map { ["k\($0 % 7)": $0, "k\($0 % 5)x": -$0] })
    }

    @Test func realReportTypesMatchFoundation() throws {
        try Self.expectSameBytes(Self.impact(nodes: 12))
        try Self.expectSameBytes(CatalogStatus())
        try Self.expectSameBytes(CatalogStatus(sources: ["dbt", "secoda"], complete: false,
                                               errors: ["Secoda: HTTP 503 \"unavailable\"\nretry later"],
                                               snapshotTakenAt: "2026-11-29T10:00:00Z"))
        try Self.expectSameBytes(ImpactDocument(catalog: CatalogStatus(sources: ["snapshot"]),
                                                impact: [Self.impact(nodes: 3), ModelImpact(model: "empty")]))
    }

    /// The shape of a big `impact --format json`: 5,000 downstream nodes in one document.
    @Test func largeGeneratedValueMatchesFoundation() throws {
        try Self.expectSameBytes(ImpactDocument(catalog: CatalogStatus(), impact: [Self.impact(nodes: 5_000)]))
    }

    /// What the direct writer leaves to Foundation: it declines, and `encode` still gives Foundation's bytes.
    @Test(arguments: FallbackCase.allCases)
    func unsupportedCasesFallBackToFoundation(_ fallback: FallbackCase) throws {
        #expect(throws: (any Error).self) { try PrettyJSONEncoder().encodeDirectly(fallback) }
        let expected = try? Self.foundationBytes(fallback)
        let ours = try? PrettyJSONEncoder().encode(fallback)
        #expect(ours.map(Array.init) == expected)
        #expect(ours != nil || fallback == .notANumber || fallback == .emptyTopLevel)
    }

    static func impact(nodes count: Int) -> ModelImpact {
        let nodes: [DownstreamNode] = (0..<count).map { index -> DownstreamNode in
            let even = index % 2 == 0
            let group = Owner(id: "g-\(index)", name: even ? nil : "Group/\(index)", kind: "group",
                              members: even ? [] : ["a@example.com", "b@example.com"])
            let person = Owner(id: "u-\(index)", name: "Owner \(index)", email: "o\(index)@example.com", kind: "user")
            let external: Int? = index % 3 == 0 ? nil : index * 3
            let usage: Usage? = index % 5 == 0 ? nil
                : Usage(external: external, internal: index, externalUpdatedAt: even ? "2026-11-01" : nil)
            let types = ["dashboard", "chart", "model", "table"], sources = ["secoda", "dbt", "dbt+secoda"]
            return DownstreamNode(
                id: "3b0f7c1e-0000-4000-8000-\(String(index, radix: 16))", name: "Dashboard \(index) \"Q\(index % 4)\"",
                type: types[index % 4], depth: 1 + index % 5, source: sources[index % 3],
                owners: index % 3 == 0 ? [] : [person, group],
                tags: index % 4 == 0 ? [] : ["finance", "pii/\(index)"], verified: even, pii: index % 7 == 0,
                usage: usage, stale: index % 6 == 0, relation: index % 4 == 2 ? "analytics.prod.t\(index)" : nil,
                url: index % 3 == 1 ? "https://bi.example/d/\(index)?x=1&y=ü" : nil,
                parentId: index == 0 ? nil : "node-\(index - 1)")
        }
        return ModelImpact(model: "fct_orders", catalogId: "table-1", downstream: nodes,
                           columnUsers: ["status": nodes.prefix(3).map(\.id), "Amount": [], "ünit": ["x"]],
                           truncated: count > 100)
    }
}

/// What `contract-gate impact --format json` writes (Sources/contract-gate/Impact.swift).
private struct ImpactDocument: Encodable {
    var schema_version = 1
    var catalog: CatalogStatus
    var impact: [ModelImpact]
}

private struct Integers: Encodable {
    var i8 = Int8.min, i16 = Int16.min, i32 = Int32.min, i64 = Int64.min
    var u8 = UInt8.max, u16 = UInt16.max, u32 = UInt32.max, u64 = UInt64.max, u = UInt.max
    var float = Float(1.25), bool = false
}

/// Writes its keys in the order given, optionally with a nested object under the last key.
private struct KeyOrder: Encodable {
    let keys: [String], nested: Bool
    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: FallbackCase.NamedKey.self)
        for (index, key) in keys.enumerated() {
            if nested && index == keys.count - 1 {
                var inner = c.nestedContainer(keyedBy: FallbackCase.NamedKey.self, forKey: .init(stringValue: key))
                for other in keys.reversed() { try inner.encode(other, forKey: .init(stringValue: other)) }
            } else {
                try c.encode(index, forKey: .init(stringValue: key))
            }
        }
    }
}

private enum Colour: String, Encodable { case red, blue }

/// Encodes nothing: JSONEncoder writes it as an empty object.
private struct Silent: Encodable { func encode(to encoder: any Encoder) throws {} }

/// A single value written through a nested generic encode.
private struct Wrapped<Inner: Encodable>: Encodable {
    let inner: Inner
    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(inner)
    }
}

/// Every container operation a document uses, with keys deliberately declared out of order.
private struct Everything: Encodable {
    enum Keys: String, CodingKey {
        case zulu, alpha, Mike, nested, list, absent, present, explicitNull = "explicit_null", empty = "empty_list"
        case emptyObject = "empty_object", dictionary, counts, silent, wrapped, colour, url, matrix, twice
        case unkeyedMix = "unkeyed_mix", optionalList = "optional_list", key = "quote\"key", unicode = "ünïcode"
    }
    enum InnerKeys: String, CodingKey { case b, a, deeper }

    static let sample = Everything()

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode("last", forKey: .zulu)
        try c.encode(1, forKey: .alpha)
        try c.encode(true, forKey: .Mike)
        var nested = c.nestedContainer(keyedBy: InnerKeys.self, forKey: .nested)
        try nested.encode(2.5, forKey: .b)
        try nested.encodeNil(forKey: .a)
        var deeper = nested.nestedUnkeyedContainer(forKey: .deeper)
        try deeper.encode("x")
        var deepest = deeper.nestedContainer(keyedBy: InnerKeys.self)
        try deepest.encode([1, 2], forKey: .b)
        try deeper.encode(Int8(-3))
        try c.encode(["a", "b/c"], forKey: .list)
        try c.encodeIfPresent(String?.none, forKey: .absent)
        try c.encodeIfPresent(Optional("here"), forKey: .present)
        try c.encode(Int?.none, forKey: .explicitNull)
        try c.encode([String](), forKey: .empty)
        try c.encode([String: Int](), forKey: .emptyObject)
        try c.encode(["Zed": [1], "apple": [], "Äpfel": [2, 3]], forKey: .dictionary)
        try c.encode([3: "three", 1: "one"], forKey: .counts)
        try c.encode(Silent(), forKey: .silent)
        try c.encode(Wrapped(inner: Wrapped(inner: ["k": Colour.blue])), forKey: .wrapped)
        try c.encode(Colour.red, forKey: .colour)
        try c.encode(URL(string: "https://example.com/a b/ü?q=1"), forKey: .url)
        try c.encode([[1.5, -0.0], [], [1e-7]], forKey: .matrix)
        var unkeyed = c.nestedUnkeyedContainer(forKey: .unkeyedMix)
        try unkeyed.encodeNil()
        try unkeyed.encode(Silent())
        _ = unkeyed.nestedUnkeyedContainer()
        _ = unkeyed.nestedContainer(keyedBy: InnerKeys.self)
        try unkeyed.encode(UInt16(9))
        try c.encode([Int?.none, 4], forKey: .optionalList)
        try c.encode("q", forKey: .key)
        try c.encode("u", forKey: .unicode)
        // Asking for the keyed container again gives the same object in JSONEncoder.
        var again = encoder.container(keyedBy: Keys.self)
        try again.encode(Wrapped(inner: 7), forKey: .twice)
    }
}

/// Values the direct writer declines.
enum FallbackCase: String, CaseIterable, Encodable, Sendable {
    case date, data, decimal, superEncoder, duplicateKey, equivalentKeys, interleaved, notANumber, emptyTopLevel
    case caughtError

    /// Writes half an object, then throws.
    struct HalfWritten: Encodable {
        struct Broken: Error {}
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: Keys.self)
            try c.encode("half", forKey: .b)
            throw Broken()
        }
    }

    enum Keys: String, CodingKey { case a, b, c }

    struct NamedKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    func encode(to encoder: any Encoder) throws {
        switch self {
        case .date: try ["at": Date(timeIntervalSinceReferenceDate: 1_000)].encode(to: encoder)
        case .data: try ["bytes": Data([1, 2, 3])].encode(to: encoder)
        case .decimal: try ["amount": Decimal(string: "12.50")].encode(to: encoder)
        case .superEncoder:
            var c = encoder.container(keyedBy: Keys.self)
            try c.encode(1, forKey: .b)
            var single = c.superEncoder().singleValueContainer()
            try single.encode("parent")
        case .duplicateKey:
            var c = encoder.container(keyedBy: Keys.self)
            try c.encode(1, forKey: .b)
            try c.encode(2, forKey: .a)
            try c.encode(3, forKey: .b)
        case .equivalentKeys:
            var c = encoder.container(keyedBy: NamedKey.self)
            try c.encode(1, forKey: NamedKey(stringValue: "\u{E9}"))
            try c.encode(2, forKey: NamedKey(stringValue: "e\u{301}"))
        case .interleaved:
            var c = encoder.container(keyedBy: Keys.self)
            var nested = c.nestedContainer(keyedBy: Keys.self, forKey: .a)
            try c.encode(1, forKey: .b)
            try nested.encode(2, forKey: .c)
        case .notANumber: try [Double.nan].encode(to: encoder)
        case .emptyTopLevel: break
        case .caughtError:
            var c = encoder.container(keyedBy: Keys.self)
            try? c.encode(HalfWritten(), forKey: .a)
            try c.encode(1, forKey: .b)
        }
    }
}
