import DbtFiles
import Foundation
import GateModel

/// One model node (a model, or one version of a versioned model) at one revision, with the
/// facts the diff needs beyond the public snapshot.
package struct ModelDetail {
    package var snapshot: ModelSnapshot
    package var version: String?
    /// Lower-cased column name → where its facts are written.
    package var columnFacts: [String: ParsedColumn]
    /// Config keys set by non-literal expressions → the expression text.
    package var unknownConfigText: [String: String]
    /// The whole configuration as written at every level (dbt_project.yml, YAML, `config()`):
    /// dbt counts a model modified when any of it changes (`state:modified.configs`).
    package var configValues: [String: JSONValue] = [:]
    /// `deprecation_date` of an unversioned model (a version's is in its `ModelVersion`): dbt
    /// counts a change to it as a modification, as it may break the refs to the model.
    package var deprecationDate: String?
    /// Property files that mention the model but are not valid YAML: its columns are unknown.
    package var unreadable: [InputError]
    /// The relation as the project files say, before a manifest overrode it.
    package var fileRelation: Relation
    /// Whether a manifest supplied `snapshot.relation`.
    package var relationFromManifest: Bool

    /// dbt's display name: `name`, or `name.v<N>` for a version (`dbt ls --output name`).
    package var displayName: String { version.map { "\(snapshot.name).v\($0)" } ?? snapshot.name }
}

extension DbtProject {
    // MARK: public reading

    /// The model as it stands at this revision (for a versioned model, its latest version),
    /// or nil when no such model exists.
    public func model(named name: String) throws -> ModelSnapshot? {
        let nodes = try modelDetails(named: name)
        if let latest = nodes.first(where: { $0.version != nil && $0.version == $0.snapshot.latestVersion }) {
            return latest.snapshot
        }
        return nodes.first?.snapshot
    }

    /// Finds the property files that describe any of `names` at once, so that looking the models
    /// up one by one afterwards does not search every property file per name.
    public func prepareLookups(of names: some Sequence<String>) throws {
        let names = Set(names)
        _ = try propertyFiles(describing: names)
        try noteOwnershipMentions(of: names)
    }

    /// A model's owner (`meta.owner`) and dbt `group`, as `model(named:)` gives them, without
    /// parsing its property entry when the entry's text says nothing of owners or groups — the
    /// common case for the hundreds of downstream models a check lists. The YAML then sets
    /// neither, so they come from the folder config and the SQL `config()` of the model's file: of
    /// its latest version's file for a versioned model (`versionIndex`, read by sketch for the
    /// graph already). Anything less plain (several entries, an unindexed file, a file that is not
    /// found once) takes the full snapshot.
    public func ownership(ofModel name: String) throws -> (owner: String?, group: String?)? {
        let index = try entries()
        let items = index.items[name] ?? []
        let mentionedElsewhere = try !(propertyFiles(mentioning: [name], amongUnindexed: index.searched)[name] ?? []).isEmpty
        var stem = name
        var version: String?
        if let versioned = try versionIndex()[name] {
            guard let latest = DbtProject.latestVersion(of: versioned),
                  let entry = versioned.versions.first(where: { $0.version == latest }) else {
                return try model(named: name).map { ($0.owner, $0.group) }
            }
            stem = DbtProject.fileStem(of: versioned, version: entry)
            version = latest
        }
        if !mentionedElsewhere, items.count <= 1, items.first.map({ $0.items.count == 1 }) ?? true,
           let files = try fileListing().byStem[stem], files.count == 1, let path = files.first,
           try items.allSatisfy({ try !entryMentionsOwnership($0.path, $0.items[0]) }),
           try scan(path) != nil {
            var config = folderConfig(path: path, name: name, version: version)
            config.apply(sqlConfig(path))
            return (Self.owner(in: config.meta), config.string("group"))
        }
        return try model(named: name).map { ($0.owner, $0.group) }
    }

    package static func owner(in meta: [String: JSONValue]) -> String? {
        meta["owner"]?.stringValue ?? meta["owner"]?["email"]?.stringValue ?? meta["owner"]?["name"]?.stringValue
    }

    /// Every node of a model: one snapshot for an unversioned model, one per version otherwise
    /// (each with `uniqueId` `model.<project>.<name>.v<N>`).
    public func modelVersions(named name: String) throws -> [ModelSnapshot] {
        try modelDetails(named: name).map(\.snapshot)
    }

    /// The names of the models that the given file changes touch at this side: model files
    /// (at their path on this side), and every model a changed property file describes here.
    /// Changes to `dbt_project.yml` need both sides and are handled by `SemanticDiff`.
    public func models(affectedBy changes: [FileChange], side: DiffSide) throws -> Set<String> {
        var names = Set<String>()
        for change in changes {
            guard let path = side == .base ? change.oldPath : change.newPath else { continue }
            if isModelFile(path) {
                guard try tree.contents(of: path) != nil else { continue }
                names.insert(try nodeKey(forFile: path).name)
            } else if isPropertyFile(path) {
                guard try tree.contents(of: path) != nil else { continue }
                for entry in try propertyFile(path).models { names.insert(entry.name) }
            }
        }
        return names
    }

    // MARK: nodes

    /// Which model (and version) a model file defines: a file `<m>_v<N>.sql` or a `defined_in`
    /// file belongs to the versioned model `m` when a property file says so; otherwise the
    /// file stem is the model name.
    ///
    /// Answered from the version index (one pass over the YAML bytes for the word `versions`,
    /// shared with `graph()`), not a word search per file: with a search per changed file the
    /// cost grew with changed files × project YAML size (measured: 16 % of a 5,000-model check).
    func nodeKey(forFile path: String) throws -> (name: String, version: String?) {
        let stem = DbtProject.stem(of: path)
        if versionStemOwners == nil {
            var owners: [String: (name: String, version: String)] = [:]
            for entry in try versionIndex().values {
                for version in entry.versions {
                    let fileStem = DbtProject.fileStem(of: entry, version: version)
                    // Deterministic when two entries claim one file (a duplicate, diagnosed elsewhere).
                    if owners[fileStem].map({ (entry.name, version.version) < ($0.name, $0.version) }) ?? true {
                        owners[fileStem] = (entry.name, version.version)
                    }
                }
            }
            versionStemOwners = owners
        }
        return versionStemOwners?[stem].map { ($0.name, $0.version) } ?? (stem, nil)
    }

    /// The model names a file stem may belong to: itself, and every prefix before a `_v`
    /// (`fct_x_v2` may be version 2 of `fct_x`).
    static func ownerCandidates(ofStem stem: String) -> Set<String> {
        var candidates: Set<String> = [stem]
        var search = stem.startIndex
        while let range = stem.range(of: "_v", range: search..<stem.endIndex) {
            candidates.insert(String(stem[..<range.lowerBound]))
            search = range.upperBound
        }
        return candidates
    }

    /// Finds the property files that may describe every model the given model files may
    /// define, at once rather than one search per file.
    func prefetchMentions(modelFiles: [String]) throws {
        var words = Set<String>()
        for path in modelFiles where isModelFile(path) { words.formUnion(DbtProject.ownerCandidates(ofStem: DbtProject.stem(of: path))) }
        if !words.isEmpty { _ = try propertyFiles(describing: words) }
    }

    static func fileStem(of model: PropertyModel, version: PropertyVersion) -> String {
        guard let definedIn = version.definedIn else { return "\(model.name)_v\(version.version)" }
        return stem(of: definedIn)
    }

    static func latestVersion(of model: PropertyModel) -> String? {
        if let latest = model.latestVersion { return latest }
        return model.versions.map(\.version).max { a, b in
            if let x = Double(a), let y = Double(b) { return x < y }
            return a < b
        }
    }

    package func uniqueId(name: String, version: String?) -> String {
        "model.\(self.name).\(name)" + (version.map { ".v\($0)" } ?? "")
    }

    /// Every node of the model `name` at this revision (cached).
    func modelDetails(named name: String) throws -> [ModelDetail] {
        if let cached = details[name] { return cached }
        let entries = try propertyEntries(named: name)
        if entries.count > 1 {
            let places = entries.map { $0.location.description }.joined(separator: ", ")
            for entry in entries.dropFirst() {
                note(Diagnostic(severity: .warning,
                                message: "model \(name) is described more than once (\(places)); dbt rejects this — keep one entry. The first is used",
                                location: entry.location))
            }
        }
        let entry = entries.first
        let unreadable = try unreadablePropertyFiles(mentioning: name)
        let listing = try fileListing()
        var result: [ModelDetail] = []
        if let entry, !entry.versions.isEmpty {
            let latest = DbtProject.latestVersion(of: entry)
            for version in entry.versions {
                let stem = DbtProject.fileStem(of: entry, version: version)
                guard let path = try singleFile(stem: stem, listing: listing) else {
                    note(Diagnostic(severity: .warning,
                                    message: "version \(version.version) of \(name) should be defined in \(stem).sql or \(stem).py, which does not exist under the model paths",
                                    location: version.location))
                    continue
                }
                if let detail = try buildDetail(name: name, path: path, entry: entry, version: version, latest: latest,
                                                unreadable: unreadable) {
                    result.append(detail)
                }
            }
        } else if let path = try singleFile(stem: name, listing: listing) {
            if let detail = try buildDetail(name: name, path: path, entry: entry, version: nil, latest: nil,
                                            unreadable: unreadable) {
                result.append(detail)
            }
        } else if let entry {
            note(Diagnostic(severity: .warning,
                            message: "a property file describes model \(name), but no \(name).sql or \(name).py exists under the model paths; fix the name or remove the entry",
                            location: entry.location))
        }
        details[name] = result
        return result
    }

    func singleFile(stem: String, listing: FileListing) throws -> String? {
        guard let files = listing.byStem[stem], let first = files.first else { return nil }
        if files.count > 1 {
            note(Diagnostic(severity: .warning,
                            message: "more than one model file is named \(stem) (\(files.joined(separator: ", "))); dbt rejects duplicate model names — \(first) is used",
                            location: SourceLocation(path: files[1])))
        }
        return first
    }

    private func buildDetail(name: String, path: String, entry: PropertyModel?, version: PropertyVersion?,
                             latest: String?, unreadable: [InputError]) throws -> ModelDetail? {
        guard let file = try readModelFile(path) else { return nil }
        var config = folderConfig(path: path, name: name, version: version?.version)
        if let entry { config.apply(entry.config) }
        if let version { config.apply(version.config) }
        config.apply(file.config)

        var columns = Self.resolveColumns(entry: entry, version: version)
        for constraint in (version?.constraints.isEmpty == false ? version?.constraints : entry?.constraints) ?? [] {
            for target in constraint.columns {
                guard let index = columns.firstIndex(where: { $0.spec.name.lowercased() == target.lowercased() }) else { continue }
                columns[index].spec.constraints.append(
                    ColumnConstraint(kind: constraint.kind, origin: .constraint, location: constraint.location))
            }
        }
        for index in columns.indices { columns[index].spec.position = index }

        let id = uniqueId(name: name, version: version?.version)
        let fileRelation = relation(name: name, version: version?.version, config: config)
        var relation = fileRelation
        var relationFromManifest = false
        var refs = file.scan.refs.map(\.name)
        var sources = file.scan.sources.map { "\($0.source).\($0.table)" }
        if let node = manifest()?.nodes[id], node.resourceType == "model" {
            if let known = node.relation { relation = known; relationFromManifest = true }
            refs = node.dependsOn.filter { $0.hasPrefix("model.") }.compactMap { DbtProject.modelName(fromId: $0) }
            sources = node.dependsOn.filter { $0.hasPrefix("source.") }.map { $0.split(separator: ".").dropFirst(2).joined(separator: ".") }
        }
        let meta = config.meta
        let owner = Self.owner(in: meta)
        let versions = (entry?.versions ?? []).map {
            ModelVersion(version: $0.version, deprecationDate: $0.deprecationDate ?? entry?.deprecationDate, location: $0.location)
        }
        var snapshot = ModelSnapshot(
            name: name, uniqueId: id, path: path, patchPath: entry?.path, relation: relation,
            materialized: config.string("materialized") ?? "view",
            contractEnforced: config.contractEnforced ?? false,
            enabled: try isEnabled(config),
            tags: config.tags, description: version?.description ?? entry?.description, owner: owner,
            group: config.string("group"), meta: meta, columns: columns.map(\.spec), versions: versions,
            latestVersion: latest, refs: DbtProject.unique(refs), sources: DbtProject.unique(sources),
            unknownConfig: config.unknown.keys.sorted(),
            location: entry?.location ?? SourceLocation(path: path, line: 1, column: 1))
        snapshot.configLocations = config.locations.filter { ["materialized", "contract", "contract.enforced", "enabled"].contains($0.key) }
        var facts: [String: ParsedColumn] = [:]
        for column in columns where facts[column.spec.name.lowercased()] == nil { facts[column.spec.name.lowercased()] = column }
        return ModelDetail(snapshot: snapshot, version: version?.version, columnFacts: facts,
                           unknownConfigText: config.unknown, configValues: config.values,
                           deprecationDate: version == nil ? entry?.deprecationDate : nil, unreadable: unreadable,
                           fileRelation: fileRelation, relationFromManifest: relationFromManifest)
    }

    /// A version's columns: the top-level ones it includes (all by default) minus `exclude`,
    /// with its own column entries overriding or adding, as dbt documents for `versions`.
    static func resolveColumns(entry: PropertyModel?, version: PropertyVersion?) -> [ParsedColumn] {
        let top = entry?.columns ?? []
        guard let own = version?.columns else { return top }
        let include = own.include.map { Set($0.map { $0.lowercased() }) }
        let exclude = Set(own.exclude.map { $0.lowercased() })
        var result = top.filter {
            let key = $0.spec.name.lowercased()
            return (include?.contains(key) ?? true) && !exclude.contains(key)
        }
        for column in own.columns {
            if let index = result.firstIndex(where: { $0.spec.name.lowercased() == column.spec.name.lowercased() }) {
                result[index] = column
            } else {
                result.append(column)
            }
        }
        return result
    }

    static func modelName(fromId id: String) -> String? {
        let parts = id.split(separator: ".").map(String.init)
        guard parts.count >= 3 else { return nil }
        if parts.count >= 4, let last = parts.last, last.hasPrefix("v") { return parts[2..<(parts.count - 1)].joined(separator: ".") }
        return parts[2...].joined(separator: ".")
    }

    static func unique(_ items: [String]) -> [String] {
        var seen = Set<String>()
        return items.filter { seen.insert($0).inserted }
    }

    /// The `dbt_project.yml` configuration that applies to a model, by dbt's fqn search over
    /// `[project, folders…, name(, v<N>)]`; cached per folder, since most models share theirs.
    func folderConfig(path: String, name: String, version: String?) -> ModelConfig {
        guard let models = projectFile?.models else { return ModelConfig() }
        let key = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? ""
        let reached: FolderConfigLevel.Reached
        if let cached = folderConfigCache[key] {
            reached = cached
        } else {
            reached = models.reach(fqn: [self.name] + folderParts(of: path))
            folderConfigCache[key] = reached
        }
        guard var level = reached.level else { return reached.config }
        var config = reached.config
        for part in [name] + (version.map { ["v\($0)"] } ?? []) {
            guard let next = level.children[part] else { break }
            config.apply(next.config)
            level = next
        }
        return config
    }

    // MARK: relation identity

    /// database.schema.alias as dbt's default `generate_database_name`, `generate_schema_name`
    /// and `generate_alias_name` macros compute it:
    /// - database: the `database` config, else the target database;
    /// - schema: no custom `schema` → the target schema; a custom one → `<target>_<custom>`
    ///   (`dbtDefault`), or the custom one verbatim (`customOnly`). When the target schema is not
    ///   configured the prefix is written as the literal `<target>` so changes still compare;
    /// - alias: the `alias` config, else `<name>_v<N>` for a version, else the model name.
    package func relation(name: String, version: String?, config: ModelConfig) -> Relation {
        let database = config.string("database") ?? settings.targetDatabase
        let custom = config.string("schema")?.trimmingCharacters(in: .whitespaces)
        let schema: String?
        switch (custom, settings.schemaNaming) {
        case (nil, _), (""?, _): schema = settings.targetSchema
        case (let custom?, .customOnly): schema = custom
        case (let custom?, .dbtDefault): schema = "\(settings.targetSchema ?? "<target>")_\(custom)"
        }
        let alias = config.string("alias") ?? (version.map { "\(name)_v\($0)" } ?? name)
        return Relation(database: database, schema: schema, identifier: alias)
    }
}
