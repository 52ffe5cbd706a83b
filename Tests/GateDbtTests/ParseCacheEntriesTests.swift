import Foundation
import GateModel
import GateSQL
import Testing
@testable import DbtFiles
@testable import GateDbt

/// Property-file entries and SQL readings in the parse cache: their binary forms give back every
/// field, a warm run parses no entry and analyses no SQL, and what decides a reading (its file,
/// its parents' columns, the environment its render read) is never reused when it changed.
extension ParseCacheTests {
    // MARK: the binary form of property entries

    /// Every YAML file of the test fixtures (both test targets), read whole and entry by entry as
    /// the check reads them, comes back equal from `PropertyFileCoding`, and encodes to the same bytes again.
    @Test func propertyEntriesOfEveryFixtureComeBackFieldForField() throws {
        let roots = [Fixtures.root, Fixtures.root.deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("ContractGateTests/Scenarios/Fixtures")]
        var files: [URL] = []
        for root in roots {
            let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil)
            while let url = walker?.nextObject() as? URL {
                if ["yml", "yaml"].contains(url.pathExtension), url.lastPathComponent != "dbt_project.yml" { files.append(url) }
            }
        }
        #expect(files.count > 100)
        var seen = (models: 0, columns: 0, versions: 0, exposures: 0, owners: 0, snapshots: 0, semantic: 0,
                    diagnostics: 0, failures: 0, constraints: 0, locationsElsewhere: 0)
        func roundTrip(_ contents: PropertyFileContents, path: String) throws {
            let bytes = try #require(PropertyFileCoding.encode(contents, path: path))
            let decoded = try bytes.withUnsafeBytes { raw in
                var reader = BinaryReader(raw)
                let value = try PropertyFileCoding.decode(&reader, path: path)
                #expect(reader.position == raw.count)
                return value
            }
            #expect(decoded == contents, "\(path)")
            #expect(PropertyFileCoding.encode(decoded, path: path) == bytes, "\(path)")
            seen.models += contents.models.count
            seen.columns += contents.models.reduce(0) { $0 + $1.columns.count }
            seen.versions += contents.models.reduce(0) { $0 + $1.versions.count }
            seen.constraints += contents.models.reduce(0) { $0 + $1.columns.reduce(0) { $0 + $1.spec.constraints.count } }
            seen.exposures += contents.exposures.count
            seen.owners += contents.exposures.filter { $0.owner != nil }.count
            seen.snapshots += contents.snapshots.count
            seen.semantic += contents.semanticNodes.count
            seen.diagnostics += contents.diagnostics.count
            seen.failures += contents.failure == nil ? 0 : 1
        }
        for url in files {
            let data = try Data(contentsOf: url)
            let path = "models/" + url.lastPathComponent
            try roundTrip(PropertyFileReader.read(data, path: path), path: path)
            // Under another path: locations then carry their path in the record.
            let elsewhere = PropertyFileReader.read(data, path: "elsewhere.yml")
            try roundTrip(elsewhere, path: path)
            if !elsewhere.models.isEmpty { seen.locationsElsewhere += 1 }
            for item in PropertyFileOutline.outline(data)?.items ?? [] {
                try roundTrip(PropertyFileReader.read(PropertyFileOutline.document(for: item, in: data), path: path), path: path)
            }
        }
        // The fixtures hold every kind of thing an entry says.
        #expect(seen.models > 100 && seen.columns > 100 && seen.versions > 0 && seen.constraints > 0)
        #expect(seen.exposures > 0 && seen.owners > 0 && seen.snapshots > 0 && seen.semantic > 0)
        #expect(seen.diagnostics > 0 && seen.failures > 0 && seen.locationsElsewhere > 0)
    }

    /// The fields the fixtures leave empty: a version's `columns:` include/exclude, constraints,
    /// PII marks, non-literal config, every JSON value, metrics and saved queries, a failure.
    @Test func propertyEntriesWithEveryFieldSetComeBackEqual() throws {
        let yaml = """
            version: 2
            models:
              - name: orders
                description: "one row — ünïcode"
                latest_version: 2
                deprecation_date: 2030-01-01
                config: {materialized: "{{ var('m') }}", contract: {enforced: true}, tags: [a, b], meta: {n: 1.5, z: 0, big: 1e300, no: null, t: true, f: false, list: [1, [2, {x: y}]]}}
                constraints:
                  - type: primary_key
                    columns: [id]
                columns:
                  - name: id
                    data_type: bigint
                    description: the key
                    constraints: [{type: not_null}]
                    data_tests: [unique, {relationships: {to: "ref('x')", field: id}}]
                  - name: email
                    meta: {pii: true, renamed_from: mail}
                    tags: [pii]
                versions:
                  - v: 1
                    defined_in: orders_old
                    deprecation_date: 2029-01-01
                    description: old
                    config: {enabled: false}
                    constraints: [{type: check, columns: [id]}]
                    columns:
                      - include: [id, email]
                        exclude: [email]
                      - name: legacy
                  - v: 2
              - description: no name
            exposures:
              - name: board
                type: dashboard
                url: https://example.com
                label: Board
                owner: {name: Ann, email: ann@example.com}
                tags: [t]
                config: {tags: [u]}
                depends_on: ["ref('orders', v=2)", "source('raw', 'orders')", "ref('pkg', 'm')"]
            metrics:
              - name: revenue
                label: Revenue
                type: ratio
                type_params: {numerator: a, denominator: {name: b}}
                config: {meta: {owner: ann}, group: finance}
            saved_queries:
              - name: q
                query_params: {metrics: [revenue]}
            """
        let path = "models/all.yml"
        for contents in [PropertyFileReader.read(Data(yaml.utf8), path: path),
                         PropertyFileReader.read(Data("models: [oops\n".utf8), path: path)] {
            let bytes = try #require(PropertyFileCoding.encode(contents, path: path))
            let decoded = try bytes.withUnsafeBytes { raw in
                var reader = BinaryReader(raw)
                return try PropertyFileCoding.decode(&reader, path: path)
            }
            #expect(decoded == contents)
            // Cut short anywhere, a record never decodes.
            for length in stride(from: 0, to: bytes.count, by: max(1, bytes.count / 97)) {
                let cut = Array(bytes.prefix(length))
                #expect(throws: (any Error).self) {
                    try cut.withUnsafeBytes { raw in
                        var reader = BinaryReader(raw)
                        _ = try PropertyFileCoding.decode(&reader, path: path)
                    }
                }
            }
        }
        let contents = PropertyFileReader.read(Data(yaml.utf8), path: path)
        let model = try #require(contents.models.first)
        #expect(model.config.unknown["materialized"] != nil && model.versions.first?.columns?.include == ["id", "email"])
        #expect(model.columns.last?.spec.isPII == true && model.columns.last?.piiLocation != nil)
        #expect(contents.exposures.first?.owner?.email == "ann@example.com" && contents.semanticNodes.count == 2)
        #expect(!contents.diagnostics.isEmpty)
    }

    // MARK: warm runs

    static let sqlProject: [String: String] = [
        "dbt_project.yml": "name: shop\nversion: '1.0'\nprofile: shop\n",
        "models/base.sql": "select 1 as id, 2 as amount\n",
        "models/mid.sql": "select * from {{ ref('base') }}\n",
        "models/top.sql": "with m as (select * from {{ ref('mid') }})\nselect id, amount * 2 as doubled from m\n",
        "models/named.sql": "select id as {{ env_var('NAME', 'a') }} from {{ ref('base') }}\n",
        "models/schema.yml": """
            version: 2
            models:
              - name: base
                columns: [{name: id, data_tests: [unique]}, {name: amount}]
              - name: mid
                description: every base row
                meta: {owner: ann}
              - name: top
            """,
    ]

    struct SQLRun {
        var columns: [String: SQLColumnSet]
        var reads: [String: [SQLColumnRead]]
        var entries: [PropertyModel]
        var analysed: Int
        var parsed: Int
        var tree: CountingTree
    }

    /// Every model's columns and reads and the property entries, with `store` behind the memo.
    static func readSQL(_ files: [String: String], store: BlobFactStore?, environment: [String: String] = [:]) throws -> SQLRun {
        var settings = DbtSettings()
        settings.environment = environment
        let tree = CountingTree(files)
        let memo = BlobMemo(store: store)
        let project = try DbtProject.load(tree: tree, settings: settings, memo: memo)
        var columns: [String: SQLColumnSet] = [:], reads: [String: [SQLColumnRead]] = [:]
        for name in ["base", "mid", "top", "named"] {
            let node = ColumnNode.model(name: name, version: nil)
            columns[name] = try project.columns(of: node).columns
            reads[name] = try project.sqlReading(of: node)?.analysis.reads
        }
        let entries = try ["base", "mid", "top"].flatMap { try project.propertyEntries(named: $0) }
        memo.persist()
        return SQLRun(columns: columns, reads: reads, entries: entries, analysed: memo.analysedSQL,
                      parsed: memo.parsedPropertyItems, tree: tree)
    }

    func sameResults(_ a: SQLRun, _ b: SQLRun) -> Bool { a.columns == b.columns && a.reads == b.reads && a.entries == b.entries }

    @Test func aWarmRunParsesNoPropertyEntryAndAnalysesNoSQL() throws {
        let folder = try TemporaryFolder()
        func store() -> BlobFactStore { BlobFactStore(folder: folder.url, scope: "repo", identity: Self.identity) }
        let cold = try Self.readSQL(Self.sqlProject, store: store())
        #expect(cold.analysed == 4 && cold.parsed == 3)
        #expect(cold.columns["top"] == SQLColumnSet(names: ["id", "doubled"], certainty: .known))
        #expect(cold.columns["mid"]?.names == ["id", "amount"])
        #expect(cold.entries.map(\.name) == ["base", "mid", "top"])
        let warm = try Self.readSQL(Self.sqlProject, store: store())
        #expect(warm.analysed == 0 && warm.parsed == 0)
        #expect(sameResults(warm, cold))
        #expect(warm.tree.reads["models/schema.yml"] == nil)
        // And what a run without any cache reads.
        #expect(sameResults(try Self.readSQL(Self.sqlProject, store: nil), cold))
    }

    @Test func anEditedModelOrAChangedParentColumnSetIsReadAgain() throws {
        let folder = try TemporaryFolder()
        func store() -> BlobFactStore { BlobFactStore(folder: folder.url, scope: "repo", identity: Self.identity) }
        _ = try Self.readSQL(Self.sqlProject, store: store())

        // The edited file only: its readers' parents kept their columns.
        var sameColumns = Self.sqlProject
        sameColumns["models/base.sql"] = "select 7 as id, 8 as amount\n"
        let edited = try Self.readSQL(sameColumns, store: store())
        #expect(edited.analysed == 1 && edited.parsed == 0)
        #expect(sameResults(edited, try Self.readSQL(sameColumns, store: nil)))

        // A parent's new column: every reader over it is read again, though their files are the same.
        var newColumn = Self.sqlProject
        newColumn["models/base.sql"] = "select 1 as id, 2 as amount, 3 as tax\n"
        let widened = try Self.readSQL(newColumn, store: store())
        #expect(widened.analysed == 4)
        #expect(widened.columns["mid"]?.names == ["id", "amount", "tax"])
        #expect(sameResults(widened, try Self.readSQL(newColumn, store: nil)))

        // An edited entry is parsed again; the other entries come from the cache.
        var described = Self.sqlProject
        described["models/schema.yml"] = Self.sqlProject["models/schema.yml"]! + "\n  - name: named\n"
        let yaml = try Self.readSQL(described, store: store())
        // A new blob: each entry read is new (the added one is not read: its model's SQL tells).
        #expect(yaml.parsed == 3 && yaml.analysed == 0, "parsed \(yaml.parsed), analysed \(yaml.analysed)")
        #expect(sameResults(yaml, try Self.readSQL(described, store: nil)))
    }

    @Test func aKeptReadingIsNotUsedForSQLAnotherEnvironmentRendered() throws {
        let folder = try TemporaryFolder()
        func store() -> BlobFactStore { BlobFactStore(folder: folder.url, scope: "repo", identity: Self.identity) }
        let a = try Self.readSQL(Self.sqlProject, store: store(), environment: ["NAME": "a"])
        #expect(a.columns["named"]?.names == ["a"])
        let b = try Self.readSQL(Self.sqlProject, store: store(), environment: ["NAME": "b"])
        #expect(b.columns["named"]?.names == ["b"] && b.analysed == 1)
        let again = try Self.readSQL(Self.sqlProject, store: store(), environment: ["NAME": "a"])
        #expect(again.columns["named"]?.names == ["a"])
        #expect(sameResults(again, a))
    }

    @Test func aRecordThatDoesNotDecodeOrWasReadOverOtherInputsIsNotUsed() throws {
        let folder = try TemporaryFolder()
        let cold = try Self.readSQL(Self.sqlProject, store: BlobFactStore(folder: folder.url, scope: "repo", identity: Self.identity))
        // Damage every kept property entry (a whole file: only the records are wrong).
        let blob = try #require(cold.tree.blobID(of: "models/schema.yml"))
        let keys = (0..<3).map { "\(blob):models/schema.yml:\($0)" }
        let store = BlobFactStore(folder: folder.url, scope: "repo", identity: Self.identity)
        #expect(keys.allSatisfy { store.has(.propertyItem, $0) })
        store.write(used: [.propertyItem: Dictionary(uniqueKeysWithValues: keys.map { ($0, [UInt8]([1, 0, 0, 0, 9])) })])
        let damaged = try Self.readSQL(Self.sqlProject, store: BlobFactStore(folder: folder.url, scope: "repo", identity: Self.identity))
        #expect(damaged.parsed == 3 && damaged.analysed == 0)
        #expect(sameResults(damaged, cold))

        // A SQL reading's record names the inputs it was read over; other inputs under the same
        // key (a hash collision) or other SQL do not get it.
        let reading = ModelSQLReading(node: .model(name: "mid", version: nil), path: "models/mid.sql",
                                      analysis: SQLModelAnalysis(outputs: [SQLOutputColumn(name: "id", inputs: [SQLColumnSource(relation: .node(0), column: "id")],
                                                                                           passThrough: SQLColumnSource(relation: .node(0), column: "id"),
                                                                                           viaStar: "the final select", line: 1)],
                                                                 certainty: .partial("why"),
                                                                 reads: [SQLColumnRead(source: SQLColumnSource(relation: .table("raw.t"), column: "x"),
                                                                                       clause: .where, line: 2, viaStar: true)],
                                                                 relations: [.node(0), .table("raw.t")]),
                                      parents: [0: .model(name: "base", version: nil)], sql: "select * from __dbt_node_0__")
        func inputs(_ names: [String]) -> SQLReadingInputs {
            SQLReadingInputs(blob: "b1", path: "models/mid.sql", fingerprint: "f", dialect: .duckdb, node: reading.node,
                             parents: reading.parents, columns: [.model(name: "base", version: nil): SQLColumnSet(names: names, certainty: .known)])
        }
        // `a,b` and `a`+`b` are different inputs.
        #expect(inputs(["a,b"]) != inputs(["a", "b"]))
        let record = try #require(BlobFactStore.encode(reading, inputs: inputs(["id"])))
        func decode(_ inputs: SQLReadingInputs, sql: String) throws -> ModelSQLReading? {
            try record.withUnsafeBytes { raw in
                var reader = BinaryReader(raw)
                return try BlobFactStore.decodeSQLReading(&reader, inputs: inputs, sql: sql)
            }
        }
        let back = try #require(try decode(inputs(["id"]), sql: reading.sql))
        #expect(back.node == reading.node && back.path == reading.path && back.analysis == reading.analysis
                && back.parents == reading.parents && back.sql == reading.sql)
        #expect(try decode(inputs(["id", "amount"]), sql: reading.sql) == nil)
        #expect(try decode(inputs(["id"]), sql: reading.sql + " ") == nil)
    }
}
