import Foundation
import GateTestSupport
import Testing

/// The fuzzer's seeds and every input it ever crashed on (ci/fuzz/regressions/) replayed through
/// the same harness, unfuzzed, in the normal test run: a fixed crash cannot come back unnoticed.
@Suite("Hardening: fuzz corpus and regressions replay")
struct FuzzRegressionTests {
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let targets = ["config", "contract", "project", "properties", "model", "manifest", "json"]

    /// The `GateFuzz` replayer, built beside `contract-gate` by `swift build --build-tests`.
    static func replayer() throws -> String {
        let gate = try GateBinary().path
        let path = URL(fileURLWithPath: gate).deletingLastPathComponent().appendingPathComponent("GateFuzz").path
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw ReplayerMissing(path: path)
        }
        return path
    }

    static func inputCount(_ folder: URL) -> Int {
        let names = (FileManager.default.enumerator(atPath: folder.path)?.allObjects as? [String]) ?? []
        return names.filter { name in
            var isFolder: ObjCBool = false
            return FileManager.default.fileExists(atPath: folder.appendingPathComponent(name).path, isDirectory: &isFolder)
                && !isFolder.boolValue
        }.count
    }

    @Test(arguments: targets)
    func savedInputsReplayWithoutACrash(_ target: String) throws {
        let seeds = Self.repositoryRoot.appendingPathComponent("ci/fuzz/corpus/\(target)")
        let regressions = Self.repositoryRoot.appendingPathComponent("ci/fuzz/regressions/\(target)")
        let expected = Self.inputCount(seeds) + Self.inputCount(regressions)
        #expect(Self.inputCount(seeds) > 0, "the \(target) target has seeds")

        let process = Process()
        process.executableURL = URL(fileURLWithPath: try Self.replayer())
        process.arguments = [target, seeds.path, regressions.path]
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("fuzz-replay-\(UUID().uuidString)")
        try Data().write(to: output)
        defer { try? FileManager.default.removeItem(at: output) }
        process.standardOutput = try FileHandle(forWritingTo: output)
        process.standardError = process.standardOutput
        try process.run()
        let deadline = Date().addingTimeInterval(120)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        let hung = process.isRunning
        if hung { process.terminate() }
        process.waitUntilExit()
        let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
        #expect(!hung, "\(target) replay hung: \(text)")
        #expect(process.terminationReason == .exit && process.terminationStatus == 0, "\(target) replay crashed: \(text)")
        #expect(text.contains("replayed \(expected) input"), "\(text)")
    }
}

/// `GateFuzz` is not where `swift build` puts it.
struct ReplayerMissing: Error, CustomStringConvertible {
    let path: String
    var description: String { "GateFuzz not built at \(path); run `swift build --build-tests`" }
}
