import Foundation
import GateModel

/// Appends Markdown to the GitHub Actions job summary file (the path in
/// `$GITHUB_STEP_SUMMARY`, which the caller reads and passes in), staying under GitHub's
/// 1 MiB limit per step: what does not fit is cut at a line break with a note saying so.
public struct GitHubStepSummary: Sendable {
    /// GitHub rejects a step summary larger than 1 MiB (and then shows none of it).
    public static let byteLimit = 1_048_576

    /// What `append` did.
    public enum Outcome: Sendable, Equatable {
        /// Everything was written (bytes appended).
        case appended(bytes: Int)
        /// Only the first part fitted; a note says so (bytes appended).
        case truncated(bytes: Int)
        /// The file was already at the limit: nothing was written.
        case skipped
    }

    public let path: String
    public let byteLimit: Int

    public init(path: String, byteLimit: Int = GitHubStepSummary.byteLimit) {
        self.path = path
        self.byteLimit = byteLimit
    }

    /// Appends `markdown` (plus a trailing newline) without letting the file exceed the limit.
    @discardableResult
    public func append(_ markdown: String) throws(InputError) -> Outcome {
        // A missing file is an empty summary; GitHub creates it, tests and local runs may not.
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        let existing = (attributes?[.size] as? NSNumber)?.intValue ?? 0
        let text = markdown.hasSuffix("\n") ? markdown : markdown + "\n"
        let room = byteLimit - existing
        let outcome: Outcome
        let bytes: Data
        if text.utf8.count <= room {
            bytes = Data(text.utf8)
            outcome = .appended(bytes: bytes.count)
        } else {
            let note = "\n> **Summary truncated:** GitHub limits a step summary to \(byteLimit / 1024) KiB; "
                + "the rest of this report was cut.\n"
            let budget = room - note.utf8.count
            guard budget > 0 else { return .skipped }
            bytes = Data((Self.prefix(of: text, maxBytes: budget) + note).utf8)
            outcome = .truncated(bytes: bytes.count)
        }
        do {
            if !FileManager.default.fileExists(atPath: path) {
                guard FileManager.default.createFile(atPath: path, contents: nil) else {
                    throw InputError("cannot create the GitHub step summary file '\(path)'; check GITHUB_STEP_SUMMARY")
                }
            }
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            defer { try? handle.close() }
            try handle.seekToEnd()
            try handle.write(contentsOf: bytes)
        } catch let error as InputError {
            throw error
        } catch {
            throw InputError("cannot write the GitHub step summary '\(path)': \(error.localizedDescription); "
                + "check GITHUB_STEP_SUMMARY")
        }
        return outcome
    }

    /// The longest prefix of whole lines within `maxBytes` UTF-8 bytes (whole characters if
    /// the first line alone is too long).
    static func prefix(of text: String, maxBytes: Int) -> String {
        var result = ""
        var used = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let size = line.utf8.count + 1
            if used + size > maxBytes { break }
            result += line + "\n"
            used += size
        }
        if result.isEmpty {
            for character in text {
                let size = String(character).utf8.count
                if used + size > maxBytes { break }
                result.append(character)
                used += size
            }
        }
        return result
    }
}
