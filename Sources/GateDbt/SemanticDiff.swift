import DbtFiles
import Foundation
import GateModel

/// How the dbt models touched by a change differ between base and head: the input of every rule.
public enum SemanticDiff {
    /// Reads both revisions' files, in the order `compare` reads them: what every later question
    /// about either starts from (`DbtProject.index()`). Done again by `compare` at no cost.
    public static func index(base: DbtProject, head: DbtProject) throws {
        _ = try head.namingMacroOverrides()
        _ = try base.index()
        _ = try head.index()
    }

    /// Compares every model the change set touches — through its SQL/Python file, its YAML
    /// property entry (wherever it lives), or a `dbt_project.yml` folder config that applies to it.
    ///
    /// Statuses:
    /// - `added` / `deleted`; a model that becomes disabled (`enabled: false`) is `deleted` with
    ///   `head` present and `head.enabled == false` (re-enabled: `added` with a disabled `base`);
    /// - `renamed`: the model name changed (a file rename git detected) or its relation
    ///   (database.schema.alias) changed — compare `base.relation` and `head.relation`;
    /// - `modified`: anything else that changed, including a SQL-only edit (empty `columnChanges`).
    ///
    /// Versioned models give one `ModelChange` per version, named `name.v<N>` as dbt lists them;
    /// every snapshot keeps the model name in `name` and the version in `uniqueId`.
    /// Models whose entry changed only in position (moved to another YAML file) are not reported.
    public static func compare(base: DbtProject, head: DbtProject, changes: ChangeSet) throws
        -> (changes: [ModelChange], diagnostics: [Diagnostic])
    {
        var diagnostics: [Diagnostic] = []
        var baseNames = Set<String>()
        var headNames = Set<String>()
        var renamedTo: [String: String] = [:]
        var changedPaths = Set<String>()

        try index(base: base, head: head)
        try base.prefetchMentions(modelFiles: changes.changes.compactMap(\.oldPath))
        try head.prefetchMentions(modelFiles: changes.changes.compactMap(\.newPath))
        for change in changes.changes {
            if change.isBinary || change.isOversized,
               base.isModelFile(change.oldPath ?? "") || head.isModelFile(change.newPath ?? "")
                || base.isPropertyFile(change.oldPath ?? "") || head.isPropertyFile(change.newPath ?? "") {
                diagnostics.append(Diagnostic(
                    severity: .warning,
                    message: change.isBinary ? "file is binary; its content was not compared" : "file is larger than the size limit; its content was not compared",
                    location: SourceLocation(path: change.path)))
            }
            if let path = change.oldPath, base.isModelFile(path), try base.tree.contents(of: path) != nil {
                let key = try base.nodeKey(forFile: path)
                baseNames.insert(key.name)
                changedPaths.insert(path)
                if change.status == .renamed, let newPath = change.newPath, head.isModelFile(newPath),
                   try head.tree.contents(of: newPath) != nil {
                    let newKey = try head.nodeKey(forFile: newPath)
                    if newKey.name != key.name { renamedTo[key.name] = newKey.name }
                }
            }
            if let path = change.newPath, head.isModelFile(path), try head.tree.contents(of: path) != nil {
                headNames.insert(try head.nodeKey(forFile: path).name)
                changedPaths.insert(path)
            }
            let (fromBase, fromHead) = try propertyEntriesChanged(change, base: base, head: head)
            baseNames.formUnion(fromBase)
            headNames.formUnion(fromHead)
            if change.oldPath == base.projectFilePath || change.newPath == head.projectFilePath {
                let (fromBaseProject, fromHeadProject) = try modelsAffectedByProjectFile(base: base, head: head)
                baseNames.formUnion(fromBaseProject)
                headNames.formUnion(fromHeadProject)
            }
        }

        // Models that call a macro the change edited: dbt's `state:modified` selects them too
        // (`modified.macros`), and their SQL may now output other columns.
        var packageModels: [String: PackageModel] = [:]
        for macro in try head.modelFilesCallingChangedMacros(since: base) {
            for path in macro.callers where !changedPaths.contains(path) {
                headNames.insert(try head.nodeKey(forFile: path).name)
                if base.isModelFile(path), try base.tree.contents(of: path) != nil {
                    baseNames.insert(try base.nodeKey(forFile: path).name)
                }
                changedPaths.insert(path)
            }
            for model in macro.packageCallers { packageModels[model.snapshot.uniqueId] = model }
            let callers = try macro.callers.map { try head.nodeKey(forFile: $0).name } + macro.packageCallers.map(\.name)
            let names = callers.prefix(3).joined(separator: ", ")
            let more = callers.count > 3 ? " and \(callers.count - 3) more" : ""
            let who = callers.count == 1 ? "the model that calls it (\(names)) counts as changed, as dbt's state:modified counts it"
                : "the \(callers.count) models that call it (\(names)\(more)) count as changed, as dbt's state:modified counts them"
            diagnostics.append(Diagnostic(severity: .notice, message: "macro \(macro.key) changed: " + who, location: macro.location))
        }
        // Models of installed packages whose configuration in the root `dbt_project.yml`
        // (`models: <package>:`, or a project-wide key) changed.
        if changes.changes.contains(where: { $0.oldPath == base.projectFilePath || $0.newPath == head.projectFilePath }) {
            for model in try head.packageModelsWithChangedProjectConfig(since: base) { packageModels[model.snapshot.uniqueId] = model }
        }
        // Models whose `config()` reads a `var()` that the change gave another value.
        for path in try head.modelFilesWithChangedVarConfig(since: base) where !changedPaths.contains(path) {
            headNames.insert(try head.nodeKey(forFile: path).name)
            if base.isModelFile(path), try base.tree.contents(of: path) != nil { baseNames.insert(try base.nodeKey(forFile: path).name) }
            changedPaths.insert(path)
        }

        // Pair base and head names: a detected rename pairs old with new; everything else by name.
        let renamedFrom = Dictionary(renamedTo.map { ($0.value, $0.key) }, uniquingKeysWith: { first, _ in first })
        var pairs: [(base: String?, head: String?)] = []
        var pairedBase = Set<String>()
        for name in headNames.union(baseNames.compactMap { renamedTo[$0] }).sorted() {
            let baseName = renamedFrom[name] ?? name
            pairs.append((baseName, name))
            pairedBase.insert(baseName)
        }
        for name in baseNames.sorted() where !pairedBase.contains(name) {
            pairs.append((name, renamedTo[name] ?? name))
        }

        // Every name looked up below at once (the entry index, plus one word pass over files it
        // cannot answer for), and `versions` and the graph's sections, which the graph needs next: at 50,000
        // models (54 MB of YAML) per-name word searches were the largest part of a check (ci/bench).
        let baseLookups = Set(pairs.compactMap(\.base)), headLookups = Set(pairs.compactMap(\.head))
        for (project, lookups) in [(base, baseLookups), (head, headLookups)] where !lookups.isEmpty {
            _ = try project.propertyFiles(describing: lookups)
            _ = try project.propertyFiles(mentioning: Set(DbtProject.graphSections + ["versions"]))
        }

        var result: [ModelChange] = []
        var seen = Set<String>()
        for pair in pairs {
            let baseNodes = try pair.base.map { try base.modelDetails(named: $0) } ?? []
            let headNodes = try pair.head.map { try head.modelDetails(named: $0) } ?? []
            for (b, h) in pairNodes(base: baseNodes, head: headNodes) {
                let key = (b?.snapshot.uniqueId ?? "-") + ">" + (h?.snapshot.uniqueId ?? "-")
                guard seen.insert(key).inserted else { continue }
                // A head property file that is not YAML leaves what it says about the model unknown:
                // dbt would not parse the project either, so the check stops (exit 2) instead of
                // calling the model unchanged. (A broken base is what a change may be fixing: its
                // columns are then not compared, with a warning.)
                if let h, let problem = h.unreadable.first {
                    throw InputError(problem.message + "; it may describe \(h.displayName), whose change cannot be judged without it",
                                     at: problem.location)
                }
                let fileChanged = changedPaths.contains(b?.snapshot.path ?? "\u{0}") || changedPaths.contains(h?.snapshot.path ?? "\u{0}")
                if let change = modelChange(base: b, head: h, fileChanged: fileChanged, diagnostics: &diagnostics) {
                    result.append(change)
                }
            }
        }
        // A package model is modified as a whole (dbt selects it; its files are the package's).
        let known = Set(result.compactMap { $0.current?.uniqueId })
        for (id, model) in packageModels.sorted(by: { $0.key < $1.key }) where !known.contains(id) {
            result.append(ModelChange(name: model.name, status: .modified, base: model.snapshot, head: model.snapshot))
        }
        result.sort { ($0.name, $0.status.rawValue) < ($1.name, $1.status.rawValue) }

        // A problem both sides have is said once, as the head's.
        let atHead = Set(head.diagnostics)
        var all = base.diagnostics.filter { !atHead.contains($0) }.map { diagnostic -> Diagnostic in
            var diagnostic = diagnostic
            diagnostic.message = "at base: " + diagnostic.message
            return diagnostic
        }
        all += head.diagnostics + diagnostics
        var unique = Set<Diagnostic>()
        return (result, all.filter { unique.insert($0).inserted })
    }

    /// Pairs the nodes of one model at both sides by version; a model that becomes versioned (or
    /// stops being versioned) pairs its unversioned node with the latest version.
    static func pairNodes(base: [ModelDetail], head: [ModelDetail]) -> [(ModelDetail?, ModelDetail?)] {
        var result: [(ModelDetail?, ModelDetail?)] = []
        var headLeft = head
        var baseLeft: [ModelDetail] = []
        for node in base {
            if let index = headLeft.firstIndex(where: { $0.version == node.version }) {
                result.append((node, headLeft.remove(at: index)))
            } else {
                baseLeft.append(node)
            }
        }
        func latestIndex(_ nodes: [ModelDetail]) -> Int? {
            nodes.firstIndex { $0.version != nil && $0.version == $0.snapshot.latestVersion } ?? nodes.indices.last
        }
        if let unversioned = baseLeft.firstIndex(where: { $0.version == nil }), let latest = latestIndex(headLeft) {
            result.append((baseLeft.remove(at: unversioned), headLeft.remove(at: latest)))
        } else if let unversioned = headLeft.firstIndex(where: { $0.version == nil }), let latest = latestIndex(baseLeft) {
            result.append((baseLeft.remove(at: latest), headLeft.remove(at: unversioned)))
        }
        result += baseLeft.map { ($0, nil) }
        result += headLeft.map { (nil, $0) }
        return result
    }

    // MARK: what a change touches

    /// The models whose entry differs between the base and head versions of a changed property
    /// file (added, removed, or edited — ignoring where it sits).
    static func propertyEntriesChanged(_ change: FileChange, base: DbtProject, head: DbtProject) throws
        -> (base: Set<String>, head: Set<String>)
    {
        if let changed = try propertyEntriesChangedByEntry(change, base: base, head: head) { return changed }
        var before: PropertyFileContents?
        var after: PropertyFileContents?
        if let path = change.oldPath, base.isPropertyFile(path), try base.tree.contents(of: path) != nil {
            before = try base.propertyFile(path)
        }
        if let path = change.newPath, head.isPropertyFile(path), try head.tree.contents(of: path) != nil {
            after = try head.propertyFile(path)
        }
        // Grouped, so that a second (duplicate) entry for a model also counts as a change.
        let oldEntries = Dictionary(grouping: before?.models ?? [], by: \.name).mapValues { $0.map(\.raw) }
        let newEntries = Dictionary(grouping: after?.models ?? [], by: \.name).mapValues { $0.map(\.raw) }
        // A head file that is not YAML describes unknown models: stop rather than find no change.
        if let failure = after?.failure { throw failure }
        // When the base cannot be parsed nothing can be matched: every model at head counts.
        let unreadable = before?.failure != nil || after?.failure != nil
        let baseSet = Set(oldEntries.keys.filter { unreadable || newEntries[$0] != oldEntries[$0] })
        let headSet = Set(newEntries.keys.filter { unreadable || newEntries[$0] != oldEntries[$0] })
        return (baseSet, headSet)
    }

    /// `propertyEntriesChanged` without parsing whole files: entries written identically on both
    /// sides are unchanged, so only the others are parsed (one edited entry of a file describing
    /// hundreds of models parses one entry per side). Nil when a side cannot be outlined or one
    /// of its differing entries cannot be parsed alone; the caller then parses the files whole.
    /// A model is named at the side where a differing entry of it is written (parsing whole files
    /// names it at every side that describes it); `compare` pairs the sides by name, so the
    /// models compared are the same.
    static func propertyEntriesChangedByEntry(_ change: FileChange, base: DbtProject, head: DbtProject) throws
        -> (base: Set<String>, head: Set<String>)?
    {
        func items(_ path: String?, _ project: DbtProject) throws -> [(index: Int, text: Data)]? {
            guard let path, project.isPropertyFile(path), try project.tree.contents(of: path) != nil else { return [] }
            return try project.modelItems(path)
        }
        guard let before = try items(change.oldPath, base), let after = try items(change.newPath, head) else { return nil }
        var unmatched: [Data: [Int]] = [:]
        for item in before { unmatched[item.text, default: []].append(item.index) }
        var headOnly: [Int] = []
        for item in after {
            if var indices = unmatched[item.text], !indices.isEmpty {
                indices.removeFirst()
                unmatched[item.text] = indices
            } else {
                headOnly.append(item.index)
            }
        }
        let baseOnly = unmatched.values.flatMap { $0 }.sorted()
        func entries(_ indices: [Int], _ path: String?, _ project: DbtProject) throws -> [String: [JSONValue]]? {
            guard let path, !indices.isEmpty else { return [:] }
            let contents = try project.parsedItems(indices, in: path)
            guard contents.failure == nil else { return nil }
            return Dictionary(grouping: contents.models, by: \.name).mapValues { $0.map(\.raw) }
        }
        guard let oldEntries = try entries(baseOnly, change.oldPath, base),
              let newEntries = try entries(headOnly, change.newPath, head) else { return nil }
        return (Set(oldEntries.keys.filter { newEntries[$0] != oldEntries[$0] }),
                Set(newEntries.keys.filter { newEntries[$0] != oldEntries[$0] }))
    }

    /// The models whose `dbt_project.yml` folder configuration differs between the sides (or that
    /// enter or leave the model paths): only they can change when the project file changes.
    static func modelsAffectedByProjectFile(base: DbtProject, head: DbtProject) throws -> (base: Set<String>, head: Set<String>) {
        guard let before = base.projectFile, let after = head.projectFile else {
            return (try allModelNames(base), try allModelNames(head))
        }
        if before.name == after.name, before.modelPaths == after.modelPaths, before.modelsValue == after.modelsValue {
            return ([], [])
        }
        let old = try folderConfigs(base)
        let new = try folderConfigs(head)
        var baseSet = Set<String>()
        var headSet = Set<String>()
        for (key, value) in old where new[key]?.config != value.config { baseSet.insert(value.name) }
        for (key, value) in new where old[key]?.config != value.config { headSet.insert(value.name) }
        return (baseSet, headSet)
    }

    private static func allModelNames(_ project: DbtProject) throws -> Set<String> {
        Set(try folderConfigs(project).values.map(\.name))
    }

    /// Node key (`name` or `name.vN`) → the model name and the literal folder config that applies.
    private static func folderConfigs(_ project: DbtProject) throws -> [String: (name: String, config: ComparableConfig)] {
        guard project.exists else { return [:] }
        var owners: [String: (String, String)] = [:]
        for entry in try project.versionIndex().values {
            for version in entry.versions { owners[DbtProject.fileStem(of: entry, version: version)] = (entry.name, version.version) }
        }
        var result: [String: (name: String, config: ComparableConfig)] = [:]
        for path in try project.fileListing().modelFiles {
            let stem = DbtProject.stem(of: path)
            let owner = owners[stem]
            let name = owner?.0 ?? stem
            var fqn = [project.name] + project.folderParts(of: path) + [name]
            if let version = owner?.1 { fqn.append("v\(version)") }
            let config = project.projectFile?.models.effectiveConfig(fqn: fqn) ?? ModelConfig()
            let key = name + (owner.map { ".v\($0.1)" } ?? "")
            result[key] = (name, ComparableConfig(values: config.values, unknown: config.unknown))
        }
        return result
    }

    struct ComparableConfig: Equatable {
        var values: [String: JSONValue]
        var unknown: [String: String]
    }

    // MARK: one model

    static func modelChange(base: ModelDetail?, head: ModelDetail?, fileChanged: Bool,
                            diagnostics: inout [Diagnostic]) -> ModelChange? {
        let name = head?.displayName ?? base?.displayName ?? ""
        switch (base, head) {
        case (nil, nil):
            return nil
        case (nil, let head?):
            return head.snapshot.enabled ? ModelChange(name: name, status: .added, base: nil, head: head.snapshot) : nil
        case (let base?, nil):
            return base.snapshot.enabled ? ModelChange(name: name, status: .deleted, base: base.snapshot, head: nil) : nil
        case (let base?, let head?):
            switch (base.snapshot.enabled, head.snapshot.enabled) {
            case (true, false): return ModelChange(name: name, status: .deleted, base: base.snapshot, head: head.snapshot)
            case (false, true): return ModelChange(name: name, status: .added, base: base.snapshot, head: head.snapshot)
            case (false, false): return nil
            case (true, true): break
            }
            noteUnknownRelationConfig(base: base, head: head, diagnostics: &diagnostics)
            var columnChanges: [ColumnChange] = []
            if base.unreadable.isEmpty {
                columnChanges = ColumnDiff.changes(base: base, head: head)
            } else {
                for problem in base.unreadable {
                    diagnostics.append(Diagnostic(
                        severity: .warning,
                        message: "columns of \(name) were not compared: a base property file that may describe it is not valid YAML (\(problem.message))",
                        location: problem.location))
                }
            }
            // A manifest on one side only (typically the worktree's target/) must not make every
            // model it knows look moved: then both sides use the relation the project files give,
            // so `status` and `relationChanged` agree.
            var base = base
            var head = head
            if base.relationFromManifest != head.relationFromManifest {
                base.snapshot.relation = base.fileRelation
                head.snapshot.relation = head.fileRelation
                diagnostics.append(Diagnostic(
                    severity: .notice,
                    message: "\(name): a manifest gives its relation on one side only; both sides use the relation from the project files",
                    location: head.snapshot.location))
            }
            let renamed = base.snapshot.name != head.snapshot.name
                || base.snapshot.relation.normalized != head.snapshot.relation.normalized
            if renamed {
                return ModelChange(name: name, status: .renamed, base: base.snapshot, head: head.snapshot, columnChanges: columnChanges)
            }
            let configChanged = comparedConfig(base.configValues) != comparedConfig(head.configValues)
                || base.unknownConfigText != head.unknownConfigText || base.deprecationDate != head.deprecationDate
            if fileChanged || configChanged || !columnChanges.isEmpty || comparable(base.snapshot) != comparable(head.snapshot) {
                let documentation = !fileChanged && !configChanged
                    && built(base.snapshot, config: base.configValues) == built(head.snapshot, config: head.configValues)
                return ModelChange(name: name, status: .modified, base: base.snapshot, head: head.snapshot, columnChanges: columnChanges,
                                   documentationOnly: documentation)
            }
            return nil
        }
    }

    /// The config keys dbt's `state:modified.configs` compares: all but `tags` and `group`
    /// (`CompareBehavior.Exclude` in dbt-core 1.11's `NodeAndTestConfig`).
    package static func comparedConfig<Value>(_ values: [String: Value]) -> [String: Value] {
        values.filter { !uncomparedKeys.contains($0.key) }
    }

    static let uncomparedKeys: Set<String> = ["tags", "group"]

    /// What of a model dbt builds and compares for `state:modified`: its snapshot without the
    /// descriptions (unless `persist_docs` writes them to the warehouse), its tags and group, and without the YAML
    /// columns (unless an enforced contract checks them, or `persist_docs` writes their
    /// descriptions) — documentation only, at the same SQL and config.
    static func built(_ snapshot: ModelSnapshot, config: [String: JSONValue]) -> ModelSnapshot {
        var copy = comparable(snapshot)
        // Labels dbt does not compare (see `comparedConfig`).
        copy.tags = []
        copy.group = nil
        let persist: [String: JSONValue] = if case let .object(fields)? = config["persist_docs"] { fields } else { [:] }
        let persistRelation = persist["relation"]?.boolValue == true
        let persistColumns = persist["columns"]?.boolValue == true
        if !persistRelation { copy.description = nil }
        copy.columns = copy.columns.map { column in
            var column = column
            if !persistColumns { column.description = nil }
            column.tags = []
            column.meta = [:]
            column.isPII = false
            if !copy.contractEnforced {
                column.dataType = nil
                column.constraints = []
            }
            return column
        }
        if !copy.contractEnforced && !persistColumns { copy.columns = [] }
        return copy
    }

    /// A snapshot without positions and file names: what is left is what the model *is*.
    static func comparable(_ snapshot: ModelSnapshot) -> ModelSnapshot {
        var copy = snapshot
        copy.location = SourceLocation(path: "")
        copy.configLocations = nil
        copy.patchPath = nil
        copy.path = ""
        copy.columns = copy.columns.map { column in
            var column = column
            column.location = nil
            column.constraints = column.constraints.map { ColumnConstraint(kind: $0.kind, origin: $0.origin) }
                .sorted { ($0.kind.rawValue, $0.origin.rawValue) < ($1.kind.rawValue, $1.origin.rawValue) }
            return column
        }
        copy.versions = copy.versions.map { ModelVersion(version: $0.version, deprecationDate: $0.deprecationDate) }
        return copy
    }

    /// A relation part set by a non-literal expression cannot be compared: say so, and warn when
    /// the expression itself changed.
    static func noteUnknownRelationConfig(base: ModelDetail, head: ModelDetail, diagnostics: inout [Diagnostic]) {
        for key in ["database", "schema", "alias"] {
            let before = base.unknownConfigText[key]
            let after = head.unknownConfigText[key]
            guard before != nil || after != nil else { continue }
            let location = head.snapshot.location
            if before != after {
                diagnostics.append(Diagnostic(
                    severity: .warning,
                    message: "\(head.displayName): `\(key)` is set by an expression that changed (\(before ?? "none") → \(after ?? "none")); the relation may have changed — check it by hand",
                    location: location))
            } else {
                diagnostics.append(Diagnostic(
                    severity: .notice,
                    message: "\(head.displayName): `\(key)` is set by an expression (\(after ?? "")) that is not evaluated; the relation was compared without it",
                    location: location))
            }
        }
    }
}
