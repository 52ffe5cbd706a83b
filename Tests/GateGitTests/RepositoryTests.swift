import Foundation
import GateGit
import GateModel
import GateTestSupport
import Testing

@Suite("Opening repositories and resolving revisions")
struct RepositoryTests {
    /// main: c1 - c2 - c3 - c4 - m5 - m6, feature: c4 - f1 - f2 (diverged).
    private func makeDivergedHistory() throws -> TempRepository {
        let fixture = try TempRepository()
        for number in 1...4 {
            try fixture.write("models/m\(number).sql", "select \(number)\n")
            try fixture.commit("c\(number)")
        }
        try fixture.branch("feature")
        for number in 5...6 {
            try fixture.write("models/main\(number).sql", "select \(number)\n")
            try fixture.commit("m\(number)")
        }
        try fixture.checkout("feature")
        for number in 1...2 {
            try fixture.write("models/feature\(number).sql", "select \(number)\n")
            try fixture.commit("f\(number)")
        }
        try fixture.checkout("main")
        return fixture
    }

    @Test("opens from a subfolder and reports where the repository is")
    func opensFromSubfolder() throws {
        let fixture = try TempRepository()
        defer { fixture.remove() }
        try fixture.write("models/staging/stg_orders.sql", "select 1\n")
        try fixture.commit("c1")
        let repository = try Repository.open(at: fixture.path + "/models/staging")
        #expect(repository.workdir == fixture.path)
        #expect(repository.gitDirectory == fixture.path + "/.git")
        #expect(repository.isShallow == false)
        #expect(repository.isHeadDetached == false)
        #expect(try repository.resolve("HEAD") == (try fixture.sha("HEAD")))
    }

    @Test("a folder outside any repository gives an error that says to pass --repo")
    func notARepository() throws {
        let folder = try TempRepository.temporaryDirectory()
        defer { TempRepository.removeDirectory(folder) }
        let error = try #require(throws: GitError.self) { try Repository.open(at: folder) }
        #expect(error.description.contains("no git repository found at or above \(folder)"))
        #expect(error.description.contains("--repo"))
        #expect(error.exitCode == .usage)
        #expect(!error.isOwnership)

        let missing = try #require(throws: GitError.self) { try Repository.open(at: folder + "/does-not-exist") }
        #expect(missing.description.contains("does-not-exist"))
    }

    @Test("resolves every revision form git accepts to the same commit git does")
    func resolvesLikeGit() throws {
        let fixture = try makeDivergedHistory()
        defer { fixture.remove() }
        try fixture.tag("light", at: "HEAD~1")
        try fixture.tag("v1.0", at: "HEAD~2", message: "release")
        let repository = try Repository.open(at: fixture.path)
        let full = try fixture.sha("feature")
        for revision in ["HEAD", "HEAD~2", "HEAD^", "main", "feature", "feature~1", "light", "v1.0", "refs/heads/main"] {
            #expect(try repository.resolve(revision) == (try fixture.sha(revision)), "revision \(revision)")
        }
        #expect(try repository.resolve(full) == full)
        #expect(try repository.resolve(String(full.prefix(10))) == full)
        // The annotated tag is peeled to its commit, not the tag object.
        #expect(try repository.resolve("v1.0") != (try fixture.run(["rev-parse", "v1.0"]).trimmingCharacters(in: .whitespacesAndNewlines)))
    }

    @Test("an unknown revision is named in the error")
    func unknownRevision() throws {
        let fixture = try makeDivergedHistory()
        defer { fixture.remove() }
        let repository = try Repository.open(at: fixture.path)
        let error = try #require(throws: GitError.self) { try repository.resolve("origin/mian") }
        #expect(error.description.contains("unknown revision 'origin/mian'"))
        #expect(error.description.contains("git fetch"))
        #expect(!error.description.contains("shallow"))
        let missingSha = try #require(throws: GitError.self) {
            try repository.changeSet(base: "0123456789abcdef0123456789abcdef01234567", head: "HEAD")
        }
        #expect(missingSha.description.contains("0123456789abcdef0123456789abcdef01234567"))
    }

    @Test("the merge base of diverged branches is the one git merge-base finds")
    func mergeBaseOfDivergedBranches() throws {
        let fixture = try makeDivergedHistory()
        defer { fixture.remove() }
        let repository = try Repository.open(at: fixture.path)
        let expected = try fixture.run(["merge-base", "main", "feature"]).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try repository.mergeBase("main", "feature") == expected)
        #expect(try repository.mergeBase("feature", "main") == expected)
        #expect(try repository.mergeBase("HEAD", "HEAD") == (try fixture.sha("HEAD")))
        // The diff from the merge base shows only the branch's own files.
        let changes = try repository.changeSet(base: expected, head: "feature").changes
        #expect(changes.map(\.path) == ["models/feature1.sql", "models/feature2.sql"])
    }

    @Test("histories with no common commit give a clear error")
    func unrelatedHistories() throws {
        let fixture = try makeDivergedHistory()
        defer { fixture.remove() }
        try fixture.run(["checkout", "-q", "--orphan", "island"])
        try fixture.write("other.txt", "x\n")
        try fixture.commit("island root")
        let repository = try Repository.open(at: fixture.path)
        let error = try #require(throws: GitError.self) { try repository.mergeBase("island", "main") }
        #expect(error.description.contains("no merge base between 'island' and 'main'"))
    }

    @Test("a detached HEAD resolves, and branches still do")
    func detachedHead() throws {
        let fixture = try makeDivergedHistory()
        defer { fixture.remove() }
        let target = try fixture.sha("feature~1")
        try fixture.checkout(target)
        let repository = try Repository.open(at: fixture.path)
        #expect(repository.isHeadDetached)
        #expect(try repository.resolve("HEAD") == target)
        #expect(try repository.resolve("HEAD~1") == (try fixture.sha("feature~2")))
        #expect(try repository.resolve("main") == (try fixture.sha("main")))
        #expect(try repository.worktreeChanges().changes.isEmpty)
        #expect(try repository.stagedChanges().base == target)
    }

    @Test("a bare repository opens, has no worktree, and diffs commits")
    func bareRepository() throws {
        let source = try makeDivergedHistory()
        defer { source.remove() }
        let bare = try source.clone(bare: true)
        defer { bare.remove() }
        let repository = try Repository.open(at: bare.path)
        #expect(repository.workdir == nil)
        #expect(repository.isBare)
        #expect(repository.gitDirectory == bare.path)
        #expect(try repository.resolve("feature") == (try source.sha("feature")))
        let changes = try repository.changeSet(base: "main~2", head: "main").changes
        #expect(changes.map(\.path) == ["models/main5.sql", "models/main6.sql"])
        let error = try #require(throws: GitError.self) { try repository.worktreeChanges() }
        #expect(error.description.contains("bare"))
        #expect(throws: GitError.self) { try repository.stagedChanges() }
        #expect(throws: GitError.self) { try repository.indexTree() }
        #expect(try repository.tree(at: "main").files(under: "models").count == 6)
        #expect(repository.hooksDirectory == bare.path + "/hooks")
    }

    @Test("the default base follows origin/HEAD, then origin/main, then local main")
    func defaultBaseReference() throws {
        let source = try makeDivergedHistory()
        defer { source.remove() }
        try source.branch("develop", at: "main~1")
        try source.run(["symbolic-ref", "HEAD", "refs/heads/develop"])  // the remote's default branch
        let clone = try source.clone()
        defer { clone.remove() }
        let repository = try Repository.open(at: clone.path)
        #expect(try repository.defaultBaseReference() == "origin/develop")
        #expect(try repository.resolve(try repository.defaultBaseReference()) == (try source.sha("develop")))

        try clone.run(["remote", "set-head", "origin", "--delete"])
        let withoutHead = try Repository.open(at: clone.path)
        #expect(try withoutHead.defaultBaseReference() == "origin/main")

        // No remote at all: the local main.
        #expect(try Repository.open(at: source.path).defaultBaseReference() == "main")

        let trunkOnly = try TempRepository(branch: "trunk")
        defer { trunkOnly.remove() }
        try trunkOnly.commit("only")
        let error = try #require(throws: GitError.self) { try Repository.open(at: trunkOnly.path).defaultBaseReference() }
        #expect(error.description.contains("--base"))
    }

    @Test("a linked worktree opens, and its hooks live in the common git directory")
    func linkedWorktree() throws {
        let fixture = try makeDivergedHistory()
        defer { fixture.remove() }
        let linked = fixture.container + "/linked"
        try fixture.run(["worktree", "add", "-q", linked, "feature"])
        let repository = try Repository.open(at: linked + "/models")
        #expect(repository.workdir == linked)
        #expect(repository.gitDirectory == fixture.path + "/.git/worktrees/linked")
        #expect(repository.hooksDirectory == fixture.path + "/.git/hooks")
        #expect(try repository.resolve("HEAD") == (try fixture.sha("feature")))
        #expect(try repository.worktreeChanges().changes.isEmpty)
    }

    @Test("libgit2 failures are classified: both ownership variants, missing objects")
    func errorClassification() {
        // GIT_EOWNER, and libgit2 1.5's "-3 + class CONFIG" variant when no safe.directory exists.
        #expect(GitError(call: "git_repository_open_ext", code: -36, errorClass: 6, message: "not owned by current user").isOwnership)
        #expect(GitError(call: "git_repository_open_ext", code: -3, errorClass: 7,
                         message: "config value 'safe.directory' was not found").isOwnership)
        #expect(!GitError(call: "git_repository_open_ext", code: -3, errorClass: 6, message: "could not find repository").isOwnership)
        // What git_merge_base reports at a shallow boundary.
        #expect(GitError(call: "git_merge_base", code: -1, errorClass: 9, message: "object not found - no match for id (abc)").isMissingObject)
        #expect(!GitError(call: "git_revparse_single", code: -3, errorClass: 4, message: "revspec 'x' not found").isMissingObject)
        let explained = GitError(call: "git_x", code: -1, errorClass: 0, message: "raw", summary: "what happened", advice: "what to do")
        #expect(explained.description == "error: what happened (git_x failed with code -1: raw)\nwhat to do")
    }

    @Test("configuration and the hooks folder honour core.hooksPath")
    func hooksDirectory() throws {
        let fixture = try TempRepository()
        defer { fixture.remove() }
        try fixture.commit("c1")
        #expect(try Repository.open(at: fixture.path).hooksDirectory == fixture.path + "/.git/hooks")
        #expect(try Repository.open(at: fixture.path).config("core.hooksPath") == nil)

        try fixture.run(["config", "core.hooksPath", "ci/hooks"])
        let relative = try Repository.open(at: fixture.path + "/.git")
        #expect(relative.config("core.hooksPath") == "ci/hooks")
        #expect(relative.hooksDirectory == fixture.path + "/ci/hooks")

        try fixture.run(["config", "core.hooksPath", "/opt/shared-hooks/"])
        #expect(try Repository.open(at: fixture.path).hooksDirectory == "/opt/shared-hooks")
    }
}
