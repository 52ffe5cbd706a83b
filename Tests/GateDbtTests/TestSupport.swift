import Foundation
import GateModel
@testable import DbtFiles
@testable import GateDbt

/// The scenario folders beside this file: `Fixtures/<scenario>/{before,after}/`.
enum Fixtures {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func tree(_ scenario: String, _ side: String) -> DirectoryTree {
        DirectoryTree(root: root.appendingPathComponent(scenario).appendingPathComponent(side))
    }

    static func projects(_ scenario: String, settings: DbtSettings = DbtSettings()) throws -> (base: DbtProject, head: DbtProject) {
        (try DbtProject.load(tree: tree(scenario, "before"), settings: settings),
         try DbtProject.load(tree: tree(scenario, "after"), settings: settings))
    }

    /// The 1-based number of the first line of `path` (in the scenario side) containing `text`.
    static func line(_ scenario: String, _ side: String, _ path: String, containing text: String) -> Int? {
        let url = root.appendingPathComponent(scenario).appendingPathComponent(side).appendingPathComponent(path)
        guard let content = try? String(contentsOf: url, encoding: .utf8) else { return nil }
        for (index, line) in content.components(separatedBy: "\n").enumerated() where line.contains(text) {
            return index + 1
        }
        return nil
    }
}

/// A `FileTree` held in memory, for inputs that are awkward to keep on disk (huge or not UTF-8).
struct MemoryTree: FileTree {
    var files: [String: Data]

    init(_ files: [String: String]) { self.files = files.mapValues { Data($0.utf8) } }
    init(data: [String: Data]) { self.files = data }

    func files(under folder: String) throws -> [String] {
        files.keys.filter { folder.isEmpty || $0.hasPrefix(folder + "/") }.sorted()
    }

    func contents(of path: String) throws -> Data? { files[path] }
}

func modified(_ path: String) -> FileChange { FileChange(status: .modified, oldPath: path, newPath: path) }
func added(_ path: String) -> FileChange { FileChange(status: .added, oldPath: nil, newPath: path) }
func deleted(_ path: String) -> FileChange { FileChange(status: .deleted, oldPath: path, newPath: nil) }
func renamed(_ from: String, _ to: String) -> FileChange {
    FileChange(status: .renamed, oldPath: from, newPath: to, similarity: 100)
}

func changeSet(_ changes: FileChange...) -> ChangeSet {
    ChangeSet(base: "base", head: .commit("head"), changes: changes)
}

extension Array where Element == ModelChange {
    subscript(model name: String) -> ModelChange? { first { $0.name == name } }

    /// `name:status` per change, sorted — printed on failure so a changed expectation is easy to paste.
    var summary: [String] { map { "\($0.name):\($0.status.rawValue)" }.sorted() }
}

extension ModelChange {
    func column(_ kind: ColumnChange.Kind, _ column: String) -> ColumnChange? {
        columnChanges.first { $0.kind == kind && $0.column == column }
    }

    var columnSummary: [String] {
        columnChanges.map { "\($0.kind.rawValue):\($0.column)" + ($0.constraint.map { ":\($0.rawValue)" } ?? "") }.sorted()
    }
}
