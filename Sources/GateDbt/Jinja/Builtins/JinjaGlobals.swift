import Foundation

/// Jinja2's default global functions: `range`, `dict`, `namespace`, `cycler`, `joiner`, `lipsum`.
enum JinjaGlobals {
    /// The global `name`, or nil when Jinja2 defines no such global.
    static func value(named name: String) -> JinjaValue? {
        nil
    }
}
