import DbtFiles
import Foundation
import GateDbt
import GateModel
import Yams

/// Seeds and snapshots as dbt's `state:modified` compares them: their bytes (a CSV file, a SQL
/// snapshot block) and their configuration — `seeds:`/`snapshots:` in `dbt_project.yml` and the
/// node's property entry (`config:`, and `meta`, `docs`, `column_types`… beside it; a YAML
/// snapshot's `relation`), all keys but `tags` and `group`, as for models — and a description
/// where `persist_docs` writes it. A file moved to another folder is new there (its fqn changed).
extension DbtProject {
    /// The seeds whose CSV file is new or differs from `base`'s at the same path, or whose
    /// configuration changed.
    public func changedSeeds(since base: DbtProject) throws -> [String] {
        var result: [String] = []
        var files: [String: String] = [:]   // name → path
        for folder in projectFile?.seedPaths ?? [] {
            for path in try tree.files(under: settings.projectPrefix + folder) where path.hasSuffix(".csv") {
                let name = DbtProject.stem(of: path)
                if files[name] == nil { files[name] = path }
                if let blob = tree.blobID(of: path), let baseBlob = base.tree.blobID(of: path), blob == baseBlob { continue }
                if try base.tree.contents(of: path) != tree.contents(of: path) { result.append(name) }
            }
        }
        let fqns = { [self] () -> [String: [String]] in
            var fqns: [String: [String]] = [:]
            for (name, path) in files { fqns[name] = folderParts(of: path, under: projectFile?.seedPaths ?? []) + [name] }
            return fqns
        }
        result += try configChanged(.seeds, fqns: fqns, since: base, skipping: Set(result))
        return result + (try hookedByChangedMacros(.seeds, fqns: fqns, since: base, skipping: Set(result)))
    }

    /// The SQL snapshot blocks that are new or differ from `base`'s (dbt compares each block's
    /// text), and the snapshots (SQL or YAML) whose configuration changed.
    public func changedSnapshots(since base: DbtProject) throws -> [String] {
        var result: [String] = []
        var files: [String] = []
        for folder in projectFile?.snapshotPaths ?? [] {
            for path in try tree.files(under: settings.projectPrefix + folder) where path.hasSuffix(".sql") {
                files.append(path)
                if let blob = tree.blobID(of: path), blob == base.tree.blobID(of: path) { continue }
                guard let data = try tree.contents(of: path) else { continue }
                let before = try base.tree.contents(of: path).map(DbtProject.snapshotBlockTexts) ?? []
                for block in DbtProject.snapshotBlockTexts(in: data)
                where !before.contains(where: { $0.name == block.name && $0.text == block.text }) {
                    result.append(block.name)
                }
            }
        }
        // dbt's snapshot fqn: the folders, the file's name, the snapshot's. Read only when a
        // configuration may have changed.
        let fqns = { [self] () throws -> [String: [String]] in
            var fqns: [String: [String]] = [:]
            for path in files {
                guard let data = try tree.contents(of: path) else { continue }
                let parts = folderParts(of: path, under: projectFile?.snapshotPaths ?? []) + [DbtProject.stem(of: path)]
                for block in DbtProject.snapshotBlockTexts(in: data) where fqns[block.name] == nil { fqns[block.name] = parts + [block.name] }
            }
            return fqns
        }
        result += try configChanged(.snapshots, fqns: fqns, since: base, skipping: Set(result))
        result += try hookedByChangedMacros(.snapshots, fqns: fqns, since: base, skipping: Set(result))
        // A snapshot disabled at head is not in dbt's graph, so `state:modified` cannot select it
        // (Tuva's snapshots are off unless `snapshots_enabled` is set).
        guard !result.isEmpty else { return result }
        let graph = try graph()
        return result.filter { graph.nodes["snapshot.\(self.name).\($0)"] != nil }
    }

    /// The nodes of `section` whose `pre-hook`/`post-hook`s call a macro the change edited: dbt
    /// renders them at parse time and records the macros in the node's `depends_on.macros`. The
    /// hooks come from every level of `seeds:`/`snapshots:` in `dbt_project.yml` on the way to
    /// the node, its property entry's `config:` (`pre_hook`/`post_hook`), and a snapshot block's
    /// `config()`. Nothing is read when no macro changed.
    private func hookedByChangedMacros(_ section: ConfiguredSection, fqns readFqns: () throws -> [String: [String]],
                                       since base: DbtProject, skipping done: Set<String>) throws -> [String] {
        guard let reach = try HookMacroReach(head: self, base: base) else { return [] }
        let level = section.level(of: projectFile)
        let entries = try entries(section, changedSince: nil)
        var fqns = try readFqns()
        // A YAML snapshot (one with a `relation`) has no file: its fqn is its name.
        for (name, entry) in entries where fqns[name] == nil && section == .snapshots && entry.objectValue?["relation"] != nil {
            fqns[name] = [name]
        }
        let blockConfigs = section == .snapshots ? try snapshotBlockConfigs() : [:]
        var result: [String] = []
        for (name, fqn) in fqns.sorted(by: { $0.key < $1.key }) where !done.contains(name) {
            let hooks = DbtProject.hookTexts(along: level, fqn: [self.name] + fqn)
                + DbtProject.hookTexts(in: Self.entryConfig(entries[name]))
                + DbtProject.hookTexts(in: blockConfigs[name]?.config ?? ModelConfig())
            let path = blockConfigs[name]?.path ?? projectFilePath
            if reach.changedMacro(calledBy: hooks, path: path, name: name) != nil { result.append(name) }
        }
        return result
    }

    /// Snapshot name → the `config()` its `{% snapshot %}` block calls, with the block's file.
    private func snapshotBlockConfigs() throws -> [String: (config: ModelConfig, path: String)] {
        var result: [String: (config: ModelConfig, path: String)] = [:]
        for folder in projectFile?.snapshotPaths ?? [] {
            for path in try tree.files(under: settings.projectPrefix + folder) where path.hasSuffix(".sql") {
                guard let data = try tree.contents(of: path) else { continue }
                for (name, config) in DbtProject.snapshotBlockConfigs(in: data, path: path) where result[name] == nil {
                    result[name] = (config, path)
                }
            }
        }
        return result
    }

    /// The configuration a property entry's `config:` gives its node.
    private static func entryConfig(_ entry: JSONValue?) -> ModelConfig {
        var config = ModelConfig()
        if case let .object(values)? = entry?.objectValue?["config"] {
            for (key, value) in values { config.set(key, value, at: nil) }
        }
        return config
    }

    /// The nodes of `section` whose configuration differs from `base`'s. `fqns`: the nodes of
    /// this revision with a file of their own (CSV, SQL block), by name, without the project
    /// part, asked for only when a configuration may have changed; a YAML snapshot is known by
    /// its entry alone.
    private func configChanged(_ section: ConfiguredSection, fqns readFqns: () throws -> [String: [String]], since base: DbtProject,
                               skipping done: Set<String>) throws -> [String] {
        let projectChanged = section.level(of: projectFile) != section.level(of: base.projectFile)
        let changedHere = try entries(section, changedSince: base), changedThere = try base.entries(section, changedSince: self)
        guard projectChanged || !changedHere.isEmpty || !changedThere.isEmpty else { return [] }
        let fqns = try readFqns()
        let mine = try entries(section, changedSince: nil), theirs = try base.entries(section, changedSince: nil)
        var candidates = Set(changedHere.keys).union(changedThere.keys)
        if projectChanged {
            candidates.formUnion(fqns.keys)
            candidates.formUnion(mine.keys)
        }
        var result: [String] = []
        for name in candidates.sorted() where !done.contains(name) {
            // A YAML snapshot (one with a `relation`) exists through its entry; anything else
            // needs its file at this revision.
            let yamlOnly = section == .snapshots && mine[name]?.objectValue?["relation"] != nil
            guard let fqn = fqns[name] ?? (yamlOnly ? [name] : nil) else { continue }
            if definition(section, fqn: fqn, entry: mine[name]) != base.definition(section, fqn: fqn, entry: theirs[name]) {
                result.append(name)
            }
        }
        return result
    }

    /// What dbt compares of a node besides its bytes: the merged config without `tags`/`group`, a
    /// YAML snapshot's relation, and the description where `persist_docs` writes it.
    private func definition(_ section: ConfiguredSection, fqn: [String], entry: JSONValue?) -> [String: JSONValue] {
        var config = section.level(of: projectFile)?.effectiveConfig(fqn: [self.name] + fqn) ?? ModelConfig()
        var own = Self.entryConfig(entry)
        let fields = entry?.objectValue ?? [:]
        // Keys dbt 1.11 still reads as config when written beside `config:`.
        for key in ["meta", "docs", "column_types", "persist_docs", "quote_columns", "enabled"] {
            if let value = fields[key], own.values[key] == nil { own.set(key, value, at: nil) }
        }
        config.apply(own)
        var definition = SemanticDiff.comparedConfig(config.values)
        for (key, text) in config.unknown { definition["unknown " + key] = .string(text) }
        if let relation = fields["relation"] { definition["relation"] = relation }
        if case let .object(persist)? = config.values["persist_docs"] {
            if persist["relation"]?.boolValue == true { definition["description"] = fields["description"] ?? .null }
            if persist["columns"]?.boolValue == true { definition["columns"] = fields["columns"] ?? .null }
        }
        return definition
    }

    /// The `section` entries by name, from the property files (model, seed and snapshot folders)
    /// whose bytes differ from `other`'s at the same path — from all of them when `other` is nil.
    private func entries(_ section: ConfiguredSection, changedSince other: DbtProject?) throws -> [String: JSONValue] {
        var files = try fileListing().propertyFiles
        for folder in (projectFile?.seedPaths ?? []) + (projectFile?.snapshotPaths ?? []) {
            files += try tree.files(under: settings.projectPrefix + folder).filter { $0.hasSuffix(".yml") || $0.hasSuffix(".yaml") }
        }
        var result: [String: JSONValue] = [:]
        for path in Set(files).sorted() {
            if let other, let blob = tree.blobID(of: path), blob == other.tree.blobID(of: path) { continue }
            for item in try sectionItems(section.rawValue, inPropertyFile: path) {
                guard let name = YAMLReading.string(YAMLReading.value("name", in: item)) else { continue }
                result[name] = YAMLReading.json(item)
            }
        }
        return result
    }

    /// The folders between a resource path and the file.
    private func folderParts(of path: String, under folders: [String]) -> [String] {
        for folder in folders {
            let root = settings.projectPrefix + folder
            let prefix = root.isEmpty ? "" : root + "/"
            guard path.hasPrefix(prefix) else { continue }
            return path.dropFirst(prefix.count).split(separator: "/").dropLast().map(String.init)
        }
        return []
    }
}

/// The property-file sections (and `dbt_project.yml` keys) that configure seeds and snapshots.
private enum ConfiguredSection: String {
    case seeds, snapshots

    func level(of file: ProjectFile?) -> FolderConfigLevel? {
        switch self {
        case .seeds: file?.seeds
        case .snapshots: file?.snapshots
        }
    }
}

private extension JSONValue {
    var objectValue: [String: JSONValue]? {
        if case let .object(fields) = self { return fields }
        return nil
    }
}
