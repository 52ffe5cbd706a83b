import Foundation
import GateModel

/// A `ref()` call as written in a model.
package struct ModelReference: Hashable, Sendable {
    /// The package of a two-argument `ref('pkg', 'm')`.
    package var package: String?
    package var name: String
    /// `v=` / `version=`.
    package var version: String?
    package var line: Int

    package init(package: String? = nil, name: String, version: String? = nil, line: Int) {
        self.package = package
        self.name = name
        self.version = version
        self.line = line
    }
}

/// A `source()` call as written in a model.
package struct SourceReference: Hashable, Sendable {
    package var source: String
    package var table: String
    package var line: Int

    package init(source: String, table: String, line: Int) {
        self.source = source
        self.table = table
        self.line = line
    }
}

/// What the byte-level scan of one model file found.
package struct ReferenceScan: Hashable, Sendable {
    package var refs: [ModelReference] = []
    package var sources: [SourceReference] = []
    /// Byte offsets of the `(` of each `config(` call, for the config reader.
    package var configCalls: [Int] = []
    /// `ref(`/`source(` calls whose arguments are not plain strings (`ref(var('m'))`): only a
    /// render can tell what they name.
    package var unreadCalls = 0

    package init() {}
}

/// The fast pass over every model file: finds `ref(...)`, `source(...)` and `config(` by looking
/// only at each `(` (found with `memchr`) and the word before it. Not a Jinja engine: a `ref()`
/// whose arguments are not plain string literals (`ref(var('m'))`) is not resolvable statically
/// and is skipped; Jinja comments `{# … #}` are skipped. SQL `--` comments are *not* skipped,
/// because dbt renders Jinja inside them too.
package enum ReferenceScanner {
    package static func scan(_ data: Data) -> ReferenceScan {
        data.withUnsafeBytes { raw in
            scan(raw.bindMemory(to: UInt8.self))
        }
    }

    package static func scan(_ bytes: UnsafeBufferPointer<UInt8>) -> ReferenceScan {
        var result = ReferenceScan()
        var lines = ByteText.LineCounter()
        var comments = JinjaComments(bytes: bytes)
        var position = 0
        while let paren = ByteText.next(UInt8(ascii: "("), in: bytes, from: position) {
            position = paren + 1
            if let commentEnd = comments.end(ifInside: paren) {
                position = commentEnd
                continue
            }
            guard let word = wordBefore(paren, in: bytes) else { continue }
            switch word {
            case "ref":
                var parser = LiteralParser(bytes: bytes, index: paren + 1)
                if let ref = parseRef(&parser) {
                    var ref = ref
                    ref.line = lines.line(at: paren, in: bytes)
                    result.refs.append(ref)
                } else {
                    result.unreadCalls += 1
                }
            case "source":
                var parser = LiteralParser(bytes: bytes, index: paren + 1)
                if let (source, table) = parseSource(&parser) {
                    result.sources.append(SourceReference(source: source, table: table, line: lines.line(at: paren, in: bytes)))
                } else {
                    result.unreadCalls += 1
                }
            case "config":
                result.configCalls.append(paren)
            default:
                break
            }
        }
        return result
    }

    /// The identifier right before `(` (spaces allowed between), when it stands alone as a word
    /// (`dbt.ref(` counts, `myref(` does not).
    private static func wordBefore(_ paren: Int, in bytes: UnsafeBufferPointer<UInt8>) -> String? {
        var end = paren
        while end > 0, ByteText.isSpace(bytes[end - 1]) { end -= 1 }
        var start = end
        while start > 0, ByteText.isIdentifier(bytes[start - 1]) { start -= 1 }
        let length = end - start
        guard length == 3 || length == 6 else { return nil }
        return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
    }

    /// `ref('m')`, `ref("m")`, `ref('pkg', 'm')`, `ref('m', v=2)`, `ref('m', version='2')`.
    private static func parseRef(_ parser: inout LiteralParser) -> ModelReference? {
        var names: [String] = []
        var version: String?
        while true {
            parser.skipSpace()
            if parser.consume(UInt8(ascii: ")")) { break }
            if let text = parser.string() {
                names.append(text)
            } else if let key = parser.identifier(), key == "v" || key == "version" {
                parser.skipSpace()
                guard parser.consume(UInt8(ascii: "=")) else { return nil }
                parser.skipSpace()
                switch parser.literal() {
                case .string(let text)?: version = text
                case .number(let number)?: version = number == number.rounded() ? String(Int(number)) : String(number)
                default: return nil
                }
            } else {
                return nil
            }
            parser.skipSpace()
            if parser.consume(UInt8(ascii: ",")) { continue }
            if parser.consume(UInt8(ascii: ")")) { break }
            return nil
        }
        switch names.count {
        case 1: return ModelReference(package: nil, name: names[0], version: version, line: 0)
        case 2: return ModelReference(package: names[0], name: names[1], version: version, line: 0)
        default: return nil
        }
    }

    private static func parseSource(_ parser: inout LiteralParser) -> (String, String)? {
        parser.skipSpace()
        guard let source = parser.string() else { return nil }
        parser.skipSpace()
        guard parser.consume(UInt8(ascii: ",")) else { return nil }
        parser.skipSpace()
        guard let table = parser.string() else { return nil }
        parser.skipSpace()
        _ = parser.consume(UInt8(ascii: ","))
        parser.skipSpace()
        guard parser.consume(UInt8(ascii: ")")) else { return nil }
        return (source, table)
    }
}

/// Finds Jinja comments `{# … #}` lazily, front to back, keyed on the rare `#`.
struct JinjaComments {
    let bytes: UnsafeBufferPointer<UInt8>
    private var next: Range<Int>?
    private var searchedUpTo = 0
    private var exhausted = false

    init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    /// When `offset` lies inside a comment, the offset just past the comment's end.
    mutating func end(ifInside offset: Int) -> Int? {
        while !exhausted {
            if let range = next {
                if offset < range.lowerBound { return nil }
                if offset < range.upperBound { return range.upperBound }
                next = nil
            }
            findNext()
        }
        return nil
    }

    private mutating func findNext() {
        var from = searchedUpTo
        while let hash = ByteText.next(UInt8(ascii: "#"), in: bytes, from: from) {
            from = hash + 1
            guard hash > 0, bytes[hash - 1] == UInt8(ascii: "{") else { continue }
            var close = hash + 1
            while let candidate = ByteText.next(UInt8(ascii: "#"), in: bytes, from: close) {
                if candidate + 1 < bytes.count, bytes[candidate + 1] == UInt8(ascii: "}") {
                    next = (hash - 1)..<(candidate + 2)
                    searchedUpTo = candidate + 2
                    return
                }
                close = candidate + 1
            }
            // An unclosed comment runs to the end of the file, as in Jinja (which would fail).
            next = (hash - 1)..<bytes.count
            searchedUpTo = bytes.count
            return
        }
        exhausted = true
        searchedUpTo = bytes.count
    }
}
