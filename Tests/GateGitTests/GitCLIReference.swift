import Foundation
import GateModel
import GateTestSupport

/// One line of `git diff --name-status -M`, the reference every change set is compared with.
struct NameStatus: Hashable, CustomStringConvertible {
    var letter: Character
    var oldPath: String?
    var newPath: String?

    var description: String { "\(letter) \(oldPath ?? "-") → \(newPath ?? "-")" }

    init(letter: Character, oldPath: String?, newPath: String?) {
        self.letter = letter
        self.oldPath = oldPath
        self.newPath = newPath
    }

    /// The same view of a `FileChange` (similarity scores are left out: libgit2 and git round
    /// them differently, the pairs match).
    init(_ change: FileChange) {
        switch change.status {
        case .added: letter = "A"
        case .modified: letter = "M"
        case .deleted: letter = "D"
        case .renamed: letter = "R"
        case .typeChange: letter = "T"
        }
        oldPath = change.oldPath
        newPath = change.newPath
    }
}

extension TempRepository {
    /// Parses `git diff --name-status -z -M <arguments>` (NUL-separated, so no path quoting).
    func nameStatus(_ arguments: [String]) throws -> Set<NameStatus> {
        let data = try runData(["diff", "--name-status", "-z", "-M"] + arguments)
        var fields = data.split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
        if fields.last == "" { fields.removeLast() }
        var result: Set<NameStatus> = []
        var index = 0
        while index < fields.count {
            let status = fields[index]
            guard let letter = status.first else { break }
            switch letter {
            case "R", "C":
                result.insert(NameStatus(letter: letter, oldPath: fields[index + 1], newPath: fields[index + 2]))
                index += 3
            case "A":
                result.insert(NameStatus(letter: "A", oldPath: nil, newPath: fields[index + 1]))
                index += 2
            case "D":
                result.insert(NameStatus(letter: "D", oldPath: fields[index + 1], newPath: nil))
                index += 2
            default:
                result.insert(NameStatus(letter: letter, oldPath: fields[index + 1], newPath: fields[index + 1]))
                index += 2
            }
        }
        return result
    }

    /// `git ls-tree -r --name-only` of a revision, regular files only (mode 100644/100755), sorted
    /// the way Swift sorts strings.
    func listedFiles(_ revision: String) throws -> [String] {
        let data = try runData(["ls-tree", "-r", "-z", revision])
        return data.split(separator: 0).compactMap { record -> String? in
            let line = String(decoding: record, as: UTF8.self)
            guard let tab = line.firstIndex(of: "\t") else { return nil }
            let mode = line.prefix(6)
            guard mode == "100644" || mode == "100755" else { return nil }
            return String(line[line.index(after: tab)...])
        }.sorted()
    }
}
