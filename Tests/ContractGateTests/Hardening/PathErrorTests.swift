import Foundation
import GateTestSupport
import Testing

/// A path that is not a readable file gets an error in our words — which path, what is wrong
/// with it — and exit 2, not Foundation's "You don't have permission".
@Suite("Hardening: errors about paths say what is wrong")
struct PathErrorTests {
    @Test(arguments: [
        (["validate", "--config=/dev/null"], "/dev/null is a character device"),
        (["check", "--config=/dev/zero"], "/dev/zero is a character device"),
        (["validate", "--config", "zero.yml"], "zero.yml is a character device"),
        (["check", "--config", "folder"], "folder is a folder"),
    ])
    func notAFileIsNamedAndExplained(_ arguments: [String], _ expected: String) throws {
        let (repo, _) = try ShopFixture.make()
        defer { repo.remove() }
        try FileManager.default.createSymbolicLink(atPath: repo.path + "/zero.yml", withDestinationPath: "/dev/zero")
        try FileManager.default.createDirectory(atPath: repo.path + "/folder", withIntermediateDirectories: true)
        let result = try GateBinary().run(arguments, in: repo.path)
        #expect(result.status == 2, "\(arguments): \(result.stderr)")
        #expect(result.stderr.contains(expected), "\(arguments): \(result.stderr)")
        #expect(!result.stderr.contains("permission") && !result.stderr.contains("NSCocoaErrorDomain"), "\(result.stderr)")
    }
}
