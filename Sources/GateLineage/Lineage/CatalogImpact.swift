import Foundation
import GateModel

/// What to do when the catalog fails (config `catalog.on_catalog_error`).
public enum CatalogErrorPolicy: String, Sendable, Codable, CaseIterable {
    /// Exit 3: CI must not pass a change whose impact it could not see.
    case fail
    /// Carry on with the snapshot (or the dbt graph alone) and mark the report incomplete.
    case warn
}

/// Which catalog to use.
public enum CatalogMode: String, Sendable, Codable, CaseIterable {
    /// Secoda when a key is set or Secoda is configured, else the snapshot when one exists,
    /// else the dbt graph alone.
    case auto
    /// Only the snapshot (offline): a missing snapshot is an error.
    case snapshot
    /// Only the dbt graph: no catalog at all.
    case dbt
}

/// Catalog settings the pipeline fills from `contract-gate.yml` (DESIGN.md §4) and flags.
public struct CatalogSettings: Sendable {
    /// `catalog.secoda.base_url`; `SECODA_API_URL` in the environment overrides it.
    public var baseURL: String
    /// `catalog.secoda.token_env`: the variable that holds the API key.
    public var tokenEnv: String
    /// Whether `catalog.secoda` appears in the config: Secoda is then expected even without a key.
    public var secodaConfigured: Bool
    /// Secoda was asked for by name (`--catalog secoda`, `catalog pull`): a missing key is an
    /// error even when a snapshot could stand in.
    public var secodaRequired = false
    /// Why `tokenEnv` is not the configured variable (`SECODA_API_URL` is set), for messages.
    public var tokenEnvReason: String?
    /// `catalog.secoda.integration_id`: resolve tables within this warehouse integration only.
    public var integrationId: String?
    /// `catalog.snapshot`, resolved to an absolute path by the caller.
    public var snapshotPath: String?
    /// `catalog.on_catalog_error`.
    public var onCatalogError: CatalogErrorPolicy
    public var mode: CatalogMode
    /// `lineage.max_depth`.
    public var maxDepth: Int
    /// `lineage.max_nodes` (per changed model).
    public var maxNodes: Int
    /// Timeout of one HTTP request.
    public var requestTimeout: Duration
    /// Time allowed for all catalog work of one run.
    public var deadline: Duration
    public var maxAttempts: Int
    /// `catalog.secoda.max_concurrent_requests`: read requests in flight at once. Write
    /// workflows use at most `SecodaClientOptions.maxConcurrentRequestsWhileWriting`.
    public var maxConcurrentRequests: Int
    /// Told about pages fetched and lineage levels walked (the CLI's progress line); nil: nobody.
    public var progress: CatalogProgressHandler?
    /// Where table ids resolved by earlier runs are remembered, to start the walk a round trip
    /// sooner (`TableIdHints`); nil: nothing is remembered.
    public var tableIdHints: TableIdHints?

    public init(baseURL: String = SecodaEndpoint.defaultBaseURL, tokenEnv: String = "SECODA_API_KEY",
                secodaConfigured: Bool = false, integrationId: String? = nil,
                snapshotPath: String? = ".contract-gate/catalog.json", onCatalogError: CatalogErrorPolicy = .fail,
                mode: CatalogMode = .auto, maxDepth: Int = 6, maxNodes: Int = 5000,
                requestTimeout: Duration = .seconds(30), deadline: Duration = .seconds(120), maxAttempts: Int = 4,
                maxConcurrentRequests: Int = SecodaClientOptions.defaultMaxConcurrentRequests) {
        self.baseURL = baseURL
        self.tokenEnv = tokenEnv
        self.secodaConfigured = secodaConfigured
        self.integrationId = integrationId
        self.snapshotPath = snapshotPath
        self.onCatalogError = onCatalogError
        self.mode = mode
        self.maxDepth = maxDepth
        self.maxNodes = maxNodes
        self.requestTimeout = requestTimeout
        self.deadline = deadline
        self.maxAttempts = maxAttempts
        self.maxConcurrentRequests = maxConcurrentRequests
    }

    /// The base URL in force: `SECODA_API_URL` when set, else the configured one.
    public func effectiveBaseURL(_ environment: [String: String]) -> String {
        if let override = environment["SECODA_API_URL"], !override.isEmpty { return override }
        return baseURL
    }

    /// The API key, if the token variable holds one.
    func apiKey(_ environment: [String: String]) -> String? {
        guard let value = environment[tokenEnv]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else {
            return nil
        }
        return value
    }

    /// A client for these settings; `.configuration` errors for a missing key or a bad URL.
    public func makeClient(environment: [String: String], transport: (any HTTPTransport)? = nil) throws -> SecodaClient {
        guard let key = apiKey(environment) else {
            let why = tokenEnvReason.map { " (\($0))" } ?? ""
            throw CatalogError(.configuration, "Secoda is configured but \(tokenEnv) is not set\(why); export the API key in "
                + "\(tokenEnv), or run `contract-gate catalog pull` where the key is set so checks can use the snapshot "
                + "(or set catalog.on_catalog_error: warn to carry on without Secoda)")
        }
        var options = SecodaClientOptions(requestTimeout: requestTimeout, deadline: deadline, maxAttempts: maxAttempts,
                                          maxConcurrentRequests: maxConcurrentRequests)
        // A node's lineage listing holds its downstream rows (and a few upstream ones); the walk
        // keeps at most `maxNodes` per root, and the page cap must not cut it sooner than that.
        let (rows, overflow) = maxNodes.multipliedReportingOverflow(by: 2)
        options.maxPages = max(options.maxPages, overflow ? Int.max : rows / options.pageSize + 1)
        options.progress = progress
        return try SecodaClient(baseURL: effectiveBaseURL(environment), apiKey: key, options: options, transport: transport)
    }
}

/// A changed model whose downstream impact is wanted.
public struct ImpactRequest: Sendable, Hashable {
    public var name: String
    /// The relation at head (or at base for a deleted model); nil when unknown.
    public var relation: Relation?
    /// dbt's unique_id.
    public var dbtId: String?
    /// Whether the catalog's PII marks on the model's own columns are wanted (a contract runs
    /// COLUMN_PII_STAYS_TAGGED on it): one more query per 100 such tables, alongside the walk.
    public var wantsPIIColumns: Bool

    public init(name: String, relation: Relation?, dbtId: String?, wantsPIIColumns: Bool = false) {
        self.name = name
        self.relation = relation
        self.dbtId = dbtId
        self.wantsPIIColumns = wantsPIIColumns
    }
}

/// What the catalog step found.
public struct CatalogImpactResult: Sendable {
    /// One per requested model, in request order.
    public var impacts: [ModelImpact]
    /// Model name → catalog table id, for the models that resolved.
    public var catalogIds: [String: String]
    /// Model name → why it did not resolve (missing, ambiguous); for MODEL_RESOLVES.
    public var unresolved: [String: String]
    public var status: CatalogStatus
    /// Model name → owners (user and group ids) the catalog lists on the model's own table, for
    /// MODEL_HAS_OWNER ("meta.owner, group, or Secoda owners").
    public var tableOwners: [String: [String]] = [:]
    /// Model name → ids of the several catalog tables its relation matches (an ambiguous resolution).
    public var ambiguous: [String: [String]] = [:]
    /// The key's variable, when Secoda is configured but that variable was empty and the snapshot
    /// was used instead.
    public var snapshotInsteadOfMissingKey: String?
    /// Why the snapshot's index was not used (none, stale, damaged) and how to get it, when the
    /// check read the whole JSON snapshot instead.
    public var snapshotIndexNotice: String?
    /// Model name → lower-cased names of its columns the catalog marks PII, for the models that
    /// asked (`ImpactRequest.wantsPIIColumns`) and resolved.
    public var piiColumns: [String: Set<String>] = [:]
}

/// The catalog step of the pipeline: resolve changed models to catalog tables and walk
/// their downstream lineage, merged with the dbt graph, applying the failure policy.
public enum CatalogImpact {
    /// - Throws: `CatalogError` under `on_catalog_error: fail` when the catalog cannot be used
    ///   (exit 3, or exit 2 for configuration problems).
    public static func compute(of models: [ImpactRequest], graph: ProjectGraph, settings: CatalogSettings,
                               environment: [String: String], transport: (any HTTPTransport)? = nil) async throws
        -> CatalogImpactResult
    {
        try await compute(of: models, graph: DeferredGraph { graph }, settings: settings, environment: environment,
                          transport: transport)
    }

    /// `compute(of:graph:…)` with the dbt graph built only once the catalog's table lookup and
    /// lineage read-ahead are on their way, so building it (a second or more on a large project)
    /// overlaps their round trips instead of preceding them.
    /// - Throws: as the graph's build throws, and `CatalogError` as above.
    public static func compute(of models: [ImpactRequest], graph: DeferredGraph, settings: CatalogSettings,
                               environment: [String: String], transport: (any HTTPTransport)? = nil) async throws
        -> CatalogImpactResult
    {
        var errors: [String] = []
        var wantsSecoda = settings.mode == .auto && (settings.apiKey(environment) != nil || settings.secodaConfigured)
        // Secoda is configured but this machine has no key (a laptop, a pull request from a fork):
        // the snapshot stands in, and the caller says how old it is.
        var keyMissing = false
        if wantsSecoda, settings.apiKey(environment) == nil, !settings.secodaRequired, let path = settings.snapshotPath,
           FileManager.default.fileExists(atPath: path) {
            wantsSecoda = false
            keyMissing = true
        }

        if wantsSecoda {
            do {
                let client = try settings.makeClient(environment: environment, transport: transport)
                let hints = settings.tableIdHints.map {
                    ($0, TableIdHints.scope(baseURL: settings.effectiveBaseURL(environment), integrationId: settings.integrationId))
                }
                var result = try await run(models, graph: graph, settings: settings,
                                           source: SecodaCatalogSource(client: client), sourceName: "secoda", hints: hints)
                result.status.errors.insert(contentsOf: errors, at: 0)
                return result
            } catch let error as CatalogError {
                guard settings.onCatalogError == .warn else { throw error }
                errors.append(error.message)
            }
        }

        let mustUseSnapshot = settings.mode == .snapshot
        if mustUseSnapshot, settings.snapshotPath == nil {
            throw CatalogError(.configuration, "offline mode needs a snapshot, but catalog.snapshot is not set")
        }
        if settings.mode != .dbt, let path = settings.snapshotPath {
            let url = URL(fileURLWithPath: path)
            if mustUseSnapshot || FileManager.default.fileExists(atPath: url.path) {
                do {
                    let (source, takenAt, indexNotice) = try loadSnapshot(url)
                    var result = try await run(models, graph: graph, settings: settings, source: source, sourceName: "snapshot")
                    result.status.snapshotTakenAt = takenAt
                    result.snapshotIndexNotice = indexNotice
                    if keyMissing { result.snapshotInsteadOfMissingKey = settings.tokenEnv }
                    if !errors.isEmpty {
                        // Secoda failed: the snapshot may be out of date, so the impact is not certain.
                        result.status.complete = false
                        errors.append("used the catalog snapshot taken at \(takenAt) instead")
                    }
                    result.status.errors.insert(contentsOf: errors, at: 0)
                    return result
                } catch let error as CatalogError {
                    guard settings.onCatalogError == .warn else { throw error }
                    errors.append(error.message)
                }
            }
        }

        var result = try await run(models, graph: graph, settings: settings, source: nil, sourceName: nil)
        if !errors.isEmpty {
            result.status.complete = false
            errors.append("downstream impact comes from the dbt graph alone")
        }
        result.status.errors.insert(contentsOf: errors, at: 0)
        return result
    }

    /// Writes a fresh snapshot from Secoda to `settings.snapshotPath` and returns it.
    public static func pullSnapshot(settings: CatalogSettings, environment: [String: String],
                                    transport: (any HTTPTransport)? = nil,
                                    statistics: PullStatistics? = nil) async throws -> CatalogSnapshot.PullSummary {
        guard let path = settings.snapshotPath else {
            throw CatalogError(.configuration, "no snapshot path configured (catalog.snapshot)")
        }
        var pullSettings = settings
        pullSettings.secodaConfigured = true
        // A pull copies the whole workspace (every lineage row, page by page), a batch job unlike
        // a check's targeted queries: the check deadline (120 s) cut the benchmark's pull of a
        // 2,000-model, 42,000-edge catalog short, so a pull gets at least 15 minutes.
        pullSettings.deadline = max(settings.deadline, .seconds(900))
        let client = try pullSettings.makeClient(environment: environment, transport: transport)
        // Streamed: each page goes to a temporary file as it is read, so memory stays flat however
        // big the workspace; the file is the one `CatalogSnapshot.write(to:)` would write.
        return try await CatalogSnapshot.pull(from: client, integrationId: settings.integrationId,
                                              writingTo: URL(fileURLWithPath: path), statistics: statistics)
    }

    /// - Parameter hints: table ids earlier runs resolved, and the scope they were resolved in.
    ///   The walk's read-ahead starts from them at once, alongside the resolution; it is used
    ///   only when the resolution gives exactly those ids, else dropped (`TableIdHints`).
    static func run(_ models: [ImpactRequest], graph: DeferredGraph, settings: CatalogSettings,
                    source: (any CatalogSource)?, sourceName: String?,
                    hints: (store: TableIdHints, scope: String)? = nil) async throws -> CatalogImpactResult {
        // All catalog work shares the deadline, the walk over what was read included.
        let deadline = ContinuousClock.now + settings.deadline
        var catalogIds: [String: String] = [:]
        var unresolved: [String: String] = [:]
        var tableOwners: [String: [String]] = [:]
        var ambiguous: [String: [String]] = [:]
        var readAhead: (any CatalogSource)?
        if let source {
            // The catalog's side runs in its own task — the table lookup, then the lineage read
            // below what it found (or the read started from remembered ids, when they were
            // right) — while this one builds the dbt graph.
            let relations = models.compactMap(\.relation)
            let hinted = hints.map { $0.store.ids(for: relations, scope: $0.scope) } ?? [:]
            let reader = LineageWalker(source: source, maxDepth: settings.maxDepth, maxNodes: settings.maxNodes)
            let integrationId = settings.integrationId
            let catalog = Task { () async throws -> (TableResolution, (any CatalogSource)?) in
                let guessed = models.map { WalkRoot(model: $0.name, catalogId: $0.relation.flatMap { hinted[$0] }) }
                let speculation: Task<(any CatalogSource)?, any Error>? = hinted.isEmpty ? nil : Task {
                    try await reader.readAhead(for: guessed)
                }
                defer { speculation?.cancel() }
                let resolution = try await TableResolver(source: source, integrationId: integrationId).resolve(relations)
                let found = models.map { WalkRoot(model: $0.name, catalogId: $0.relation.flatMap { resolution.resolved[$0]?.id }) }
                // The hints were right: the walk takes what was read below them. Otherwise that
                // read is cancelled (by the defer) and the read-ahead starts from the tables found.
                if let speculation, guessed.map(\.catalogId) == found.map(\.catalogId) {
                    return (resolution, try await speculation.value)
                }
                return (resolution, try await reader.readAhead(for: found))
            }
            defer { catalog.cancel() }
            _ = try await graph.value()
            let (resolution, read) = try await withTaskCancellationHandler { try await catalog.value } onCancel: { catalog.cancel() }
            readAhead = read
            if let hints { hints.store.remember(resolution, scope: hints.scope) }
            for model in models {
                guard let relation = model.relation else { continue }
                if let table = resolution.resolved[relation] {
                    catalogIds[model.name] = table.id
                    let owners = table.owners + table.ownerGroups
                    if !owners.isEmpty { tableOwners[model.name] = owners }
                } else if let reason = resolution.unresolved[relation] {
                    switch reason {
                    case .missing: unresolved[model.name] = "\(relation) is not in the catalog"
                    case .ambiguous(let ids):
                        ambiguous[model.name] = ids
                        unresolved[model.name] = "\(relation) matches \(ids.count) catalog tables (\(ids.joined(separator: ", "))); "
                            + "set catalog.secoda.integration_id to choose"
                    }
                }
            }
        }
        var walker = LineageWalker(source: source, graph: try await graph.value(), maxDepth: settings.maxDepth, maxNodes: settings.maxNodes)
        walker.progress = settings.progress
        walker.integrationId = settings.integrationId
        if source != nil { walker.deadline = deadline }
        let roots = models.map { WalkRoot(model: $0.name, dbtId: $0.dbtId, catalogId: catalogIds[$0.name]) }
        let resolvedIds = catalogIds
        async let marks = piiColumns(of: models, catalogIds: resolvedIds, source: source)
        let impacts = try await walker.walk(roots, readAhead: readAhead)
        var status = CatalogStatus(sources: ["dbt"] + (sourceName.map { [$0] } ?? []))
        let (piiColumns, marksUnknown) = try await marks
        if let marksUnknown { status.errors.append(marksUnknown + ", so COLUMN_PII_STAYS_TAGGED read the YAML alone") }
        for impact in impacts where impact.truncated {
            status.complete = false
            status.errors.append("the downstream walk from \(impact.model) stopped at the lineage budget "
                + "(max_depth \(settings.maxDepth), max_nodes \(settings.maxNodes)); more may be affected")
        }
        return CatalogImpactResult(impacts: impacts, catalogIds: catalogIds, unresolved: unresolved, status: status,
                                   tableOwners: tableOwners, ambiguous: ambiguous, piiColumns: piiColumns)
    }

    /// The PII-marked columns of the models that want them, by model name, or why they are not
    /// known: a snapshot pulled before marks were copied, or a column query Secoda refused (the
    /// query's shape is inferred from its docs, SECODA_API.md §3): the check goes on without
    /// them and says so, rather than failing on a governance extra.
    private static func piiColumns(of models: [ImpactRequest], catalogIds: [String: String],
                                   source: (any CatalogSource)?) async throws -> (marks: [String: Set<String>], unknown: String?) {
        let wanted = models.filter(\.wantsPIIColumns).compactMap { model in catalogIds[model.name].map { (model.name, $0) } }
        guard let source, !wanted.isEmpty else { return ([:], nil) }
        let found: [String: Set<String>]?
        do {
            found = try await source.piiColumns(ofTables: wanted.map(\.1))
        } catch let error as CatalogError where error.kind == .rejected {
            return ([:], "Secoda refused the query for column PII marks (\(error.message))")
        }
        guard let found else {
            return ([:], "the catalog snapshot has no column PII marks (it was pulled by an older contract-gate; "
                + "run `contract-gate catalog pull` again)")
        }
        var result: [String: Set<String>] = [:]
        for (model, table) in wanted { if let names = found[table] { result[model] = names } }
        return (result, nil)
    }

    /// The snapshot as a check reads it: through its index (`SnapshotIndex`), read lazily; else
    /// streamed and decoded on demand (`IndexedSnapshot`), or decoded whole when its shape is not
    /// the plain one `catalog pull` writes, with a notice saying why the index was not used.
    static func loadSnapshot(_ url: URL) throws -> (source: any CatalogSource, takenAt: String, notice: String?) {
        try SnapshotIndex.open(snapshot: url)
    }

}

/// The dbt graph of a check, built on first use and kept: `CatalogImpact` asks for it once the
/// catalog's requests are in flight, and the caller reads the same graph afterwards.
///
/// It is built on a dispatch thread, not a Swift concurrency one: building a large project's
/// graph takes a second or more of CPU, and on the few cooperative threads (two on a 2-core CI
/// runner) that would hold back the very catalog requests it is meant to overlap.
/// `@unchecked Sendable` because `build` reads a project that is not `Sendable`: it runs on one
/// thread at a time while its caller waits for it, and the result is kept under a lock.
public final class DeferredGraph: @unchecked Sendable {
    private let build: () throws -> ProjectGraph
    private let lock = NSLock()
    private var built: ProjectGraph?

    public init(_ build: @escaping () throws -> ProjectGraph) {
        self.build = build
    }

    /// The graph, built now if it was not yet.
    /// - Throws: what building it throws (each time it is asked for, until it succeeds).
    public func value() async throws -> ProjectGraph {
        if let built = lock.withLock({ built }) { return built }
        let graph = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<ProjectGraph, any Error>) in
            DispatchQueue.global().async { continuation.resume(with: Result { try self.build() }) }
        }
        lock.withLock { built = graph }
        return graph
    }
}
