import Foundation
import GateModel

/// Installs and removes the git pre-push hook. Never clobbers a hook it did not write: a foreign
/// hook is chained (moved aside and run first) on request, replaced only with `force`, or left
/// alone with a message.
///
/// A hook is ours when its bytes start with our full header (shebang and marker line), compared
/// as bytes: a hook that merely mentions the marker, or is not UTF-8 text at all (Latin-1, a
/// binary), is foreign.
public struct HookInstaller: Sendable {
    /// The line that marks a hook as ours.
    public static let marker = "# contract-gate pre-push hook"
    /// Where a chained foreign hook is kept, beside ours.
    public static let chainedName = "pre-push.contract-gate-chained"
    /// The first two lines of every hook this installer has written.
    public static let header = "#!/bin/sh\n\(marker) (installed by `contract-gate hook install`; remove with `contract-gate hook uninstall`)\n"

    public enum Outcome: Equatable, Sendable {
        case installed(path: String)
        case updated(path: String)
        case chained(path: String, foreign: String)
        /// A foreign hook was overwritten (`force`).
        case replaced(path: String)
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
    /// git's arguments (remote name and URL) follow `--`, so a remote named like an option stays
    /// an argument.
    public var script: String {
        Self.header + """
        # git passes "<local ref> <local sha> <remote ref> <remote sha>" lines on stdin.
        input=$(cat)
        chained="$(dirname "$0")/\(Self.chainedName)"
        if [ -x "$chained" ]; then
            printf '%s\\n' "$input" | "$chained" "$@" || exit $?
        fi
        printf '%s\\n' "$input" | \(shellQuoted(executable)) hook pre-push -- "$@"

        """
    }

    /// Whether `data` is a hook this installer wrote.
    public static func isOurs(_ data: Data) -> Bool {
        data.starts(with: Data(header.utf8))
    }

    /// What is at `url`: nothing, a regular file's bytes, a symbolic link (never followed: it is
    /// someone else's arrangement), or something else (a folder).
    private enum Existing {
        case none
        case file(Data)
        case link(String)
        case other(String)
    }

    private func existing(at url: URL) throws -> Existing {
        let fm = FileManager.default
        if let target = try? fm.destinationOfSymbolicLink(atPath: url.path) { return .link(target) }
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: url.path, isDirectory: &isDirectory) else { return .none }
        if isDirectory.boolValue { return .other("a folder") }
        do {
            return .file(try Data(contentsOf: url))
        } catch {
            throw InputError("cannot read the existing pre-push hook at \(url.path): \(error.localizedDescription)")
        }
    }

    /// Installs the hook. An existing foreign hook is chained when `chain` is set, overwritten
    /// when `force` is; otherwise the install is refused with a message saying how to proceed.
    public func install(chain: Bool, force: Bool = false) throws -> Outcome {
        let fm = FileManager.default
        try fm.createDirectory(at: hooksDirectory, withIntermediateDirectories: true)
        var outcome = Outcome.installed(path: hookURL.path)
        switch try existing(at: hookURL) {
        case .none:
            break
        case .file(let data) where Self.isOurs(data):
            outcome = .updated(path: hookURL.path)
        case .file, .link:
            if chain {
                if fm.fileExists(atPath: chainedURL.path) || (try? fm.destinationOfSymbolicLink(atPath: chainedURL.path)) != nil {
                    throw InputError("\(chainedURL.path) already exists; move it away before chaining another hook")
                }
                try fm.moveItem(at: hookURL, to: chainedURL)
                outcome = .chained(path: hookURL.path, foreign: chainedURL.path)
            } else if force {
                // Replaced, not written through: a link's target is left as it is.
                try fm.removeItem(at: hookURL)
                outcome = .replaced(path: hookURL.path)
            } else {
                throw InputError(
                    "a pre-push hook that contract-gate did not write already exists at \(hookURL.path); "
                        + "rerun with --chain to keep it and run it before the gate, with --force to replace it, or add "
                        + "`contract-gate hook pre-push -- \"$@\"` to it yourself")
            }
        case .other(let what):
            // Not even --force deletes a whole folder.
            throw InputError("\(hookURL.path) is \(what), not a hook; move it away first")
        }
        try Data(script.utf8).write(to: hookURL, options: .atomic)
        try fm.setAttributes([.posixPermissions: 0o755], ofItemAtPath: hookURL.path)
        return outcome
    }

    /// Removes the hook if (and only if) contract-gate wrote it, restoring a chained foreign hook.
    public func uninstall() throws -> Outcome {
        let fm = FileManager.default
        let data: Data
        switch try existing(at: hookURL) {
        case .none:
            throw InputError("no pre-push hook is installed at \(hookURL.path)")
        case .link(let target):
            throw InputError("\(hookURL.path) is a symbolic link (to \(target)), not a hook contract-gate wrote; leaving it alone")
        case .other(let what):
            throw InputError("\(hookURL.path) is \(what), not a hook contract-gate wrote; leaving it alone")
        case .file(let bytes):
            data = bytes
        }
        guard Self.isOurs(data) else {
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
