import Foundation
import GateGit
import GateModel
import GateTestSupport
import Testing
@testable import ContractGate

/// `check --worktree` reads the head side from disk. A file the change set does not list is the
/// base's, so it carries the base's blob id and both sides share what they read from it; a file
/// the change set lists carries none.
@Suite struct WorktreeTreeTests {
    @Test func unchangedFilesCarryTheBaseBlobIdAndChangedOnesNone() throws {
        let fixture = try TempRepository()
        defer { fixture.remove() }
        try fixture.write("models/same.sql", "select 1 as id\n")
        try fixture.write("models/edited.sql", "select 2 as id\n")
        try fixture.write("models/gone.sql", "select 3 as id\n")
        try fixture.write("models/moved.sql", "select 4 as id, 'a long enough body to be found as a rename' as note\n")
        try fixture.write(".gitignore", "ignored/\n")
        try fixture.commit("base")
        try fixture.write("models/edited.sql", "select 22 as id\n")
        try fixture.delete("models/gone.sql")
        try fixture.run(["mv", "models/moved.sql", "models/renamed.sql"])
        try fixture.write("models/untracked.sql", "select 5 as id\n")
        try fixture.write("ignored/local.sql", "select 6 as id\n")

        let repository = try Repository.open(at: fixture.path)
        let resolved = try ChangeSetLoader.load(repository, target: .worktree(base: nil), configuredBase: nil, environment: [:])
        let head = resolved.headTree
        #expect(head is WorktreeTree)
        #expect(head.blobID(of: "models/same.sql") == resolved.baseTree.blobID(of: "models/same.sql"))
        #expect(head.blobID(of: "models/same.sql") != nil)
        for path in ["models/edited.sql", "models/gone.sql", "models/renamed.sql", "models/untracked.sql", "ignored/local.sql"] {
            #expect(head.blobID(of: path) == nil, "\(path)")
        }
        #expect(try head.text(of: "models/edited.sql") == "select 22 as id\n")
        #expect(try head.files(under: "models") == ["models/edited.sql", "models/renamed.sql", "models/same.sql", "models/untracked.sql"])

        // A twin for another thread answers the same.
        let twin = try #require(head.twin())
        #expect(twin.blobID(of: "models/same.sql") == head.blobID(of: "models/same.sql"))
        #expect(twin.blobID(of: "models/edited.sql") == nil)
        #expect(try twin.text(of: "models/untracked.sql") == "select 5 as id\n")
    }
}
