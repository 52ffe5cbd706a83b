import DbtFiles
import Foundation
import GateDbt
import GateModel
import GateSQL

/// Who uses one column of a changed model, and why the gate thinks so.
public struct ColumnUse: Sendable, Hashable {
    /// Graph ids of the downstream nodes that read the column, or pass it on to an output that is
    /// itself used or sits at an edge of the graph.
    public var readers: [String]
    /// The first reason, for findings: "read by `rpt_amount` (models/rpt_amount.sql:3) through
    /// `select *` in `int_amount`".
    public var note: String?
}

/// What the models' SQL says about a change's columns, across both revisions.
public struct ColumnLineageResult: Sendable {
    /// Change name → its column changes, the YAML's merged with the SQL's (replace
    /// `ModelChange.columnChanges` with these).
    public var columnChanges: [String: [ColumnChange]] = [:]
    /// Head models that read a column the change removes: the build breaks (COLUMN_READ_EXISTS).
    public var brokenReads: [BrokenColumnRead] = []
    /// Head models under an enforced contract whose SQL and YAML disagree (CONTRACT_MATCHES_SQL).
    public var contractMismatches: [ContractMismatch] = []
    /// Change name → lower-cased column → who uses it (for `when_unused` and the report).
    public var uses: [String: [String: ColumnUse]] = [:]
    public var diagnostics: [Diagnostic] = []

    public init() {}
}

/// Column lineage across the two revisions of a change (issue 18, DESIGN.md §9).
///
/// Every model's SQL is the head's (that is what the next build runs). A downstream model's SQL
/// is read twice: against its parents' columns as they were before the change (the world it was
/// written for: its names resolve) and as they are after it. A column it reads by name that is
/// gone after the change breaks the build; a column it only passed on through `*` is gone from its
/// own output, and its readers are checked in turn.
public enum ColumnLineage {
    /// - Parameter seeds: the seeds whose CSV changed (`DbtProject.changedSeeds(since:)`).
    public static func analyze(changes: [ModelChange], seeds: [String] = [], base: DbtProject, head: DbtProject,
                               graph: ProjectGraph) throws -> ColumnLineageResult {
        var walk = Walk(base: base, head: head, graph: graph)
        try walk.run(changes, seeds: seeds)
        return walk.result
    }

    /// Starts working out, on a thread of its own, the base-side columns of every changed model
    /// the walk compares (and, through them, of their ancestors): `analyze` then finds them
    /// known (`DbtProject.readColumnsAhead`).
    public static func readBaseColumnsAhead(changes: [ModelChange], base: DbtProject, head: DbtProject) throws {
        guard head.exists else { return }
        try base.readColumnsAhead(changes.compactMap { comparedBaseNode($0, base: base, head: head) })
    }

    /// The base node of a change whose columns the walk compares at both sides: a model of the
    /// project (not of an installed package) live at head and enabled at base.
    static func comparedBaseNode(_ change: ModelChange, base: DbtProject, head: DbtProject) -> ColumnNode? {
        guard change.current?.uniqueId.hasPrefix("model.\(head.name).") ?? true, change.liveHead != nil,
              let before = change.base, before.enabled, base.exists else { return nil }
        return .model(before)
    }

    struct Walk {
        let base: DbtProject
        let head: DbtProject
        let graph: ProjectGraph
        var result = ColumnLineageResult()
        /// Head node of each changed model whose both sides are live → its base-side columns.
        var changedBase: [ColumnNode: NodeColumns] = [:]
        var changeOfNode: [ColumnNode: ModelChange] = [:]
        /// Columns a node no longer outputs (lower-cased) → how (renamed to, via).
        var gone: [ColumnNode: [String: Gone]] = [:]
        /// Downstream models' head SQL read against the pre-change columns of their parents.
        var beforeReadings: [ColumnNode: ModelSQLReading?] = [:]
        var beforeColumns: [ColumnNode: NodeColumns] = [:]
        var usesMemo: [String: [(id: String, note: String)]] = [:]
        /// Property file + model name → the tests of the file's parts that mention the model.
        var testReadsMemo: [String: [TestColumnRead]] = [:]

        struct Gone {
            var renamedTo: String?
            var via: String?
            var changedModel: String
        }

        init(base: DbtProject, head: DbtProject, graph: ProjectGraph) {
            self.base = base
            self.head = head
            self.graph = graph
        }

        mutating func run(_ changes: [ModelChange], seeds: [String]) throws {
            guard head.exists else { return }
            // A model of an installed package (modified through its hooks, or the root project's
            // `models: <package>:` config) has the package's SQL at both sides: no column of its own changes.
            let prefix = "model.\(head.name)."
            for change in changes where !(change.current?.uniqueId.hasPrefix(prefix) ?? true) {
                result.columnChanges[change.name] = change.columnChanges
            }
            let changes = changes.filter { $0.current?.uniqueId.hasPrefix(prefix) ?? true }
            for change in changes {
                guard let after = change.liveHead else { continue }
                let headNode = ColumnNode.model(after)
                changeOfNode[headNode] = change
                guard let baseNode = ColumnLineage.comparedBaseNode(change, base: base, head: head), let before = change.base else {
                    result.columnChanges[change.name] = change.columnChanges
                    continue
                }
                let baseColumns = try base.columns(of: baseNode)
                let headColumns = try head.columns(of: headNode)
                changedBase[headNode] = baseColumns
                let sql = try sqlChanges(change, baseNode: baseNode, headNode: headNode, before: baseColumns, after: headColumns)
                let merged = Self.merge(yaml: change.columnChanges, sql: sql, head: headColumns, baseSpecs: before.columns)
                result.columnChanges[change.name] = merged
                var lost: [String: Gone] = [:]
                for item in merged where item.kind == .removed || item.kind == .renamed {
                    let old = (item.before?.name ?? item.column).lowercased()
                    // Only what the head SQL really no longer outputs is gone for its readers.
                    if headColumns.columns.certainty.isKnown, headColumns.columns.names.contains(where: { $0.lowercased() == old }) { continue }
                    lost[old] = Gone(renamedTo: item.kind == .renamed ? item.column : nil, via: nil, changedModel: change.name)
                }
                if !lost.isEmpty { gone[headNode] = lost }
                for (side, columns, snapshot) in [("base", baseColumns, before), ("head", headColumns, after)] {
                    if case let .unknown(reason) = columns.columns.certainty, !(side == "base" && headColumns.columns.certainty.isKnown) {
                        result.diagnostics.append(Diagnostic(
                            severity: .warning,
                            message: "sql.columns: the output columns of `\(change.name)` at \(side) could not be worked out "
                                + "(\(reason)); its column changes come from its YAML only",
                            location: SourceLocation(path: snapshot.path, line: 1)))
                    }
                }
            }
            // A seed whose CSV changed: the columns its header no longer names are gone for its readers.
            for name in seeds {
                let node = ColumnNode.seed(name)
                let before = try base.columns(of: node), after = try head.columns(of: node)
                guard before.columns.certainty.isKnown, after.columns.certainty.isKnown else { continue }
                changedBase[node] = before
                let remaining = Set(after.columns.names.map { $0.lowercased() })
                let lost = before.columns.names.filter { !remaining.contains($0.lowercased()) }
                if !lost.isEmpty {
                    gone[node] = Dictionary(lost.map { ($0.lowercased(), Gone(renamedTo: nil, via: nil, changedModel: name)) },
                                            uniquingKeysWith: { first, _ in first })
                }
            }
            try propagate()
            try checkTests()
            try checkContracts(changes)
            for change in changes {
                guard let after = change.liveHead else { continue }
                let node = ColumnNode.model(after)
                var uses: [String: ColumnUse] = [:]
                let items = result.columnChanges[change.name] ?? change.columnChanges
                let wanted = Set(items.flatMap { [$0.column.lowercased()] + ($0.before.map { [$0.name.lowercased()] } ?? []) })
                for column in wanted.sorted() {
                    let found = try users(of: node, column: column, depth: 0)
                    uses[column] = ColumnUse(readers: found.map(\.id), note: found.first?.note)
                }
                result.uses[change.name] = uses
            }
        }

        // MARK: the changed model's own columns

        /// What the SQL says changed: output columns gone at head (a rename when a new output is
        /// fed by exactly the same upstream columns).
        func sqlChanges(_ change: ModelChange, baseNode: ColumnNode, headNode: ColumnNode,
                        before: NodeColumns, after: NodeColumns) throws -> [ColumnChange] {
            guard before.origin == .sql, after.origin == .sql, before.columns.certainty.isKnown, after.columns.certainty.isKnown,
                  let baseReading = try base.sqlReading(of: baseNode), let headReading = try head.sqlReading(of: headNode),
                  let path = change.head?.path else { return [] }
            let headNames = Set(after.columns.names.map { $0.lowercased() })
            let baseNames = Set(before.columns.names.map { $0.lowercased() })
            let removed = baseReading.analysis.outputs.filter { !headNames.contains($0.name.lowercased()) }
            var added = headReading.analysis.outputs.filter { !baseNames.contains($0.name.lowercased()) }
            func inputs(_ column: SQLOutputColumn, _ reading: ModelSQLReading) -> Set<String> {
                Set(column.inputs.map { source in "\(reading.parent(source.relation).map(String.init(describing:)) ?? source.relation.description)|\(source.column)" })
            }
            var result: [ColumnChange] = []
            for old in removed {
                let from = inputs(old, baseReading)
                if !from.isEmpty, let index = added.firstIndex(where: { inputs($0, headReading) == from }) {
                    let new = added.remove(at: index)
                    let line = try Self.line(of: new.name, in: path, near: new.line, project: head)
                    result.append(ColumnChange(kind: .renamed, column: new.name, before: ColumnSpec(name: old.name),
                                               after: ColumnSpec(name: new.name), location: SourceLocation(path: path, line: line),
                                               evidence: "the SQL outputs `\(old.name)` as `\(new.name)` now"))
                } else {
                    // Point at the output that came before it and is still there: where it was.
                    let order = baseReading.analysis.outputs.map { $0.name.lowercased() }
                    let position = order.firstIndex(of: old.name.lowercased()) ?? 0
                    let previous = order[..<position].last { headNames.contains($0) }
                    let anchor = previous.flatMap { name in headReading.analysis.outputs.first { $0.name.lowercased() == name } }
                    let line = try anchor.map { try Self.line(of: $0.name, in: path, near: $0.line, project: head) } ?? 1
                    result.append(ColumnChange(kind: .removed, column: old.name, before: ColumnSpec(name: old.name),
                                               location: SourceLocation(path: path, line: line),
                                               evidence: "the SQL no longer outputs it"))
                }
            }
            return result
        }

        /// The YAML's column changes with the SQL's: a YAML-only removal of a column the SQL still
        /// outputs is documentation lost (`undeclared`); a removal or rename only the SQL shows is
        /// added; one both show is reported once, with the YAML's facts.
        static func merge(yaml: [ColumnChange], sql: [ColumnChange], head: NodeColumns, baseSpecs: [ColumnSpec]) -> [ColumnChange] {
            let stillOutput = head.columns.certainty.isUnknown ? Set<String>() : Set(head.columns.names.map { $0.lowercased() })
            var merged = yaml.map { change -> ColumnChange in
                guard change.kind == .removed, stillOutput.contains(change.column.lowercased()) else { return change }
                var documentation = change
                documentation.kind = .undeclared
                documentation.evidence = "its YAML entry is removed, but the SQL still outputs it"
                return documentation
            }
            for change in sql {
                let old = (change.before?.name ?? change.column).lowercased()
                if merged.contains(where: { ($0.kind == .removed || $0.kind == .renamed) && ($0.before?.name ?? $0.column).lowercased() == old }) {
                    continue
                }
                var change = change
                if let spec = baseSpecs.first(where: { $0.name.lowercased() == old }) { change.before = spec }
                if change.kind == .renamed, let index = merged.firstIndex(where: { $0.kind == .added && $0.column.lowercased() == change.column.lowercased() }) {
                    change.after = merged[index].after
                    merged.remove(at: index)
                }
                merged.append(change)
            }
            return merged
        }

        // MARK: downstream

        /// The columns of `node` before the change: a changed model's base columns, a downstream
        /// model's head SQL against its parents' columns before the change, any other node's head.
        mutating func columnsBefore(_ node: ColumnNode) throws -> SQLColumnSet? {
            if let columns = changedBase[node] { return columns.columns }
            if let columns = beforeColumns[node] { return columns.columns }
            return try head.columns(of: node).columns
        }

        /// Walks the models downstream of every changed model whose output columns changed, parents
        /// before children, finding the reads that break and the columns lost on the way. A model
        /// none of whose parents' columns changed reads exactly what it read before, so it is not
        /// read again (nor, through it, its own children).
        mutating func propagate() throws {
            var differs = Set(gone.keys.compactMap { id(of: $0) })
            for (node, before) in changedBase {
                guard let id = id(of: node), !differs.contains(id) else { continue }
                if Self.namesDiffer(before.columns, try head.columns(of: node).columns) { differs.insert(id) }
            }
            guard !differs.isEmpty else { return }
            var affected = Set<String>()
            var queue = Array(differs)
            while let id = queue.popLast() {
                for child in graph.nodes[id]?.children ?? [] where graph.nodes[child]?.type == "model" && affected.insert(child).inserted {
                    queue.append(child)
                }
            }
            var touched = Set(differs.flatMap { graph.nodes[$0]?.children ?? [] })
            for id in try topologicalOrder(affected) where touched.contains(id) {
                guard let node = graph.nodes[id].map(Self.columnNode) else { continue }
                let reading = try readingBefore(node)
                guard let reading else { continue }
                for read in reading.analysis.reads where !read.viaStar {
                    guard let parent = reading.parent(read.source.relation), let lost = gone[parent]?[read.source.column] else { continue }
                    let path = reading.path
                    let line = try Self.line(of: read.source.column, in: path, near: read.line, project: head)
                    let tags = graph.nodes[id]?.tags ?? []
                    let broken = BrokenColumnRead(reader: node.description, readerTags: tags, upstream: parent.description,
                                                  column: read.source.column, renamedTo: lost.renamedTo, via: lost.via,
                                                  changedModel: lost.changedModel, location: SourceLocation(path: path, line: line))
                    if !result.brokenReads.contains(where: { $0.reader == broken.reader && $0.upstream == broken.upstream && $0.column == broken.column }) {
                        result.brokenReads.append(broken)
                    }
                }
                // What this model no longer outputs: its own change says so when it changed.
                guard changeOfNode[node] == nil else { continue }
                let after = try head.columns(of: node)
                if let before = beforeColumns[node], Self.namesDiffer(before.columns, after.columns) {
                    touched.formUnion(graph.nodes[id]?.children ?? [])
                }
                guard reading.analysis.certainty.isKnown, after.columns.certainty.isKnown else { continue }
                let remaining = Set(after.columns.names.map { $0.lowercased() })
                var lost: [String: Gone] = [:]
                for output in reading.analysis.outputs where !remaining.contains(output.name.lowercased()) {
                    var source: (ColumnNode, Gone)?
                    for input in output.inputs {
                        if let parent = reading.parent(input.relation), let cause = gone[parent]?[input.column] {
                            source = (parent, cause)
                            break
                        }
                    }
                    guard let (parent, cause) = source else { continue }
                    let how = output.viaStar != nil ? "through `select *` in `\(node)`" : "passed on by `\(node)`"
                    lost[output.name.lowercased()] = Gone(renamedTo: nil, via: how + " from `\(parent)`" + (cause.via.map { ", " + $0 } ?? ""),
                                                          changedModel: cause.changedModel)
                }
                if !lost.isEmpty {
                    gone[node] = lost
                    touched.formUnion(graph.nodes[id]?.children ?? [])
                }
            }
        }

        /// The models downstream of `roots` (not the roots themselves, unless one is below another).
        func descendants(of roots: [String]) -> Set<String> {
            var affected = Set<String>()
            var queue = roots
            while let id = queue.popLast() {
                for child in graph.nodes[id]?.children ?? [] where graph.nodes[child]?.type == "model" && affected.insert(child).inserted {
                    queue.append(child)
                }
            }
            return affected
        }

        // MARK: tests

        /// dbt tests in the head's property files that name a column that is gone from its model
        /// (the changed model's own, or one that lost it through `*`): `dbt build` runs them, and
        /// they fail on the missing column. Versioned models are not checked (their tests may
        /// apply per version).
        mutating func checkTests() throws {
            let losers = gone.sorted(by: { $0.key.description < $1.key.description })
            // One pass over the property files for every name (each new word costs a scan).
            let names = Set(losers.compactMap { node, _ -> String? in
                guard case let .model(name, nil) = node else { return nil }
                return name
            })
            guard !names.isEmpty else { return }
            let files = try head.propertyFiles(mentioning: names)
            for (node, lost) in losers {
                guard case let .model(name, nil) = node else { continue }
                for read in try testReads(of: name, in: files[name] ?? []) {
                    guard let cause = lost[read.column] else { continue }
                    let tags = id(of: .model(name: read.owner, version: nil)).flatMap { graph.nodes[$0]?.tags } ?? []
                    let broken = BrokenColumnRead(reader: read.owner, readerTags: tags, upstream: name, column: read.column,
                                                  renamedTo: cause.renamedTo, via: cause.via, changedModel: cause.changedModel,
                                                  location: read.location, test: read.test)
                    if !result.brokenReads.contains(where: {
                        $0.test == broken.test && $0.upstream == broken.upstream && $0.column == broken.column
                    }) {
                        result.brokenReads.append(broken)
                    }
                }
            }
        }

        /// The tests in `paths` (property files of the head that mention `name` as a word) that
        /// name columns of the model `name`: only the entries of each file that mention it are read
        /// (see `DbtProject.partsOfPropertyFile`), once per blob.
        mutating func testReads(of name: String, in paths: [String]) throws -> [TestColumnRead] {
            var found: [TestColumnRead] = []
            for path in paths {
                let key = path + "\u{0}" + name
                if testReadsMemo[key] == nil {
                    testReadsMemo[key] = try head.keptFact(
                        ofPartsOf: path, mentioning: [name], kind: .testReads, encode: TestColumnReads.encode,
                        decode: { try TestColumnReads.decode(&$0, path: path) },
                        read: { parts in parts.flatMap { TestColumnReads.read($0, path: path) } })
                }
                found += (testReadsMemo[key] ?? []).filter { $0.model == name }
            }
            return found
        }

        /// Whether two column sets name different columns (case aside); sets whose names are not
        /// all known are compared as far as they go.
        static func namesDiffer(_ one: SQLColumnSet, _ other: SQLColumnSet) -> Bool {
            Set(one.names.map { $0.lowercased() }) != Set(other.names.map { $0.lowercased() }) || one.certainty.isKnown != other.certainty.isKnown
        }

        /// `node`'s head SQL read against its parents' columns before the change (memoised).
        mutating func readingBefore(_ node: ColumnNode) throws -> ModelSQLReading? {
            if let reading = beforeReadings[node] { return reading }
            var columns: [ColumnNode: SQLColumnSet?] = [:]
            var sameAsHead = true
            if let path = try head.modelPath(node), let rendered = try head.renderedForSQL(path) {
                for parent in Set(try head.parentMap(rendered).values) {
                    let before = try columnsBefore(parent)
                    columns[parent] = before
                    if before != (try head.columns(of: parent).columns) { sameAsHead = false }
                }
            }
            // Parents whose columns the change left alone: the head's own reading is the same.
            let reading = sameAsHead ? try head.sqlReading(of: node) : try head.sqlReading(of: node) { parent in columns[parent] ?? nil }
            beforeReadings[node] = reading
            if let reading, changeOfNode[node] == nil {
                beforeColumns[node] = NodeColumns(columns: SQLColumnSet(names: reading.analysis.outputs.map(\.name),
                                                                        certainty: reading.analysis.certainty),
                                                  origin: .sql, path: reading.path)
            }
            return reading
        }

        /// Kahn's order over `ids` by the graph's edges among them.
        func topologicalOrder(_ ids: Set<String>) throws -> [String] {
            var indegree: [String: Int] = [:]
            for id in ids { indegree[id] = indegree[id] ?? 0 }
            for id in ids {
                for child in graph.nodes[id]?.children ?? [] where ids.contains(child) { indegree[child, default: 0] += 1 }
            }
            var ready = ids.filter { indegree[$0] == 0 }.sorted()
            var order: [String] = []
            while let id = ready.popLast() {
                order.append(id)
                for child in graph.nodes[id]?.children ?? [] where ids.contains(child) {
                    indegree[child, default: 0] -= 1
                    if indegree[child] == 0 { ready.append(child) }
                }
            }
            // A cycle (dbt refuses one) leaves nodes out: read them last, in name order.
            return order + ids.subtracting(order).sorted()
        }

        // MARK: contracts

        /// Enforced contracts whose SQL no longer outputs exactly the declared columns: the
        /// changed models' own, and downstream ones whose `*` now outputs something else.
        mutating func checkContracts(_ changes: [ModelChange]) throws {
            let belowChanges = descendants(of: changeOfNode.keys.compactMap { id(of: $0) })
            for change in changes {
                guard let after = change.liveHead, after.contractEnforced else { continue }
                let columns = try head.columns(of: .model(after))
                guard columns.origin == .sql else { continue }
                let retyped = try typesEditedInYAMLOnly(change, after: after, belowChanges: belowChanges)
                if var mismatch = Self.mismatch(model: change.name, snapshot: after, outputs: columns.columns, changed: true, cause: nil) {
                    mismatch.retyped = retyped
                    result.contractMismatches.append(mismatch)
                } else if !retyped.isEmpty {
                    result.contractMismatches.append(ContractMismatch(model: change.name, tags: after.tags, missing: [], undeclared: [],
                                                                      changedModel: true, location: after.location, retyped: retyped))
                }
            }
            for (node, reading) in beforeReadings where changeOfNode[node] == nil {
                guard let reading, let detail = try head.modelDetail(node), detail.snapshot.contractEnforced else { continue }
                let after = try head.columns(of: node)
                guard after.origin == .sql else { continue }
                let before = SQLColumnSet(names: reading.analysis.outputs.map(\.name), certainty: reading.analysis.certainty)
                // Only a mismatch this change causes: one that was there before is left to dbt.
                guard Self.mismatch(model: node.description, snapshot: detail.snapshot, outputs: before, changed: false, cause: nil) == nil else { continue }
                let cause = gone.values.lazy.flatMap(\.values).first?.changedModel
                if let mismatch = Self.mismatch(model: node.description, snapshot: detail.snapshot, outputs: after.columns,
                                                changed: false, cause: cause) {
                    result.contractMismatches.append(mismatch)
                }
            }
            result.contractMismatches.sort { ($0.model, $0.location.path) < ($1.model, $1.location.path) }
        }

        /// The declared types an enforced contract (enforced before too) changes while the model's
        /// rendered SQL is the same on both sides and no changed model is upstream of it: what the
        /// build produces is what the base declared and built, so the new declaration no longer
        /// matches it (unless the spellings are synonyms; the rule knows the adapter).
        mutating func typesEditedInYAMLOnly(_ change: ModelChange, after: ModelSnapshot, belowChanges: Set<String>) throws -> [ContractTypeChange] {
            guard let before = change.base, before.enabled, before.contractEnforced, base.exists else { return [] }
            let pairs = after.columns.compactMap { spec -> (ColumnSpec, ColumnSpec)? in
                guard let old = before.columns.first(where: { $0.name.lowercased() == spec.name.lowercased() }),
                      let was = old.dataType, let now = spec.dataType,
                      was.lowercased().filter({ !$0.isWhitespace }) != now.lowercased().filter({ !$0.isWhitespace }) else { return nil }
                return (old, spec)
            }
            guard !pairs.isEmpty else { return [] }
            let headNode = ColumnNode.model(after)
            if let id = id(of: headNode), belowChanges.contains(id) { return [] }
            guard let baseSQL = try base.sqlReading(of: .model(before))?.sql, let headSQL = try head.sqlReading(of: headNode)?.sql,
                  baseSQL == headSQL else { return [] }
            return pairs.map { old, new in
                ContractTypeChange(column: new.name, before: old.dataType ?? "", after: new.dataType ?? "", location: new.location)
            }
        }

        static func mismatch(model: String, snapshot: ModelSnapshot, outputs: SQLColumnSet, changed: Bool, cause: String?) -> ContractMismatch? {
            guard outputs.certainty.isKnown, !snapshot.columns.isEmpty else { return nil }
            let declared = snapshot.columns.map(\.name)
            let produced = Set(outputs.names.map { $0.lowercased() })
            let declaredSet = Set(declared.map { $0.lowercased() })
            let missing = declared.filter { !produced.contains($0.lowercased()) }
            let undeclared = outputs.names.filter { !declaredSet.contains($0.lowercased()) }
            guard !missing.isEmpty || !undeclared.isEmpty else { return nil }
            return ContractMismatch(model: model, tags: snapshot.tags, missing: missing, undeclared: undeclared,
                                    changedModel: changed, cause: cause, location: snapshot.location)
        }

        // MARK: who uses a column

        /// The downstream nodes that use `column` of `node`: read it by name, or pass it on to an
        /// output that is used in turn or that sits at an edge (no downstream model, or an
        /// exposure, semantic model or snapshot beside the models: BI and others may read it).
        mutating func users(of node: ColumnNode, column: String, depth: Int) throws -> [(id: String, note: String)] {
            let key = "\(node)|\(column)"
            if let known = usesMemo[key] { return known }
            usesMemo[key] = []   // a cycle reads as "no further use"
            guard depth < 200, let id = id(of: node) else { return [] }
            var found: [(id: String, note: String)] = []
            for child in graph.nodes[id]?.children ?? [] {
                guard let childNode = graph.nodes[child] else { continue }
                if childNode.type == "snapshot" {
                    found.append((child, "snapshot `\(childNode.name)` selects from it"))
                    continue
                }
                guard childNode.type == "model" else { continue }
                let reader = Self.columnNode(childNode)
                guard let reading = try readingBefore(reader) else {
                    found.append((child, "`\(childNode.name)`'s SQL could not be read, so it may use it"))
                    continue
                }
                if case let .unknown(reason) = reading.analysis.certainty {
                    found.append((child, "`\(childNode.name)`'s SQL could not be analysed (\(reason)), so it may use it"))
                    continue
                }
                let fromNode = reading.analysis.reads.filter { reading.parent($0.source.relation) == node }
                if let read = fromNode.first(where: { $0.source.column == column && !$0.viaStar }) {
                    let line = try Self.line(of: column, in: reading.path, near: read.line, project: head)
                    found.append((child, "read by `\(childNode.name)` (\(reading.path):\(line))"))
                    continue
                }
                if fromNode.contains(where: { $0.source.column == "*" }) {
                    found.append((child, "`\(childNode.name)` selects `*` from it without known columns, so it may use it"))
                    continue
                }
                let outputs = reading.analysis.outputs.filter { output in
                    output.inputs.contains { reading.parent($0.relation) == node && $0.column == column }
                }
                guard let first = outputs.first else { continue }
                let how = first.viaStar != nil ? "through `select *` in `\(childNode.name)`" : "through `\(childNode.name)`"
                let children = (graph.nodes[child]?.children ?? []).compactMap { graph.nodes[$0] }
                if children.isEmpty {
                    found.append((child, "output by `\(childNode.name)` (\(how.replacingOccurrences(of: "through ", with: "via "))), which no model reads: BI may"))
                    continue
                }
                if let edge = children.first(where: { $0.type != "model" && $0.type != "snapshot" }) {
                    found.append((child, "passed on \(how) to \(edge.type) `\(edge.name)`"))
                    continue
                }
                for output in outputs {
                    if let use = try users(of: reader, column: output.name.lowercased(), depth: depth + 1).first {
                        found.append((child, use.note + " " + how))
                        break
                    }
                }
            }
            usesMemo[key] = found
            return found
        }

        // MARK: names and lines

        func id(of node: ColumnNode) -> String? {
            if case let .seed(name) = node {
                return graph.nodes["seed.\(head.name).\(name)"] != nil ? "seed.\(head.name).\(name)"
                    : graph.nodes.values.first { $0.type == "seed" && $0.name == name }?.id
            }
            guard case let .model(name, version) = node else { return nil }
            let id = head.uniqueId(name: name, version: version)
            if graph.nodes[id] != nil { return id }
            return graph.nodes.values.first { $0.type == "model" && $0.name == name }?.id
        }

        static func columnNode(_ node: ProjectGraphNode) -> ColumnNode {
            let tail = node.id.split(separator: ".").last.map(String.init) ?? ""
            if tail != node.name, tail.hasPrefix("v"), node.id.hasSuffix(".\(node.name).\(tail)") {
                return .model(name: node.name, version: String(tail.dropFirst()))
            }
            return .model(name: node.name, version: nil)
        }

        /// The line of the file (as written, before rendering) that names `column` nearest to
        /// `line` of the rendered SQL; `line` itself when the file never names it.
        static func line(of column: String, in path: String, near line: Int, project: DbtProject) throws -> Int {
            guard let data = try project.tree.contents(of: path) else { return max(line, 1) }
            let word = Array(column.lowercased().utf8)
            var best: Int?
            var calls: [Int] = []
            var number = 1
            var start = 0
            let bytes = [UInt8](data)
            for index in bytes.indices where bytes[index] == 0x0A || index == bytes.count - 1 {
                let end = bytes[index] == 0x0A ? index : index + 1
                let lowered = bytes[start..<end].map(ByteText.lowercased)
                let contains = lowered.withUnsafeBufferPointer { ByteText.containsWord(word, in: $0) }
                if contains, best.map({ abs($0 - line) > abs(number - line) }) ?? true { best = number }
                if zip(lowered, lowered.dropFirst()).contains(where: { $0 == 0x7B && $1 == 0x7B }) { calls.append(number) }
                number += 1
                start = index + 1
            }
            // Not written in the file: a macro printed it, so the `{{ }}` that called it is the place
            // (the last one at or above the rendered line; rendering only ever adds lines below a call).
            return best ?? calls.last(where: { $0 <= line }) ?? calls.first ?? max(line, 1)
        }
    }
}
