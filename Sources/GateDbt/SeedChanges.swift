import Foundation
import GateModel
import Yams

extension DbtProject {
    /// The seeds dbt's `state:modified` selects: a CSV file that is new or whose bytes differ
    /// (dbt's checksum; a file moved to another folder is new there, and its fqn changed), or whose
    /// configuration changed — `seeds:` in `dbt_project.yml` and the seed's property entry
    /// (`config:`, `column_types`, `meta`, `docs`, the relation), all but `tags` and `group`, as
    /// for models — or whose description changed where `persist_docs` writes it.
    public func changedSeeds(since base: DbtProject) throws -> [String] {
        var result: [String] = []
        var csvFiles: [String: String] = [:]   // name → path
        for folder in projectFile?.seedPaths ?? [] {
            for path in try tree.files(under: settings.projectPrefix + folder) where path.hasSuffix(".csv") {
                csvFiles[DbtProject.stem(of: path)] = csvFiles[DbtProject.stem(of: path)] ?? path
                if let blob = tree.blobID(of: path), let baseBlob = base.tree.blobID(of: path), blob == baseBlob { continue }
                if try base.tree.contents(of: path) != tree.contents(of: path) { result.append(DbtProject.stem(of: path)) }
            }
        }
        // Configuration: read only when a file that can hold it differs.
        let projectSeedsChanged = projectFile?.seeds != base.projectFile?.seeds
        let headEntries = try seedEntries(changedSince: base), baseEntries = try base.seedEntries(changedSince: self)
        guard projectSeedsChanged || !headEntries.isEmpty || !baseEntries.isEmpty else { return result }
        let already = Set(result)
        let candidates = projectSeedsChanged ? Set(csvFiles.keys) : Set(headEntries.keys).union(baseEntries.keys)
        let allBaseEntries = try base.seedEntries(changedSince: nil), allHeadEntries = try seedEntries(changedSince: nil)
        for name in candidates.sorted() where !already.contains(name) {
            guard let path = csvFiles[name] else { continue }
            let after = seedDefinition(name: name, path: path, entry: allHeadEntries[name])
            let before = base.seedDefinition(name: name, path: path, entry: allBaseEntries[name])
            if after != before { result.append(name) }
        }
        return result
    }

    /// What dbt compares of a seed besides its bytes: the merged config without `tags`/`group`,
    /// and the description when `persist_docs` writes it.
    private func seedDefinition(name: String, path: String, entry: JSONValue?) -> [String: JSONValue] {
        var config = projectFile?.seeds.effectiveConfig(fqn: [self.name] + seedFolderParts(of: path) + [name]) ?? ModelConfig()
        var own = ModelConfig()
        if case let .object(fields)? = entry {
            if case let .object(values)? = fields["config"] {
                for (key, value) in values { own.set(key, value, at: nil) }
            }
            // Keys dbt 1.11 still reads as config when written beside `config:`.
            for key in ["meta", "docs", "column_types", "persist_docs", "quote_columns", "enabled"] {
                if let value = fields[key], own.values[key] == nil { own.set(key, value, at: nil) }
            }
        }
        config.apply(own)
        var definition = SemanticDiff.comparedConfig(config.values)
        for (key, text) in config.unknown { definition["unknown " + key] = .string(text) }
        if case let .object(persist)? = config.values["persist_docs"], case let .object(fields)? = entry {
            if persist["relation"]?.boolValue == true { definition["description"] = fields["description"] ?? .null }
            if persist["columns"]?.boolValue == true { definition["columns"] = fields["columns"] ?? .null }
        }
        return definition
    }

    /// `seeds:` entries by name, from the property files (model and seed folders) whose bytes
    /// differ from `other`'s at the same path — or from all of them when `other` is nil.
    fileprivate func seedEntries(changedSince other: DbtProject?) throws -> [String: JSONValue] {
        var files = try fileListing().propertyFiles
        for folder in projectFile?.seedPaths ?? [] {
            files += try tree.files(under: settings.projectPrefix + folder).filter { $0.hasSuffix(".yml") || $0.hasSuffix(".yaml") }
        }
        var result: [String: JSONValue] = [:]
        for path in Set(files).sorted() {
            if let other, let blob = tree.blobID(of: path), blob == other.tree.blobID(of: path) { continue }
            guard let data = try tree.contents(of: path), data.range(of: Data("seeds".utf8)) != nil,
                  let text = String(data: data, encoding: .utf8),
                  let root = try? YAMLReading.composeKeepingLastDuplicate(text, path: path, readKeys: ["seeds"]).node else { continue }
            for item in YAMLReading.items(YAMLReading.value("seeds", in: root)) {
                guard let name = YAMLReading.string(YAMLReading.value("name", in: item)) else { continue }
                result[name] = YAMLReading.json(item)
            }
        }
        return result
    }

    /// The folders between the seed path and the file: the middle of the seed's fqn.
    private func seedFolderParts(of path: String) -> [String] {
        for folder in projectFile?.seedPaths ?? [] {
            let root = settings.projectPrefix + folder
            let prefix = root.isEmpty ? "" : root + "/"
            guard path.hasPrefix(prefix) else { continue }
            return path.dropFirst(prefix.count).split(separator: "/").dropLast().map(String.init)
        }
        return []
    }
}
