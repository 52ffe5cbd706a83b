/// The process exit codes, one closed set (DESIGN.md §6). CI must be able to tell
/// "your change breaks a contract" from "the gate is broken".
public enum GateExitCode: Int32, Sendable, Codable {
    /// No unwaived finding at or above `fail_on`.
    case pass = 0
    /// A contract is violated.
    case violated = 1
    /// Usage, configuration or repository error.
    case usage = 2
    /// The catalog was unavailable under `on_catalog_error: fail`.
    case catalogUnavailable = 3
}

/// An error the user can act on. Every such error names what to do and maps to an exit code.
public protocol GateError: Error, CustomStringConvertible {
    var exitCode: GateExitCode { get }
}

/// A configuration or input problem at a known place (exit 2).
public struct InputError: GateError, Sendable, Equatable {
    public var location: SourceLocation?
    public var message: String

    public init(_ message: String, at location: SourceLocation? = nil) {
        self.message = message
        self.location = location
    }

    public var exitCode: GateExitCode { .usage }
    public var description: String {
        if let location { return "\(location): error: \(message)" }
        return "error: \(message)"
    }
}

/// Several input problems found in one pass: the user fixes them all at once.
public struct InputErrors: GateError, Sendable, Equatable {
    public var errors: [InputError]
    public init(_ errors: [InputError]) { self.errors = errors }
    public var exitCode: GateExitCode { .usage }
    public var description: String { errors.map(\.description).joined(separator: "\n") }
}
