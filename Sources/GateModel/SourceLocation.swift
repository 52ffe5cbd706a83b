/// A place in a file of the repository, 1-based, as editors and CI annotations count.
public struct SourceLocation: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    /// Path relative to the repository root, with `/` separators.
    public var path: String
    public var line: Int
    public var column: Int
    public var endLine: Int?
    public var endColumn: Int?

    public init(path: String, line: Int = 1, column: Int = 1, endLine: Int? = nil, endColumn: Int? = nil) {
        self.path = path
        self.line = line
        self.column = column
        self.endLine = endLine
        self.endColumn = endColumn
    }

    public var description: String { "\(path):\(line):\(column)" }

    enum CodingKeys: String, CodingKey {
        case path, line, column
        case endLine = "end_line"
        case endColumn = "end_column"
    }

    public static func < (lhs: SourceLocation, rhs: SourceLocation) -> Bool {
        (lhs.path, lhs.line, lhs.column) < (rhs.path, rhs.line, rhs.column)
    }
}
