import Foundation
import SecodaAPI
import GateModel

/// The catalog snapshot's index: a binary file beside the JSON snapshot (`catalog.json.idx`)
/// that a check reads lazily, so only the nodes and edges the walk reaches are read.
///
/// Why: the JSON snapshot at 5,000 models is 54 MB with 107,582 edges; even streamed
/// (`IndexedSnapshot`) a check read all of it, 1.7 s and 139 MB, for a walk that reaches a few
/// thousand resources. The index holds, in one checksummed part read with one `pread`, the
/// sorted ids, each node's edge list and where its record is; records (a resource in a compact
/// binary form, and its columns' PII marks) are read with `pread` when the walk reaches them, and
/// each carries its own checksum. (SQLite was the other option; it would need a C system library
/// behind its own module, and this layout needs nothing but Foundation — see PERFORMANCE.md.)
///
/// Layout, little-endian (`formatVersion` 1):
///
///     header (128 bytes)   magic "CGSNPIDX", format version, flags (bit 0: PII marks known),
///                          the JSON's identity (size, mtime s/ns, inode), counts, section
///                          lengths, where the eager part is, its checksum, the file's length,
///                          and the header's own checksum
///     records              per node: [payload length u32][checksum u64][payload]
///     eager part           meta JSON (taken_at, people) | nodes (28 bytes each: id offset u32,
///                          id length u32, first edge u32, edge count u32, record offset u64,
///                          record length u32; offset 0: no record)
///                          | edges (u32 node numbers) | tables (title offset u32, title length
///                          u32, node u32, in snapshot order) | id bytes | title bytes
///
/// Trust: the index is used only when its magic, version, length, header checksum, eager-part
/// checksum and the identity of the JSON it was written for all match; a record is used only
/// when its checksum matches. Anything else falls back to reading the JSON (`open` says why in
/// its notice; a bad record is read from the JSON instead).
///
/// Ids must be ASCII (Secoda's are UUIDs): then byte order is Swift's `String` order and byte
/// equality is `String` equality, so lookups by `memcmp` answer what `SnapshotCatalogSource`'s
/// dictionaries answer. A snapshot with any other id gets no index (and is read as before).
public enum SnapshotIndex {
    static let magic: [UInt8] = Array("CGSNPIDX".utf8)
    static let formatVersion: UInt32 = 1
    static let headerSize = 128
    static let nodeSize = 28
    static let tableSize = 12

    /// Where the index of the snapshot at `snapshot` lives: beside it, `.idx` appended.
    public static func url(for snapshot: URL) -> URL {
        snapshot.deletingLastPathComponent().appendingPathComponent(snapshot.lastPathComponent + ".idx")
    }

    /// What a check reads a snapshot through: the index when it is current and intact, else the
    /// JSON (streamed by `IndexedSnapshot`, or decoded whole), with a notice that says why the
    /// index was not used and how to get it.
    /// - Throws: `CatalogError` (`.snapshot`) when the JSON is missing or unreadable.
    public static func open(snapshot url: URL) throws -> (source: any CatalogSource, takenAt: String, notice: String?) {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw CatalogError(.snapshot, "no catalog snapshot at \(url.path); run `contract-gate catalog pull` to write one")
        }
        let notice: String
        switch SnapshotIndexReader.open(index: Self.url(for: url), snapshot: url) {
        case .ready(let reader):
            return (reader, reader.takenAt, nil)
        case .missing:
            notice = "the catalog snapshot \(url.path) has no index beside it (\(Self.url(for: url).lastPathComponent)), so "
                + "this check read the whole file; `contract-gate catalog pull` writes both and makes offline checks faster"
        case .unusable(let why):
            notice = "the catalog snapshot's index \(Self.url(for: url).path) \(why), so it was not used and this check read "
                + "the whole snapshot; run `contract-gate catalog pull` to write both again"
        }
        if let indexed = try IndexedSnapshot.load(from: url) { return (indexed, indexed.takenAt, notice) }
        let snapshot = try CatalogSnapshot.load(from: url)
        return (SnapshotCatalogSource(snapshot: snapshot), snapshot.takenAt, notice)
    }

    // MARK: - identity of the JSON

    /// What ties an index to the JSON it was written from: a replaced or edited snapshot has
    /// another inode, size or modification time (the rename that puts a pull's file in place
    /// keeps all three).
    struct FileIdentity: Equatable {
        var size: UInt64
        var seconds: Int64
        var nanoseconds: Int64
        var inode: UInt64

        init(size: UInt64, seconds: Int64, nanoseconds: Int64, inode: UInt64) {
            self.size = size
            self.seconds = seconds
            self.nanoseconds = nanoseconds
            self.inode = inode
        }

        init?(path: String) {
            var info = stat()
            guard stat(path, &info) == 0 else { return nil }
            #if canImport(Darwin)
            let time = info.st_mtimespec
            #else
            let time = info.st_mtim
            #endif
            self.init(size: UInt64(info.st_size), seconds: Int64(time.tv_sec), nanoseconds: Int64(time.tv_nsec),
                      inode: UInt64(info.st_ino))
        }
    }

    // MARK: - writing

    /// Writes the index of the JSON snapshot at `json` to `output` (positioned at 0, empty).
    /// - Returns: false (nothing useful written) when the snapshot cannot be indexed: a shape the
    ///   streaming reader leaves to the full decoder, or an id that is not ASCII.
    static func write(indexOf json: URL, identity: FileIdentity, to output: FileHandle) throws -> Bool {
        guard let source = try IndexedSnapshot.load(from: json) else { return false }
        let contents = source.contents
        // Every id a question can name: resources, lineage ends, PII marks' tables.
        var ids = Set(contents.names)
        if let marks = contents.piiColumns { ids.formUnion(marks.keys) }
        guard ids.allSatisfy({ $0.utf8.allSatisfy { $0 < 0x80 } }) else { return false }
        let sorted = ids.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        var numbers: [String: UInt32] = [:]
        numbers.reserveCapacity(sorted.count)
        for (number, id) in sorted.enumerated() { numbers[id] = UInt32(number) }

        var out = ByteWriter(handle: output)
        try out.append([UInt8](repeating: 0, count: headerSize))
        // Records, in node order; the tables in snapshot order, as the reference lists them.
        var recordOffsets = [UInt64](repeating: 0, count: sorted.count)
        var recordLengths = [UInt32](repeating: 0, count: sorted.count)
        var tables: [(start: Int, title: String, node: UInt32)] = []
        for (number, id) in sorted.enumerated() {
            var payload = ByteWriter.Buffer()
            var flags: UInt8 = 0
            var resource: CatalogResource?
            if let old = contents.numbers[id], let span = contents.spans[old] {
                resource = try source.decode(old)
                flags |= 1
                if resource?.type == "table" { tables.append((span.lowerBound, resource?.title ?? "", UInt32(number))) }
            }
            let marks = contents.piiColumns?[id]
            if marks != nil { flags |= 2 }
            guard flags != 0 else { continue }
            payload.u8(flags)
            if let resource { payload.resource(resource) }
            if let marks { payload.strings(marks) }
            recordOffsets[number] = out.offset
            recordLengths[number] = UInt32(12 + payload.bytes.count)
            var record = ByteWriter.Buffer()
            record.u32(UInt32(payload.bytes.count))
            record.u64(checksum(payload.bytes[...]))
            try out.append(record.bytes)
            try out.append(payload.bytes)
        }
        tables.sort { $0.start < $1.start }

        // The eager part.
        var eager = ByteWriter.Buffer()
        let meta = IndexMeta(takenAt: source.takenAt, users: contents.people.users, groups: contents.people.groups,
                             teams: contents.people.teams)
        let metaBytes = [UInt8](try JSONEncoder().encode(meta))
        eager.bytes.append(contentsOf: metaBytes)
        var idBlob: [UInt8] = []
        var edges: [UInt32] = []
        for (number, id) in sorted.enumerated() {
            let children = contents.numbers[id].flatMap { contents.children[$0] } ?? []
            eager.u32(UInt32(idBlob.count))
            eager.u32(UInt32(id.utf8.count))
            eager.u32(UInt32(edges.count))
            eager.u32(UInt32(children.count))
            eager.u64(recordOffsets[number])
            eager.u32(recordLengths[number])
            idBlob.append(contentsOf: id.utf8)
            // Children are sorted by id already (`IndexedSnapshot`), which is node order here.
            for child in children { edges.append(numbers[contents.names[Int(child)]] ?? 0) }
        }
        for edge in edges { eager.u32(edge) }
        var titleBlob: [UInt8] = []
        for table in tables {
            eager.u32(UInt32(titleBlob.count))
            eager.u32(UInt32(table.title.utf8.count))
            eager.u32(table.node)
            titleBlob.append(contentsOf: table.title.utf8)
        }
        eager.bytes.append(contentsOf: idBlob)
        eager.bytes.append(contentsOf: titleBlob)
        guard idBlob.count < Int(UInt32.max), titleBlob.count < Int(UInt32.max) else { return false }
        let eagerOffset = out.offset
        try out.append(eager.bytes)
        try out.flush()

        var header = ByteWriter.Buffer()
        header.bytes.append(contentsOf: magic)
        header.u32(formatVersion)
        header.u32(contents.piiColumns == nil ? 0 : 1)
        header.u64(identity.size)
        header.u64(UInt64(bitPattern: identity.seconds))
        header.u64(UInt64(bitPattern: identity.nanoseconds))
        header.u64(identity.inode)
        header.u32(UInt32(sorted.count))
        header.u32(UInt32(edges.count))
        header.u32(UInt32(tables.count))
        header.u32(UInt32(metaBytes.count))
        header.u64(UInt64(idBlob.count))
        header.u64(UInt64(titleBlob.count))
        header.u64(eagerOffset)
        header.u64(UInt64(eager.bytes.count))
        header.u64(checksum(eager.bytes[...]))
        header.u64(eagerOffset + UInt64(eager.bytes.count))
        header.u64(0)
        header.u64(checksum(header.bytes[...]))
        precondition(header.bytes.count == headerSize)
        do {
            try output.seek(toOffset: 0)
            try output.write(contentsOf: header.bytes)
        } catch {
            throw CatalogError(.snapshot, "cannot write the catalog snapshot's index: \(error.localizedDescription)")
        }
        return true
    }

    /// Writes the index of the finished JSON snapshot `temporary` (not yet in place) to its own
    /// temporary file beside `target`, and gives the move that puts it in place at
    /// `url(for: target)` (or removes a stale index when the snapshot cannot be indexed).
    /// `CatalogSnapshot.writeAtomically` makes that move and the JSON's rename together, under a
    /// lock overlapping pulls share, so the pair in place always comes from one pull. Between the
    /// two renames a check sees the new index with the old JSON, whose identity does not match:
    /// it reads the old JSON.
    static func prepareBeside(temporary: URL, target: URL) throws -> PendingIndex {
        let destination = url(for: target)
        guard let identity = FileIdentity(path: temporary.path) else {
            throw CatalogError(.snapshot, "cannot read the new catalog snapshot \(temporary.path) back to index it")
        }
        // Named like the snapshot's own temporary files, so a killed pull's is removed by the next.
        let scratch = target.deletingLastPathComponent().appendingPathComponent(
            ".\(target.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).\(UUID().uuidString).tmp")
        guard FileManager.default.createFile(atPath: scratch.path, contents: nil),
              let handle = try? FileHandle(forUpdating: scratch) else {
            throw CatalogError(.snapshot, "cannot write the catalog snapshot's index beside \(target.path)")
        }
        let written: Bool
        do {
            written = try write(indexOf: temporary, identity: identity, to: handle)
            try handle.synchronize()
            try handle.close()
        } catch {
            try? handle.close()
            try? FileManager.default.removeItem(at: scratch)
            throw error as? CatalogError
                ?? CatalogError(.snapshot, "cannot write the catalog snapshot's index beside \(target.path): \(error.localizedDescription)")
        }
        guard written else {
            try? FileManager.default.removeItem(at: scratch)
            return PendingIndex(scratch: nil, destination: destination)
        }
        return PendingIndex(scratch: scratch, destination: destination)
    }

    /// An index written beside the snapshot and not yet in place.
    struct PendingIndex {
        /// The written index; nil when the snapshot has none (a stale one is then removed).
        var scratch: URL?
        var destination: URL

        func moveIntoPlace() throws {
            guard let scratch else {
                unlink(destination.path)
                return
            }
            guard rename(scratch.path, destination.path) == 0 else {
                throw CatalogError(.snapshot, "cannot move the new snapshot index into place at \(destination.path) (errno \(errno))")
            }
        }

        func discard() {
            if let scratch { try? FileManager.default.removeItem(at: scratch) }
        }
    }

    // MARK: - checksum

    /// A 64-bit checksum of `bytes` (integrity against truncation and damage, not an adversary):
    /// eight bytes at a time, multiply and rotate, with the length folded in.
    static func checksum(_ bytes: ArraySlice<UInt8>) -> UInt64 { StableHash.checksum(bytes) }
}

/// The small part of the snapshot the index keeps as JSON.
struct IndexMeta: Codable {
    var takenAt: String
    var users: [CatalogPerson]
    var groups: [CatalogPerson]
    var teams: [CatalogPerson]
}

// MARK: - bytes in and out

/// Bytes gathered into writes of about a megabyte, with the offset written so far.
struct ByteWriter {
    let handle: FileHandle
    private var pending: [UInt8] = []
    private(set) var offset: UInt64 = 0

    init(handle: FileHandle) {
        self.handle = handle
        pending.reserveCapacity(1 << 20)
    }

    mutating func append(_ bytes: [UInt8]) throws {
        pending.append(contentsOf: bytes)
        offset += UInt64(bytes.count)
        if pending.count >= 1 << 20 { try flush() }
    }

    mutating func flush() throws {
        guard !pending.isEmpty else { return }
        do { try handle.write(contentsOf: pending) } catch {
            throw CatalogError(.snapshot, "cannot write the catalog snapshot's index: \(error.localizedDescription)")
        }
        pending.removeAll(keepingCapacity: true)
    }

    /// A growing byte buffer with little-endian writers (GateModel's), with the resource record below.
    typealias Buffer = BinaryWriter
}

extension BinaryWriter {
    /// Every stored field of the resource, in declaration order (`ByteReader.resource` reads them back).
    mutating func resource(_ r: CatalogResource) {
        string(r.id)
        string(r.type)
        string(r.title)
        optional(r.titleFull)
        optional(r.database)
        optional(r.schema)
        optional(r.integration)
        strings(r.owners)
        strings(r.ownerGroups)
        strings(r.tags)
        u8(r.pii ? 1 : 0)
        u8(r.verified ? 1 : 0)
        optional(r.url)
        optional(r.externalUsage)
        optional(r.internalUsage)
        optional(r.externalUpdatedAt)
        strings(r.teams)
    }
}

/// Reads what `ByteWriter.Buffer` wrote; any read past the end throws.
typealias ByteReader = BinaryReader

extension BinaryReader {
    init(bytes: UnsafeRawBufferPointer, position: Int = 0) {
        self.init(bytes, at: position)
    }

    mutating func resource() throws -> CatalogResource {
        let id = try string(), type = try string(), title = try string()
        let titleFull = try optionalString(), database = try optionalString(), schema = try optionalString()
        let integration = try optionalString()
        let owners = try strings(), ownerGroups = try strings(), tags = try strings()
        let pii = try u8() != 0, verified = try u8() != 0
        let url = try optionalString()
        let externalUsage = try optionalInt(), internalUsage = try optionalInt()
        let externalUpdatedAt = try optionalString()
        let teams = try strings()
        return CatalogResource(id: id, type: type, title: title, titleFull: titleFull, database: database, schema: schema,
                               integration: integration, owners: owners, ownerGroups: ownerGroups, tags: tags, pii: pii,
                               verified: verified, url: url, externalUsage: externalUsage, internalUsage: internalUsage,
                               externalUpdatedAt: externalUpdatedAt, teams: teams)
    }
}
