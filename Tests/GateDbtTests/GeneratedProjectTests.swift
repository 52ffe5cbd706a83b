import Foundation
import GateModel
import GateTestSupport
import Testing
@testable import DbtFiles
@testable import GateDbt

/// A realistic project from `/work/shared/bench/make_change_repo.py`: a git repository with tags
/// `base` and `head`, and the generator's ground truth beside it. Both sides are extracted with
/// `git archive`, the change set comes from `git diff --name-status -M`, and the semantic diff
/// must agree with the truth.
@Suite struct GeneratedProjectTests {
    struct Truth: Decodable {
        struct Change: Decodable {
            var kind: String
            var model: String
            var versioned: Bool
            var column: String?
            var type_before: String?
            var type_after: String?
            var model_after: String?
            var used_downstream_by: [String]?
            var breaking: Bool
        }
        var changes: [Change]
        var modified: [String]
        var modified_plus: [String]
    }

    static var generator: String { get throws { try SharedBench.script("make_change_repo.py") } }

    @discardableResult
    static func shell(_ command: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw InputError("command failed (\(process.terminationStatus)): \(command)")
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// `git diff --name-status -M` lines → file changes.
    static func changeSet(from nameStatus: String) -> ChangeSet {
        var changes: [FileChange] = []
        for line in nameStatus.split(separator: "\n") {
            let parts = line.split(separator: "\t").map(String.init)
            guard let code = parts.first?.first else { continue }
            switch code {
            case "A": changes.append(FileChange(status: .added, oldPath: nil, newPath: parts[1]))
            case "D": changes.append(FileChange(status: .deleted, oldPath: parts[1], newPath: nil))
            case "M": changes.append(FileChange(status: .modified, oldPath: parts[1], newPath: parts[1]))
            case "R": changes.append(FileChange(status: .renamed, oldPath: parts[1], newPath: parts[2],
                                                similarity: Int(parts[0].dropFirst())))
            default: continue
            }
        }
        return ChangeSet(base: "base", head: .commit("head"), changes: changes)
    }

    static func dbtName(ofId id: String) -> String {
        let parts = id.split(separator: ".").map(String.init)
        return parts.dropFirst(2).joined(separator: ".")
    }

    /// (seed, versioned breaking changes): the second case also drops columns of versioned models.
    @Test(arguments: [(7, 0), (11, 2)])
    func semanticDiffMatchesTheGeneratorsGroundTruth(seed: Int, versionedBreaking: Int) throws {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("gatedbt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let repo = work.appendingPathComponent("repo").path
        try Self.shell("python3 \(try Self.generator) --n 500 --k 20 --seed \(seed) --versioned-breaking \(versionedBreaking) --out \(repo) >/dev/null")
        let truth = try JSONDecoder().decode(Truth.self, from: Data(contentsOf: URL(fileURLWithPath: repo + ".changes.json")))
        for side in ["base", "head"] {
            try Self.shell("mkdir -p \(work.path)/\(side) && git -C \(repo) archive \(side) | tar -x -C \(work.path)/\(side)")
        }
        let changes = Self.changeSet(from: try Self.shell("git -C \(repo) diff --name-status -M base head"))
        #expect(changes.changes.contains { $0.status == .renamed })

        let settings = DbtSettings(targetDatabase: "analytics", targetSchema: "prod")
        let base = try DbtProject.load(tree: DirectoryTree(root: work.appendingPathComponent("base")), settings: settings)
        let head = try DbtProject.load(tree: DirectoryTree(root: work.appendingPathComponent("head")), settings: settings)
        let result = try SemanticDiff.compare(base: base, head: head, changes: changes)
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics)")

        // Every model whose files changed, and nothing else (renamed ones under their new name).
        #expect(Set(result.changes.map(\.name)) == Set(truth.modified),
                "extra: \(Set(result.changes.map(\.name)).subtracting(truth.modified).sorted()), missing: \(Set(truth.modified).subtracting(result.changes.map(\.name)).sorted())")

        for change in truth.changes {
            let name = (change.model_after ?? change.model) + (change.versioned ? ".v1" : "")
            let found = result.changes[model: name]
            #expect(found != nil, "no change reported for \(name) (\(change.kind))")
            guard let found else { continue }
            switch change.kind {
            case "drop_column":
                let column = try #require(change.column)
                let removed = found.column(.removed, column)
                #expect(found.status == .modified && removed != nil, "\(name): \(found.columnSummary)")
                #expect(found.columnChanges.count == 1, "\(name): \(found.columnSummary)")
                // The removal points at the head `- name: <model>` line of the model's entry.
                if let location = removed?.location {
                    let line = try lineText(work.appendingPathComponent("head"), location)
                    #expect(line.trimmingCharacters(in: .whitespaces) == "- name: \(change.model)", "\(location): \(line)")
                }
                // Consumer evidence: every downstream model the generator says reads the column.
                let children = try head.graph().nodes[found.head?.uniqueId ?? ""]?.children ?? []
                let users = try head.columnUsers(of: change.model, columns: [column], among: children)[column.lowercased()] ?? []
                // (The truth names downstream models without their version suffix.)
                let userNames = Set(users.map { Self.dbtName(ofId: $0).replacingOccurrences(of: ".v1", with: "") })
                let expectedUsers = Set(change.used_downstream_by ?? [])
                #expect(expectedUsers.isSubset(of: userNames), "\(name).\(column): \(users) vs \(expectedUsers.sorted())")
            case "type_change":
                let column = try #require(change.column)
                let typed = found.column(.typeChanged, column)
                #expect(typed?.before?.dataType == change.type_before && typed?.after?.dataType == change.type_after,
                        "\(name): \(found.columnSummary)")
                // The generator writes the type into the column description too.
                #expect(found.columnSummary == ["description_changed:\(column)", "type_changed:\(column)"],
                        "\(name): \(found.columnSummary)")
                if let location = typed?.location {
                    let line = try lineText(work.appendingPathComponent("head"), location)
                    #expect(line.trimmingCharacters(in: .whitespaces) == "data_type: \(change.type_after ?? "")", "\(location): \(line)")
                }
            case "rename":
                #expect(found.status == .renamed)
                #expect(found.base?.name == change.model)
                #expect(found.base?.relation.identifier == change.model && found.head?.relation.identifier == change.model_after)
                #expect(found.columnChanges.isEmpty, "\(name): \(found.columnSummary)")
            case "body_edit":
                #expect(found.status == .modified && found.columnChanges.isEmpty, "\(name): \(found.columnSummary)")
            case "add_column":
                #expect(found.column(.added, change.column ?? "") != nil, "\(name): \(found.columnSummary)")
                #expect(found.columnChanges.count == 1, "\(name): \(found.columnSummary)")
            default:
                Issue.record("unknown change kind \(change.kind)")
            }
        }

        // The project graph's downstream closure of the modified models is dbt's `state:modified+`.
        let graph = try head.graph()
        var closure = Set<String>()
        for change in result.changes {
            guard let id = change.head?.uniqueId else { continue }
            closure.insert(Self.dbtName(ofId: id))
            for node in graph.downstream(of: id).nodes where node.type == "model" { closure.insert(Self.dbtName(ofId: node.id)) }
        }
        #expect(closure == Set(truth.modified_plus),
                "extra: \(closure.subtracting(truth.modified_plus).sorted()), missing: \(Set(truth.modified_plus).subtracting(closure).sorted())")
    }

    private func lineText(_ root: URL, _ location: GateModel.SourceLocation) throws -> String {
        let text = try String(contentsOf: root.appendingPathComponent(location.path), encoding: .utf8)
        let lines = text.components(separatedBy: "\n")
        return location.line >= 1 && location.line <= lines.count ? lines[location.line - 1] : ""
    }
}
