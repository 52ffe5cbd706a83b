import Foundation
import GateGit
import GateModel
import GateTestSupport
import Testing

@Suite("Pre-push ranges")
struct PrePushTests {
    private static let zero = String(repeating: "0", count: 40)

    /// A remote with main (3 commits) and `old`; a clone where main gained a commit and a new
    /// branch `feature` was started from main~1.
    private func makeClone() throws -> (source: TempRepository, clone: TempRepository) {
        let source = try TempRepository()
        for number in 1...3 {
            try source.write("models/m\(number).sql", "select \(number)\n")
            try source.commit("c\(number)")
        }
        try source.branch("old", at: "HEAD~1")
        let clone = try source.clone()
        try clone.write("models/m4.sql", "select 4\n")
        try clone.commit("c4 on main")
        try clone.run(["checkout", "-q", "-b", "feature", "HEAD~2"])
        try clone.write("models/feature.sql", "select 'f'\n")
        try clone.commit("f1")
        try clone.checkout("main")
        return (source, clone)
    }

    @Test("a new branch, an update and a deletion each get the right base")
    func newBranchUpdateAndDeletion() throws {
        let (source, clone) = try makeClone()
        defer { source.remove(); clone.remove() }
        let feature = try clone.sha("feature")
        let main = try clone.sha("main")
        let remoteMain = try clone.sha("origin/main")
        let remoteOld = try clone.sha("origin/old")
        let stdin = """
        refs/heads/feature \(feature) refs/heads/feature \(Self.zero)

        refs/heads/main \(main) refs/heads/main \(remoteMain)
        (delete) \(Self.zero) refs/heads/old \(remoteOld)

        """
        let repository = try Repository.open(at: clone.path)
        let ranges = try repository.prePushRanges(stdin, defaultBase: nil)
        #expect(ranges.count == 3)

        let newBranch = try #require(ranges.first { $0.remoteRef == "refs/heads/feature" })
        let expectedBase = try clone.run(["merge-base", "feature", "origin/main"]).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(newBranch.base == expectedBase)
        #expect(newBranch.head == feature)
        #expect(try repository.changeSet(base: try #require(newBranch.base), head: newBranch.head).changes.map(\.path)
                == ["models/feature.sql"])

        let update = try #require(ranges.first { $0.remoteRef == "refs/heads/main" })
        #expect(update.base == remoteMain)
        #expect(update.head == main)
        #expect(update.localRef == "refs/heads/main" && update.localSha == main && update.remoteSha == remoteMain)

        let deletion = try #require(ranges.first { $0.remoteRef == "refs/heads/old" })
        #expect(deletion.base == nil)
        #expect(deletion.isDeletion)
    }

    @Test("an update whose remote commit is unknown locally is checked from the merge base with the default base")
    func unknownRemoteCommit() throws {
        let (source, clone) = try makeClone()
        defer { source.remove(); clone.remove() }
        let main = try clone.sha("main")
        let somebodyElses = "1234567890abcdef1234567890abcdef12345678"
        let repository = try Repository.open(at: clone.path)
        let ranges = try repository.prePushRanges("refs/heads/main \(main) refs/heads/main \(somebodyElses)\n",
                                                  defaultBase: "origin/main")
        #expect(ranges.first?.base == (try clone.sha("origin/main")))
    }

    @Test("an explicit default base is used for new branches")
    func explicitDefaultBase() throws {
        let (source, clone) = try makeClone()
        defer { source.remove(); clone.remove() }
        let feature = try clone.sha("feature")
        let repository = try Repository.open(at: clone.path)
        let ranges = try repository.prePushRanges("refs/heads/feature \(feature) refs/heads/feature \(Self.zero)",
                                                  defaultBase: "origin/old")
        #expect(ranges.first?.base == (try clone.run(["merge-base", "feature", "origin/old"])
            .trimmingCharacters(in: .whitespacesAndNewlines)))
    }

    @Test("a malformed line is an input error naming the line", arguments: [
        "refs/heads/main abc refs/heads/main def",
        "refs/heads/main only-three-fields refs/heads/main",
        "refs/heads/main \(String(repeating: "g", count: 40)) refs/heads/main \(String(repeating: "0", count: 40))",
    ])
    func malformedLine(line: String) throws {
        let (source, clone) = try makeClone()
        defer { source.remove(); clone.remove() }
        let repository = try Repository.open(at: clone.path)
        let error = try #require(throws: InputError.self) { try repository.prePushRanges("\n\(line)\n", defaultBase: nil) }
        #expect(error.location?.line == 2)
        #expect(error.description.contains(line))
        #expect(error.exitCode == .usage)
    }

    @Test("empty input means nothing to check")
    func emptyInput() throws {
        let (source, clone) = try makeClone()
        defer { source.remove(); clone.remove() }
        #expect(try Repository.open(at: clone.path).prePushRanges("\n  \n", defaultBase: nil).isEmpty)
    }
}
