import Foundation
import GateTestSupport
import Testing

/// Repositories at the edges of their life: no commits yet, exactly one commit.
@Suite("Hardening: empty and one-commit repositories")
struct RepositoryStateTests {
    @Test func emptyRepositoryIsARepositoryErrorWithAdvice() throws {
        let repo = try TempRepository()
        defer { repo.remove() }
        let gate = try BoundedGate()
        let check = try gate.run(["check", "--format", "json"], in: repo.path, timeout: 30)
        #expect(check.endedCleanly, "\(check)")
        #expect(check.status == 2, "\(check)")
        #expect(check.stderr.lowercased().contains("commit"), "the message says there is no commit yet: \(check)")

        let namedBase = try gate.run(["check", "--base", "HEAD", "--format", "json"], in: repo.path, timeout: 30)
        #expect(namedBase.endedCleanly && namedBase.status == 2, "\(namedBase)")
        #expect(namedBase.stderr.lowercased().contains("commit"), "\(namedBase)")

        // The index and the worktree compare with the empty tree: nothing there yet, nothing changed.
        for arguments in [["check", "--worktree"], ["check", "--staged"]] {
            let result = try gate.run(arguments + ["--format", "json"], in: repo.path, timeout: 30)
            #expect(result.endedCleanly, "\(arguments): \(result)")
            #expect(result.status == 0, "\(arguments): \(result)")
            #expect((result.json?["changes"] as? [Any])?.isEmpty == true, "\(arguments): \(result)")
        }
    }

    @Test func emptyRepositoryWithFilesInTheWorktree() throws {
        let repo = try TempRepository()
        defer { repo.remove() }
        try repo.write("dbt_project.yml", ShopFixture.projectFile)
        try repo.write("models/fct_orders.sql", ShopFixture.facts)
        try repo.write("contract-gate.yml", ShopFixture.config)
        let result = try BoundedGate().run(["check", "--worktree", "--format", "json", "--catalog", "dbt"],
                                           in: repo.path, timeout: 30)
        #expect(result.endedCleanly, "\(result)")
        #expect([0, 1, 2].contains(result.status), "\(result)")
        #expect(!(result.status == 2 && result.stderr.isEmpty), "\(result)")
    }

    @Test func oneCommitWithoutARemoteAsksForABase() throws {
        let (repo, _) = try ShopFixture.make()
        defer { repo.remove() }
        let gate = try BoundedGate()
        // Without a remote the documented fallback is the local `main`: HEAD itself, no change.
        let noBase = try gate.run(["check", "--format", "json", "--catalog", "dbt"], in: repo.path, timeout: 30)
        #expect(noBase.endedCleanly, "\(noBase)")
        #expect(noBase.status == 0, "\(noBase)")
        #expect(noBase.json?["base"] as? String == noBase.json?["head"] as? String, "\(noBase)")
        try repo.run(["branch", "-m", "main", "trunk"])
        let noMain = try gate.run(["check", "--format", "json"], in: repo.path, timeout: 30)
        #expect(noMain.status == 2, "no main, no remote: nothing to compare against: \(noMain)")
        #expect(noMain.stderr.contains("--base"), "the message says how to name a base: \(noMain)")

        let parent = try gate.run(["check", "--base", "HEAD~1", "--format", "json"], in: repo.path, timeout: 30)
        #expect(parent.status == 2, "HEAD~1 does not exist in a one-commit repository: \(parent)")
        #expect(parent.stderr.contains("HEAD~1"), "\(parent)")

        let itself = try gate.run(["check", "--base", "HEAD", "--format", "json", "--catalog", "dbt"], in: repo.path, timeout: 30)
        #expect(itself.status == 0, "no change, nothing to violate: \(itself)")
        #expect((itself.json?["changes"] as? [Any])?.isEmpty == true, "\(itself)")

        try repo.delete("models/schema.yml")
        try ShopFixture.dropAmount(repo, yaml: false)
        let worktree = try gate.run(["check", "--worktree", "--format", "json", "--catalog", "dbt"], in: repo.path, timeout: 30)
        #expect(worktree.endedCleanly, "\(worktree)")
        #expect(worktree.status == 1, "dropping a column of a contracted model violates it: \(worktree)")
    }
}
