import Foundation
@testable import GateLineage
@testable import SecodaAPI
import GateModel
import GateTestSupport
import SecodaEmulator
import Testing

/// The byte-level page reader against JSONDecoder: whenever the reader answers, it answers
/// exactly what JSONDecoder and the lenient `init(from:)`s make of the same bytes.
@Suite struct SecodaPageReaderTests {
    // MARK: Differential

    @Test func resourcePagesEqualJSONDecoderWheneverRead() {
        Self.differential(seed: 0x5EC0DA, as: CatalogResource.self) { $0.resourcePage(plain: $1) }
    }

    @Test func lineagePagesEqualJSONDecoderWheneverRead() {
        Self.differential(seed: 0x11AE, as: LineageRow.self) { $0.lineagePage(plain: $1) }
    }

    /// 3,000 generated pages, a third of them plain: the reader and JSONDecoder agree on each.
    static func differential<Item: Decodable & Hashable & Sendable>(
        seed: UInt64, as type: Item.Type, page: (inout PageGenerator, Bool) -> Data
    ) {
        var generator = PageGenerator(seed: seed)
        var tally = Tally()
        for index in 0..<3000 {
            let plain = index % 3 == 0
            let body = page(&generator, plain)
            tally.check(body, plain: plain, decoded: try? JSONDecoder().decode(SecodaPage<Item>.self, from: body),
                        read: SecodaPageReader.page(from: body, as: Item.self))
        }
        tally.expectSound()
    }

    /// The generic entry point dispatches on the item type and declines other types.
    @Test func pageDispatchesOnItemType() throws {
        let body = Data(#"{"results":[{"id":"a1","title":"orders"}],"count":1}"#.utf8)
        let page = try #require(SecodaPageReader.page(from: body, as: CatalogResource.self))
        #expect(page.results == [CatalogResource(id: "a1", type: "resource", title: "orders")])
        #expect(page.count == 1 && page.next == nil && page.totalPages == nil)
        #expect(SecodaPageReader.page(from: body, as: JSONValue.self) == nil)
        let rows = Data(#"{"results":[{"from_entity":"a","to_entity_id":7,"direction":"downstream"}]}"#.utf8)
        let row = try #require(SecodaPageReader.page(from: rows, as: LineageRow.self)?.results.first)
        #expect(row == LineageRow(id: nil, from: "a", to: "7", direction: "DOWNSTREAM"))
    }

    // MARK: One set of rules

    /// The odd inputs the lenient rules exist for (missing keys, `"true"` strings, numeric
    /// strings, nulls, extra keys, owners as objects, both key generations, the envelope's
    /// fallbacks) decode to the same values through `init(from:)` (JSONDecoder) and through the
    /// page reader, and to the values the rules promise.
    @Test func oddInputsDecodeAlikeThroughBothPaths() throws {
        let resources = Data(#"""
            {"links": {"next": "None"}, "meta": {"total_pages": "4"}, "count": "2", "extra": {"deep": [1, 2]},
             "results": [
              {"id": "t-1", "entity_type": "table", "title": 7, "title_full": null, "schema": "mart",
               "integration_id": 42, "owners": [{"id": "u-1", "name": "Ann"}, "u-2", 3, {"name": "no id"}],
               "owner_groups": ["g-1"], "tags": null, "pii": "true", "verified": 1, "external_usage": "12",
               "internal_usage": "8.9", "external_updated_at": null, "teams": "not a list", "unknown": {"x": true}},
              {"id": "t-2", "owners_groups": null, "owner_groups": ["g-2"], "pii": "no", "verified": "maybe",
               "external_usage": true, "url": ["x"]}
             ]}
            """#.utf8)
        let decoded = try JSONDecoder().decode(SecodaPage<CatalogResource>.self, from: resources)
        let read = try #require(SecodaPageReader.page(from: resources, as: CatalogResource.self))
        #expect(Tally.same(decoded, read), "decoder \(decoded.results) vs reader \(read.results)")
        #expect(decoded.next == nil && decoded.count == 2 && decoded.totalPages == 4)
        #expect(decoded.results == [
            CatalogResource(id: "t-1", type: "table", title: "7", schema: "mart", integration: "42", owners: ["u-1", "u-2"],
                            ownerGroups: ["g-1"], pii: true, verified: true, externalUsage: 12, internalUsage: 8),
            CatalogResource(id: "t-2", type: "resource", title: "t-2", ownerGroups: ["g-2"]),
        ])

        let rows = Data(#"""
            {"next": "https://x/api/v1/lineage/manual/?page=2", "total_pages": 3, "links": null,
             "results": [{"id": 9, "from_entity_id": "a-1", "to_entity": "b-2", "direction": "upstream", "extra": 1},
                         {"from_entity": "a-1", "from_entity_id": "ignored", "to_entity_id": 5, "direction": null}]}
            """#.utf8)
        let decodedRows = try JSONDecoder().decode(SecodaPage<LineageRow>.self, from: rows)
        let readRows = try #require(SecodaPageReader.page(from: rows, as: LineageRow.self))
        #expect(Tally.same(decodedRows, readRows), "decoder \(decodedRows.results) vs reader \(readRows.results)")
        #expect(decodedRows.next == "https://x/api/v1/lineage/manual/?page=2" && decodedRows.totalPages == 3 && decodedRows.count == nil)
        #expect(decodedRows.results == [LineageRow(id: "9", from: "a-1", to: "b-2", direction: "UPSTREAM"),
                                        LineageRow(id: nil, from: "a-1", to: "5", direction: "")])

        // What both reject: a resource whose id is a number, a row with an end that is no id.
        let badRow = Data(#"{"results": [{"from_entity": "a b", "to_entity": "c"}]}"#.utf8)
        #expect(SecodaPageReader.page(from: badRow, as: LineageRow.self) == nil)
        #expect((try? JSONDecoder().decode(SecodaPage<LineageRow>.self, from: badRow)) == nil)
        let numericId = Data(#"{"results": [{"id": 12}]}"#.utf8)
        #expect(SecodaPageReader.page(from: numericId, as: CatalogResource.self) == nil)
        #expect((try? JSONDecoder().decode(SecodaPage<CatalogResource>.self, from: numericId)) == nil)
    }

    // MARK: Real emulator output

    @Test func emulatorListingsTakeTheFastPath() async throws {
        var builder = SeedBuilder()
        let owner = builder.user(firstName: "Ada", lastName: "Lovelace", email: "ada@example.com")
        let group = builder.group("Data \"platform\" ✓", users: [owner])
        var tables: [String] = []
        for n in 1...120 {
            tables.append(builder.table("t_\(n)", owners: n % 2 == 0 ? [owner] : [], ownerGroups: n % 3 == 0 ? [group] : [],
                                        tags: n % 5 == 0 ? ["pii", "fïnance"] : [], pii: n % 7 == 0, verified: n % 2 == 1,
                                        usage: n % 4 == 0 ? nil : n))
        }
        for n in 1...30 { builder.dashboard("Board \(n) — «ops»", externalUsage: n % 3 == 0 ? nil : n * 10, internalUsage: n) }
        for n in 1..<tables.count { builder.edge(tables[0], tables[n]) }
        let log = BodyLog()
        try await withEmulator(builder.seed) { emulator in
            let transport = RecordingTransport(inner: URLSessionTransport(for: emulator.baseURL), log: log)
            let client = try SecodaClient(baseURL: emulator.baseURL.absoluteString, apiKey: emulator.token,
                                          options: quickOptions(), transport: transport)
            let resources = try await client.list("resource/catalog/", as: CatalogResource.self)
            let rows = try await client.list("lineage/manual/", as: LineageRow.self)
            #expect(resources.count == 150 && rows.count >= 119)
        }
        let bodies = await log.bodies
        let resourcePages = bodies.filter { $0.url.contains("/resource/catalog/") }.map(\.body)
        let lineagePages = bodies.filter { $0.url.contains("/lineage/manual/") }.map(\.body)
        #expect(resourcePages.count == 3 && lineagePages.count >= 3)
        var read: [CatalogResource] = []
        for body in resourcePages {
            let page = try #require(SecodaPageReader.resources(from: body))
            let decoded = try JSONDecoder().decode(SecodaPage<CatalogResource>.self, from: body)
            #expect(Tally.same(page, decoded))
            read += page.results
        }
        // The pages carried the fields the lenient decoders work on.
        #expect(read.contains { !$0.owners.isEmpty } && read.contains { !$0.ownerGroups.isEmpty }
            && read.contains { $0.pii } && read.contains { $0.externalUsage == nil } && read.contains { $0.url != nil })
        for body in lineagePages {
            let read = try #require(SecodaPageReader.lineageRows(from: body))
            let decoded = try JSONDecoder().decode(SecodaPage<LineageRow>.self, from: body)
            #expect(Tally.same(read, decoded))
        }
    }

    // MARK: Refused or rejected inputs

    @Test func truncatedBodiesAreNeverRead() throws {
        var generator = PageGenerator(seed: 7)
        let body = generator.resourcePage(plain: true, items: 3)
        #expect(SecodaPageReader.resources(from: body) != nil)
        let text = [UInt8](body)
        var cut = text.count - 1
        while cut > 0 {
            // Only whitespace may be cut without changing the page.
            let prefix = Data(text[0..<cut])
            let trimmedEnd = text[cut...].allSatisfy { [0x20, 0x09, 0x0A, 0x0D].contains($0) }
            if !trimmedEnd {
                #expect(SecodaPageReader.resources(from: prefix) == nil, "read a body cut at \(cut)")
            }
            cut -= 1
        }
        #expect(SecodaPageReader.resources(from: Data()) == nil)
    }

    /// Broken JSON is refused, including what JSONDecoder lets through (it accepts trailing
    /// commas, leading zeros and bad escapes in values it never reads).
    @Test(arguments: [
        #"[]"#,
        #"{"results":[]} trailing"#,
        #"{"results":[],}"#,
        #"{"results":[{"id":"a1",}]}"#,
        #"{"results":[{"id":"a1"}]"#,
        #"{"results":[{"id":"a1","count":01}]}"#,
        #"{"results":[{"id":"a1","x":"\q"}]}"#,
        #"{"results":[{"id":"a1","x":"\u12"}]}"#,
        #"{"results":[{"id":"a1","x":-}]}"#,
        #"{"results":[{"id":"a1","x":1.}]}"#,
        #"{"results":[{"id":"a1","x":tru}]}"#,
        "{\"results\":[{\"id\":\"a1\",\"x\":\"tab\there\"}]}",
        #"{'results':[]}"#,
        "<html>Bad gateway</html>",
        "",
    ])
    func malformedJSONIsRefused(body: String) {
        #expect(SecodaPageReader.resources(from: Data(body.utf8)) == nil)
        #expect(SecodaPageReader.lineageRows(from: Data(body.utf8)) == nil)
    }

    @Test(arguments: [
        #"{"results":[{"title":"no id"}]}"#,
        #"{"results":[{"id":"not valid!"}]}"#,
        #"{"results":[{"id":12345}]}"#,
        #"{"results":[{"id":null}]}"#,
        #"{"results":["a1"]}"#,
        #"{"results":null}"#,
        #"{"count":3}"#,
        #"{"results":{}}"#,
        #"{"results":[{"id":"a1"}]} x"#,
        #"{"results":[{"id":"a1"}]"#,
        "<html>Bad gateway</html>",
    ])
    func invalidResourcePagesAreRefusedAndRejected(body: String) {
        let data = Data(body.utf8)
        #expect(SecodaPageReader.resources(from: data) == nil)
        #expect((try? JSONDecoder().decode(SecodaPage<CatalogResource>.self, from: data)) == nil)
    }

    @Test(arguments: [
        #"{"results":[{"from_entity":"a1"}]}"#,
        #"{"results":[{"from_entity":"a 1","to_entity":"b2"}]}"#,
        #"{"results":[{"from_entity":null,"to_entity":"b2"}]}"#,
        #"{"results":[{"from_entity":true,"to_entity":"b2"}]}"#,
        #"{"results":[{"from_entity_id":"a1","to_entity_id":""}]}"#,
    ])
    func lineageRowsWithoutValidIdsAreRefusedAndRejected(body: String) {
        let data = Data(body.utf8)
        #expect(SecodaPageReader.lineageRows(from: data) == nil)
        #expect((try? JSONDecoder().decode(SecodaPage<LineageRow>.self, from: data)) == nil)
    }

    /// Inputs JSONDecoder accepts but the reader hands over rather than guess.
    @Test(arguments: [
        #"{"results":[{"id":"a1","title":"x","title":"y"}]}"#,
        #"{"results":[],"results":[]}"#,
        #"{"results":[],"links":{"next":"a","next":"b"}}"#,
        #"{"results":[{"id":"a1","owners":[{"id":"u1","id":"u2"}]}]}"#,
        #"{"results":[{"\u0069d":"a1"}]}"#,
        #"{"results":[{"id":"a1","external_usage":2.0}]}"#,
        #"{"results":[{"id":"a1","title":12345678901234567890}]}"#,
        #"{"results":[{"id":"a1","title":"\ud800"}]}"#,
        #"{"results":[{"id":"a1","owners":[["u1"]]}]}"#,
        #"{"results":[{"id":"a1","owners":[1.5]}]}"#,
    ])
    func doubtfulPagesAreHandedToJSONDecoder(body: String) {
        let data = Data(body.utf8)
        #expect((try? JSONDecoder().decode(SecodaPage<CatalogResource>.self, from: data)) != nil)
        #expect(SecodaPageReader.resources(from: data) == nil)
    }

    @Test func deepNestingIsHandedOverNotRecursedInto() throws {
        let shallow = String(repeating: "[", count: 20) + String(repeating: "]", count: 20)
        let deep = String(repeating: "[", count: 200) + String(repeating: "]", count: 200)
        let hostile = String(repeating: "[", count: 100_000)
        func page(_ nested: String) -> Data { Data(#"{"results":[{"id":"a1","x":\#(nested)}]}"#.utf8) }
        #expect(SecodaPageReader.resources(from: page(shallow))?.results.map(\.id) == ["a1"])
        #expect(SecodaPageReader.resources(from: page(deep)) == nil)
        #expect(try JSONDecoder().decode(SecodaPage<CatalogResource>.self, from: page(deep)).results.map(\.id) == ["a1"])
        #expect(SecodaPageReader.resources(from: page(hostile)) == nil)
    }

    /// `Int(1e20)` traps; lenientInt (and so the reader) calls such a usage unknown.
    @Test func outOfRangeUsageIsUnknownNotACrash() throws {
        for usage in ["1e20", #""1e20""#, #""-9.3e18""#, "12345678901234567890", #""9223372036854775808""#] {
            let data = Data(#"{"results":[{"id":"a1","external_usage":\#(usage),"internal_usage":"-12.9"}]}"#.utf8)
            let resource = try #require(try JSONDecoder().decode(SecodaPage<CatalogResource>.self, from: data).results.first)
            #expect(resource.externalUsage == nil && resource.internalUsage == -12)
            if let read = SecodaPageReader.resources(from: data) { #expect(read.results == [resource]) }
        }
    }
}

// MARK: - Support

/// Collects differential outcomes; reports the first few disagreements with their bodies.
struct Tally {
    var read = 0
    var readPlain = 0
    var plain = 0
    var rejected = 0
    var handedOver = 0
    var problems: [String] = []

    static func same<Item: Hashable>(_ a: SecodaPage<Item>, _ b: SecodaPage<Item>) -> Bool {
        a.next == b.next && a.count == b.count && a.totalPages == b.totalPages && a.results == b.results
    }

    mutating func check<Item: Hashable>(_ body: Data, plain isPlain: Bool, decoded: SecodaPage<Item>?, read fast: SecodaPage<Item>?) {
        let text = String(decoding: body, as: UTF8.self)
        if isPlain { plain += 1 }
        if decoded == nil { rejected += 1 }
        guard let fast else {
            if decoded != nil { handedOver += 1 }
            if isPlain { problems.append("plain page not read: \(text)") }
            return
        }
        read += 1
        if isPlain { readPlain += 1 }
        guard let decoded else { return problems.append("read a page JSONDecoder rejects: \(text)") }
        if !Self.same(fast, decoded) {
            problems.append("differs: \(text)\nreader:  \(fast.next as Any) \(fast.count as Any) \(fast.totalPages as Any) \(fast.results)"
                + "\ndecoder: \(decoded.next as Any) \(decoded.count as Any) \(decoded.totalPages as Any) \(decoded.results)")
        }
    }

    /// Sound (no disagreement), complete on plain shapes, and the odd cases really exercised
    /// both ways: pages read, pages handed over, pages JSONDecoder rejects.
    func expectSound() {
        #expect(problems.isEmpty, "\(problems.count) problems; first: \(problems.prefix(3).joined(separator: "\n\n"))")
        #expect(readPlain == plain)
        #expect(read > plain + 400, "odd pages read: \(read - plain)")
        #expect(handedOver > 100 && rejected > 100, "handed over \(handedOver), rejected \(rejected)")
    }
}

/// Writes listing pages as JSON text with every shape the lenient decoders meet. `plain`
/// pages use only shapes the reader must read; the others add what it may hand over
/// (fractions, duplicates, escaped keys, deep nesting, lone surrogates, broken JSON).
struct PageGenerator {
    var rng: SplitMix64
    var plain = true

    init(seed: UInt64) { rng = SplitMix64(seed: seed) }

    mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &rng) < p }
    mutating func pick<T>(_ options: [T]) -> T { options[Int.random(in: 0..<options.count, using: &rng)] }
    mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &rng) }
    /// Only for odd pages: true with probability `p`.
    mutating func odd(_ p: Double) -> Bool { !plain && chance(p * 0.4) }

    mutating func space() -> String { chance(0.7) ? "" : pick([" ", "\n", "\t", "\r\n  ", "  "]) }

    // MARK: Strings

    static let pieces: [String] = ["a", "b", "Z", "q", "0", "7", " ", "-", "_", ".", ":", "\"", "\\", "/", "\n", "\t",
                                   "\u{8}", "\u{C}", "\r", "\u{1}", "\u{1F}", "\u{0}", "é", "ß", "漢", "😀", "İ", "\u{212A}",
                                   "e\u{301}", "None", "true"]

    mutating func text(maxPieces: Int = 6) -> String {
        (0..<int(0...maxPieces)).map { _ in pick(Self.pieces) }.joined()
    }

    /// `value` as a JSON string literal, escaped in one of the ways JSON allows.
    mutating func quoted(_ value: String) -> String {
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "/": out += chance(0.5) ? "\\/" : "/"
            case "\n": out += chance(0.5) ? "\\n" : "\\u000a"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            case "\u{8}": out += "\\b"
            case "\u{C}": out += "\\f"
            case _ where scalar.value < 0x20: out += "\\u00" + hex(scalar.value, width: 2)
            case _ where chance(0.15): out += unicodeEscape(scalar)
            default: out.unicodeScalars.append(scalar)
            }
        }
        if odd(0.02) { out += pick(["\\ud800", "\\udc00x", "\\x", "\u{7}", "\\u12"]) }
        return out + "\""
    }

    mutating func unicodeEscape(_ scalar: Unicode.Scalar) -> String {
        let units = String(scalar).utf16.map { $0 }
        return units.map { "\\u" + hex(UInt32($0), width: 4) }.joined()
    }

    mutating func hex(_ value: UInt32, width: Int) -> String {
        let digits = String(value, radix: 16, uppercase: chance(0.5))
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    mutating func validId() -> String {
        pick([
            "00000000-0000-4000-8000-\(String(format: "%012d", int(0...999_999)))",
            "\(int(1...99_999))",
            "tbl_\(int(0...999))",
            String(repeating: "a", count: 64),
        ])
    }

    // MARK: Values by lenient kind

    mutating func oddNumber() -> String {
        pick(["1.5", "2.0", "-0.0", "1e2", "1E+2", "-3e-2", "1e400", "12345678901234567890", "0.1"])
    }

    mutating func composite() -> String {
        pick(["[]", "{}", "[\(quoted(text()))]", "{\"a\":\(space())[1,{\"b\":null}]}", "[true,false,null,-4]"])
    }

    /// A value for a `lenientString` key (nil: leave the key out).
    mutating func stringValue() -> String? {
        if odd(0.15) { return pick([oddNumber(), "true", composite(), "-0"]) }
        switch int(0...9) {
        case 0: return nil
        case 1: return "null"
        case 2: return String(int(-1000...1_000_000))
        case 3: return quoted(validId())
        case 4: return "false"
        case 5: return composite()
        default: return quoted(text())
        }
    }

    mutating func boolValue() -> String? {
        if odd(0.15) { return pick([oddNumber(), composite(), "[true]"]) }
        switch int(0...5) {
        case 0: return nil
        case 1: return "null"
        case 2: return pick(["true", "false"])
        case 3: return pick(["0", "1", "7", "-1"])
        default:
            return quoted(pick(["true", "TRUE", "yes", "YES", "Yes", "1", "false", "no", "No", "0", "none", "None", "",
                                "maybe", " true", "t", "\u{130}"]))
        }
    }

    mutating func intValue() -> String? {
        if odd(0.2) { return oddNumber() }
        switch int(0...6) {
        case 0: return nil
        case 1: return "null"
        case 2, 3: return String(int(-100_000...100_000_000))
        case 4: return pick(["true", composite()])
        default:
            return quoted(pick(["42", "-7", "+3", " 42", "4.7", "-4.7", "1e3", "abc", "1e30", "-1e30", "inf", "nan",
                                "9223372036854775807", "9223372036854775808", "0x10", "", "3."]))
        }
    }

    mutating func listValue() -> String? {
        if odd(0.1) {
            return "[" + pick(["[\"u1\"]", "1.5", "{\"id\":\"u1\",\"id\":\"u2\"}", "{\"id\":\"u1\",\"x\":{}}",
                               "\"a\",{\"n\":1e400}"]) + "]"
        }
        switch int(0...7) {
        case 0: return nil
        case 1: return "null"
        case 2: return pick([quoted(validId()), "{}", "3"])
        default:
            let elements = (0..<int(0...4)).map { _ in listElement() }
            return "[" + space() + elements.joined(separator: space() + "," + space()) + space() + "]"
        }
    }

    mutating func listElement() -> String {
        switch int(0...9) {
        case 0: return "null"
        case 1: return pick(["3", "-1", "true", "false"])
        case 2: return "{\"name\":\(quoted(text()))}"
        case 3: return "{\"id\":\(int(1...99))}"
        case 4, 5:
            var members = [("id", quoted(validId()))]
            if chance(0.5) { members.append(("first_name", quoted(text()))) }
            if chance(0.3) { members.append(("disabled", pick(["false", "null", "0"]))) }
            return object(members.shuffled(using: &rng))
        default: return quoted(chance(0.7) ? validId() : text())
        }
    }

    /// An unknown key's value: anything, nested a little (odd pages: sometimes very deep).
    mutating func unknownValue(depth: Int = 0) -> String {
        if depth == 0, odd(0.03) { return String(repeating: "[", count: 40) + String(repeating: "]", count: 40) }
        switch depth > 3 ? int(0...3) : int(0...6) {
        case 0: return quoted(text(maxPieces: 10))
        case 1: return pick(["null", "true", "false", "0", "-12", "3.25", "-0.5e-3", "1E+2", "6.02e23"])
        case 2: return String(int(Int.min / 2...Int.max / 2))
        case 3: return quoted("")
        case 4: return "[" + (0..<int(0...3)).map { _ in unknownValue(depth: depth + 1) }.joined(separator: ",") + "]"
        default:
            return object((0..<int(0...3)).map { index in ("k\(index)\(pick(["", "é", " x"]))", unknownValue(depth: depth + 1)) },
                          escapingKeys: true)
        }
    }

    /// An object from members, with whitespace around every token. Keys the reader looks up
    /// are written raw (it refuses escaped ones); keys of unknown values may be escaped.
    mutating func object(_ members: [(String, String)], escapingKeys: Bool = false) -> String {
        var parts: [String] = []
        for (key, value) in members {
            let name = odd(0.01) && key == "id" ? "\"\\u0069d\"" : escapingKeys ? quoted(key) : "\"\(key)\""
            parts.append(space() + name + space() + ":" + space() + value + space())
        }
        return "{" + space() + parts.joined(separator: ",") + "}"
    }

    /// The known keys with their values, some unknown keys, shuffled; odd pages sometimes
    /// repeat a key.
    mutating func item(_ known: [(String, String?)]) -> String {
        var members = known.compactMap { key, value in value.map { (key, $0) } }
        for _ in 0..<int(0...4) {
            members.append((pick(["description", "native_type", "parent", "created_at", "published", "meta",
                                  "ownersx", "Title", "ïd", "links"]), unknownValue()))
        }
        members.shuffle(using: &rng)
        if !members.isEmpty, odd(0.05) { members.append(pick(members)) }
        return object(members)
    }

    mutating func resource() -> String {
        if odd(0.01) { return pick(["\"a1\"", "7", "null", "[]"]) }
        let id: String? = odd(0.03) ? pick(["\"bad id\"", "\"\"", "12", "null", quoted(String(repeating: "b", count: 65))])
            : odd(0.01) ? nil : quoted(validId())
        let groupsKey = pick(["owners_groups", "owner_groups", "both"])
        let groups: [(String, String?)] = groupsKey == "both"
            ? [("owners_groups", listValue()), ("owner_groups", listValue())] : [(groupsKey, listValue())]
        return item([
            ("id", id), ("entity_type", stringValue()), ("title", stringValue()), ("title_full", stringValue()),
            ("database", stringValue()), ("schema", stringValue()),
            ("integration", stringValue()), ("integration_id", stringValue()),
            ("owners", listValue()), ("tags", listValue()), ("teams", listValue()),
            ("pii", boolValue()), ("verified", boolValue()), ("url", stringValue()),
            ("external_usage", intValue()), ("internal_usage", intValue()), ("external_updated_at", stringValue()),
        ] + groups)
    }

    mutating func entityReference() -> String? {
        if odd(0.04) { return pick(["\"bad id\"", "\"\"", "true", "1.5"]) }
        switch int(0...6) {
        case 0: return nil
        case 1: return "null"
        case 2: return String(int(1...99_999))
        default: return quoted(validId())
        }
    }

    mutating func lineageRow() -> String {
        // Every row names both ends one way or another on plain pages.
        var from: [(String, String?)] = [("from_entity", entityReference()), ("from_entity_id", entityReference())]
        var to: [(String, String?)] = [("to_entity", entityReference()), ("to_entity_id", entityReference())]
        if plain { ensureValid(&from); ensureValid(&to) }
        return item(from + to + [
            ("id", stringValue()),
            ("direction", pick([quoted("DOWNSTREAM"), quoted("upstream"), quoted("Downstream"), quoted("stra\u{DF}e"),
                                "null", "3", quoted(text())] + (plain ? [] : [oddNumber()]))),
        ])
    }

    /// Makes the first of a pair the decoder reads (`x` else `x_id`) a valid id.
    mutating func ensureValid(_ pair: inout [(String, String?)]) {
        let usable = { (value: String?) -> Bool in
            guard let value else { return false }
            return value.first == "\"" || value.first.map(\.isNumber) == true
        }
        if !usable(pair[0].1) && !usable(pair[1].1) { pair[1].1 = quoted(validId()) }
    }

    // MARK: Pages

    mutating func nextLink() -> String {
        pick([quoted("http://127.0.0.1:8080/api/v1/resource/catalog/?page=2&filter={\"a\":1}"), quoted("None"), quoted(""),
              quoted("null"), "null", "3", quoted("/relative?page=9")] + (plain ? [] : [oddNumber(), composite()]))
    }

    mutating func countValue() -> String? {
        intValue()
    }

    mutating func page(_ item: (inout PageGenerator) -> String, items count: Int?) -> Data {
        let items = (0..<(count ?? int(0...6))).map { _ in item(&self) }
        var members: [(String, String?)] = [
            ("results", "[" + space() + items.joined(separator: space() + "," + space()) + space() + "]"),
        ]
        if odd(0.03) { members[0].1 = pick(["null", "{}", "\"x\"", nil]) }
        switch int(0...3) {
        case 0: members.append(("links", object([("next", nextLink()), ("previous", "null")])))
        case 1: members.append(("next", nextLink()))
        case 2:
            members.append(("links", chance(0.3) ? pick(["null", "\"x\"", "[]", "{}"]) : object([("previous", nextLink())])))
            members.append(("next", nextLink()))
        default: break
        }
        if chance(0.6) { members.append(("count", countValue())) }
        switch int(0...3) {
        case 0: members.append(("total_pages", intValue()))
        case 1: members.append(("meta", object([("page", "1"), ("total_pages", intValue() ?? "1")])))
        case 2:
            members.append(("total_pages", pick(["null", quoted("x"), "5"])))
            members.append(("meta", chance(0.2) ? "null" : object([("total_pages", String(int(0...9)))])))
        default: break
        }
        let text = space() + object(members.compactMap { key, value in value.map { (key, $0) } }.shuffled(using: &rng)) + space()
        if odd(0.05) {
            var bytes = Array(text.utf8)
            switch int(0...2) {
            case 0: bytes = Array(bytes.prefix(int(0...max(0, bytes.count - 1))))
            case 1: bytes.append(contentsOf: Array(pick(["x", "}", ",", "\u{0}"]).utf8))
            default: if !bytes.isEmpty { bytes[int(0...bytes.count - 1)] = pick([0x7B, 0x22, 0x2C, 0xFF, 0x5C]) }
            }
            return Data(bytes)
        }
        return Data(text.utf8)
    }

    mutating func resourcePage(plain: Bool, items: Int? = nil) -> Data {
        self.plain = plain
        return page({ $0.resource() }, items: items)
    }

    mutating func lineagePage(plain: Bool) -> Data {
        self.plain = plain
        return page({ $0.lineageRow() }, items: nil)
    }
}

/// Remembers every response body the client received, by request path.
private actor BodyLog {
    var bodies: [(url: String, body: Data)] = []
    func add(_ url: String, _ body: Data) { bodies.append((url, body)) }
}

/// The real URLSession transport, keeping a copy of each body for the test to read again.
private struct RecordingTransport: HTTPTransport {
    let inner: URLSessionTransport
    let log: BodyLog

    func send(_ request: TransportRequest, timeout: Duration) async throws -> TransportResponse {
        let response = try await inner.send(request, timeout: timeout)
        await log.add(request.url.absoluteString, response.body)
        return response
    }
}
