/// Escaping for GitHub-flavoured Markdown written from repository and catalog data.
enum MarkdownText {
    /// Text for a table cell: `|` cannot end the cell, `<`/`&` cannot open HTML, emphasis and
    /// link characters are literal, `@name` and `#123` notify and link nothing (`defuseMentions`),
    /// and a line break is a `<br>` rather than the end of the row.
    static func cell(_ text: String) -> String {
        escape(text, keepNewlines: true).replacingOccurrences(of: "\n", with: "<br>")
    }

    /// Text outside a table: like `cell`, with each line break turned into a space so data
    /// cannot start a heading, list or quote of its own. Mentions are defused here too.
    static func inline(_ text: String) -> String {
        escape(text, keepNewlines: false)
    }

    /// `inline` (which defuses mentions too); kept for the call sites that say so.
    static func quiet(_ text: String) -> String {
        defuseMentions(inline(text))
    }

    /// Escaped text (a cell or inline run) with every word-initial `@` (a mention) and every `#`
    /// before a digit (an issue or pull request reference, `#123`, `org/repo#123`) followed by a
    /// word joiner: it reads the same, but GitHub notifies and links nobody. Idempotent.
    static func defuseMentions(_ escaped: String) -> String {
        var output = ""
        var previous: Character = " "
        var characters = escaped.makeIterator()
        var next = characters.next()
        while let character = next {
            next = characters.next()
            output.append(character)
            // GitHub mentions after any non-word character (`fct_orders.@octocat` pings): only an
            // `@` inside a word (an email address) is left alone.
            let mention = character == "@" && !(previous.isLetter || previous.isNumber || previous == "_")
            let reference = character == "#" && next?.isNumber == true
            if (mention || reference) && next != "\u{2060}" { output.append("\u{2060}") }
            previous = character
        }
        return output
    }

    private static func escape(_ text: String, keepNewlines: Bool) -> String {
        defuseMentions(escapeMarkup(text, keepNewlines: keepNewlines))
    }

    private static func escapeMarkup(_ text: String, keepNewlines: Bool) -> String {
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
