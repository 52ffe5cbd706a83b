import Foundation

/// A growing byte buffer with little-endian writers, for the files the gate keeps for itself
/// (the snapshot index, the parse cache). `BinaryReader` reads back what it writes.
package struct BinaryWriter {
    package var bytes: [UInt8] = []

    package init() {}

    package mutating func u8(_ value: UInt8) { bytes.append(value) }
    package mutating func u32(_ value: UInt32) { withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) } }
    package mutating func u64(_ value: UInt64) { withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) } }
    package mutating func bool(_ value: Bool) { u8(value ? 1 : 0) }
    /// A non-negative count or offset (the files are far below 4 GB); a negative value is stored as 0.
    package mutating func count(_ value: Int) { u32(UInt32(clamping: max(value, 0))) }

    package mutating func string(_ value: String) {
        count(value.utf8.count)
        bytes.append(contentsOf: value.utf8)
    }

    package mutating func optional(_ value: String?) {
        guard let value else { u8(0); return }
        u8(1)
        string(value)
    }

    package mutating func strings(_ values: [String]) {
        count(values.count)
        for value in values { string(value) }
    }

    package mutating func optional(_ value: Int?) {
        guard let value else { u8(0); return }
        u8(1)
        u64(UInt64(bitPattern: Int64(value)))
    }

    package mutating func data(_ value: Data) {
        count(value.count)
        bytes.append(contentsOf: value)
    }
}

/// Reads what `BinaryWriter` wrote; any read past the end throws `BinaryReader.Short`.
package struct BinaryReader {
    package struct Short: Error { package init() {} }

    package let bytes: UnsafeRawBufferPointer
    package var position = 0

    package init(_ bytes: UnsafeRawBufferPointer, at position: Int = 0) {
        self.bytes = bytes
        self.position = position
    }

    package mutating func u8() throws -> UInt8 {
        guard position < bytes.count else { throw Short() }
        defer { position += 1 }
        return bytes[position]
    }

    package mutating func u32() throws -> UInt32 {
        guard position + 4 <= bytes.count else { throw Short() }
        defer { position += 4 }
        return UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: position, as: UInt32.self))
    }

    package mutating func u64() throws -> UInt64 {
        guard position + 8 <= bytes.count else { throw Short() }
        defer { position += 8 }
        return UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: position, as: UInt64.self))
    }

    package mutating func bool() throws -> Bool { try u8() != 0 }
    package mutating func count() throws -> Int { Int(try u32()) }

    package mutating func string() throws -> String {
        let count = try count()
        guard count <= bytes.count - position else { throw Short() }
        defer { position += count }
        return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[position..<position + count]), as: UTF8.self)
    }

    package mutating func optionalString() throws -> String? { try u8() == 0 ? nil : try string() }

    package mutating func strings() throws -> [String] {
        let count = try count()
        guard count <= bytes.count - position else { throw Short() }
        var values: [String] = []
        values.reserveCapacity(count)
        for _ in 0..<count { values.append(try string()) }
        return values
    }

    package mutating func optionalInt() throws -> Int? { try u8() == 0 ? nil : Int(Int64(bitPattern: try u64())) }

    package mutating func data() throws -> Data {
        let count = try count()
        guard count <= bytes.count - position else { throw Short() }
        defer { position += count }
        return Data(UnsafeRawBufferPointer(rebasing: bytes[position..<position + count]))
    }
}

/// FNV-1a, 64 bits: a checksum and file-name hash that is the same in every run (Swift's own
/// `hashValue` is seeded per process).
package enum StableHash {
    package static func fnv1a<Bytes: Sequence>(_ bytes: Bytes, seed: UInt64 = 0xcbf2_9ce4_8422_2325) -> UInt64
    where Bytes.Element == UInt8 {
        var hash = seed
        for byte in bytes {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return hash
    }

    package static func fnv1a(_ text: String) -> UInt64 { fnv1a(text.utf8) }

    /// A checksum of a file part, eight bytes at a time (FNV-1a is a byte at a time: too slow for
    /// the tens of megabytes the snapshot index and the parse cache check on every read).
    package static func checksum(_ raw: UnsafeRawBufferPointer) -> UInt64 {
        var hash: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(raw.count)
        let words = raw.count / 8
        for index in 0..<words {
            let word = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: index * 8, as: UInt64.self))
            hash = ((hash ^ word) &* 0xFF51_AFD7_ED55_8CCD)
            hash = (hash << 29) | (hash >> 35)
        }
        var tail: UInt64 = 0
        for index in (words * 8)..<raw.count { tail = (tail << 8) | UInt64(raw[index]) }
        hash = (hash ^ tail) &* 0xC4CE_B9FE_1A85_EC53
        return hash ^ (hash >> 33)
    }

    package static func checksum(_ bytes: ArraySlice<UInt8>) -> UInt64 { bytes.withUnsafeBytes { checksum($0) } }
}

/// The folder where the gate keeps what it may forget (remembered table ids, the parse cache):
/// `CONTRACT_GATE_CACHE_DIR`, else `$XDG_CACHE_HOME/contract-gate`, else `~/.cache/contract-gate`.
/// Nil when caching is off (`CONTRACT_GATE_CACHE_DIR` set empty or to `off`) or no home is known.
package enum CacheFolder {
    package static func standard(environment: [String: String]) -> URL? {
        if let explicit = environment["CONTRACT_GATE_CACHE_DIR"] {
            let trimmed = explicit.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty, trimmed.lowercased() != "off" else { return nil }
            return URL(fileURLWithPath: trimmed, isDirectory: true)
        }
        if let cache = environment["XDG_CACHE_HOME"], cache.hasPrefix("/") {
            return URL(fileURLWithPath: cache, isDirectory: true).appendingPathComponent("contract-gate", isDirectory: true)
        }
        guard let home = environment["HOME"], home.hasPrefix("/") else { return nil }
        return URL(fileURLWithPath: home, isDirectory: true).appendingPathComponent(".cache/contract-gate", isDirectory: true)
    }
}

extension BinaryWriter {
    /// A location's line, column and end, without its path (what a record's key or owner gives).
    package mutating func position(_ location: SourceLocation) {
        count(location.line)
        count(location.column)
        optional(location.endLine)
        optional(location.endColumn)
    }

    /// A location whole: its path, then its `position`.
    package mutating func location(_ location: SourceLocation) {
        string(location.path)
        position(location)
    }
}

extension BinaryReader {
    /// A location `BinaryWriter.position` wrote, in the file at `path`.
    package mutating func position(in path: String) throws -> SourceLocation {
        let line = try count(), column = try count()
        return SourceLocation(path: path, line: line, column: column, endLine: try optionalInt(), endColumn: try optionalInt())
    }

    /// A location `BinaryWriter.location` wrote.
    package mutating func location() throws -> SourceLocation {
        try position(in: try string())
    }
}
