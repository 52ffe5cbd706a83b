import Foundation
import GateTestSupport

/// How one run of the `contract-gate` binary ended, with the facts the hardening suites judge:
/// the exit status, whether a signal ended it (a crash), whether it had to be killed (a hang).
struct BoundedResult: CustomStringConvertible {
    /// The exit status, or the signal number when `signalled`.
    var status: Int32
    /// A signal ended the process (a trap, an abort, a segfault) — or our kill after a timeout.
    var signalled: Bool
    /// The run outlived its time limit and was killed.
    var timedOut: Bool
    /// Wall-clock seconds from start to exit.
    var seconds: Double
    var stdoutData: Data
    var stderrData: Data

    var stdout: String { String(decoding: stdoutData, as: UTF8.self) }
    var stderr: String { String(decoding: stderrData, as: UTF8.self) }

    /// Ended by itself with one of the documented exit codes (0 pass, 1 violated, 2 usage or
    /// configuration, 3 catalog unavailable).
    var endedCleanly: Bool { !signalled && !timedOut && (0...3).contains(status) }

    /// The JSON report on stdout, when there is one.
    var json: [String: Any]? {
        (try? JSONSerialization.jsonObject(with: stdoutData)) as? [String: Any]
    }

    var description: String {
        let how = timedOut ? "killed after a timeout" : signalled ? "signal \(status)" : "exit \(status)"
        return "\(how) in \(String(format: "%.1f", seconds)) s\n--- stderr ---\n\(stderr.prefix(3000))\n"
            + "--- stdout ---\n\(stdout.prefix(3000))"
    }
}

/// A process started by `BoundedGate.start`, to be awaited or killed by the test.
final class RunningGate {
    let process: Process
    private let scratch: URL
    private let started = Date()

    fileprivate init(process: Process, scratch: URL) {
        self.process = process
        self.scratch = scratch
    }

    deinit { try? FileManager.default.removeItem(at: scratch) }

    /// Sends SIGKILL: the harshest interruption, no chance to clean up.
    func kill() {
        if process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL) }
    }

    /// Waits up to `timeout` seconds, then kills the process; returns how it ended.
    func wait(timeout: Double) -> BoundedResult {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        return collect(timedOut: process.isRunning)
    }

    /// `wait(timeout:)` for async tests: sleeps without blocking a thread of the cooperative pool,
    /// which an in-process emulator needs to answer the run being waited for.
    func finish(timeout: Double) async -> BoundedResult {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { try? await Task.sleep(for: .milliseconds(20)) }
        return collect(timedOut: process.isRunning)
    }

    private func collect(timedOut: Bool) -> BoundedResult {
        if timedOut {
            process.terminate()
            let grace = Date().addingTimeInterval(2)
            while process.isRunning && Date() < grace { usleep(20_000) }
            kill()
        }
        process.waitUntilExit()
        return BoundedResult(
            status: process.terminationStatus,
            signalled: process.terminationReason == .uncaughtSignal,
            timedOut: timedOut,
            seconds: Date().timeIntervalSince(started),
            stdoutData: (try? Data(contentsOf: scratch.appendingPathComponent("out"))) ?? Data(),
            stderrData: (try? Data(contentsOf: scratch.appendingPathComponent("err"))) ?? Data())
    }
}

/// Runs the built `contract-gate` binary (see `GateBinary`) with a time limit, so a hang fails a
/// test instead of stalling the suite, and a crash shows up as a signal instead of an exit code.
struct BoundedGate {
    let path: String

    init() throws { path = try GateBinary().path }

    /// The environment a run starts from: this process's, minus everything that would steer the
    /// gate (CI variables, the Secoda key and URL), plus `environment`.
    static func environment(_ extra: [String: String]) -> [String: String] {
        var base = ProcessInfo.processInfo.environment
        for key in ["GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY", "GITHUB_BASE_REF", "GITLAB_CI",
                    "CI_MERGE_REQUEST_TARGET_BRANCH_NAME", "SECODA_API_KEY", "SECODA_API_URL", "NO_COLOR",
                    "GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"] {
            base.removeValue(forKey: key)
        }
        return base.merging(extra) { $1 }
    }

    /// Starts the binary and returns at once.
    func start(_ arguments: [String], in directory: String, environment: [String: String] = [:],
               stdin: Data = Data()) throws -> RunningGate {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.environment = Self.environment(environment)
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("gate-bounded-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        let out = scratch.appendingPathComponent("out"), err = scratch.appendingPathComponent("err"),
            input = scratch.appendingPathComponent("in")
        try Data().write(to: out)
        try Data().write(to: err)
        try stdin.write(to: input)
        // Files, not pipes: a chatty run cannot fill a pipe and block.
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        process.standardInput = try FileHandle(forReadingFrom: input)
        try process.run()
        return RunningGate(process: process, scratch: scratch)
    }

    /// Runs the binary to the end, or kills it after `timeout` seconds.
    func run(_ arguments: [String], in directory: String, environment: [String: String] = [:],
             timeout: Double = 60) throws -> BoundedResult {
        try start(arguments, in: directory, environment: environment).wait(timeout: timeout)
    }

    /// `run` for async tests (see `RunningGate.finish`).
    func run(_ arguments: [String], in directory: String, environment: [String: String] = [:],
             timeout: Double = 60) async throws -> BoundedResult {
        try await start(arguments, in: directory, environment: environment).finish(timeout: timeout)
    }
}
