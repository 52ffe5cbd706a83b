import Foundation
import SecodaAPI
import GateModel

/// The catalog snapshot as a check reads it: one streaming pass over the file keeps the lineage
/// as interned ids and, for each resource, only its id, type, title and where its JSON sits in
/// the file; a resource is decoded when the walk reaches it.
///
/// `CatalogSnapshot.load` decodes the whole file, which at 5,000 models (100,000 edges, a 54 MB
/// file) cost seconds and hundreds of megabytes — too much for a pre-push hook. This reader
/// answers the same questions (`SnapshotCatalogSource` is the reference it is tested against)
/// in a bounded amount of memory: the file is read in chunks and never held whole.
///
/// Anything the streaming pass does not expect (a key written twice, a type or title that is not
/// a plain string) makes `load` return nil, and the caller decodes the file the slow, general way.
public final class IndexedSnapshot: CatalogSource {
    /// When the snapshot was pulled.
    public let takenAt: String
    private let directory: CatalogPeople
    private let file: FileHandle
    /// A resource is read by seeking and reading; one at a time.
    private let fileLock = NSLock()
    private let names: [String]
    private let numbers: [String: Int32]
    private let children: [Int32: [Int32]]
    private let spans: [Int32: Range<Int>]
    private let tablesByTitle: [String: [Int32]]
    private let piiColumns: [String: [String]]?

    private init(takenAt: String, directory: CatalogPeople, file: FileHandle, names: [String], numbers: [String: Int32],
                 children: [Int32: [Int32]], spans: [Int32: Range<Int>], tablesByTitle: [String: [Int32]],
                 piiColumns: [String: [String]]?) {
        self.takenAt = takenAt
        self.directory = directory
        self.file = file
        self.names = names
        self.numbers = numbers
        self.children = children
        self.spans = spans
        self.tablesByTitle = tablesByTitle
        self.piiColumns = piiColumns
    }

    deinit { try? file.close() }

    /// Reads the snapshot at `url` in one streaming pass.
    /// - Returns: nil when the file is valid JSON of a shape this reader does not take apart
    ///   (the caller then uses `CatalogSnapshot.load`, which also words any error).
    /// - Throws: `CatalogError` (`.snapshot`) when the file is missing or not a snapshot.
    public static func load(from url: URL) throws -> IndexedSnapshot? {
        guard let file = FileHandle(forReadingAtPath: url.path) else {
            throw CatalogError(.snapshot, "no catalog snapshot at \(url.path); run `contract-gate catalog pull` to write one")
        }
        var reader = Reader(file: file)
        do {
            guard let parts = try reader.snapshot() else {
                try? file.close()
                return nil
            }
            guard parts.version == 1 else {
                try? file.close()
                throw CatalogError(.snapshot, "the catalog snapshot \(url.path) has format version \(parts.version); "
                    + "this contract-gate reads version 1; run `contract-gate catalog pull` again")
            }
            var children: [Int32: [Int32]] = [:]
            for (from, list) in parts.edges {
                let sorted = Set(list).sorted { parts.names[Int($0)] < parts.names[Int($1)] }
                children[from] = sorted
            }
            return IndexedSnapshot(takenAt: parts.takenAt, directory: parts.people, file: file,
                                   names: parts.names, numbers: parts.numbers, children: children, spans: parts.spans,
                                   tablesByTitle: parts.tablesByTitle, piiColumns: parts.piiColumns)
        } catch let error as CatalogError {
            try? file.close()
            throw error
        } catch {
            try? file.close()
            throw CatalogError(.snapshot, "the catalog snapshot \(url.path) is unreadable (\(error)); "
                + "run `contract-gate catalog pull` to write a fresh one")
        }
    }

    public func tables(titled titles: [String], integrationId: String?) async throws -> [CatalogResource] {
        var result: [CatalogResource] = []
        for title in Set(titles).sorted() {
            for number in tablesByTitle[title] ?? [] {
                let table = try decode(number)
                if integrationId == nil || table.integration == integrationId { result.append(table) }
            }
        }
        return result
    }

    public func downstream(of ids: [String]) async throws -> DownstreamLinks {
        var result = DownstreamLinks()
        for id in Set(ids) {
            guard let number = numbers[id], let list = children[number] else { continue }
            result.children[id] = list.map { names[Int($0)] }
        }
        return result
    }

    public func resources(ids: [String]) async throws -> [String: CatalogResource] {
        var result: [String: CatalogResource] = [:]
        for id in Set(ids) {
            guard let number = numbers[id], spans[number] != nil else { continue }
            result[id] = try decode(number)
        }
        return result
    }

    public func people() async throws -> CatalogPeople { directory }

    public func piiColumns(ofTables ids: [String]) async throws -> [String: Set<String>]? {
        CatalogSnapshot.piiColumns(piiColumns, ofTables: ids)
    }

    /// The resource `id` names, read now; nil when the snapshot has none.
    func resource(_ id: String) throws -> CatalogResource? {
        guard let number = numbers[id], spans[number] != nil else { return nil }
        return try decode(number)
    }

    /// What `SnapshotIndex` writes an index from: ids by number, each number's children (sorted
    /// by id), where each resource sits, the PII marks and the people.
    var contents: (names: [String], numbers: [String: Int32], children: [Int32: [Int32]], spans: [Int32: Range<Int>],
                   piiColumns: [String: [String]]?, people: CatalogPeople) {
        (names, numbers, children, spans, piiColumns, directory)
    }

    /// Decodes one resource from its place in the file.
    func decode(_ number: Int32) throws -> CatalogResource {
        guard let span = spans[number] else {
            throw CatalogError(.snapshot, "the catalog snapshot lost resource \(names[Int(number)]); run `contract-gate catalog pull` again")
        }
        let bytes: Data? = fileLock.withLock {
            do {
                try file.seek(toOffset: UInt64(span.lowerBound))
                return try file.read(upToCount: span.count)
            } catch {
                return nil
            }
        }
        guard let bytes, bytes.count == span.count else {
            throw CatalogError(.snapshot, "the catalog snapshot changed while it was read; run the check again")
        }
        // The byte reader is exact or declines (`SecodaPageReader`); JSONDecoder words any error.
        if let resource = SecodaPageReader.resource(from: bytes) { return resource }
        do {
            return try JSONDecoder().decode(CatalogResource.self, from: bytes)
        } catch {
            throw CatalogError(.snapshot, "the catalog snapshot has an unreadable resource (\(SecodaClient.summary(of: error))); "
                + "run `contract-gate catalog pull` to write a fresh one")
        }
    }
}

// MARK: - the streaming pass

/// What one pass over a snapshot file gathers.
private struct SnapshotParts {
    var version = 0
    var takenAt = ""
    var people = CatalogPeople()
    var names: [String] = []
    var numbers: [String: Int32] = [:]
    var edges: [Int32: [Int32]] = [:]
    var spans: [Int32: Range<Int>] = [:]
    var tablesByTitle: [String: [Int32]] = [:]
    var piiColumns: [String: [String]]?

    mutating func number(_ id: String) -> Int32 {
        if let known = numbers[id] { return known }
        let next = Int32(names.count)
        names.append(id)
        numbers[id] = next
        return next
    }
}

private struct MalformedSnapshot: Error, CustomStringConvertible {
    var description: String
}

/// A byte-at-a-time JSON reader over a file read in chunks, with just the moves the snapshot
/// needs: read a string, skip or capture any value, walk an object's keys or an array's items.
private struct Reader {
    let file: FileHandle
    private var buffer: [UInt8] = []
    private var count = 0
    private var index = 0
    /// File offset of `buffer[0]`.
    private var base = 0
    private var capture: [UInt8]?

    init(file: FileHandle) { self.file = file }

    /// File offset of the next byte.
    var offset: Int { base + index }

    private mutating func refill() throws -> Bool {
        base += count
        index = 0
        do {
            buffer = try file.read(upToCount: 1 << 20).map { [UInt8]($0) } ?? []
        } catch {
            throw MalformedSnapshot(description: "read error (\(error.localizedDescription))")
        }
        count = buffer.count
        return count > 0
    }

    mutating func peek() throws -> UInt8? {
        if index >= count, try !refill() { return nil }
        return buffer[index]
    }

    mutating func next() throws -> UInt8 {
        guard let byte = try peek() else { throw MalformedSnapshot(description: "unexpected end of file") }
        index += 1
        capture?.append(byte)
        return byte
    }

    mutating func skipSpace() throws {
        // Snapshots are pretty-printed: indentation is a large share of their bytes.
        while true {
            if index >= count, try !refill() { return }
            let start = index
            while index < count, buffer[index] == 0x20 || buffer[index] == 0x0A || buffer[index] == 0x0D || buffer[index] == 0x09 {
                index += 1
            }
            if index > start { capture?.append(contentsOf: buffer[start..<index]) }
            if index < count { return }
        }
    }

    mutating func expect(_ byte: UInt8) throws {
        try skipSpace()
        let found = try next()
        guard found == byte else {
            throw MalformedSnapshot(description: "expected '\(Character(UnicodeScalar(byte)))' at byte \(offset - 1)")
        }
    }

    /// The next value if it is a string (decoded), else nil with the value left unread.
    mutating func stringIfAny() throws -> String? {
        try skipSpace()
        guard try peek() == UInt8(ascii: "\"") else { return nil }
        return try string()
    }

    mutating func string() throws -> String {
        try expect(UInt8(ascii: "\""))
        if let bytes = plainRun() { return String(decoding: bytes, as: UTF8.self) }
        var bytes: [UInt8] = []
        var escaped = false
        while true {
            let byte = try next()
            if escaped {
                escaped = false
                bytes.append(0x5C)
                bytes.append(byte)
            } else if byte == 0x5C {
                escaped = true
            } else if byte == UInt8(ascii: "\"") {
                break
            } else {
                bytes.append(byte)
            }
        }
        guard bytes.contains(0x5C) else { return String(decoding: bytes, as: UTF8.self) }
        // Escapes are rare in a snapshot: let the JSON decoder read them exactly.
        let quoted = Data([UInt8(ascii: "\"")] + bytes + [UInt8(ascii: "\"")])
        return try JSONDecoder().decode(String.self, from: quoted)
    }

    /// The rest of a string (its opening quote read) when it ends within the buffer without an
    /// escape: found with `memchr`, the common case that keeps the pass fast. Nil (nothing read)
    /// otherwise.
    private mutating func plainRun() -> ArraySlice<UInt8>? {
        buffer.withUnsafeBufferPointer { whole -> ArraySlice<UInt8>? in
            guard index < count, let base = whole.baseAddress,
                  let quote = memchr(base + index, Int32(UInt8(ascii: "\"")), count - index) else { return nil }
            let end = base.distance(to: quote.assumingMemoryBound(to: UInt8.self))
            guard memchr(base + index, 0x5C, end - index) == nil else { return nil }
            return buffer[index..<end]
        }.map { run in
            index = run.endIndex + 1
            capture?.append(contentsOf: run)
            capture?.append(UInt8(ascii: "\""))
            return run
        }
    }

    /// Skips one value of any kind.
    mutating func skipValue() throws {
        try skipSpace()
        switch try peek() {
        case UInt8(ascii: "\""):
            _ = try string()
        case UInt8(ascii: "{"):
            try members { reader, _ in try reader.skipValue() }
        case UInt8(ascii: "["):
            try items { reader in try reader.skipValue() }
        case nil:
            throw MalformedSnapshot(description: "unexpected end of file")
        default:
            // A number, true, false or null: up to the next delimiter.
            while let byte = try peek(), !(byte == UInt8(ascii: ",") || byte == UInt8(ascii: "}") || byte == UInt8(ascii: "]")
                                         || byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09) {
                _ = try next()
            }
        }
    }

    /// The bytes of the next value (for the small parts decoded whole).
    mutating func captureValue() throws -> Data {
        try skipSpace()
        capture = []
        defer { capture = nil }
        try skipValue()
        return Data(capture ?? [])
    }

    /// Calls `body` with each key of an object, positioned at the key's value (which it must read).
    mutating func members(_ body: (inout Reader, String) throws -> Void) throws {
        try expect(UInt8(ascii: "{"))
        try skipSpace()
        if try peek() == UInt8(ascii: "}") { _ = try next(); return }
        while true {
            let key = try string()
            try expect(UInt8(ascii: ":"))
            try body(&self, key)
            try skipSpace()
            let separator = try next()
            if separator == UInt8(ascii: "}") { return }
            guard separator == UInt8(ascii: ",") else { throw MalformedSnapshot(description: "expected ',' or '}' at byte \(offset - 1)") }
        }
    }

    /// Calls `body` positioned at each item of an array.
    mutating func items(_ body: (inout Reader) throws -> Void) throws {
        try expect(UInt8(ascii: "["))
        try skipSpace()
        if try peek() == UInt8(ascii: "]") { _ = try next(); return }
        while true {
            try body(&self)
            try skipSpace()
            let separator = try next()
            if separator == UInt8(ascii: "]") { return }
            guard separator == UInt8(ascii: ",") else { throw MalformedSnapshot(description: "expected ',' or ']' at byte \(offset - 1)") }
        }
    }

    /// The whole pass; nil when the file holds something this reader leaves to the full decoder.
    mutating func snapshot() throws -> SnapshotParts? {
        var parts = SnapshotParts()
        var plain = true
        var seen = Set<String>()
        try members { reader, key in
            guard seen.insert(key).inserted else { plain = false; try reader.skipValue(); return }
            switch key {
            case "version":
                let text = String(decoding: try reader.captureValue(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                guard let version = Int(text) else { plain = false; return }
                parts.version = version
            case "taken_at":
                guard let text = try reader.stringIfAny() else { plain = false; try reader.skipValue(); return }
                parts.takenAt = text
            case "users", "groups", "teams":
                let people = try JSONDecoder().decode([CatalogPerson].self, from: try reader.captureValue())
                if key == "users" { parts.people.users = people } else if key == "groups" { parts.people.groups = people } else { parts.people.teams = people }
            case "pii_columns":
                parts.piiColumns = try JSONDecoder().decode([String: [String]]?.self, from: try reader.captureValue())
            case "lineage":
                try reader.items { reader in
                    var from: String?
                    var to: String?
                    try reader.members { reader, key in
                        guard key == "from_entity" || key == "to_entity" else { try reader.skipValue(); return }
                        guard let value = try reader.stringIfAny() else { plain = false; try reader.skipValue(); return }
                        if key == "from_entity" { from = value } else { to = value }
                    }
                    guard let from, let to else { plain = false; return }
                    parts.edges[parts.number(from), default: []].append(parts.number(to))
                }
            case "resources":
                try reader.items { reader in
                    try reader.skipSpace()
                    let start = reader.offset
                    var id: String?
                    var type: String?
                    var title: String?
                    // A key the index reads, written twice, is left to the full decoder; any other
                    // key is decoded with the resource later, by the same rules as the full file.
                    try reader.members { reader, key in
                        switch key {
                        case "id":
                            if id != nil { plain = false }
                            id = try reader.stringIfAny(); if id == nil { plain = false; try reader.skipValue() }
                        case "entity_type":
                            if type != nil { plain = false }
                            type = try reader.stringIfAny(); if type == nil { plain = false; try reader.skipValue() }
                        case "title":
                            if title != nil { plain = false }
                            title = try reader.stringIfAny(); if title == nil { plain = false; try reader.skipValue() }
                        default: try reader.skipValue()
                        }
                    }
                    guard let id, SecodaID.isValid(id) else { plain = false; return }
                    let number = parts.number(id)
                    guard parts.spans[number] == nil else { plain = false; return }
                    parts.spans[number] = start..<reader.offset
                    if type == "table" { parts.tablesByTitle[title ?? id, default: []].append(number) }
                }
            default:
                try reader.skipValue()
            }
        }
        try skipSpace()
        guard try peek() == nil else { throw MalformedSnapshot(description: "content after the snapshot") }
        // The keys the full decoder requires; without them it words the error.
        let required: Set<String> = ["version", "taken_at", "resources", "lineage"]
        return plain && required.isSubset(of: seen) ? parts : nil
    }
}
