import Foundation
import GateModel
import Testing
@testable import ContractGate

@Suite struct HookInstallerTests {
    func temporaryHooks() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hooks-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test func installsAnExecutableHookAndUninstallsIt() throws {
        let dir = try temporaryHooks()
        defer { try? FileManager.default.removeItem(at: dir) }
        let installer = HookInstaller(hooksDirectory: dir.path, executable: "/opt/it's/contract-gate")
        let hook = dir.appendingPathComponent("pre-push")
        #expect(try installer.install(chain: false) == .installed(path: hook.path))
        let text = try String(contentsOf: hook, encoding: .utf8)
        #expect(text.contains(HookInstaller.marker))
        #expect(text.contains("'/opt/it'\\''s/contract-gate' hook pre-push"))
        let mode = try FileManager.default.attributesOfItem(atPath: hook.path)[.posixPermissions] as? Int
        #expect(mode == 0o755)
        #expect(try installer.install(chain: false) == .updated(path: hook.path))
        #expect(try installer.uninstall() == .removed(path: hook.path))
        #expect(!FileManager.default.fileExists(atPath: hook.path))
    }

    @Test func refusesToClobberAForeignHookUnlessChained() throws {
        let dir = try temporaryHooks()
        defer { try? FileManager.default.removeItem(at: dir) }
        let hook = dir.appendingPathComponent("pre-push")
        let foreign = "#!/bin/sh\necho foreign\n"
        try foreign.write(to: hook, atomically: true, encoding: .utf8)
        let installer = HookInstaller(hooksDirectory: dir.path, executable: "contract-gate")
        #expect(throws: InputError.self) { try installer.install(chain: false) }
        #expect(try String(contentsOf: hook, encoding: .utf8) == foreign)

        let chained = dir.appendingPathComponent(HookInstaller.chainedName)
        #expect(try installer.install(chain: true) == .chained(path: hook.path, foreign: chained.path))
        #expect(try String(contentsOf: chained, encoding: .utf8) == foreign)
        #expect(try installer.uninstall() == .restored(path: hook.path))
        #expect(try String(contentsOf: hook, encoding: .utf8) == foreign)
        #expect(!FileManager.default.fileExists(atPath: chained.path))
    }

    @Test func uninstallLeavesForeignHooksAlone() throws {
        let dir = try temporaryHooks()
        defer { try? FileManager.default.removeItem(at: dir) }
        let hook = dir.appendingPathComponent("pre-push")
        try "#!/bin/sh\nexit 0\n".write(to: hook, atomically: true, encoding: .utf8)
        let installer = HookInstaller(hooksDirectory: dir.path, executable: "contract-gate")
        #expect(throws: InputError.self) { try installer.uninstall() }
        #expect(FileManager.default.fileExists(atPath: hook.path))
    }

    @Test func chainedHookRunsFirstAndCanBlockThePush() throws {
        let dir = try temporaryHooks()
        defer { try? FileManager.default.removeItem(at: dir) }
        let log = dir.appendingPathComponent("log")
        // The foreign hook records its stdin; a fake gate records its own stdin after it.
        try "#!/bin/sh\ncat >> '\(log.path)'\necho foreign-done >> '\(log.path)'\n"
            .write(to: dir.appendingPathComponent("pre-push"), atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755],
                                              ofItemAtPath: dir.appendingPathComponent("pre-push").path)
        let fakeGate = dir.appendingPathComponent("fake-gate")
        try "#!/bin/sh\ncat >> '\(log.path)'\necho \"gate $1 $2\" >> '\(log.path)'\nexit 1\n"
            .write(to: fakeGate, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: fakeGate.path)
        _ = try HookInstaller(hooksDirectory: dir.path, executable: fakeGate.path).install(chain: true)

        let process = Process()
        process.executableURL = dir.appendingPathComponent("pre-push")
        process.arguments = ["origin", "file:///remote"]
        let stdin = Pipe()
        process.standardInput = stdin
        try process.run()
        stdin.fileHandleForWriting.write(Data("refs/heads/main abc refs/heads/main def\n".utf8))
        try stdin.fileHandleForWriting.close()
        process.waitUntilExit()
        #expect(process.terminationStatus == 1)
        let lines = try String(contentsOf: log, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(lines == ["refs/heads/main abc refs/heads/main def", "foreign-done",
                          "refs/heads/main abc refs/heads/main def", "gate hook pre-push"])
    }
}
