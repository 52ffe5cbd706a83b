import GateModel

/// A catalog failure the user can act on.
///
/// Configuration problems (a bad base URL, no API key) exit 2; everything the service does
/// wrong (unreachable, rate limited past the deadline, unauthorised, malformed replies)
/// exits 3, so CI can tell "the gate is misconfigured" from "Secoda is unavailable".
/// Messages never contain the API key.
public struct CatalogError: GateError, Sendable, Equatable {
    /// What kind of failure it is; decides the exit code and whether a retry could help.
    public enum Kind: String, Sendable, Codable {
        /// Settings are wrong (exit 2).
        case configuration
        /// 401/403: the key is invalid or lacks access.
        case unauthorized
        /// The service could not be reached or kept failing (5xx, dropped connections).
        case unavailable
        /// 429 persisted past the retry budget or the deadline.
        case rateLimited
        /// A request timed out or the overall deadline passed.
        case timeout
        /// The service answered something the client cannot trust (bad JSON, bad ids,
        /// pagination that loops or leaves the configured host).
        case invalidResponse
        /// A request was refused for another reason (4xx).
        case rejected
        /// The offline snapshot is missing or unreadable.
        case snapshot
    }

    /// The kind of failure (decides the exit code).
    public var kind: Kind
    /// What happened and what to do, without the API key.
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var exitCode: GateExitCode { kind == .configuration ? .usage : .catalogUnavailable }

    public var description: String { "error: catalog: \(message)" }
}
