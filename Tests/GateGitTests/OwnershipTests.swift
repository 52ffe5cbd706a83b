import Foundation
import GateGit
import GateModel
import GateTestSupport
import Testing

/// Owner validation is a process-global libgit2 option, so everything that touches it lives in
/// this one serialized suite and puts validation back on afterwards. Other suites only open
/// repositories owned by the current user, which validation accepts either way.
@Suite("Repositories owned by another user", .serialized)
struct OwnershipTests {
    /// A repository whose files belong to `nobody` (the tests run as root).
    private func makeForeignRepository() throws -> TempRepository? {
        guard getuid() == 0 else { return nil }
        let fixture = try TempRepository()
        try fixture.write("models/a.sql", "select 1\n")
        try fixture.commit("c1")
        try fixture.write("models/b.sql", "select 2\n")
        try fixture.commit("c2")
        _ = try TempRepository.execute("/bin/chown", ["-R", "nobody", fixture.path], in: fixture.container)
        return fixture
    }

    @Test("the ownership error says how to trust the repository; ownerCheck false opens it")
    func ownershipErrorAndOverride() throws {
        guard let fixture = try makeForeignRepository() else {
            Issue.record("ownership tests need root to chown the fixture")
            return
        }
        defer { fixture.remove() }
        Repository.ownerValidation = true
        defer { Repository.ownerValidation = true }

        let error = try #require(throws: GitError.self) { try Repository.open(at: fixture.path + "/models") }
        #expect(error.isOwnership)
        #expect(error.description.contains("git config --global --add safe.directory \(fixture.path)"))
        #expect(error.description.contains("--no-owner-check"))
        #expect(error.exitCode == .usage)

        let repository = try Repository.open(at: fixture.path + "/models", ownerCheck: false)
        // The process-global setting is back as it was: the next open still checks ownership.
        #expect(Repository.ownerValidation == true)
        #expect(repository.workdir == fixture.path)
        #expect(try repository.changeSet(base: "HEAD~1", head: "HEAD").changes.map(\.path) == ["models/b.sql"])
        #expect(throws: GitError.self) { try Repository.open(at: fixture.path) }
    }

    /// Opening without the check leaves a setting someone turned off, off: it restores, never forces on.
    @Test("ownerCheck false restores the setting it found")
    func ownerCheckOffRestoresWhatItFound() throws {
        let fixture = try TempRepository()
        defer { fixture.remove() }
        try fixture.write("a.txt", "1\n")
        try fixture.commit("c1")
        defer { Repository.ownerValidation = true }
        Repository.ownerValidation = false
        _ = try Repository.open(at: fixture.path, ownerCheck: false)
        #expect(Repository.ownerValidation == false)
        Repository.ownerValidation = true
        _ = try Repository.open(at: fixture.path, ownerCheck: false)
        #expect(Repository.ownerValidation == true)
    }

    @Test("the process-wide owner validation setting round-trips")
    func validationSettingRoundTrips() throws {
        defer { Repository.ownerValidation = true }
        Repository.ownerValidation = false
        #expect(Repository.ownerValidation == false)
        Repository.ownerValidation = true
        #expect(Repository.ownerValidation == true)
    }
}
