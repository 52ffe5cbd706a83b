import Foundation

/// Reads just the column names each source table declares (`sources:` → `name`, `tables:` →
/// `name`, `columns:` → `name`) from a property file's block-style text, without a YAML parser:
/// a star over a source needs them for every source a change's ancestry reaches, and parsing
/// whole source files dominated that. Like `VersionSketch`, it declines (nil) on anything but
/// plain shapes — tabs, anchors, aliases, tags, flow collections or block scalars where it reads,
/// quoted values that go on past their line, a name continued on the next line, several
/// documents, a key that is not ASCII — and the caller then parses the file with a YAML parser.
///
/// Lines deeper than a key it does not read are skipped unread: YAML indents the lines of a block
/// or multi-line scalar, and a nested collection, deeper than their key, so they can never be
/// taken for the entries read here.
///
/// It works on the UTF-8 bytes (as YAML's own indicators are ASCII): a source file is read in
/// one pass over its lines, each line a range of bytes.
package enum SourceColumnsSketch {
    /// `source.table` → its columns, in file order (a later entry of the same table wins, as when
    /// parsed); nil when the file is not plain enough.
    package static func read(_ text: String) -> [String: [String]]? {
        let bytes = Array(text.utf8)
        guard !bytes.contains(0x09) else { return nil }
        var lines: [Line] = []
        var start = 0
        while start <= bytes.count {
            var feed = start
            while feed < bytes.count, bytes[feed] != 0x0A { feed += 1 }
            defer { start = feed + 1 }
            var from = start
            while from < feed, bytes[from] == 0x20 { from += 1 }
            var end = feed
            if end > from, bytes[end - 1] == 0x0D { end -= 1 }
            let content = Text(bytes: bytes, lower: from, upper: end)
            if content.isEmpty || content.first == UInt8(ascii: "#") { continue }
            if from == start, content.hasPrefix("---") || content.hasPrefix("...") || content.hasPrefix("%") {
                // A document start is fine before anything else; a second document, an end or a
                // directive is not a shape read here.
                guard lines.isEmpty, content.hasPrefix("---"), content.dropFirst(3).all(0x20) else { return nil }
                continue
            }
            guard plain(content) else { return nil }
            lines.append(Line(indent: from - start, content: content))
        }
        var reader = Reader(lines: lines)
        return reader.root()
    }

    /// A range of the file's bytes (a line, or part of one).
    struct Text {
        let bytes: [UInt8]
        var lower: Int
        var upper: Int

        var isEmpty: Bool { lower >= upper }
        var first: UInt8? { isEmpty ? nil : bytes[lower] }
        var last: UInt8? { isEmpty ? nil : bytes[upper - 1] }
        func hasPrefix(_ prefix: StaticString) -> Bool {
            let count = prefix.utf8CodeUnitCount
            guard upper - lower >= count else { return false }
            return (0..<count).allSatisfy { bytes[lower + $0] == prefix.utf8Start[$0] }
        }
        func dropFirst(_ count: Int) -> Text { Text(bytes: bytes, lower: min(lower + count, upper), upper: upper) }
        func prefix(upTo index: Int) -> Text { Text(bytes: bytes, lower: lower, upper: index) }
        func suffix(from index: Int) -> Text { Text(bytes: bytes, lower: index, upper: upper) }
        /// Without its leading spaces.
        func droppingSpaces() -> Text {
            var text = self
            while text.first == 0x20 { text.lower += 1 }
            return text
        }
        /// Without leading and trailing spaces.
        func trimmed() -> Text {
            var text = droppingSpaces()
            while text.last == 0x20 { text.upper -= 1 }
            return text
        }
        func all(_ byte: UInt8) -> Bool { (lower..<upper).allSatisfy { bytes[$0] == byte } }
        func contains(_ byte: UInt8) -> Bool { (lower..<upper).contains { bytes[$0] == byte } }
        func equals(_ word: StaticString) -> Bool { upper - lower == word.utf8CodeUnitCount && hasPrefix(word) }
        var string: String { String(decoding: bytes[lower..<upper], as: UTF8.self) }
    }

    struct Line {
        var indent: Int
        var content: Text
        var isItem: Bool { content.hasPrefix("- ") || content.equals("-") }
    }

    /// A key of a mapping: its value on the key's line (nil when none), where its deeper lines
    /// start, and its column.
    struct Key {
        var name: Text
        var value: Text?
        var next: Int
        var indent: Int
        /// Whether lines deeper than the key follow it (a nested value, or a scalar continued).
        var hasDeeperLines: Bool
    }

    /// Whether a line holds nothing the sketch cannot follow: an anchor, alias, tag, merge key or
    /// complex key, or a quoted value that does not end on its own line.
    static func plain(_ content: Text) -> Bool {
        var rest = content
        while rest.hasPrefix("- ") { rest = rest.dropFirst(2).droppingSpaces() }
        if rest.hasPrefix("? ") || rest.hasPrefix("<<") || rest.hasPrefix("&") || rest.hasPrefix("*") || rest.hasPrefix("!") {
            return false
        }
        var value = rest
        if let colon = keyColon(rest) { value = rest.suffix(from: colon + 1).droppingSpaces() }
        guard let quote = value.first else { return true }
        if quote == UInt8(ascii: "&") || quote == UInt8(ascii: "*") || quote == UInt8(ascii: "!") { return false }
        guard quote == UInt8(ascii: "\"") || quote == UInt8(ascii: "'") else { return true }
        // The closing quote, then nothing but spaces or a comment.
        let bytes = value.bytes
        var index = value.lower + 1
        while index < value.upper {
            if bytes[index] == UInt8(ascii: "\\"), quote == UInt8(ascii: "\"") {
                index = min(index + 2, value.upper)
                continue
            }
            if bytes[index] == quote {
                let after = value.suffix(from: index + 1)
                if quote == UInt8(ascii: "'"), after.first == quote { index += 2; continue }
                let tail = after.droppingSpaces()
                return tail.isEmpty || (tail.first == UInt8(ascii: "#") && after.first == 0x20)
            }
            index += 1
        }
        return false
    }

    /// The index of the `:` ending a plain key (followed by a space or the end of the line), when
    /// the line is `key: …`.
    static func keyColon(_ content: Text) -> Int? {
        guard let first = content.first, !"\"'[{#".utf8.contains(first) else { return nil }
        let bytes = content.bytes
        for index in content.lower..<content.upper {
            let next = index + 1
            if bytes[index] == UInt8(ascii: ":"), next == content.upper || bytes[next] == 0x20 { return index }
            if bytes[index] == 0x20, next < content.upper, bytes[next] == UInt8(ascii: "#") { return nil }
        }
        return nil
    }

    /// A plain scalar or a simply quoted one (no quote or backslash inside) from a key's value,
    /// its comment cut off; nil when it is anything else (a flow collection, a block scalar, an
    /// anchor, a tag, a quote with escapes), or not there.
    static func scalar(_ value: Text) -> String? {
        var value = value.trimmed()
        if value.first == UInt8(ascii: "#") { return nil }
        for index in value.lower..<value.upper where index > value.lower
            && value.bytes[index] == UInt8(ascii: "#") && value.bytes[index - 1] == 0x20 {
            value = value.prefix(upTo: index).trimmed()
            break
        }
        guard let first = value.first else { return nil }
        if first == UInt8(ascii: "'") || first == UInt8(ascii: "\"") {
            guard value.upper - value.lower >= 2, value.last == first else { return nil }
            let inner = Text(bytes: value.bytes, lower: value.lower + 1, upper: value.upper - 1)
            if inner.contains(first) || inner.contains(UInt8(ascii: "\\")) { return nil }
            return inner.string
        }
        if "[{|>&*!%@`".utf8.contains(first) { return nil }
        return value.string
    }

    private struct Reader {
        let lines: [Line]
        var position = 0

        /// The top-level mapping: its `sources:` list read, every other key skipped.
        mutating func root() -> [String: [String]]? {
            var result: [String: [String]] = [:]
            var seenSources = false
            while position < lines.count {
                guard lines[position].indent == 0 else { return nil }
                guard let key = key(at: position) else { return nil }
                position += 1
                guard key.name.equals("sources") else { skipValue(of: key); continue }
                guard !seenSources, key.value == nil else { return nil }   // a duplicate key, or a flow list
                seenSources = true
                guard let sources = list(under: 0, item: { reader, keys in reader.source(keys) }) else { return nil }
                for (name, tables) in sources {
                    for (table, columns) in tables { result["\(name).\(table)"] = columns }
                }
            }
            return result
        }

        /// One `sources:` entry: its name and each table's columns (nil name: skipped, as parsed).
        mutating func source(_ keys: [Key]) -> Read<(String, [(String, [String])])> {
            var tables: [(String, [String])] = []
            if let entry = keys.first(where: { $0.name.equals("tables") }) {
                guard entry.value == nil else { return .declined }
                position = entry.next
                guard let read = list(under: entry.indent, item: { reader, keys in reader.table(keys) }) else { return .declined }
                tables = read
            }
            switch Self.name(in: keys) {
            case .declined: return .declined
            case .skipped: return .skipped
            case .value(let name): return .value((name, tables))
            }
        }

        /// One `tables:` entry: its name and its columns' names.
        mutating func table(_ keys: [Key]) -> Read<(String, [String])> {
            var columns: [String] = []
            if let entry = keys.first(where: { $0.name.equals("columns") }) {
                guard entry.value == nil else { return .declined }
                position = entry.next
                guard let read = list(under: entry.indent, item: { _, keys in Self.name(in: keys) }) else { return .declined }
                columns = read
            }
            switch Self.name(in: keys) {
            case .declined: return .declined
            case .skipped: return .skipped
            case .value(let name): return .value((name, columns))
            }
        }

        enum Read<T> {
            case value(T)
            /// Not read by the parsed path either (no name, or a null one).
            case skipped
            /// A shape the sketch does not follow: the whole file is parsed instead.
            case declined
        }

        /// A block list whose key sits at `keyIndent` (its items may sit at the key's own column),
        /// each item a mapping read by `item`; nil when the lines there are not such a list.
        mutating func list<T>(under keyIndent: Int, item: (inout Reader, [Key]) -> Read<T>) -> [T]? {
            guard position < lines.count, lines[position].indent >= keyIndent, lines[position].isItem else {
                // Nothing under the key (a null: no entries), or deeper lines that are no list.
                return position < lines.count && lines[position].indent > keyIndent ? nil : []
            }
            let itemIndent = lines[position].indent
            var result: [T] = []
            while position < lines.count, lines[position].indent == itemIndent, lines[position].isItem {
                guard let keys = itemKeys() else { return nil }
                let end = position
                switch item(&self, keys) {
                case .declined: return nil
                case .skipped: break
                case .value(let value): result.append(value)
                }
                position = end
            }
            // The list ends where a line comes back to the key's level or above.
            guard position == lines.count || lines[position].indent <= keyIndent else { return nil }
            return result
        }

        /// The keys of the mapping that is the list item at `position`: its first key after `- `,
        /// then those at that key's column. The reader ends past the item.
        mutating func itemKeys() -> [Key]? {
            let line = lines[position]
            let afterDash = line.content.dropFirst(1)
            let content = afterDash.droppingSpaces()
            guard !content.isEmpty else { return nil }   // `-` alone: not a shape read here
            let indent = line.indent + 1 + (content.lower - afterDash.lower)
            guard let first = key(at: position, content: content, indent: indent) else { return nil }
            var keys = [first]
            position += 1
            skipValue(of: first)
            while position < lines.count, lines[position].indent == indent {
                guard let key = key(at: position), !keys.contains(where: { Self.isRead(key.name) && $0.name.string == key.name.string })
                else { return nil }
                keys.append(key)
                position += 1
                skipValue(of: key)
            }
            guard position == lines.count || lines[position].indent <= line.indent else { return nil }
            return keys
        }

        /// Whether the sketch reads the value of a key of this name (a duplicate of one is not a
        /// shape read here).
        static func isRead(_ name: Text) -> Bool {
            name.equals("name") || name.equals("tables") || name.equals("columns") || name.equals("sources")
        }

        func key(at index: Int, content: Text? = nil, indent: Int? = nil) -> Key? {
            let content = content ?? lines[index].content
            let indent = indent ?? lines[index].indent
            guard let colon = SourceColumnsSketch.keyColon(content) else { return nil }
            let name = content.prefix(upTo: colon)
            guard !name.isEmpty, (name.lower..<name.upper).allSatisfy({ Self.isKeyByte(content.bytes[$0]) }) else { return nil }
            let value = content.suffix(from: colon + 1).droppingSpaces()
            return Key(name: name, value: value.isEmpty || value.first == UInt8(ascii: "#") ? nil : value, next: index + 1,
                       indent: indent, hasDeeperLines: index + 1 < lines.count && lines[index + 1].indent > indent)
        }

        /// An ASCII letter, digit, `_` or `-`: the keys read here (others decline).
        static func isKeyByte(_ byte: UInt8) -> Bool {
            ByteText.isIdentifier(byte) || byte == UInt8(ascii: "-")
        }

        /// Skips the lines of the value of the key just read at `indent`: deeper lines, and the
        /// items of a list written at the key's own column (`tables:` then `- name: t` beneath it).
        mutating func skipValue(of key: Key) {
            while position < lines.count,
                  lines[position].indent > key.indent || (key.value == nil && lines[position].indent == key.indent && lines[position].isItem) {
                position += 1
            }
        }

        /// The entry's `name:` as a parser reads it: skipped when absent or null, declined when
        /// the sketch cannot read it exactly (a nested value, a continued scalar, a flow value).
        static func name(in keys: [Key]) -> Read<String> {
            guard let key = keys.first(where: { $0.name.equals("name") }) else { return .skipped }
            guard let value = key.value else { return key.hasDeeperLines ? .declined : .skipped }
            guard !key.hasDeeperLines, let read = SourceColumnsSketch.scalar(value) else { return .declined }
            let quoted = value.first == UInt8(ascii: "'") || value.first == UInt8(ascii: "\"")
            if !quoted, ["~", "null", "Null", "NULL"].contains(read) { return .skipped }
            return .value(read)
        }
    }
}
