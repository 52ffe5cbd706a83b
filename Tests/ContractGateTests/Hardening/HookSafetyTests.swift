import Foundation
import GateTestSupport
import Testing

/// `hook install` and `hook uninstall` never destroy a hook contract-gate did not write, whatever
/// its bytes; the hook hands git's arguments over after `--`; and it is quiet when a push passes.
@Suite("Hardening: the pre-push hook")
struct HookSafetyTests {
    static let hookPath = ".git/hooks/pre-push"

    /// Foreign hooks that the old installer took for its own (or could not read) and overwrote.
    static let foreignHooks: [(name: String, bytes: Data)] = [
        ("Latin-1 text", Data("#!/bin/sh\n# D\u{E9}ploiement: v\u{E9}rifie avant de pousser\nexit 0\n".utf8)
            .replacingUTF8(with: .isoLatin1)),
        ("a binary", Data([0x7F, 0x45, 0x4C, 0x46, 0x02, 0x01, 0x01, 0x00, 0x00, 0xFF, 0xFE, 0x00, 0x23, 0x20])),
        ("a script that mentions the marker", Data("""
            #!/bin/bash
            # Team hook. (Not the "# contract-gate pre-push hook" — ours runs the linters.)
            make lint || exit 1

            """.utf8)),
    ]

    static func repository() throws -> TempRepository {
        let (repo, _) = try ShopFixture.make()
        return repo
    }

    @Test(arguments: 0..<3)
    func aForeignHookIsNeverOverwrittenNorRemoved(_ index: Int) throws {
        let (name, bytes) = Self.foreignHooks[index]
        let repo = try Self.repository()
        defer { repo.remove() }
        try repo.write(Self.hookPath, data: bytes)
        let gate = try GateBinary()

        let install = try gate.run(["hook", "install"], in: repo.path)
        #expect(install.status == 2, "\(name): install must refuse: \(install.stderr)")
        #expect(install.stderr.contains("did not write"), "\(name): \(install.stderr)")
        #expect(FileManager.default.contents(atPath: repo.path + "/" + Self.hookPath) == bytes, "\(name) was changed by install")

        let uninstall = try gate.run(["hook", "uninstall"], in: repo.path)
        #expect(uninstall.status == 2, "\(name): uninstall must refuse: \(uninstall.stderr)")
        #expect(FileManager.default.contents(atPath: repo.path + "/" + Self.hookPath) == bytes, "\(name) was removed by uninstall")

        // Chained, the foreign hook is kept byte for byte, and uninstall puts it back.
        let chained = try gate.run(["hook", "install", "--chain"], in: repo.path)
        #expect(chained.status == 0, "\(name): \(chained.stderr)")
        let chainedPath = repo.path + "/.git/hooks/pre-push.contract-gate-chained"
        #expect(FileManager.default.contents(atPath: chainedPath) == bytes)
        let removed = try gate.run(["hook", "uninstall"], in: repo.path)
        #expect(removed.status == 0, "\(name): \(removed.stderr)")
        #expect(FileManager.default.contents(atPath: repo.path + "/" + Self.hookPath) == bytes, "\(name) restored as it was")
    }

    @Test func forceReplacesAForeignHookAndSaysSo() throws {
        let repo = try Self.repository()
        defer { repo.remove() }
        try repo.write(Self.hookPath, data: Self.foreignHooks[0].bytes)
        let gate = try GateBinary()
        let forced = try gate.run(["hook", "install", "--force"], in: repo.path)
        #expect(forced.status == 0, "\(forced.stderr)")
        #expect(forced.stderr.contains("replaced the foreign pre-push hook"), "\(forced.stderr)")
        let hook = try String(contentsOfFile: repo.path + "/" + Self.hookPath, encoding: .utf8)
        #expect(hook.hasPrefix("#!/bin/sh\n# contract-gate pre-push hook (installed by"), "\(hook)")
        // Ours now: a second install updates it, uninstall removes it.
        #expect(try gate.run(["hook", "install"], in: repo.path).stderr.contains("updated"))
        #expect(try gate.run(["hook", "uninstall"], in: repo.path).status == 0)
        #expect(!FileManager.default.fileExists(atPath: repo.path + "/" + Self.hookPath))
    }

    @Test func hooksPathWithATildeExpandsFromHome() throws {
        let repo = try Self.repository()
        defer { repo.remove() }
        let home = repo.container + "/home"
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        _ = try repo.run(["config", "core.hooksPath", "~/team-hooks"])
        let install = try GateBinary().run(["hook", "install"], in: repo.path, environment: ["HOME": home])
        #expect(install.status == 0, "\(install.stderr)")
        #expect(install.stderr.contains(home + "/team-hooks/pre-push"), "\(install.stderr)")
        #expect(FileManager.default.fileExists(atPath: home + "/team-hooks/pre-push"))
    }

    /// git's arguments are the remote's name and URL; a remote named like an option must not
    /// become one (here it would point the gate at another configuration file).
    @Test func theHookPassesGitsArgumentsAfterADoubleDash() throws {
        let repo = try Self.repository()
        defer { repo.remove() }
        let gate = try GateBinary()
        #expect(try gate.run(["hook", "install"], in: repo.path).status == 0)
        let hook = try String(contentsOfFile: repo.path + "/" + Self.hookPath, encoding: .utf8)
        #expect(hook.contains("hook pre-push -- \"$@\""), "\(hook)")
        // Run the hook as git would, with an option-shaped remote name and nothing pushed.
        let output = try repo.shell("echo '' | ./\(Self.hookPath) '--config=/nonexistent/evil.yml' file:///elsewhere 2>&1; echo \"exit=$?\"")
        #expect(output.contains("exit=0"), "the remote name is an argument, not --config: \(output)")
        #expect(!output.contains("evil.yml"), "\(output)")
    }

    /// A push that passes prints one line per range; one that fails prints the whole report.
    @Test func theHookIsQuietOnAPassAndFullOnAFail() throws {
        let (repo, base) = try ShopFixture.make()
        defer { repo.remove() }
        let gate = try GateBinary()
        try ShopFixture.changeStaging(repo)
        let clean = try repo.commit("recompute staging")
        let passed = try gate.run(["hook", "pre-push", "--", "origin", "file:///remote"], in: repo.path,
                                  stdin: "refs/heads/main \(clean) refs/heads/main \(base)\n")
        #expect(passed.status == 0, "\(passed.stderr)")
        let lines = passed.stderr.split(separator: "\n", omittingEmptySubsequences: true)
        #expect(lines.count == 1, "one line on a pass: \(passed.stderr)")
        #expect(passed.stderr.hasPrefix("contract-gate: PASS refs/heads/main"), "\(passed.stderr)")

        try ShopFixture.dropAmount(repo)
        let breaking = try repo.commit("drop amount")
        let failed = try gate.run(["hook", "pre-push", "--", "origin", "file:///remote"], in: repo.path,
                                  stdin: "refs/heads/main \(breaking) refs/heads/main \(clean)\n")
        #expect(failed.status == 1, "\(failed.stderr)")
        #expect(failed.stderr.contains("COLUMN_NO_DELETE"), "the full report on a fail: \(failed.stderr)")
        #expect(failed.stderr.contains("models/schema.yml"), "\(failed.stderr)")
        #expect(failed.stderr.contains("--no-verify"), "\(failed.stderr)")
    }
}

extension Data {
    /// This UTF-8 text re-encoded (for foreign hooks written in another encoding).
    func replacingUTF8(with encoding: String.Encoding) -> Data {
        String(decoding: self, as: UTF8.self).data(using: encoding) ?? self
    }
}
