import Foundation
import GateModel

/// One ref update a `git push` is about to make, as its pre-push hook receives it on stdin,
/// with the range of commits to check.
public struct PushRange: Sendable, Hashable {
    /// The local ref being pushed (`refs/heads/feature`), or `(delete)` for a deletion.
    public var localRef: String
    /// The local commit (all zeros for a deletion).
    public var localSha: String
    /// The ref on the remote (`refs/heads/feature`).
    public var remoteRef: String
    /// The remote's current commit (all zeros for a new branch).
    public var remoteSha: String
    /// The commit to compare against; nil for a deletion: nothing to check.
    public var base: String?
    /// The commit being pushed, peeled to a commit (a pushed annotated tag names its commit here);
    /// for a deletion, the all-zero sha git sent.
    public var head: String

    /// A range as parsed from one pre-push line; `base` nil means a deletion.
    public init(localRef: String, localSha: String, remoteRef: String, remoteSha: String, base: String?, head: String) {
        self.localRef = localRef
        self.localSha = localSha
        self.remoteRef = remoteRef
        self.remoteSha = remoteSha
        self.base = base
        self.head = head
    }

    /// A deletion of the remote ref: there is nothing to check.
    public var isDeletion: Bool { base == nil }
}

extension Repository {
    /// The ranges to check for what a pre-push hook reads on stdin, one line per ref:
    /// `<local ref> <local sha> <remote ref> <remote sha>`.
    ///
    /// - A new remote branch (zero remote sha) is checked from its merge base with `defaultBase`
    ///   (or `defaultBaseReference()` when nil), so only the branch's own commits count.
    /// - A deletion (zero local sha) gets `base == nil`.
    /// - An update is checked from the remote sha; when that commit is not present locally (someone
    ///   else pushed), from the merge base with the default base instead.
    /// Blank lines are ignored; any other malformed line is an `InputError` naming it.
    public func prePushRanges(_ stdin: String, defaultBase: String?) throws -> [PushRange] {
        var ranges: [PushRange] = []
        for (offset, rawLine) in stdin.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty { continue }
            let fields = line.split(whereSeparator: \.isWhitespace).map(String.init)
            let lineNumber = offset + 1
            guard fields.count == 4,
                  let localID = ObjectID(hex: fields[1]),
                  let remoteID = ObjectID(hex: fields[3]) else {
                throw InputError(
                    "pre-push input line \(lineNumber) is not '<local ref> <local sha> <remote ref> <remote sha>' with 40-hex shas: '\(line)'",
                    at: SourceLocation(path: "<pre-push stdin>", line: lineNumber))
            }
            var range = PushRange(localRef: fields[0], localSha: fields[1], remoteRef: fields[2],
                                  remoteSha: fields[3], base: nil, head: fields[1])
            if localID.isZero {
                ranges.append(range)
                continue
            }
            range.head = try resolve(localID.hex)
            if remoteID.isZero || !hasObject(remoteID) {
                range.base = try mergeBase(range.head, try defaultBase ?? defaultBaseReference())
            } else {
                range.base = try resolve(remoteID.hex)
            }
            ranges.append(range)
        }
        return ranges
    }
}
