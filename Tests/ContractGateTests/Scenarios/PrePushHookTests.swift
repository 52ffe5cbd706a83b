import Foundation
import GateTestSupport
import Testing

/// Issue 6: a real repository with a bare remote; `git push` passes on a clean change and is blocked
/// on a breaking one by the hook `contract-gate hook install` writes (it embeds the binary's absolute
/// path). git runs the hook itself, so this covers Hook.swift, PrePushCheck and the installer together.
@Suite struct PrePushHookTests {
    /// What the push session saw, gathered off the Swift concurrency threads and checked afterwards.
    struct Session: Sendable {
        var binaryPath = ""
        var install: GateBinary.Result?
        var hook = ""
        var cleanSha = ""
        var remoteAfterClean = ""
        var cleanPushOutput = ""
        var breakingSha = ""
        var breakingRefusal: String?
        var remoteAfterBreaking = ""
        var branchRefusal: String?
        var branchReachedRemote = false
        var uninstall: GateBinary.Result?
        var hookLeftAfterUninstall = true
        var remoteAfterUninstalledPush = ""
    }

    /// The whole session: every git push runs the hook, which runs the binary; all of it blocks.
    static func pushSession() throws -> Session {
        var session = Session()
        let binary = try GateBinary()
        session.binaryPath = binary.path
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
        session.install = try binary.run(["hook", "install"], in: clone.path)
        let hookPath = clone.path + "/.git/hooks/pre-push"
        session.hook = (try? String(contentsOfFile: hookPath, encoding: .utf8)) ?? ""

        // A clean change: a description is reworded. The hook runs and lets the push through.
        let original = try String(contentsOfFile: clone.path + "/models/schema.yml", encoding: .utf8)
        try clone.write("models/schema.yml", original.replacingOccurrences(of: "One row per order.", with: "One row per order placed."))
        session.cleanSha = try clone.commit("Reword the fct_orders description")
        session.cleanPushOutput = try clone.shell("git push origin main 2>&1")
        session.remoteAfterClean = try remote.sha("main")

        // A breaking change: the `status` column rpt_orders reads is removed. The push is refused.
        for (path, data) in try Scenario.files(in: scenario.folder.appendingPathComponent("after")) {
            try clone.write(path, data: data)
        }
        session.breakingSha = try clone.commit("Drop status and note from fct_orders")
        do {
            try clone.run(["push", "origin", "main"])
        } catch let error as FixtureCommandError {
            session.breakingRefusal = error.output
        }
        session.remoteAfterBreaking = try remote.sha("main")

        // The same commit pushed as a new branch (the remote has no sha for it yet) is checked against the
        // default branch the clone knows (origin/main), and refused as well.
        do {
            try clone.run(["push", "origin", "HEAD:refs/heads/feature/drop-columns"])
        } catch let error as FixtureCommandError {
            session.branchRefusal = error.output
        }
        session.branchReachedRemote = (try? remote.sha("feature/drop-columns")) != nil

        // Uninstalled, the same push goes through.
        session.uninstall = try binary.run(["hook", "uninstall"], in: clone.path)
        session.hookLeftAfterUninstall = FileManager.default.fileExists(atPath: hookPath)
        try clone.run(["push", "-q", "origin", "main"])
        session.remoteAfterUninstalledPush = try remote.sha("main")
        return session
    }

    @Test func pushIsBlockedOnABreakingChangeAndPassesOnACleanOne() async throws {
        let session = try await offThePool { try Self.pushSession() }

        #expect(session.install?.status == 0, "stderr: \(session.install?.stderr ?? "")")
        #expect(session.hook.contains("'\(session.binaryPath)' hook pre-push"), "hook: \(session.hook)")

        #expect(session.remoteAfterClean == session.cleanSha, "push output: \(session.cleanPushOutput)")
        // Quiet on a pass: one line, not the report.
        #expect(session.cleanPushOutput.contains("contract-gate: PASS"), "the hook ran: \(session.cleanPushOutput)")
        #expect(!session.cleanPushOutput.contains("contract-gate: checking"), "output: \(session.cleanPushOutput)")

        let failure = try #require(session.breakingRefusal, "the push of a breaking change must fail")
        #expect(failure.contains("COLUMN_NO_DELETE"), "output: \(failure)")
        #expect(failure.contains("column status"), "output: \(failure)")
        #expect(failure.contains("models/schema.yml:3"), "output: \(failure)")
        #expect(failure.contains("push blocked"), "output: \(failure)")
        #expect(failure.contains("failed to push"), "git reports the refusal: \(failure)")
        // No snapshot exists here, which is normal offline: the dbt graph is the complete impact, not a
        // degraded one (regression: the hook defaulted to `--catalog snapshot` and called it incomplete).
        #expect(!failure.contains("incomplete"), "output: \(failure)")
        #expect(session.remoteAfterBreaking == session.cleanSha, "the remote must not have received \(session.breakingSha)")

        let branchFailure = try #require(session.branchRefusal, "a new branch with a breaking change must be refused too")
        #expect(branchFailure.contains("COLUMN_NO_DELETE"), "output: \(branchFailure)")
        #expect(!session.branchReachedRemote)

        #expect(session.uninstall?.status == 0, "stderr: \(session.uninstall?.stderr ?? "")")
        #expect(!session.hookLeftAfterUninstall)
        #expect(session.remoteAfterUninstalledPush == session.breakingSha)
    }
}
