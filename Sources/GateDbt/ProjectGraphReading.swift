import DbtFiles
import Foundation
import GateModel

extension DbtProject {
    /// The project's own lineage graph — the offline lineage source: every model file's
    /// `ref()`/`source()` calls (a byte-level scan of each file, cached), seeds, snapshots (SQL
    /// blocks and YAML entries), exposures and their `depends_on`, and the semantic layer
    /// (semantic models, metrics, saved queries), with dbt-style unique ids
    /// (`model.<project>.<name>[.v<N>]`, `source.<project>.<source>.<table>`,
    /// `exposure.<project>.<name>`, `semantic_model.<project>.<name>`, …).
    ///
    /// Only property files that mention `versions` or one of `graphSections` are parsed. Node relations come
    /// from `dbt_project.yml` folder configs and SQL `config()`; YAML `config:` is applied only to
    /// models read in full. When a manifest is present, its relations and `child_map` win for the
    /// nodes it knows. Disabled models (folder, YAML or SQL `enabled`, Jinja rendered) are left out, as dbt leaves them out.
    public func graph() throws -> ProjectGraph {
        if let graphCache { return graphCache }
        let graph = try takeGraphAhead() ?? buildGraph(keeping: nil)
        graphCache = graph
        return graph
    }

    /// The part of the graph that says who reads `targets`: those nodes and every node with one
    /// of them as a parent, with their edges (a subgraph of `graph()`). What a check needs from the
    /// base side — the former consumers of models that are gone at head — without building a node
    /// for every other model of a large project. With a manifest (whose `child_map` wins) it is
    /// the whole graph.
    public func consumers(of targets: Set<String>) throws -> ProjectGraph {
        if let graphCache { return graphCache }
        if manifest() != nil || graphAhead != nil { return try graph() }
        if let known = consumersCache[targets] { return known }
        let graph = try buildGraph(keeping: targets)
        consumersCache[targets] = graph
        return graph
    }

    /// A model file's config as the graph reads it: its folder's, then the YAML entries of the model
    /// that say `enabled` (`enabledEntryConfigs`), then its SQL `config()`.
    func graphConfig(path: String, name: String, version: String?) throws -> ModelConfig {
        var config = folderConfig(path: path, name: name, version: version)
        if let entry = try enabledEntryConfigs()[name] { config.apply(entry) }
        config.apply(sqlConfig(path))
        return config
    }

    /// Model name → the `config:` of its YAML entries in the property files that say `enabled` at
    /// all: a model's YAML `enabled` sits between its folder's and its SQL's, and an entry that
    /// never says it cannot set it (cached).
    func enabledEntryConfigs() throws -> [String: ModelConfig] {
        if let enabledEntryConfigCache { return enabledEntryConfigCache }
        var configs: [String: ModelConfig] = [:]
        for path in try propertyFiles(mentioning: ["enabled"])["enabled"] ?? [] {
            for entry in try propertyContents(in: path, near: ["enabled"]).models { configs[entry.name, default: ModelConfig()].apply(entry.config) }
        }
        enabledEntryConfigCache = configs
        return configs
    }

    /// Whether the unversioned model `name` is enabled, decided as the graph decides it, without
    /// reading its property entry in full; nil when no model file has that name.
    func modelIsEnabled(named name: String) throws -> Bool? {
        guard let path = try singleFile(stem: name, listing: fileListing()) else { return nil }
        return try isEnabled(graphConfig(path: path, name: name, version: nil))
    }

    /// `keeping`: nil for every node, else only the targets and their direct consumers.
    private func buildGraph(keeping targets: Set<String>?) throws -> ProjectGraph {
        func kept(_ id: String, parents: [String]) -> Bool {
            guard let targets else { return true }
            return targets.contains(id) || parents.contains(where: targets.contains)
        }
        let listing = try fileListing()
        // Every model file's parents are needed: the renders among them run on all cores first.
        try prerender(listing.modelFiles)
        let sections = Self.graphSections
        let mentioning = try propertyFiles(mentioning: Set(sections + ["versions", "enabled"]))   // one pass over the YAML bytes for all
        let versioned = try versionIndex()
        var stemOwner: [String: (name: String, version: String)] = [:]
        for entry in versioned.values {
            for version in entry.versions { stemOwner[DbtProject.fileStem(of: entry, version: version)] = (entry.name, version.version) }
        }
        var nodes: [String: ProjectGraphNode] = [:]
        var parentsOf: [String: [String]] = [:]
        func sectionContents(_ section: String) throws -> [PropertyFileContents] {
            try (mentioning[section] ?? []).map { try propertyContents(in: $0, section: section) }
        }

        // What `ref(name)` means besides a model. dbt-core 1.11 registers refable nodes in parse
        // order and the last one of a name wins (it warns about the clash): SQL snapshots over
        // models, seeds over both, YAML snapshots (read with the property files) over all.
        var refTargets: [String: ProjectGraphNode] = [:]
        var sqlSnapshots: [(node: ProjectGraphNode, scan: ReferenceScan)] = []
        var yamlSnapshots: [PropertySnapshot] = []
        var seeds: [ProjectGraphNode] = []
        var snapshotEntryEnabled: [String: JSONValue] = [:]
        var sqlSnapshotFqns: [String: (fqn: [String], blockConfig: [String: JSONValue]?)] = [:]
        for folder in projectFile?.snapshotPaths ?? [] {
            let root = settings.projectPrefix + folder
            for path in try tree.files(under: root) {
                if path.hasSuffix(".sql") {
                    let blocks = try snapshotReferences(path)
                    let folders = path.dropFirst(root.isEmpty ? 0 : root.count + 1).split(separator: "/").dropLast().map(String.init)
                    // A file of one block was rendered: its `config()` is known as dbt renders it.
                    // In a file of several, each block's `config()` counts as literally written.
                    let literal = blocks.count > 1 ? DbtProject.snapshotBlockConfigs(in: try tree.contents(of: path) ?? Data(), path: path) : [:]
                    for (name, scan) in blocks {
                        sqlSnapshots.append((ProjectGraphNode(id: "snapshot.\(self.name).\(name)", name: name, type: "snapshot", path: path), scan))
                        sqlSnapshotFqns[name] = ([self.name] + folders + [DbtProject.stem(of: path), name],
                                                 blocks.count == 1 ? renderedConfigs[path] : literal[name]?.values)
                    }
                } else if path.hasSuffix(".yml") || path.hasSuffix(".yaml") {
                    let contents = try propertyContents(in: path, section: "snapshots")
                    yamlSnapshots += contents.snapshots
                    snapshotEntryEnabled.merge(contents.snapshotEnabled) { $1 }
                }
            }
        }
        for contents in try sectionContents("snapshots") {
            yamlSnapshots += contents.snapshots
            snapshotEntryEnabled.merge(contents.snapshotEnabled) { $1 }
        }
        // dbt leaves a disabled snapshot out of its graph, as a disabled model: nobody's consumer
        // and no `ref()` target.
        sqlSnapshots = try sqlSnapshots.filter {
            let known = sqlSnapshotFqns[$0.node.name]
            return try snapshotIsEnabled(fqn: known?.fqn ?? [self.name, $0.node.name], entry: snapshotEntryEnabled[$0.node.name],
                                         blockConfig: known?.blockConfig)
        }
        yamlSnapshots = try yamlSnapshots.filter {
            try snapshotIsEnabled(fqn: [self.name, $0.name], entry: snapshotEntryEnabled[$0.name], blockConfig: nil)
        }
        for folder in projectFile?.seedPaths ?? [] {
            for path in try tree.files(under: settings.projectPrefix + folder) where path.hasSuffix(".csv") {
                let name = DbtProject.stem(of: path)
                seeds.append(ProjectGraphNode(id: "seed.\(self.name).\(name)", name: name, type: "seed", path: path))
            }
        }
        let yamlSnapshotNodes = yamlSnapshots.map {
            ProjectGraphNode(id: "snapshot.\(self.name).\($0.name)", name: $0.name, type: "snapshot", path: $0.path)
        }
        for node in sqlSnapshots.map(\.node) + seeds + yamlSnapshotNodes {
            let isModel = listing.byStem[node.name] != nil || versioned[node.name] != nil
            if let shadowed = refTargets[node.name]?.type ?? (isModel ? "model" : nil) {
                note(Diagnostic(severity: .notice,
                                message: "the \(shadowed) and the \(node.type) \(node.name) share a name; dbt resolves ref('\(node.name)') to the \(node.type) (and warns): rename one",
                                location: node.path.map { SourceLocation(path: $0) }))
            }
            refTargets[node.name] = node
        }
        func parentId(_ ref: ModelReference) -> String {
            if (ref.package ?? self.name) == self.name, ref.version == nil, let target = refTargets[ref.name] {
                if nodes[target.id] == nil { nodes[target.id] = target }
                return target.id
            }
            return referencedId(ref, versioned: versioned)
        }
        func sourceId(_ source: SourceReference) -> String { "source.\(self.name).\(source.source).\(source.table)" }
        func parentIds(_ refs: [ModelReference], _ sources: [SourceReference]) -> [String] {
            refs.map(parentId) + sources.map(sourceId)
        }
        func add(_ node: ProjectGraphNode, parents: [String]) {
            guard kept(node.id, parents: parents) else { return }
            nodes[node.id] = node
            parentsOf[node.id, default: []].append(contentsOf: parents)
        }

        // Only model ids are asked for (a check's former consumers): a model file neither named like
        // one nor referring to one by name is no part of the answer, and no id is built for it.
        let targetNames: Set<String>? = targets.flatMap { targets in
            guard targets.allSatisfy({ $0.hasPrefix("model.") }) else { return nil }
            // Both readings of a trailing `.v<N>`: a version, or part of the name.
            return Set(targets.flatMap { id in [DbtProject.modelName(fromId: id), id.split(separator: ".").dropFirst(2).joined(separator: ".")] }
                .compactMap { $0 })
        }
        for path in listing.modelFiles {
            guard let scan = try references(ofModelFile: path) else { continue }
            let stem = DbtProject.stem(of: path)
            let owner = stemOwner[stem]
            let name = owner?.name ?? stem
            let version = owner?.version
            if let targetNames, !targetNames.contains(name), !scan.refs.contains(where: { targetNames.contains($0.name) }) { continue }
            let id = uniqueId(name: name, version: version)
            guard nodes[id] == nil else { continue }
            let parents = parentIds(scan.refs, scan.sources)
            guard kept(id, parents: parents) else { continue }
            let config = try graphConfig(path: path, name: name, version: version)
            // dbt leaves a disabled model out of its graph: it is nobody's consumer.
            guard try isEnabled(config) else { continue }
            nodes[id] = ProjectGraphNode(id: id, name: name, type: "model",
                                         relation: relation(name: name, version: version, config: config),
                                         path: path, tags: config.tags)
            parentsOf[id, default: []].append(contentsOf: parents)
            for source in scan.sources where nodes[sourceId(source)] == nil {
                nodes[sourceId(source)] = ProjectGraphNode(id: sourceId(source), name: "\(source.source).\(source.table)", type: "source")
            }
        }
        // Snapshots read models and are read by models (through `ref`): consumers in both directions.
        for (node, scan) in sqlSnapshots { add(node, parents: parentIds(scan.refs, scan.sources)) }
        for (node, snapshot) in zip(yamlSnapshotNodes, yamlSnapshots) { add(node, parents: parentIds(snapshot.refs, snapshot.sources)) }
        for exposure in try sectionContents("exposures").flatMap(\.exposures) {
            add(ProjectGraphNode(id: "exposure.\(self.name).\(exposure.name)", name: exposure.name, type: "exposure",
                                 path: exposure.path, owners: exposure.owner.map { [$0] } ?? [], tags: exposure.tags,
                                 url: exposure.url, label: exposure.label),
                parents: parentIds(exposure.refs, exposure.sources))
        }
        // The semantic layer consumes models: semantic models read one, metrics read semantic
        // models' measures or other metrics, saved queries read metrics.
        // (A file read whole answers for every section: keep each section's own kind.)
        let semantic = try PropertySemanticNode.Kind.allCases.flatMap { kind in
            try sectionContents(kind.section).flatMap(\.semanticNodes).filter { $0.kind == kind }
        }
        func semanticId(_ kind: PropertySemanticNode.Kind, _ name: String) -> String { "\(kind.rawValue).\(self.name).\(name)" }
        var measureOwner: [String: String] = [:]
        for entry in semantic {
            for measure in entry.definedMeasures { measureOwner[measure] = semanticId(.semanticModel, entry.name) }
        }
        for entry in semantic {
            let id = semanticId(entry.kind, entry.name)
            let parents = DbtProject.unique(parentIds(entry.refs, []) + entry.measures.compactMap { measureOwner[$0] }
                + entry.metrics.map { semanticId(.metric, $0) })
            add(ProjectGraphNode(id: id, name: entry.name, type: entry.kind.rawValue, path: entry.path,
                                 owners: DbtOwners.of(owner: entry.owner, group: entry.group), tags: entry.tags,
                                 label: entry.label),
                parents: parents)
            if entry.kind == .semanticModel, nodes[id] != nil { semanticColumnExpressions[id] = entry.columnExpressions }
        }
        for (child, ids) in parentsOf {
            for parent in ids {
                if nodes[parent] == nil {
                    let type = String(parent.prefix { $0 != "." })
                    let name = type == "model" ? (DbtProject.modelName(fromId: parent) ?? parent)
                        : parent.split(separator: ".").dropFirst(2).joined(separator: ".")
                    nodes[parent] = ProjectGraphNode(id: parent, name: name, type: type)
                }
                nodes[parent]?.children.append(child)
            }
        }
        if let manifest = manifest() {
            for (id, known) in manifest.nodes {
                var node = nodes[id] ?? ProjectGraphNode(id: id, name: known.name, type: known.resourceType)
                node.relation = known.relation ?? node.relation
                if let file = known.originalFilePath { node.path = settings.projectPrefix + file }
                if !known.owners.isEmpty { node.owners = known.owners }
                if !known.tags.isEmpty { node.tags = known.tags }
                node.url = known.url ?? node.url
                node.label = known.label ?? node.label
                if let children = manifest.childMap[id] {
                    node.children = children.filter { manifest.nodes[$0] != nil }
                }
                nodes[id] = node
            }
        }
        for (id, node) in nodes where node.children.count > 1 {
            var children = node.children.sorted()
            var last: String?
            children.removeAll { child in defer { last = child }; return child == last }
            nodes[id]?.children = children
        }
        return ProjectGraph(nodes: nodes)
    }

    /// Property-file sections that add graph nodes, found by one word search over the YAML bytes.
    /// Whether a snapshot is enabled, as dbt configures it: `snapshots:` in `dbt_project.yml` along
    /// its fqn (`[project, folders…, file, name]` for a SQL block; a YAML snapshot gets the
    /// project-wide levels), then its property entry's `enabled`, then the block's own `config()`
    /// as rendered (`config({"enabled": var('snapshots_enabled', false)})`, as Tuva writes it).
    func snapshotIsEnabled(fqn: [String], entry: JSONValue?, blockConfig: [String: JSONValue]?) throws -> Bool {
        var config = projectFile?.snapshots.effectiveConfig(fqn: fqn) ?? ModelConfig()
        if let entry { config.set("enabled", entry, at: nil) }
        if let enabled = blockConfig?["enabled"] { config.set("enabled", enabled, at: nil) }
        return try isEnabled(config)
    }

    static let graphSections = ["exposures", "snapshots"] + PropertySemanticNode.Kind.allCases.map(\.section)

    /// The `{% snapshot name %} … {% endsnapshot %}` blocks of a snapshot file, each with the
    /// refs and sources inside it.
    static func snapshotBlocks(in data: Data) -> [(String, ReferenceScan)] {
        snapshotBlockTexts(in: data).map { ($0.name, ReferenceScanner.scan(Data($0.body.utf8))) }
    }

    /// Each `{% snapshot %}` block's `config()` as literally written, by snapshot name (values that
    /// are expressions stay in `unknown`).
    package static func snapshotBlockConfigs(in data: Data, path: String) -> [String: ModelConfig] {
        var result: [String: ModelConfig] = [:]
        for block in snapshotBlockTexts(in: data) where result[block.name] == nil {
            let body = Data(block.body.utf8)
            let scan = ReferenceScanner.scan(body)
            guard !scan.configCalls.isEmpty else { continue }
            result[block.name] = ConfigCallReader.read(body, calls: scan.configCalls, path: path).config
        }
        return result
    }

    /// Each `{% snapshot name %}` block of a snapshot file: its name, its body, and its whole text.
    package static func snapshotBlockTexts(in data: Data) -> [(name: String, body: Substring, text: Substring)] {
        let text = String(decoding: data, as: UTF8.self)
        var result: [(name: String, body: Substring, text: Substring)] = []
        var search = text.startIndex
        while let open = text.range(of: #"\{%-?\s*snapshot\s+([A-Za-z0-9_]+)\s*-?%\}"#, options: .regularExpression,
                                    range: search..<text.endIndex) {
            let header = text[open]
            let name = header.replacingOccurrences(of: #"^\{%-?\s*snapshot\s+"#, with: "", options: .regularExpression)
                .replacingOccurrences(of: #"\s*-?%\}$"#, with: "", options: .regularExpression)
            let end = text.range(of: "endsnapshot", range: open.upperBound..<text.endIndex)?.lowerBound ?? text.endIndex
            result.append((name, text[open.upperBound..<end], text[open.lowerBound..<end]))
            search = end
        }
        return result
    }

    /// The unique id a `ref()` points at: the latest version of a versioned model unless
    /// `v=` pins one; `ref('pkg', 'm')` points into package `pkg`.
    func referencedId(_ ref: ModelReference, versioned: [String: PropertyModel]) -> String {
        let package = ref.package ?? self.name
        if package == self.name, let entry = versioned[ref.name] {
            let version = ref.version ?? DbtProject.latestVersion(of: entry)
            return "model.\(package).\(ref.name)" + (version.map { ".v\($0)" } ?? "")
        }
        return "model.\(package).\(ref.name)" + (ref.version.map { ".v\($0)" } ?? "")
    }

    /// Every versioned model, from the property files that contain the word `versions`.
    func versionIndex() throws -> [String: PropertyModel] {
        if let fullVersionIndex { return fullVersionIndex }
        var index: [String: PropertyModel] = [:]
        for path in try propertyFiles(mentioning: ["versions"])["versions"] ?? [] {
            for model in try versionedEntries(in: path) where index[model.name] == nil {
                index[model.name] = model
            }
        }
        fullVersionIndex = index
        return index
    }

    /// Column-usage evidence for consumer-aware severity: for each column, the downstream models
    /// (among `ids`) whose SQL mentions the column name as a whole word, case-insensitively.
    /// Returns every asked column (lower-cased), with an empty list when no model mentions it.
    /// A semantic model (among `ids`) uses the columns its entities, dimensions and measures name.
    /// Other ids that are not models of this project (exposures, sources, other packages) are skipped,
    /// and so are the versions of `model` itself (they are not its consumers).
    /// A `select *` that passes a column through without naming it is not seen as a use.
    public func columnUsers(of model: String, columns: [String], among ids: [String]) throws -> [String: [String]] {
        let wanted = DbtProject.unique(columns.map { $0.lowercased() })
        var result: [String: [String]] = [:]
        for column in wanted { result[column] = [] }
        let graph = try graph()
        for id in Set(ids).sorted() {
            // A semantic model uses the columns its entities, dimensions and measures name.
            if let expressions = semanticColumnExpressions[id] {
                let text = expressions.joined(separator: "\n").lowercased().utf8
                Array(text).withUnsafeBufferPointer { bytes in
                    for column in wanted where ByteText.containsWord(Array(column.utf8), in: bytes) {
                        result[column, default: []].append(id)
                    }
                }
                continue
            }
            guard let node = graph.nodes[id], node.type == "model", node.name != model,
                  let path = node.path, let data = try tree.contents(of: path) else { continue }
            let lowered = [UInt8](data).map(ByteText.lowercased)
            lowered.withUnsafeBufferPointer { bytes in
                // `select *` / `t.*` passes every column through without naming it: a consumer that
                // may use any column, so it counts as a user of each (never a missed break).
                let selectsAll = DbtProject.hasStarProjection(in: bytes)
                for column in wanted where selectsAll || ByteText.containsWord(Array(column.utf8), in: bytes) {
                    result[column, default: []].append(id)
                }
            }
        }
        return result
    }

    /// Whether lower-cased SQL projects every column of something: a `*` right after `select`
    /// (or `distinct`), a comma or a `qualifier.` — not `count(*)` or a multiplication.
    static func hasStarProjection(in bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var index = 0
        while let star = ByteText.next(UInt8(ascii: "*"), in: bytes, from: index) {
            index = star + 1
            var before = star - 1
            while before >= 0, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[before]) { before -= 1 }
            guard before >= 0 else { continue }
            let previous = bytes[before]
            if previous == UInt8(ascii: ".") || previous == UInt8(ascii: ",") { return true }
            guard ByteText.isIdentifier(previous) else { continue }
            var start = before
            while start > 0, ByteText.isIdentifier(bytes[start - 1]) { start -= 1 }
            let word = String(decoding: UnsafeBufferPointer(rebasing: bytes[start...before]), as: UTF8.self)
            if word == "select" || word == "distinct" { return true }
        }
        return false
    }
}
