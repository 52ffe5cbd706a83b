import Foundation
import GateModel

/// Reads the keyword arguments of `{{ config(...) }}` (SQL) and `dbt.config(...)` (Python) calls.
/// Literal values are taken; anything else is kept as its expression text in `unknown`.
package enum ConfigCallReader {
    package static func read(_ data: Data, calls: [Int], path: String) -> (config: ModelConfig, diagnostics: [Diagnostic]) {
        var config = ModelConfig()
        var diagnostics: [Diagnostic] = []
        data.withUnsafeBytes { raw in
            let bytes = raw.bindMemory(to: UInt8.self)
            var lines = ByteText.LineCounter()
            for paren in calls.sorted() {
                let (callLine, callColumn) = lines.position(at: paren, in: bytes)
                if !readCall(bytes: bytes, paren: paren, path: path, lines: &lines, into: &config) {
                    diagnostics.append(Diagnostic(
                        severity: .warning,
                        message: "config( is never closed (unbalanced parentheses or quotes); its settings were not read — close the call",
                        location: SourceLocation(path: path, line: callLine, column: max(1, callColumn - 6))))
                    // Every later call would run to the end of the file as well: stop here so
                    // a broken 5 MB file costs one pass, not one per call.
                    break
                }
            }
        }
        return (config, diagnostics)
    }

    /// Returns false when the call's parentheses never balance.
    private static func readCall(bytes: UnsafeBufferPointer<UInt8>, paren: Int, path: String,
                                 lines: inout ByteText.LineCounter, into config: inout ModelConfig) -> Bool {
        var parser = LiteralParser(bytes: bytes, index: paren + 1)
        while true {
            parser.skipSpace()
            if parser.atEnd { return false }
            if parser.consume(UInt8(ascii: ")")) { return true }
            let argumentStart = parser.index
            var key: String?
            if let word = parser.identifier() {
                parser.skipSpace()
                if parser.current == UInt8(ascii: "="), parser.index + 1 < bytes.count, bytes[parser.index + 1] != UInt8(ascii: "=") {
                    parser.index += 1
                    key = word
                } else {
                    parser.index = argumentStart
                }
            }
            let valueStart = parser.index
            var value = parser.literal()
            if value != nil {
                parser.skipSpace()
                if parser.current != UInt8(ascii: ",") && parser.current != UInt8(ascii: ")") {
                    value = nil   // a literal followed by an operator: `'a' ~ var('b')`
                    parser.index = valueStart
                }
            }
            if value == nil {
                guard parser.skipExpression() else { return false }
            }
            if let key {
                let (line, column) = lines.position(at: argumentStart, in: bytes)
                let location = SourceLocation(path: path, line: line, column: column)
                if let value {
                    config.set(key, value, at: location)
                } else {
                    let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[valueStart..<parser.index]), as: UTF8.self)
                        .trimmingCharacters(in: .whitespacesAndNewlines)
                    config.setUnknown(key, text: text, at: location)
                }
            }
            parser.skipSpace()
            if parser.consume(UInt8(ascii: ",")) { continue }
            if parser.consume(UInt8(ascii: ")")) { return true }
            return false
        }
    }
}
