import Foundation
import GateGit
import GateModel
import GateTestSupport
import Testing

@Suite("Reading files from commits and the index")
struct GitTreeTests {
    @Test("a commit's files and contents are read from the object database, not the checkout")
    func commitTree() throws {
        let fixture = try TempRepository()
        defer { fixture.remove() }
        try fixture.write("dbt_project.yml", "name: shop\n")
        try fixture.write("models/staging/stg_orders.sql", "select 1 as id\n")
        try fixture.write("models/marts/fct_orders.sql", "select * from {{ ref('stg_orders') }}\n")
        try fixture.write("models/marts/schema.yml", "version: 2\n")
        try fixture.write("empty.txt", "")
        try fixture.shell("ln -s models/marts/schema.yml link.yml && chmod +x dbt_project.yml")
        let first = try fixture.commit("first")
        try fixture.write("models/staging/stg_orders.sql", "select 2 as id\n")
        try fixture.delete("models/marts/schema.yml")
        try fixture.commit("second")

        let repository = try Repository.open(at: fixture.path)
        let tree = try repository.tree(at: first)
        #expect(tree.commit == first)
        #expect(try tree.files(under: "") == (try fixture.listedFiles(first)))
        #expect(try tree.files(under: "") == [
            "dbt_project.yml", "empty.txt", "models/marts/fct_orders.sql", "models/marts/schema.yml",
            "models/staging/stg_orders.sql",
        ])
        #expect(try tree.files(under: "models/marts") == ["models/marts/fct_orders.sql", "models/marts/schema.yml"])
        #expect(try tree.files(under: "/models/marts/") == ["models/marts/fct_orders.sql", "models/marts/schema.yml"])
        #expect(try tree.files(under: "nowhere").isEmpty)
        #expect(try tree.files(under: "dbt_project.yml").isEmpty)

        // The checkout has moved on; the tree still reads the first commit.
        #expect(try tree.text(of: "models/staging/stg_orders.sql") == "select 1 as id\n")
        #expect(try tree.text(of: "models/marts/schema.yml") == "version: 2\n")
        #expect(try tree.contents(of: "empty.txt") == Data())
        #expect(try tree.contents(of: "missing.sql") == nil)
        #expect(try tree.contents(of: "models") == nil)
        #expect(try tree.contents(of: "link.yml") == nil)
        #expect(try tree.contents(of: "") == nil)
        #expect(tree.blobSize(of: "dbt_project.yml") == 11)
        #expect(tree.blobSize(of: "missing.sql") == nil)

        let head = try repository.tree(at: "HEAD")
        #expect(try head.contents(of: "models/marts/schema.yml") == nil)
        #expect(try head.text(of: "models/staging/stg_orders.sql") == "select 2 as id\n")
    }

    @Test("a large nested tree lists exactly what git ls-tree lists")
    func largeTreeMatchesGit() throws {
        let fixture = try TempRepository()
        defer { fixture.remove() }
        // 3,000 files in 3 levels of folders, written by the shell to keep the fixture quick.
        try fixture.shell("""
        for a in 0 1 2 3 4 5 6 7 8 9; do for b in 0 1 2 3 4 5 6 7 8 9; do
          mkdir -p models/d$a/e$b
          for c in $(seq 1 30); do echo "select $a$b$c" > models/d$a/e$b/m_$c.sql; done
        done; done
        """)
        let head = try fixture.commit("many files")
        let repository = try Repository.open(at: fixture.path)
        let files = try repository.tree(at: head).files(under: "")
        #expect(files.count == 3_000)
        #expect(files == (try fixture.listedFiles(head)))
        #expect(try repository.tree(at: head).files(under: "models/d7") == files.filter { $0.hasPrefix("models/d7/") })
    }

    @Test("many files read at once, on several threads, come back in order as one by one", arguments: [false, true])
    func readEachMatchesContents(packed: Bool) throws {
        let fixture = try TempRepository()
        defer { fixture.remove() }
        // More files than GitTree reads on one thread, loose or in a pack.
        try fixture.shell("""
        for a in $(seq 1 12); do mkdir -p models/d$a; for c in $(seq 1 50); do
          printf 'select %s as id -- %s\\n' "$c" "$(printf 'x%.0s' $(seq 1 $a))" > models/d$a/m_$c.sql
        done; done
        """)
        try fixture.write("empty.txt", "")
        try fixture.shell("ln -s models/d1/m_1.sql link.sql")
        let head = try fixture.commit("many files")
        if packed { try fixture.shell("git gc -q") }
        let repository = try Repository.open(at: fixture.path)
        let tree = try repository.tree(at: head)
        let paths = (try tree.files(under: "")).reversed() + ["missing.sql", "link.sql", "models"]
        #expect(paths.count > 600)
        let read = try tree.readEach(Array(paths)) { path, data in "\(path)|" + String(decoding: data, as: UTF8.self) }
        let expected = try paths.map { path in try tree.text(of: path).map { "\(path)|" + $0 } }
        #expect(read == expected)
        #expect(read.suffix(3) == [nil, nil, nil])
        #expect(read.contains("empty.txt|"))
    }

    @Test("a twin reads the same commit on another thread while the tree reads here")
    func twinReadsAlongside() throws {
        let fixture = try TempRepository()
        defer { fixture.remove() }
        try fixture.shell("mkdir -p models; for c in $(seq 1 200); do echo \"select $c as id\" > models/m_$c.sql; done")
        let head = try fixture.commit("files")
        try fixture.write("models/m_1.sql", "select 'later'\n")
        try fixture.commit("later")
        try fixture.shell("git gc -q")
        let tree = try Repository.open(at: fixture.path).tree(at: head)
        let paths = try tree.files(under: "models")
        let twin = try #require(tree.twin())
        #expect(try twin.files(under: "models") == paths)
        #expect(paths.allSatisfy { twin.blobID(of: $0) == tree.blobID(of: $0) })
        // Both read all files at once, each on its own thread; the twin sees the tree's commit.
        var here: [String?] = []
        let there = try readAlongside(twin, paths) { here = try paths.map { try tree.text(of: $0) } }
        #expect(there == here)
        #expect(here.first == "select 1 as id\n")
    }

    @Test("the index tree reads content as staged")
    func indexTree() throws {
        let fixture = try TempRepository()
        defer { fixture.remove() }
        try fixture.write("models/a.sql", "select 'committed'\n")
        try fixture.write("models/b.sql", "select 'b'\n")
        try fixture.commit("c1")
        try fixture.write("models/a.sql", "select 'staged'\n")
        try fixture.run(["add", "models/a.sql"])
        try fixture.write("models/a.sql", "select 'only in the worktree'\n")
        try fixture.write("models/new.sql", "select 'staged new'\n")
        try fixture.run(["add", "models/new.sql"])
        try fixture.run(["rm", "-q", "--cached", "models/b.sql"])
        try fixture.write("untracked.sql", "select 'untracked'\n")

        let repository = try Repository.open(at: fixture.path)
        let index = try repository.indexTree()
        #expect(try index.files(under: "") == ["models/a.sql", "models/new.sql"])
        #expect(try index.files(under: "models") == ["models/a.sql", "models/new.sql"])
        #expect(try index.text(of: "models/a.sql") == "select 'staged'\n")
        #expect(try index.text(of: "models/new.sql") == "select 'staged new'\n")
        #expect(try index.contents(of: "models/b.sql") == nil)
        #expect(try index.contents(of: "untracked.sql") == nil)
        #expect(index.blobSize(of: "models/a.sql") == "select 'staged'\n".utf8.count)
    }

    @Test("the index tree is a snapshot, read by a twin on another thread and many files at once")
    func indexTreeTwinAndReadEach() throws {
        let fixture = try TempRepository()
        defer { fixture.remove() }
        // More staged files than are read on one thread.
        try fixture.shell("mkdir -p models; for c in $(seq 1 150); do echo \"select $c as id\" > models/m_$c.sql; done")
        try fixture.commit("files")
        try fixture.write("models/m_1.sql", "select 'staged'\n")
        try fixture.run(["add", "models/m_1.sql"])

        let index = try Repository.open(at: fixture.path).indexTree()
        // Staged after the tree was made: not part of its snapshot.
        try fixture.write("models/m_2.sql", "select 'staged later'\n")
        try fixture.write("models/later.sql", "select 'new later'\n")
        try fixture.run(["add", "models/m_2.sql", "models/later.sql"])

        let paths = try index.files(under: "models")
        #expect(paths.count == 150)
        #expect(!paths.contains("models/later.sql"))
        #expect(try index.text(of: "models/m_1.sql") == "select 'staged'\n")
        #expect(try index.text(of: "models/m_2.sql") == "select 2 as id\n")
        let asked = paths + ["models/later.sql", "missing.sql"]
        let read = try index.readEach(asked) { path, data in "\(path)|" + String(decoding: data, as: UTF8.self) }
        #expect(read == (try asked.map { path in try index.text(of: path).map { "\(path)|" + $0 } }))
        #expect(read.suffix(2) == [nil, nil])

        let twin = try #require(index.twin())
        #expect(try twin.files(under: "models") == paths)
        #expect(paths.allSatisfy { twin.blobID(of: $0) == index.blobID(of: $0) })
        var here: [String?] = []
        let there = try readAlongside(twin, paths) { here = try paths.map { try index.text(of: $0) } }
        #expect(there == here)
    }
}

/// What `twin` reads of `paths` on another thread while `here` runs on this one.
private func readAlongside(_ twin: any FileTree, _ paths: [String], here: () throws -> Void) rethrows -> [String?] {
    let box = TwinBox(twin)
    let other = Thread { box.read(paths) }
    other.start()
    try here()
    while !box.done { Thread.sleep(forTimeInterval: 0.001) }
    return box.texts
}

/// Hands a twin tree to another thread and keeps what it read there.
private final class TwinBox: @unchecked Sendable {
    private let tree: any FileTree
    private let lock = NSLock()
    private var result: [String?]?

    init(_ tree: any FileTree) { self.tree = tree }

    func read(_ paths: [String]) {
        let texts = paths.map { try? tree.text(of: $0) }
        lock.withLock { result = texts.map { $0 ?? nil } }
    }

    var done: Bool { lock.withLock { result != nil } }
    var texts: [String?] { lock.withLock { result ?? [] } }
}
