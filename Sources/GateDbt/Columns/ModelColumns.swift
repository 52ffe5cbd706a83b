import DbtFiles
import DbtJinja
import Foundation
import GateModel
import GateSQL

/// A node whose output columns the SQL reader may need: what a `ref()` or `source()` names.
package enum ColumnNode: Hashable, Sendable, CustomStringConvertible {
    case model(name: String, version: String?)
    case seed(String)
    case snapshot(String)
    case source(source: String, table: String)
    /// A node the gate cannot read here (a model of a package that is not installed, say).
    case other(String)

    package var description: String {
        switch self {
        case let .model(name, version): return version.map { "\(name).v\($0)" } ?? name
        case let .seed(name), let .snapshot(name), let .other(name): return name
        case let .source(source, table): return "\(source).\(table)"
        }
    }

    /// The model node of a snapshot's unique id (`model.pkg.name` or `model.pkg.name.v2`).
    package static func model(_ snapshot: ModelSnapshot) -> ColumnNode {
        let prefix = "model."
        var version: String?
        if snapshot.uniqueId.hasPrefix(prefix) {
            let tail = snapshot.uniqueId.split(separator: ".").last.map(String.init) ?? ""
            if tail.hasPrefix("v"), tail.dropFirst().allSatisfy({ $0.isNumber || $0 == "_" }), tail != snapshot.name {
                version = String(tail.dropFirst())
            }
        }
        return .model(name: snapshot.name, version: version)
    }
}

/// Where a node's output columns come from.
public enum ColumnOrigin: String, Sendable, Hashable {
    /// The model's rendered SQL, with `*` expanded from its parents.
    case sql
    /// The model's (or source's) YAML `columns:`, where the SQL cannot tell.
    case yaml
    /// A seed's CSV header.
    case seed
    /// The warehouse, as `dbt docs generate` saw it (`catalog.json`).
    case catalog
    /// Nothing tells.
    case none
}

/// The output columns of one node at one revision, and how sure they are.
package struct NodeColumns: Sendable, Hashable {
    package var columns: SQLColumnSet
    package var origin: ColumnOrigin
    /// The file the columns were read from, for diagnostics.
    package var path: String?

    package init(columns: SQLColumnSet, origin: ColumnOrigin, path: String? = nil) {
        self.columns = columns
        self.origin = origin
        self.path = path
    }

    package static func unknown(_ reason: String, path: String? = nil) -> NodeColumns {
        NodeColumns(columns: SQLColumnSet(names: [], certainty: .unknown(reason)), origin: .none, path: path)
    }
}

/// One model's SQL as the column reader saw it: the analysis, and which node each
/// `__dbt_node_<n>__` placeholder is.
package struct ModelSQLReading: Sendable {
    package var node: ColumnNode
    package var path: String
    package var analysis: SQLModelAnalysis
    var parents: [Int: ColumnNode]
    /// The SQL the analysis read.
    package var sql: String

    /// The node a relation of the analysis names; nil for a hard-coded table.
    package func parent(_ relation: SQLRelation) -> ColumnNode? {
        if case let .node(index) = relation { return parents[index] }
        return nil
    }
}

extension DbtProject {
    /// Time spent reading models' SQL for their columns, for `check --timings`.
    public var sqlTime: Duration { sqlClock }

    /// The SQL dialect of this project's adapter.
    var sqlDialect: SQLDialect { SQLDialect(adapter: rendering?.renderer.adapterType ?? settings.adapterType) }

    /// The output columns of `node`, from its SQL with `*` expanded from its parents' columns
    /// (worked out the same way, up the graph), else its YAML, else unknown. Memoised per node.
    package func columns(of node: ColumnNode) throws -> NodeColumns {
        if columnsAhead != nil { takeColumnsAhead() }
        if let known = nodeColumns[node] { return known }
        // Parents before children, without recursion (chains of hundreds of models exist).
        var stack: [(ColumnNode, expanded: Bool)] = [(node, false)]
        var inProgress: Set<ColumnNode> = []
        while let (current, expanded) = stack.popLast() {
            if nodeColumns[current] != nil { continue }
            if expanded {
                nodeColumns[current] = try computeColumns(of: current)
                inProgress.remove(current)
                continue
            }
            guard inProgress.insert(current).inserted else { continue }
            stack.append((current, true))
            for parent in try parentNodes(of: current) where nodeColumns[parent] == nil && !inProgress.contains(parent) {
                stack.append((parent, false))
            }
        }
        return nodeColumns[node] ?? .unknown("its columns could not be worked out")
    }

    /// The model's SQL read with its parents' columns at this revision (memoised).
    package func sqlReading(of node: ColumnNode) throws -> ModelSQLReading? {
        if let reading = sqlReadings[node] { return reading }
        _ = try columns(of: node)
        return sqlReadings[node]
    }

    /// The model's SQL read with its parents' columns as `columnsOf` gives them: the same head SQL
    /// seen against another revision's parents. Shared by both sides of the check and kept in the
    /// parse cache under everything that decides it (`SQLReadingInputs`).
    package func sqlReading(of node: ColumnNode, columnsOf: (ColumnNode) throws -> SQLColumnSet?) throws -> ModelSQLReading? {
        guard let path = try modelPath(node), !path.hasSuffix(".py"), let first = try renderedForSQL(path) else {
            return nil
        }
        var inputs: SQLReadingInputs?
        let blob = tree.blobID(of: path)
        // A render that asked for columns is rendered again with them: shared in this run only.
        let keep = !first.askedColumns
        if let blob, let projectFile {
            let parents = try parentMap(first)
            var columns: [ColumnNode: SQLColumnSet?] = [:]
            for parent in parents.values where columns[parent] == nil { columns[parent] = .some(try columnsOf(parent)) }
            inputs = SQLReadingInputs(blob: blob, path: path, fingerprint: try renderingState(projectFile).fingerprint,
                                      dialect: sqlDialect, node: node, parents: parents, columns: columns)
            if let inputs, let known = memo.sqlReading(inputs, sql: first.sql, blob: blob, keep: keep) { return known }
        }
        var rendered = first
        if rendered.askedColumns {
            // Macros that read a relation's columns (dbt_utils.unpivot, fivetran's
            // fill_staging_columns) get the columns the gate knows, as a compile would from the warehouse.
            var known: [RenderedNode: [String]] = [:]
            for (index, parent) in try parentMap(rendered) {
                if let set = try columnsOf(parent), set.certainty.isKnown { known[rendered.nodes[index]] = set.names }
            }
            if let again = try renderedWithColumns(path, columnsOf: { known[$0] }) { rendered = again }
        }
        let parents = try parentMap(rendered)
        var failure: Error?
        let started = ContinuousClock.now
        let analysis = SQLAnalyzer.analyze(rendered.sql, dialect: sqlDialect) { relation in
            guard case let .node(index) = relation, let parent = parents[index] else { return nil }
            do { return try columnsOf(parent) } catch { failure = error; return nil }
        }
        sqlClock += ContinuousClock.now - started
        if let failure { throw failure }
        let reading = ModelSQLReading(node: node, path: path, analysis: analysis, parents: parents, sql: rendered.sql)
        if let inputs, let blob { memo.remember(sqlReading: reading, inputs: inputs, blob: blob, keep: keep) }
        return reading
    }

    /// `node`'s SQL read over its parents' columns at this revision.
    private func sharedSQLReading(of node: ColumnNode) throws -> ModelSQLReading? {
        try sqlReading(of: node, columnsOf: { parent in self.nodeColumns[parent]?.columns })
    }

    // MARK: reading one node

    private func computeColumns(of node: ColumnNode) throws -> NodeColumns {
        switch node {
        case .model:
            // The file alone for the SQL; the property entry (slower: YAML) only where the SQL cannot tell.
            guard try modelPath(node) != nil else { return .unknown("no model \(node) exists at this revision") }
            var sqlResult: NodeColumns?
            if let reading = try sharedSQLReading(of: node) {
                sqlReadings[node] = reading
                sqlResult = NodeColumns(columns: SQLColumnSet(names: reading.analysis.outputs.map(\.name),
                                                              certainty: reading.analysis.certainty),
                                        origin: .sql, path: reading.path)
                if !reading.analysis.certainty.isUnknown { return sqlResult! }
            }
            guard let detail = try modelDetail(node) else { return sqlResult ?? .unknown("no model \(node) exists at this revision") }
            let path = detail.snapshot.path
            if let sqlResult, detail.snapshot.columns.isEmpty { return sqlResult }
            let why = path.hasSuffix(".py") ? "a Python model" : "its SQL could not be read"
            if detail.snapshot.columns.isEmpty, let columns = try catalogColumns(detail.snapshot.uniqueId) {
                return NodeColumns(columns: SQLColumnSet(names: columns, certainty: .partial("\(why); the columns are the warehouse's")),
                                   origin: .catalog, path: path)
            }
            return yamlColumns(detail, path: path, why: why)
        case let .seed(name):
            return try seedColumns(name)
        case let .source(source, table):
            // Source and snapshot columns live in the warehouse: its catalog, when there is one.
            if let columns = try catalogColumns("source.\(self.name).\(source).\(table)") {
                return NodeColumns(columns: SQLColumnSet(names: columns, certainty: .known), origin: .catalog, path: nil)
            }
            if let columns = try declaredSourceColumns(source, table), !columns.isEmpty {
                return NodeColumns(columns: SQLColumnSet(names: columns, certainty: .partial("source \(node)'s columns are the ones its YAML declares; the warehouse may have more")),
                                   origin: .yaml, path: nil)
            }
            return .unknown("the columns of source \(node) are not known without the warehouse's catalog (`dbt docs generate`)")
        case let .snapshot(name):
            if let columns = try catalogColumns("snapshot.\(self.name).\(name)") {
                return NodeColumns(columns: SQLColumnSet(names: columns, certainty: .known), origin: .catalog, path: nil)
            }
            return .unknown("the columns of snapshot \(name) are not known without the warehouse's catalog (`dbt docs generate`)")
        case let .other(name):
            return .unknown("\(name) is in a package the gate does not read")
        }
    }

    /// The columns source `source`'s table `table` declares in YAML: the first property file, in
    /// path order, whose `sources:` declare it. Only files that mention both `sources` and the
    /// source's name can, and each is parsed once per blob (for both sides, and later runs).
    private func declaredSourceColumns(_ source: String, _ table: String) throws -> [String]? {
        let key = "\(source).\(table)"
        let files = try propertyFiles(mentioning: ["sources", source])
        let naming = Set(files[source] ?? [])
        for path in files["sources"] ?? [] where naming.contains(path) {
            if let columns = try sourceColumns(declaredIn: path)[key] { return columns }
        }
        return nil
    }

    /// `source.table` → the columns the `sources:` of one property file declare.
    func sourceColumns(declaredIn path: String) throws -> [String: [String]] {
        if let known = sourceColumnsByFile[path] { return known }
        let blob = tree.blobID(of: path)
        var parsed: [String: [String]] = [:]
        if let blob, let known = memo.sourceColumns(blob) {
            parsed = known
        } else if let text = try tree.text(of: path) {
            parsed = SourceColumnsSketch.read(text) ?? DbtProject.parsedSourceColumns(text, path: path)
            if let blob { memo.remember(sourceColumns: parsed, of: blob) }
        }
        sourceColumnsByFile[path] = parsed
        return parsed
    }

    /// `source.table` → columns as the YAML parser reads a file's `sources:` (nothing when the file
    /// does not parse): what `SourceColumnsSketch` reads faster from plain files.
    static func parsedSourceColumns(_ text: String, path: String) -> [String: [String]] {
        guard let root = try? YAMLReading.composeKeepingLastDuplicate(text, path: path).node else { return [:] }
        var parsed: [String: [String]] = [:]
        for item in YAMLReading.items(YAMLReading.value("sources", in: root)) {
            guard let name = YAMLReading.string(YAMLReading.value("name", in: item)) else { continue }
            for entry in YAMLReading.items(YAMLReading.value("tables", in: item)) {
                guard let tableName = YAMLReading.string(YAMLReading.value("name", in: entry)) else { continue }
                parsed["\(name).\(tableName)"] = YAMLReading.items(YAMLReading.value("columns", in: entry))
                    .compactMap { YAMLReading.string(YAMLReading.value("name", in: $0)) }
            }
        }
        return parsed
    }

    /// The warehouse's columns of a node, from `catalog.json` when the settings name one.
    private func catalogColumns(_ uniqueId: String) throws -> [String]? {
        if warehouseCatalogCache == nil {
            warehouseCatalogCache = .some(try settings.warehouseCatalog.map { try WarehouseCatalog.read(path: $0) })
        }
        guard let columns = warehouseCatalogCache??.columns[uniqueId], !columns.isEmpty else { return nil }
        return columns
    }

    /// The YAML `columns:` of a model whose SQL cannot tell: all of them under an enforced
    /// contract (dbt checks them), else a partial set.
    private func yamlColumns(_ detail: ModelDetail, path: String, why: String) -> NodeColumns {
        let names = detail.snapshot.columns.map(\.name)
        guard !names.isEmpty else { return .unknown("\(why), and its YAML declares no columns", path: path) }
        let certainty: SQLCertainty = detail.snapshot.contractEnforced ? .known : .partial("\(why); the columns are its YAML's")
        return NodeColumns(columns: SQLColumnSet(names: names, certainty: certainty), origin: .yaml, path: path)
    }

    /// A seed's columns: its CSV header.
    private func seedColumns(_ name: String) throws -> NodeColumns {
        for folder in projectFile?.seedPaths ?? [] {
            for path in try tree.files(under: settings.projectPrefix + folder) where path.hasSuffix(".csv") && DbtProject.stem(of: path) == name {
                guard let data = try tree.contents(of: path) else { continue }
                let header = String(decoding: data.prefix { $0 != 0x0A && $0 != 0x0D }, as: UTF8.self)
                let names = DbtProject.csvFields(header)
                guard !names.isEmpty else { return .unknown("seed \(name) has no header", path: path) }
                return NodeColumns(columns: SQLColumnSet(names: names, certainty: .known), origin: .seed, path: path)
            }
        }
        return .unknown("seed \(name) was not found")
    }

    /// The fields of one CSV line (quoted fields may hold commas and doubled quotes).
    static func csvFields(_ line: String) -> [String] {
        var fields: [String] = []
        var field = ""
        var quoted = false
        var iterator = line.makeIterator()
        while let character = iterator.next() {
            if quoted {
                if character == "\"" {
                    quoted = false
                } else {
                    field.append(character)
                }
            } else if character == "\"" {
                quoted = true
            } else if character == "," {
                fields.append(field.trimmingCharacters(in: .whitespaces))
                field = ""
            } else {
                field.append(character)
            }
        }
        fields.append(field.trimmingCharacters(in: .whitespaces))
        return fields.filter { !$0.isEmpty }
    }

    /// The model node named `node`, at this revision.
    package func modelDetail(_ node: ColumnNode) throws -> ModelDetail? {
        guard case let .model(name, version) = node else { return nil }
        let details = try modelDetails(named: name)
        return details.first { $0.version == version } ?? (version == nil ? details.last : nil)
    }

    /// The file of model node `node` at this revision, from the file listing (no YAML read): a
    /// version's file (`<name>_v<N>` or its `defined_in`), else the file named after the model.
    package func modelPath(_ node: ColumnNode) throws -> String? {
        guard case let .model(name, version) = node else { return nil }
        let listing = try fileListing()
        if let version, let entry = try versionIndex()[name],
           let defined = entry.versions.first(where: { $0.version == version }),
           let path = listing.byStem[DbtProject.fileStem(of: entry, version: defined)]?.first {
            return path
        }
        if let path = listing.byStem[name]?.first { return path }
        return try modelDetail(node)?.snapshot.path
    }

    /// The nodes a model reads, from its render.
    private func parentNodes(of node: ColumnNode) throws -> [ColumnNode] {
        guard let path = try modelPath(node), let rendered = try renderedForSQL(path) else { return [] }
        return Array(try parentMap(rendered).values)
    }

    /// Placeholder index → the node it names, resolved as dbt resolves `ref()`: a seed or snapshot
    /// of that name wins over a model (dbt-core 1.11 registers them later), the latest version of
    /// a versioned model unless `v=` pins one; a ref into another package is not read.
    package func parentMap(_ rendered: RenderedModel) throws -> [Int: ColumnNode] {
        var result: [Int: ColumnNode] = [:]
        for (index, node) in rendered.nodes.enumerated() {
            switch node {
            case let .ref(reference):
                result[index] = try columnNode(of: reference)
            case let .source(reference):
                result[index] = .source(source: reference.source, table: reference.table)
            }
        }
        return result
    }

    private func columnNode(of reference: ModelReference) throws -> ColumnNode {
        if let package = reference.package, package != name { return .other("\(package).\(reference.name)") }
        if reference.version == nil {
            if try seedNames().contains(reference.name) { return .seed(reference.name) }
        }
        if let entry = try versionIndex()[reference.name] {
            return .model(name: reference.name, version: reference.version ?? DbtProject.latestVersion(of: entry))
        }
        if try fileListing().byStem[reference.name] != nil { return .model(name: reference.name, version: nil) }
        return .snapshot(reference.name)
    }

    private func seedNames() throws -> Set<String> {
        if let seedNameCache { return seedNameCache }
        var names = Set<String>()
        for folder in projectFile?.seedPaths ?? [] {
            for path in try tree.files(under: settings.projectPrefix + folder) where path.hasSuffix(".csv") {
                names.insert(DbtProject.stem(of: path))
            }
        }
        seedNameCache = names
        return names
    }
}

extension DbtProject {
    /// The output columns of every node of model `name` (one per version), worked out from SQL,
    /// else YAML, as `contract-gate columns` lists them; empty when no such model exists.
    public func outputColumns(ofModel name: String) throws -> [ColumnsListing.Model] {
        try modelDetails(named: name).map { detail in
            let facts = try columns(of: ColumnNode.model(detail.snapshot))
            let certainty: ColumnsListing.Certainty = switch facts.columns.certainty {
            case .known: .known
            case let .partial(reason): .partial(reason)
            case let .unknown(reason): .unknown(reason)
            }
            return ColumnsListing.Model(model: detail.displayName, path: facts.path ?? detail.snapshot.path,
                                        origin: facts.origin.rawValue, certainty: certainty, columns: facts.columns.names)
        }
    }

    /// The names of the models whose files are in the project's model paths (SQL and Python).
    public func modelNames() throws -> [String] {
        var names: [String] = []
        var seen = Set<String>()
        for path in try fileListing().modelFiles {
            let name = try nodeKey(forFile: path).name
            if seen.insert(name).inserted { names.append(name) }
        }
        return names
    }
}

extension DbtProject {
    /// A model's SQL as the column reader sees it (rendered as dbt's parser renders it, each
    /// `ref()`/`source()` as `__dbt_node_<n>__`), for `contract-gate columns --show-sql`.
    public func renderedSQL(ofModel name: String) throws -> String? {
        guard let detail = try modelDetails(named: name).last else { return nil }
        return try sqlReading(of: ColumnNode.model(detail.snapshot))?.sql ?? renderedForSQL(detail.snapshot.path)?.sql
    }
}
