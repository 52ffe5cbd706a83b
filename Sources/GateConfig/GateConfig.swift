import Foundation
import GateDbt
import GateLineage
import GateModel
import GateContracts
import Yams

/// `contract-gate.yml` (DESIGN.md §4). Every key is optional; `GateConfig()` is the defaults.
public struct GateConfig: Sendable, Hashable {
    /// How dbt names schemas when a model sets `schema:`: GateDbt's own type, handed over as is.
    public typealias SchemaNaming = GateDbt.SchemaNaming

    /// What to do when the catalog cannot be reached: GateLineage's own type, handed over as is.
    public typealias CatalogErrorPolicy = GateLineage.CatalogErrorPolicy

    public struct Dbt: Sendable, Hashable {
        /// Folder holding `dbt_project.yml`, relative to the repository root.
        public var projectDir: String = "."
        /// Where the file sets `project_dir`; nil when it does not (the project is then looked for).
        public var projectDirLocation: SourceLocation?
        /// `target/manifest.json`, relative to the project folder; used when present.
        public var manifest: String = "target/manifest.json"
        /// Relation defaults when the project does not say.
        public var database: String?
        public var schema: String?
        public var schemaNaming: SchemaNaming = .dbtDefault
        /// The adapter (`snowflake`, `bigquery`, `duckdb`, …) whose `<adapter>__` macros
        /// `adapter.dispatch` picks; nil: the one `profiles.yml` names, else `default__` only.
        public var adapter: String?
        /// The target name templates see as `target.name`; nil: the profile's, else `dev`.
        public var target: String?
        public init() {}
    }

    public struct Secoda: Sendable, Hashable {
        public var baseURL: String = "https://api.secoda.co/api/v1/"
        /// The environment variable that holds the API key (the key itself is never in the file).
        public var tokenEnv: String = "SECODA_API_KEY"
        /// The warehouse integration to resolve tables within.
        public var integrationId: String?
        /// `timeout_seconds`: how long one HTTP request may take (nil: the client's default, 30 s).
        public var timeoutSeconds: Int?
        /// `deadline_seconds`: how long all catalog work of one run may take (nil: the client's
        /// default, 120 s). A run that needs longer ends with the catalog error policy, never a hang.
        public var deadlineSeconds: Int?
        /// `max_concurrent_requests`: read requests in flight at once (nil: the client's default,
        /// 64). A lineage level's listings go out together up to this many.
        public var maxConcurrentRequests: Int?
        public init() {}
    }

    public struct Catalog: Sendable, Hashable {
        /// Set when the file has a `catalog.secoda` section.
        public var secoda: Secoda?
        public var snapshot: String = ".contract-gate/catalog.json"
        public var onCatalogError: CatalogErrorPolicy = .fail
        public init() {}
    }

    public struct Lineage: Sendable, Hashable {
        public var maxDepth: Int = 6
        public var maxNodes: Int = 5000
        public init() {}
    }

    /// The policy for models under no contract, when the file overrides the built-in one (GateRules' type).
    public typealias DefaultPolicySource = GateContracts.DefaultPolicySource

    public var version: Int = 1
    /// The default base ref for `check`; nil lets the git layer work it out (CI variables, origin/HEAD).
    public var base: String?
    public var failOn: FailOn = .error
    public var dbt = Dbt()
    public var catalog = Catalog()
    public var lineage = Lineage()
    public var defaultPolicy: DefaultPolicySource?
    /// The file this came from; nil for the defaults.
    public var path: String?
    /// Where each top-level key sits in the file, for findings about what it says.
    public var locations: [String: SourceLocation] = [:]

    public init() {}

    /// Where the file lives by default: the repository root.
    public static let fileName = "contract-gate.yml"

    static let topKeys = ["version", "base", "fail_on", "dbt", "catalog", "lineage", "default_policy"]

    /// Reads `contract-gate.yml` text. `path` is how errors name the file (repository-relative).
    /// An empty file is the defaults. Throws `InputErrors` listing every problem at once.
    public static func load(yaml text: String, path: String) throws -> GateConfig {
        var config = GateConfig()
        config.path = path
        guard let root = try compose(text, path: path) else { return config }
        var reader = YAMLReader(path: path)
        if let entries = reader.entries(root, of: "contract-gate.yml", allowed: topKeys) {
            for entry in entries {
                let value = entry.value
                config.locations[entry.key] = reader.location(entry.keyNode)
                switch entry.key {
                case "version":
                    if let v = reader.int(value, "`version`", atLeast: 1) {
                        if v != 1 { reader.problem("`version` must be 1 (the only format this release reads), found \(v).", at: value) }
                        else { config.version = v }
                    }
                case "base": config.base = reader.nonEmptyString(value, "`base`")
                case "fail_on":
                    if let word = reader.choice(value, "`fail_on`", FailOn.allCases.map(\.rawValue)) {
                        config.failOn = FailOn(rawValue: word) ?? .error
                    }
                case "dbt": readDbt(value, into: &config.dbt, reader: &reader)
                case "catalog": readCatalog(value, into: &config.catalog, reader: &reader)
                case "lineage":
                    for item in reader.entries(value, of: "`lineage`", allowed: ["max_depth", "max_nodes"]) ?? [] {
                        if item.key == "max_depth", let v = reader.int(item.value, "`lineage.max_depth`", atLeast: 1) {
                            config.lineage.maxDepth = v
                        }
                        if item.key == "max_nodes", let v = reader.int(item.value, "`lineage.max_nodes`", atLeast: 1) {
                            config.lineage.maxNodes = v
                        }
                    }
                case "default_policy":
                    config.defaultPolicy = readDefaultPolicy(value, reader: &reader)
                default: break
                }
            }
        }
        if !reader.problems.isEmpty { throw InputErrors(YAMLReader.sorted(reader.problems)) }
        return config
    }

    /// Reads the file at `url`; `path` names it in errors. A missing file is the defaults.
    public static func load(contentsOf url: URL, path: String) throws -> GateConfig {
        guard FileManager.default.fileExists(atPath: url.path) else { return GateConfig() }
        let data: Data
        do { data = try RegularFile.read(url, path: path, maxBytes: 16 << 20) }
        catch let error as InputError { throw InputErrors([error]) }
        let text: String
        do { text = try YAMLReader.utf8Text(data, path: path) }
        catch let error as InputError { throw InputErrors([error]) }
        return try load(yaml: text, path: path)
    }

    static func compose(_ text: String, path: String) throws -> Node? {
        do { return try YAMLReader.compose(text, path: path) }
        catch let error as InputError { throw InputErrors([error]) }
    }

    private static func readDbt(_ node: Node, into dbt: inout Dbt, reader: inout YAMLReader) {
        let keys = ["project_dir", "manifest", "database", "schema", "schema_naming", "adapter", "target"]
        for entry in reader.entries(node, of: "`dbt`", allowed: keys) ?? [] {
            switch entry.key {
            case "project_dir":
                if let v = reader.nonEmptyString(entry.value, "`dbt.project_dir`") {
                    dbt.projectDir = v
                    dbt.projectDirLocation = reader.location(entry.value)
                }
            case "manifest": if let v = reader.nonEmptyString(entry.value, "`dbt.manifest`") { dbt.manifest = v }
            case "database": dbt.database = reader.nonEmptyString(entry.value, "`dbt.database`")
            case "schema": dbt.schema = reader.nonEmptyString(entry.value, "`dbt.schema`")
            case "adapter": dbt.adapter = reader.nonEmptyString(entry.value, "`dbt.adapter`")
            case "target": dbt.target = reader.nonEmptyString(entry.value, "`dbt.target`")
            case "schema_naming":
                if let word = reader.choice(entry.value, "`dbt.schema_naming`", SchemaNaming.allCases.map(\.rawValue)) {
                    dbt.schemaNaming = SchemaNaming(rawValue: word) ?? .dbtDefault
                }
            default: break
            }
        }
    }

    private static func readCatalog(_ node: Node, into catalog: inout Catalog, reader: inout YAMLReader) {
        for entry in reader.entries(node, of: "`catalog`", allowed: ["secoda", "snapshot", "on_catalog_error"]) ?? [] {
            switch entry.key {
            case "secoda":
                var secoda = Secoda()
                let keys = ["base_url", "token_env", "integration_id", "timeout_seconds", "deadline_seconds",
                            "max_concurrent_requests"]
                for item in reader.entries(entry.value, of: "`catalog.secoda`", allowed: keys) ?? [] {
                    switch item.key {
                    case "base_url":
                        if let v = reader.nonEmptyString(item.value, "`catalog.secoda.base_url`") {
                            if let url = URL(string: v), ["http", "https"].contains(url.scheme ?? ""), url.host != nil {
                                secoda.baseURL = v.hasSuffix("/") ? v : v + "/"
                            } else {
                                reader.problem("`catalog.secoda.base_url` must be an http(s) URL such as https://api.secoda.co/api/v1/, found `\(v)`.", at: item.value)
                            }
                        }
                    case "token_env":
                        if let v = reader.nonEmptyString(item.value, "`catalog.secoda.token_env`") {
                            if v.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) { secoda.tokenEnv = v }
                            else {
                                reader.problem("`catalog.secoda.token_env` names an environment variable (e.g. SECODA_API_KEY), not the key itself; found `\(v.prefix(3))…`.", at: item.value)
                            }
                        }
                    case "integration_id": secoda.integrationId = reader.nonEmptyString(item.value, "`catalog.secoda.integration_id`")
                    case "timeout_seconds":
                        secoda.timeoutSeconds = reader.int(item.value, "`catalog.secoda.timeout_seconds`", atLeast: 1)
                    case "deadline_seconds":
                        secoda.deadlineSeconds = reader.int(item.value, "`catalog.secoda.deadline_seconds`", atLeast: 1)
                    case "max_concurrent_requests":
                        secoda.maxConcurrentRequests = reader.int(item.value, "`catalog.secoda.max_concurrent_requests`", atLeast: 1)
                    default: break
                    }
                }
                catalog.secoda = secoda
            case "snapshot":
                if let v = reader.nonEmptyString(entry.value, "`catalog.snapshot`") { catalog.snapshot = v }
            case "on_catalog_error":
                if let word = reader.choice(entry.value, "`catalog.on_catalog_error`", CatalogErrorPolicy.allCases.map(\.rawValue)) {
                    catalog.onCatalogError = CatalogErrorPolicy(rawValue: word) ?? .fail
                }
            default: break
            }
        }
    }

    private static func readDefaultPolicy(_ node: Node, reader: inout YAMLReader) -> DefaultPolicySource? {
        if case .scalar = node, let path = reader.nonEmptyString(node, "`default_policy`") {
            return .file(path, reader.location(node))
        }
        guard case .mapping = node else {
            reader.problem("`default_policy` must be a path to a contract file or a mapping with `rules:`, found \(YAMLReader.kind(of: node)).", at: node)
            return nil
        }
        var parser = ContractParser(reader: reader)
        let contract = parser.parseDefaultPolicy(node)
        reader = parser.reader
        return contract.map { .inline($0) }
    }
}
