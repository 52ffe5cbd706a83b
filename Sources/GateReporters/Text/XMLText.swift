/// Escaping for XML 1.0 text and attribute values.
enum XMLText {
    /// `text` with markup characters escaped and characters XML 1.0 forbids removed
    /// (control characters other than tab, LF and CR; U+FFFE and U+FFFF). Terminal escape
    /// sequences are removed whole first, so no `[31m` remains of a colour code.
    ///
    /// Line breaks are written as `&#10;` everywhere, not only in attributes: a parser reads
    /// them back as line breaks, but no line of the file can then begin with repository text,
    /// so a report printed into a CI log cannot carry a `::error::` workflow command.
    static func escape(_ text: String) -> String {
        var output = ""
        for scalar in TerminalText.sanitize(text, keepNewlines: true).unicodeScalars {
            switch scalar {
            case "&": output += "&amp;"
            case "<": output += "&lt;"
            case ">": output += "&gt;"
            case "\"": output += "&quot;"
            case "'": output += "&apos;"
            case "\n": output += "&#10;"
            default:
                if isAllowed(scalar) { output.unicodeScalars.append(scalar) }
            }
        }
        return output
    }

    /// The XML 1.0 `Char` production.
    static func isAllowed(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09, 0x0A, 0x0D: true
        case 0x20...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF: true
        default: false
        }
    }
}
