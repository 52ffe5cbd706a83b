/// A path pattern from the repository root: `**` any number of folders, `*` any characters
/// within one path segment, `?` one character, `[abc]`/`[a-z]`/`[!a]` one of a set.
/// A pattern without wildcards also matches everything below it as a folder.
public struct PathGlob: Sendable, Hashable, CustomStringConvertible {
    public let pattern: String
    private let segments: [String]

    /// Why a pattern cannot be a glob, or nil when it is valid.
    public static func problem(with pattern: String) -> String? {
        if pattern.isEmpty { return "an empty pattern matches nothing" }
        if pattern.hasPrefix("/") { return "globs are relative to the repository root; drop the leading `/`" }
        if pattern.contains("\\") { return "use `/` as the path separator" }
        let parts = pattern.split(separator: "/", omittingEmptySubsequences: false)
        for (index, part) in parts.enumerated() {
            if part == ".." || part == "." { return "`\(part)` segments are not allowed; write the path from the repository root" }
            if part.isEmpty && index != parts.count - 1 { return "`//` leaves an empty path segment" }
            if part.contains("**") && part != "**" { return "`**` must be a whole path segment (`a/**/b`), not part of `\(part)`" }
            var depth = 0
            for char in part {
                if char == "[" { if depth > 0 { return "nested `[` in `\(part)`" }; depth += 1 }
                if char == "]" { if depth == 0 { return "`]` without `[` in `\(part)`" }; depth -= 1 }
            }
            if depth != 0 { return "unclosed `[` in `\(part)`" }
            if part.contains("[]") { return "empty character class `[]` in `\(part)`" }
        }
        return nil
    }

    /// Nil when `problem(with:)` has something to say.
    public init?(_ pattern: String) {
        guard PathGlob.problem(with: pattern) == nil else { return nil }
        self.pattern = pattern
        var parts = pattern.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        if parts.last == "" { parts[parts.count - 1] = "**" }          // `models/marts/` is a folder
        self.segments = parts
    }

    public var description: String { pattern }

    var hasWildcards: Bool { pattern.contains { "*?[".contains($0) } }

    /// Whether `path` (repository-relative, `/`-separated) matches.
    public func matches(_ path: String) -> Bool {
        let target = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        if PathGlob.match(segments[...], target[...]) { return true }
        if !hasWildcards {   // a plain folder name selects what is inside it
            return PathGlob.match((segments + ["**"])[...], target[...])
        }
        return false
    }

    private static func match(_ pattern: ArraySlice<String>, _ path: ArraySlice<String>) -> Bool {
        guard let first = pattern.first else { return path.isEmpty }
        if first == "**" {
            var rest = path
            while true {
                if match(pattern.dropFirst(), rest) { return true }
                if rest.isEmpty { return false }
                rest = rest.dropFirst()
            }
        }
        guard let segment = path.first, matchSegment(Array(first)[...], Array(segment)[...]) else { return false }
        return match(pattern.dropFirst(), path.dropFirst())
    }

    private static func matchSegment(_ pattern: ArraySlice<Character>, _ text: ArraySlice<Character>) -> Bool {
        guard let p = pattern.first else { return text.isEmpty }
        switch p {
        case "*":
            var rest = text
            while true {
                if matchSegment(pattern.dropFirst(), rest) { return true }
                if rest.isEmpty { return false }
                rest = rest.dropFirst()
            }
        case "?":
            return !text.isEmpty && matchSegment(pattern.dropFirst(), text.dropFirst())
        case "[":
            guard let c = text.first, let close = pattern.firstIndex(of: "]") else { return false }
            var set = pattern[pattern.index(after: pattern.startIndex)..<close]
            let negated = set.first == "!" || set.first == "^"
            if negated { set = set.dropFirst() }
            var hit = false
            var chars = Array(set)
            while !chars.isEmpty {
                if chars.count >= 3, chars[1] == "-" {
                    if chars[0] <= c && c <= chars[2] { hit = true }
                    chars.removeFirst(3)
                } else {
                    if chars[0] == c { hit = true }
                    chars.removeFirst()
                }
            }
            guard hit != negated else { return false }
            return matchSegment(pattern[pattern.index(after: close)...], text.dropFirst())
        default:
            guard text.first == p else { return false }
            return matchSegment(pattern.dropFirst(), text.dropFirst())
        }
    }
}
