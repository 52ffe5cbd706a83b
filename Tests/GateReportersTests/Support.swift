import Foundation
import Testing

/// Golden files under `Golden/`, next to this source file. `UPDATE_GOLDEN=1 swift test`
/// rewrites them; review the diff before committing.
enum Golden {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")

    static func verify(_ actual: Data, name: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let url = directory.appendingPathComponent(name)
        if ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1" {
            do {
                try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
                try actual.write(to: url)
            } catch {
                Issue.record("could not write golden file \(url.path): \(error)", sourceLocation: sourceLocation)
            }
            return
        }
        guard let expected = try? Data(contentsOf: url) else {
            Issue.record("missing golden file \(url.path); create it with: UPDATE_GOLDEN=1 swift test --filter GateReportersTests",
                         sourceLocation: sourceLocation)
            return
        }
        guard expected != actual else { return }
        let actualURL = FileManager.default.temporaryDirectory.appendingPathComponent("\(name).actual")
        try? actual.write(to: actualURL)
        let expectedLines = String(decoding: expected, as: UTF8.self).components(separatedBy: "\n")
        let actualLines = String(decoding: actual, as: UTF8.self).components(separatedBy: "\n")
        let firstDifference = zip(expectedLines, actualLines).enumerated().first { $0.element.0 != $0.element.1 }
        var hint = "golden file \(name) differs"
        if let (index, (wanted, got)) = firstDifference {
            hint += " first at line \(index + 1):\n  golden: \(wanted.debugDescription)\n  actual: \(got.debugDescription)"
        } else {
            hint += ": golden has \(expectedLines.count) lines, actual \(actualLines.count)"
        }
        hint += "\nsee: diff -u \(url.path) \(actualURL.path)"
        hint += "\nif the change is intended: UPDATE_GOLDEN=1 swift test --filter GateReportersTests, then review git diff"
        Issue.record(Comment(rawValue: hint), sourceLocation: sourceLocation)
    }
}

/// Runs python3 (a reference checker the tests trust more than our own code) on a script,
/// with the given files as arguments.
enum Python {
    struct Outcome {
        let status: Int32
        let output: String
    }

    static func run(_ script: String, arguments: [String] = []) throws -> Outcome {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Outcome(status: process.terminationStatus, output: String(decoding: data, as: UTF8.self))
    }

    /// Writes `data` to a temporary file for a checker to read.
    static func temporaryFile(_ data: Data, suffix: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("contract-gate-\(UUID().uuidString)\(suffix)")
        try data.write(to: url)
        return url
    }
}

extension String {
    /// Lines without the empty string after a final newline.
    var outputLines: [String] {
        var lines = components(separatedBy: "\n")
        if lines.last == "" { lines.removeLast() }
        return lines
    }
}
