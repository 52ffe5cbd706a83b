import Foundation
@testable import GateDbt
import GateModel
import GateTestSupport
import Testing
@testable import DbtImpact

/// The tests a property file runs against columns are read once per blob: a warm check takes them
/// from the parse cache and reads the same broken tests as a cold one.
@Suite struct TestReadsCacheTests {
    static let base: [String: String] = [
        "dbt_project.yml": "name: shop\n",
        "models/orders.sql": "select 1 as id, 'a' as status\n",
        "models/schema.yml": """
            version: 2
            models:
              - name: orders
                data_tests:
                  - dbt_utils.expression_is_true:
                      expression: "id > 0"
                columns:
                  - name: status
                    data_tests: [not_null]
            """,
    ]

    /// The tests that break when `orders` stops producing `status`, read with `store`.
    static func brokenTests(store: BlobFactStore) throws -> (tests: [String], headTree: CountingTree) {
        var headFiles = base
        headFiles["models/orders.sql"] = "select 1 as id\n"
        let memo = BlobMemo(store: store)
        let baseTree = CountingTree(base), headTree = CountingTree(headFiles)
        let baseProject = try DbtProject.load(tree: baseTree, memo: memo)
        let headProject = try DbtProject.load(tree: headTree, memo: memo)
        let changes = try SemanticDiff.compare(
            base: baseProject, head: headProject,
            changes: ChangeSet(base: "base", head: .commit("head"),
                               changes: [FileChange(status: .modified, oldPath: "models/orders.sql", newPath: "models/orders.sql")])).changes
        let graph = try DbtProject.lineageGraph(changes: changes, base: baseProject, head: headProject)
        let lineage = try ColumnLineage.analyze(changes: changes, base: baseProject, head: headProject, graph: graph)
        memo.persist()
        return (lineage.brokenReads.map { "\($0.test ?? "-") line \($0.location.line)" }.sorted(), headTree)
    }

    @Test func aWarmCheckTakesTheTestsFromTheCache() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("test-reads-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let cold = try Self.brokenTests(store: BlobFactStore(folder: folder, scope: "repo", identity: "test 1"))
        #expect(cold.tests == ["data test `not_null` on `orders.status` line 9"])
        #expect((cold.headTree.reads["models/schema.yml"] ?? 0) > 0)

        let store = BlobFactStore(folder: folder, scope: "repo", identity: "test 1")
        #expect(store.has(.testReads, try #require(cold.headTree.blobID(of: "models/schema.yml")) + ":models/schema.yml@orders"))
        let warm = try Self.brokenTests(store: store)
        #expect(warm.tests == cold.tests)
        #expect(warm.headTree.reads["models/schema.yml"] == nil, "read again: \(warm.headTree.reads)")
    }

    @Test func readsRoundTripThroughTheirRecord() throws {
        let yaml = Self.base["models/schema.yml"]! + """

              - name: payments
                columns:
                  - name: order_id
                    data_tests:
                      - relationships: {to: ref('orders'), field: id}
            unit_tests:
              - name: t1
                model: payments
                given:
                  - input: ref('orders')
                    rows: [{id: 1, status: a}]
                expect:
                  rows: [{order_id: 1}]
            """
        let reads = TestColumnReads.read(Data(yaml.utf8), path: "models/schema.yml")
        #expect(reads.count >= 6)
        let record = TestColumnReads.encode(reads)
        let decoded = try record.withUnsafeBytes { raw in
            var reader = BinaryReader(raw)
            let value = try TestColumnReads.decode(&reader, path: "models/schema.yml")
            #expect(reader.position == record.count)
            return value
        }
        #expect(decoded == reads)
        // A record cut short never decodes.
        for length in stride(from: 0, to: record.count - 1, by: 7) {
            let cut = Array(record[..<length])
            #expect(throws: (any Error).self) {
                try cut.withUnsafeBytes { raw in
                    var reader = BinaryReader(raw)
                    _ = try TestColumnReads.decode(&reader, path: "models/schema.yml")
                }
            }
        }
    }
}
