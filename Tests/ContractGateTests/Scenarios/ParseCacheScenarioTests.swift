import Foundation
import GateModel
import GateTestSupport
import Testing

/// The parse cache through the binary: a check with what earlier checks kept reports exactly what
/// a check without it reports — for the same change, for another change, and over a damaged cache
/// file — and `--no-cache` / `CONTRACT_GATE_CACHE_DIR=off` keep nothing.
@Suite struct ParseCacheScenarioTests {
    /// A project whose refs are made in a macro and whose columns come from SQL, and two changes:
    /// `first` drops a column a macro-made reader selects, `second` renames a model nothing reads.
    func repository() throws -> (TempRepository, base: String, first: String, second: String) {
        let repo = try TempRepository()
        try repo.write("dbt_project.yml", "name: shop\nprofile: shop\n")
        try repo.write("contract-gate.yml", "version: 1\ndbt: {project_dir: ., adapter: duckdb}\n")
        try repo.write("macros/imports.sql", "{% macro import(name) %}select * from {{ ref(name) }}{% endmacro %}\n")
        try repo.write("models/sources.yml", "version: 2\nsources:\n  - name: raw\n    tables: [{name: orders, columns: [{name: id}, {name: amount}]}]\n")
        try repo.write("models/stg_orders.sql", "select id, amount from {{ source('raw', 'orders') }}\n")
        try repo.write("models/orders.sql", "with o as ({{ import('stg_orders') }})\nselect id, amount from o\n")
        try repo.write("models/revenue.sql", "select sum(amount) as revenue from {{ ref('orders') }}\n")
        try repo.write("models/schema.yml", "version: 2\nmodels:\n  - name: orders\n    description: one row per order\n")
        for index in 0..<30 {
            try repo.write("models/other/o\(index).sql", "select id from {{ ref('stg_orders') }}\n")
        }
        let base = try repo.commit("base")
        try repo.write("models/stg_orders.sql", "select id from {{ source('raw', 'orders') }}\n")
        let first = try repo.commit("drop amount")
        try repo.checkout(base)
        try repo.run(["mv", "models/revenue.sql", "models/total_revenue.sql"])
        let second = try repo.commit("rename revenue, which nothing reads")
        return (repo, base, first, second)
    }

    func check(_ repo: TempRepository, _ base: String, _ head: String, cache: String, extra: [String] = []) throws -> (Int32, [String: Any]) {
        let result = try GateBinary().run(["check", "--base", base, "--head", head, "--format", "json"] + extra,
                                          in: repo.path, environment: ["CONTRACT_GATE_CACHE_DIR": cache])
        var json = (try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]) ?? [:]
        #expect(!json.isEmpty, "stderr: \(result.stderr)")
        json["timings"] = nil
        return (result.status, json)
    }

    func same(_ a: [String: Any], _ b: [String: Any]) -> Bool { NSDictionary(dictionary: a).isEqual(to: b) }

    @Test func checksWithTheCacheReportWhatChecksWithoutItReport() throws {
        let (repo, base, first, second) = try repository()
        defer { repo.remove() }
        let folder = try TempRepository.temporaryDirectory(prefix: "parse-cache")
        defer { TempRepository.removeDirectory(folder) }
        let cache = folder + "/cache"

        let (coldStatus, cold) = try check(repo, base, first, cache: cache)
        #expect(coldStatus == 1)
        let files = try FileManager.default.contentsOfDirectory(atPath: cache).filter { $0.hasPrefix("parse-") }
        #expect(files.count == 1)
        let (warmStatus, warm) = try check(repo, base, first, cache: cache)
        #expect(warmStatus == 1 && same(cold, warm))
        // The finding names the reader through the macro-made CTE, cache or not.
        #expect(String(describing: warm["findings"] ?? "").contains("orders"))

        // Another change over the kept facts: what a check without any cache says.
        let (otherStatus, other) = try check(repo, base, second, cache: cache)
        let (freshStatus, fresh) = try check(repo, base, second, cache: folder + "/fresh", extra: ["--no-cache"])
        #expect(otherStatus == freshStatus && same(other, fresh))
        #expect(!FileManager.default.fileExists(atPath: folder + "/fresh"))

        // A damaged file is not trusted: the same report, and the file is replaced by a good one.
        let path = cache + "/" + files[0]
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        bytes[bytes.count / 2] ^= 0x5a
        try bytes.write(to: URL(fileURLWithPath: path))
        let (damagedStatus, damaged) = try check(repo, base, first, cache: cache)
        #expect(damagedStatus == 1 && same(cold, damaged))
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) != bytes)

        let (offStatus, off) = try check(repo, base, first, cache: "off")
        #expect(offStatus == 1 && same(cold, off))
    }

    /// Concurrent checks over one cache folder (two pushes at once, a CI matrix on one runner):
    /// each reports what a check without the cache reports, and the file left behind is whole —
    /// the next check reads it (no rebuild: it learns nothing and does not rewrite it).
    @Test func concurrentChecksShareOneCacheSafely() async throws {
        let (repo, base, first, second) = try repository()
        defer { repo.remove() }
        let folder = try TempRepository.temporaryDirectory(prefix: "parse-cache-concurrent")
        defer { TempRepository.removeDirectory(folder) }
        let cache = folder + "/cache"
        let (status, reference) = try check(repo, base, first, cache: "off")
        let (otherStatus, otherReference) = try check(repo, base, second, cache: "off")

        let results = try await withThrowingTaskGroup(of: (String, Int32, String).self) { group in
            for index in 0..<6 {
                let head = index.isMultiple(of: 2) ? first : second
                let path = repo.path
                group.addTask {
                    let result = try await GateBinary().runDetached(
                        ["check", "--base", base, "--head", head, "--format", "json"], in: path,
                        environment: ["CONTRACT_GATE_CACHE_DIR": cache])
                    return (head, result.status, result.stdout)
                }
            }
            var all: [(String, Int32, String)] = []
            for try await result in group { all.append(result) }
            return all
        }
        #expect(results.count == 6)
        for (head, code, stdout) in results {
            var json = (try? JSONSerialization.jsonObject(with: Data(stdout.utf8)) as? [String: Any]) ?? [:]
            json["timings"] = nil
            #expect(code == (head == first ? status : otherStatus))
            #expect(same(json, head == first ? reference : otherReference), "head \(head)")
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: cache).filter { $0.hasPrefix("parse-") }
        #expect(files.count == 1, "\(files)")   // no temporary file left behind
        let path = cache + "/" + (files.first ?? "")
        // Whole: the magic, the payload's length and its checksum as BlobFactStore writes them.
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(bytes.count > 24 && bytes.prefix(8) == Data("CGPARSE1".utf8))
        let length = bytes.subdata(in: 8..<16).withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        let checksum = bytes.subdata(in: 16..<24).withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        #expect(length == UInt64(bytes.count - 24))
        #expect(StableHash.checksum(Array(bytes.dropFirst(24))[...]) == checksum)
        let (_, after) = try check(repo, base, first, cache: cache)
        #expect(same(after, reference))
        // Whichever run renamed last left a whole file holding both changes' facts or one's; a
        // check of either learns at most the other's and never finds the file damaged.
        let (_, again) = try check(repo, base, second, cache: cache)
        #expect(same(again, otherReference))
        let settled = try Data(contentsOf: URL(fileURLWithPath: path))
        let (_, last) = try check(repo, base, first, cache: cache)
        #expect(same(last, reference))
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == settled, "a run that learnt nothing rewrote the file")
    }
}
