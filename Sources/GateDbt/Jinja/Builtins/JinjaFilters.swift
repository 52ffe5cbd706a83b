import Foundation

/// Jinja2's builtin filters (`value | name(args)`), with Jinja2's documented semantics.
enum JinjaFilters {
    /// Applies the builtin filter `name`; nil when Jinja2 has no such filter.
    static func apply(_ name: String, to value: JinjaValue, _ arguments: JinjaArguments,
                      context: any JinjaCallContext) throws -> JinjaValue? {
        nil
    }
}
