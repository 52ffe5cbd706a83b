import Foundation
import GateTestSupport
import Testing
@testable import ContractGate

/// Progress on stderr: drawn on a terminal, silent in logs unless `--progress` asks for it.
@Suite struct ProgressTests {
    /// Collects what a reporter writes.
    final class Sink: Sendable {
        private let continuation: AsyncStream<String>.Continuation
        private let stream: AsyncStream<String>
        init() { (stream, continuation) = AsyncStream.makeStream() }
        func write(_ text: String) { continuation.yield(text) }
        func text() async -> String {
            continuation.finish()
            var all = ""
            for await chunk in stream { all += chunk }
            return all
        }
    }

    @Test func linesStyleWritesPhasesCountsAndTheSummary() async {
        let sink = Sink()
        let progress = ProgressReporter(style: .lines, interval: .seconds(3600)) { sink.write($0) }
        progress.start("pushing lineage", total: 4, unit: "writes")
        for _ in 0..<4 { progress.advance() }
        progress.message("between writes")
        await progress.finish("pushed 4 edges")
        progress.advance()   // ignored after finish
        let text = await sink.text()
        // Start and completion are always written; updates in between wait for the interval.
        #expect(text == "pushing lineage: 0/4 writes (0%)\npushing lineage: 4/4 writes (100%)\n"
            + "pushing lineage: 4/4 writes (100%) · between writes\npushed 4 edges\n")
        #expect(!text.contains("\r") && !text.contains("\u{1B}"))
    }

    @Test func terminalStyleRedrawsOneLineAndEndsIt() async {
        let sink = Sink()
        let progress = ProgressReporter(style: .terminal, interval: .zero) { sink.write($0) }
        progress.start("pulling the catalog", unit: "pages")
        progress.advance()
        progress.message("resource/catalog/ 50 items\u{1B}[31m")
        await progress.finish()
        let text = await sink.text()
        #expect(text.hasPrefix("\r\u{1B}[2Kpulling the catalog …\r\u{1B}[2Kpulling the catalog: 1 pages"))
        #expect(text.contains("pulling the catalog: 1 pages · resource/catalog/ 50 items [31m"))   // the escape is defused
        #expect(text.hasSuffix("\r\u{1B}[2K"))   // the line is cleared for what comes next
    }

    @Test func etaIsTheAverageStepTimeTimesStepsLeft() {
        #expect(ProgressReporter.eta(elapsed: .seconds(10), done: 2, total: 6) == "ETA 20s")
        #expect(ProgressReporter.eta(elapsed: .seconds(13), done: 1, total: 6) == "ETA 1m05s")
        #expect(ProgressReporter.eta(elapsed: .seconds(10), done: 0, total: 6) == nil)
        #expect(ProgressReporter.eta(elapsed: .seconds(10), done: 6, total: 6) == nil)
        #expect(ProgressReporter.eta(elapsed: .seconds(10), done: 2, total: nil) == nil)
    }

    @Test func theCommandLineChoosesByTerminalAndFlag() {
        #expect(ProgressReporter.standardError(requested: false, environment: [:], stderrIsTerminal: false) == nil)
        #expect(ProgressReporter.standardError(requested: true, environment: [:], stderrIsTerminal: false) != nil)
        #expect(ProgressReporter.standardError(requested: false, environment: [:], stderrIsTerminal: true) != nil)
        #expect(ProgressReporter.standardError(requested: false, environment: ["CONTRACT_GATE_PROGRESS": "0"],
                                               stderrIsTerminal: true) == nil)
    }

    // MARK: The binary, with and without a terminal

    /// Runs the binary under `script`, which gives it a pseudo-terminal for stdin, stdout and stderr.
    static func runOnPseudoTerminal(_ arguments: [String], in directory: String,
                                    environment extra: [String: String] = [:]) throws -> (status: Int32, output: String) {
        let binary = try GateBinary()
        let command = ([binary.path] + arguments).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }
            .joined(separator: " ")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        process.arguments = ["-qec", command, "/dev/null"]
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        var environment = ProcessInfo.processInfo.environment
        for key in ["GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY", "GITLAB_CI", "SECODA_API_KEY", "CONTRACT_GATE_PROGRESS"] {
            environment.removeValue(forKey: key)
        }
        environment["TERM"] = "xterm"
        environment.merge(extra) { $1 }
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test func checkShowsProgressOnATerminalOnly() throws {
        let repo = try SampleOwnersTests.sampleRepository()
        defer { repo.remove() }
        let arguments = ["check", "--repo", repo.path, "--format", "json", "--report", "text=\(repo.container)/report.txt"]

        let pty = try Self.runOnPseudoTerminal(arguments, in: repo.path)
        #expect(pty.status == 1, "\(pty.output)")
        #expect(pty.output.contains("\r\u{1B}[2Kwalking downstream lineage"), "\(pty.output)")
        #expect(pty.output.contains("lineage depth 1:"), "\(pty.output)")

        let piped = try GateBinary().run(arguments, in: repo.path)
        #expect(piped.status == 1)
        #expect(piped.stderr.isEmpty, "\(piped.stderr)")
        // The report on stdout is the same JSON either way: progress never lands in it.
        #expect((try? JSONSerialization.jsonObject(with: Data(piped.stdout.utf8))) != nil)

        let requested = try GateBinary().run(arguments + ["--progress"], in: repo.path)
        #expect(requested.status == 1)
        #expect(requested.stderr.contains("walking downstream lineage"), "\(requested.stderr)")
        #expect(requested.stderr.contains("checking contracts"))
        #expect(!requested.stderr.contains("\r") && !requested.stderr.contains("\u{1B}"))
        #expect((try? JSONSerialization.jsonObject(with: Data(requested.stdout.utf8))) != nil)
    }
}
