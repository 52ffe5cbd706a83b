import Foundation

/// What goes wrong, on purpose, while the emulator serves API requests.
///
/// Two kinds of fault: a *queue* of one-shot steps consumed by the next API requests in order
/// (deterministic, for tests: "the next three requests get 429"), and *standing* conditions
/// (latency, random error rates, broken pagination links) that apply to every request. Admin
/// requests (`/_emulator/…`) and the healthcheck are never faulted.
///
/// JSON form (the admin API and the `--faults` file use it):
/// ```json
/// {"queue": [{"kind": "status", "status": 429, "retry_after": 1}, {"kind": "drop"}],
///  "latency_ms": 0, "latency_jitter_ms": 0, "error_rates": {"503": 0.1},
///  "next_link": "loop" | "cross_host" | "uncounted", "cross_host": "localhost",
///  "echo_authorization": false, "path_contains": "lineage", "random_seed": 42,
///  "unsupported_filter_fields": ["parent_id"], "ignored_filter_fields": ["title"]}
/// ```
public struct FaultPlan: Sendable, Codable, Equatable {
    /// One-shot steps, consumed front first by matching API requests.
    public var queue: [FaultStep]
    /// Added to every matching request before it is answered.
    public var latencyMs: Int
    /// A random extra delay in `0...latencyJitterMs`.
    public var latencyJitterMs: Int
    /// Status code → probability that a matching request is answered with that status.
    public var errorRates: [String: Double]
    /// Pagination links that lead astray: `loop` (next points at the current page) or
    /// `cross_host` (next points at `crossHost`); or `uncounted`: correct links, but no
    /// `total_pages` (as Django REST framework's plain page-number pagination), so a client can
    /// only follow them one by one.
    public var nextLink: NextLinkFault?
    /// The host a `cross_host` next link names (default `localhost`, which reaches this same
    /// emulator under a different host name, so a client that followed it would be seen).
    public var crossHost: String?
    /// Error bodies quote the request's `Authorization` header, as a careless server might.
    public var echoAuthorization: Bool
    /// Faults apply only to requests whose path contains this text (nil: all API requests).
    public var pathContains: String?
    /// `resource/catalog` filter fields answered with 400 "Bad request. Check filter/sort
    /// format", as a Secoda that does not support filtering on them would (for fields whose
    /// support SECODA_API.md only infers).
    public var unsupportedFilterFields: [String] = []
    /// `resource/catalog` filter fields a careless server ignores: conditions on them (and a
    /// `not` around one) match everything, as if they were not there.
    public var ignoredFilterFields: [String] = []
    /// Seed for the random choices (error rates, jitter) so a run can be repeated.
    public var randomSeed: UInt64?

    public init(queue: [FaultStep] = [], latencyMs: Int = 0, latencyJitterMs: Int = 0,
                errorRates: [String: Double] = [:], nextLink: NextLinkFault? = nil, crossHost: String? = nil,
                echoAuthorization: Bool = false, pathContains: String? = nil, randomSeed: UInt64? = nil) {
        self.queue = queue
        self.latencyMs = latencyMs
        self.latencyJitterMs = latencyJitterMs
        self.errorRates = errorRates
        self.nextLink = nextLink
        self.crossHost = crossHost
        self.echoAuthorization = echoAuthorization
        self.pathContains = pathContains
        self.randomSeed = randomSeed
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        queue = try c.decodeIfPresent([FaultStep].self, forKey: .queue) ?? []
        latencyMs = try c.decodeIfPresent(Int.self, forKey: .latencyMs) ?? 0
        latencyJitterMs = try c.decodeIfPresent(Int.self, forKey: .latencyJitterMs) ?? 0
        errorRates = try c.decodeIfPresent([String: Double].self, forKey: .errorRates) ?? [:]
        nextLink = try c.decodeIfPresent(NextLinkFault.self, forKey: .nextLink)
        crossHost = try c.decodeIfPresent(String.self, forKey: .crossHost)
        echoAuthorization = try c.decodeIfPresent(Bool.self, forKey: .echoAuthorization) ?? false
        pathContains = try c.decodeIfPresent(String.self, forKey: .pathContains)
        unsupportedFilterFields = try c.decodeIfPresent([String].self, forKey: .unsupportedFilterFields) ?? []
        ignoredFilterFields = try c.decodeIfPresent([String].self, forKey: .ignoredFilterFields) ?? []
        randomSeed = try c.decodeIfPresent(UInt64.self, forKey: .randomSeed)
        for (status, rate) in errorRates {
            guard let code = Int(status), (400...599).contains(code), (0...1).contains(rate) else {
                throw DecodingError.dataCorrupted(.init(
                    codingPath: c.codingPath + [CodingKeys.errorRates],
                    debugDescription: "error_rates maps an HTTP error status (400-599) to a probability 0...1"))
            }
        }
    }

    enum CodingKeys: String, CodingKey {
        case queue
        case latencyMs = "latency_ms"
        case latencyJitterMs = "latency_jitter_ms"
        case errorRates = "error_rates"
        case nextLink = "next_link"
        case crossHost = "cross_host"
        case echoAuthorization = "echo_authorization"
        case pathContains = "path_contains"
        case unsupportedFilterFields = "unsupported_filter_fields"
        case ignoredFilterFields = "ignored_filter_fields"
        case randomSeed = "random_seed"
    }

    /// No faults at all.
    public static let none = FaultPlan()

    /// `count` responses with `status` (e.g. a 429 burst), optionally carrying `Retry-After`.
    public static func burst(_ status: Int, count: Int, retryAfter: Int? = nil) -> FaultPlan {
        FaultPlan(queue: Array(repeating: .status(status, retryAfter: retryAfter), count: count))
    }
}

/// A pagination link fault.
public enum NextLinkFault: String, Sendable, Codable, Equatable {
    /// `links.next` points at the page just served, forever.
    case loop
    /// `links.next` points at another host.
    case crossHost = "cross_host"
    /// The envelope has no `total_pages`; the links are right.
    case uncounted
}

/// One one-shot fault.
public enum FaultStep: Sendable, Codable, Equatable {
    /// Answer with this status (and `Retry-After` seconds when given) and a `{"detail": …}` body.
    case status(Int, retryAfter: Int?)
    /// Close the connection without answering.
    case drop
    /// Send the headers (with the full `Content-Length`) and half the body, then close.
    case truncate
    /// Wait this long before answering normally (beyond a client's timeout, a timeout).
    case delay(ms: Int)
    /// Send the headers (with the full `Content-Length`) and half the body, then send nothing
    /// more while the client stays connected (up to a minute): a server hung mid-response.
    case stall
    /// Answer 200 with a body that is not JSON (an HTML error page from a proxy).
    case invalidJSON
    /// Answer `307 Temporary Redirect` to the same path on `crossHost` (default `localhost`, this
    /// same emulator under another name, so a client that followed it would be seen).
    case redirect
    /// Answer normally: lets a queue skip requests.
    case pass
    /// Carry the request out (a write lands), then close the connection without answering: an
    /// answer lost on the way back.
    case applyThenDrop
    /// Carry the request out, then answer this status instead of the real answer.
    case applyThenStatus(Int)

    enum CodingKeys: String, CodingKey { case kind, status, retryAfter = "retry_after", ms }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let kind = try c.decode(String.self, forKey: .kind)
        switch kind {
        case "status":
            self = .status(try c.decode(Int.self, forKey: .status),
                           retryAfter: try c.decodeIfPresent(Int.self, forKey: .retryAfter))
        case "drop": self = .drop
        case "truncate": self = .truncate
        case "delay": self = .delay(ms: try c.decode(Int.self, forKey: .ms))
        case "pass": self = .pass
        case "stall": self = .stall
        case "invalid_json": self = .invalidJSON
        case "redirect": self = .redirect
        case "apply_then_drop": self = .applyThenDrop
        case "apply_then_status": self = .applyThenStatus(try c.decode(Int.self, forKey: .status))
        default:
            throw DecodingError.dataCorruptedError(forKey: .kind, in: c,
                                                   debugDescription: "unknown fault kind \"\(kind)\" (status, drop, truncate, delay, pass, stall, invalid_json, redirect, apply_then_drop, apply_then_status)")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .status(let status, let retryAfter):
            try c.encode("status", forKey: .kind)
            try c.encode(status, forKey: .status)
            try c.encodeIfPresent(retryAfter, forKey: .retryAfter)
        case .drop: try c.encode("drop", forKey: .kind)
        case .truncate: try c.encode("truncate", forKey: .kind)
        case .delay(let ms):
            try c.encode("delay", forKey: .kind)
            try c.encode(ms, forKey: .ms)
        case .pass: try c.encode("pass", forKey: .kind)
        case .stall: try c.encode("stall", forKey: .kind)
        case .invalidJSON: try c.encode("invalid_json", forKey: .kind)
        case .redirect: try c.encode("redirect", forKey: .kind)
        case .applyThenDrop: try c.encode("apply_then_drop", forKey: .kind)
        case .applyThenStatus(let status):
            try c.encode("apply_then_status", forKey: .kind)
            try c.encode(status, forKey: .status)
        }
    }
}

/// A small deterministic generator (SplitMix64) so seeded fault runs — and tests that generate
/// inputs from a seed — repeat exactly, on every run and platform.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
