import GateModel

/// How dbt turns a model's custom `schema` config into the schema it builds in.
public enum SchemaNaming: String, Sendable, Codable, CaseIterable {
    /// dbt's built-in `generate_schema_name`: no custom schema → the target schema;
    /// a custom schema → `<target schema>_<custom schema>`.
    case dbtDefault = "dbt_default"
    /// The common override (`generate_schema_name_for_env` style): a custom schema is used verbatim.
    case customOnly = "custom_only"
}

/// What the project reading needs to know that the dbt project itself does not say.
public struct DbtSettings: Sendable, Hashable {
    /// Folder holding `dbt_project.yml`, relative to the repository root ("" or "." for the root).
    public var projectDir: String
    /// The target (profile) database: the default `database` of every relation.
    public var targetDatabase: String?
    /// The target (profile) schema: the default schema, and the prefix of custom schemas.
    public var targetSchema: String?
    /// Which `generate_schema_name` the project uses (`dbt.schema_naming` in contract-gate.yml).
    public var schemaNaming: SchemaNaming
    /// A `manifest.json` to trust for the models it knows, relative to the repository root.
    /// When nil, `<projectDir>/target/manifest.json` is used if the tree has it.
    public var manifestPath: String?
    /// The adapter (`target.type`: snowflake, bigquery, duckdb, …) whose `<adapter>__` macros
    /// `adapter.dispatch` prefers; nil for `default__` implementations only.
    public var adapterType: String?
    /// A `manifest.json` on disk (dbt's `--state`) that describes this revision; it wins over
    /// `manifestPath` and any manifest in the tree.
    public var stateManifest: String?
    /// The worktree on disk, whose `dbt_packages/` (installed by `dbt deps`, and usually not
    /// committed) supplies the packages' macros when a revision's tree has none.
    public var installedPackagesRoot: String?
    /// Folders to look for `profiles.yml` in, in dbt's order, when `adapterType` or
    /// `targetName` is not set (filled by the check from `DBT_PROFILES_DIR`, the worktree, `~/.dbt`).
    public var profilesDirectories: [String] = []
    /// The environment `DBT_TARGET` and `env_var()` read.
    public var environment: [String: String] = [:]
    /// The target name templates see as `target.name` (dbt's usual `dev` when nil).
    public var targetName: String?
    /// A `catalog.json` on disk (`dbt docs generate`): the warehouse's real columns of sources,
    /// snapshots and models, for the nodes whose SQL cannot tell.
    public var warehouseCatalog: String?
    /// Reading an installed package as a project of its own: the root project's `vars:`, which
    /// dbt puts before the package's own (`vars: {<package>: {…}}` first, then the global ones).
    public var rootProjectVars: JSONValue?

    /// Settings with dbt's defaults: project at the repository root, unknown target, dbt's own naming.
    public init(projectDir: String = "", targetDatabase: String? = nil, targetSchema: String? = nil,
                schemaNaming: SchemaNaming = .dbtDefault, manifestPath: String? = nil) {
        self.projectDir = projectDir
        self.targetDatabase = targetDatabase
        self.targetSchema = targetSchema
        self.schemaNaming = schemaNaming
        self.manifestPath = manifestPath
    }

    /// `projectDir` as a path prefix: "" for the root, else `dir/`.
    package var projectPrefix: String {
        var dir = projectDir
        while dir.hasPrefix("./") { dir.removeFirst(2) }
        if dir == "." { dir = "" }
        while dir.hasSuffix("/") { dir.removeLast() }
        return dir.isEmpty ? "" : dir + "/"
    }
}

/// Which side of a change set a project reading stands for.
public enum DiffSide: String, Sendable, Hashable, Codable {
    /// The revision the change starts from (paths are `FileChange.oldPath`).
    case base
    /// The revision the change leads to (paths are `FileChange.newPath`).
    case head
}
