import Foundation

/// A failure while lexing, parsing or rendering, with the template line it happened on.
public struct JinjaError: Error, CustomStringConvertible, Equatable {
    public var message: String
    /// 1-based line in the template; 0 when unknown.
    public var line: Int
    /// The template (file path) the line belongs to.
    public var template: String

    public init(_ message: String, line: Int = 0, template: String = "") {
        self.message = message
        self.line = line
        self.template = template
    }

    public var description: String {
        template.isEmpty ? message : "\(template):\(line): \(message)"
    }
}
