import Foundation

/// A forward-only JSON reader over bytes that materialises only what its caller asks for and
/// skips everything else without building it: a 44 MB `manifest.json` is mostly compiled SQL
/// and column docs that the graph never needs.
package struct JSONPullReader {
    struct Failure: Error {
        var message: String
        var offset: Int
    }

    private let bytes: [UInt8]
    package private(set) var index = 0

    init(_ data: Data) { bytes = [UInt8](data) }

    init(bytes: [UInt8]) { self.bytes = bytes }

    /// A file's bytes read straight into an array (no intermediate `Data` to copy from: a
    /// 44 MB manifest would be held twice); nil when it cannot be opened.
    package static func readFile(atPath path: String) -> [UInt8]? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        let descriptor = handle.fileDescriptor
        var info = stat()
        guard fstat(descriptor, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        let size = Int(info.st_size)
        var failed = false
        let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
            count = 0
            while count < size {
                let got = read(descriptor, buffer.baseAddress! + count, size - count)
                if got <= 0 { failed = got < 0; break }
                count += got
            }
        }
        return failed ? nil : bytes
    }

    package enum Kind { case object, array, string, number, bool, null }

    /// The kind of the next value (after whitespace).
    mutating func peekKind() throws -> Kind {
        skipSpace()
        guard index < bytes.count else { throw fail("unexpected end of input") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return .object
        case UInt8(ascii: "["): return .array
        case UInt8(ascii: "\""): return .string
        case UInt8(ascii: "t"), UInt8(ascii: "f"): return .bool
        case UInt8(ascii: "n"): return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number
        default: throw fail("unexpected character '\(Character(UnicodeScalar(bytes[index])))'")
        }
    }

    /// Reads an object member by member: `body` gets each key and must consume its value.
    mutating func readObject(_ body: (inout JSONPullReader, String) throws -> Void) throws {
        try expect(UInt8(ascii: "{"))
        skipSpace()
        if consume(UInt8(ascii: "}")) { return }
        while true {
            skipSpace()
            let key = try readString()
            skipSpace()
            try expect(UInt8(ascii: ":"))
            try body(&self, key)
            skipSpace()
            if consume(UInt8(ascii: ",")) { continue }
            try expect(UInt8(ascii: "}"))
            return
        }
    }

    /// Reads an array element by element: `body` must consume each element.
    mutating func readArray(_ body: (inout JSONPullReader) throws -> Void) throws {
        try expect(UInt8(ascii: "["))
        skipSpace()
        if consume(UInt8(ascii: "]")) { return }
        while true {
            try body(&self)
            skipSpace()
            if consume(UInt8(ascii: ",")) { continue }
            try expect(UInt8(ascii: "]"))
            return
        }
    }

    /// A string value, with its escapes decoded.
    mutating func readString() throws -> String {
        skipSpace()
        try expect(UInt8(ascii: "\""))
        let start = index
        while index < bytes.count, bytes[index] != UInt8(ascii: "\""), bytes[index] != UInt8(ascii: "\\") { index += 1 }
        guard index < bytes.count else { throw fail("unterminated string") }
        if bytes[index] == UInt8(ascii: "\"") {
            defer { index += 1 }
            return String(decoding: bytes[start..<index], as: UTF8.self)
        }
        var scalars = [UInt8](bytes[start..<index])
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                index += 1
                return String(decoding: scalars, as: UTF8.self)
            }
            guard byte == UInt8(ascii: "\\") else { scalars.append(byte); index += 1; continue }
            index += 1
            guard index < bytes.count else { break }
            let escaped = bytes[index]
            index += 1
            switch escaped {
            case UInt8(ascii: "n"): scalars.append(0x0A)
            case UInt8(ascii: "t"): scalars.append(0x09)
            case UInt8(ascii: "r"): scalars.append(0x0D)
            case UInt8(ascii: "b"): scalars.append(0x08)
            case UInt8(ascii: "f"): scalars.append(0x0C)
            case UInt8(ascii: "u"):
                var code = try hex4()
                if (0xD800..<0xDC00).contains(code), index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"),
                   bytes[index + 1] == UInt8(ascii: "u") {
                    index += 2
                    let low = try hex4()
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                }
                scalars.append(contentsOf: Array(String(UnicodeScalar(code).map(Character.init) ?? "\u{FFFD}").utf8))
            default: scalars.append(escaped)
            }
        }
        throw fail("unterminated string")
    }

    /// A number, bool, string or null as text (`nil` for null); throws for objects and arrays.
    mutating func readScalarText() throws -> String? {
        switch try peekKind() {
        case .string: return try readString()
        case .null:
            try literal("null")
            return nil
        case .bool:
            if bytes[index] == UInt8(ascii: "t") { try literal("true"); return "true" }
            try literal("false")
            return "false"
        case .number:
            let start = index
            while index < bytes.count, Self.numberBytes[Int(bytes[index])] { index += 1 }
            return String(decoding: bytes[start..<index], as: UTF8.self)
        case .object, .array: throw fail("expected a scalar")
        }
    }

    /// Strings of an array of strings (other elements skipped); nil when the value is not an array.
    mutating func readStrings() throws -> [String]? {
        guard try peekKind() == .array else { try skipValue(); return nil }
        var result: [String] = []
        try readArray { reader in
            if try reader.peekKind() == .string { result.append(try reader.readString()) } else { try reader.skipValue() }
        }
        return result
    }

    /// Skips one value of any kind without building it.
    mutating func skipValue() throws {
        switch try peekKind() {
        case .string:
            index += 1
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\\") { index += 2; continue }
                index += 1
                if byte == UInt8(ascii: "\"") { return }
            }
            throw fail("unterminated string")
        case .object, .array:
            var depth = 0
            while index < bytes.count {
                let byte = bytes[index]
                index += 1
                switch byte {
                case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                    if depth == 0 { return }
                case UInt8(ascii: "\""):
                    while index < bytes.count, bytes[index] != UInt8(ascii: "\"") {
                        index += bytes[index] == UInt8(ascii: "\\") ? 2 : 1
                    }
                    index += 1
                default: break
                }
            }
            throw fail("unterminated \(depth > 0 ? "object or array" : "value")")
        default:
            _ = try readScalarText()
        }
    }

    /// Whether only whitespace is left.
    mutating func atEnd() -> Bool {
        skipSpace()
        return index >= bytes.count
    }

    private static let numberBytes: [Bool] = (0..<256).map { byte in
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(UInt8(byte)) || [UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "."),
                                                                          UInt8(ascii: "e"), UInt8(ascii: "E")].contains(UInt8(byte))
    }

    private mutating func literal(_ word: String) throws {
        for byte in word.utf8 {
            guard index < bytes.count, bytes[index] == byte else { throw fail("invalid literal") }
            index += 1
        }
    }

    private mutating func hex4() throws -> UInt32 {
        guard index + 4 <= bytes.count, let value = UInt32(String(decoding: bytes[index..<index + 4], as: UTF8.self), radix: 16) else {
            throw fail("invalid \\u escape")
        }
        index += 4
        return value
    }

    private mutating func skipSpace() {
        while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x0D || bytes[index] == 0x09 {
            index += 1
        }
    }

    private mutating func consume(_ byte: UInt8) -> Bool {
        guard index < bytes.count, bytes[index] == byte else { return false }
        index += 1
        return true
    }

    private mutating func expect(_ byte: UInt8) throws {
        skipSpace()
        guard consume(byte) else {
            throw fail(index < bytes.count ? "expected '\(Character(UnicodeScalar(byte)))'" : "unexpected end of input")
        }
    }

    private func fail(_ message: String) -> Failure { Failure(message: message, offset: index) }
}
