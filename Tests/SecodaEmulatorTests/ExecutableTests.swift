import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import GateModel
import SecodaEmulator
import Testing

/// The `secoda-emulator` executable, run as a child process the way demos and benchmarks use it.
@Suite struct ExecutableTests {
    /// The built executable sits beside the test bundle in `.build/<config>/`.
    static func executable() throws -> URL {
        let candidates = [Bundle.main.bundleURL, URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()]
            .flatMap { [$0, $0.deletingLastPathComponent()] }
            .map { $0.appendingPathComponent("secoda-emulator") }
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
            throw EmulatorSeedError(message: "secoda-emulator is not built; run `swift build` first (looked in \(candidates.map(\.path)))")
        }
        return found
    }

    @Test func servesASeedFileOnTheRequestedPortWithLatency() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("emulator-exe-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var builder = SeedBuilder()
        let table = builder.table("orders")
        let seedFile = folder.appendingPathComponent("seed.json")
        try JSONEncoder().encode(builder.seed).write(to: seedFile)

        let process = Process()
        process.executableURL = try Self.executable()
        process.arguments = ["--seed", seedFile.path, "--port", "0", "--latency-ms", "200", "--token", "exe-token"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { process.terminate() }; process.waitUntilExit() }

        // The first line says where it listens. A watchdog ends the child if it never says, which
        // closes the pipe and unblocks the read below.
        let watchdog = Task { [process] in
            try await Task.sleep(for: .seconds(20))
            if process.isRunning { process.terminate() }
        }
        defer { watchdog.cancel() }
        let reader = output.fileHandleForReading
        let text: String = await withCheckedContinuation { continuation in
            // A blocking read, kept off the concurrency pool.
            DispatchQueue.global().async {
                var line = Data()
                while !line.contains(UInt8(ascii: "\n")) {
                    let chunk = reader.availableData
                    if chunk.isEmpty { break }
                    line.append(chunk)
                }
                continuation.resume(returning: String(decoding: line, as: UTF8.self))
            }
        }
        let url = try #require(text.split(separator: " ").first { $0.hasPrefix("http://127.0.0.1:") }.map(String.init))
        #expect(text.contains("1 resources"))

        var request = URLRequest(url: try #require(URL(string: url + "resource/all/\(table)/")))
        request.setValue("Bearer exe-token", forHTTPHeaderField: "Authorization")
        let start = ContinuousClock.now
        let (data, response) = try await SecodaEmulatorTests.session.data(for: request)
        #expect((response as? HTTPURLResponse)?.statusCode == 200)
        #expect(ContinuousClock.now - start >= .milliseconds(190))
        #expect(try JSONDecoder().decode(JSONValue.self, from: data)["title"] == .string("orders"))
    }
}
