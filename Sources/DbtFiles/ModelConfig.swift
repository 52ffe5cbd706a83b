import GateModel
import Yams

/// A model's configuration as dbt merges it from `dbt_project.yml` folders, YAML `config:` and
/// the SQL `{{ config(...) }}` call, each level overriding the one before.
///
/// Values that are not literals (`var()`, `env_var()`, any Jinja) are kept apart in `unknown`
/// with their expression text: they are reported, never evaluated or guessed.
package struct ModelConfig: Hashable, Codable {
    package var values: [String: JSONValue] = [:]
    /// Config key → the expression text, for values that are not literals.
    package var unknown: [String: String] = [:]
    /// Where each key was last set.
    package var locations: [String: SourceLocation] = [:]

    package init() {}

    /// dbt's merge behaviour per key: `tags` and hooks append, dictionaries update, the rest clobber.
    private static let appendKeys: Set<String> = ["tags", "pre-hook", "post-hook"]
    private static let updateKeys: Set<String> = ["meta", "contract", "docs", "persist_docs", "grants", "quoting"]

    /// `+schema`, `pre_hook` and `pre-hook` name the same config.
    static func normalizedKey(_ key: String) -> String {
        var key = key.trimmingCharacters(in: .whitespaces)
        if key.hasPrefix("+") { key.removeFirst() }
        key = key.trimmingCharacters(in: .whitespaces)
        if key == "pre_hook" { return "pre-hook" }
        if key == "post_hook" { return "post-hook" }
        return key
    }

    /// Whether a string value is Jinja that dbt would render before using it.
    package static func isJinja(_ text: String) -> Bool { text.contains("{{") || text.contains("{%") }

    package mutating func set(_ rawKey: String, _ value: JSONValue, at location: SourceLocation?) {
        let key = ModelConfig.normalizedKey(rawKey)
        if case .string(let text) = value, ModelConfig.isJinja(text) {
            setUnknown(key, text: text, at: location)
            return
        }
        unknown[key] = nil
        if let location { locations[key] = location }
        guard let existing = values[key] else { values[key] = value; return }
        if ModelConfig.appendKeys.contains(key) {
            var merged = ModelConfig.list(existing)
            for item in ModelConfig.list(value) where !merged.contains(item) { merged.append(item) }
            values[key] = .array(merged)
        } else if ModelConfig.updateKeys.contains(key), case .object(var old) = existing, case .object(let new) = value {
            for (k, v) in new { old[k] = v }
            values[key] = .object(old)
        } else {
            values[key] = value
        }
    }

    mutating func setUnknown(_ rawKey: String, text: String, at location: SourceLocation?) {
        let key = ModelConfig.normalizedKey(rawKey)
        // A non-literal at a more specific level hides whatever a less specific level said:
        // keeping the old value would be a guess.
        if !ModelConfig.appendKeys.contains(key) && !ModelConfig.updateKeys.contains(key) { values[key] = nil }
        unknown[key] = text
        if let location { locations[key] = location }
    }

    /// Applies `other` on top of this configuration (other is more specific).
    package mutating func apply(_ other: ModelConfig) {
        for key in other.values.keys.sorted() {
            if let value = other.values[key] { set(key, value, at: other.locations[key]) }
        }
        // Where a nested setting (`contract.enforced`) was written, when the more specific level says it.
        for (key, location) in other.locations where key.contains(".") { locations[key] = location }
        for (key, text) in other.unknown { setUnknown(key, text: text, at: other.locations[key]) }
    }

    private static func list(_ value: JSONValue) -> [JSONValue] {
        if case .array(let items) = value { return items }
        return [value]
    }

    // MARK: typed views

    package func string(_ key: String) -> String? {
        switch values[key] {
        case .string(let s)?: return s
        case .number(let n)?: return n == n.rounded() ? String(Int(n)) : String(n)
        default: return nil
        }
    }

    package func bool(_ key: String) -> Bool? { values[key]?.boolValue }

    package var tags: [String] {
        guard let value = values["tags"] else { return [] }
        return ModelConfig.list(value).compactMap(\.stringValue)
    }

    package var meta: [String: JSONValue] {
        if case .object(let meta)? = values["meta"] { return meta }
        return [:]
    }

    /// Records where `contract: {enforced: …}` sets `enforced` (its own line, which a finding
    /// about it should point at), when `value` is the `contract` mapping's node.
    mutating func noteNestedLocations(key rawKey: String, value: Node, path: String) {
        guard ModelConfig.normalizedKey(rawKey) == "contract",
              let pair = YAMLReading.pairs(of: value).first(where: { $0.key == "enforced" }) else { return }
        locations["contract.enforced"] = YAMLReading.location(of: pair.keyNode, in: path)
    }

    package var contractEnforced: Bool? {
        values["contract"]?["enforced"]?.boolValue
    }
}
