import Foundation
import GateModel
import Yams

/// A column as a YAML property file declares it, with the places its facts are written.
package struct ParsedColumn: Hashable {
    package var spec: ColumnSpec
    package var dataTypeLocation: SourceLocation?
    package var descriptionLocation: SourceLocation?
    /// Where the PII mark (meta key or tag) is written, when there is one.
    package var piiLocation: SourceLocation?
}

/// A model-level `constraints:` entry (`- type: primary_key` with `columns: [...]`).
package struct ModelConstraint: Hashable {
    package var kind: ConstraintKind
    package var columns: [String]
    package var location: SourceLocation
}

/// A version's `columns:` list: which top-level columns it keeps, and the ones it adds or overrides.
package struct VersionColumns: Hashable {
    /// nil = `all`.
    package var include: [String]?
    package var exclude: [String]
    package var columns: [ParsedColumn]
}

/// One `versions:` entry.
package struct PropertyVersion: Hashable {
    package var version: String
    package var definedIn: String?
    package var location: SourceLocation
    /// nil: the version has no `columns:` and inherits every top-level column.
    package var columns: VersionColumns?
    package var config: ModelConfig
    package var constraints: [ModelConstraint]
    package var deprecationDate: String?
    package var description: String?
}

/// One `models:` entry of a property file.
package struct PropertyModel: Hashable {
    package var name: String
    package var path: String
    /// The `- name:` line of the entry.
    package var location: SourceLocation
    package var description: String?
    package var config: ModelConfig
    package var columns: [ParsedColumn]
    package var constraints: [ModelConstraint]
    package var versions: [PropertyVersion]
    package var latestVersion: String?
    package var deprecationDate: String?
    /// The whole entry as written, for telling whether a change touched it (marks excluded).
    package var raw: JSONValue
}

/// One `exposures:` entry.
package struct PropertyExposure: Hashable {
    package var name: String
    package var path: String
    package var location: SourceLocation
    package var type: String?
    package var owner: Owner?
    package var tags: [String]
    package var refs: [ModelReference]
    package var sources: [SourceReference]
    package var url: String?
    package var label: String?
}

/// One `snapshots:` entry written in YAML (dbt ≥ 1.9): `relation: ref('x')` or
/// `relation: source('s', 't')` is what it reads.
package struct PropertySnapshot: Hashable {
    package var name: String
    package var path: String
    package var refs: [ModelReference]
    package var sources: [SourceReference]
}

/// One entry of the semantic layer: `semantic_models:`, `metrics:` or `saved_queries:`.
/// What each depends on is named the way dbt records it in `depends_on` (checked against
/// dbt-core 1.11's manifest): a semantic model on its `model: ref()`, a simple, cumulative or
/// conversion metric on the semantic models defining its measures, a ratio or derived metric on
/// its metrics, a saved query on its metrics.
package struct PropertySemanticNode: Hashable {
    package enum Kind: String, CaseIterable {
        case semanticModel = "semantic_model", metric, savedQuery = "saved_query"

        /// The property-file section listing this kind.
        package var section: String {
            switch self {
            case .semanticModel: "semantic_models"
            case .metric: "metrics"
            case .savedQuery: "saved_queries"
            }
        }
    }

    package var kind: Kind
    package var name: String
    package var path: String
    package var label: String?
    /// `config.meta.owner` (or `meta.owner`) and `config.group` (or `group`).
    package var owner: String?
    package var group: String?
    package var tags: [String]
    /// A semantic model's `model:`.
    package var refs: [ModelReference] = []
    /// The measures a semantic model defines.
    package var definedMeasures: [String] = []
    /// The measures a metric reads.
    package var measures: [String] = []
    /// The metrics a metric or saved query reads.
    package var metrics: [String] = []
    /// A semantic model's column expressions: each entity's, dimension's and measure's `expr`, or
    /// its `name` when it has none — the columns of its model that it uses.
    package var columnExpressions: [String] = []
}

/// Everything dbt would take from one YAML property file, or why it could not be read.
package struct PropertyFileContents: Equatable {
    package var models: [PropertyModel] = []
    package var exposures: [PropertyExposure] = []
    package var snapshots: [PropertySnapshot] = []
    package var semanticNodes: [PropertySemanticNode] = []
    /// The `enabled` a `snapshots:` entry sets (`config: {enabled:}`, or `enabled:` beside it, which
    /// dbt 1.11 still reads), SQL and YAML snapshots alike, by snapshot name.
    package var snapshotEnabled: [String: JSONValue] = [:]
    package var diagnostics: [Diagnostic] = []
    /// The file is not valid YAML: what it says about any model is unknown.
    package var failure: InputError?

    package init() {}
}

/// Reads YAML property files (`models:`, `exposures:`) with positions, leniently: a malformed
/// entry becomes a diagnostic, the rest of the file is still read.
package enum PropertyFileReader {
    /// The top-level sections this reader walks. Anchors elsewhere (`sources:` meta, a shared
    /// `x-defaults:` block) are never expanded here, so they never trip the alias guard.
    static let sectionsRead: Set<String> = Set(["models", "exposures", "snapshots"]
        + PropertySemanticNode.Kind.allCases.map(\.section))

    package static func read(_ data: Data, path: String) -> PropertyFileContents {
        var contents = PropertyFileContents()
        if let line = ByteText.firstInvalidUTF8Line(data) {
            contents.diagnostics.append(Diagnostic(
                severity: .warning,
                message: "property file is not valid UTF-8; invalid bytes were replaced — save it as UTF-8",
                location: SourceLocation(path: path, line: line)))
        }
        let text = String(decoding: data, as: UTF8.self)
        let root: Node?
        do {
            let composed = try YAMLReading.composeKeepingLastDuplicate(text, path: path, readKeys: PropertyFileReader.sectionsRead)
            root = composed.node
            contents.diagnostics += composed.warnings
        } catch let error as InputError {
            contents.failure = error
            contents.diagnostics.append(Diagnostic(
                severity: .warning,
                message: "\(error.message); the models it describes could not be compared",
                location: error.location))
            return contents
        } catch {
            let failure = InputError("unreadable YAML: \(error)", at: SourceLocation(path: path))
            contents.failure = failure
            contents.diagnostics.append(Diagnostic(severity: .warning, message: failure.message, location: failure.location))
            return contents
        }
        guard let root, case .mapping = root else { return contents }
        if let models = YAMLReading.value("models", in: root) {
            if case .sequence = models {
                for item in YAMLReading.items(models) {
                    if let model = readModel(item, path: path, diagnostics: &contents.diagnostics) {
                        contents.models.append(model)
                    }
                }
            } else if YAMLReading.tagName(models) != .null {
                contents.diagnostics.append(Diagnostic(
                    severity: .warning, message: "`models:` must be a list of `- name:` entries; this one was not read",
                    location: YAMLReading.location(of: models, in: path)))
            }
        }
        for item in YAMLReading.items(YAMLReading.value("exposures", in: root)) {
            if let exposure = readExposure(item, path: path, diagnostics: &contents.diagnostics) {
                contents.exposures.append(exposure)
            }
        }
        for item in YAMLReading.items(YAMLReading.value("snapshots", in: root)) {
            guard let name = YAMLReading.string(YAMLReading.value("name", in: item)) else { continue }
            if let enabled = YAMLReading.value("config", in: item).flatMap({ YAMLReading.value("enabled", in: $0) })
                ?? YAMLReading.value("enabled", in: item) {
                contents.snapshotEnabled[name] = YAMLReading.json(enabled)
            }
            guard let relation = YAMLReading.string(YAMLReading.value("relation", in: item)) else { continue }
            let scan = ReferenceScanner.scan(Data(relation.utf8))
            contents.snapshots.append(PropertySnapshot(name: name, path: path, refs: scan.refs, sources: scan.sources))
        }
        for kind in PropertySemanticNode.Kind.allCases {
            for item in YAMLReading.items(YAMLReading.value(kind.section, in: root)) {
                if let node = readSemanticNode(item, kind: kind, path: path, diagnostics: &contents.diagnostics) {
                    contents.semanticNodes.append(node)
                }
            }
        }
        return contents
    }

    // MARK: models

    private static func readModel(_ node: Node, path: String, diagnostics: inout [Diagnostic]) -> PropertyModel? {
        let location = YAMLReading.location(of: node, in: path)
        guard case .mapping = node else {
            diagnostics.append(Diagnostic(severity: .warning, message: "a `models:` entry must be a mapping with `name:`",
                                          location: location))
            return nil
        }
        guard let name = YAMLReading.string(YAMLReading.value("name", in: node)), !name.isEmpty else {
            diagnostics.append(Diagnostic(severity: .warning, message: "a `models:` entry has no `name:`; it was not read",
                                          location: location))
            return nil
        }
        var model = PropertyModel(
            name: name, path: path, location: location,
            description: YAMLReading.string(YAMLReading.value("description", in: node)),
            config: readConfig(node, path: path),
            columns: [], constraints: readConstraints(YAMLReading.value("constraints", in: node), path: path),
            versions: [], latestVersion: YAMLReading.string(YAMLReading.value("latest_version", in: node)),
            deprecationDate: YAMLReading.string(YAMLReading.value("deprecation_date", in: node)),
            raw: YAMLReading.json(node))
        model.columns = readColumns(YAMLReading.value("columns", in: node), path: path, diagnostics: &diagnostics).columns
        for item in YAMLReading.items(YAMLReading.value("versions", in: node)) {
            let versionLocation = YAMLReading.location(of: item, in: path)
            guard let version = YAMLReading.string(YAMLReading.value("v", in: item)) else {
                diagnostics.append(Diagnostic(severity: .warning,
                                              message: "a `versions:` entry of \(name) has no `v:`; it was not read",
                                              location: versionLocation))
                continue
            }
            var entry = PropertyVersion(
                version: version, definedIn: YAMLReading.string(YAMLReading.value("defined_in", in: item)),
                location: versionLocation, columns: nil, config: readConfig(item, path: path),
                constraints: readConstraints(YAMLReading.value("constraints", in: item), path: path),
                deprecationDate: YAMLReading.string(YAMLReading.value("deprecation_date", in: item)),
                description: YAMLReading.string(YAMLReading.value("description", in: item)))
            if let columnsNode = YAMLReading.value("columns", in: item) {
                entry.columns = readColumns(columnsNode, path: path, diagnostics: &diagnostics)
            }
            model.versions.append(entry)
        }
        return model
    }

    /// `config:` plus the keys dbt still accepts at the top level of an entry (`meta`, `tags`, …),
    /// with `config:` winning.
    static func readConfig(_ node: Node, path: String) -> ModelConfig {
        var config = ModelConfig()
        for key in ["meta", "tags", "docs", "access", "group"] {
            if let value = YAMLReading.value(key, in: node) {
                config.set(key, YAMLReading.json(value), at: YAMLReading.location(of: value, in: path))
            }
        }
        if let configNode = YAMLReading.value("config", in: node) {
            for pair in YAMLReading.pairs(of: configNode) {
                config.set(pair.key, YAMLReading.json(pair.value), at: YAMLReading.location(of: pair.keyNode, in: path))
                config.noteNestedLocations(key: pair.key, value: pair.value, path: path)
            }
        }
        return config
    }

    private static func readConstraints(_ node: Node?, path: String) -> [ModelConstraint] {
        YAMLReading.items(node).compactMap { item in
            guard let type = YAMLReading.string(YAMLReading.value("type", in: item)),
                  let kind = ConstraintKind(rawValue: type.lowercased()) else { return nil }
            return ModelConstraint(kind: kind, columns: YAMLReading.strings(YAMLReading.value("columns", in: item)),
                                   location: YAMLReading.location(of: item, in: path))
        }
    }

    // MARK: columns

    private static func readColumns(_ node: Node?, path: String, diagnostics: inout [Diagnostic]) -> VersionColumns {
        var result = VersionColumns(include: nil, exclude: [], columns: [])
        for item in YAMLReading.items(node) {
            if let include = YAMLReading.value("include", in: item) {
                if case .sequence = include { result.include = YAMLReading.strings(include) }
                else if let word = YAMLReading.string(include), word != "all", word != "*" { result.include = [word] }
                result.exclude += YAMLReading.strings(YAMLReading.value("exclude", in: item))
                continue
            }
            guard let name = YAMLReading.string(YAMLReading.value("name", in: item)) else {
                diagnostics.append(Diagnostic(severity: .warning, message: "a column entry has no `name:`; it was not read",
                                              location: YAMLReading.location(of: item, in: path)))
                continue
            }
            result.columns.append(readColumn(item, name: name, position: result.columns.count, path: path))
        }
        return result
    }

    private static func readColumn(_ node: Node, name: String, position: Int, path: String) -> ParsedColumn {
        let location = YAMLReading.location(of: node, in: path)
        let dataTypeNode = YAMLReading.value("data_type", in: node)
        let descriptionNode = YAMLReading.value("description", in: node)
        var meta: [String: JSONValue] = [:]
        var metaLocation: SourceLocation?
        var tags: [String] = []
        var tagsLocation: SourceLocation?
        let configNode = YAMLReading.value("config", in: node)
        for holder in [node, configNode].compactMap({ $0 }) {
            if let metaNode = YAMLReading.value("meta", in: holder), case .object(let values) = YAMLReading.json(metaNode) {
                for (key, value) in values { meta[key] = value }
                metaLocation = YAMLReading.location(of: metaNode, in: path)
            }
            if let tagsNode = YAMLReading.value("tags", in: holder) {
                for tag in YAMLReading.strings(tagsNode) where !tags.contains(tag) { tags.append(tag) }
                tagsLocation = YAMLReading.location(of: tagsNode, in: path)
            }
        }
        var constraints: [ColumnConstraint] = []
        for item in YAMLReading.items(YAMLReading.value("constraints", in: node)) {
            if let type = YAMLReading.string(YAMLReading.value("type", in: item)),
               let kind = ConstraintKind(rawValue: type.lowercased()) {
                constraints.append(ColumnConstraint(kind: kind, origin: .constraint,
                                                    location: YAMLReading.location(of: item, in: path)))
            }
        }
        for key in ["data_tests", "tests"] {
            for item in YAMLReading.items(YAMLReading.value(key, in: node)) {
                if let kind = testKind(item) {
                    constraints.append(ColumnConstraint(kind: kind, origin: .test,
                                                        location: YAMLReading.location(of: item, in: path)))
                }
            }
        }
        let piiByMeta = PIIMarks.metaKeys.first { meta[$0]?.boolValue == true }
            ?? (PIIMarks.classificationValues.contains(meta["classification"]?.stringValue?.lowercased() ?? "") ? "classification" : nil)
        let piiByTag = tags.contains { PIIMarks.tags.contains($0.lowercased()) }
        let spec = ColumnSpec(
            name: name, dataType: YAMLReading.string(dataTypeNode), position: position, constraints: constraints,
            description: YAMLReading.string(descriptionNode), tags: tags, meta: meta,
            isPII: piiByMeta != nil || piiByTag, renamedFrom: meta["renamed_from"]?.stringValue, location: location)
        return ParsedColumn(
            spec: spec,
            dataTypeLocation: dataTypeNode.map { YAMLReading.location(of: $0, in: path) },
            descriptionLocation: descriptionNode.map { YAMLReading.location(of: $0, in: path) },
            piiLocation: piiByMeta != nil ? metaLocation : (piiByTag ? tagsLocation : nil))
    }

    /// `not_null`, `unique`, `relationships` (a foreign key in test form), as a bare name, a
    /// one-key mapping with arguments, or `test_name:`. Package tests (`dbt_utils.…`) are not
    /// constraints of the column and are ignored, as is a test with `enabled: false`.
    private static func testKind(_ item: Node) -> ConstraintKind? {
        var name: String?
        var arguments: Node?
        if let bare = YAMLReading.string(item) {
            name = bare
        } else if let testName = YAMLReading.string(YAMLReading.value("test_name", in: item)) {
            name = testName
            arguments = item
        } else {
            let pairs = YAMLReading.pairs(of: item)
            if pairs.count == 1 { name = pairs[0].key; arguments = pairs[0].value }
        }
        if let arguments {
            let enabled = YAMLReading.value("enabled", in: arguments)
                ?? YAMLReading.value("config", in: arguments).flatMap { YAMLReading.value("enabled", in: $0) }
            if let enabled, YAMLReading.json(enabled) == .bool(false) { return nil }
        }
        switch name {
        case "not_null": return .notNull
        case "unique": return .unique
        case "relationships": return .foreignKey
        default: return nil
        }
    }

    // MARK: exposures

    private static func readExposure(_ node: Node, path: String, diagnostics: inout [Diagnostic]) -> PropertyExposure? {
        let location = YAMLReading.location(of: node, in: path)
        guard let name = YAMLReading.string(YAMLReading.value("name", in: node)) else {
            diagnostics.append(Diagnostic(severity: .warning, message: "an `exposures:` entry has no `name:`; it was not read",
                                          location: location))
            return nil
        }
        var owner: Owner?
        if let ownerNode = YAMLReading.value("owner", in: node) {
            let ownerName = YAMLReading.string(YAMLReading.value("name", in: ownerNode))
            let email = YAMLReading.string(YAMLReading.value("email", in: ownerNode))
            if let id = email ?? ownerName { owner = Owner(id: id, name: ownerName, email: email, kind: "dbt") }
        }
        var refs: [ModelReference] = []
        var sources: [SourceReference] = []
        for item in YAMLReading.items(YAMLReading.value("depends_on", in: node)) {
            guard let text = YAMLReading.string(item) else { continue }
            let scan = ReferenceScanner.scan(Data(text.utf8))
            let line = YAMLReading.location(of: item, in: path).line
            refs += scan.refs.map { var ref = $0; ref.line = line; return ref }
            sources += scan.sources.map { var source = $0; source.line = line; return source }
        }
        let tags = YAMLReading.strings(YAMLReading.value("tags", in: node))
            + YAMLReading.strings(YAMLReading.value("config", in: node).flatMap { YAMLReading.value("tags", in: $0) })
        return PropertyExposure(name: name, path: path, location: location,
                                type: YAMLReading.string(YAMLReading.value("type", in: node)),
                                owner: owner, tags: tags, refs: refs, sources: sources,
                                url: YAMLReading.string(YAMLReading.value("url", in: node)),
                                label: YAMLReading.string(YAMLReading.value("label", in: node)))
    }
}

extension PropertyFileReader {
    // MARK: semantic layer

    static func readSemanticNode(_ node: Node, kind: PropertySemanticNode.Kind, path: String,
                                 diagnostics: inout [Diagnostic]) -> PropertySemanticNode? {
        guard let name = YAMLReading.string(YAMLReading.value("name", in: node)) else {
            diagnostics.append(Diagnostic(severity: .warning, message: "a `\(kind.section):` entry has no `name:`; it was not read",
                                          location: YAMLReading.location(of: node, in: path)))
            return nil
        }
        let config = readConfig(node, path: path)
        var result = PropertySemanticNode(
            kind: kind, name: name, path: path, label: YAMLReading.string(YAMLReading.value("label", in: node)),
            owner: config.values["meta"]?["owner"]?.stringValue, group: config.values["group"]?.stringValue,
            tags: config.tags)
        /// A measure or metric written as its name or as a mapping with `name:`.
        func names(_ node: Node?) -> [String] {
            guard let node else { return [] }
            if case .sequence = node { return YAMLReading.items(node).flatMap(names) }
            return [YAMLReading.string(node) ?? YAMLReading.string(YAMLReading.value("name", in: node))].compactMap { $0 }
        }
        let typeParams = YAMLReading.value("type_params", in: node)
        func param(_ key: String) -> Node? { typeParams.flatMap { YAMLReading.value(key, in: $0) } }
        switch kind {
        case .semanticModel:
            if let model = YAMLReading.string(YAMLReading.value("model", in: node)) {
                result.refs = ReferenceScanner.scan(Data(model.utf8)).refs
            }
            for section in ["entities", "dimensions", "measures"] {
                for item in YAMLReading.items(YAMLReading.value(section, in: node)) {
                    let itemName = YAMLReading.string(YAMLReading.value("name", in: item))
                    if section == "measures", let itemName { result.definedMeasures.append(itemName) }
                    if let expression = YAMLReading.string(YAMLReading.value("expr", in: item)) ?? itemName {
                        result.columnExpressions.append(expression)
                    }
                }
            }
        case .metric:
            let conversion = param("conversion_type_params")
            result.measures = names(param("measure"))
                + ["base_measure", "conversion_measure"].flatMap { key in names(conversion.flatMap { YAMLReading.value(key, in: $0) }) }
            result.metrics = names(param("numerator")) + names(param("denominator")) + names(param("metrics"))
        case .savedQuery:
            result.metrics = names(YAMLReading.value("query_params", in: node).flatMap { YAMLReading.value("metrics", in: $0) })
        }
        return result
    }
}

/// How a column is marked as holding personal data.
public enum PIIMarks {
    /// `meta` keys that mark PII when true.
    public static let metaKeys = ["pii", "contains_pii", "is_pii", "sensitive"]
    /// `meta.classification` values that mark PII.
    public static let classificationValues: Set<String> = ["pii", "sensitive", "personal", "confidential"]
    /// Tags that mark PII (compared lower-cased).
    public static let tags: Set<String> = ["pii", "sensitive"]
}
