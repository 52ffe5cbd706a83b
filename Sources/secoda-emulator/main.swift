import ArgumentParser
import Foundation
import SecodaEmulator

/// `secoda-emulator --seed FILE --port N`: a local Secoda-compatible API for demos and benchmarks.
@main
struct SecodaEmulatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "secoda-emulator",
        abstract: "Serve a Secoda-compatible API on 127.0.0.1 from a seed file.",
        discussion: """
            Paths work with and without the /api/v1 prefix and trailing slash. Admin API: \
            GET /_emulator/requests, POST /_emulator/reset, GET|POST|DELETE /_emulator/faults.
            """
    )

    @Option(help: "JSON seed: {resources, lineage, users, groups, teams}; a catalog snapshot works too.")
    var seed: String

    @Option(help: "Port to listen on (0 picks a free one and prints it).")
    var port: Int = 8765

    @Option(help: "Address to bind.")
    var host: String = "127.0.0.1"

    @Option(help: "Bearer token clients must send.")
    var token: String = "emulator-token"

    @Option(name: .customLong("latency-ms"), help: "Delay every API request by this many milliseconds.")
    var latencyMs: Int = 0

    @Option(name: .customLong("latency-jitter-ms"), help: "Add a random delay up to this many milliseconds.")
    var latencyJitterMs: Int = 0

    @Option(name: .customLong("error-rate"), help: "STATUS=RATE, e.g. 503=0.1 (repeatable).")
    var errorRates: [String] = []

    @Option(name: .customLong("faults"), help: "A fault plan JSON file (see FaultPlan).")
    var faultsFile: String?

    @Option(name: .customLong("page-size"), help: "Items per page.")
    var pageSize: Int = 50

    @Option(name: .customLong("writes-per-minute"), help: "Writes allowed per rolling minute before 429.")
    var writesPerMinute: Int = 30

    @Option(name: .customLong("write-window-seconds"), help: "The rolling window the write limit counts over.")
    var writeWindowSeconds: Double = 60

    func run() async throws {
        let seedData = try EmulatorSeed.load(from: URL(fileURLWithPath: seed))
        var faults = FaultPlan.none
        if let faultsFile {
            do {
                faults = try JSONDecoder().decode(FaultPlan.self, from: Data(contentsOf: URL(fileURLWithPath: faultsFile)))
            } catch {
                throw ValidationError("fault plan \(faultsFile) is not valid: \(error)")
            }
        }
        faults.latencyMs += max(0, latencyMs)
        faults.latencyJitterMs = max(faults.latencyJitterMs, latencyJitterMs)
        for entry in errorRates {
            let parts = entry.split(separator: "=")
            guard parts.count == 2, let status = Int(parts[0]), (400...599).contains(status),
                  let rate = Double(parts[1]), (0...1).contains(rate)
            else { throw ValidationError("--error-rate takes STATUS=RATE, e.g. 503=0.1 (got \(entry))") }
            faults.errorRates[String(status)] = rate
        }
        guard writeWindowSeconds > 0, writeWindowSeconds.isFinite else {
            throw ValidationError("--write-window-seconds must be a positive number of seconds")
        }
        let options = EmulatorOptions(token: token, pageSize: pageSize, writesPerMinute: writesPerMinute, faults: faults,
                                      writeWindow: .milliseconds(Int64(writeWindowSeconds * 1000)))
        let emulator = try await SecodaEmulator.start(seed: seedData, options: options, host: host, port: port, logLevel: .info)
        let banner = "secoda-emulator listening on http://\(emulator.host):\(emulator.port)/api/v1/ "
            + "(\(seedData.resources.count) resources, \(seedData.lineage.count) lineage edges)\n"
        // Written unbuffered: scripts wait for this line through a pipe, where print() would sit in a buffer.
        FileHandle.standardOutput.write(Data(banner.utf8))
        try await emulator.wait()
    }
}
