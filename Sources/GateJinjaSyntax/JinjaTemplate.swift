import Foundation

/// A parsed template: immutable, so one parse may be rendered many times and shared across threads.
public final class JinjaTemplate: Sendable {
    /// The file path, used in errors.
    public let name: String
    /// Top-level macros, including `test_<name>` and `materialization_<name>_<adapter>`, in file order.
    public let macroNames: [String]
    /// The names of the template's `{% snapshot %}` blocks.
    public let snapshotNames: [String]
    package let body: [JinjaStatement]
    package let macros: [String: JinjaMacroDefinition]

    private init(name: String, body: [JinjaStatement], parser: JinjaParser) {
        self.name = name
        self.body = body
        self.macros = parser.macros
        self.macroNames = parser.macroNames
        self.snapshotNames = parser.snapshotNames
    }

    /// Parses `source`; throws `JinjaError` (with `name` and the line) on a syntax error.
    public static func parse(_ source: String, name: String) throws -> JinjaTemplate {
        var parser = JinjaParser(tokens: try JinjaLexer.tokenize(source, name: name), name: name)
        let body = try parser.parseTemplate()
        return JinjaTemplate(name: name, body: body, parser: parser)
    }
}
