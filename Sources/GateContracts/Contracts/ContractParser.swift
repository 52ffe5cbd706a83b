import GateModel
import GateRules
import Yams

/// Turns the YAML of a contract (or an ODCS file, or an inline default policy) into values,
/// recording every problem in `reader` with its line and column.
package struct ContractParser {
    package var reader: YAMLReader

    package init(reader: YAMLReader) { self.reader = reader }

    static let contractKeys = ["contract", "description", "owners", "models", "rules", "when_unused", "notify",
                               "handles", "waivers", "default"]
    static let waiverKeys = ["rule", "model", "column", "reason", "approved_by", "expires"]
    static let severityWords = ["error", "warning", "notice", "off"]
    static let whenUnusedWords = ["warning", "notice", "off"]

    // MARK: contract-gate contracts

    /// `asDefaultPolicy`: the file is the default policy because contract-gate.yml names it, so
    /// `default: true` is implied.
    mutating func parseContract(_ root: Node, asDefaultPolicy: Bool = false) -> Contract? {
        guard let entries = reader.entries(root, of: "a contract", allowed: Self.contractKeys) else { return nil }
        var contract = Contract(name: "", isDefault: asDefaultPolicy, path: reader.path)
        var sawName = false, sawModels = false, modelsHadProblems = false
        var modelsNode: Node?
        var waiverNodes: [Node] = []
        for entry in entries {
            let value = entry.value
            contract.keyLocations[entry.key] = reader.location(entry.keyNode)
            switch entry.key {
            case "contract":
                sawName = true
                if let name = reader.nonEmptyString(value, "`contract`") { contract.name = name }
            case "description": contract.description = reader.string(value, "`description`")
            case "owners": contract.owners = reader.strings(value, "`owners`")?.map(\.text) ?? []
            case "models":
                sawModels = true
                modelsNode = entry.keyNode
                let before = reader.problems.count
                (contract.selectors, contract.selectorLocations) = parseSelectors(value)
                modelsHadProblems = reader.problems.count > before
            case "rules": contract.rules = parseRules(value)
            case "when_unused": contract.whenUnused = parseWhenUnused(value)
            case "notify": contract.notify = parseNotify(value)
            case "handles": contract.handles = parseHandles(value)
            case "waivers": waiverNodes = reader.list(value, "`waivers`") ?? []
            case "default": contract.isDefault = reader.bool(value, "`default`") ?? false
            default: break
            }
        }
        if !sawName {
            reader.problem("a contract needs `contract: <name>` naming it (findings cite it).", at: root)
        }
        if contract.isDefault && sawModels {
            reader.problem("a default policy (`default: true`) covers the models no contract selects; remove `models:`.",
                           at: modelsNode)
        } else if !contract.isDefault && sawName && contract.selectors.isEmpty && !modelsHadProblems {
            reader.problem("contract `\(contract.name)` selects no models; add `models:` with path globs, `tag:` selectors or model names.",
                           at: modelsNode ?? root)
        }
        contract.waivers = waiverNodes.compactMap { parseWaiver($0, contract: contract.name) }
        if !contract.isDefault {
            for setting in contract.rules where RuleCatalog.description(of: setting.id)?.category == .policy {
                reader.problem("\(setting.id) judges changes to the policy itself, not models, so a contract with `models:` "
                    + "cannot set it; set it in the default policy (`default_policy:` in contract-gate.yml, or a contract "
                    + "with `default: true`).", at: setting.location)
            }
        }
        return contract
    }

    /// `default_policy:` inline in contract-gate.yml: `rules`, `when_unused`, `notify`, `handles`.
    package mutating func parseDefaultPolicy(_ node: Node) -> Contract? {
        guard let entries = reader.entries(node, of: "`default_policy`",
                                           allowed: ["rules", "when_unused", "notify", "handles"]) else { return nil }
        var contract = Contract(name: "default", isDefault: true, path: reader.path)
        contract.keyLocations["default_policy"] = reader.location(node)
        for entry in entries {
            contract.keyLocations[entry.key] = reader.location(entry.keyNode)
            switch entry.key {
            case "rules": contract.rules = parseRules(entry.value)
            case "when_unused": contract.whenUnused = parseWhenUnused(entry.value)
            case "notify": contract.notify = parseNotify(entry.value)
            case "handles": contract.handles = parseHandles(entry.value)
            default: break
            }
        }
        return contract
    }

    private mutating func parseWhenUnused(_ node: Node) -> Severity? {
        reader.choice(node, "`when_unused`", Self.whenUnusedWords).flatMap(Severity.init(rawValue:))
    }

    private mutating func parseNotify(_ node: Node) -> [Contract.NotifyTarget] {
        (reader.strings(node, "`notify`") ?? []).compactMap { item in
            reader.choice(item.node, "each item of `notify`", Contract.NotifyTarget.allCases.map(\.rawValue))
                .flatMap(Contract.NotifyTarget.init(rawValue:))
        }
    }

    private mutating func parseHandles(_ node: Node) -> [String: String] {
        var handles: [String: String] = [:]
        for entry in reader.entries(node, of: "`handles`", allowed: []) ?? [] {
            if let handle = reader.nonEmptyString(entry.value, "handle for `\(entry.key)`") { handles[entry.key] = handle }
        }
        return handles
    }

    private mutating func parseSelectors(_ node: Node) -> ([Contract.Selector], [SourceLocation]) {
        var selectors: [Contract.Selector] = []
        var locations: [SourceLocation] = []
        guard let items = reader.list(node, "`models`") else { return ([], []) }
        for item in items {
            // Whatever branch below appends a selector, its location is the item's.
            defer { while locations.count < selectors.count { locations.append(reader.location(item)) } }
            // `- tag: finance` (with a space) is a YAML mapping, not the selector the author meant.
            if case .mapping(let mapping) = item, mapping.count == 1, mapping.keys.first?.string == "tag" {
                let name = mapping.values.first?.string.flatMap { $0.isEmpty ? nil : $0 } ?? "<name>"
                reader.problem("`tag: \(name)` is a YAML mapping; write the selector as `\"tag:\(name)\"` (no space after the colon).",
                               at: item)
                continue
            }
            guard let text = reader.nonEmptyString(item, "each item of `models`") else { continue }
            if text.hasPrefix("tag:") {
                let tag = String(text.dropFirst(4)).trimmingCharacters(in: .whitespaces)
                if tag.isEmpty { reader.problem("`tag:` needs a tag name, e.g. `tag:finance`.", at: item) }
                else { selectors.append(.tag(tag)) }
            } else if text.contains("/") || text.contains(where: { "*?[]".contains($0) })
                        || text.hasSuffix(".sql") || text.hasSuffix(".py") {
                if let problem = PathGlob.problem(with: text) {
                    reader.problem("bad path glob `\(text)`: \(problem).", at: item)
                } else if let glob = PathGlob(text) {
                    selectors.append(.path(glob))
                }
            } else if text.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == "." }) {
                selectors.append(.name(text))
            } else {
                reader.problem("`\(text)` is neither a path glob (contains `/` or `*`), a `tag:` selector nor a model name.",
                               at: item)
            }
        }
        return (selectors, locations)
    }

    mutating func parseRules(_ node: Node) -> [Contract.RuleSetting] {
        let ids = RuleCatalog.ids
        var settings: [Contract.RuleSetting] = []
        for entry in reader.entries(node, of: "`rules`", allowed: []) ?? [] {
            guard let description = RuleCatalog.description(of: entry.key) else {
                reader.problem("unknown rule ID `\(entry.key)`.\(Suggestions.hint(for: entry.key, in: ids)) Run `contract-gate rules` for the catalogue.",
                               at: entry.keyNode)
                continue
            }
            let location = reader.location(entry.keyNode)
            switch entry.value {
            case .scalar:
                if let word = reader.choice(entry.value, "severity of \(entry.key)", Self.severityWords),
                   let severity = Severity(rawValue: word) {
                    settings.append(.init(id: entry.key, severity: severity, location: location))
                }
            case .mapping:
                let allowed = ["severity"] + description.options.map(\.name)
                guard let items = reader.entries(entry.value, of: "options of \(entry.key)", allowed: allowed) else { continue }
                var severity: Severity?
                var options: [String: JSONValue] = [:]
                for item in items {
                    if item.key == "severity" {
                        severity = reader.choice(item.value, "severity of \(entry.key)", Self.severityWords)
                            .flatMap(Severity.init(rawValue:))
                        continue
                    }
                    if let option = description.option(named: item.key),
                       let value = parseOption(item.value, option, rule: entry.key) {
                        options[item.key] = value
                    }
                }
                if !items.contains(where: { $0.key == "severity" }) {
                    reader.problem("\(entry.key) needs `severity:` (error, warning, notice or off) beside its options.",
                                   at: entry.value)
                } else if let severity {
                    settings.append(.init(id: entry.key, severity: severity, options: options, location: location))
                }
            default:
                reader.problem("\(entry.key) must be a severity (`error`) or a mapping (`{severity: error, …}`), found \(YAMLReader.kind(of: entry.value)).",
                               at: entry.value)
            }
        }
        return settings
    }

    private mutating func parseOption(_ node: Node, _ option: RuleOption, rule: String) -> JSONValue? {
        let what = "`\(option.name)` of \(rule)"
        switch option.kind {
        case .integer:
            return reader.int(node, what, atLeast: 0).map { .number(Double($0)) }
        case .boolean:
            return reader.bool(node, what).map(JSONValue.bool)
        case .string:
            if let allowed = option.allowedValues { return reader.choice(node, what, allowed).map(JSONValue.string) }
            return reader.nonEmptyString(node, what).map(JSONValue.string)
        case .stringList:
            guard let items = reader.strings(node, what) else { return nil }
            var values: [JSONValue] = []
            for (text, item) in items {
                if let allowed = option.allowedValues {
                    if let word = reader.choice(item, "each item of \(what)", allowed) { values.append(.string(word)) }
                } else {
                    values.append(.string(text))
                }
            }
            return .array(values)
        }
    }

    private mutating func parseWaiver(_ node: Node, contract: String) -> Waiver? {
        guard let entries = reader.entries(node, of: "a waiver", allowed: Self.waiverKeys) else { return nil }
        var rule: String?, model: String?, column: String?, reason: String?, approvedBy: String?
        var expires: CalendarDay?
        var valid = true
        for entry in entries {
            switch entry.key {
            case "rule":
                guard let id = reader.nonEmptyString(entry.value, "waiver `rule`") else { valid = false; continue }
                if RuleCatalog.description(of: id) == nil {
                    reader.problem("waiver names unknown rule ID `\(id)`.\(Suggestions.hint(for: id, in: RuleCatalog.ids))",
                                   at: entry.value)
                    valid = false
                } else if RuleCatalog.description(of: id)?.category == .policy {
                    reader.problem("\(id) findings cannot be waived: they are how a relaxed policy gets reviewed. "
                        + "Lower its severity in the default policy instead.", at: entry.value)
                    valid = false
                } else { rule = id }
            case "model": model = reader.nonEmptyString(entry.value, "waiver `model`")
            case "column": column = reader.nonEmptyString(entry.value, "waiver `column`")
            case "reason": reason = reader.nonEmptyString(entry.value, "waiver `reason`")
            case "approved_by": approvedBy = reader.nonEmptyString(entry.value, "waiver `approved_by`")
            case "expires":
                expires = reader.day(entry.value, "waiver `expires`")
                if expires == nil { valid = false }
            default: break
            }
        }
        let present = Set(entries.map(\.key))
        for (key, advice) in [("rule", "the rule ID it waives"), ("model", "the model it applies to"),
                              ("reason", "why the break is acceptable"), ("approved_by", "who approved it, e.g. \"@alice\"")]
            where !present.contains(key) {
            reader.problem("waiver is missing `\(key)`: add \(advice).", at: node)
            valid = false
        }
        guard valid, let rule, let model, let reason, let approvedBy else { return nil }
        return Waiver(rule: rule, model: model, column: column, reason: reason, approvedBy: approvedBy,
                      expires: expires, location: reader.location(node), contract: contract)
    }

    // MARK: ODCS v3

    static let odcsTopKeys = ["apiVersion", "kind", "id", "name", "version", "status", "tenant", "domain",
                              "dataProduct", "description", "tags", "schema", "servers", "support", "price", "team",
                              "roles", "slaDefaultElement", "slaProperties", "authoritativeDefinitions",
                              "customProperties", "contractCreatedTs", "quality"]
    static let odcsSchemaKeys = ["id", "name", "physicalName", "physicalType", "logicalType", "description",
                                 "businessName", "authoritativeDefinitions", "tags", "customProperties",
                                 "dataGranularityDescription", "quality", "properties"]
    static let odcsPropertyKeys = ["id", "name", "physicalName", "physicalType", "logicalType", "logicalTypeOptions",
                                   "required", "unique", "primaryKey", "primaryKeyPosition", "partitioned",
                                   "partitionKeyPosition", "classification", "encryptedName",
                                   "transformSourceObjects", "transformLogic", "transformDescription", "examples",
                                   "criticalDataElement", "description", "businessName", "authoritativeDefinitions",
                                   "tags", "customProperties", "quality", "items", "properties"]
    static let odcsLogicalTypes = ["string", "date", "timestamp", "time", "number", "integer", "object", "array",
                                   "boolean"]

    mutating func parseOdcs(_ root: Node, fileName: String) -> OdcsContract? {
        guard let entries = reader.entries(root, of: "an ODCS data contract", allowed: Self.odcsTopKeys) else { return nil }
        var name: String?, id: String?
        var schemas: [OdcsSchemaExpectation] = []
        var schemaNodes: [Node] = []
        for entry in entries {
            switch entry.key {
            case "apiVersion":
                if let version = reader.nonEmptyString(entry.value, "`apiVersion`"), !Self.isOdcsV3(version) {
                    reader.problem("`apiVersion` must be an ODCS v3 version such as `v3.0.2`, found `\(version)`.",
                                   at: entry.value)
                }
            case "kind":
                if let kind = reader.nonEmptyString(entry.value, "`kind`"), kind != "DataContract" {
                    reader.problem("`kind` must be `DataContract` for an ODCS file, found `\(kind)`.", at: entry.value)
                }
            case "name": name = reader.nonEmptyString(entry.value, "`name`")
            case "id": id = reader.nonEmptyString(entry.value, "`id`")
            case "schema": schemaNodes = reader.list(entry.value, "`schema`") ?? []
            default: break
            }
        }
        for key in ["apiVersion", "kind"] where !entries.contains(where: { $0.key == key }) {
            reader.problem("an ODCS data contract needs `\(key):`" + (key == "kind" ? " (`DataContract`)." : " (e.g. `v3.0.2`)."),
                           at: root)
        }
        let contractName = name ?? id ?? fileName
        for node in schemaNodes {
            if let schema = parseOdcsSchema(node, contract: contractName) { schemas.append(schema) }
        }
        return OdcsContract(name: contractName, path: reader.path, schemas: schemas)
    }

    static func isOdcsV3(_ version: String) -> Bool {
        let parts = version.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.first == "v3", (2...3).contains(parts.count) else { return false }
        return parts.dropFirst().allSatisfy { !$0.isEmpty && $0.allSatisfy(\.isNumber) }
    }

    private mutating func parseOdcsSchema(_ node: Node, contract: String) -> OdcsSchemaExpectation? {
        guard let entries = reader.entries(node, of: "an ODCS `schema` object", allowed: Self.odcsSchemaKeys) else { return nil }
        var name: String?, physicalName: String?
        var properties: [OdcsPropertyExpectation] = []
        for entry in entries {
            switch entry.key {
            case "name": name = reader.nonEmptyString(entry.value, "schema `name`")
            case "physicalName": physicalName = reader.nonEmptyString(entry.value, "schema `physicalName`")
            case "properties":
                for item in reader.list(entry.value, "schema `properties`") ?? [] {
                    if let property = parseOdcsProperty(item) { properties.append(property) }
                }
            default: break
            }
        }
        guard let name else {
            reader.problem("an ODCS `schema` object needs `name:` (the dbt model name).", at: node)
            return nil
        }
        return OdcsSchemaExpectation(contract: contract, model: name, physicalName: physicalName,
                                     properties: properties, location: reader.location(node))
    }

    private mutating func parseOdcsProperty(_ node: Node) -> OdcsPropertyExpectation? {
        guard let entries = reader.entries(node, of: "an ODCS property", allowed: Self.odcsPropertyKeys) else { return nil }
        var property = OdcsPropertyExpectation(name: "", location: reader.location(node))
        var named = false
        for entry in entries {
            switch entry.key {
            case "name":
                if let name = reader.nonEmptyString(entry.value, "property `name`") { property.name = name; named = true }
            case "physicalType": property.physicalType = reader.nonEmptyString(entry.value, "property `physicalType`")
            case "logicalType": property.logicalType = reader.choice(entry.value, "property `logicalType`", Self.odcsLogicalTypes)
            case "required": property.required = reader.bool(entry.value, "property `required`") ?? false
            case "unique": property.unique = reader.bool(entry.value, "property `unique`") ?? false
            case "primaryKey": property.primaryKey = reader.bool(entry.value, "property `primaryKey`") ?? false
            case "classification": property.classification = reader.nonEmptyString(entry.value, "property `classification`")
            default: break
            }
        }
        if !named {
            if !entries.contains(where: { $0.key == "name" }) {
                reader.problem("an ODCS property needs `name:` (the column name).", at: node)
            }
            return nil
        }
        return property
    }
}
