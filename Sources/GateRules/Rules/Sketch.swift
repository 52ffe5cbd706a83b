import GateModel

/// Compact builders for rule examples. A sketched model lives in `models/marts/_models.yml`
/// laid out one fact per line, so examples can say which line a finding must point at:
///
/// ```
/// 1  models:
/// 2    - name: fct_orders            ← the model entry (model-level findings)
/// 3      config: {…}
/// 4      columns:
/// 5        - {name: id, …}           ← column 0
/// 6        - {name: status, …}       ← column 1
/// ```
public enum Sketch {
    /// The fixed "today" of every example, so expiry examples never rot.
    public static let today = CalendarDay(year: 2026, month: 6, day: 1) ?? CalendarDay(date: .init(timeIntervalSince1970: 0))
    public static let propertiesPath = "models/marts/_models.yml"
    /// The contract file POLICY examples change.
    public static let contractPath = "contracts/orders.yml"
    /// Line of the `- name:` entry.
    public static let modelLine = 2
    /// Line of column `i` is `firstColumnLine + i`.
    public static let firstColumnLine = 5

    /// A column; `constraints` are dbt constraints (`not_null`, `unique`, …).
    public static func column(_ name: String, _ dataType: String? = nil, _ constraints: [ConstraintKind] = [],
                              pii: Bool = false, description: String? = "Documented.", renamedFrom: String? = nil,
                              tags: [String] = []) -> ColumnSpec {
        ColumnSpec(name: name, dataType: dataType,
                   constraints: constraints.map { ColumnConstraint(kind: $0, origin: .constraint) },
                   description: description, tags: tags, isPII: pii, renamedFrom: renamedFrom)
    }

    /// A model with positions and locations assigned to its columns.
    public static func model(_ name: String, _ columns: [ColumnSpec] = [], materialized: String = "table",
                             alias: String? = nil, schema: String = "prod", enforced: Bool = false,
                             enabled: Bool = true, description: String? = "Documented.", owner: String? = "@data-team",
                             tags: [String] = [], versions: [ModelVersion] = [], path: String? = nil) -> ModelSnapshot {
        let sqlPath = path ?? "models/marts/\(name).sql"
        var located: [ColumnSpec] = []
        for (index, column) in columns.enumerated() {
            var copy = column
            copy.position = index
            copy.location = SourceLocation(path: propertiesPath, line: firstColumnLine + index, column: 9)
            located.append(copy)
        }
        return ModelSnapshot(
            name: name, uniqueId: "model.shop.\(name)", path: sqlPath, patchPath: propertiesPath,
            relation: Relation(database: "analytics", schema: schema, identifier: alias ?? name),
            materialized: materialized, contractEnforced: enforced, enabled: enabled, tags: tags,
            description: description, owner: owner, columns: located, versions: versions,
            location: SourceLocation(path: propertiesPath, line: modelLine, column: 5))
    }

    /// A downstream resource. `uses` lists the changed model's columns it reads (column lineage evidence);
    /// `parent` names the node it is reached through (nil: reads the changed model directly).
    public static func consumer(_ name: String, type: String = "model", usage: Int? = nil, verified: Bool = false,
                                tags: [String] = [], owners: [String] = [], parent: String? = nil,
                                uses: [String] = []) -> (node: DownstreamNode, uses: [String]) {
        let stale = ["dashboard", "chart", "dashboard_group"].contains(type) && (usage ?? 0) == 0
        let node = DownstreamNode(
            id: name, name: name, type: type, depth: parent == nil ? 1 : 2,
            source: type == "model" ? "dbt" : "secoda",
            owners: owners.map { Owner(id: $0, name: $0, kind: "user") }, tags: tags, verified: verified,
            usage: usage.map { Usage(external: $0) }, stale: stale, parentId: parent)
        return (node, uses)
    }

    /// The impact of `model` from sketched consumers.
    public static func impact(_ model: String, _ consumers: [(node: DownstreamNode, uses: [String])]) -> ModelImpact {
        var users: [String: [String]] = [:]
        for consumer in consumers {
            for column in consumer.uses { users[column.lowercased(), default: []].append(consumer.node.id) }
        }
        return ModelImpact(model: model, catalogId: "table-\(model)", downstream: consumers.map(\.node),
                           columnUsers: users)
    }

    /// A breaking finding as an earlier rule would have produced it (input of IMPACT examples).
    public static func breaking(_ rule: String, model: String, column: String? = nil, line: Int = modelLine) -> Finding {
        Finding(rule: rule, category: .breaking, severity: .warning, model: model, column: column,
                message: "\(rule) on \(model)\(column.map { ".\($0)" } ?? "")",
                location: SourceLocation(path: propertiesPath, line: line, column: 9))
    }

    /// A call of `referrer`'s SQL file (`models/marts/<referrer>.sql`, line `line`) that no longer resolves.
    public static func dangling(_ referrer: String, call: String, type: String = "model", target: String,
                                version: String? = nil, reason: DanglingReference.Reason, renamedTo: String? = nil,
                                versions: [String] = [], resolvedAtBase: Bool = true, line: Int) -> DanglingReference {
        DanglingReference(referrer: referrer, call: call, targetType: type, targetName: target, version: version,
                          reason: reason, renamedTo: renamedTo, versions: versions, resolvedAtBase: resolvedAtBase,
                          location: SourceLocation(path: "models/marts/\(referrer).sql", line: line))
    }

    /// A read in `reader`'s SQL file (`models/marts/<reader>.sql`, line `line`) of a column the change removes upstream.
    public static func brokenRead(_ reader: String, reads column: String, of upstream: String, renamedTo: String? = nil,
                                  via: String? = nil, changed: String? = nil, line: Int) -> BrokenColumnRead {
        BrokenColumnRead(reader: reader, upstream: upstream, column: column, renamedTo: renamedTo, via: via,
                         changedModel: changed ?? upstream, location: SourceLocation(path: "models/marts/\(reader).sql", line: line))
    }

    /// An enforced contract of `model` whose SQL and YAML disagree, at the model's property entry.
    public static func mismatch(_ model: String, missing: [String] = [], undeclared: [String] = []) -> ContractMismatch {
        ContractMismatch(model: model, missing: missing, undeclared: undeclared, changedModel: true,
                         location: SourceLocation(path: propertiesPath, line: modelLine, column: 5))
    }

    // MARK: - The example diff

    /// Column changes between two sketched models, as the dbt diff reports them: declared renames
    /// (`meta.renamed_from`) and same-position-same-type pairs become one `renamed` change.
    public static func columnChanges(before: ModelSnapshot?, after: ModelSnapshot?) -> [ColumnChange] {
        guard let before, let after else { return [] }
        let key = { (c: ColumnSpec) in c.name.lowercased() }
        let baseNames = Set(before.columns.map(key)), headNames = Set(after.columns.map(key))
        var removed = before.columns.filter { !headNames.contains(key($0)) }
        var added = after.columns.filter { !baseNames.contains(key($0)) }
        var changes: [ColumnChange] = []

        for column in added {
            let declared = column.renamedFrom.flatMap { from in removed.first { key($0) == from.lowercased() } }
            let paired = declared ?? removed.first {
                $0.position == column.position && ColumnType.sameType($0.dataType, column.dataType)
            }
            guard let old = paired else { continue }
            removed.removeAll { key($0) == key(old) }
            added.removeAll { key($0) == key(column) }
            changes.append(ColumnChange(kind: .renamed, column: column.name, before: old, after: column,
                                        location: column.location))
        }
        for column in removed {
            changes.append(ColumnChange(kind: .removed, column: column.name, before: column, location: after.location))
        }
        for column in added {
            changes.append(ColumnChange(kind: .added, column: column.name, after: column, location: column.location))
        }
        for old in before.columns {
            guard let new = after.columns.first(where: { key($0) == key(old) }) else { continue }
            if !ColumnType.sameType(old.dataType, new.dataType), old.dataType != nil || new.dataType != nil {
                changes.append(ColumnChange(kind: .typeChanged, column: new.name, before: old, after: new,
                                            location: new.location))
            }
            for kind in old.constraintKinds.subtracting(new.constraintKinds).sorted() {
                changes.append(ColumnChange(kind: .constraintRemoved, column: new.name, before: old, after: new,
                                            constraint: kind, location: new.location))
            }
            for kind in new.constraintKinds.subtracting(old.constraintKinds).sorted() {
                changes.append(ColumnChange(kind: .constraintAdded, column: new.name, before: old, after: new,
                                            constraint: kind, location: new.location))
            }
            if old.isPII != new.isPII {
                changes.append(ColumnChange(kind: old.isPII ? .piiMarkRemoved : .piiMarkAdded, column: new.name,
                                            before: old, after: new, location: new.location))
            }
            if old.description != new.description {
                changes.append(ColumnChange(kind: .descriptionChanged, column: new.name, before: old, after: new,
                                            location: new.location))
            }
        }
        return changes
    }

    // MARK: - Rendering (for `explain`)

    /// The sketched model as the property-file lines its locations refer to, numbered.
    static func render(_ model: ModelSnapshot?) -> [String] {
        guard let model else { return ["   (no model)"] }
        var config = ["materialized: \(model.materialized)"]
        if model.relation.identifier != model.name { config.append("alias: \(model.relation.identifier)") }
        if let schema = model.relation.schema, schema != "prod" { config.append("schema: \(schema)") }
        if model.contractEnforced { config.append("contract: {enforced: true}") }
        if !model.enabled { config.append("enabled: false") }
        if let owner = model.owner { config.append("meta: {owner: \"\(owner)\"}") }
        if !model.tags.isEmpty { config.append("tags: [\(model.tags.joined(separator: ", "))]") }
        var lines = ["models:", "  - name: \(model.name)", "    config: {\(config.joined(separator: ", "))}",
                     model.columns.isEmpty ? "    columns: []" : "    columns:"]
        for column in model.columns {
            var parts = ["name: \(column.name)"]
            if let type = column.dataType { parts.append("data_type: \(type)") }
            if !column.constraints.isEmpty {
                parts.append("constraints: [\(column.constraints.map(\.kind.rawValue).joined(separator: ", "))]")
            }
            var meta: [String] = []
            if column.isPII { meta.append("pii: true") }
            if let from = column.renamedFrom { meta.append("renamed_from: \(from)") }
            if !meta.isEmpty { parts.append("meta: {\(meta.joined(separator: ", "))}") }
            let note = (column.description ?? "").trimmingCharacters(in: .whitespaces).isEmpty ? "   # no description" : ""
            lines.append("      - {\(parts.joined(separator: ", "))}\(note)")
        }
        var numbered = lines.enumerated().map { index, line in
            let number = String(index + 1)
            return String(repeating: " ", count: max(0, 3 - number.count)) + number + "  " + line
        }
        if model.description == nil { numbered.append("     (model has no description)") }
        if !model.versions.isEmpty {
            let versions = model.versions.map { v in "v\(v.version)" + (v.deprecationDate.map { " (deprecation_date \($0))" } ?? "") }
            numbered.append("     versions: \(versions.joined(separator: ", "))")
        }
        if model.path != "models/marts/\(model.name).sql" { numbered.append("     file: \(model.path)") }
        return numbered
    }
}
