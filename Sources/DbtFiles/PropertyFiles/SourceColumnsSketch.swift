import Foundation

/// Reads just the column names each source table declares (`sources:` → `name`, `tables:` →
/// `name`, `columns:` → `name`) from a property file's block-style text, without a YAML parser:
/// a star over a source needs them for every source a change's ancestry reaches, and parsing
/// whole source files dominated that. Like `VersionSketch`, it declines (nil) on anything but
/// plain shapes — tabs, anchors, aliases, tags, flow collections or block scalars where it reads,
/// quoted values that go on past their line, a name continued on the next line, several
/// documents — and the caller then parses the file with a YAML parser.
///
/// Lines deeper than a key it does not read are skipped unread: YAML indents the lines of a block
/// or multi-line scalar, and a nested collection, deeper than their key, so they can never be
/// taken for the entries read here.
package enum SourceColumnsSketch {
    /// `source.table` → its columns, in file order (a later entry of the same table wins, as when
    /// parsed); nil when the file is not plain enough.
    package static func read(_ text: String) -> [String: [String]]? {
        guard !text.utf8.contains(0x09) else { return nil }
        var lines: [Line] = []
        for line in VersionSketch.lines(of: Substring(text)) {
            let indent = VersionSketch.indent(of: line)
            var content = line.dropFirst(indent)
            if content.utf8.last == 0x0D { content = content.dropLast() }
            if content.isEmpty || content.hasPrefix("#") { continue }
            if indent == 0, content.hasPrefix("---") || content.hasPrefix("...") || content.hasPrefix("%") {
                // A document start is fine before anything else; a second document, an end or a
                // directive is not a shape read here.
                guard lines.isEmpty, content.hasPrefix("---"), content.dropFirst(3).allSatisfy({ $0 == " " }) else { return nil }
                continue
            }
            guard plain(content) else { return nil }
            lines.append(Line(indent: indent, content: content))
        }
        var reader = Reader(lines: lines)
        return reader.root()
    }

    struct Line {
        var indent: Int
        var content: Substring
        var isItem: Bool { content.hasPrefix("- ") || content == "-" }
    }

    /// A key of a mapping: its value on the key's line (nil when none), where its deeper lines
    /// start, and its column.
    struct Key {
        var name: String
        var value: Substring?
        var next: Int
        var indent: Int
        /// Whether lines deeper than the key follow it (a nested value, or a scalar continued).
        var hasDeeperLines: Bool
    }

    /// Whether a line holds nothing the sketch cannot follow: an anchor, alias, tag, merge key or
    /// complex key, or a quoted value that does not end on its own line.
    static func plain(_ content: Substring) -> Bool {
        var rest = content
        while rest.hasPrefix("- ") { rest = rest.dropFirst(2).drop { $0 == " " } }
        if rest.hasPrefix("? ") || rest.hasPrefix("<<") || rest.hasPrefix("&") || rest.hasPrefix("*") || rest.hasPrefix("!") {
            return false
        }
        var value = rest
        if let colon = keyColon(rest) { value = rest[rest.index(after: colon)...].drop { $0 == " " } }
        guard let quote = value.first else { return true }
        if quote == "&" || quote == "*" || quote == "!" { return false }
        guard quote == "\"" || quote == "'" else { return true }
        // The closing quote, then nothing but spaces or a comment.
        var index = value.index(after: value.startIndex)
        while index < value.endIndex {
            if value[index] == "\\", quote == "\"" {
                index = value.index(index, offsetBy: 2, limitedBy: value.endIndex) ?? value.endIndex
                continue
            }
            if value[index] == quote {
                let after = value[value.index(after: index)...]
                if quote == "'", after.first == "'" { index = value.index(index, offsetBy: 2); continue }
                let tail = after.drop { $0 == " " }
                return tail.isEmpty || (tail.hasPrefix("#") && after.first == " ")
            }
            index = value.index(after: index)
        }
        return false
    }

    /// The `:` ending a plain key (followed by a space or the end of the line), when the line is
    /// `key: …`.
    static func keyColon(_ content: Substring) -> Substring.Index? {
        guard let first = content.first, !"\"'[{#".contains(first) else { return nil }
        var index = content.startIndex
        while index < content.endIndex {
            let next = content.index(after: index)
            if content[index] == ":", next == content.endIndex || content[next] == " " { return index }
            if content[index] == " ", next < content.endIndex, content[next] == "#" { return nil }
            index = next
        }
        return nil
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
                guard key.name == "sources" else { skipValue(of: key); continue }
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
            if let entry = keys.first(where: { $0.name == "tables" }) {
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
            if let entry = keys.first(where: { $0.name == "columns" }) {
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
            let spaces = afterDash.prefix { $0 == " " }.count
            guard !afterDash.dropFirst(spaces).isEmpty else { return nil }   // `-` alone: not a shape read here
            let indent = line.indent + 1 + spaces
            guard let first = key(at: position, content: afterDash.dropFirst(spaces), indent: indent) else { return nil }
            var keys = [first]
            position += 1
            skipValue(of: first)
            while position < lines.count, lines[position].indent == indent {
                guard let key = key(at: position), !keys.contains(where: { $0.name == key.name && Self.read.contains(key.name) })
                else { return nil }
                keys.append(key)
                position += 1
                skipValue(of: key)
            }
            guard position == lines.count || lines[position].indent <= line.indent else { return nil }
            return keys
        }

        /// The keys whose values the sketch reads (a duplicate of one is not a shape read here).
        static let read: Set<String> = ["name", "tables", "columns", "sources"]

        func key(at index: Int, content: Substring? = nil, indent: Int? = nil) -> Key? {
            let content = content ?? lines[index].content
            let indent = indent ?? lines[index].indent
            guard let colon = SourceColumnsSketch.keyColon(content) else { return nil }
            let name = content[..<colon]
            guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }) else { return nil }
            let value = content[content.index(after: colon)...].drop { $0 == " " }
            return Key(name: String(name), value: value.isEmpty || value.hasPrefix("#") ? nil : value, next: index + 1,
                       indent: indent, hasDeeperLines: index + 1 < lines.count && lines[index + 1].indent > indent)
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
            guard let key = keys.first(where: { $0.name == "name" }) else { return .skipped }
            guard let value = key.value else { return key.hasDeeperLines ? .declined : .skipped }
            guard !key.hasDeeperLines, let (_, read) = VersionSketch.keyValue("name: " + value), let read else { return .declined }
            let quoted = value.first == "'" || value.first == "\""
            if !quoted, ["~", "null", "Null", "NULL"].contains(read) { return .skipped }
            return .value(read)
        }
    }
}
