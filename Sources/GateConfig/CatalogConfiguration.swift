import Foundation
import GateLineage
import GateModel

/// The catalog part of contract-gate.yml as GateLineage takes it, with the rules on where the
/// API key may go (README "Security"): the key is read only from a variable the user opted
/// into, and a URL from the environment takes its key from the environment too.
extension GateConfig {
    /// The variable a CI job sets (never the repository) to allow token variables beyond `SECODA_*`:
    /// `CONTRACT_GATE_ALLOWED_TOKEN_ENVS=NAME1,NAME2`.
    public static let allowedTokenEnvsVariable = "CONTRACT_GATE_ALLOWED_TOKEN_ENVS"
    /// The variable that holds the key when nothing else says.
    public static let defaultTokenEnv = "SECODA_API_KEY"
    /// The variable that overrides `catalog.secoda.base_url`.
    public static let urlOverrideVariable = "SECODA_API_URL"

    /// Where the Secoda API key is read from and sent to.
    public struct SecodaTarget: Sendable, Hashable {
        public var baseURL: String
        public var tokenEnv: String
        /// Why `tokenEnv` is not the configured one, for messages; nil when it is.
        public var tokenEnvReason: String?
    }

    /// The endpoint in force. With `SECODA_API_URL` set the URL comes from the environment, and so
    /// does the key: `SECODA_API_KEY`, whatever `token_env` says — a configured variable never
    /// travels to a URL the configuration did not name. Otherwise `catalog.secoda`, whose
    /// `token_env` must be allowed (`allowTokenEnv`).
    /// - Throws: `InputError` (exit 2) for a `token_env` the user did not opt into.
    public func secodaEndpoint(environment: [String: String]) throws -> SecodaTarget {
        let configured = catalog.secoda?.tokenEnv ?? Self.defaultTokenEnv
        if let url = environment[Self.urlOverrideVariable], !url.isEmpty {
            let reason = configured == Self.defaultTokenEnv ? nil
                : "\(Self.urlOverrideVariable) is set, so the key is read from \(Self.defaultTokenEnv); "
                    + "catalog.secoda.token_env (\(configured)) goes only with catalog.secoda.base_url"
            return SecodaTarget(baseURL: url, tokenEnv: Self.defaultTokenEnv, tokenEnvReason: reason)
        }
        try Self.allowTokenEnv(configured, environment: environment,
                               at: locations["catalog"] ?? path.map { SourceLocation(path: $0) })
        return SecodaTarget(baseURL: catalog.secoda?.baseURL ?? GateLineage.SecodaEndpoint.defaultBaseURL,
                              tokenEnv: configured, tokenEnvReason: nil)
    }

    /// Accepts a token variable named `SECODA_*` or listed in `CONTRACT_GATE_ALLOWED_TOKEN_ENVS`.
    /// Anything else (`GITHUB_TOKEN`, `AWS_SECRET_ACCESS_KEY`) is refused: a change to
    /// contract-gate.yml must not be able to send another secret of the CI job to Secoda's URL.
    public static func allowTokenEnv(_ name: String, environment: [String: String], at location: SourceLocation?) throws {
        if name.hasPrefix("SECODA_") { return }
        let listed = (environment[allowedTokenEnvsVariable] ?? "")
            .split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\n" }).map(String.init)
        if listed.contains(name) { return }
        throw InputError("catalog.secoda.token_env names `\(name)`, which is not a variable meant for the Secoda key: "
            + "the gate reads the key only from a variable named SECODA_* or listed in \(allowedTokenEnvsVariable) "
            + "(set by the CI job, e.g. \(allowedTokenEnvsVariable)=\(name)). Rename the variable, or allow it there.",
            at: location)
    }

    /// `catalog.snapshot` as an absolute path (relative ones from `root`).
    public func snapshotPath(root: URL) -> String {
        catalog.snapshot.hasPrefix("/") ? catalog.snapshot : root.appendingPathComponent(catalog.snapshot).path
    }

    /// The settings GateLineage runs with.
    /// - Parameters:
    ///   - errorPolicy: overrides `catalog.on_catalog_error` (the pre-push hook's `warn`).
    ///   - secodaRequested: Secoda was asked for by name (`--catalog secoda`, `catalog pull`):
    ///     no falling back to the snapshot for a missing key.
    /// - Throws: `InputError` for a `token_env` that is not allowed, when Secoda may be used.
    public func catalogSettings(snapshotPath: String, mode: CatalogMode, errorPolicy: CatalogErrorPolicy? = nil,
                                secodaRequested: Bool = false, environment: [String: String]) throws -> CatalogSettings {
        // The endpoint matters only where Secoda may be called; offline modes never read the key.
        let endpoint = mode == .auto ? try secodaEndpoint(environment: environment)
            : SecodaTarget(baseURL: catalog.secoda?.baseURL ?? GateLineage.SecodaEndpoint.defaultBaseURL,
                             tokenEnv: catalog.secoda?.tokenEnv ?? Self.defaultTokenEnv)
        var settings = CatalogSettings(
            baseURL: endpoint.baseURL, tokenEnv: endpoint.tokenEnv,
            secodaConfigured: catalog.secoda != nil || secodaRequested,
            integrationId: catalog.secoda?.integrationId, snapshotPath: snapshotPath,
            onCatalogError: errorPolicy ?? catalog.onCatalogError, mode: mode,
            maxDepth: lineage.maxDepth, maxNodes: lineage.maxNodes)
        settings.secodaRequired = secodaRequested
        settings.tokenEnvReason = endpoint.tokenEnvReason
        // The deadline bounds the whole catalog step; one request never outlasts it.
        if let deadline = catalog.secoda?.deadlineSeconds { settings.deadline = .seconds(deadline) }
        if let timeout = catalog.secoda?.timeoutSeconds { settings.requestTimeout = .seconds(timeout) }
        if let requests = catalog.secoda?.maxConcurrentRequests { settings.maxConcurrentRequests = requests }
        if settings.requestTimeout > settings.deadline { settings.requestTimeout = settings.deadline }
        return settings
    }
}
