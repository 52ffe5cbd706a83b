import DbtFiles
import Foundation
import GateDbt
import GateModel
import Yams

/// A source table whose definition a change edited, as dbt's `state:modified` sees it.
public struct ChangedSource: Equatable, Sendable {
    /// `source.<project>.<source>.<table>`, the dbt graph's node id.
    public var id: String
    /// `source_name.table_name`, as `source()` names it.
    public var name: String
    /// The table's entry at head.
    public var location: SourceLocation
    /// The fields that differ (`loaded_at_field`, `identifier`, …), or `new`.
    public var fields: [String]
}

extension DbtProject {
    /// The source tables whose definition is new or differs from `base`'s: dbt's `state:modified`
    /// selects them, and `state:modified+` everything downstream of them.
    ///
    /// As dbt 1.11's `SourceDefinition.same_contents`: the relation (`database`, `schema`,
    /// `identifier`), the folder of the property file (part of the source's fqn), `quoting`,
    /// freshness (`freshness`, `loaded_at_field`, `loaded_at_query`), `external`, and the config
    /// (`config:`, and `meta`/`tags`, which dbt now reads as config). A description, the columns
    /// and their tests are documentation and checks, not the source's definition. Source-level
    /// values count for each of its tables, the table's own winning.
    ///
    /// Only property files whose bytes differ between the two revisions are read. Like dbt 1.11, a
    /// change to `sources:` in `dbt_project.yml` modifies no source (checked: a `+meta` change
    /// there is not selected). A relation written as Jinja (`schema: "{{ var('s') }}"`) is
    /// compared rendered, as dbt compares it: when `vars:` changed, the unchanged property files
    /// that declare sources and say `var` are read too.
    public func changedSources(since base: DbtProject) throws -> [ChangedSource] {
        guard exists, base.exists else { return [] }
        let headFiles = try fileListing().propertyFiles, baseFiles = try base.fileListing().propertyFiles
        let differing = { (mine: DbtProject, other: DbtProject, path: String) -> Bool in
            guard let blob = mine.tree.blobID(of: path), let otherBlob = other.tree.blobID(of: path) else { return true }
            return blob != otherBlob
        }
        var headDiffering = headFiles.filter { differing(self, base, $0) }
        var baseDiffering = baseFiles.filter { differing(base, self, $0) }
        if projectFile?.vars != base.projectFile?.vars {
            for (project, files) in [(self, headDiffering), (base, baseDiffering)] {
                let found = try project.propertyFiles(mentioning: ["sources", "var"])
                let readingVars = Set(found["sources"] ?? []).intersection(found["var"] ?? []).subtracting(files).sorted()
                if project === self { headDiffering += readingVars } else { baseDiffering += readingVars }
            }
        }
        guard !headDiffering.isEmpty else { return [] }
        let before = try base.sourceDefinitions(in: baseDiffering)
        let after = try sourceDefinitions(in: headDiffering)
        // A table new in a changed head file and absent from every changed base file is new: had
        // it been in an unchanged file, that file would declare it at head too (a duplicate dbt
        // refuses, reported elsewhere).
        var result: [ChangedSource] = []
        for (name, facts) in after.sorted(by: { $0.key < $1.key }) {
            let fields = before[name].map { facts.differingFields(from: $0) } ?? ["new"]
            guard !fields.isEmpty else { continue }
            result.append(ChangedSource(id: "source.\(self.name).\(name)", name: name, location: facts.location, fields: fields))
        }
        return result
    }

    /// The definition facts of every source table the files at `paths` declare, by `source.table`.
    fileprivate func sourceDefinitions(in paths: [String]) throws -> [String: SourceDefinitionFacts] {
        var result: [String: SourceDefinitionFacts] = [:]
        for path in paths {
            let folder = (path as NSString).deletingLastPathComponent
            for source in try sectionItems("sources", inPropertyFile: path) {
                guard let sourceName = YAMLReading.string(YAMLReading.value("name", in: source)) else { continue }
                let sourceFields = SourceDefinitionFacts.definitionFields(of: source, schemaDefault: sourceName)
                for table in YAMLReading.items(YAMLReading.value("tables", in: source)) {
                    guard let tableName = YAMLReading.string(YAMLReading.value("name", in: table)) else { continue }
                    var fields = sourceFields
                    for (key, value) in SourceDefinitionFacts.definitionFields(of: table, schemaDefault: nil) {
                        fields[key] = SourceDefinitionFacts.merged(fields[key], value, key: key)
                    }
                    if fields["identifier"] == nil { fields["identifier"] = .string(tableName) }
                    for key in ["database", "schema", "identifier"] {
                        if case let .string(text)? = fields[key], ModelConfig.isJinja(text), let rendered = renderedValue(text, path: path) {
                            fields[key] = .string(rendered)
                        }
                    }
                    fields["fqn folder"] = .string(folder)
                    result[sourceName + "." + tableName] = SourceDefinitionFacts(
                        fields: fields, location: YAMLReading.location(of: table, in: path))
                }
            }
        }
        return result
    }
}

extension DbtProject {
    /// The items of the top-level `section` list of the property file at `path`, read as dbt reads
    /// it (the last of a repeated key wins). Empty when the file does not name the section (a
    /// cheap byte test first: most files do not) or is not YAML, which is reported where the
    /// models' entries are read.
    func sectionItems(_ section: String, inPropertyFile path: String) throws -> [Node] {
        guard let data = try tree.contents(of: path), ByteText.contains(Array(section.utf8), in: data),
              let root = try? YAMLReading.composeKeepingLastDuplicate(String(decoding: data, as: UTF8.self), path: path,
                                                                     readKeys: [section]).node else { return [] }
        return YAMLReading.items(YAMLReading.value(section, in: root))
    }
}

/// What dbt compares of one source table, source-level values merged in.
struct SourceDefinitionFacts {
    var fields: [String: JSONValue]
    var location: SourceLocation

    /// Keys of a source or table entry that are part of its definition.
    static let definitionKeys = ["database", "schema", "identifier", "quoting", "freshness", "loaded_at_field",
                                 "loaded_at_query", "external", "config", "meta", "tags", "enabled", "event_time"]

    static func definitionFields(of entry: Node, schemaDefault: String?) -> [String: JSONValue] {
        var fields: [String: JSONValue] = [:]
        for key in definitionKeys {
            if let node = YAMLReading.value(key, in: entry) { fields[key] = YAMLReading.json(node) }
        }
        // dbt's schema defaults to the source's name: writing it out changes nothing.
        if let schemaDefault, fields["schema"] == nil { fields["schema"] = .string(schemaDefault) }
        return fields
    }

    /// A table's value over its source's: mappings merge key by key (quoting, config, meta), tags
    /// add up, anything else the table's wins.
    static func merged(_ source: JSONValue?, _ table: JSONValue, key: String) -> JSONValue {
        switch (source, table) {
        case let (.object(outer)?, .object(inner)):
            return .object(outer.merging(inner) { _, mine in mine })
        case let (.array(outer)?, .array(inner)) where key == "tags":
            return .array(outer + inner)
        default:
            return table
        }
    }

    func differingFields(from old: SourceDefinitionFacts) -> [String] {
        Set(fields.keys).union(old.fields.keys).filter { fields[$0] != old.fields[$0] }.sorted()
    }
}
