import Foundation
import GateModel

/// A fast path for the two listings the lineage walk reads most (`resource/catalog` and
/// `lineage/manual` pages): one pass over the response bytes instead of JSONDecoder's parse,
/// container lookups and `try?` retries per lenient field.
///
/// The contract is exactness or nothing: a page read here equals what JSONDecoder and the
/// tolerant `init(from:)`s in SecodaWire.swift make of the same bytes, and whenever the reader
/// meets something whose decoding it is not sure of (a fraction or exponent, a duplicate key
/// that matters, an escaped key, a lone surrogate, deep nesting, bad UTF-8, anything that is
/// not JSON, an item the decoder would reject) it returns nil and the caller decodes with
/// JSONDecoder as before — so errors and odd inputs keep exactly today's behaviour.
package enum SecodaPageReader {
    /// The page in `body`, or nil when `Item` has no fast path or the body needs JSONDecoder.
    static func page<Item: Decodable & Sendable>(from body: Data, as type: Item.Type) -> SecodaPage<Item>? {
        if type == CatalogResource.self { return resources(from: body) as? SecodaPage<Item> }
        if type == LineageRow.self { return lineageRows(from: body) as? SecodaPage<Item> }
        return nil
    }

    /// A `resource/catalog` (or other resource listing) page, or nil to fall back to JSONDecoder.
    static func resources(from body: Data) -> SecodaPage<CatalogResource>? {
        read(body) { (scanner: inout JSONByteScanner) throws(Refusal) in
            try CatalogResource(wire: scanner.object(CatalogResource.CodingKeys.self))
        }
    }

    /// One resource object on its own (a snapshot's, read by `IndexedSnapshot`), or nil to fall
    /// back to JSONDecoder.
    package static func resource(from body: Data) -> CatalogResource? {
        body.withUnsafeBytes { bytes in
            var scanner = JSONByteScanner(bytes: bytes)
            return try? { (scanner: inout JSONByteScanner) throws(Refusal) -> CatalogResource in
                let resource = try CatalogResource(wire: scanner.object(CatalogResource.CodingKeys.self))
                try scanner.endOfBody()
                return resource
            }(&scanner)
        }
    }

    /// A `lineage/manual` page, or nil to fall back to JSONDecoder.
    static func lineageRows(from body: Data) -> SecodaPage<LineageRow>? {
        read(body) { (scanner: inout JSONByteScanner) throws(Refusal) in
            try LineageRow(wire: scanner.object(LineageRow.CodingKeys.self))
        }
    }

    private static func read<Item: Decodable & Sendable>(
        _ body: Data, item: (inout JSONByteScanner) throws(Refusal) -> Item
    ) -> SecodaPage<Item>? {
        body.withUnsafeBytes { bytes in
            var scanner = JSONByteScanner(bytes: bytes)
            return try? scanner.page(item: item)
        }
    }
}

/// Why the reader gave up: it only ever means "let JSONDecoder do it".
struct Refusal: Error {}

/// The value of a key the reader interprets, as far as the lenient decoders can tell apart.
enum WireValue: Equatable {
    case null
    case bool(Bool)
    /// A plain JSON integer (no fraction or exponent) that fits an Int.
    case integer(Int)
    case string(String)
    /// A number JSONDecoder reads as a Double only (a fraction, or too big for an Int): only
    /// `init(from:)` keeps these; the page reader refuses such numbers before they get here.
    case fraction(Double)
    /// An array read as a list of ids (only for list fields).
    case strings([String])
    /// An object, or an array where no list is expected: no lenient scalar decoder accepts it.
    case composite

    /// A string, or an integer's decimal digits.
    var lenientString: String? {
        switch self {
        case .string(let value): value
        case .integer(let value): String(value)
        default: nil
        }
    }

    /// A boolean, a number (non-zero is true), or a string that says yes or no.
    var lenientBool: Bool? {
        switch self {
        case .bool(let value): return value
        case .integer(let value): return value != 0
        case .string(let value):
            switch value.lowercased() {
            case "true", "yes", "1": return true
            case "false", "no", "0", "none", "": return false
            default: return nil
            }
        default: return nil
        }
    }

    /// An integer, a fraction toward zero (when it fits), or a numeric string.
    var lenientInt: Int? {
        switch self {
        case .integer(let value): return value
        case .fraction(let value): return Int.truncating(value)
        case .string(let value): return Int(value) ?? Double(value).flatMap(Int.truncating)
        default: return nil
        }
    }

    /// An array's strings and object ids; else empty.
    var lenientStrings: [String] {
        if case .strings(let values) = self { values } else { [] }
    }

    /// Present but null.
    var isNull: Bool { self == .null }
}

/// The keys of one kind of JSON object in the wire model (SecodaWire.swift): a `CodingKey` enum
/// whose `rawValue`s count up from 0 and whose `stringValue` is the JSON key. The Codable types
/// decode by them and this reader reads by them, so each object's keys are declared once.
protocol WireField: CodingKey, RawRepresentable<Int>, CaseIterable {
    /// What the value usually holds; `.list`: read as a list of ids (`lenientStrings`).
    var kind: WireKind { get }
    /// The keys' UTF-8, indexed by `rawValue` (`WireKeys.bytes(of:)`).
    static var keyBytes: [[UInt8]] { get }
}

extension WireField {
    var kind: WireKind { .text }
    var intValue: Int? { nil }
    init?(intValue: Int) { nil }

    init?(stringValue: String) {
        guard let index = Self.keyBytes.firstIndex(of: Array(stringValue.utf8)) else { return nil }
        self.init(rawValue: index)
    }

    /// The field whose key is `key` byte for byte (the reader refuses escaped keys first).
    static func field(named key: UnsafeRawBufferPointer) -> Self? {
        for (index, bytes) in keyBytes.enumerated() where bytes.count == key.count && bytes.elementsEqual(key) {
            return Self(rawValue: index)
        }
        return nil
    }
}

extension KeyedDecodingContainer {
    /// The value at `key` as a `WireValue` (nil: absent), so the lenient rules above serve the
    /// Codable types too. JSONDecoder decodes each JSON value as exactly one of these types, so
    /// the order of the attempts does not change the answer; the type the field usually holds
    /// is tried first (a failed `try?` costs a thrown error).
    /// - Parameter kind: what the field usually holds; `.list` reads an array as a list of ids.
    func wireValue(_ key: Key, kind: WireKind) -> WireValue? {
        guard contains(key) else { return nil }
        if (try? decodeNil(forKey: key)) == true { return .null }
        switch kind {
        case .list:
            if let values = try? decode([String].self, forKey: key) { return .strings(values) }
            if let values = try? decode([JSONValue].self, forKey: key) {
                return .strings(values.compactMap { $0.stringValue ?? $0["id"]?.stringValue })
            }
        case .flag:
            if let value = try? decode(Bool.self, forKey: key) { return .bool(value) }
        case .count:
            if let value = try? decode(Int.self, forKey: key) { return .integer(value) }
        case .text:
            break
        }
        if let value = try? decode(String.self, forKey: key) { return .string(value) }
        if let value = try? decode(Int.self, forKey: key) { return .integer(value) }
        if let value = try? decode(Bool.self, forKey: key) { return .bool(value) }
        if let value = try? decode(Double.self, forKey: key) { return .fraction(value) }
        return .composite
    }

    // The lenient reads of the wire types without a fast path (people, column marks): the same
    // `WireValue` rules.

    /// Present and not null.
    package func has(_ key: Key) -> Bool { contains(key) && (try? decodeNil(forKey: key)) == false }
    /// A string, or an integer's decimal digits.
    package func lenientString(_ key: Key) -> String? { wireValue(key, kind: .text)?.lenientString }
    /// A boolean, a number (non-zero is true), or a string that says yes or no.
    package func lenientBool(_ key: Key) -> Bool? { wireValue(key, kind: .flag)?.lenientBool }
    /// An integer, a fraction toward zero (when it fits), or a numeric string.
    package func lenientInt(_ key: Key) -> Int? { wireValue(key, kind: .count)?.lenientInt }
    /// A list of strings; ids given as objects (`{"id": …}`) are reduced to their id.
    package func lenientStrings(_ key: Key) -> [String] { wireValue(key, kind: .list)?.lenientStrings ?? [] }
}

/// What a wire field usually holds: which decoding `init(from:)` tries first, and whether the
/// page reader reads an array as a list of ids.
enum WireKind {
    case text, flag, count, list
}

enum WireKeys {
    /// The UTF-8 of each case's key, in `rawValue` order.
    static func bytes<Field: WireField>(of _: Field.Type) -> [[UInt8]] {
        Field.allCases.sorted { $0.rawValue < $1.rawValue }.map { Array($0.stringValue.utf8) }
    }
}

/// The interpreted keys' values of one JSON object (nil: key absent).
struct WireObject<Field: WireField> {
    private var values = [WireValue?](repeating: nil, count: Field.allCases.count)

    init() {}

    /// The values of a decoder's container, as the page reader would have kept them from the
    /// same bytes: what lets `init(from:)` decode by the reader's rules (`init(wire:)`).
    init(container: KeyedDecodingContainer<Field>) {
        for field in Field.allCases {
            values[field.rawValue] = container.wireValue(field, kind: field.kind)
        }
    }

    subscript(field: Field) -> WireValue? { values[field.rawValue] }

    /// Records a key's value; a second value for the same key is refused (JSONDecoder keeps the
    /// first, but a page that repeats a key is odd enough to hand over). Repeated keys the
    /// reader does not interpret are not tracked: JSONDecoder ignores them just the same.
    mutating func set(_ value: WireValue, for field: Field) throws(Refusal) {
        guard values[field.rawValue] == nil else { throw Refusal() }
        values[field.rawValue] = value
    }
}

extension CatalogResource {
    /// The resource's decoding rules, over the values the page reader kept or `init(from:)` read
    /// (`WireObject(container:)`). Refused (rejected, for `init(from:)`) without a valid id.
    init(wire: WireObject<CatalogResource.CodingKeys>) throws(Refusal) {
        // JSONDecoder decodes the id as a String only (no integer), then checks it.
        guard case .string(let id)? = wire[.id], SecodaID.isValid(id) else { throw Refusal() }
        let hasOwnerGroups = wire[.ownerGroups].map { !$0.isNull } ?? false
        self.init(id: id,
                  type: wire[.type]?.lenientString ?? "resource",
                  title: wire[.title]?.lenientString ?? id,
                  titleFull: wire[.titleFull]?.lenientString,
                  database: wire[.database]?.lenientString,
                  schema: wire[.schema]?.lenientString,
                  integration: wire[.integration]?.lenientString ?? wire[.integrationId]?.lenientString,
                  owners: wire[.owners]?.lenientStrings ?? [],
                  ownerGroups: (hasOwnerGroups ? wire[.ownerGroups] : wire[.ownerGroupsAlternate])?.lenientStrings ?? [],
                  tags: wire[.tags]?.lenientStrings ?? [],
                  pii: wire[.pii]?.lenientBool ?? false,
                  verified: wire[.verified]?.lenientBool ?? false,
                  url: wire[.url]?.lenientString,
                  externalUsage: wire[.externalUsage]?.lenientInt,
                  internalUsage: wire[.internalUsage]?.lenientInt,
                  externalUpdatedAt: wire[.externalUpdatedAt]?.lenientString,
                  teams: wire[.teams]?.lenientStrings ?? [])
    }
}

extension LineageRow {
    /// A row from values already checked (the wire init and tests).
    init(id: String?, from: String, to: String, direction: String) {
        self.id = id
        self.from = from
        self.to = to
        self.direction = direction
    }

    /// The row's decoding rules, for the page reader and `init(from:)` alike. Refused (rejected,
    /// for `init(from:)`) without valid from/to ids.
    init(wire: WireObject<LineageRow.CodingKeys>) throws(Refusal) {
        guard let from = wire[.from]?.lenientString ?? wire[.fromId]?.lenientString, SecodaID.isValid(from),
              let to = wire[.to]?.lenientString ?? wire[.toId]?.lenientString, SecodaID.isValid(to)
        else { throw Refusal() }
        self.init(id: wire[.id]?.lenientString, from: from, to: to,
                  direction: (wire[.direction]?.lenientString ?? "").uppercased())
    }
}

extension SecodaPage {
    /// A page from values already read.
    init(next: String?, count: Int?, totalPages: Int?, results: [Item]) {
        self.next = next
        self.count = count
        self.totalPages = totalPages
        self.results = results
    }
}

/// A strict recursive-descent JSON scanner over bytes: it validates everything it passes over
/// (so a body JSONDecoder would reject is never read) and throws `Refusal` at the first doubt.
struct JSONByteScanner {
    /// How deep unknown values may nest before the reader hands over (JSONDecoder allows 512).
    static let maxDepth = 32

    let bytes: UnsafeRawBufferPointer
    var position = 0

    init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    // MARK: The page envelope

    /// The envelope's values, handed to `SecodaPage.init(envelope:…)` (the rules `init(from:)`
    /// uses too); `results` required.
    mutating func page<Item>(item: (inout JSONByteScanner) throws(Refusal) -> Item) throws(Refusal) -> SecodaPage<Item> {
        var results: [Item]?
        var top = WireObject<SecodaPageKeys>()
        var links: WireObject<SecodaPageLinkKeys>?
        var meta: WireObject<SecodaPageMetaKeys>?
        var more = try openObject()
        while more {
            guard let field = SecodaPageKeys.field(named: try key()) else {
                try skipValue(depth: 1)
                more = try nextMember()
                continue
            }
            skipWhitespace()
            let opensObject = try peek() == .openBrace
            switch field {
            case .results:
                var items: [Item] = []
                var moreItems = try openArray()
                while moreItems {
                    items.append(try item(&self))
                    moreItems = try nextElement()
                }
                results = items
                try top.set(.composite, for: field)
            case .links where opensObject:
                links = try object(SecodaPageLinkKeys.self)
                try top.set(.composite, for: field)
            case .meta where opensObject:
                meta = try object(SecodaPageMetaKeys.self)
                try top.set(.composite, for: field)
            default:
                try top.set(try value(list: false), for: field)
            }
            more = try nextMember()
        }
        try endOfBody()
        guard let results else { throw Refusal() }
        return SecodaPage(envelope: top, links: links, meta: meta, results: results)
    }

    /// Reads an object, keeping the values of `Field`'s keys and skipping (validated) the rest.
    mutating func object<Field: WireField>(_: Field.Type) throws(Refusal) -> WireObject<Field> {
        var wire = WireObject<Field>()
        var more = try openObject()
        while more {
            if let field = Field.field(named: try key()) {
                try wire.set(try value(list: field.kind == .list), for: field)
            } else {
                try skipValue(depth: 3)
            }
            more = try nextMember()
        }
        return wire
    }

    /// A kept value. Numbers with a fraction or exponent are refused: JSONDecoder turns some into
    /// Ints (`1.0`) and others not, and Secoda does not send them.
    mutating func value(list: Bool) throws(Refusal) -> WireValue {
        skipWhitespace()
        switch try peek() {
        case .quote: return .string(try string())
        case .openBracket where list: return .strings(try idList())
        case .openBracket, .openBrace:
            try skipValue(depth: 3)
            return .composite
        case .letterT, .letterF, .letterN: return try literal()
        default:
            guard let integer = try number() else { throw Refusal() }
            return .integer(integer)
        }
    }

    /// `lenientStrings` over an array: strings, and the string `id` of objects; other elements
    /// are dropped as `[JSONValue]` decoding drops them. Elements whose `JSONValue` decoding
    /// could fail (non-integer numbers) or that nest further are refused.
    mutating func idList() throws(Refusal) -> [String] {
        var ids: [String] = []
        var more = try openArray()
        while more {
            skipWhitespace()
            switch try peek() {
            case .quote: ids.append(try string())
            case .openBrace:
                var id: WireValue?
                var others: [UnsafeRawBufferPointer] = []
                var members = try openObject()
                while members {
                    let name = try key()
                    skipWhitespace()
                    let opening = try peek()
                    if opening == .openBrace || opening == .openBracket { throw Refusal() }
                    let member = try value(list: false)
                    if name.elementsEqual("id".utf8) {
                        guard id == nil else { throw Refusal() }
                        id = member
                    } else {
                        // `[String: JSONValue]` decoding of a repeated key is not worth knowing.
                        guard !others.contains(where: { $0.elementsEqual(name) }) else { throw Refusal() }
                        others.append(name)
                    }
                    members = try nextMember()
                }
                if case .string(let value)? = id { ids.append(value) }
            case .openBracket: throw Refusal()
            default: _ = try value(list: false)
            }
            more = try nextElement()
        }
        return ids
    }

    // MARK: Structure

    mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }

    func peek() throws(Refusal) -> UInt8 {
        guard position < bytes.count else { throw Refusal() }
        return bytes[position]
    }

    mutating func expect(_ byte: UInt8) throws(Refusal) {
        guard position < bytes.count, bytes[position] == byte else { throw Refusal() }
        position += 1
    }

    /// Consumes `{`; true when a member follows, false after an empty object's `}`.
    mutating func openObject() throws(Refusal) -> Bool { try open(.openBrace, closedBy: .closeBrace) }

    /// After a member's value: true after `,` (another member follows), false after `}`.
    mutating func nextMember() throws(Refusal) -> Bool { try next(closedBy: .closeBrace) }

    /// Consumes `[`; true when an element follows, false after an empty array's `]`.
    mutating func openArray() throws(Refusal) -> Bool { try open(.openBracket, closedBy: .closeBracket) }

    /// After an element: true after `,`, false after `]`.
    mutating func nextElement() throws(Refusal) -> Bool { try next(closedBy: .closeBracket) }

    private mutating func open(_ opener: UInt8, closedBy closer: UInt8) throws(Refusal) -> Bool {
        skipWhitespace()
        try expect(opener)
        skipWhitespace()
        guard try peek() == closer else { return true }
        position += 1
        return false
    }

    private mutating func next(closedBy closer: UInt8) throws(Refusal) -> Bool {
        skipWhitespace()
        let byte = try peek()
        position += 1
        if byte == .comma { return true }
        guard byte == closer else { throw Refusal() }
        return false
    }

    /// A member's key and the colon after it. Escaped keys are refused: no key the reader looks
    /// for needs one, and refusing them keeps byte-for-byte key matching exact.
    mutating func key() throws(Refusal) -> UnsafeRawBufferPointer {
        skipWhitespace()
        try expect(.quote)
        let start = position
        var ascii = true
        while true {
            let byte = try peek()
            if byte == .quote { break }
            if byte == .backslash || byte < 0x20 { throw Refusal() }
            if byte >= 0x80 { ascii = false }
            position += 1
        }
        let name = UnsafeRawBufferPointer(rebasing: bytes[start..<position])
        position += 1
        if !ascii, String(validating: name, as: UTF8.self) == nil { throw Refusal() }
        skipWhitespace()
        try expect(.colon)
        return name
    }

    /// Passes over any value, validating it; nesting beyond `maxDepth` is refused.
    mutating func skipValue(depth: Int) throws(Refusal) {
        guard depth < Self.maxDepth else { throw Refusal() }
        skipWhitespace()
        switch try peek() {
        case .quote: _ = try string(keep: false)
        case .letterT, .letterF, .letterN: _ = try literal()
        case .openBracket:
            var more = try openArray()
            while more {
                try skipValue(depth: depth + 1)
                more = try nextElement()
            }
        case .openBrace:
            var more = try openObject()
            while more {
                skipWhitespace()
                _ = try string(keep: false)
                skipWhitespace()
                try expect(.colon)
                try skipValue(depth: depth + 1)
                more = try nextMember()
            }
        default: _ = try number()
        }
    }

    /// Only whitespace may follow the page.
    mutating func endOfBody() throws(Refusal) {
        skipWhitespace()
        guard position == bytes.count else { throw Refusal() }
    }

    // MARK: Scalars

    /// `true`, `false` or `null`.
    mutating func literal() throws(Refusal) -> WireValue {
        let (word, value): (StaticString, WireValue) = switch try peek() {
        case .letterT: ("true", .bool(true))
        case .letterF: ("false", .bool(false))
        default: ("null", .null)
        }
        let count = word.utf8CodeUnitCount
        guard bytes.count - position >= count,
              UnsafeRawBufferPointer(start: word.utf8Start, count: count)
                .elementsEqual(UnsafeRawBufferPointer(rebasing: bytes[position..<position + count]))
        else { throw Refusal() }
        position += count
        return value
    }

    /// A JSON number (strict grammar); its value when it is a plain integer of at most 18
    /// digits (so it fits an Int), else nil.
    mutating func number() throws(Refusal) -> Int? {
        let negative = try peek() == .minus
        if negative { position += 1 }
        let digitsStart = position
        let first = try peek()
        guard first.isDigit else { throw Refusal() }
        position += 1
        if first != .zero { skipDigits() }
        let digitsEnd = position
        var plain = true
        if position < bytes.count, bytes[position] == .dot {
            plain = false
            position += 1
            guard try peek().isDigit else { throw Refusal() }
            skipDigits()
        }
        if position < bytes.count, bytes[position] == .letterE || bytes[position] == .capitalE {
            plain = false
            position += 1
            let sign = try peek()
            if sign == .plus || sign == .minus { position += 1 }
            guard try peek().isDigit else { throw Refusal() }
            skipDigits()
        }
        guard plain, digitsEnd - digitsStart <= 18 else { return nil }
        var value = 0
        for index in digitsStart..<digitsEnd { value = value * 10 + Int(bytes[index] &- .zero) }
        return negative ? -value : value
    }

    private mutating func skipDigits() {
        while position < bytes.count, bytes[position].isDigit { position += 1 }
    }

    /// A string value. Plain ASCII is copied straight; escapes and non-ASCII take the slow path,
    /// which checks the UTF-8. `keep: false` only validates (the result is then empty).
    mutating func string(keep: Bool = true) throws(Refusal) -> String {
        try expect(.quote)
        let start = position
        while true {
            let byte = try peek()
            if byte == .quote {
                let text = keep ? String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self) : ""
                position += 1
                return text
            }
            if byte == .backslash || byte >= 0x80 { return try escapedString(from: start) }
            if byte < 0x20 { throw Refusal() }
            position += 1
        }
    }

    private mutating func escapedString(from start: Int) throws(Refusal) -> String {
        var utf8 = Array(bytes[start..<position])
        while true {
            let byte = try peek()
            position += 1
            switch byte {
            case .quote:
                guard let text = String(validating: utf8, as: UTF8.self) else { throw Refusal() }
                return text
            case .backslash: try escape(into: &utf8)
            case 0..<0x20: throw Refusal()
            default: utf8.append(byte)
            }
        }
    }

    /// The escape after a backslash; a lone surrogate is refused.
    private mutating func escape(into utf8: inout [UInt8]) throws(Refusal) {
        let byte = try peek()
        position += 1
        let simple: UInt8? = switch byte {
        case .quote, .backslash, .slash: byte
        case UInt8(ascii: "b"): 0x08
        case UInt8(ascii: "f"): 0x0C
        case UInt8(ascii: "n"): 0x0A
        case UInt8(ascii: "r"): 0x0D
        case UInt8(ascii: "t"): 0x09
        default: nil
        }
        if let simple {
            utf8.append(simple)
            return
        }
        guard byte == UInt8(ascii: "u") else { throw Refusal() }
        var scalar = try hexQuad()
        if (0xD800...0xDBFF).contains(scalar) {
            try expect(.backslash)
            try expect(UInt8(ascii: "u"))
            let low = try hexQuad()
            guard (0xDC00...0xDFFF).contains(low) else { throw Refusal() }
            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
        }
        guard let unicode = Unicode.Scalar(scalar) else { throw Refusal() }
        UTF8.encode(unicode) { utf8.append($0) }
    }

    private mutating func hexQuad() throws(Refusal) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = try peek()
            position += 1
            let digit: UInt8 = switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
            default: throw Refusal()
            }
            value = value << 4 | UInt32(digit)
        }
        return value
    }
}

extension UInt8 {
    fileprivate static let quote = UInt8(ascii: "\"")
    fileprivate static let backslash = UInt8(ascii: "\\")
    fileprivate static let slash = UInt8(ascii: "/")
    fileprivate static let openBrace = UInt8(ascii: "{")
    fileprivate static let closeBrace = UInt8(ascii: "}")
    fileprivate static let openBracket = UInt8(ascii: "[")
    fileprivate static let closeBracket = UInt8(ascii: "]")
    fileprivate static let comma = UInt8(ascii: ",")
    fileprivate static let colon = UInt8(ascii: ":")
    fileprivate static let minus = UInt8(ascii: "-")
    fileprivate static let plus = UInt8(ascii: "+")
    fileprivate static let dot = UInt8(ascii: ".")
    fileprivate static let zero = UInt8(ascii: "0")
    fileprivate static let letterE = UInt8(ascii: "e")
    fileprivate static let capitalE = UInt8(ascii: "E")
    fileprivate static let letterT = UInt8(ascii: "t")
    fileprivate static let letterF = UInt8(ascii: "f")
    fileprivate static let letterN = UInt8(ascii: "n")

    fileprivate var isDigit: Bool { self >= 0x30 && self <= 0x39 }
}
