import GateModel
import GateRules

/// A model as contract selectors and waivers see it: its name, its file and its dbt tags.
public struct SelectableModel: Sendable, Hashable {
    public var name: String
    /// The `.sql`/`.py` file, repository-relative.
    public var path: String
    public var tags: [String]

    public init(name: String, path: String, tags: [String] = []) {
        self.name = name
        self.path = path
        self.tags = tags
    }
}

extension ContractSet {
    /// Selectors and waivers that reach no model of the project: a `models:` glob no model file
    /// matches (`models/mart/**`), a name no model has (`ordrs`), a tag no model carries, a waiver
    /// for a model that does not exist. Each is a warning at its line.
    ///
    /// Warnings, not errors: a contract may be written before its models land, and nothing breaks
    /// because of it; but the models the author meant are silently outside the contract, so it is
    /// never passed over either. (Waivers for unknown rules are already errors when the contract is read.)
    public func unreached(models: [SelectableModel]) -> [Diagnostic] {
        let names = Set(models.map { $0.name.lowercased() })
        let tags = Set(models.flatMap(\.tags).map { $0.lowercased() })
        var result: [Diagnostic] = []
        for contract in contracts {
            for (index, selector) in contract.selectors.enumerated() {
                let location = index < contract.selectorLocations.count
                    ? contract.selectorLocations[index] : SourceLocation(path: contract.path)
                let why: String?
                switch selector {
                case .name(let name):
                    why = names.contains(name.lowercased()) ? nil
                        : "no model is named `\(name)`.\(Suggestions.hint(for: name, in: models.map(\.name)))"
                case .tag(let tag):
                    why = tags.contains(tag.lowercased()) ? nil
                        : "no model carries the tag `\(tag)`.\(Suggestions.hint(for: tag, in: Array(Set(models.flatMap(\.tags)))))"
                case .path(let glob):
                    why = models.contains { glob.matches($0.path) } ? nil
                        : "no model file matches it (globs are matched against model files from the repository root, "
                            + "e.g. `transform/models/marts/**`)."
                }
                if let why {
                    result.append(Diagnostic(
                        severity: .warning,
                        message: "selector `\(selector)` of contract `\(contract.name)` matches no model: \(why) "
                            + "The models it was meant for are under no contract; fix or remove it.",
                        location: location))
                }
            }
        }
        for waiver in waivers where !names.contains(Self.unversioned(waiver.model).lowercased()) {
            result.append(Diagnostic(
                severity: .warning,
                message: "waiver for \(waiver.rule) in contract `\(waiver.contract)` names model `\(waiver.model)`, which "
                    + "does not exist; it waives nothing.\(Suggestions.hint(for: waiver.model, in: models.map(\.name))) "
                    + "Fix the name or remove the waiver.",
                location: waiver.location))
        }
        return result.sorted { ($0.location?.path ?? "", $0.location?.line ?? 0) < ($1.location?.path ?? "", $1.location?.line ?? 0) }
    }

    /// `dim_customers.v2` → `dim_customers`: a waiver may name one version of a versioned model.
    static func unversioned(_ name: String) -> String {
        guard let dot = name.lastIndex(of: ".") else { return name }
        let suffix = name[name.index(after: dot)...]
        guard suffix.count > 1, suffix.first == "v", suffix.dropFirst().allSatisfy(\.isNumber) else { return name }
        return String(name[..<dot])
    }
}
