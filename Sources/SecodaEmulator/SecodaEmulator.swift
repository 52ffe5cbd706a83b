import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

/// A local Secoda-compatible HTTP server for tests, demos and benchmarks.
///
/// ```swift
/// let emulator = try await SecodaEmulator.start(seed: seed)      // 127.0.0.1, ephemeral port
/// let client = … baseURL: emulator.baseURL, token: emulator.token …
/// await emulator.state.setFaults(.burst(429, count: 2, retryAfter: 1))
/// let lineageCalls = await emulator.state.requestCount(route: "lineage/manual")
/// await emulator.stop()
/// ```
public final class SecodaEmulator: Sendable {
    /// Data, faults and the request log; tests read and steer the emulator through it.
    public let state: EmulatorState
    /// The port actually bound (useful when started on port 0).
    public let port: Int
    /// The host the server listens on.
    public let host: String
    private let task: Task<Void, any Error>
    private let group: ServiceGroup

    private init(state: EmulatorState, host: String, port: Int, task: Task<Void, any Error>, group: ServiceGroup) {
        self.state = state
        self.host = host
        self.port = port
        self.task = task
        self.group = group
    }

    /// The API base URL including the `/api/v1/` prefix, as a client is configured with.
    public var baseURL: URL {
        URL(string: "http://\(host):\(port)/api/v1/") ?? URL(fileURLWithPath: "/")
    }

    /// The token the emulator accepts.
    public var token: String { state.options.token }

    /// Starts a server and returns once it accepts connections.
    /// - Parameters:
    ///   - host: address to bind; loopback by default (the emulator is never meant to be reachable from elsewhere).
    ///   - port: port to bind; 0 picks a free one (read it back from `port`).
    ///   - logLevel: Hummingbird's log level (quiet by default so test output stays readable).
    public static func start(seed: EmulatorSeed, options: EmulatorOptions = EmulatorOptions(),
                             host: String = "127.0.0.1", port: Int = 0,
                             logLevel: Logger.Level = .critical) async throws -> SecodaEmulator {
        let state = EmulatorState(seed: seed, options: options)
        let (bound, continuation) = AsyncStream<Int>.makeStream()
        var logger = Logger(label: "secoda-emulator")
        logger.logLevel = logLevel
        let app = Application(
            responder: EmulatorResponder(state: state),
            configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: "secoda-emulator"),
            onServerRunning: { channel in
                continuation.yield(channel.localAddress?.port ?? port)
                continuation.finish()
            },
            logger: logger
        )
        // A service group of our own, so `stop()` can shut the server down gracefully: cancelling
        // the server task outright while a connection is still queued trips a NIO precondition
        // ("Deinited NIOAsyncWriter without calling finish()") and takes the whole process down.
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: [app], gracefulShutdownSignals: [],
                                                                          logger: logger))
        let task = Task {
            defer { continuation.finish() }
            try await group.run()
        }
        var iterator = bound.makeAsyncIterator()
        guard let actualPort = await iterator.next() else {
            // The server stopped before it ran: surface why (e.g. the port is taken).
            let failure: (any Error)? = await {
                do { try await task.value; return nil } catch { return error }
            }()
            throw EmulatorStartError(message: "the emulator could not listen on \(host):\(port): \(failure.map { "\($0)" } ?? "server stopped")")
        }
        return SecodaEmulator(state: state, host: host, port: actualPort, task: task, group: group)
    }

    /// Stops the server and waits until it has closed: a graceful shutdown (requests in flight
    /// finish, idle connections close), cancelled outright if it takes more than ten seconds.
    public func stop() async {
        await group.triggerGracefulShutdown()
        let task = self.task
        let fallback = Task {
            try await Task.sleep(for: .seconds(10))
            task.cancel()
        }
        _ = try? await task.value
        fallback.cancel()
    }

    /// Runs until the surrounding task is cancelled (for the executable).
    public func wait() async throws {
        try await task.value
    }
}

/// The emulator could not start.
public struct EmulatorStartError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var description: String { message }
}
