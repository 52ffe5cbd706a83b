import Foundation
import GateConfig
import GateDbt
import GateModel
import GateContracts

/// The readers a fuzz run can feed. Each one takes the input as the bytes of one file in an
/// otherwise valid project, and drives the public API the `check` pipeline uses on it.
enum FuzzTarget: String, CaseIterable {
    /// `contract-gate.yml` → `GateConfig.load`.
    case config
    /// `contracts/*.yml` → `ContractSet.parse`, also as a default policy file.
    case contract
    /// `dbt_project.yml` → `DbtProject.load`, folder configs, model snapshots, the graph.
    case project
    /// `models/schema.yml` → property-file reading, snapshots, the graph, the semantic diff.
    case properties
    /// `models/orders.sql` → the `{{ config() }}` reader, `ref()` scanning, the semantic diff.
    case model
    /// `target/manifest.json` → the manifest reader.
    case manifest
    /// Any JSON → `PrettyJSONEncoder`, byte for byte against `JSONEncoder`, and back (`JSONCodecFuzz`).
    case json
}

/// A `FileTree` held in memory: a fuzz run never touches the disk.
struct MemoryTree: FileTree {
    var files: [String: Data]

    func files(under folder: String) throws -> [String] {
        let prefix = folder.isEmpty ? "" : folder + "/"
        return files.keys.filter { $0.hasPrefix(prefix) }.sorted()
    }

    func contents(of path: String) throws -> Data? { files[path] }
}

/// Feeds one input to one reader. Errors are expected (bad input is the point); only a crash,
/// a hang or a sanitizer report is a finding.
enum FuzzHarness {
    static let projectFile = Data("""
        name: shop
        model-paths: ["models"]
        models:
          shop:
            +materialized: table
            marts:
              +schema: marts

        """.utf8)
    static let staging = Data("select 1 as order_id, 2 as amount\n".utf8)
    static let model = Data("""
        {{ config(materialized='table', alias='orders', tags=['a', "b"], meta={'owner': '@x', 'n': [1, 2.5, none, true]}) }}
        select order_id, amount from {{ ref('stg_orders') }} join {{ source('raw', 'orders') }}

        """.utf8)
    static let properties = Data("""
        version: 2
        models:
          - name: orders
            description: Orders.
            config: {contract: {enforced: true}}
            columns:
              - name: order_id
                data_type: integer
                constraints: [{type: not_null}, {type: primary_key}]
                tests: [unique]
              - name: amount
                data_type: numeric(18,2)
                meta: {pii: false}
        exposures:
          - name: board
            type: dashboard
            owner: {name: Finance}
            depends_on: [ref('orders')]

        """.utf8)

    static func baseFiles() -> [String: Data] {
        ["dbt_project.yml": projectFile, "models/stg_orders.sql": staging, "models/orders.sql": model,
         "models/schema.yml": properties]
    }

    static func run(_ target: FuzzTarget, _ data: Data) {
        let text = String(decoding: data, as: UTF8.self)
        switch target {
        case .config:
            _ = try? GateConfig.load(yaml: text, path: "contract-gate.yml")
        case .contract:
            _ = try? ContractSet.parse(files: [(path: "contracts/fuzz.yml", text: text)])
            _ = try? ContractSet.parseDefaultPolicy(path: "contracts/default.yml", text: text)
        case .project:
            readProject(replacing: "dbt_project.yml", with: data)
        case .properties:
            readProject(replacing: "models/schema.yml", with: data)
        case .model:
            readProject(replacing: "models/orders.sql", with: data)
        case .manifest:
            readProject(replacing: "target/manifest.json", with: data)
        case .json:
            JSONCodecFuzz.run(data)
        }
    }

    /// Reads the project with one file replaced, the way `check` does: both sides, the diff
    /// between them, the snapshots of the changed models, the graph, column users.
    static func readProject(replacing path: String, with data: Data) {
        let baseTree = MemoryTree(files: baseFiles())
        var headFiles = baseFiles()
        headFiles[path] = data
        let headTree = MemoryTree(files: headFiles)
        let settings = DbtSettings(targetDatabase: "analytics", targetSchema: "prod")
        guard let base = try? DbtProject.load(tree: baseTree, settings: settings, required: false),
              let head = try? DbtProject.load(tree: headTree, settings: settings, required: false) else { return }
        let change = FileChange(status: baseTree.files[path] == nil ? .added : .modified, oldPath: path, newPath: path)
        _ = try? SemanticDiff.compare(base: base, head: head, changes: ChangeSet(base: "base", head: .worktree, changes: [change]))
        _ = try? head.model(named: "orders")
        _ = try? head.modelVersions(named: "orders")
        _ = try? head.graph()
        _ = try? head.columnUsers(of: "stg_orders", columns: ["order_id", "amount"], among: ["model.shop.orders"])
        _ = head.diagnostics
    }
}
