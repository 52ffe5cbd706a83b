import Foundation

/// Writes `Encodable` values as JSON, byte for byte as Foundation's `JSONEncoder` does with
/// `outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]`, in a fraction
/// of the time.
///
/// Why it exists: `JSONEncoder` first builds a tree of boxed values (allocations per value and
/// per key), then sorts and serialises that tree; a 5,000-model report (17 MB) spent half a
/// second there. This encoder writes bytes straight into one growing `[UInt8]` while the values
/// encode themselves. An object's members are written in the order they arrive; if that order is
/// not sorted, the object's bytes are moved into key order when it closes (one copy through a
/// reused scratch buffer), which is why nested containers must be filled one after the other.
///
/// What it guarantees: the bytes swift-foundation's `JSONEncoder` (Swift 6, Linux) writes with
/// those options: two-space indent, `"key" : value`, an empty array or object as
/// `[`/`{`, two newlines, indent, `]`/`}`; keys ordered by their UTF-8 bytes; `"`, `\` and
/// control characters escaped (`\b \f \n \r \t`, else `\u00xx`), while `/`, DEL, U+2028/U+2029
/// and other non-ASCII text stay as they are; integers in decimal; floating-point numbers as
/// Swift's `description` without a trailing `.0`; `URL` as its `absoluteString`. What it does not
/// write itself — `Date`, `Data`, `Decimal`, `superEncoder`, a key written twice, a container
/// written to after a later sibling started, NaN or infinity, a top-level value that encodes
/// nothing — makes `encode` hand the whole value to `JSONEncoder` (and `encodeDirectly` throw
/// `Unsupported`), so it never writes different bytes. Apple's Foundation framework may sort
/// keys differently (NSString ordering); the guarantee is for swift-foundation.
public struct PrettyJSONEncoder: Sendable {
    /// Why the direct writer declined a value; `encode(_:newlineAtEnd:)` then uses `JSONEncoder`.
    public struct Unsupported: Error, CustomStringConvertible {
        public let description: String
    }

    public init() {}

    /// The JSON of `value`, plus a newline when `newlineAtEnd` (so a caller writing a file need not
    /// copy the bytes again to add one). Throws what `JSONEncoder` throws for the value.
    public func encode<Value: Encodable>(_ value: Value, newlineAtEnd: Bool = false) throws -> Data {
        if var bytes = try? encodeDirectly(value) {
            if newlineAtEnd { bytes.append(0x0A) }
            return Data(bytes)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(value)
        if newlineAtEnd { data.append(0x0A) }
        return data
    }

    /// The JSON of `value` written by this encoder alone; throws `Unsupported` (or the value's own
    /// error) instead of delegating to `JSONEncoder`.
    public func encodeDirectly<Value: Encodable>(_ value: Value) throws -> [UInt8] {
        let session = EncodingSession()
        try session.encodeValue(value, key: nil)
        if let failure = session.writer.pointee.failure { throw failure }
        return session.writer.pointee.takeBytes()
    }
}

/// One document being encoded. Containers reach the writer through an unsafe pointer on purpose:
/// it is mutated for every member, and through a class's stored properties each of those writes
/// would pay Swift's dynamic exclusivity check (a third of the run time when measured).
private final class EncodingSession {
    let writer = UnsafeMutablePointer<JSONByteWriter>.allocate(capacity: 1)

    init() { writer.initialize(to: JSONByteWriter()) }

    deinit {
        writer.deinitialize(count: 1)
        writer.deallocate()
    }

    /// Writes one value at the cursor: a member's value after its key, an array element, or the
    /// document. Re-entered by the value's `encode(to:)`, so it holds no `inout` access across that call.
    func encodeValue<T: Encodable>(_ value: T, key: (any CodingKey)?) throws {
        // Only mutating methods and single fields through `pointee`: a non-mutating call would copy the writer.
        if let failure = writer.pointee.failure { throw failure }
        if T.self == URL.self, let url = value as? URL { return writer.pointee.writeString(url.absoluteString) }
        if T.self == Date.self || T.self == Data.self || T.self == Decimal.self {
            throw writer.pointee.fail("\(T.self) is left to JSONEncoder's strategies")
        }
        let slot = writer.pointee.beginSlot(key: key)
        defer { writer.pointee.endSlot(key: key) }
        do {
            try value.encode(to: ValueEncoder(session: self, slot: slot))
        } catch {
            // Its containers may be half written: whoever catches this, the document is not ours to finish.
            writer.pointee.fail("\(T.self) threw \(error)")
            throw error
        }
        try writer.pointee.finishSlot(of: T.self)
    }
}

/// The output buffer and the stack of containers being written into it.
private struct JSONByteWriter {
    /// An open array or object. `depth` is its nesting level (the top-level container is 1).
    struct Container {
        let id: Int, keyed: Bool, depth: Int, firstEntry: Int, pathBase: Int, pathCount: Int
        var count = 0
    }
    /// An object member: its key and where `<indent>"key" : value` starts in `bytes`.
    struct Entry { let key: String; let start: Int }
    /// A value being encoded: the containers open and the bytes written when it started.
    struct Slot { let height: Int; let start: Int; let pathCount: Int }

    private var bytes: [UInt8] = []
    private(set) var failure: PrettyJSONEncoder.Unsupported?
    private var path: [any CodingKey] = []
    private var open: [Container] = []
    private var entries: [Entry] = []
    private var slots: [Slot] = []
    private var scratch: [UInt8] = []
    private var order: [Int] = []
    /// Key sequences seen (in arrival order) and the order that sorts them (nil: already sorted).
    private var knownOrders: [(keys: [String], order: [Int]?)] = []
    private var lastID = 0
    private static let spaces = [UInt8](repeating: 0x20, count: 64)
    private static let null = Array("null".utf8), `true` = Array("true".utf8), `false` = Array("false".utf8)
    private static let hexDigits = Array("0123456789abcdef".utf8)

    init() { bytes.reserveCapacity(1 << 16) }

    mutating func takeBytes() -> [UInt8] { defer { bytes = [] }; return bytes }

    @discardableResult
    mutating func fail(_ reason: String) -> PrettyJSONEncoder.Unsupported {
        let error = failure ?? .init(description: reason)
        failure = error
        return error
    }

    func check() throws { if let failure { throw failure } }

    func codingPath(ofSlot slot: Int) -> [any CodingKey] {
        slots.indices.contains(slot) ? Array(path.prefix(slots[slot].pathCount)) : path
    }

    func codingPath(ofContainer id: Int) -> [any CodingKey] {
        guard let container = open.last(where: { $0.id == id }) else { return path }
        return Array(path.prefix(container.pathCount))
    }

    mutating func beginSlot(key: (any CodingKey)?) -> Int {
        if let key { path.append(key) }
        slots.append(Slot(height: open.count, start: bytes.count, pathCount: path.count))
        return slots.count - 1
    }

    mutating func endSlot(key: (any CodingKey)?) {
        slots.removeLast()
        if key != nil { path.removeLast() }
    }

    /// Closes what the value left open; a value that wrote nothing becomes `{}` as in JSONEncoder.
    mutating func finishSlot<T>(of type: T.Type) throws {
        try check()
        let slot = slots[slots.count - 1]
        while open.count > slot.height { closeInnermost() }
        if bytes.count == slot.start {
            guard slots.count > 1 else { throw fail("the top-level \(T.self) encoded nothing") }
            bytes.append(UInt8(ascii: "{")); bytes.append(0x0A); bytes.append(0x0A)
            writeIndent(open.last?.depth ?? 0)
            bytes.append(UInt8(ascii: "}"))
        }
    }

    /// The container a value asks its encoder for; Foundation hands back the same object when asked twice.
    mutating func openForSlot(_ slot: Int, keyed: Bool) -> Int {
        guard failure == nil, slot == slots.count - 1 else { fail("a container was asked for after its value"); return -1 }
        let owner = slots[slot]
        if open.count > owner.height {
            if keyed && open[owner.height].keyed { return open[owner.height].id }
            fail("a value asked for a second, different container"); return -1
        }
        guard bytes.count == owner.start else { fail("a value asked for a container after a single value"); return -1 }
        return openContainer(keyed: keyed, pathBase: path.count)
    }

    /// A container nested in container `id` under `key` (or as its next element).
    mutating func openNested(in id: Int, key: (any CodingKey)?, keyed: Bool) -> Int {
        guard let index = try? beginMember(of: id, key: key?.stringValue) else { return -1 }
        path.append(key ?? IndexKey(open[index].count - 1))
        return openContainer(keyed: keyed, pathBase: path.count - 1)
    }

    private mutating func openContainer(keyed: Bool, pathBase: Int) -> Int {
        lastID += 1
        open.append(Container(id: lastID, keyed: keyed, depth: (open.last?.depth ?? 0) + 1, firstEntry: entries.count,
                              pathBase: pathBase, pathCount: path.count))
        bytes.append(keyed ? UInt8(ascii: "{") : UInt8(ascii: "["))
        bytes.append(0x0A)
        return lastID
    }

    /// Checks that a single-value container is the value's first and only content.
    mutating func beginSingleValue(_ slot: Int) throws {
        try check()
        guard slot == slots.count - 1, open.count == slots[slot].height, bytes.count == slots[slot].start else {
            throw fail("a single-value container was written twice or after a container")
        }
    }

    /// Makes container `id` the innermost one (closing nested containers it left open), writes the
    /// separator, indent and key of its next member, and returns the container's index.
    @discardableResult
    mutating func beginMember(of id: Int, key: String?) throws -> Int {
        try check()
        guard let index = open.lastIndex(where: { $0.id == id }), index >= (slots.last?.height ?? 0) else {
            throw fail("a container was written to after a later sibling or from inside another value")
        }
        while open.count - 1 > index { closeInnermost() }
        if open[index].count > 0 { bytes.append(UInt8(ascii: ",")); bytes.append(0x0A) }
        open[index].count += 1
        if let key { entries.append(Entry(key: key, start: bytes.count)) }
        writeIndent(open[index].depth)
        if let key {
            writeString(key)
            bytes.append(0x20); bytes.append(UInt8(ascii: ":")); bytes.append(0x20)
        }
        return index
    }

    private mutating func closeInnermost() {
        let container = open.removeLast()
        if container.keyed {
            sortMembers(from: container.firstEntry)
            entries.removeSubrange(container.firstEntry...)
        }
        if path.count > container.pathBase { path.removeSubrange(container.pathBase...) }
        bytes.append(0x0A)
        writeIndent(container.depth - 1)
        bytes.append(container.keyed ? UInt8(ascii: "}") : UInt8(ascii: "]"))
    }

    /// Puts the members of the closing object (entries from `first`) in key order, unless they came in it.
    private mutating func sortMembers(from first: Int) {
        let count = entries.count - first
        guard count > 1 else { return }
        // A closure over `self` would copy the whole writer; one over the entries only retains them.
        let members = entries
        order.removeAll(keepingCapacity: true)
        // Objects of one type repeat the same keys in the same order: reuse the order found before.
        if let known = knownOrders.first(where: { known in
            known.keys.count == count && zip(known.keys, members[first...]).allSatisfy { Self.compareUTF8($0, $1.key) == 0 }
        }) {
            guard let offsets = known.order else { return }
            order.append(contentsOf: offsets.lazy.map { $0 + first })
        } else {
            order.append(contentsOf: first..<entries.count)
            let precedes = { (a: Int, b: Int) in Self.compareUTF8(members[a].key, members[b].key) < 0 }
            let arrivedSorted = zip(order, order.dropFirst()).allSatisfy { !precedes($1, $0) }
            if !arrivedSorted { order.sort(by: precedes) }
            // JSONEncoder keeps members in a Dictionary: a key written twice counts once, and so do two
            // canonically equivalent keys (possible only beyond ASCII).
            for (key, next) in zip(order, order.dropFirst()) where Self.compareUTF8(members[key].key, members[next].key) == 0 {
                fail("the key \(members[key].key) was written twice"); return
            }
            if members[first...].contains(where: { !$0.key.utf8.allSatisfy { $0 < 0x80 } }),
               Set(members[first...].map(\.key)).count != count {
                fail("two keys are canonically equivalent"); return
            }
            let learned = (keys: members[first...].map(\.key), order: arrivedSorted ? nil : order.map { $0 - first })
            if knownOrders.count < 32 { knownOrders.append(learned) } else { knownOrders[lastID % 32] = learned }
            if arrivedSorted { return }
        }
        let regionStart = entries[first].start, regionEnd = bytes.count
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: bytes[regionStart..<regionEnd])
        var cursor = regionStart
        for (position, entry) in order.enumerated() {
            if position > 0 {
                bytes[cursor] = UInt8(ascii: ","); bytes[cursor + 1] = 0x0A; cursor += 2
            }
            let start = entries[entry].start - regionStart
            let end = (entry + 1 < entries.count ? entries[entry + 1].start - 2 : regionEnd) - regionStart
            bytes.withUnsafeMutableBytes { out in
                scratch.withUnsafeBytes { source in
                    UnsafeMutableRawBufferPointer(rebasing: out[cursor..<cursor + end - start])
                        .copyMemory(from: UnsafeRawBufferPointer(rebasing: source[start..<end]))
                }
            }
            cursor += end - start
        }
    }

    /// Foundation's key order. memcmp of the UTF-8 bytes, then the shorter first: `utf8.lexicographicallyPrecedes`, without the iterators.
    private static func compareUTF8(_ a: String, _ b: String) -> Int {
        var a = a, b = b
        return a.withUTF8 { x in
            b.withUTF8 { y in
                let common = min(x.count, y.count)
                let order = common == 0 ? 0 : memcmp(x.baseAddress!, y.baseAddress!, common)
                return order != 0 ? Int(order) : x.count - y.count
            }
        }
    }

    private mutating func writeIndent(_ depth: Int) {
        var width = 2 * depth
        while width > 0 {
            let chunk = min(width, Self.spaces.count)
            bytes.append(contentsOf: Self.spaces[0..<chunk])
            width -= chunk
        }
    }

    mutating func writeNull() { bytes.append(contentsOf: Self.null) }

    mutating func writeBool(_ value: Bool) { bytes.append(contentsOf: value ? Self.true : Self.false) }

    mutating func writeInteger<T: FixedWidthInteger>(_ value: T) {
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        var magnitude = UInt64(value.magnitude)
        let start = bytes.count
        repeat {
            bytes.append(UInt8(truncatingIfNeeded: magnitude % 10) &+ 0x30)
            magnitude /= 10
        } while magnitude > 0
        bytes[start...].reverse()
    }

    /// Swift's shortest round-tripping `description`, minus a trailing `.0`: what JSONEncoder writes.
    mutating func writeFloat<T: BinaryFloatingPoint & CustomStringConvertible>(_ value: T) throws {
        guard value.isFinite else { throw fail("\(value) is not a JSON number") }
        var text = value.description
        if text.hasSuffix(".0") { text.removeLast(2) }
        bytes.append(contentsOf: text.utf8)
    }

    mutating func writeString(_ string: String) {
        bytes.append(UInt8(ascii: "\""))
        var string = string
        string.withUTF8 { utf8 in
            var runStart = 0
            for index in 0..<utf8.count {
                let byte = utf8[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<index]))
                runStart = index + 1
                bytes.append(UInt8(ascii: "\\"))
                switch byte {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"): bytes.append(byte)
                case 0x08: bytes.append(UInt8(ascii: "b"))
                case 0x0C: bytes.append(UInt8(ascii: "f"))
                case 0x0A: bytes.append(UInt8(ascii: "n"))
                case 0x0D: bytes.append(UInt8(ascii: "r"))
                case 0x09: bytes.append(UInt8(ascii: "t"))
                default:
                    bytes.append(contentsOf: [UInt8(ascii: "u"), 0x30, 0x30])
                    bytes.append(Self.hexDigits[Int(byte >> 4)])
                    bytes.append(Self.hexDigits[Int(byte & 0xF)])
                }
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart...]))
        }
        bytes.append(UInt8(ascii: "\""))
    }
}

/// The coding key of an array element, as JSONEncoder names it in coding paths.
private struct IndexKey: CodingKey {
    let intValue: Int?
    init(_ index: Int) { intValue = index }
    init?(intValue: Int) { self.intValue = intValue }
    init?(stringValue: String) { nil }
    var stringValue: String { "Index \(intValue ?? 0)" }
}

/// The `Encoder` a value encodes itself into; two words, so passing it as `any Encoder` does not allocate.
private struct ValueEncoder: Encoder {
    let session: EncodingSession, slot: Int
    var codingPath: [any CodingKey] { session.writer.pointee.codingPath(ofSlot: slot) }
    var userInfo: [CodingUserInfoKey: Any] { [:] }
    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        KeyedEncodingContainer(KeyedContainer<Key>(session: session, id: session.writer.pointee.openForSlot(slot, keyed: true)))
    }
    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        UnkeyedContainer(session: session, id: session.writer.pointee.openForSlot(slot, keyed: false))
    }
    func singleValueContainer() -> any SingleValueEncodingContainer { SingleValueContainer(session: session, slot: slot) }
}

private struct KeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let session: EncodingSession, id: Int
    var codingPath: [any CodingKey] { session.writer.pointee.codingPath(ofContainer: id) }
    private func member(_ key: Key) throws { try session.writer.pointee.beginMember(of: id, key: key.stringValue) }
    mutating func encodeNil(forKey key: Key) throws { try member(key); session.writer.pointee.writeNull() }
    mutating func encode(_ value: Bool, forKey key: Key) throws { try member(key); session.writer.pointee.writeBool(value) }
    mutating func encode(_ value: String, forKey key: Key) throws { try member(key); session.writer.pointee.writeString(value) }
    mutating func encode(_ value: Double, forKey key: Key) throws { try member(key); try session.writer.pointee.writeFloat(value) }
    mutating func encode(_ value: Float, forKey key: Key) throws { try member(key); try session.writer.pointee.writeFloat(value) }
    mutating func encode(_ value: Int, forKey key: Key) throws { try member(key); session.writer.pointee.writeInteger(value) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { try member(key); session.writer.pointee.writeInteger(value) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { try member(key); session.writer.pointee.writeInteger(value) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { try member(key); session.writer.pointee.writeInteger(value) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { try member(key); session.writer.pointee.writeInteger(value) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { try member(key); session.writer.pointee.writeInteger(value) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { try member(key); session.writer.pointee.writeInteger(value) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { try member(key); session.writer.pointee.writeInteger(value) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { try member(key); session.writer.pointee.writeInteger(value) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { try member(key); session.writer.pointee.writeInteger(value) }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        try member(key)
        try session.encodeValue(value, key: key)
    }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type,
                                                        forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        KeyedEncodingContainer(KeyedContainer<NestedKey>(session: session, id: session.writer.pointee.openNested(in: id, key: key, keyed: true)))
    }
    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        UnkeyedContainer(session: session, id: session.writer.pointee.openNested(in: id, key: key, keyed: false))
    }
    // JSONEncoder fills a super encoder's slot when the encoder goes away; that timing is not mirrored here.
    mutating func superEncoder() -> any Encoder { session.writer.pointee.fail("superEncoder"); return ValueEncoder(session: session, slot: -1) }
    mutating func superEncoder(forKey key: Key) -> any Encoder { superEncoder() }
}

/// The scalar writes the unkeyed and single-value containers share; `prepare()` places the cursor.
private protocol ScalarWriting {
    var session: EncodingSession { get }
    mutating func prepare() throws
}

extension ScalarWriting {
    private var writer: UnsafeMutablePointer<JSONByteWriter> { session.writer }
    mutating func encodeNil() throws { try prepare(); writer.pointee.writeNull() }
    mutating func encode(_ value: Bool) throws { try prepare(); writer.pointee.writeBool(value) }
    mutating func encode(_ value: String) throws { try prepare(); writer.pointee.writeString(value) }
    mutating func encode(_ value: Double) throws { try prepare(); try writer.pointee.writeFloat(value) }
    mutating func encode(_ value: Float) throws { try prepare(); try writer.pointee.writeFloat(value) }
    mutating func encode(_ value: Int) throws { try prepare(); writer.pointee.writeInteger(value) }
    mutating func encode(_ value: Int8) throws { try prepare(); writer.pointee.writeInteger(value) }
    mutating func encode(_ value: Int16) throws { try prepare(); writer.pointee.writeInteger(value) }
    mutating func encode(_ value: Int32) throws { try prepare(); writer.pointee.writeInteger(value) }
    mutating func encode(_ value: Int64) throws { try prepare(); writer.pointee.writeInteger(value) }
    mutating func encode(_ value: UInt) throws { try prepare(); writer.pointee.writeInteger(value) }
    mutating func encode(_ value: UInt8) throws { try prepare(); writer.pointee.writeInteger(value) }
    mutating func encode(_ value: UInt16) throws { try prepare(); writer.pointee.writeInteger(value) }
    mutating func encode(_ value: UInt32) throws { try prepare(); writer.pointee.writeInteger(value) }
    mutating func encode(_ value: UInt64) throws { try prepare(); writer.pointee.writeInteger(value) }
}

private struct UnkeyedContainer: UnkeyedEncodingContainer, ScalarWriting {
    let session: EncodingSession, id: Int
    private(set) var count = 0
    var codingPath: [any CodingKey] { session.writer.pointee.codingPath(ofContainer: id) }
    init(session: EncodingSession, id: Int) { self.session = session; self.id = id }
    mutating func prepare() throws { try session.writer.pointee.beginMember(of: id, key: nil); count += 1 }
    mutating func encode<T: Encodable>(_ value: T) throws {
        try prepare()
        try session.encodeValue(value, key: IndexKey(count - 1))
    }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        count += 1
        return KeyedEncodingContainer(KeyedContainer<NestedKey>(session: session, id: session.writer.pointee.openNested(in: id, key: nil, keyed: true)))
    }
    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        count += 1
        return UnkeyedContainer(session: session, id: session.writer.pointee.openNested(in: id, key: nil, keyed: false))
    }
    mutating func superEncoder() -> any Encoder { session.writer.pointee.fail("superEncoder"); return ValueEncoder(session: session, slot: -1) }
}

private struct SingleValueContainer: SingleValueEncodingContainer, ScalarWriting {
    let session: EncodingSession, slot: Int
    var codingPath: [any CodingKey] { session.writer.pointee.codingPath(ofSlot: slot) }
    func prepare() throws { try session.writer.pointee.beginSingleValue(slot) }
    mutating func encode<T: Encodable>(_ value: T) throws {
        try prepare()
        try session.encodeValue(value, key: nil)
    }
}
