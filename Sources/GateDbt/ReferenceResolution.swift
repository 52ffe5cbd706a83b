import DbtFiles
import Foundation
import GateModel
import Yams

/// The `ref()`/`source()` calls of the head tree that this change leaves unresolved: REF_RESOLVES'
/// facts (DESIGN.md §9, category BUILD). dbt 1.11 fails `dbt parse` on each of them — "depends on a
/// node named 'x' which was not found", "… which is disabled", "… with version '1' which was not
/// found", "depends on a source named 's.t' which was not found" — for models, snapshots and
/// exposures alike; a disabled referrer is not resolved by dbt and fails nothing.
///
/// Only calls whose resolution this change can have altered are looked at, so a small change on
/// a large project stays small:
/// - every call in a model, snapshot or property file the change adds or edits;
/// - the calls anywhere at head to a name that something gone at head had at base (a deleted,
///   renamed or disabled model, a removed version, a deleted seed or snapshot, a source whose
///   declaration changed).
/// A call that was already unresolved at base in a file the change does not touch is never
/// examined: it is not this change's doing, and finding it would mean resolving every call of
/// the project (dbt's own parse reports it).
///
/// A model's calls come only from `references(ofModelFile:)`. A call into a package whose files
/// are not in the tree (`dbt deps` not run) cannot be checked and is skipped.
public enum ReferenceResolution {
    public static func danglingReferences(base: DbtProject, head: DbtProject, changeSet: ChangeSet,
                                          changes: [ModelChange]) throws -> [DanglingReference] {
        guard head.exists else { return [] }
        let atHead = ResolvableNodes(head), atBase = ResolvableNodes(base)
        var renamedTo: [String: String] = [:]
        for change in changes {
            if let old = change.base?.name, let new = change.head?.name, old != new { renamedTo[old] = new }
        }

        var calls: [Call] = []
        var read = Set<String>()
        for file in changeSet.changes {
            guard let path = file.newPath, read.insert(path).inserted else { continue }
            calls += try atHead.calls(inFile: path).map { var call = $0; call.inChangedFile = true; return call }
        }
        let gone = try goneNames(base: base, atBase: atBase, changeSet: changeSet, changes: changes)
        if !gone.isEmpty {
            let files = try atHead.filesWithCalls().filter { !read.contains($0) }
            try head.prerender(files)   // the renders among them, on all cores first
            for path in files {
                calls += try atHead.calls(inFile: path).filter { call in
                    switch call.target {
                    case .ref(let ref): gone.contains(ref.name)
                    case .source(let source): gone.contains(DanglingName.source(source.source))
                    }
                }
            }
        }

        var result: [DanglingReference] = []
        for call in calls {
            guard case .dangling(var reason, type: var type, versions: let versions) = try atHead.resolve(call.target)
            else { continue }
            let baseResolution = try atBase.resolve(call.target)
            // In a file the change does not touch, only what the change broke counts.
            guard call.inChangedFile || baseResolution.resolves else { continue }
            var newName: String?
            if case .resolves(let baseType) = baseResolution, reason == .notFound {
                type = baseType
                if case .ref(let ref) = call.target, let to = renamedTo[ref.name] {
                    reason = .renamed
                    newName = to
                } else {
                    reason = .deleted
                }
            }
            guard let tags = try atHead.enabledReferrerTags(call) else { continue }
            result.append(DanglingReference(
                referrer: call.referrer, referrerType: call.referrerType, referrerTags: tags,
                call: call.target.written, targetType: type, targetName: call.target.name, version: call.target.version,
                reason: reason, renamedTo: newName, versions: versions,
                resolvedAtBase: baseResolution.resolves, location: SourceLocation(path: call.path, line: call.line)))
        }
        result += try head.callsOfDeletedMacros(since: base)
        var seen = Set<DanglingReference>()
        return result.filter { seen.insert($0).inserted }.sorted { $0.location < $1.location }
    }

    /// Names (models, seeds, snapshots; sources as `DanglingName.source`) that something removed,
    /// renamed or disabled by the change carried at base: the filter for head calls worth resolving.
    static func goneNames(base: DbtProject, atBase: ResolvableNodes, changeSet: ChangeSet,
                          changes: [ModelChange]) throws -> Set<String> {
        var gone = Set<String>()
        for change in changes {
            guard let old = change.base else { continue }
            let stillThere = change.head.map { $0.enabled && $0.uniqueId == old.uniqueId } ?? false
            if !stillThere { gone.insert(old.name) }
        }
        guard base.exists else { return gone }
        for file in changeSet.changes where file.status != .added {
            guard let path = file.oldPath else { continue }
            if path.hasSuffix(".csv"), atBase.isUnder(path, base.projectFile?.seedPaths) {
                gone.insert(DbtProject.stem(of: path))
            } else if path.hasSuffix(".sql"), atBase.isUnder(path, base.projectFile?.snapshotPaths),
                      let data = try base.tree.contents(of: path) {
                for (name, _) in DbtProject.snapshotBlocks(in: data) { gone.insert(name) }
            } else if base.isPropertyFile(path),
                      // Only a file that declares sources at all is parsed (one word search, shared).
                      try base.propertyFiles(mentioning: ["sources"])["sources"]?.contains(path) == true {
                for source in try atBase.sourcesDeclared(in: path).keys { gone.insert(DanglingName.source(source)) }
            }
        }
        return gone
    }
}

/// Keys of the gone-name set that cannot collide with a model name.
enum DanglingName {
    static func source(_ name: String) -> String { "source:" + name }
}

/// One `ref()`/`source()` call at head and who makes it.
struct Call {
    enum Target {
        case ref(ModelReference)
        case source(SourceReference)

        var name: String {
            switch self {
            case .ref(let ref): ref.name
            case .source(let source): source.source + "." + source.table
            }
        }

        var version: String? { if case .ref(let ref) = self { ref.version } else { nil } }

        /// The call as dbt users write it.
        var written: String {
            switch self {
            case .ref(let ref):
                let names = ([ref.package].compactMap { $0 } + [ref.name]).map { "'\($0)'" }
                return "ref(" + (names + (ref.version.map { ["v=\($0)"] } ?? [])).joined(separator: ", ") + ")"
            case .source(let source):
                return "source('\(source.source)', '\(source.table)')"
            }
        }
    }

    var referrer: String
    var referrerType: String
    var path: String
    var line: Int
    var target: Target
    /// For a model referrer: its name and version, to tell whether it is enabled.
    var model: (name: String, version: String?)? = nil
    /// The file is added or edited by the change.
    var inChangedFile = false
}

/// What a `ref()`/`source()` call finds at one revision.
enum Resolution: Equatable {
    /// Something of this type answers it: `model`, `seed`, `snapshot`, `source`.
    case resolves(String)
    /// Nothing enabled answers it.
    case dangling(DanglingReference.Reason, type: String, versions: [String])
    /// It cannot be told from the tree (a package that is not installed, an unreadable declaration).
    case unknown

    var resolves: Bool { if case .resolves = self { true } else { false } }
}

/// The nodes a `ref()`/`source()` can reach at one revision, read lazily: file stems, versioned
/// models, seeds, snapshots, sources, installed packages.
final class ResolvableNodes {
    let project: DbtProject
    private var seedNames: Set<String>?
    private var snapshotNames: Set<String>?
    private var snapshotFiles: [String]?
    private var sourceTablesByName: [String: Set<String>] = [:]
    private var declaredByFile: [String: [String: Set<String>]] = [:]
    private var sourcesUnreadable = false
    private var packages: [String: ResolvableNodes]?

    init(_ project: DbtProject) { self.project = project }

    private var prefix: String { project.settings.projectPrefix }

    func isUnder(_ path: String, _ folders: [String]?) -> Bool {
        (folders ?? []).contains { path.hasPrefix(prefix + $0 + "/") }
    }

    // MARK: calls

    /// The calls a head file makes: a model file's refs and sources, a snapshot file's blocks',
    /// a property file's exposures' `depends_on`. Empty for any other file.
    func calls(inFile path: String) throws -> [Call] {
        if project.isModelFile(path) {
            guard let scan = try project.references(ofModelFile: path) else { return [] }
            let key = try project.nodeKey(forFile: path)
            let name = key.version.map { "\(key.name).v\($0)" } ?? key.name
            return scan.refs.map { Call(referrer: name, referrerType: "model", path: path, line: $0.line, target: .ref($0), model: key) }
                + scan.sources.map { Call(referrer: name, referrerType: "model", path: path, line: $0.line, target: .source($0), model: key) }
        }
        if path.hasSuffix(".sql"), isUnder(path, project.projectFile?.snapshotPaths) {
            guard let data = try project.tree.contents(of: path) else { return [] }
            let text = String(decoding: data, as: UTF8.self)
            let headerLines = Self.snapshotHeaderLines(in: text)
            var result: [Call] = []
            for (index, (name, scan)) in DbtProject.snapshotBlocks(in: data).enumerated() {
                // A block's scan counts lines from the end of its `{% snapshot %}` header.
                let offset = (index < headerLines.count ? headerLines[index] : 1) - 1
                result += scan.refs.map { Call(referrer: name, referrerType: "snapshot", path: path, line: $0.line + offset, target: .ref($0)) }
                result += scan.sources.map { Call(referrer: name, referrerType: "snapshot", path: path, line: $0.line + offset, target: .source($0)) }
            }
            return result
        }
        if project.isPropertyFile(path), try project.tree.contents(of: path) != nil {
            return try project.propertyContents(in: path, section: "exposures").exposures.flatMap { exposure in
                exposure.refs.map { Call(referrer: exposure.name, referrerType: "exposure", path: path, line: $0.line, target: .ref($0)) }
                    + exposure.sources.map { Call(referrer: exposure.name, referrerType: "exposure", path: path, line: $0.line, target: .source($0)) }
            }
        }
        return []
    }

    /// Every file that can make calls: model files, snapshot files, property files with exposures.
    func filesWithCalls() throws -> [String] {
        try project.fileListing().modelFiles + snapshotSQLFiles()
            + (project.propertyFiles(mentioning: ["exposures"])["exposures"] ?? [])
    }

    /// The line of each `{% snapshot name %}` header's end, in file order (as `snapshotBlocks` finds them).
    static func snapshotHeaderLines(in text: String) -> [Int] {
        var lines: [Int] = []
        var search = text.startIndex
        while let open = text.range(of: #"\{%-?\s*snapshot\s+([A-Za-z0-9_]+)\s*-?%\}"#, options: .regularExpression,
                                    range: search..<text.endIndex) {
            lines.append(text[..<open.upperBound].reduce(1) { $1 == "\n" ? $0 + 1 : $0 })
            search = text.range(of: "endsnapshot", range: open.upperBound..<text.endIndex)?.lowerBound ?? text.endIndex
        }
        return lines
    }

    /// The referrer's tags when dbt resolves its calls: a model enabled at this revision, or any
    /// snapshot or exposure (no tags read). Nil for a disabled model, whose calls dbt never resolves.
    func enabledReferrerTags(_ call: Call) throws -> [String]? {
        guard let model = call.model else { return [] }
        let node = try project.modelVersions(named: model.name).first { $0.path == call.path }
        if let node, !node.enabled { return nil }
        return node?.tags ?? []
    }

    // MARK: resolution

    func resolve(_ target: Call.Target) throws -> Resolution {
        switch target {
        case .ref(let ref): try resolve(ref)
        case .source(let source): try resolve(source)
        }
    }

    private func resolve(_ ref: ModelReference) throws -> Resolution {
        guard project.exists else { return .dangling(.notFound, type: "node", versions: []) }
        if let package = ref.package, package != project.name {
            guard let installed = try installedPackages()[package] else { return .unknown }
            return try installed.resolve(ModelReference(package: nil, name: ref.name, version: ref.version, line: ref.line))
        }
        if let entry = try project.versionIndex()[ref.name] {
            let versions = entry.versions.map(\.version)
            if let pinned = ref.version, !versions.contains(pinned) {
                return .dangling(.versionRemoved, type: "model", versions: versions)
            }
            let wanted = ref.version ?? DbtProject.latestVersion(of: entry)
            let node = try project.modelVersions(named: ref.name).first { $0.uniqueId.hasSuffix(".v\(wanted ?? "")") }
            return node?.enabled == false ? .dangling(.disabled, type: "model", versions: versions) : .resolves("model")
        }
        if try project.fileListing().byStem[ref.name] != nil {
            if ref.version != nil { return .dangling(.versionRemoved, type: "model", versions: []) }
            // The graph's reading (no full parse of the model's YAML entry, which this is all it would be read for).
            return try project.modelIsEnabled(named: ref.name) == false ? .dangling(.disabled, type: "model", versions: []) : .resolves("model")
        }
        if try seeds().contains(ref.name) { return .resolves("seed") }
        if try snapshots().contains(ref.name) { return .resolves("snapshot") }
        // dbt looks a one-argument ref up in the installed packages too.
        for installed in try installedPackages().values {
            if try installed.resolve(ref).resolves { return .resolves("model") }
        }
        return try packagesMissing() ? .unknown : .dangling(.notFound, type: "node", versions: [])
    }

    private func resolve(_ source: SourceReference) throws -> Resolution {
        guard project.exists else { return .dangling(.notFound, type: "source", versions: []) }
        if try tables(ofSource: source.source).contains(source.table) { return .resolves("source") }
        let missingPackages = try packagesMissing()
        if sourcesUnreadable || missingPackages { return .unknown }
        return .dangling(.notFound, type: "source", versions: [])
    }

    // MARK: what exists

    private func seeds() throws -> Set<String> {
        if let seedNames { return seedNames }
        var names = Set<String>()
        for folder in project.projectFile?.seedPaths ?? [] {
            for path in try project.tree.files(under: prefix + folder) where path.hasSuffix(".csv") {
                names.insert(DbtProject.stem(of: path))
            }
        }
        seedNames = names
        return names
    }

    private func snapshotSQLFiles() throws -> [String] {
        if let snapshotFiles { return snapshotFiles }
        var files: [String] = []
        for folder in project.projectFile?.snapshotPaths ?? [] {
            files += try project.tree.files(under: prefix + folder).filter { $0.hasSuffix(".sql") }
        }
        snapshotFiles = files
        return files
    }

    private func snapshots() throws -> Set<String> {
        if let snapshotNames { return snapshotNames }
        var names = Set<String>()
        for path in try snapshotSQLFiles() {
            guard let data = try project.tree.contents(of: path) else { continue }
            for (name, _) in DbtProject.snapshotBlocks(in: data) { names.insert(name) }
        }
        // Snapshots declared in YAML (dbt ≥ 1.9) are named in `snapshots:` entries.
        for folder in project.projectFile?.snapshotPaths ?? [] {
            for path in try project.tree.files(under: prefix + folder) where path.hasSuffix(".yml") || path.hasSuffix(".yaml") {
                guard let text = try project.tree.text(of: path) else { continue }
                let root: Node?
                do {
                    // A repeated key is read as dbt reads it: the last wins, with a warning.
                    let read = try YAMLReading.composeKeepingLastDuplicate(text, path: path, readKeys: ["snapshots"])
                    for warning in read.warnings { project.note(warning) }
                    root = read.node
                } catch {
                    project.note(Diagnostic(severity: .warning,
                                            message: "snapshot file is not valid YAML; the snapshots it declares are unknown, so "
                                                + "ref()s to them may be reported as unresolved",
                                            location: SourceLocation(path: path)))
                    continue
                }
                guard let root else { continue }
                for item in YAMLReading.items(YAMLReading.value("snapshots", in: root)) {
                    if let name = YAMLReading.string(YAMLReading.value("name", in: item)) { names.insert(name) }
                }
            }
        }
        snapshotNames = names
        return names
    }

    /// The tables of a source, from the property files that say both `sources` and its name (one
    /// word search, shared with the rest of the reading): parsing every file that declares any
    /// source cost a 5,000-model check a tenth of its time.
    private func tables(ofSource name: String) throws -> Set<String> {
        if let known = sourceTablesByName[name] { return known }
        let found = try project.propertyFiles(mentioning: ["sources", name])
        var tables = Set<String>()
        for path in Set(found["sources"] ?? []).intersection(found[name] ?? []).sorted() {
            // The column sketch's reading of the file (shared with the column walk; no YAML parser)
            // answers when it names tables of this source and no name in it holds a dot (its keys
            // are `source.table`). Otherwise the parser's reading, which also tells an unreadable file.
            let sketched = try project.sourceColumns(declaredIn: path).keys
            if sketched.allSatisfy({ $0.utf8.count(where: { $0 == UInt8(ascii: ".") }) == 1 }) {
                let named = sketched.compactMap { key -> String? in
                    let parts = key.split(separator: ".", maxSplits: 1)
                    return parts.count == 2 && parts[0] == name ? String(parts[1]) : nil
                }
                if !named.isEmpty {
                    tables.formUnion(named)
                    continue
                }
            }
            tables.formUnion(try sourcesDeclared(in: path)[name] ?? [])
        }
        sourceTablesByName[name] = tables
        return tables
    }

    /// The `sources:` of one property file; a file that is not valid YAML makes source calls unknown.
    func sourcesDeclared(in path: String) throws -> [String: Set<String>] {
        if let known = declaredByFile[path] { return known }
        defer { declaredByFile[path] = declaredByFile[path] ?? [:] }
        guard let text = try project.tree.text(of: path) else { return [:] }
        guard let read = try? YAMLReading.composeKeepingLastDuplicate(text, path: path, readKeys: ["sources"]),
              let root = read.node else {
            sourcesUnreadable = true
            return [:]
        }
        for warning in read.warnings { project.note(warning) }
        var result: [String: Set<String>] = [:]
        for item in YAMLReading.items(YAMLReading.value("sources", in: root)) {
            guard let name = YAMLReading.string(YAMLReading.value("name", in: item)) else { continue }
            let tables = YAMLReading.items(YAMLReading.value("tables", in: item))
                .compactMap { YAMLReading.string(YAMLReading.value("name", in: $0)) }
            result[name, default: []].formUnion(tables)
        }
        declaredByFile[path] = result
        return result
    }

    /// Packages installed under `dbt_packages/`, by project name.
    private func installedPackages() throws -> [String: ResolvableNodes] {
        if let packages { return packages }
        var result: [String: ResolvableNodes] = [:]
        let folder = prefix + "dbt_packages"
        for path in try project.tree.files(under: folder) where path.hasSuffix("/dbt_project.yml") {
            let inside = path.dropFirst(folder.count + 1).split(separator: "/")
            guard inside.count == 2 else { continue }
            let settings = DbtSettings(projectDir: folder + "/" + inside[0])
            let package: DbtProject
            do { package = try DbtProject.load(tree: project.tree, settings: settings, memo: project.memo) } catch {
                project.note(Diagnostic(severity: .warning,
                                        message: "installed package \(inside[0]) could not be read (\(error)); ref()s into it "
                                            + "cannot be resolved — run `dbt deps` again",
                                        location: SourceLocation(path: path)))
                continue
            }
            result[package.name] = ResolvableNodes(package)
        }
        packages = result
        return result
    }

    /// The project declares packages (`packages.yml`, `dependencies.yml`) but none is installed:
    /// a name not found may live in one of them.
    private func packagesMissing() throws -> Bool {
        guard try installedPackages().isEmpty else { return false }
        return try ["packages.yml", "dependencies.yml"].contains { try project.tree.contents(of: prefix + $0) != nil }
    }
}
