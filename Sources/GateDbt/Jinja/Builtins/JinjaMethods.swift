import Foundation

/// Python's methods on the builtin types as templates call them (`'a,b'.split(',')`,
/// `items.append(x)`, `d.items()`).
enum JinjaMethods {
    /// The bound method `name` of `value` (a `.callable`), or nil when its type has no such method.
    static func method(_ name: String, of value: JinjaValue) -> JinjaValue? {
        nil
    }
}
