import Foundation
import GateDbt
import GateModel
import GateTestSupport
import Testing

/// Property entries and SQL readings in the parse cache, through the binary: a warm check keeps
/// them (the file holds both kinds), learns nothing new (the file is not rewritten: no entry was
/// parsed and no SQL read again), and a change that edits an entry and a parent's columns reports
/// what a check without the cache reports.
extension ParseCacheScenarioTests {
    /// Entry kinds in the cache file (`BlobFactStore`'s layout), counted by kind.
    func keptKinds(_ path: String) throws -> [UInt8: Int] {
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        return try bytes.withUnsafeBytes { raw -> [UInt8: Int] in
            var reader = BinaryReader(raw, at: 24)
            _ = try reader.string()   // the binary
            _ = try reader.string()   // the repository and project
            _ = try reader.u32()
            var kinds: [UInt8: Int] = [:]
            for _ in 0..<(try reader.count()) {
                let kind = try reader.u8()
                _ = try reader.string()
                _ = try reader.u32()
                reader.position += try reader.count()
                kinds[kind, default: 0] += 1
            }
            #expect(reader.position == raw.count)
            return kinds
        }
    }

    @Test func keptEntriesAndSQLReadingsGiveTheReportsOfAFreshCheck() throws {
        let (repo, base, first, _) = try repository()
        defer { repo.remove() }
        try repo.checkout(first)
        // Later: an entry edited, and a parent that gains a column its readers select with `*`.
        try repo.write("models/schema.yml", "version: 2\nmodels:\n  - name: orders\n    description: one row per order, now with tax\n")
        try repo.write("models/stg_orders.sql", "select id, amount as tax from {{ source('raw', 'orders') }}\n")
        let third = try repo.commit("amount becomes tax")
        let folder = try TempRepository.temporaryDirectory(prefix: "parse-cache-entries")
        defer { TempRepository.removeDirectory(folder) }
        let cache = folder + "/cache"

        let (coldStatus, cold) = try check(repo, base, first, cache: cache)
        let file = try #require(try FileManager.default.contentsOfDirectory(atPath: cache).first { $0.hasPrefix("parse-") })
        let path = cache + "/" + file
        let kinds = try keptKinds(path)
        let entries = BlobFactStore.Kind.propertyItem.rawValue, readings = BlobFactStore.Kind.sqlReading.rawValue
        #expect((kinds[entries] ?? 0) >= 1 && (kinds[readings] ?? 0) >= 3, "\(kinds)")
        let written = try Data(contentsOf: URL(fileURLWithPath: path))
        let (warmStatus, warm) = try check(repo, base, first, cache: cache)
        #expect(warmStatus == coldStatus && same(cold, warm))
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == written, "the warm check parsed or read something again")

        for head in [third, first] {
            let (status, report) = try check(repo, base, head, cache: cache)
            let (freshStatus, fresh) = try check(repo, base, head, cache: "off")
            #expect(status == freshStatus && same(report, fresh), "head \(head)")
        }
        #expect((try keptKinds(path)[readings] ?? 0) > (kinds[readings] ?? 0))
    }
}
