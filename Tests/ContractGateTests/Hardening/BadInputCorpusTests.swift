import Foundation
import GateTestSupport
import Testing

/// One bad input run through the whole `check`: what it breaks, and what a good gate does with it.
struct BadInput: Sendable, CustomTestStringConvertible {
    enum Side: Sendable {
        /// Commit the broken files and check `base..HEAD`.
        case commit
        /// Leave them in the worktree and check `--worktree`.
        case worktree
    }

    let name: String
    /// Exit codes the documentation allows for this input.
    let allowed: Set<Int32>
    /// Text the diagnostics must contain (stderr, or the JSON report's diagnostics): the file.
    let mentions: [String]
    /// Text that must appear nowhere (stdout, stderr): content from outside the repository.
    let forbidden: [String]
    let side: Side
    let breakIt: @Sendable (TempRepository) throws -> Void

    init(_ name: String, exits allowed: Set<Int32>, mentions: [String] = [], forbidden: [String] = [],
         side: Side = .commit, _ breakIt: @escaping @Sendable (TempRepository) throws -> Void) {
        self.name = name
        self.allowed = allowed
        self.mentions = mentions
        self.forbidden = forbidden
        self.side = side
        self.breakIt = breakIt
    }

    var testDescription: String { name }
}

/// The exit codes DESIGN.md §6 documents: 2 for a configuration or repository error, 0/1 for a
/// verdict (with diagnostics for what could not be read).
private let configError: Set<Int32> = [2]
private let verdict: Set<Int32> = [0, 1]
private let verdictOrError: Set<Int32> = [0, 1, 2]

/// A folder outside every fixture repository, holding a "secret" a symlink may point at.
private let outsideFolder: String = {
    let folder = (try? TempRepository.temporaryDirectory(prefix: "contract-gate-outside")) ?? NSTemporaryDirectory()
    let marker = "OUTSIDE_REPOSITORY_SECRET_4711"
    try? Data("select '\(marker)' as \(marker.lowercased())\n".utf8)
        .write(to: URL(fileURLWithPath: folder + "/secret.sql"))
    try? Data("version: 1\n\(marker): true\n".utf8).write(to: URL(fileURLWithPath: folder + "/config.yml"))
    try? Data("contract: \(marker)\nmodels: [\"fct_orders\"]\nrules: {\(marker): error}\n".utf8)
        .write(to: URL(fileURLWithPath: folder + "/contract.yml"))
    return folder
}()
private let outsideMarker = "OUTSIDE_REPOSITORY_SECRET_4711"

private func write(_ repo: TempRepository, _ path: String, _ text: String) throws { try repo.write(path, text) }

// MARK: The corpus

enum BadInputCorpus {
    static let configCases: [BadInput] = [
        BadInput("contract-gate.yml: unclosed flow sequence", exits: configError, mentions: ["contract-gate.yml:"]) {
            try write($0, "contract-gate.yml", "version: 1\ncatalog: [unclosed\nfail_on: error\n")
        },
        BadInput("contract-gate.yml: tab indentation", exits: configError, mentions: ["contract-gate.yml:"]) {
            try write($0, "contract-gate.yml", "version: 1\ndbt:\n\tdatabase: analytics\n")
        },
        BadInput("contract-gate.yml: duplicate keys", exits: configError, mentions: ["contract-gate.yml:", "fail_on"]) {
            try write($0, "contract-gate.yml", "version: 1\nfail_on: error\nfail_on: never\n")
        },
        BadInput("contract-gate.yml: alias bomb", exits: configError, mentions: ["contract-gate.yml:"]) {
            try write($0, "contract-gate.yml", "version: 1\nlineage:\n" + ShopFixture.aliasBomb(indent: "  "))
        },
        BadInput("contract-gate.yml: alias bomb under default_policy", exits: configError, mentions: ["contract-gate.yml:"]) {
            try write($0, "contract-gate.yml", "version: 1\ndefault_policy:\n  rules:\n" + ShopFixture.aliasBomb(indent: "    "))
        },
        BadInput("contract-gate.yml: 10,000-deep flow nesting", exits: configError, mentions: ["contract-gate.yml"]) {
            try write($0, "contract-gate.yml", "version: 1\nlineage: \(ShopFixture.deepFlow())\n")
        },
        BadInput("contract-gate.yml: 10,000-deep mapping nesting", exits: configError, mentions: ["contract-gate.yml"]) {
            try write($0, "contract-gate.yml", "version: 1\ndbt: \(ShopFixture.deepMapping())\n")
        },
        BadInput("contract-gate.yml: 10,000-deep block nesting", exits: configError, mentions: ["contract-gate.yml"]) {
            try write($0, "contract-gate.yml", "version: 1\nlineage:\n  \(ShopFixture.deepBlock())\n")
        },
        BadInput("contract-gate.yml: UTF-8 byte order mark", exits: [0]) {
            try write($0, "contract-gate.yml", "\u{FEFF}" + ShopFixture.config)
        },
        BadInput("contract-gate.yml: not UTF-8", exits: configError, mentions: ["contract-gate.yml"]) {
            try $0.write("contract-gate.yml", data: Data("version: 1\nbase: caf".utf8) + Data([0xE9, 0xFF, 0x0A]))
        },
        BadInput("contract-gate.yml: binary", exits: configError, mentions: ["contract-gate.yml"]) {
            try $0.write("contract-gate.yml", data: ShopFixture.binary)
        },
        BadInput("contract-gate.yml: every wrong type", exits: configError,
                 mentions: ["contract-gate.yml:1", "contract-gate.yml:2", "contract-gate.yml:3", "contract-gate.yml:6"]) {
            try write($0, "contract-gate.yml", """
                version: one
                fail_on: [error]
                lineage: {max_depth: -1, max_nodes: many}
                catalog:
                  secoda:
                    base_url: ftp://example.com/
                    token_env: sk-live-abc def
                  on_catalog_error: sometimes
                dbt: [project_dir]
                unknown_key: 1

                """)
        },
        BadInput("contract-gate.yml: a 1 MB line", exits: configError, mentions: ["contract-gate.yml"]) {
            try write($0, "contract-gate.yml", "version: 1\nlineage: [" + String(repeating: "1, ", count: ShopFixture.megabyte / 3) + "1]\n")
        },
        BadInput("contract-gate.yml: a document that is a scalar", exits: configError, mentions: ["contract-gate.yml"]) {
            try write($0, "contract-gate.yml", "just some text\n")
        },
        BadInput("contract-gate.yml: symlink out of the repository", exits: configError, mentions: ["contract-gate.yml"],
                 forbidden: [outsideMarker]) {
            try $0.delete("contract-gate.yml")
            try FileManager.default.createSymbolicLink(atPath: $0.path + "/contract-gate.yml",
                                                       withDestinationPath: outsideFolder + "/config.yml")
        },
    ]

    static let projectCases: [BadInput] = [
        BadInput("dbt_project.yml: unclosed flow sequence", exits: configError, mentions: ["dbt_project.yml"]) {
            try write($0, "dbt_project.yml", "name: shop\nmodel-paths: [models\n")
        },
        BadInput("dbt_project.yml: tabs", exits: configError, mentions: ["dbt_project.yml"]) {
            try write($0, "dbt_project.yml", "name: shop\nmodels:\n\tshop:\n\t\t+materialized: view\n")
        },
        // dbt 1.11 reads the last value and warns (DuplicateYAMLKeysDeprecation): so does the gate.
        BadInput("dbt_project.yml: duplicate keys", exits: verdict, mentions: ["dbt_project.yml", "duplicate key `model-paths`"]) {
            try write($0, "dbt_project.yml", "name: shop\nmodel-paths: [\"models\"]\nmodel-paths: [\"models\"]\n")
        },
        BadInput("dbt_project.yml: alias bomb in folder configs", exits: configError, mentions: ["dbt_project.yml", "alias"]) {
            try write($0, "dbt_project.yml", "name: shop\nmodel-paths: [\"models\"]\nmodels:\n  shop:\n"
                + ShopFixture.aliasBomb(indent: "    "))
        },
        BadInput("dbt_project.yml: 10,000-deep folder configs", exits: configError, mentions: ["dbt_project.yml"]) {
            try write($0, "dbt_project.yml", "name: shop\nmodel-paths: [\"models\"]\nmodels: \(ShopFixture.deepMapping())\n")
        },
        BadInput("dbt_project.yml: 10,000-deep block nesting", exits: configError, mentions: ["dbt_project.yml"]) {
            try write($0, "dbt_project.yml", "name: shop\nmodel-paths: [\"models\"]\nvars:\n  \(ShopFixture.deepBlock())\n")
        },
        BadInput("dbt_project.yml: byte order mark", exits: [0]) {
            try write($0, "dbt_project.yml", "\u{FEFF}" + ShopFixture.projectFile)
        },
        BadInput("dbt_project.yml: not UTF-8", exits: configError, mentions: ["dbt_project.yml"]) {
            try $0.write("dbt_project.yml", data: Data("name: shop\nprofile: caf".utf8) + Data([0xE9, 0x0A]))
        },
        BadInput("dbt_project.yml: binary", exits: configError, mentions: ["dbt_project.yml"]) {
            try $0.write("dbt_project.yml", data: ShopFixture.binary)
        },
        BadInput("dbt_project.yml: wrong types", exits: configError, mentions: ["dbt_project.yml"]) {
            try write($0, "dbt_project.yml", "name: [shop]\nmodel-paths: models\nmodels: 3\n")
        },
    ]

    static let propertyCases: [BadInput] = [
        BadInput("schema.yml: unclosed flow mapping", exits: verdictOrError, mentions: ["models/schema.yml"]) {
            try write($0, "models/schema.yml", ShopFixture.properties + "  - name: broken\n    meta: {owner: x\n")
        },
        BadInput("schema.yml: tabs", exits: verdictOrError, mentions: ["models/schema.yml"]) {
            try write($0, "models/schema.yml", ShopFixture.properties.replacingOccurrences(of: "      - name: amount", with: "\t- name: amount"))
        },
        BadInput("schema.yml: duplicate keys", exits: verdictOrError, mentions: ["models/schema.yml"]) {
            try write($0, "models/schema.yml", ShopFixture.properties.replacingOccurrences(
                of: "    description: One row per order.", with: "    description: One row per order.\n    description: Twice."))
        },
        BadInput("schema.yml: alias bomb in column meta", exits: verdictOrError, mentions: ["models/schema.yml", "alias"]) {
            try write($0, "models/schema.yml", ShopFixture.properties + "        meta:\n" + ShopFixture.aliasBomb(indent: "          "))
        },
        BadInput("schema.yml: alias bomb in model config", exits: verdictOrError, mentions: ["models/schema.yml", "alias"]) {
            try write($0, "models/schema.yml", ShopFixture.properties.replacingOccurrences(
                of: "    meta:\n      owner: \"@finance\"\n",
                with: "    config:\n      meta:\n" + ShopFixture.aliasBomb(indent: "        ")))
        },
        BadInput("schema.yml: 10,000-deep column meta", exits: verdictOrError, mentions: ["models/schema.yml"]) {
            try write($0, "models/schema.yml", ShopFixture.properties + "        meta: \(ShopFixture.deepFlow())\n")
        },
        BadInput("schema.yml: 10,000-deep block nesting", exits: verdictOrError, mentions: ["models/schema.yml"]) {
            try write($0, "models/schema.yml", ShopFixture.properties + "        meta:\n          deep:\n            \(ShopFixture.deepBlock())\n")
        },
        BadInput("schema.yml: byte order mark", exits: [0]) {
            try write($0, "models/schema.yml", "\u{FEFF}" + ShopFixture.properties.replacingOccurrences(of: "One row per order.", with: "One row per order, BOM."))
        },
        BadInput("schema.yml: not UTF-8", exits: verdictOrError, mentions: ["models/schema.yml"]) {
            try $0.write("models/schema.yml", data: Data(ShopFixture.properties.utf8) + Data("        description: caf".utf8) + Data([0xE9, 0x0A]))
        },
        BadInput("schema.yml: binary", exits: verdictOrError, mentions: ["models/schema.yml"]) {
            try $0.write("models/schema.yml", data: ShopFixture.binary)
        },
        BadInput("schema.yml: wrong types everywhere", exits: verdictOrError, mentions: ["models/schema.yml"]) {
            try write($0, "models/schema.yml", """
                version: 2
                models:
                  - name: fct_orders
                    description: [not, text]
                    config: {contract: {enforced: maybe}, materialized: [table]}
                    columns:
                      - name: order_id
                        data_type: {type: integer}
                        constraints: not_null
                      - amount
                      - name: [amount]

                """)
        },
        BadInput("schema.yml: models is a mapping", exits: verdictOrError, mentions: ["models/schema.yml"]) {
            try write($0, "models/schema.yml", "version: 2\nmodels:\n  fct_orders:\n    columns: 3\n")
        },
        BadInput("schema.yml: a 1 MB line", exits: verdict) {
            let description = String(repeating: "x", count: ShopFixture.megabyte)
            try write($0, "models/schema.yml", "{version: 2, models: [{name: fct_orders, description: \"\(description)\", "
                + "columns: [{name: order_id, data_type: integer}, {name: amount, data_type: numeric}]}]}\n")
        },
    ]

    static let sqlCases: [BadInput] = [
        BadInput("config(): unclosed call", exits: verdictOrError) {
            try write($0, "models/fct_orders.sql", "{{ config(materialized='table' }}\nselect order_id, amount from {{ ref('stg_orders') }}\n")
        },
        BadInput("config(): values that are not literals", exits: verdict, mentions: ["fct_orders", "var('s')"]) {
            try write($0, "models/fct_orders.sql", "{{ config(schema=var('s'), alias=make_alias(this), **extra) }}\nselect order_id, amount from {{ ref('stg_orders') }}\n")
        },
        BadInput("config(): 10,000 nested parentheses", exits: verdictOrError) {
            try write($0, "models/fct_orders.sql", "{{ config(meta=" + String(repeating: "(", count: 10_000)
                + "1" + String(repeating: ")", count: 10_000) + ") }}\nselect 1 as order_id\n")
        },
        BadInput("config(): 10,000 nested lists", exits: verdictOrError) {
            try write($0, "models/fct_orders.sql", "{{ config(meta=" + ShopFixture.deepFlow() + ") }}\nselect 1 as order_id\n")
        },
        BadInput("config(): 10,000 nested dicts", exits: verdictOrError) {
            try write($0, "models/fct_orders.sql", "{{ config(meta=" + String(repeating: "{'a': ", count: 10_000)
                + "1" + String(repeating: "}", count: 10_000) + ") }}\nselect 1 as order_id\n")
        },
        BadInput("config(): unterminated string", exits: verdictOrError) {
            try write($0, "models/fct_orders.sql", "{{ config(alias='never closed) }}\nselect 1 as order_id\n")
        },
        BadInput("Jinja: unclosed blocks and refs", exits: verdictOrError) {
            try write($0, "models/fct_orders.sql", "{% if var('x') %}\nselect {{ ref('stg_orders' from {{ source(\n{# comment\n")
        },
        BadInput("Jinja: 100,000 config calls", exits: verdictOrError) {
            try write($0, "models/fct_orders.sql", String(repeating: "{{ config(alias='a') }}", count: 100_000) + "\nselect 1 as order_id\n")
        },
        BadInput("model: not UTF-8", exits: verdict) {
            try $0.write("models/fct_orders.sql", data: Data("-- caf".utf8) + Data([0xE9, 0xFF]) + Data("\n".utf8) + Data(ShopFixture.facts.utf8))
        },
        BadInput("model: binary", exits: verdictOrError) {
            try $0.write("models/fct_orders.sql", data: ShopFixture.binary)
        },
        BadInput("model: a 1 MB line", exits: verdict) {
            let columns = (0..<(ShopFixture.megabyte / 16)).map { "1 as column_\($0)" }.joined(separator: ", ")
            try write($0, "models/fct_orders.sql", "select order_id, amount, \(columns) from {{ ref('stg_orders') }}\n")
        },
        BadInput("model: a Python model that is not Python", exits: verdictOrError) {
            try $0.write("models/py_model.py", data: ShopFixture.binary)
        },
    ]

    static let manifestCases: [BadInput] = [
        BadInput("manifest.json: truncated", exits: verdictOrError, mentions: ["target/manifest.json"]) {
            let manifest = """
                {"metadata": {"dbt_schema_version": "https://schemas.getdbt.com/dbt/manifest/v12.json", "project_name": "shop"},
                 "nodes": {"model.shop.fct_orders": {"resource_type": "model", "name": "fct_orders", "database": "analytics",
                 "schema": "prod", "alias": "fct_orders", "unique_id": "model.shop.fct_orders", "original_file_path": "models/fct_orders.sql",
                 "columns": {"order_id": {"name": "order_id", "data_type": "integer"}}}}, "child_map": {}}
                """
            try write($0, "target/manifest.json", String(manifest.prefix(manifest.count / 2)))
            try write($0, "models/stg_orders.sql", "select 2 as order_id, 10.5 as amount\n")
        },
        BadInput("manifest.json: wrong types", exits: verdictOrError, mentions: ["target/manifest.json"]) {
            try write($0, "target/manifest.json", """
                {"metadata": "shop", "nodes": [1, 2, 3], "child_map": {"model.shop.fct_orders": "model.shop.x"},
                 "sources": {"s": {"name": 3}}}
                """)
            try write($0, "models/stg_orders.sql", "select 2 as order_id, 10.5 as amount\n")
        },
        BadInput("manifest.json: nodes of the wrong shape", exits: verdictOrError) {
            try write($0, "target/manifest.json", """
                {"metadata": {}, "nodes": {"model.shop.fct_orders": {"resource_type": 5, "name": null, "columns": [1],
                 "config": "table", "database": {"a": 1}, "alias": [], "original_file_path": 7}}, "child_map": {"x": 1}}
                """)
            try write($0, "models/stg_orders.sql", "select 2 as order_id, 10.5 as amount\n")
        },
        BadInput("manifest.json: 10,000-deep arrays", exits: verdictOrError) {
            try write($0, "target/manifest.json", "{\"nodes\": " + ShopFixture.deepFlow() + "}")
            try write($0, "models/stg_orders.sql", "select 2 as order_id, 10.5 as amount\n")
        },
        BadInput("manifest.json: binary", exits: verdictOrError, mentions: ["target/manifest.json"]) {
            try $0.write("target/manifest.json", data: ShopFixture.binary)
            try write($0, "models/stg_orders.sql", "select 2 as order_id, 10.5 as amount\n")
        },
        BadInput("manifest.json: truncated, worktree", exits: verdictOrError, mentions: ["target/manifest.json"], side: .worktree) {
            try write($0, "target/manifest.json", "{\"metadata\": {\"project_name\": \"shop\"}, \"nodes\": {\"model.sh")
            try write($0, "models/stg_orders.sql", "select 2 as order_id, 10.5 as amount\n")
        },
    ]

    static let contractCases: [BadInput] = [
        BadInput("contract: YAML syntax", exits: configError, mentions: ["contracts/bad.yml:"]) {
            try write($0, "contracts/bad.yml", "contract: bad\nmodels: [fct_orders\n")
        },
        BadInput("contract: unknown rule", exits: configError, mentions: ["contracts/bad.yml:4", "COLUMN_NO_DELET"]) {
            try write($0, "contracts/bad.yml", "contract: bad\nmodels: [fct_orders]\nrules:\n  COLUMN_NO_DELET: error\n")
        },
        BadInput("contract: unknown key", exits: configError, mentions: ["contracts/bad.yml:3"]) {
            try write($0, "contracts/bad.yml", "contract: bad\nmodels: [fct_orders]\nrulez: {}\n")
        },
        BadInput("contract: wrong severity and options", exits: configError, mentions: ["contracts/bad.yml:4", "contracts/bad.yml:5"]) {
            try write($0, "contracts/bad.yml", """
                contract: bad
                models: [fct_orders]
                rules:
                  COLUMN_NO_DELETE: fatal
                  BLAST_RADIUS: {severity: warning, max_downstream: lots}

                """)
        },
        BadInput("contract: wrong types", exits: configError, mentions: ["contracts/bad.yml:1", "contracts/bad.yml:2"]) {
            try write($0, "contracts/bad.yml", "contract: [bad]\nmodels: 5\nrules: [COLUMN_NO_DELETE]\nwaivers: {}\n")
        },
        BadInput("contract: waiver mistakes", exits: configError,
                 mentions: ["contracts/bad.yml:4", "contracts/bad.yml:6", "NOT_A_RULE", "contracts/bad.yml:8"]) {
            try write($0, "contracts/bad.yml", """
                contract: bad
                models: [fct_orders]
                waivers:
                  - rule: COLUMN_NO_DELETE
                    model: fct_orders
                  - rule: NOT_A_RULE
                    reason: because
                    expires: next tuesday

                """)
        },
        BadInput("contract: glob out of the repository", exits: configError, mentions: ["contracts/bad.yml:2"]) {
            try write($0, "contracts/bad.yml", "contract: bad\nmodels: [\"../**\"]\n")
        },
        BadInput("contract: absolute glob", exits: configError, mentions: ["contracts/bad.yml:2"]) {
            try write($0, "contracts/bad.yml", "contract: bad\nmodels: [\"/etc/**\"]\n")
        },
        BadInput("contract: glob climbing through a folder", exits: configError, mentions: ["contracts/bad.yml:2"]) {
            try write($0, "contracts/bad.yml", "contract: bad\nmodels: [\"models/../../**/*.sql\"]\n")
        },
        BadInput("contract: duplicate name", exits: configError, mentions: ["contracts/bad.yml"]) {
            try write($0, "contracts/bad.yml", ShopFixture.contract)
        },
        BadInput("contract: duplicate keys", exits: configError, mentions: ["contracts/bad.yml"]) {
            try write($0, "contracts/bad.yml", "contract: bad\ncontract: worse\nmodels: [fct_orders]\n")
        },
        BadInput("contract: alias bomb", exits: configError, mentions: ["contracts/bad.yml"]) {
            try write($0, "contracts/bad.yml", "contract: bad\nmodels: [fct_orders]\nrules:\n" + ShopFixture.aliasBomb(indent: "  "))
        },
        BadInput("contract: alias bomb in a known list", exits: configError, mentions: ["contracts/bad.yml"]) {
            try write($0, "contracts/bad.yml", "contract: bad\nx:\n" + ShopFixture.aliasBomb(indent: "  ") + "models: *l9\n")
        },
        BadInput("contract: 10,000-deep nesting", exits: configError, mentions: ["contracts/bad.yml"]) {
            try write($0, "contracts/bad.yml", "contract: bad\nmodels: \(ShopFixture.deepFlow())\n")
        },
        BadInput("contract: 10,000-deep block nesting", exits: configError, mentions: ["contracts/bad.yml"]) {
            try write($0, "contracts/bad.yml", "contract: bad\nmodels:\n  \(ShopFixture.deepBlock())\n")
        },
        BadInput("contract: not UTF-8", exits: configError, mentions: ["contracts/bad.yml"]) {
            try $0.write("contracts/bad.yml", data: Data("contract: caf".utf8) + Data([0xE9, 0x0A]) + Data("models: [fct_orders]\n".utf8))
        },
        BadInput("contract: binary", exits: configError, mentions: ["contracts/bad.yml"]) {
            try $0.write("contracts/bad.yml", data: ShopFixture.binary)
        },
        BadInput("contract: ODCS with wrong shapes", exits: configError, mentions: ["contracts/odcs.yml"]) {
            try write($0, "contracts/odcs.yml", """
                kind: DataContract
                apiVersion: v3.0.0
                id: orders
                schema:
                  - name: fct_orders
                    properties: {order_id: integer}
                  - 7

                """)
        },
        BadInput("contract: symlink out of the repository", exits: verdictOrError, forbidden: [outsideMarker]) {
            try FileManager.default.createSymbolicLink(atPath: $0.path + "/contracts/leak.yml",
                                                       withDestinationPath: outsideFolder + "/contract.yml")
        },
    ]

    static let repositoryCases: [BadInput] = [
        BadInput("file names that are not UTF-8", exits: verdictOrError) {
            try $0.shell("printf 'select 1 as id\\n' > \"models/caf$(printf '\\351')_orders.sql\"; "
                + "printf 'version: 2\\nmodels: []\\n' > \"models/$(printf '\\377\\376').yml\"")
        },
        BadInput("file names with control characters", exits: verdictOrError) {
            try $0.shell("printf 'select 1 as id\\n' > \"models/$(printf 'esc\\033[2Jx\\ty')_m.sql\"")
        },
        BadInput("model symlinked out of the repository", exits: verdictOrError, forbidden: [outsideMarker]) {
            try FileManager.default.createSymbolicLink(atPath: $0.path + "/models/leak.sql",
                                                       withDestinationPath: outsideFolder + "/secret.sql")
        },
        BadInput("model symlinked out of the repository, worktree", exits: verdictOrError, forbidden: [outsideMarker],
                 side: .worktree) {
            try FileManager.default.createSymbolicLink(atPath: $0.path + "/models/leak.sql",
                                                       withDestinationPath: outsideFolder + "/secret.sql")
        },
        BadInput("model folder symlinked out of the repository, worktree", exits: verdictOrError, forbidden: [outsideMarker],
                 side: .worktree) {
            try FileManager.default.createSymbolicLink(atPath: $0.path + "/models/outside",
                                                       withDestinationPath: outsideFolder)
        },
        BadInput("existing model replaced by a symlink out of the repository, worktree", exits: verdictOrError,
                 forbidden: [outsideMarker], side: .worktree) {
            try $0.delete("models/fct_orders.sql")
            try FileManager.default.createSymbolicLink(atPath: $0.path + "/models/fct_orders.sql",
                                                       withDestinationPath: outsideFolder + "/secret.sql")
        },
        BadInput("a submodule inside the model folder", exits: verdict) { repo in
            let vendor = try TempRepository()
            try vendor.write("models/vendored.sql", "select 1 as id\n")
            try vendor.commit("vendor")
            try repo.run(["-c", "protocol.file.allow=always", "submodule", "add", "-q", vendor.path, "models/vendor"])
            try repo.write("models/stg_orders.sql", "select 2 as order_id, 10.5 as amount\n")
        },
        BadInput("a model folder that became a file", exits: verdictOrError) {
            try $0.run(["rm", "-q", "-r", "models"])
            try $0.write("models", "not a folder\n")
        },
        BadInput("dbt_project.yml deleted", exits: verdictOrError) {
            try $0.delete("dbt_project.yml")
        },
    ]

    static let all = configCases + projectCases + propertyCases + sqlCases + manifestCases + contractCases + repositoryCases
}

// MARK: Tests

/// The bad-input corpus through the real binary: every case ends by itself (no signal, no hang)
/// with a documented exit code and a diagnostic that names the file.
@Suite("Hardening: bad input through check", .serialized)
struct BadInputCorpusTests {
    static let timeLimit = 60.0

    @Test(arguments: BadInputCorpus.all)
    func badInputEndsCleanly(_ input: BadInput) throws {
        let (repo, base) = try ShopFixture.make()
        defer { repo.remove() }
        try input.breakIt(repo)
        var arguments = ["check", "--format", "json", "--catalog", "dbt"]
        switch input.side {
        case .commit:
            try repo.commit("break: \(input.name)")
            arguments += ["--base", base, "--head", "HEAD"]
        case .worktree:
            arguments += ["--worktree"]
        }
        let result = try BoundedGate().run(arguments, in: repo.path, timeout: Self.timeLimit)
        #expect(!result.signalled, "crashed: \(result)")
        #expect(!result.timedOut, "hung: \(result)")
        #expect(input.allowed.contains(result.status), "exit \(result.status), expected one of \(input.allowed.sorted()): \(result)")
        if result.status == 2 {
            #expect(result.stdout.isEmpty || result.json != nil, "a failed run prints no half report: \(result)")
            #expect(!result.stderr.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "exit 2 without a message")
        } else if result.endedCleanly {
            #expect(result.json != nil, "a verdict comes with a JSON report: \(result)")
        }
        let diagnostics = Self.diagnosticText(result)
        for text in input.mentions {
            #expect(diagnostics.contains(text), "no diagnostic mentions \(text): \(result)")
        }
        for text in input.forbidden {
            #expect(!result.stdout.contains(text) && !result.stderr.contains(text),
                    "content from outside the repository leaked: \(result)")
        }
        #expect(!result.stderr.contains("Fatal error"), "\(result)")
    }

    /// stderr plus the report's diagnostics, each as `path:line: message`.
    static func diagnosticText(_ result: BoundedResult) -> String {
        var text = result.stderr
        for diagnostic in (result.json?["diagnostics"] as? [[String: Any]]) ?? [] {
            let location = diagnostic["location"] as? [String: Any]
            let path = location?["path"] as? String ?? ""
            let line = (location?["line"] as? Int).map { ":\($0)" } ?? ""
            text += "\n\(path)\(line): \(diagnostic["message"] as? String ?? "")"
        }
        return text
    }
}
