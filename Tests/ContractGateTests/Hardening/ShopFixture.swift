import Foundation
import GateTestSupport

/// The small valid dbt project every hardening case starts from: two models (`stg_orders` →
/// `fct_orders`), one property file, one contract, and a `contract-gate.yml` that needs no
/// network. Each case breaks one thing on top of it.
enum ShopFixture {
    static let projectFile = """
        name: shop
        version: "1.0.0"
        profile: shop
        model-paths: ["models"]
        models:
          shop:
            +materialized: table

        """

    static let staging = "select 1 as order_id, 10.5 as amount\n"

    static let facts = """
        {{ config(materialized='table') }}
        select order_id, amount from {{ ref('stg_orders') }}

        """

    static let properties = """
        version: 2
        models:
          - name: fct_orders
            description: One row per order.
            meta:
              owner: "@finance"
            columns:
              - name: order_id
                data_type: integer
              - name: amount
                data_type: numeric

        """

    static let config = """
        version: 1
        dbt:
          database: analytics
          schema: prod
        catalog:
          on_catalog_error: warn

        """

    static let contract = """
        contract: orders
        description: The orders mart.
        owners: ["@finance"]
        models: ["fct_orders"]
        rules:
          COLUMN_NO_DELETE: error

        """

    /// A repository holding the valid project in one commit; returns it and that commit's sha.
    static func make(config: String = config, contract: String = contract) throws -> (TempRepository, base: String) {
        let repo = try TempRepository()
        try repo.write("dbt_project.yml", projectFile)
        try repo.write("models/stg_orders.sql", staging)
        try repo.write("models/fct_orders.sql", facts)
        try repo.write("models/schema.yml", properties)
        try repo.write("contract-gate.yml", config)
        try repo.write("contracts/orders.yml", contract)
        let base = try repo.commit("shop")
        return (repo, base)
    }

    /// `contract-gate.yml` reading Secoda at `baseURL` with tight, explicit limits.
    static func secodaConfig(baseURL: String, policy: String, timeout: Int = 1, deadline: Int = 4,
                             maxNodes: Int = 5000) -> String {
        """
        version: 1
        dbt:
          database: analytics
          schema: prod
        catalog:
          secoda:
            base_url: \(baseURL)
            timeout_seconds: \(timeout)
            deadline_seconds: \(deadline)
          snapshot: .contract-gate/catalog.json
          on_catalog_error: \(policy)
        lineage:
          max_nodes: \(maxNodes)

        """
    }

    /// A change with downstream impact and nothing breaking: the staging SQL changes.
    static func changeStaging(_ repo: TempRepository) throws {
        try repo.write("models/stg_orders.sql", "select 1 as order_id, 10.5 as amount -- recomputed\n")
    }

    /// fct_orders without `amount`: its SQL no longer selects it (a removal only the YAML shows is
    /// documentation lost, not a column removed, since the SQL would still output it).
    static let factsWithoutAmount = facts.replacingOccurrences(of: "order_id, amount", with: "order_id")

    /// The shop's property file without `amount`.
    static let propertiesWithoutAmount = properties.replacingOccurrences(
        of: "      - name: amount\n        data_type: numeric\n", with: "")

    /// Drops `amount` from fct_orders, in its SQL and (unless `yaml` is false) its YAML entry.
    static func dropAmount(_ repo: TempRepository, yaml: Bool = true) throws {
        try repo.write("models/fct_orders.sql", factsWithoutAmount)
        if yaml { try repo.write("models/schema.yml", propertiesWithoutAmount) }
    }

    // MARK: Adversarial text

    /// A "billion laughs" YAML alias bomb as the entries of a mapping indented by `indent`:
    /// ten levels, each a list of nine aliases of the level before (9^10 leaves if expanded).
    static func aliasBomb(indent: String) -> String {
        var lines = ["\(indent)l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
        for level in 1...9 {
            let aliases = Array(repeating: "*l\(level - 1)", count: 9).joined(separator: ", ")
            lines.append("\(indent)l\(level): &l\(level) [\(aliases)]")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `depth` nested flow sequences: `[[[…]]]`.
    static func deepFlow(_ depth: Int = 10_000) -> String {
        String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
    }

    /// `depth` nested flow mappings: `{a: {a: …}}`.
    static func deepMapping(_ depth: Int = 10_000) -> String {
        String(repeating: "{a: ", count: depth) + "x" + String(repeating: "}", count: depth)
    }

    /// `depth` nested block sequences on one line: `- - - … x`.
    static func deepBlock(_ depth: Int = 10_000) -> String {
        String(repeating: "- ", count: depth) + "x"
    }

    /// Bytes that are not text: NULs, invalid UTF-8, control characters.
    static let binary: Data = {
        // An ELF-like header, then a fixed pseudo-random run (the same bytes every run).
        var bytes: [UInt8] = [0x7F, 0x45, 0x4C, 0x46, 0x02, 0x01, 0x01, 0x00, 0xFF, 0xFE, 0x00, 0x1B]
        var state: UInt32 = 0x9E37_79B9
        for _ in 0..<4096 {
            state = state &* 1_664_525 &+ 1_013_904_223
            bytes.append(UInt8(truncatingIfNeeded: state >> 24))
        }
        return Data(bytes)
    }()

    /// About one megabyte on one line.
    static let megabyte = 1_048_576
}
