import GateModel
import GateRules

/// What a change does to the contracts that judge changes: every waiver it adds, every rule it
/// lowers, every contract it removes or narrows (the POLICY rules' input). Pure: two
/// `ContractSet`s in, `PolicyChange`s out, each pointing at the head file where it shows.
///
/// Only relaxations are listed. A stricter rule, a new contract or a selector added is not a
/// finding: it cannot let a break through.
public enum PolicyDiff {
    /// How `head` relaxes `base`.
    public static func changes(base: ContractSet, head: ContractSet) -> [PolicyChange] {
        var changes = waiversAdded(base: base, head: head)
        changes += defaultPolicyWeakened(base: base.defaultPolicy, head: head.defaultPolicy)
        let headByName = Dictionary(head.contracts.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        for old in base.contracts {
            // Matched by name, else by file: a contract renamed in place is the same contract.
            guard let new = headByName[old.name] ?? head.contracts.first(where: { $0.path == old.path }) else {
                changes.append(PolicyChange(
                    .contractNarrowed,
                    "Contract `\(old.name)` (\(old.path)) is removed: the models it selected (\(selectorList(old))) are no "
                        + "longer held to its rules once this is merged. Until then the base's policy judges this change.",
                    at: SourceLocation(path: old.path), contract: old.name))
                continue
            }
            changes += contractNarrowed(old, new)
            changes += contractWeakened(old, new, baseDefault: base.defaultPolicy, headDefault: head.defaultPolicy)
        }
        changes += odcsNarrowed(base: base.odcs, head: head.odcs)
        return changes
    }

    // MARK: Waivers

    /// Head waivers the base does not grant: new ones, and ones the head extends (a later or no
    /// `expires`, or another approver for the same rule, model and column).
    static func waiversAdded(base: ContractSet, head: ContractSet) -> [PolicyChange] {
        func key(_ w: Waiver) -> String { "\(w.rule) \(w.model.lowercased()) \(w.column?.lowercased() ?? "*")" }
        var granted: [String: [Waiver]] = [:]
        for waiver in base.waivers { granted[key(waiver), default: []].append(waiver) }
        var changes: [PolicyChange] = []
        for waiver in head.waivers {
            let before = granted[key(waiver)] ?? []
            let target = "`\(waiver.model)\(waiver.column.map { ".\($0)" } ?? "")`"
            let expiry = waiver.expires.map { "expires \($0)" } ?? "no expiry"
            let what: String
            if before.isEmpty {
                what = "Waiver added for \(waiver.rule) on \(target)"
            } else if !before.contains(where: { $0.approvedBy == waiver.approvedBy }) {
                what = "Waiver for \(waiver.rule) on \(target) now names another approver "
                    + "(base: \(before.map(\.approvedBy).joined(separator: ", ")))"
            } else if let latest = latestExpiry(before), waiver.expires.map({ $0 > latest }) ?? true {
                what = "Waiver for \(waiver.rule) on \(target) is extended (base: expires \(latest))"
            } else {
                continue
            }
            changes.append(PolicyChange(
                .waiverAdded,
                "\(what) in contract `\(waiver.contract)`: approved by \(waiver.approvedBy), \(expiry), reason: "
                    + "\(waiver.reason). It applies only once merged; until then the base's policy judges this change.",
                at: waiver.location, model: waiver.model, column: waiver.column, contract: waiver.contract))
        }
        return changes
    }

    /// The latest `expires` among `waivers`, nil when one never expires.
    private static func latestExpiry(_ waivers: [Waiver]) -> CalendarDay? {
        var latest: CalendarDay?
        for waiver in waivers {
            guard let day = waiver.expires else { return nil }
            if latest.map({ day > $0 }) ?? true { latest = day }
        }
        return latest
    }

    // MARK: Rules

    /// What a default policy gives `rule` when it does not name it: BUILD and POLICY rules keep
    /// their catalogue severity (as `ContractSet.policy(for:)` applies them), the rest are off.
    static func defaultSeverity(_ policy: Contract, _ rule: RuleDescription) -> Severity {
        if let setting = policy.setting(for: rule.id) { return setting.severity }
        return rule.category == .build || rule.category == .policy ? rule.defaultSeverity : .off
    }

    /// `when_unused` as a ceiling: unset (nothing is lowered) is above every severity.
    private static func ceilingLowered(from old: Severity?, to new: Severity?) -> Bool {
        guard let new else { return false }
        guard let old else { return true }
        return new < old
    }

    static func defaultPolicyWeakened(base: Contract, head: Contract) -> [PolicyChange] {
        var changes: [PolicyChange] = []
        let name = "the default policy" + (head.path.isEmpty ? " (now the built-in one)" : " (\(head.path))")
        for rule in RuleCatalog.descriptions {
            let old = defaultSeverity(base, rule), new = defaultSeverity(head, rule)
            if new < old {
                changes.append(PolicyChange(
                    .ruleWeakened,
                    "\(rule.id) is lowered from \(old.rawValue) to \(new.rawValue) in \(name): models under no contract "
                        + "are judged less strictly once this is merged.",
                    at: ruleLocation(rule.id, head: head, base: base), contract: "default"))
            } else if new == old, new != .off, let changed = optionsChanged(base.setting(for: rule.id), head.setting(for: rule.id)) {
                changes.append(PolicyChange(
                    .ruleWeakened, "\(rule.id) \(changed) in \(name); check that it does not let more through.",
                    at: ruleLocation(rule.id, head: head, base: base), contract: "default"))
            }
        }
        if ceilingLowered(from: base.whenUnused, to: head.whenUnused) {
            changes.append(PolicyChange(
                .ruleWeakened,
                "`when_unused` is lowered from \(base.whenUnused?.rawValue ?? "unset") to \(head.whenUnused?.rawValue ?? "unset") "
                    + "in \(name): breaks nobody is known to read are reported less strictly.",
                at: keyLocation("when_unused", head: head, base: base), contract: "default"))
        }
        return changes
    }

    /// A contract's own rules and `when_unused`, where it sets them on either side: a rule it
    /// leaves to the default policy on both sides is the default policy's change.
    static func contractWeakened(_ old: Contract, _ new: Contract, baseDefault: Contract, headDefault: Contract) -> [PolicyChange] {
        var changes: [PolicyChange] = []
        for rule in RuleCatalog.descriptions where rule.category != .policy {
            let oldSetting = old.setting(for: rule.id), newSetting = new.setting(for: rule.id)
            guard oldSetting != nil || newSetting != nil else { continue }
            let before = oldSetting?.severity ?? defaultSeverity(baseDefault, rule)
            let after = newSetting?.severity ?? defaultSeverity(headDefault, rule)
            let how = newSetting == nil ? "is removed from contract `\(new.name)` (the default policy's \(after.rawValue) applies)"
                : "is lowered from \(before.rawValue) to \(after.rawValue) in contract `\(new.name)`"
            if after < before {
                changes.append(PolicyChange(
                    .ruleWeakened, "\(rule.id) \(how): its models (\(selectorList(new))) are judged less strictly once this is merged.",
                    at: ruleLocation(rule.id, head: new, base: old), contract: new.name))
            } else if after == before, after != .off, let changed = optionsChanged(oldSetting, newSetting) {
                changes.append(PolicyChange(
                    .ruleWeakened, "\(rule.id) \(changed) in contract `\(new.name)`; check that it does not let more through.",
                    at: ruleLocation(rule.id, head: new, base: old), contract: new.name))
            }
        }
        if ceilingLowered(from: old.whenUnused, to: new.whenUnused) {
            changes.append(PolicyChange(
                .ruleWeakened,
                "`when_unused` is lowered from \(old.whenUnused?.rawValue ?? "unset") to \(new.whenUnused?.rawValue ?? "unset") "
                    + "in contract `\(new.name)`: breaks nobody is known to read are reported less strictly.",
                at: keyLocation("when_unused", head: new, base: old), contract: new.name))
        }
        return changes
    }

    /// "has its options changed (…)" when the options differ; nil when they are the same.
    private static func optionsChanged(_ old: Contract.RuleSetting?, _ new: Contract.RuleSetting?) -> String? {
        let before = old?.options ?? [:], after = new?.options ?? [:]
        guard before != after else { return nil }
        func text(_ options: [String: JSONValue]) -> String {
            options.isEmpty ? "defaults" : options.keys.sorted().map { "\($0): \(RuleCatalog.render(options[$0] ?? .null))" }
                .joined(separator: ", ")
        }
        return "has its options changed (\(text(before)) → \(text(after)))"
    }

    // MARK: Contracts

    /// Selectors the head drops from a contract it keeps.
    static func contractNarrowed(_ old: Contract, _ new: Contract) -> [PolicyChange] {
        let kept = Set(new.selectors.map(\.description))
        let dropped = old.selectors.map(\.description).filter { !kept.contains($0) }
        guard !dropped.isEmpty else { return [] }
        return [PolicyChange(
            .contractNarrowed,
            "Contract `\(new.name)` no longer selects \(dropped.map { "`\($0)`" }.joined(separator: ", ")): models only those "
                + "selected are no longer held to it once this is merged (now: \(selectorList(new))).",
            at: keyLocation("models", head: new, base: old), contract: new.name)]
    }

    static func odcsNarrowed(base: [OdcsContract], head: [OdcsContract]) -> [PolicyChange] {
        var changes: [PolicyChange] = []
        let headByName = Dictionary(head.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        for old in base {
            guard let new = headByName[old.name] else {
                changes.append(PolicyChange(
                    .contractNarrowed,
                    "ODCS contract `\(old.name)` (\(old.path)) is removed: what it promised consumers "
                        + "(\(old.schemas.map { "`\($0.model)`" }.joined(separator: ", "))) is no longer checked once this is merged.",
                    at: SourceLocation(path: old.path), contract: old.name))
                continue
            }
            for schema in old.schemas {
                guard let kept = new.schemas.first(where: { $0.model.lowercased() == schema.model.lowercased() }) else {
                    changes.append(PolicyChange(
                        .contractNarrowed,
                        "ODCS contract `\(old.name)` no longer describes `\(schema.model)`: its promised columns are no longer checked.",
                        at: SourceLocation(path: new.path), model: schema.model, contract: old.name))
                    continue
                }
                let names = Set(kept.properties.map { $0.name.lowercased() })
                for property in schema.properties where !names.contains(property.name.lowercased()) {
                    changes.append(PolicyChange(
                        .contractNarrowed,
                        "ODCS contract `\(old.name)` no longer promises column `\(property.name)` of `\(schema.model)`.",
                        at: kept.location, model: schema.model, column: property.name, contract: old.name))
                }
            }
        }
        return changes
    }

    // MARK: Locations

    private static func selectorList(_ contract: Contract) -> String {
        contract.selectors.isEmpty ? "none" : contract.selectors.map { "`\($0)`" }.joined(separator: ", ")
    }

    /// The rule's line in the head file; else its `rules:` key, the head file, or (the head has
    /// no file) where the base had it.
    static func ruleLocation(_ id: String, head: Contract, base: Contract) -> SourceLocation {
        if let location = head.setting(for: id)?.location { return location }
        return keyLocation("rules", head: head, base: base, baseFallback: base.setting(for: id)?.location)
    }

    static func keyLocation(_ key: String, head: Contract, base: Contract, baseFallback: SourceLocation? = nil) -> SourceLocation {
        if let location = head.keyLocations[key] { return location }
        if !head.path.isEmpty { return head.keyLocations["default_policy"] ?? SourceLocation(path: head.path) }
        return baseFallback ?? base.keyLocations[key] ?? SourceLocation(path: base.path.isEmpty ? "contracts" : base.path)
    }
}
