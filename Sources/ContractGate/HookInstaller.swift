import Foundation
import GateModel

/// Installs and removes the git pre-push hook. Never clobbers a hook it did not write: a foreign
/// hook is either chained (moved aside and run first) on request, or left alone with a message.
public struct HookInstaller: Sendable {
    /// The line that marks a hook as ours.
    public static let marker = "# contract-gate pre-push hook"
    /// Where a chained foreign hook is kept, beside ours.
    public static let chainedName = "pre-push.contract-gate-chained"

    public enum Outcome: Equatable, Sendable {
        case installed(path: String)
        case updated(path: String)
        case chained(path: String, foreign: String)
        case removed(path: String)
        case restored(path: String)
    }

    public let hooksDirectory: URL
    /// The command the hook runs (an absolute path to this binary, or `contract-gate` on PATH).
    public let executable: String

    public init(hooksDirectory: String, executable: String) {
        self.hooksDirectory = URL(fileURLWithPath: hooksDirectory)
        self.executable = executable
    }

    var hookURL: URL { hooksDirectory.appendingPathComponent("pre-push") }
    var chainedURL: URL { hooksDirectory.appendingPathComponent(Self.chainedName) }

    /// The hook script: hands git's stdin to the chained hook (if any), then to `hook pre-push`.
    public var script: String {
        """
        #!/bin/sh
        \(Self.marker) (installed by `contract-gate hook install`; remove with `contract-gate hook uninstall`)
        # git passes "<local ref> <local sha> <remote ref> <remote sha>" lines on stdin.
        input=$(cat)
        chained="$(dirname "$0")/\(Self.chainedName)"
        if [ -x "$chained" ]; then
            printf '%s\\n' "$input" | "$chained" "$@" || exit $?
        fi
        printf '%s\\n' "$input" | \(shellQuoted(executable)) hook pre-push "$@"

        """
    }

    /// Installs the hook. An existing foreign hook is chained when `chain` is set; otherwise the
    /// install is refused with a message saying how to proceed.
    public func install(chain: Bool) throws -> Outcome {
        let fm = FileManager.default
        try fm.createDirectory(at: hooksDirectory, withIntermediateDirectories: true)
        var outcome = Outcome.installed(path: hookURL.path)
        if let existing = try? String(contentsOf: hookURL, encoding: .utf8), !existing.contains(Self.marker) {
            guard chain else {
                throw InputError(
                    "a pre-push hook that contract-gate did not write already exists at \(hookURL.path); "
                        + "rerun with --chain to keep it and run it before the gate, or add "
                        + "`contract-gate hook pre-push` to it yourself")
            }
            if fm.fileExists(atPath: chainedURL.path) {
                throw InputError("\(chainedURL.path) already exists; move it away before chaining another hook")
            }
            try fm.moveItem(at: hookURL, to: chainedURL)
            outcome = .chained(path: hookURL.path, foreign: chainedURL.path)
        } else if fm.fileExists(atPath: hookURL.path) {
            outcome = .updated(path: hookURL.path)
        } else if (try? fm.destinationOfSymbolicLink(atPath: hookURL.path)) != nil {
            throw InputError("\(hookURL.path) is a dangling symbolic link; remove it first")
        }
        try Data(script.utf8).write(to: hookURL, options: .atomic)
        try fm.setAttributes([.posixPermissions: 0o755], ofItemAtPath: hookURL.path)
        return outcome
    }

    /// Removes the hook if (and only if) contract-gate wrote it, restoring a chained foreign hook.
    public func uninstall() throws -> Outcome {
        let fm = FileManager.default
        guard let existing = try? String(contentsOf: hookURL, encoding: .utf8) else {
            throw InputError("no pre-push hook is installed at \(hookURL.path)")
        }
        guard existing.contains(Self.marker) else {
            throw InputError("the pre-push hook at \(hookURL.path) was not installed by contract-gate; leaving it alone")
        }
        try fm.removeItem(at: hookURL)
        if fm.fileExists(atPath: chainedURL.path) {
            try fm.moveItem(at: chainedURL, to: hookURL)
            return .restored(path: hookURL.path)
        }
        return .removed(path: hookURL.path)
    }

    private func shellQuoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
