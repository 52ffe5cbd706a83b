import Foundation
import GateGit
import GateModel
import GateTestSupport
import Testing

/// libgit2 1.5.1 ignores `.git/shallow`; these tests pin the own parent walk against git itself.
@Suite("Shallow clones")
struct ShallowCloneTests {
    /// main: c1 … c6, feature branches off c4 with f1, f2 — the merge base is c4.
    private func makeSource() throws -> TempRepository {
        let fixture = try TempRepository()
        for number in 1...6 {
            if number == 5 { try fixture.branch("feature") }
            try fixture.write("models/m\(number).sql", "select \(number)\n")
            try fixture.commit("c\(number)")
        }
        try fixture.checkout("feature")
        for number in 1...2 {
            try fixture.write("models/f\(number).sql", "select \(number)\n")
            try fixture.commit("f\(number)")
        }
        try fixture.checkout("main")
        return fixture
    }

    @Test("the merge base is found inside the window and is git's answer; outside, the error says to fetch more",
          arguments: [1, 2, 3, 4, 6])
    func mergeBaseAtDepth(depth: Int) throws {
        let source = try makeSource()
        defer { source.remove() }
        let fullAnswer = try source.run(["merge-base", "main", "feature"]).trimmingCharacters(in: .whitespacesAndNewlines)
        let clone = try source.clone(["--depth", "\(depth)", "--no-single-branch"])
        defer { clone.remove() }
        // What git itself finds in this clone (it reads .git/shallow).
        let gitFindsIt = (try? clone.run(["merge-base", "origin/main", "origin/feature"])) != nil

        let repository = try Repository.open(at: clone.path)
        #expect(repository.isShallow)
        if gitFindsIt {
            #expect(try repository.mergeBase("origin/main", "origin/feature") == fullAnswer)
            #expect(try repository.mergeBase("origin/feature", "origin/main") == fullAnswer)
            // The branch's own change set, read from the merge base, as in CI.
            let base = try repository.mergeBase("origin/main", "origin/feature")
            #expect(try repository.changeSet(base: base, head: "origin/feature").changes.map(\.path)
                    == ["models/f1.sql", "models/f2.sql"])
        } else {
            let error = try #require(throws: GitError.self) { try repository.mergeBase("origin/main", "origin/feature") }
            #expect(error.description.contains("no merge base between 'origin/main' and 'origin/feature'"))
            #expect(error.description.contains("fetch more history (fetch-depth: 0 or git fetch --deepen=N)"))
        }
        // The fixture spans both outcomes: c4 is in the window from depth 3 on.
        #expect(gitFindsIt == (depth >= 3))
    }

    @Test("a revision beyond the shallow boundary is an error that suggests fetching more")
    func revisionBeyondBoundary() throws {
        let source = try makeSource()
        defer { source.remove() }
        let clone = try source.clone(["--depth", "2"])
        defer { clone.remove() }
        let repository = try Repository.open(at: clone.path)
        #expect(try repository.resolve("HEAD~1") == (try source.sha("main~1")))
        let error = try #require(throws: GitError.self) { try repository.resolve("HEAD~3") }
        #expect(error.description.contains("'HEAD~3'"))
        #expect(error.description.contains("fetch more history"))
        // Two present commits still diff, without history.
        #expect(try repository.changeSet(base: "HEAD~1", head: "HEAD").changes.map(\.path) == ["models/m6.sql"])
    }

    @Test("a single-branch depth-1 checkout names the missing remote branch")
    func singleBranchCheckout() throws {
        let source = try makeSource()
        defer { source.remove() }
        let clone = try source.clone(["--depth", "1", "--branch", "feature"])
        defer { clone.remove() }
        let repository = try Repository.open(at: clone.path)
        let error = try #require(throws: GitError.self) { try repository.resolve("origin/main") }
        #expect(error.description.contains("unknown revision 'origin/main'"))
        #expect(error.description.contains("fetch"))
    }
}
