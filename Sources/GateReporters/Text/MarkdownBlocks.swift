import Foundation

/// Markdown and HTML pieces for the PR comment beyond table cells: link targets, HTML text,
/// code fences.
extension MarkdownText {
    /// `url` when it is http(s) and holds nothing that could end a Markdown link or a table
    /// cell (spaces, parentheses, angle brackets, `|`, quotes, backslashes, control characters);
    /// otherwise nil, and the caller shows the text unlinked.
    static func linkTarget(_ url: String) -> String? {
        let lower = url.lowercased()
        guard lower.hasPrefix("https://") || lower.hasPrefix("http://"), url.utf8.count <= 2_000 else { return nil }
        let forbidden: Set<Character> = [" ", "(", ")", "<", ">", "|", "\"", "'", "\\", "`", "[", "]"]
        guard !url.contains(where: { forbidden.contains($0) || $0.isNewline || $0.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F } })
        else { return nil }
        return url
    }

    /// Text inside an HTML element (`<summary>`, `<code>`): `&`, `<`, `>` and `"` escaped, control
    /// characters removed, one line.
    static func html(_ text: String) -> String {
        var output = ""
        for character in TerminalText.sanitize(text, keepNewlines: false) {
            switch character {
            case "&": output += "&amp;"
            case "<": output += "&lt;"
            case ">": output += "&gt;"
            case "\"": output += "&quot;"
            default: output.append(character)
            }
        }
        return output
    }

    /// A code fence longer than any backtick run in `content` (at least three).
    static func fence(for content: String) -> String {
        var longest = 0, run = 0
        for character in content {
            run = character == "`" ? run + 1 : 0
            longest = max(longest, run)
        }
        return String(repeating: "`", count: max(3, longest + 1))
    }
}

/// YAML scalars for a pasted waiver: a plain name stays plain, anything else is double-quoted
/// with JSON-compatible escapes, so a name with `:`, `#`, quotes or a leading `@` stays one string.
enum WaiverYAML {
    static func scalar(_ text: String) -> String {
        let reserved: Set<String> = ["true", "false", "yes", "no", "on", "off", "null", "y", "n", "~"]
        let plain = !text.isEmpty && !reserved.contains(text.lowercased())
            && text.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "_.-".unicodeScalars.contains($0)) }
            && text.unicodeScalars.first.map { $0.properties.isAlphabetic || $0 == "_" } == true
        if plain { return text }
        var output = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\t": output += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F || (0x80...0x9F).contains(scalar.value) || scalar.value == 0x2028 || scalar.value == 0x2029 {
                    output += String(format: "\\u%04X", scalar.value)
                } else {
                    output.unicodeScalars.append(scalar)
                }
            }
        }
        return output + "\""
    }
}
