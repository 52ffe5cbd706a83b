/// Makes text from the repository or the catalog safe to print to a terminal or a CI log:
/// removes ANSI escape sequences, C0/C1 control characters and bidirectional overrides, so a
/// column name or message cannot move the cursor, recolour the screen or reorder what is shown.
enum TerminalText {
    /// The text with control sequences removed; line breaks are kept only when `keepNewlines`
    /// (otherwise each becomes a space), tabs become spaces.
    static func sanitize(_ text: String, keepNewlines: Bool = false) -> String {
        var output = String.UnicodeScalarView()
        var scalars = Array(text.unicodeScalars)[...]
        while let scalar = scalars.popFirst() {
            switch scalar.value {
            case 0x1B:
                skipEscapeSequence(&scalars)
            case 0x9B:
                // The 8-bit CSI: as dangerous as ESC [.
                skipCSIBody(&scalars)
            case 0x0A:
                output.append(keepNewlines ? "\n" : " ")
            case 0x0D:
                // CR LF counts as one break; a lone CR would overwrite the line, so it breaks too.
                if scalars.first?.value == 0x0A { scalars.removeFirst() }
                output.append(keepNewlines ? "\n" : " ")
            case 0x09:
                output.append(" ")
            case 0x85, 0x2028, 0x2029:
                output.append(keepNewlines ? "\n" : " ")
            case 0x00...0x1F, 0x7F, 0x80...0x9F:
                continue
            case 0x202A...0x202E, 0x2066...0x2069:
                continue
            default:
                output.append(scalar)
            }
        }
        return String(output)
    }

    /// Skips what follows an ESC: a CSI (`ESC [ … final`), an OSC/DCS/APC/PM/SOS string
    /// (up to BEL or `ESC \`), or a two-character sequence.
    private static func skipEscapeSequence(_ scalars: inout ArraySlice<Unicode.Scalar>) {
        guard let next = scalars.popFirst() else { return }
        switch next {
        case "[":
            skipCSIBody(&scalars)
        case "]", "P", "X", "^", "_":
            while let scalar = scalars.popFirst() {
                if scalar.value == 0x07 { return }
                if scalar.value == 0x1B {
                    if scalars.first == "\\" { scalars.removeFirst() }
                    return
                }
            }
        default:
            // Intermediate bytes (0x20–0x2F) followed by one final byte.
            var current = next
            while (0x20...0x2F).contains(current.value), let following = scalars.popFirst() {
                current = following
            }
        }
    }

    /// Parameter bytes 0x30–0x3F, intermediate bytes 0x20–0x2F, then one final byte 0x40–0x7E.
    private static func skipCSIBody(_ scalars: inout ArraySlice<Unicode.Scalar>) {
        while let scalar = scalars.popFirst() {
            if (0x40...0x7E).contains(scalar.value) { return }
            if !(0x20...0x3F).contains(scalar.value) {
                // Not a well-formed sequence: stop here and keep the character.
                scalars.insert(scalar, at: scalars.startIndex)
                return
            }
        }
    }
}
