import Foundation
import GateGit
import GateModel
import GateTestSupport
import Testing

/// Lines of text long enough that a small edit keeps a rename above git's 50% similarity.
private func sqlBody(_ name: String, lines: Int = 30) -> String {
    (1...lines).map { "select \($0) as column_\($0)_of_\(name)" }.joined(separator: "\n") + "\n"
}

@Suite("Change sets between commits, the index and the worktree")
struct ChangeSetTests {
    /// A base commit and a head commit with every kind of change git reports.
    private func makeHistory() throws -> (TempRepository, base: String, head: String) {
        let fixture = try TempRepository()
        try fixture.write("models/orders.sql", sqlBody("orders"))
        try fixture.write("models/customers.sql", sqlBody("customers"))
        try fixture.write("models/legacy.sql", sqlBody("legacy"))
        try fixture.write("models/stable.sql", sqlBody("stable"))
        try fixture.write("models/moved_as_is.sql", sqlBody("moved_as_is"))
        try fixture.write("models/moved_and_edited.sql", sqlBody("moved_and_edited"))
        try fixture.write("models/schema.yml", "version: 2\n")
        try fixture.write("README.md", "hello\n")
        let base = try fixture.commit("base")

        try fixture.write("models/orders.sql", sqlBody("orders") + "where 1 = 1\n")          // M
        try fixture.delete("models/legacy.sql")                                            // D
        try fixture.write("models/new_model.sql", sqlBody("new_model"))                    // A
        try fixture.shell("mkdir -p models/marts")
        try fixture.run(["mv", "models/moved_as_is.sql", "models/marts/moved_as_is.sql"])  // R100
        try fixture.run(["mv", "models/moved_and_edited.sql", "models/renamed.sql"])       // R < 100
        try fixture.write("models/renamed.sql", sqlBody("moved_and_edited") + "-- edited\n")
        try fixture.delete("README.md")
        try fixture.shell("ln -s models/stable.sql README.md")                              // T
        let head = try fixture.commit("head")
        return (fixture, base, head)
    }

    @Test("a commit-to-commit change set matches git diff --name-status -M")
    func commitToCommitMatchesGit() throws {
        let (fixture, base, head) = try makeHistory()
        defer { fixture.remove() }
        let repository = try Repository.open(at: fixture.path)
        let changeSet = try repository.changeSet(base: base, head: head)

        let expected = try fixture.nameStatus([base, head])
        let actual = Set(changeSet.changes.map(NameStatus.init))
        #expect(actual == expected, "git says \(expected.sorted { $0.description < $1.description })")
        // The fixture really covers every status git has (guards the fixture, not the code).
        #expect(Set(expected.map(\.letter)) == ["A", "M", "D", "R", "T"])

        #expect(changeSet.base == base)
        #expect(changeSet.head == .commit(head))
        #expect(changeSet.changes.map(\.path) == changeSet.changes.map(\.path).sorted())

        let exactRename = try #require(changeSet.changes.first { $0.newPath == "models/marts/moved_as_is.sql" })
        #expect(exactRename.status == .renamed)
        #expect(exactRename.oldPath == "models/moved_as_is.sql")
        #expect(exactRename.similarity == 100)
        let editedRename = try #require(changeSet.changes.first { $0.newPath == "models/renamed.sql" })
        #expect(editedRename.status == .renamed)
        #expect((50..<100).contains(editedRename.similarity ?? -1))

        let added = try #require(changeSet.changes.first { $0.status == .added })
        #expect(added.oldPath == nil && added.newPath == "models/new_model.sql")
        let deleted = try #require(changeSet.changes.first { $0.status == .deleted })
        #expect(deleted.newPath == nil && deleted.oldPath == "models/legacy.sql")
        #expect(changeSet.changes.allSatisfy { !$0.isBinary && !$0.isOversized && !$0.hasInvalidPath })
    }

    @Test("revisions are accepted in any form: branch, tag, HEAD~n")
    func revisionsInAnyForm() throws {
        let (fixture, base, head) = try makeHistory()
        defer { fixture.remove() }
        try fixture.tag("v1", at: base, message: "annotated")
        let repository = try Repository.open(at: fixture.path)
        let byName = try repository.changeSet(base: "v1", head: "main")
        let bySha = try repository.changeSet(base: base, head: head)
        #expect(byName == bySha)
        #expect(try repository.changeSet(base: "HEAD~1", head: "HEAD") == bySha)
    }

    @Test("binary and oversized files are flagged, text files are not")
    func binaryAndOversized() throws {
        let fixture = try TempRepository()
        defer { fixture.remove() }
        try fixture.write("seed.csv", "id\n1\n")
        let base = try fixture.commit("base")
        try fixture.write("assets/logo.png", data: Data([0x89, 0x50, 0x4E, 0x47, 0x00, 0x01, 0x02, 0x00, 0xFF]))
        try fixture.write("big.sql", String(repeating: "select 1;\n", count: 300))  // 3,000 bytes
        try fixture.write("seed.csv", "id\n1\n2\n")
        let head = try fixture.commit("head")

        let repository = try Repository.open(at: fixture.path)
        repository.maxFileSize = 1_000
        let changes = try repository.changeSet(base: base, head: head).changes
        let byPath = Dictionary(uniqueKeysWithValues: changes.map { ($0.path, $0) })
        #expect(byPath["assets/logo.png"]?.isBinary == true)
        #expect(byPath["assets/logo.png"]?.isOversized == false)
        #expect(byPath["big.sql"]?.isOversized == true)
        #expect(byPath["seed.csv"]?.isBinary == false)
        #expect(byPath["seed.csv"]?.isOversized == false)

        repository.maxFileSize = 5 * 1024 * 1024
        let relaxed = try repository.changeSet(base: base, head: head).changes
        #expect(relaxed.first { $0.path == "big.sql" }?.isOversized == false)
    }

    @Test("only files of the probed extensions are read to flag them binary; sizes are flagged for all")
    func binaryProbeExtensions() throws {
        let fixture = try TempRepository()
        defer { fixture.remove() }
        try fixture.write("README.md", "start\n")
        let base = try fixture.commit("base")
        try fixture.write("assets/logo.png", data: Data([0x89, 0x50, 0x4E, 0x47, 0x00, 0x01]))
        try fixture.write("models/broken.SQL", data: Data([0x73, 0x65, 0x6C, 0x00, 0x31]))
        try fixture.write("data/big.json", String(repeating: "[1]\n", count: 500))   // 2,000 bytes
        let head = try fixture.commit("head")

        let repository = try Repository.open(at: fixture.path)
        repository.maxFileSize = 1_000
        repository.binaryProbeExtensions = ["sql"]
        let byPath = Dictionary(uniqueKeysWithValues: try repository.changeSet(base: base, head: head).changes.map { ($0.path, $0) })
        #expect(byPath["models/broken.SQL"]?.isBinary == true)
        #expect(byPath["assets/logo.png"]?.isBinary == false)
        #expect(byPath["data/big.json"]?.isOversized == true)
        repository.binaryProbeExtensions = nil
        let all = try repository.changeSet(base: base, head: head).changes
        #expect(all.first { $0.path == "assets/logo.png" }?.isBinary == true)
    }

    @Test("worktree files are flagged binary or oversized from their content on disk")
    func worktreeBinaryAndOversized() throws {
        let fixture = try TempRepository()
        defer { fixture.remove() }
        try fixture.write("seed.csv", "id\n1\n")
        try fixture.commit("base")
        try fixture.write("seed.csv", String(repeating: "1\n", count: 1_000))                 // modified, 2,000 bytes
        try fixture.write("assets/icon.bin", data: Data([0x00, 0x01, 0x02]))                   // untracked binary
        try fixture.write("notes.md", "plain text\n")                                          // untracked text
        let repository = try Repository.open(at: fixture.path)
        repository.maxFileSize = 1_000
        let byPath = Dictionary(uniqueKeysWithValues: try repository.worktreeChanges().changes.map { ($0.path, $0) })
        #expect(byPath["seed.csv"]?.isOversized == true)
        #expect(byPath["assets/icon.bin"]?.isBinary == true)
        #expect(byPath["notes.md"]?.isBinary == false)
        #expect(byPath["notes.md"]?.isOversized == false)
    }

    @Test("a file name that is not UTF-8 is decoded lossily and flagged, never a crash")
    func nonUTF8FileName() throws {
        let fixture = try TempRepository()
        defer { fixture.remove() }
        try fixture.write("models/ok.sql", "select 1\n")
        let base = try fixture.commit("base")
        // Latin-1 "café.sql": the byte 0xE9 alone is not valid UTF-8.
        try fixture.shell("printf 'select 2\\n' > \"$(printf 'models/caf\\351.sql')\"")
        let head = try fixture.commit("head")

        let repository = try Repository.open(at: fixture.path)
        let changes = try repository.changeSet(base: base, head: head).changes
        #expect(changes.count == 1)
        let change = try #require(changes.first)
        #expect(change.status == .added)
        #expect(change.hasInvalidPath)
        #expect(change.newPath == "models/caf\u{FFFD}.sql")

        let files = try repository.tree(at: head).files(under: "models")
        #expect(files == ["models/caf\u{FFFD}.sql", "models/ok.sql"])
    }

    @Test("staged changes are the index against HEAD and match git diff --cached")
    func stagedChanges() throws {
        let (fixture, _, _) = try makeHistory()
        defer { fixture.remove() }
        try fixture.run(["mv", "models/orders.sql", "models/fct_orders.sql"])   // staged rename
        try fixture.write("models/customers.sql", sqlBody("customers") + "-- staged\n")
        try fixture.run(["add", "models/customers.sql"])
        try fixture.write("models/stable.sql", sqlBody("stable") + "-- not staged\n")
        try fixture.write("scratch.sql", "select 'untracked'\n")

        let repository = try Repository.open(at: fixture.path)
        let staged = try repository.stagedChanges()
        #expect(staged.head == .index)
        #expect(staged.base == (try fixture.sha("HEAD")))
        let expected = try fixture.nameStatus(["--cached", "HEAD"])
        #expect(Set(staged.changes.map(NameStatus.init)) == expected)
        #expect(expected.contains(NameStatus(letter: "R", oldPath: "models/orders.sql", newPath: "models/fct_orders.sql")))
        #expect(!staged.changes.contains { $0.path == "scratch.sql" || $0.path == "models/stable.sql" })
    }

    @Test("worktree changes include unstaged edits, staged renames, deletions and untracked files")
    func worktreeChanges() throws {
        let (fixture, _, _) = try makeHistory()
        defer { fixture.remove() }
        try fixture.run(["mv", "models/orders.sql", "models/fct_orders.sql"])
        try fixture.write("models/stable.sql", sqlBody("stable") + "-- not staged\n")
        try fixture.delete("models/customers.sql")
        try fixture.write("scratch/new.sql", "select 'untracked'\n")
        try fixture.write(".gitignore", "ignored.sql\n")
        try fixture.write("ignored.sql", "select 'ignored'\n")

        let repository = try Repository.open(at: fixture.path)
        let changes = try repository.worktreeChanges()
        #expect(changes.head == .worktree)
        let expected: Set<NameStatus> = [
            NameStatus(letter: "R", oldPath: "models/orders.sql", newPath: "models/fct_orders.sql"),
            NameStatus(letter: "M", oldPath: "models/stable.sql", newPath: "models/stable.sql"),
            NameStatus(letter: "D", oldPath: "models/customers.sql", newPath: nil),
            NameStatus(letter: "A", oldPath: nil, newPath: "scratch/new.sql"),
            NameStatus(letter: "A", oldPath: nil, newPath: ".gitignore"),
        ]
        #expect(Set(changes.changes.map(NameStatus.init)) == expected)

        // git agrees once the untracked files are announced to the index (intent to add).
        try fixture.run(["add", "--intent-to-add", "scratch/new.sql", ".gitignore"])
        #expect(try fixture.nameStatus(["HEAD"]) == expected)
    }

    @Test("before the first commit, staged files are compared with the empty tree")
    func unbornHead() throws {
        let fixture = try TempRepository()
        defer { fixture.remove() }
        try fixture.write("models/first.sql", "select 1\n")
        try fixture.run(["add", "-A"])
        let repository = try Repository.open(at: fixture.path)
        let staged = try repository.stagedChanges()
        #expect(staged.base == "4b825dc642cb6eb9a060e54bf8d69288fbee4904")
        #expect(staged.changes.map(NameStatus.init) == [NameStatus(letter: "A", oldPath: nil, newPath: "models/first.sql")])
    }

    @Test("rename detection does not depend on the user's diff.renames or diff.renameLimit")
    func renameSettingsArePinned() throws {
        let (fixture, base, head) = try makeHistory()
        defer { fixture.remove() }
        try fixture.run(["config", "diff.renames", "false"])
        try fixture.run(["config", "diff.renameLimit", "1"])
        let repository = try Repository.open(at: fixture.path)
        let renames = try repository.changeSet(base: base, head: head).changes.filter { $0.status == .renamed }
        #expect(renames.count == 2)
    }
}

@Suite("Change sets agree with git on a larger generated history")
struct GeneratedChangeSetTests {
    @Test("200 files with exact, edited and cross-folder renames, edits, additions and deletions")
    func generatedHistoryMatchesGit() throws {
        let fixture = try TempRepository()
        defer { fixture.remove() }
        // Every file has distinct content, so each rename has one clear source.
        try fixture.shell("""
        for d in a b c d; do mkdir -p models/$d; for i in $(seq 1 50); do
          for l in $(seq 1 20); do echo "select $l as c$l from $d$i"; done > models/$d/m$i.sql
        done; done
        """)
        let base = try fixture.commit("base")
        try fixture.shell("""
        mkdir -p models/e
        for i in $(seq 1 10); do git mv models/a/m$i.sql models/e/moved$i.sql; done
        for i in $(seq 11 20); do git mv models/b/m$i.sql models/b/renamed$i.sql; echo "where x = $i" >> models/b/renamed$i.sql; done
        for i in $(seq 21 25); do git mv models/c/m$i.sql models/c/rewritten$i.sql
          for l in $(seq 1 8); do echo "-- rewritten line $l of $i"; done >> models/c/rewritten$i.sql; done
        for i in $(seq 30 49); do echo "-- edit" >> models/d/m$i.sql; done
        for i in $(seq 40 49); do git rm -q models/a/m$i.sql; done
        for i in $(seq 1 10); do echo "select 'brand new $i'" > models/e/new$i.sql; done
        """)
        let head = try fixture.commit("head")

        let repository = try Repository.open(at: fixture.path)
        let changes = try repository.changeSet(base: base, head: head).changes
        let expected = try fixture.nameStatus([base, head])
        let actual = Set(changes.map(NameStatus.init))
        #expect(actual.subtracting(expected).isEmpty, "only ours: \(actual.subtracting(expected).sorted { $0.description < $1.description })")
        #expect(expected.subtracting(actual).isEmpty, "only git's: \(expected.subtracting(actual).sorted { $0.description < $1.description })")
        #expect(expected.filter { $0.letter == "R" }.count == 25)
        #expect(changes.count == expected.count)
    }
}
