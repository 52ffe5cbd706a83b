import ContractGate
import Foundation
import GateModel
import GateTestSupport

/// The data-driven end-to-end scenarios (buf's `testdata/breaking/{previous,current}`): each folder of
/// `Scenarios/Fixtures/` is a dbt project before and after a change, turned into a real git history and
/// checked by the real pipeline.
///
/// A fixture folder holds:
/// - `common/` (optional): files that are the same on both sides;
/// - `before/`: the rest of the `main` commit; `after/`: the rest of the branch commit. A file of the
///   base side missing from `common/` + `after/` is deleted on the branch;
/// - `catalog.json` (optional): a catalog snapshot (the `catalog pull` format, which also seeds the
///   Secoda emulator), written untracked to `.contract-gate/catalog.json`, the default snapshot path;
/// - `expected.txt`: `#` comments saying what the scenario shows, then `verdict: pass|fail (exit N)` and one
///   line per finding in report order: `RULE severity model[.column] path:line [contract=NAME] [waived]`.
struct Scenario {
    /// "Today" for every scenario, so waiver expiry and deprecation dates do not drift.
    static let today: Date = {
        var components = DateComponents()
        components.year = 2026
        components.month = 12
        components.day = 1
        components.hour = 12
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        return calendar.date(from: components) ?? Date(timeIntervalSince1970: 1_796_126_400)
    }()

    /// The folder holding every scenario.
    static let fixturesFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures")

    /// Every scenario folder, sorted.
    static func allNames() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: fixturesFolder.path)) ?? []
        return names.filter { name in
            var isFolder: ObjCBool = false
            return FileManager.default.fileExists(atPath: fixturesFolder.appendingPathComponent(name).path,
                                                  isDirectory: &isFolder) && isFolder.boolValue
        }.sorted()
    }

    let name: String
    var folder: URL { Self.fixturesFolder.appendingPathComponent(name) }
    var expectedFile: URL { folder.appendingPathComponent("expected.txt") }
    var catalogFile: URL { folder.appendingPathComponent("catalog.json") }
    var hasCatalog: Bool { FileManager.default.fileExists(atPath: catalogFile.path) }

    /// Builds the repository: `main` = common + before, branch `change` (checked out) = common + after.
    func makeRepository() throws -> TempRepository {
        let repo = try TempRepository()
        let base = try Self.files(in: folder.appendingPathComponent("common"))
            .merging(try Self.files(in: folder.appendingPathComponent("before"))) { $1 }
        let head = try Self.files(in: folder.appendingPathComponent("common"))
            .merging(try Self.files(in: folder.appendingPathComponent("after"))) { $1 }
        for (path, data) in base { try repo.write(path, data: data) }
        try repo.commit("\(name): before")
        try repo.run(["checkout", "-q", "-b", "change"])
        for path in base.keys where head[path] == nil { try repo.delete(path) }
        for (path, data) in head { try repo.write(path, data: data) }
        try repo.commit("\(name): after")
        if hasCatalog {
            try repo.write(".contract-gate/catalog.json", data: try Data(contentsOf: catalogFile))
        }
        return repo
    }

    /// Builds the repository with only the `main` commit, and the change left uncommitted in the worktree
    /// (deletions included), as an author has it before committing.
    func makeUncommittedRepository() throws -> TempRepository {
        let repo = try makeRepository()
        try repo.run(["checkout", "-q", "main"])
        try repo.run(["branch", "-q", "-D", "change"])
        let base = try Self.files(in: folder.appendingPathComponent("common"))
            .merging(try Self.files(in: folder.appendingPathComponent("before"))) { $1 }
        let head = try Self.files(in: folder.appendingPathComponent("common"))
            .merging(try Self.files(in: folder.appendingPathComponent("after"))) { $1 }
        for path in base.keys where head[path] == nil { try repo.delete(path) }
        for (path, data) in head { try repo.write(path, data: data) }
        return repo
    }

    /// Runs `check` on main..HEAD in-process, offline unless `environment` names a Secoda.
    func check(_ repo: TempRepository, environment: [String: String] = [:]) async throws -> Report {
        try await CheckPipeline.run(CheckRequest(repository: repo.path, target: .commits(base: "main", head: "HEAD"),
                                                 environment: environment, today: Self.today))
    }

    /// Relative path → contents of every file below `folder` (empty when the folder does not exist).
    static func files(in folder: URL) throws -> [String: Data] {
        guard let enumerator = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: [.isRegularFileKey])
        else { return [:] }
        var files: [String: Data] = [:]
        let prefix = folder.resolvingSymlinksInPath().path + "/"
        for case let url as URL in enumerator
        where (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true {
            let path = url.resolvingSymlinksInPath().path
            guard path.hasPrefix(prefix) else { continue }
            files[String(path.dropFirst(prefix.count))] = try Data(contentsOf: url)
        }
        return files
    }

    // MARK: Expectations

    /// The expectation lines (comments dropped) of `expected.txt`.
    func expectedLines() throws -> [String] {
        let text = (try? String(contentsOf: expectedFile, encoding: .utf8)) ?? ""
        return text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            .filter { !$0.hasPrefix("#") && !$0.trimmingCharacters(in: .whitespaces).isEmpty }
    }

    /// The comment lines of `expected.txt`, kept when printing a paste-ready replacement.
    func expectedComments() -> [String] {
        let text = (try? String(contentsOf: expectedFile, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").map(String.init).filter { $0.hasPrefix("#") }
    }

    /// The report as expectation lines.
    static func lines(of report: Report) -> [String] {
        ["verdict: \(report.verdict.rawValue) (exit \(report.exitCode))"] + report.sortedFindings.map(line(of:))
    }

    /// One finding as an expectation line.
    static func line(of finding: Finding) -> String {
        let target = (finding.model ?? "-") + (finding.column.map { ".\($0)" } ?? "")
        let location = finding.location.map { "\($0.path):\($0.line)" } ?? "-"
        var fields = [finding.rule, finding.severity.rawValue, target, location]
        if let contract = finding.contract { fields.append("contract=\(contract)") }
        if finding.waived { fields.append("waived") }
        return fields.joined(separator: " ")
    }

    /// What `expected.txt` should hold for `report`, ready to paste.
    func pasteReady(_ report: Report) -> String {
        (expectedComments() + Self.lines(of: report)).joined(separator: "\n") + "\n"
    }
}

