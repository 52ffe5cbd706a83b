import Foundation
import GateModel
import GateRules
import Yams

/// A rule as it applies to one model after every contract had its say.
public struct EffectiveRule: Sendable, Hashable {
    public var id: String
    public var severity: Severity
    /// The options of the contract that set the severity (over the rule's defaults when run).
    public var options: [String: JSONValue]
    /// The contract that set the severity; nil for the built-in default policy.
    public var contract: String?
    /// The deciding contract's `when_unused`.
    public var whenUnused: Severity?
    public var notify: [Contract.NotifyTarget]
    /// The deciding contract's owners (for `notify: [owners]`).
    public var contractOwners: [String]
    public var handles: [String: String]

    public init(id: String, severity: Severity, options: [String: JSONValue] = [:], contract: String? = nil,
                whenUnused: Severity? = nil, notify: [Contract.NotifyTarget] = [.consumers],
                contractOwners: [String] = [], handles: [String: String] = [:]) {
        self.id = id
        self.severity = severity
        self.options = options
        self.contract = contract
        self.whenUnused = whenUnused
        self.notify = notify
        self.contractOwners = contractOwners
        self.handles = handles
    }
}

/// How every rule applies to one changed model.
public struct ModelPolicy: Sendable, Hashable {
    /// Contracts selecting the model, by name; empty means only the default policy applies.
    public var contracts: [String]
    /// Every catalogue rule, by ID.
    public var rules: [String: EffectiveRule]
    /// ODCS schema objects describing the model.
    public var odcs: [OdcsSchemaExpectation]

    /// The rule as it applies to the model (`off` for an ID outside the catalogue).
    public func rule(_ id: String) -> EffectiveRule {
        rules[id] ?? EffectiveRule(id: id, severity: .off)
    }
}

/// A file in `contracts/` that is neither a contract nor an ODCS file, skipped by design and listed
/// so nothing is passed over silently.
public struct SkippedContractFile: Sendable, Hashable {
    public var path: String
    public var reason: String
}

/// The policy for models under no contract, when contract-gate.yml overrides the built-in one
/// (`default_policy:`).
public enum DefaultPolicySource: Sendable, Hashable {
    /// A contract file (repository-relative) whose `rules`/`when_unused` become the default policy.
    case file(String, SourceLocation)
    /// Rules written inline under `default_policy:`.
    case inline(Contract)
}

/// Every contract of the repository plus the default policy: answers "which rules, how strict, for this model".
public struct ContractSet: Sendable {
    public var contracts: [Contract]
    public var odcs: [OdcsContract]
    /// Applies to models no contract selects, and to rules no selecting contract sets.
    public var defaultPolicy: Contract
    public var skipped: [SkippedContractFile]

    public init(contracts: [Contract] = [], odcs: [OdcsContract] = [], defaultPolicy: Contract = ContractSet.builtInDefaultPolicy,
                skipped: [SkippedContractFile] = []) {
        self.contracts = contracts
        self.odcs = odcs
        self.defaultPolicy = defaultPolicy
        self.skipped = skipped
    }

    /// BUILD rules at `error`, BREAKING rules at `warning`, everything else `off` (what
    /// `contracts/default.yml` documents).
    public static let builtInDefaultPolicy = Contract(
        name: "default",
        description: "Built-in policy for models under no contract: a broken build fails, breaking changes warn, nothing else runs.",
        rules: RuleCatalog.descriptions.map { .init(id: $0.id, severity: $0.defaultSeverity) },
        isDefault: true, path: "")

    /// Every waiver of every contract.
    public var waivers: [Waiver] { contracts.flatMap(\.waivers) + defaultPolicy.waivers }

    // MARK: Loading

    /// Reads `folder` (default `contracts`) of `tree`: every `*.yml`/`*.yaml` in it and its subfolders
    /// except `schema/`. The default policy comes from `defaultPolicy` (contract-gate.yml's
    /// `default_policy`) when set, else from a contract with `default: true`, else the built-in one.
    /// Throws `InputErrors` with every problem.
    public static func load(from tree: FileTree, folder: String = "contracts",
                            defaultPolicy: DefaultPolicySource? = nil) throws -> ContractSet {
        let prefix = folder.isEmpty ? "" : folder + "/"
        var files: [(path: String, text: String)] = []
        var problems: [InputError] = []
        for path in try tree.files(under: folder) {
            let relative = String(path.dropFirst(prefix.count))
            guard path.hasPrefix(prefix), !relative.hasPrefix("schema/"),
                  path.hasSuffix(".yml") || path.hasSuffix(".yaml") else { continue }
            guard let data = try tree.contents(of: path) else { continue }
            do { files.append((path, try YAMLReader.utf8Text(data, path: path))) }
            catch let error as InputError { problems.append(error) }
        }
        var configPolicy: Contract?
        switch defaultPolicy {
        case .inline(let contract): configPolicy = contract
        case .file(let path, let location):
            // The named file is the default policy, also when it sits in the contracts folder.
            files.removeAll { $0.path == path }
            if let text = try tree.text(of: path) {
                do {
                    configPolicy = try parseDefaultPolicy(path: path, text: text)
                } catch let error as InputErrors { problems += error.errors }
            } else {
                problems.append(InputError("`default_policy` names `\(path)`, which does not exist; fix the path or remove the key.",
                                           at: location))
            }
        case nil: break
        }
        var set: ContractSet
        do {
            set = try parse(files: files)
        } catch let error as InputErrors {
            throw InputErrors(problems + error.errors)
        }
        if !problems.isEmpty { throw InputErrors(problems) }
        if let configPolicy { set.defaultPolicy = configPolicy }
        return set
    }

    /// Parses the file `default_policy:` names: a contract file whose `default: true` is implied
    /// (and which therefore has no `models:`).
    public static func parseDefaultPolicy(path: String, text: String) throws -> Contract {
        var parser = ContractParser(reader: YAMLReader(path: path))
        let root: Node?
        do { root = try YAMLReader.compose(text, path: path) }
        catch let error as InputError { throw InputErrors([error]) }
        let contract = root.flatMap { parser.parseContract($0, asDefaultPolicy: true) }
        if !parser.reader.problems.isEmpty { throw InputErrors(YAMLReader.sorted(parser.reader.problems)) }
        guard var policy = contract else {
            throw InputErrors([InputError("the default policy file is empty; give it `contract:` and `rules:`.", at: SourceLocation(path: path))])
        }
        policy.isDefault = true
        return policy
    }

    /// Parses contract and ODCS files given as text. Files of neither kind are listed in `skipped`.
    public static func parse(files: [(path: String, text: String)]) throws -> ContractSet {
        var set = ContractSet()
        var problems: [InputError] = []
        var defaults: [Contract] = []
        for (path, text) in files.sorted(by: { $0.path < $1.path }) {
            let root: Node?
            do { root = try YAMLReader.compose(text, path: path) }
            catch let error as InputError { problems.append(error); continue }
            guard let root else {
                set.skipped.append(.init(path: path, reason: "empty file"))
                continue
            }
            var parser = ContractParser(reader: YAMLReader(path: path))
            switch kind(of: root) {
            case .contract:
                if let contract = parser.parseContract(root) {
                    if contract.isDefault { defaults.append(contract) } else { set.contracts.append(contract) }
                }
            case .odcs:
                let stem = (path as NSString).lastPathComponent
                if let odcs = parser.parseOdcs(root, fileName: stem) { set.odcs.append(odcs) }
            case .incompleteContract:
                parser.reader.problem("this looks like a contract (it has `rules`/`models`/`waivers`) but has no `contract:` name; add `contract: <name>`.",
                                      at: root)
            case .skipped(let reason):
                set.skipped.append(.init(path: path, reason: reason))
            }
            problems += parser.reader.problems
        }
        var seen: [String: String] = [:]
        for contract in set.contracts where !contract.name.isEmpty {
            if let first = seen[contract.name] {
                problems.append(InputError("contract name `\(contract.name)` is also used by \(first); names must be unique.",
                                           at: SourceLocation(path: contract.path)))
            } else { seen[contract.name] = contract.path }
        }
        if defaults.count > 1 {
            problems.append(InputError("several default policies (`default: true`): \(defaults.map(\.path).joined(separator: ", ")); keep one.",
                                       at: SourceLocation(path: defaults[1].path)))
        }
        if let policy = defaults.first { set.defaultPolicy = policy }
        if !problems.isEmpty { throw InputErrors(YAMLReader.sorted(problems)) }
        return set
    }

    private enum FileKind {
        case contract, odcs, incompleteContract
        case skipped(String)
    }

    private static func kind(of root: Node) -> FileKind {
        guard case .mapping(let mapping) = root else { return .skipped("not a mapping at the top level") }
        let keys = Set(mapping.keys.compactMap(\.string))
        if keys.contains("contract") { return .contract }
        if keys.contains("kind") || keys.contains("apiVersion") { return .odcs }
        if !keys.isDisjoint(with: ["rules", "models", "waivers"]) { return .incompleteContract }
        if !keys.isDisjoint(with: ["fail_on", "dbt", "catalog", "lineage"]) { return .skipped("a contract-gate.yml configuration") }
        return .skipped("neither a contract (`contract:`) nor an ODCS file (`kind: DataContract`)")
    }

    // MARK: Selection

    /// The rules for `change`'s model: the default policy, overridden per rule by the strictest
    /// severity any selecting contract sets (the first contract by file path wins a tie).
    public func policy(for change: ModelChange) -> ModelPolicy {
        let selecting = contracts.filter { $0.selects(change) }.sorted { $0.path < $1.path }
        var rules: [String: EffectiveRule] = [:]
        for description in RuleCatalog.descriptions {
            let id = description.id
            var best: EffectiveRule?
            for contract in selecting {
                guard let setting = contract.setting(for: id) else { continue }
                if best.map({ setting.severity > $0.severity }) ?? true {
                    best = EffectiveRule(id: id, severity: setting.severity, options: setting.options,
                                         contract: contract.name, whenUnused: contract.whenUnused,
                                         notify: contract.notify, contractOwners: contract.owners,
                                         handles: contract.handles)
                }
            }
            if best == nil {
                // A rule the selecting contracts leave to the default policy still belongs to their
                // models: their `when_unused` (the least lowering one) and their people apply.
                let setting = defaultPolicy.setting(for: id)
                let people = selecting.first ?? defaultPolicy
                let whenUnused: Severity? = selecting.isEmpty ? defaultPolicy.whenUnused
                    : selecting.contains { $0.whenUnused == nil } ? nil : selecting.compactMap(\.whenUnused).max()
                // A broken build is an error unless a policy says otherwise in so many words: a
                // default policy written before the BUILD rules existed does not switch them off.
                let unset: Severity = description.category == .build || description.category == .policy
                    ? description.defaultSeverity : .off
                best = EffectiveRule(id: id, severity: setting?.severity ?? unset, options: setting?.options ?? [:],
                                     contract: nil, whenUnused: whenUnused, notify: people.notify,
                                     contractOwners: people.owners, handles: people.handles)
            }
            rules[id] = best
        }
        let promises = odcs.flatMap(\.schemas).filter { $0.applies(to: change) }
        // An ODCS file is an explicit promise: unless a contract says otherwise, breaking it is an error.
        if let first = promises.first, var rule = rules[OdcsSchemaSatisfiedRule.description.id], rule.contract == nil {
            rule.severity = .error
            rule.contract = first.contract
            rules[rule.id] = rule
        }
        return ModelPolicy(contracts: selecting.map(\.name), rules: rules, odcs: promises)
    }

    /// The severity of a POLICY rule: what the default policy sets, else the rule's own default.
    /// Contracts that select models cannot set POLICY rules (the parser refuses it).
    public func policySeverity(_ rule: RuleDescription) -> Severity {
        defaultPolicy.setting(for: rule.id)?.severity ?? rule.defaultSeverity
    }

    /// Waivers whose `expires` day is before `today`, for `validate` to list.
    public func expiredWaivers(on today: CalendarDay) -> [Waiver] { waivers.filter { $0.isExpired(on: today) } }
}
