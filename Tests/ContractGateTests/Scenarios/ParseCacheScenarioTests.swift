import Foundation
import GateModel
import GateTestSupport
import Testing

/// The parse cache through the binary: a check with what earlier checks kept reports exactly what
/// a check without it reports — for the same change, for another change, and over a damaged cache
/// file — and `--no-cache` / `CONTRACT_GATE_CACHE_DIR=off` keep nothing.
@Suite struct ParseCacheScenarioTests {
    /// A project whose refs are made in a macro and whose columns come from SQL, and two changes:
    /// `first` drops a column a macro-made reader selects, `second` renames a model its reader refs.
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
        let second = try repo.commit("rename revenue, whose readers stay")
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
}
