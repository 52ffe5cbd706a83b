import Foundation
import Testing
@testable import GateModel

/// `DirectoryTree` lists what git would record as files: regular files, sorted, relative to its
/// root; never what a link points to, never anything under `.git`.
@Suite struct DirectoryTreeTests {
    @Test func listsRegularFilesOnlyWithoutFollowingLinks() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("dirtree-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let fm = FileManager.default
        for folder in ["models/staging", "models/empty", "elsewhere", ".git/objects", "models/.hidden"] {
            try fm.createDirectory(at: root.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
        for file in ["models/staging/b.sql", "models/staging/a.sql", "models/schema.yml", "elsewhere/c.sql",
                     ".git/HEAD", ".git/objects/x", "models/.hidden/d.sql", "top.txt"] {
            try Data("x\n".utf8).write(to: root.appendingPathComponent(file))
        }
        try fm.createSymbolicLink(atPath: root.appendingPathComponent("models/linked.sql").path, withDestinationPath: "staging/a.sql")
        try fm.createSymbolicLink(atPath: root.appendingPathComponent("models/linked_folder").path, withDestinationPath: "../elsewhere")
        // A submodule's `.git` is a file: skipped like the folder.
        try fm.createDirectory(at: root.appendingPathComponent("models/sub"), withIntermediateDirectories: true)
        try Data("gitdir: ../.git/modules/sub\n".utf8).write(to: root.appendingPathComponent("models/sub/.git"))
        #expect(mkfifo(root.appendingPathComponent("models/pipe.sql").path, 0o600) == 0)

        let tree = DirectoryTree(root: root)
        #expect(try tree.files(under: "models") == [
            "models/.hidden/d.sql", "models/schema.yml", "models/staging/a.sql", "models/staging/b.sql",
        ])
        #expect(try tree.files(under: "") == [
            "elsewhere/c.sql", "models/.hidden/d.sql", "models/schema.yml", "models/staging/a.sql", "models/staging/b.sql",
            "top.txt",
        ])
        #expect(try tree.files(under: "models/staging") == ["models/staging/a.sql", "models/staging/b.sql"])
        for spelling in ["models/", "./models", "models//"] {
            #expect(try tree.files(under: spelling) == (try tree.files(under: "models")), "\(spelling)")
        }
        #expect(try tree.files(under: "missing").isEmpty)
        #expect(try tree.files(under: "top.txt").isEmpty)
    }
}
