import Foundation

/// Byte-level helpers for scanning model files without decoding them: model SQL may be huge or
/// not UTF-8, and dbt's own static parser also works below the level of a Jinja engine.
package enum ByteText {
    @inline(__always)
    package static func isIdentifier(_ byte: UInt8) -> Bool {
        (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x30 && byte <= 0x39) || byte == 0x5F
    }

    package static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D || byte == 0x0C || byte == 0x0B
    }

    package static func lowercased(_ byte: UInt8) -> UInt8 { (byte >= 0x41 && byte <= 0x5A) ? byte + 32 : byte }

    /// Calls `body(start, end)` for each place `word` occurs with no identifier byte right before
    /// it (found by its first byte with `memchr`), until `body` returns false. What may follow the
    /// word is the caller's to judge (`bytes[end]`, when `end < bytes.count`).
    package static func forEachWordStart(_ word: [UInt8], in bytes: UnsafeBufferPointer<UInt8>, _ body: (Int, Int) -> Bool) {
        guard let first = word.first else { return }
        var index = 0
        while let start = next(first, in: bytes, from: index) {
            index = start + 1
            let end = start + word.count
            guard end <= bytes.count else { return }
            guard (1..<word.count).allSatisfy({ bytes[start + $0] == word[$0] }) else { continue }
            if start > 0, isIdentifier(bytes[start - 1]) { continue }
            if !body(start, end) { return }
        }
    }

    /// Whether `word` occurs as a whole word (no identifier byte on either side).
    package static func containsWord(_ word: [UInt8], in bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var found = false
        forEachWordStart(word, in: bytes) { _, end in
            found = end == bytes.count || !isIdentifier(bytes[end])
            return !found
        }
        return found
    }

    /// The 1-based line of the first whole-word occurrence of `word` in `data`, if any.
    package static func firstLine(containingWord word: String, in data: Data) -> Int? {
        let needle = Array(word.utf8)
        return data.withUnsafeBytes { raw -> Int? in
            let bytes = raw.bindMemory(to: UInt8.self)
            var at: Int?
            forEachWordStart(needle, in: bytes) { start, end in
                guard end == bytes.count || !isIdentifier(bytes[end]) else { return true }
                at = start
                return false
            }
            guard let at else { return nil }
            return 1 + bytes[..<at].reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
        }
    }

    /// Whether `needle` occurs anywhere in `data` (Foundation's `Data.range(of:)`
    /// compares byte by byte through generic code).
    package static func contains(_ needle: [UInt8], in data: Data) -> Bool {
        data.withUnsafeBytes { raw in offset(of: needle, in: raw) != nil }
    }

    /// The 1-based line of the first occurrence of `needle` in `text`'s UTF-8, if any.
    package static func firstLine(of needle: [UInt8], in text: String) -> Int? {
        var text = text
        text.makeContiguousUTF8()
        return text.utf8.withContiguousStorageIfAvailable { bytes -> Int? in
            guard let at = offset(of: needle, in: UnsafeRawBufferPointer(bytes)) else { return nil }
            return 1 + bytes[..<at].reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
        } ?? nil
    }

    private static func offset(of needle: [UInt8], in bytes: UnsafeRawBufferPointer) -> Int? {
        guard !needle.isEmpty else { return 0 }
        guard let base = bytes.baseAddress, bytes.count >= needle.count else { return nil }
        let first = Int32(needle[0]), last = bytes.count - needle.count
        var from = 0
        return needle.withUnsafeBytes { pattern -> Int? in
            // Each candidate found by its first byte with `memchr`, then compared whole.
            while from <= last, let found = memchr(base + from, first, last - from + 1) {
                let at = base.distance(to: UnsafeRawPointer(found))
                if memcmp(base + at, pattern.baseAddress!, needle.count) == 0 { return at }
                from = at + 1
            }
            return nil
        }
    }

    /// The index of the next `byte` at or after `from`, found with `memchr` (fast even in debug builds).
    package static func next(_ byte: UInt8, in bytes: UnsafeBufferPointer<UInt8>, from: Int) -> Int? {
        guard from < bytes.count, let base = bytes.baseAddress else { return nil }
        guard let found = memchr(base + from, Int32(byte), bytes.count - from) else { return nil }
        return base.distance(to: found.assumingMemoryBound(to: UInt8.self))
    }

    /// Counts lines incrementally: scanning forward through a file, each query costs only the
    /// bytes since the previous one.
    struct LineCounter {
        private var offset = 0
        private var line = 1
        private var lineStart = 0

        mutating func line(at target: Int, in bytes: UnsafeBufferPointer<UInt8>) -> Int {
            position(at: target, in: bytes).line
        }

        /// 1-based line and column (in bytes) of `target`.
        mutating func position(at target: Int, in bytes: UnsafeBufferPointer<UInt8>) -> (line: Int, column: Int) {
            if target < offset { offset = 0; line = 1; lineStart = 0 }
            var index = offset
            while let newline = ByteText.next(0x0A, in: bytes, from: index), newline < target {
                line += 1
                lineStart = newline + 1
                index = newline + 1
            }
            offset = target
            return (line, target - lineStart + 1)
        }
    }

    /// Whether `data` is valid UTF-8, and if not, the 1-based line of the first bad byte.
    package static func firstInvalidUTF8Line(_ data: Data) -> Int? {
        if isValidUTF8(data) { return nil }
        let bytes = [UInt8](data)
        var line = 1
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == 0x0A { line += 1 }
            let length: Int
            if byte < 0x80 { length = 1 }
            else if byte >> 5 == 0b110 { length = 2 }
            else if byte >> 4 == 0b1110 { length = 3 }
            else if byte >> 3 == 0b11110 { length = 4 }
            else { return line }
            if index + length > bytes.count { return line }
            for k in 1..<length where bytes[index + k] >> 6 != 0b10 { return line }
            index += length
        }
        return nil
    }

    static func isValidUTF8(_ data: Data) -> Bool {
        String(data: data, encoding: .utf8) != nil
    }
}

extension Data {
    /// Whether any of the words occurs in the bytes as a YAML mapping key: the whole word (not
    /// the end of `c_owner`), optionally quoted, then optional spaces and a colon — `owner:`,
    /// `"group" :`, `{owner: x}`. A column merely named like the key does not count.
    package func containsKey(anyOf words: [String]) -> Bool {
        withUnsafeBytes { raw in
            let bytes = raw.bindMemory(to: UInt8.self)
            return words.contains { word in
                var isKey = false
                ByteText.forEachWordStart(Array(word.utf8), in: bytes) { _, wordEnd in
                    var end = wordEnd
                    if end < bytes.count, bytes[end] == UInt8(ascii: "\"") || bytes[end] == UInt8(ascii: "'") { end += 1 }
                    while end < bytes.count, bytes[end] == 0x20 { end += 1 }
                    isKey = end < bytes.count && bytes[end] == UInt8(ascii: ":")
                    return !isKey
                }
                return isKey
            }
        }
    }
}
