import Foundation
import GateModel

/// Reads just a model entry's `name`, `latest_version` and `versions` (`v`, `defined_in`) from
/// its block-style text, for the project-wide version index the lineage graph needs. Parsing
/// every versioned entry with a YAML parser dominated the graph build of large projects; this
/// reader declines (returns nil) on anything but the plain shapes, and the caller then parses.
package enum VersionSketch {
    package static func read(_ text: Substring, path: String, line firstLine: Int) -> PropertyModel? {
        let lines = lines(of: text)
        guard let first = lines.first else { return nil }
        let dashIndent = indent(of: first)
        guard first.utf8.dropFirst(dashIndent).starts(with: "- ".utf8) else { return nil }
        let keyIndent = dashIndent + 2
        var name: String?
        var latest: String?
        var versions: [PropertyVersion] = []
        var inVersions = false
        var versionItemIndent: Int?
        for (offset, rawLine) in lines.enumerated() {
            var indent = indent(of: rawLine)
            // Deeper lines outside `versions:` (columns, tests, config) say nothing here.
            if offset > 0, indent > keyIndent, !inVersions { continue }
            var line = rawLine
            if line.utf8.last == 0x0D { line = line.dropLast() }
            var content = line[line.utf8.index(line.startIndex, offsetBy: min(indent, line.utf8.count))...]
            if content.isEmpty || content.hasPrefix("#") { continue }
            if offset == 0 { content = content.dropFirst(2); indent = keyIndent }
            if indent == keyIndent {
                inVersions = false
                guard let (key, value) = keyValue(content) else { return nil }
                switch key {
                case "name": name = value
                case "latest_version": latest = value
                case "versions":
                    guard value == nil else { return nil }   // flow style: let the parser do it
                    inVersions = true
                    versionItemIndent = nil
                default: break
                }
                continue
            }
            if indent < keyIndent { return nil }
            guard inVersions else { continue }
            var itemContent = content
            var itemIndent = indent
            if content.hasPrefix("- ") {
                if versionItemIndent == nil { versionItemIndent = indent }
                if indent == versionItemIndent {
                    versions.append(PropertyVersion(
                        version: "", definedIn: nil, location: SourceLocation(path: path, line: firstLine + offset, column: indent + 3),
                        columns: nil, config: ModelConfig(), constraints: [], deprecationDate: nil, description: nil))
                    itemContent = content.dropFirst(2)
                    itemIndent = indent + 2
                }
            }
            guard let itemStart = versionItemIndent, itemIndent == itemStart + 2, !versions.isEmpty else { continue }
            guard let (key, value) = keyValue(itemContent) else { return nil }
            if key == "v" { versions[versions.count - 1].version = value ?? "" }
            if key == "defined_in" { versions[versions.count - 1].definedIn = value }
        }
        guard let name, !versions.isEmpty, !versions.contains(where: { $0.version.isEmpty }) else { return nil }
        return model(name: name, location: SourceLocation(path: path, line: firstLine, column: keyIndent + 1), latest: latest,
                     versions: versions.map { ($0.version, $0.definedIn, $0.location) })
    }

    /// The lines of `text`, split at each line feed byte (a `\r` before it stays with its line).
    /// Byte-level: an entry's lines are most of a project's YAML.
    static func lines(of text: Substring) -> [Substring] {
        var lines: [Substring] = []
        var start = text.startIndex
        let bytes = text.utf8
        while let feed = bytes[start...].firstIndex(of: 0x0A) {
            lines.append(text[start..<feed])
            start = bytes.index(after: feed)
        }
        lines.append(text[start...])
        return lines
    }

    /// The number of leading spaces of a line.
    static func indent(of line: Substring) -> Int {
        var count = 0
        for byte in line.utf8 {
            guard byte == 0x20 else { break }
            count += 1
        }
        return count
    }

    /// What a sketch reads: the entry's name and place, `latest_version`, and each version's `v`,
    /// `defined_in` and place; nothing else (the parse cache rebuilds kept sketches through here).
    package static func model(name: String, location: SourceLocation, latest: String?,
                              versions: [(version: String, definedIn: String?, location: SourceLocation)]) -> PropertyModel {
        PropertyModel(name: name, path: location.path, location: location, description: nil, config: ModelConfig(), columns: [],
                      constraints: [], versions: versions.map {
                          PropertyVersion(version: $0.version, definedIn: $0.definedIn, location: $0.location, columns: nil,
                                          config: ModelConfig(), constraints: [], deprecationDate: nil, description: nil)
                      }, latestVersion: latest, deprecationDate: nil, raw: .null)
    }

    /// `key: value` with a plain or simply quoted scalar (or no value); nil for anything else.
    /// Written on the string's own characters (no Foundation): it runs on every entry of a project.
    static func keyValue(_ content: Substring) -> (String, String?)? {
        // Nearly every line is ASCII: read its bytes (the same decisions; Unicode's letter and
        // digit tables measured 3 % of a cold 5,000-model check). Others take the characters below.
        content.utf8.allSatisfy({ $0 < 0x80 }) ? asciiKeyValue(content) : characterKeyValue(content)
    }

    /// `keyValue` read character by character.
    static func characterKeyValue(_ content: Substring) -> (String, String?)? {
        guard let colon = content.firstIndex(of: ":") else { return nil }
        let key = trimmed(content[..<colon])
        guard !key.isEmpty, key.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }) else { return nil }
        var value = trimmed(content[content.index(after: colon)...])
        if value.first == "#" { value = value.prefix(0) }
        if let hash = value.indices.first(where: { $0 > value.startIndex && value[$0] == "#" && value[value.index(before: $0)].isWhitespace }) {
            value = trimmed(value[..<hash])
        }
        if value.isEmpty { return (String(key), nil) }
        if let quote = value.first, quote == "'" || quote == "\"" {
            guard value.count >= 2, value.last == quote else { return nil }
            let inner = value.dropFirst().dropLast()
            if inner.contains(quote) || inner.contains("\\") { return nil }
            return (String(key), String(inner))
        }
        if let first = value.first, "[{|>&*!%@`".contains(first) { return nil }
        return (String(key), String(value))
    }

    private static let indicatorBytes = Array("[{|>&*!%@`".utf8)

    /// `keyValue` of a line of ASCII bytes.
    static func asciiKeyValue(_ content: Substring) -> (String, String?)? {
        let bytes = content.utf8
        guard let colon = bytes.firstIndex(of: 0x3A) else { return nil }
        let key = trimmedBytes(bytes[..<colon])
        guard !key.isEmpty, key.allSatisfy({ ByteText.isIdentifier($0) || $0 == 0x2D }) else { return nil }
        var value = trimmedBytes(bytes[bytes.index(after: colon)...])
        if value.first == 0x23 { value = value.prefix(0) }
        // ` #` starts a comment (Character.isWhitespace, in ASCII: tab to carriage return, space).
        var previous: UInt8 = 0x23
        if let hash = value.firstIndex(where: { byte in
            defer { previous = byte }
            return byte == 0x23 && (previous == 0x20 || (0x09...0x0D).contains(previous))
        }) {
            value = trimmedBytes(value[..<hash])
        }
        let keyText = String(content[key.startIndex..<key.endIndex])
        if value.isEmpty { return (keyText, nil) }
        if let quote = value.first, quote == 0x27 || quote == 0x22 {
            guard value.count >= 2, value.last == quote else { return nil }
            let inner = value.dropFirst().dropLast()
            if inner.contains(quote) || inner.contains(0x5C) { return nil }
            return (keyText, String(content[inner.startIndex..<inner.endIndex]))
        }
        if let first = value.first, indicatorBytes.contains(first) { return nil }
        return (keyText, String(content[value.startIndex..<value.endIndex]))
    }

    private static func trimmedBytes(_ bytes: Substring.UTF8View.SubSequence) -> Substring.UTF8View.SubSequence {
        guard let start = bytes.firstIndex(where: { $0 != 0x20 && $0 != 0x09 }),
              let end = bytes.lastIndex(where: { $0 != 0x20 && $0 != 0x09 }) else { return bytes.prefix(0) }
        return bytes[start...end]
    }

    private static func trimmed(_ text: Substring) -> Substring {
        guard let start = text.firstIndex(where: { $0 != " " && $0 != "\t" }),
              let end = text.lastIndex(where: { $0 != " " && $0 != "\t" }) else { return text.prefix(0) }
        return text[start...end]
    }
}
