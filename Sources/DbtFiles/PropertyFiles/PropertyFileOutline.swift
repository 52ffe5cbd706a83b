import Foundation

/// The top-level list items of a YAML property file (`models:` and `exposures:` entries), found
/// by indentation alone, so that the one entry that describes a model can be parsed without
/// parsing the whole file — what keeps a large project's reading proportional to the change.
///
/// Only plain block-style files are outlined; anything else (flow-style sections, tabs, several
/// documents, anchors that an entry could alias) gives no outline and the file is parsed whole.
package struct PropertyFileOutline {
    package struct Item {
        /// A root section: `models`, `exposures`, `snapshots` or a semantic-layer one.
        package var section: String
        /// Byte range of the item's lines.
        package var bytes: Range<Int>
        /// 1-based line of the item's `-`.
        package var line: Int
        /// The entry's `name:`, when written once, plainly, at the entry's own key level; nil
        /// when it is not (the entry is then found by searching its words, as before).
        package var name: String?

        package init(section: String, bytes: Range<Int>, line: Int, name: String?) {
            self.section = section
            self.bytes = bytes
            self.line = line
            self.name = name
        }
    }

    package var items: [Item]

    package init(items: [Item]) {
        self.items = items
    }

    package static let sections: Set<String> = ["models", "exposures", "snapshots", "semantic_models", "metrics", "saved_queries"]

    package static func outline(_ data: Data) -> PropertyFileOutline? {
        data.withUnsafeBytes { raw -> PropertyFileOutline? in
            let bytes = raw.bindMemory(to: UInt8.self)
            if ByteText.next(UInt8(ascii: "\t"), in: bytes, from: 0) != nil || containsAnchor(bytes, 0, bytes.count) { return nil }
            var items: [Item] = []
            var section: String?
            var itemIndent: Int?
            var open: (start: Int, line: Int)?
            // The open item's key column and what its `name:` key said (nil: not seen yet).
            var keyIndent: Int?
            var nameState: NameState = .unseen
            var lineStart = 0
            var lineNumber = 1
            func close(at end: Int) {
                if let current = open, let section {
                    let name: String? = if case .named(let name) = nameState { name } else { nil }
                    items.append(Item(section: section, bytes: current.start..<end, line: current.line, name: name))
                }
                open = nil
            }
            func readName(from content: Int, to lineEnd: Int) {
                guard lineEnd - content >= 5, bytes[content] == UInt8(ascii: "n"), bytes[content + 1] == UInt8(ascii: "a"),
                      bytes[content + 2] == UInt8(ascii: "m"), bytes[content + 3] == UInt8(ascii: "e") else { return }
                var after = content + 4
                while after < lineEnd, bytes[after] == 0x20 { after += 1 }
                guard after < lineEnd, bytes[after] == UInt8(ascii: ":") else { return }
                guard case .unseen = nameState else { nameState = .unreadable; return }   // a duplicate key
                let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[content..<lineEnd]), as: UTF8.self)
                if let (_, value) = VersionSketch.keyValue(Substring(text.hasSuffix("\r") ? String(text.dropLast()) : text)),
                   let value, !value.isEmpty {
                    nameState = .named(value)
                } else {
                    nameState = .unreadable
                }
            }
            while lineStart < bytes.count {
                let lineEnd = ByteText.next(0x0A, in: bytes, from: lineStart) ?? bytes.count
                var indent = 0
                while lineStart + indent < lineEnd, bytes[lineStart + indent] == 0x20 { indent += 1 }
                let first = lineStart + indent < lineEnd ? bytes[lineStart + indent] : nil
                defer { lineStart = lineEnd + 1; lineNumber += 1 }
                guard let first, first != UInt8(ascii: "#"), first != 0x0D else { continue }
                if indent == 0 && first == UInt8(ascii: "-") && lineEnd - lineStart >= 3
                    && bytes[lineStart + 1] == UInt8(ascii: "-") && bytes[lineStart + 2] == UInt8(ascii: "-") {
                    if lineNumber > 1 { return nil }   // a second document
                    continue
                }
                if indent == 0 && first != UInt8(ascii: "-") {
                    // A root key: ends any open item and section.
                    close(at: lineStart)
                    let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[lineStart..<lineEnd]), as: UTF8.self)
                    guard let colon = text.firstIndex(of: ":") else { return nil }
                    let key = text[..<colon].trimmingCharacters(in: .whitespaces)
                    let rest = text[text.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                    if sections.contains(key) {
                        guard rest.isEmpty || rest.hasPrefix("#") else { return nil }   // flow style
                        section = key
                        itemIndent = nil
                    } else {
                        section = nil
                    }
                    continue
                }
                guard section != nil else { continue }
                // Content before the first item (a section written as a mapping): not a list to cut.
                if itemIndent == nil, first != UInt8(ascii: "-") { return nil }
                if first == UInt8(ascii: "-"), let itemIndent, indent < itemIndent { return nil }
                if first == UInt8(ascii: "-") && (itemIndent == nil || indent == itemIndent) {
                    itemIndent = indent
                    close(at: lineStart)
                    open = (lineStart, lineNumber)
                    nameState = .unseen
                    keyIndent = nil
                    var content = lineStart + indent + 1
                    while content < lineEnd, bytes[content] == 0x20 { content += 1 }
                    if content < lineEnd, bytes[content] != 0x0D, bytes[content] != UInt8(ascii: "#") {
                        keyIndent = content - lineStart
                        readName(from: content, to: lineEnd)
                    }
                } else if let itemIndent, indent <= itemIndent, first != UInt8(ascii: "-") {
                    return nil   // dedented content inside a section: not a shape we cut safely
                } else if open != nil {
                    if keyIndent == nil { keyIndent = indent }
                    if indent == keyIndent { readName(from: lineStart + indent, to: lineEnd) }
                }
            }
            close(at: bytes.count)
            return PropertyFileOutline(items: items)
        }
    }

    private enum NameState {
        case unseen, named(String), unreadable
    }

    /// An anchor (`&name`) that an entry could alias from elsewhere makes cutting unsafe.
    private static func containsAnchor(_ bytes: UnsafeBufferPointer<UInt8>, _ from: Int, _ to: Int) -> Bool {
        var index = from
        while let amp = ByteText.next(UInt8(ascii: "&"), in: bytes, from: index), amp < to {
            if amp > 0, ByteText.isSpace(bytes[amp - 1]), amp + 1 < to, ByteText.isIdentifier(bytes[amp + 1]) { return true }
            index = amp + 1
        }
        return false
    }

    /// The items whose bytes contain any of the offsets.
    package func items(containing offsets: [Int]) -> [Int] {
        var result: [Int] = []
        for (index, item) in items.enumerated() where offsets.contains(where: { item.bytes.contains($0) }) {
            result.append(index)
        }
        return result
    }

    /// The item as a small YAML document that keeps the item's own line numbers: blank lines up
    /// to the line before it, the section key, then the item.
    package static func document(for item: Item, in data: Data) -> Data {
        var document = Data(repeating: 0x0A, count: max(0, item.line - 2))
        document.append(contentsOf: Array("\(item.section):\n".utf8))
        document.append(data.subdata(in: item.bytes))
        return document
    }
}
