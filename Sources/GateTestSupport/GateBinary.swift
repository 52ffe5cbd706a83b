import Foundation

/// Runs the built `contract-gate` executable the way a user or CI does, for end-to-end tests.
public struct GateBinary: Sendable {
    public struct Result: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    public let path: String

    /// Finds the binary: `CONTRACT_GATE_BIN`, else beside the test bundle in the build folder.
    public init() throws {
        let environment = ProcessInfo.processInfo.environment
        if let explicit = environment["CONTRACT_GATE_BIN"], !explicit.isEmpty {
            path = explicit
            return
        }
        var candidates: [URL] = []
        for argument in [CommandLine.arguments.first ?? ""] + Bundle.allBundles.map(\.bundlePath) {
            var url = URL(fileURLWithPath: argument)
            for _ in 0..<4 {
                url.deleteLastPathComponent()
                candidates.append(url.appendingPathComponent("contract-gate"))
            }
        }
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
            throw FixtureCommandError(command: ["contract-gate"], status: -1,
                                      output: "contract-gate binary not found; run `swift build --build-tests` first "
                                          + "or set CONTRACT_GATE_BIN")
        }
        path = found.path
    }

    /// Runs the binary with `arguments` in `directory`, feeding `stdin`; never throws on a non-zero exit.
    public func run(_ arguments: [String], in directory: String, stdin: String = "",
                    environment: [String: String] = [:]) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        var base = ProcessInfo.processInfo.environment
        for key in ["GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY", "GITHUB_BASE_REF", "GITLAB_CI",
                    "CI_MERGE_REQUEST_TARGET_BRANCH_NAME", "SECODA_API_KEY", "SECODA_API_URL", "NO_COLOR"] {
            base.removeValue(forKey: key)
        }
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("gate-run-\(UUID().uuidString)")
        // Remembered table ids go to this run's scratch folder, never the user's cache, unless a
        // test names a folder (to see them carried from one run to the next).
        base["CONTRACT_GATE_CACHE_DIR"] = scratch.appendingPathComponent("cache").path
        process.environment = base.merging(environment) { $1 }
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let out = scratch.appendingPathComponent("out"), err = scratch.appendingPathComponent("err"),
            input = scratch.appendingPathComponent("in")
        try Data().write(to: out)
        try Data().write(to: err)
        try Data(stdin.utf8).write(to: input)
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        process.standardInput = try FileHandle(forReadingFrom: input)
        try process.run()
        process.waitUntilExit()
        return Result(status: process.terminationStatus,
                      stdout: String(decoding: (try? Data(contentsOf: out)) ?? Data(), as: UTF8.self),
                      stderr: String(decoding: (try? Data(contentsOf: err)) ?? Data(), as: UTF8.self))
    }
}

/// Runs blocking work (a child process and the wait for it) on a GCD thread. Waiting on the few
/// Swift concurrency threads would starve in-process Secoda emulators, which answer on those
/// same threads: a binary waiting for an emulator that cannot run deadlocks until its timeouts.
public func offThePool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(with: Result { try body() }) }
    }
}

extension GateBinary {
    /// `run`, off the Swift concurrency threads (see `offThePool`): for runs that talk to an
    /// in-process emulator.
    public func runDetached(_ arguments: [String], in directory: String, stdin: String = "",
                            environment: [String: String] = [:]) async throws -> Result {
        let binary = self
        return try await offThePool { try binary.run(arguments, in: directory, stdin: stdin, environment: environment) }
    }
}
