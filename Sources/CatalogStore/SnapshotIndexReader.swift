import Foundation
import SecodaAPI
import GateModel

/// A catalog snapshot read through its index (`SnapshotIndex`): one `pread` of the index's
/// eager part (ids, edges, tables' titles, people) when opened, then one `pread` per resource the
/// walk asks for. Answers what `SnapshotCatalogSource` answers for the same snapshot.
///
/// A record whose checksum does not match is never trusted: that resource, and any after it, is
/// read from the JSON snapshot instead (`IndexedSnapshot`).
final class SnapshotIndexReader: CatalogSource, @unchecked Sendable {
    /// What `open` found.
    enum Opened {
        case ready(SnapshotIndexReader)
        /// No index beside the snapshot.
        case missing
        /// An index that must not be used; the text says why ("is damaged (…)", …).
        case unusable(String)
    }

    let takenAt: String
    private let directory: CatalogPeople
    private let piiKnown: Bool
    private let descriptor: Int32
    private let index: URL
    private let snapshot: URL
    /// The eager part, verified.
    private let eager: [UInt8]
    private let nodeCount: Int
    private let nodesStart: Int
    private let edgesStart: Int
    private let idsStart: Int
    private let recordsEnd: UInt64
    private let tablesByTitle: [String: [Int]]
    // Set once a record is found damaged (under `lock`): the JSON snapshot answers from then on.
    private let lock = NSLock()
    private var fallback: (any CatalogSource)?
    private var _recordsReadFromJSON = 0

    /// Resources read from the JSON because their record in the index was damaged (tests).
    var recordsReadFromJSON: Int { lock.withLock { _recordsReadFromJSON } }

    private init(takenAt: String, directory: CatalogPeople, piiKnown: Bool, descriptor: Int32, index: URL, snapshot: URL,
                 eager: [UInt8], nodeCount: Int, nodesStart: Int, edgesStart: Int, idsStart: Int, recordsEnd: UInt64,
                 tablesByTitle: [String: [Int]]) {
        self.takenAt = takenAt
        self.directory = directory
        self.piiKnown = piiKnown
        self.descriptor = descriptor
        self.index = index
        self.snapshot = snapshot
        self.eager = eager
        self.nodeCount = nodeCount
        self.nodesStart = nodesStart
        self.edgesStart = edgesStart
        self.idsStart = idsStart
        self.recordsEnd = recordsEnd
        self.tablesByTitle = tablesByTitle
    }

    deinit { close(descriptor) }

    /// Opens the index at `index` if it is intact and was written for the JSON at `snapshot`.
    static func open(index: URL, snapshot: URL) -> Opened {
        let descriptor = Foundation.open(index.path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            return errno == ENOENT ? .missing : .unusable("cannot be opened (errno \(errno))")
        }
        do {
            let reader = try read(descriptor: descriptor, index: index, snapshot: snapshot)
            return .ready(reader)
        } catch let problem as Problem {
            close(descriptor)
            return .unusable(problem.text)
        } catch {
            close(descriptor)
            return .unusable("is unreadable (\(error))")
        }
    }

    private struct Problem: Error {
        var text: String
        init(_ text: String) { self.text = text }
    }

    private static func read(descriptor: Int32, index: URL, snapshot: URL) throws -> SnapshotIndexReader {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw Problem("cannot be read (errno \(errno))") }
        let size = UInt64(info.st_size)
        let headerBytes = try pread(descriptor, count: SnapshotIndex.headerSize, at: 0)
        guard headerBytes.count == SnapshotIndex.headerSize else { throw Problem("is cut short (\(size) bytes)") }
        guard Array(headerBytes[0..<8]) == SnapshotIndex.magic else { throw Problem("is not a contract-gate snapshot index") }
        let header = try headerBytes.withUnsafeBytes { raw throws -> Header in
            var reader = ByteReader(bytes: raw)
            reader.position = 8
            return try Header(&reader)
        }
        guard SnapshotIndex.checksum(headerBytes[0..<120]) == header.checksum else {
            throw Problem("is damaged (its header's checksum does not match)")
        }
        guard header.version == SnapshotIndex.formatVersion else {
            throw Problem("has format version \(header.version); this contract-gate reads version \(SnapshotIndex.formatVersion)")
        }
        guard header.fileLength == size else {
            throw Problem("is cut short or was added to (\(size) bytes; it was written with \(header.fileLength))")
        }
        guard SnapshotIndex.FileIdentity(path: snapshot.path) == header.json else {
            throw Problem("was written for another copy of the snapshot (it was replaced or edited since)")
        }
        let nodes = Int(header.nodeCount), edges = Int(header.edgeCount), tables = Int(header.tableCount)
        let nodesStart = Int(header.metaLength)
        let edgesStart = nodesStart + nodes * SnapshotIndex.nodeSize
        let tablesStart = edgesStart + edges * 4
        let idsStart = tablesStart + tables * SnapshotIndex.tableSize
        let titlesStart = idsStart + Int(header.idBlobLength)
        guard header.eagerOffset >= UInt64(SnapshotIndex.headerSize), header.eagerLength < UInt64(Int32.max),
              UInt64(titlesStart) + header.titleBlobLength == header.eagerLength,
              header.eagerOffset + header.eagerLength == size else {
            throw Problem("is damaged (its parts do not add up to its length)")
        }
        let eager = try pread(descriptor, count: Int(header.eagerLength), at: header.eagerOffset)
        guard eager.count == Int(header.eagerLength), SnapshotIndex.checksum(eager[...]) == header.eagerChecksum else {
            throw Problem("is damaged (its index part's checksum does not match)")
        }
        let meta: IndexMeta
        do { meta = try JSONDecoder().decode(IndexMeta.self, from: Data(eager[0..<nodesStart])) } catch {
            throw Problem("is damaged (its people cannot be read)")
        }
        // Checksums match; the bounds are checked all the same, so no mistake can read outside.
        var tablesByTitle: [String: [Int]] = [:]
        try eager.withUnsafeBytes { raw throws in
            for node in 0..<nodes {
                var entry = ByteReader(bytes: raw, position: nodesStart + node * SnapshotIndex.nodeSize)
                let idOffset = UInt64(try entry.u32()), idLength = UInt64(try entry.u32())
                let edgeStart = UInt64(try entry.u32()), edgeCount = UInt64(try entry.u32())
                let recordOffset = try entry.u64(), recordLength = UInt64(try entry.u32())
                guard idOffset + idLength <= header.idBlobLength, edgeStart + edgeCount <= UInt64(edges),
                      recordOffset == 0 || (recordOffset >= UInt64(SnapshotIndex.headerSize) && recordLength >= 12
                                            && recordOffset + recordLength <= header.eagerOffset) else {
                    throw Problem("is damaged (node \(node) points outside the file)")
                }
            }
            for edge in 0..<edges where Int(raw.loadUnaligned(fromByteOffset: edgesStart + edge * 4, as: UInt32.self).littleEndian) >= nodes {
                throw Problem("is damaged (an edge names no node)")
            }
            for table in 0..<tables {
                var entry = ByteReader(bytes: raw, position: tablesStart + table * SnapshotIndex.tableSize)
                let offset = Int(try entry.u32()), length = Int(try entry.u32()), node = Int(try entry.u32())
                guard offset + length <= Int(header.titleBlobLength), node < nodes else {
                    throw Problem("is damaged (a table's title points outside the file)")
                }
                let title = String(decoding: UnsafeRawBufferPointer(rebasing: raw[titlesStart + offset..<titlesStart + offset + length]),
                                   as: UTF8.self)
                tablesByTitle[title, default: []].append(node)
            }
        }
        return SnapshotIndexReader(
            takenAt: meta.takenAt, directory: CatalogPeople(users: meta.users, groups: meta.groups, teams: meta.teams),
            piiKnown: header.flags & 1 != 0, descriptor: descriptor, index: index, snapshot: snapshot, eager: eager,
            nodeCount: nodes, nodesStart: nodesStart, edgesStart: edgesStart, idsStart: idsStart,
            recordsEnd: header.eagerOffset, tablesByTitle: tablesByTitle)
    }

    /// The header's fields after the magic.
    private struct Header {
        var version: UInt32, flags: UInt32
        var json: SnapshotIndex.FileIdentity
        var nodeCount: UInt32, edgeCount: UInt32, tableCount: UInt32, metaLength: UInt32
        var idBlobLength: UInt64, titleBlobLength: UInt64
        var eagerOffset: UInt64, eagerLength: UInt64, eagerChecksum: UInt64, fileLength: UInt64
        var checksum: UInt64

        init(_ r: inout ByteReader) throws {
            version = try r.u32()
            flags = try r.u32()
            json = SnapshotIndex.FileIdentity(size: try r.u64(), seconds: Int64(bitPattern: try r.u64()),
                                              nanoseconds: Int64(bitPattern: try r.u64()), inode: try r.u64())
            nodeCount = try r.u32()
            edgeCount = try r.u32()
            tableCount = try r.u32()
            metaLength = try r.u32()
            idBlobLength = try r.u64()
            titleBlobLength = try r.u64()
            eagerOffset = try r.u64()
            eagerLength = try r.u64()
            eagerChecksum = try r.u64()
            fileLength = try r.u64()
            _ = try r.u64()
            checksum = try r.u64()
        }
    }

    private static func pread(_ descriptor: Int32, count: Int, at offset: UInt64) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let got = bytes.withUnsafeMutableBytes { raw in
                Foundation.pread(descriptor, raw.baseAddress! + done, count - done, off_t(offset) + off_t(done))
            }
            if got < 0, errno == EINTR { continue }
            guard got > 0 else { break }
            done += got
        }
        return done == count ? bytes : Array(bytes[0..<done])
    }

    // MARK: - lookups

    private func entry(_ node: Int) -> (idOffset: Int, idLength: Int, edgeStart: Int, edgeCount: Int, record: UInt64, length: Int) {
        eager.withUnsafeBytes { raw in
            let base = nodesStart + node * SnapshotIndex.nodeSize
            func u32(_ at: Int) -> Int { Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: base + at, as: UInt32.self))) }
            return (u32(0), u32(4), u32(8), u32(12),
                    UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: base + 16, as: UInt64.self)), u32(24))
        }
    }

    private func id(_ node: Int) -> String {
        let e = entry(node)
        return String(decoding: eager[idsStart + e.idOffset..<idsStart + e.idOffset + e.idLength], as: UTF8.self)
    }

    /// The node of `id`: bytes compared with `memcmp` (ids are ASCII, so byte order is `String`
    /// order); an id with other characters is compared as a `String`, which is what the
    /// reference's dictionary does (a compatibility character can equal an ASCII one).
    private func node(of id: String) -> Int? {
        var id = id
        let ascii = id.utf8.allSatisfy { $0 < 0x80 }
        return id.withUTF8 { wanted -> Int? in
            eager.withUnsafeBytes { raw -> Int? in
                var low = 0, high = nodeCount
                while low < high {
                    let middle = (low + high) / 2
                    let e = entry(middle)
                    let order: Int
                    if ascii {
                        let common = min(e.idLength, wanted.count)
                        let compared = common == 0 ? 0 : Int(memcmp(raw.baseAddress! + idsStart + e.idOffset, wanted.baseAddress!, common))
                        order = compared != 0 ? compared : e.idLength - wanted.count
                    } else {
                        let stored = self.id(middle), asked = String(decoding: wanted, as: UTF8.self)
                        order = stored < asked ? -1 : stored == asked ? 0 : 1
                    }
                    if order == 0 { return middle }
                    if order < 0 { low = middle + 1 } else { high = middle }
                }
                return nil
            }
        }
    }

    /// The record of `node`: its resource and PII marks; nil for a node without one.
    private func record(_ node: Int) throws -> (resource: CatalogResource?, marks: [String]?)? {
        let e = entry(node)
        guard e.record != 0 else { return nil }
        if let answer = try? decodeRecord(try Self.pread(descriptor, count: e.length, at: e.record)) { return answer }
        return try fromJSON(id(node))
    }

    private func decodeRecord(_ bytes: [UInt8]) throws -> (resource: CatalogResource?, marks: [String]?) {
        try bytes.withUnsafeBytes { raw in
            var reader = ByteReader(bytes: raw)
            let length = Int(try reader.u32())
            let sum = try reader.u64()
            guard length == raw.count - 12, SnapshotIndex.checksum(bytes[12...]) == sum else { throw ByteReader.Short() }
            let flags = try reader.u8()
            let resource = flags & 1 != 0 ? try reader.resource() : nil
            let marks = flags & 2 != 0 ? try reader.strings() : nil
            guard reader.position == raw.count else { throw ByteReader.Short() }
            return (resource, marks)
        }
    }

    /// A damaged record's answer, from the JSON snapshot (read once, then kept).
    private func fromJSON(_ id: String) throws -> (resource: CatalogResource?, marks: [String]?) {
        let source: any CatalogSource = try lock.withLock {
            _recordsReadFromJSON += 1
            if let fallback { return fallback }
            let loaded: any CatalogSource
            if let indexed = try IndexedSnapshot.load(from: snapshot) { loaded = indexed } else {
                loaded = SnapshotCatalogSource(snapshot: try CatalogSnapshot.load(from: snapshot))
            }
            fallback = loaded
            return loaded
        }
        // Async requirements answered synchronously: both JSON readers answer from memory and file.
        let resource = try blockingResource(source, id)
        let marks = try blockingMarks(source, id)
        return (resource, marks)
    }

    private func blockingResource(_ source: any CatalogSource, _ id: String) throws -> CatalogResource? {
        if let indexed = source as? IndexedSnapshot { return try indexed.resource(id) }
        return (source as? SnapshotCatalogSource)?.snapshot.resources.last { $0.id == id }
    }

    private func blockingMarks(_ source: any CatalogSource, _ id: String) throws -> [String]? {
        if let indexed = source as? IndexedSnapshot { return indexed.contents.piiColumns?[id] }
        return (source as? SnapshotCatalogSource)?.snapshot.piiColumns?[id]
    }

    // MARK: - CatalogSource

    func tables(titled titles: [String], integrationId: String?) async throws -> [CatalogResource] {
        var result: [CatalogResource] = []
        for title in Set(titles).sorted() {
            for node in tablesByTitle[title] ?? [] {
                guard let table = try record(node)?.resource else { continue }
                if integrationId == nil || table.integration == integrationId { result.append(table) }
            }
        }
        return result
    }

    func downstream(of ids: [String]) async throws -> DownstreamLinks {
        var result = DownstreamLinks()
        for id in Set(ids) {
            guard let node = node(of: id) else { continue }
            let e = entry(node)
            guard e.edgeCount > 0 else { continue }
            result.children[id] = eager.withUnsafeBytes { raw in
                (e.edgeStart..<e.edgeStart + e.edgeCount).map { edge in
                    self.id(Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: edgesStart + edge * 4, as: UInt32.self))))
                }
            }
        }
        return result
    }

    func resources(ids: [String]) async throws -> [String: CatalogResource] {
        var result: [String: CatalogResource] = [:]
        for id in Set(ids) {
            guard let node = node(of: id), let resource = try record(node)?.resource else { continue }
            result[id] = resource
        }
        return result
    }

    func people() async throws -> CatalogPeople { directory }

    func piiColumns(ofTables ids: [String]) async throws -> [String: Set<String>]? {
        guard piiKnown else { return nil }
        var marks: [String: [String]] = [:]
        for id in Set(ids) {
            if let node = node(of: id), let names = try record(node)?.marks { marks[id] = names }
        }
        return CatalogSnapshot.piiColumns(marks, ofTables: ids)
    }
}
