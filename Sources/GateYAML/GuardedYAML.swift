import GateModel
import Yams

/// Composing YAML that repositories and users write, with the two guards every reader needs:
/// a UTF-8 byte order mark is not content, and anchors/aliases may not expand without bound.
/// Shared by the dbt reader (GateDbt) and the config/contract reader (GateRules).
public enum GuardedYAML {
    /// Parses the first document of `text`. Syntax errors are rethrown as Yams' `YamlError` so
    /// each reader can word them; an alias bomb is an `InputError` at the line of the section that
    /// expands past the budget. `resolver` types plain scalars; a reader that types them itself
    /// passes `.basic` (Yams' default runs regexes on every scalar it hashes, which dominated
    /// reading large dbt projects).
    ///
    /// Composing shares an alias's node rather than copying it, so only a walk pays for the
    /// expansion. `readKeys` names the top-level sections the reader walks (nil: the whole
    /// document); anchors and aliases elsewhere cost nothing and are not counted, so a file that
    /// PyYAML (and so dbt) loads is not refused for a section the gate never reads.
    public static func compose(_ text: String, path: String, expansionBudget: Int,
                               resolver: Resolver = .default, readKeys: Set<String>? = nil) throws -> Node? {
        // Windows editors write a byte order mark.
        let body = text.unicodeScalars.first == "\u{FEFF}" ? String(text.unicodeScalars.dropFirst()) : text
        let node = try Yams.compose(yaml: body, resolver)
        guard let node, body.utf8.contains(UInt8(ascii: "&")) else { return node }
        var sections: [Node] = [node]
        if let readKeys, case .mapping(let mapping) = node {
            sections = mapping.compactMap { key, value in
                key.scalar.map { readKeys.contains($0.string) } == true ? value : nil
            }
        }
        var count = 0
        for section in sections where exceedsExpansionBudget(section, budget: expansionBudget, counted: &count) {
            throw InputError("YAML anchors and aliases here expand to more than \(expansionBudget) values (an alias bomb?); "
                + "write the values out instead of nesting aliases", at: SourceLocation(path: path, line: section.mark?.line ?? 1))
        }
        return node
    }

    /// Counts nodes as a walk would meet them (aliases share their node, so a few lines can stand
    /// for billions of values), stopping as soon as the budget is passed.
    public static func exceedsExpansionBudget(_ root: Node, budget: Int) -> Bool {
        var count = 0
        return exceedsExpansionBudget(root, budget: budget, counted: &count)
    }

    /// `exceedsExpansionBudget`, adding to a count several sections share.
    static func exceedsExpansionBudget(_ root: Node, budget: Int, counted count: inout Int) -> Bool {
        var stack = [root]
        while let node = stack.popLast() {
            count += 1
            if count > budget { return true }
            switch node {
            case .scalar, .alias: break
            case .sequence(let sequence): stack.append(contentsOf: sequence)
            case .mapping(let mapping):
                for (key, value) in mapping {
                    stack.append(key)
                    stack.append(value)
                }
            }
        }
        return false
    }
}
