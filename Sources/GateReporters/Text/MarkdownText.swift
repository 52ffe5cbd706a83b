/// Escaping for GitHub-flavoured Markdown written from repository and catalog data.
enum MarkdownText {
    /// Text for a table cell: `|` cannot end the cell, `<`/`&` cannot open HTML, emphasis and
    /// link characters are literal, and a line break is a `<br>` rather than the end of the row.
    static func cell(_ text: String) -> String {
        escape(text, keepNewlines: true).replacingOccurrences(of: "\n", with: "<br>")
    }

    /// Text outside a table: like `cell`, with each line break turned into a space so data
    /// cannot start a heading, list or quote of its own.
    static func inline(_ text: String) -> String {
        escape(text, keepNewlines: false)
    }

    /// Like `inline`, and an `@` that starts a word gets a word joiner after it, so a catalog
    /// name such as "@data-finance" reads the same but notifies nobody (emails stay intact).
    static func quiet(_ text: String) -> String {
        defuseMentions(inline(text))
    }

    /// Escaped text (a cell or inline run) with every word-initial `@` followed by a word joiner.
    static func defuseMentions(_ escaped: String) -> String {
        var output = ""
        var previous: Character = " "
        for character in escaped {
            output.append(character)
            if character == "@" && !(previous.isLetter || previous.isNumber || previous == "." || previous == "_") {
                output.append("\u{2060}")
            }
            previous = character
        }
        return output
    }

    private static func escape(_ text: String, keepNewlines: Bool) -> String {
        var output = ""
        for character in TerminalText.sanitize(text, keepNewlines: keepNewlines) {
            switch character {
            case "&": output += "&amp;"
            case "<": output += "&lt;"
            case ">": output += "&gt;"
            case "|", "\\", "`", "*", "_", "[", "]", "#", "~":
                output += "\\\(character)"
            default: output.append(character)
            }
        }
        return output
    }

    /// A code span that stays one span whatever backticks the text holds (CommonMark: a fence
    /// longer than any backtick run inside). `|` is still escaped: GFM splits table cells first.
    /// Code spans also keep `@name` from notifying anyone.
    static func code(_ text: String, inTable: Bool = true) -> String {
        var content = TerminalText.sanitize(text)
        if inTable { content = content.replacingOccurrences(of: "|", with: "\\|") }
        var longestRun = 0, run = 0
        for character in content {
            run = character == "`" ? run + 1 : 0
            longestRun = max(longestRun, run)
        }
        let fence = String(repeating: "`", count: longestRun + 1)
        let padding = content.hasPrefix("`") || content.hasSuffix("`") || content.isEmpty ? " " : ""
        return fence + padding + content + padding + fence
    }
}
