import Foundation
import GateTestSupport
import Testing

/// Issue 6: a real repository with a bare remote; `git push` passes on a clean change and is blocked
/// on a breaking one by the hook `contract-gate hook install` writes (it embeds the binary's absolute
/// path). git runs the hook itself, so this covers Hook.swift, PrePushCheck and the installer together.
@Suite struct PrePushHookTests {
    @Test func pushIsBlockedOnABreakingChangeAndPassesOnACleanOne() throws {
        let binary = try GateBinary()
        // The remote starts with the scenario's `main`: a project whose contract makes removing a column an error.
        let scenario = Scenario(name: "column_no_delete")
        let seed = try scenario.makeRepository()
        defer { seed.remove() }
        let remote = try TempRepository(bare: true)
        defer { remote.remove() }
        try seed.run(["push", "-q", "file://" + remote.path, "main:main"])

        let clone = try remote.clone()
        defer { clone.remove() }
        try clone.checkout("main")
        let install = try binary.run(["hook", "install"], in: clone.path)
        #expect(install.status == 0, "stderr: \(install.stderr)")
        let hookPath = clone.path + "/.git/hooks/pre-push"
        let hook = try String(contentsOfFile: hookPath, encoding: .utf8)
        #expect(hook.contains("'\(binary.path)' hook pre-push"), "hook: \(hook)")

        // A clean change: a description is reworded. The hook runs and lets the push through.
        let schema = clone.path + "/models/schema.yml"
        let original = try String(contentsOfFile: schema, encoding: .utf8)
        try clone.write("models/schema.yml", original.replacingOccurrences(of: "One row per order.", with: "One row per order placed."))
        let clean = try clone.commit("Reword the fct_orders description")
        let cleanPush = try clone.shell("git push origin main 2>&1")
        #expect(try remote.sha("main") == clean, "push output: \(cleanPush)")
        #expect(cleanPush.contains("contract-gate: checking"), "the hook ran: \(cleanPush)")

        // A breaking change: the `status` column rpt_orders reads is removed. The push is refused.
        let after = try Scenario.files(in: scenario.folder.appendingPathComponent("after"))
        for (path, data) in after { try clone.write(path, data: data) }
        let breaking = try clone.commit("Drop status and note from fct_orders")
        var refused: FixtureCommandError?
        do {
            try clone.run(["push", "origin", "main"])
        } catch let error as FixtureCommandError {
            refused = error
        }
        let failure = try #require(refused, "the push of a breaking change must fail")
        #expect(failure.output.contains("COLUMN_NO_DELETE"), "output: \(failure.output)")
        #expect(failure.output.contains("status"), "output: \(failure.output)")
        #expect(failure.output.contains("models/schema.yml"), "output: \(failure.output)")
        #expect(failure.output.contains("push blocked"), "output: \(failure.output)")
        #expect(failure.output.contains("failed to push"), "git reports the refusal: \(failure.output)")
        // No snapshot exists here, which is normal offline: the dbt graph is the complete impact, not a
        // degraded one (regression: the hook defaulted to `--catalog snapshot` and called it incomplete).
        #expect(!failure.output.contains("incomplete"), "output: \(failure.output)")
        #expect(try remote.sha("main") == clean, "the remote must not have received \(breaking)")

        // Pushing the same commit as a new branch (the remote has no sha for it yet) is checked against the
        // default branch the clone knows (origin/main), and refused as well.
        var refusedBranch: FixtureCommandError?
        do {
            try clone.run(["push", "origin", "HEAD:refs/heads/feature/drop-columns"])
        } catch let error as FixtureCommandError {
            refusedBranch = error
        }
        let branchFailure = try #require(refusedBranch, "a new branch with a breaking change must be refused too")
        #expect(branchFailure.output.contains("COLUMN_NO_DELETE"), "output: \(branchFailure.output)")
        #expect((try? remote.sha("feature/drop-columns")) == nil)

        // Uninstalled, the same push goes through.
        let uninstall = try binary.run(["hook", "uninstall"], in: clone.path)
        #expect(uninstall.status == 0, "stderr: \(uninstall.stderr)")
        #expect(!FileManager.default.fileExists(atPath: hookPath))
        try clone.run(["push", "-q", "origin", "main"])
        #expect(try remote.sha("main") == breaking)
    }
}
