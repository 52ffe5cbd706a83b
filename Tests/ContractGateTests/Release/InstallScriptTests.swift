import Foundation
import GateTestSupport
import Testing

/// `ci/release/install.sh` on tarballs built here: it installs what the checksum vouches for and
/// nothing else. (The real release tarball goes through the same script in ci/release/check.sh.)
@Suite struct InstallScriptTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()  // Release
        .deletingLastPathComponent()  // ContractGateTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()  // repository root
        .appendingPathComponent("ci/release/install.sh").path

    /// A tarball laid out like a release, whose "binary" is a script printing `version`.
    static func tarball(in folder: String, version: String = "9.9.9") throws -> String {
        let name = "contract-gate-\(version)-linux-x86_64"
        try FileManager.default.createDirectory(atPath: "\(folder)/src/\(name)", withIntermediateDirectories: true)
        let binary = "\(folder)/src/\(name)/contract-gate"
        try Data("#!/bin/sh\necho \(version)\n".utf8).write(to: URL(fileURLWithPath: binary))
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: binary)
        let archive = "\(folder)/\(name).tar.gz"
        _ = try TempRepository.execute("/usr/bin/env", ["tar", "-czf", archive, "-C", "\(folder)/src", name], in: folder)
        let digest = String(decoding: try TempRepository.execute("/usr/bin/env", ["sha256sum", archive], in: folder), as: UTF8.self)
        let hex = String(digest.prefix { $0 != " " })
        try Data("\(hex)  \(name).tar.gz\n".utf8).write(to: URL(fileURLWithPath: archive + ".sha256"))
        return archive
    }

    func install(_ arguments: [String], in folder: String) throws -> (status: Int32, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = [Self.script] + arguments
        process.currentDirectoryURL = URL(fileURLWithPath: folder)
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let data = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test func installsAVerifiedTarballIntoTheFolderGiven() throws {
        let folder = try TempRepository.temporaryDirectory(prefix: "install-sh")
        defer { TempRepository.removeDirectory(folder) }
        let archive = try Self.tarball(in: folder)
        let result = try install(["--from", archive, "--dir", "\(folder)/bin"], in: folder)
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stderr.contains("installed contract-gate 9.9.9 to \(folder)/bin/contract-gate"))
        #expect(result.stderr.contains("is not on your PATH"))
        #expect(FileManager.default.isExecutableFile(atPath: "\(folder)/bin/contract-gate"))
    }

    @Test func refusesAChecksumMismatchAndInstallsNothing() throws {
        let folder = try TempRepository.temporaryDirectory(prefix: "install-sh")
        defer { TempRepository.removeDirectory(folder) }
        let archive = try Self.tarball(in: folder)
        let result = try install(["--from", archive, "--dir", "\(folder)/bin", "--sha256", String(repeating: "0", count: 64)], in: folder)
        #expect(result.status == 1)
        #expect(result.stderr.contains("checksum mismatch"))
        #expect(!FileManager.default.fileExists(atPath: "\(folder)/bin/contract-gate"))
    }

    @Test func aTarballWithoutChecksumOrADownloadWithoutVersionIsAUsageError() throws {
        let folder = try TempRepository.temporaryDirectory(prefix: "install-sh")
        defer { TempRepository.removeDirectory(folder) }
        let archive = try Self.tarball(in: folder)
        try FileManager.default.removeItem(atPath: archive + ".sha256")
        let unverified = try install(["--from", archive, "--dir", "\(folder)/bin"], in: folder)
        #expect(unverified.status == 2)
        #expect(unverified.stderr.contains("no checksum for"))
        // The unsubstituted script (as in the repository) knows no release to download.
        let download = try install(["--dir", "\(folder)/bin"], in: folder)
        #expect(download.status == 2)
        #expect(download.stderr.contains("pass --version"))
        let unknown = try install(["--frm", archive], in: folder)
        #expect(unknown.status == 2)
        #expect(!FileManager.default.fileExists(atPath: "\(folder)/bin/contract-gate"))
    }
}
