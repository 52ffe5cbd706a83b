import Foundation

/// Jinja2's builtin tests (`value is name(args)`), with Jinja2's documented semantics.
enum JinjaTests {
    /// Applies the builtin test `name`; nil when Jinja2 has no such test.
    static func apply(_ name: String, to value: JinjaValue, _ arguments: JinjaArguments,
                      context: any JinjaCallContext) throws -> Bool? {
        nil
    }
}
