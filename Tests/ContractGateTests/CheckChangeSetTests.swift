import Foundation
import GateModel
import GateTestSupport
import Testing
@testable import ContractGate

/// `check` as the foundation issue defines it: the change set between two sides, printed as JSON,
/// with exit code 2 and a message for every repository error.
@Suite struct CheckChangeSetTests {
    func repositoryWithChanges() throws -> (TempRepository, base: String, head: String) {
        let repo = try TempRepository()
        // A dbt project, unchanged: without one a change is exit 2 (issue 19, fail closed).
        try repo.write("dbt_project.yml", "name: shop\nmodel-paths: [\"models\"]\n")
        try repo.write("models/a.sql", "select 1 as id\n")
        try repo.write("models/b.sql", "select 2 as id\n")
        try repo.write("models/c.sql", String(repeating: "select 3 as long_column_name\n", count: 20))
        let base = try repo.commit("base")
        try repo.write("models/a.sql", "select 10 as id\n")
        try repo.delete("models/b.sql")
        try repo.delete("models/c.sql")
        try repo.write("models/renamed/c.sql", String(repeating: "select 3 as long_column_name\n", count: 20))
        try repo.write("models/new.sql", "select 4 as id\n")
        let head = try repo.commit("head")
        return (repo, base, head)
    }

    @Test func jsonListsExactlyWhatGitDiffListsFromASubfolder() throws {
        let (repo, base, head) = try repositoryWithChanges()
        defer { repo.remove() }
        let result = try GateBinary().run(["check", "--base", base, "--head", head, "--format", "json"],
                                          in: repo.path + "/models/renamed")
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        #expect(json?["base"] as? String == base)
        #expect(json?["head"] as? String == head)
        let changes = (json?["files"] as? [[String: Any]]) ?? []
        let ours = changes.map { change -> String in
            let status = change["status"] as? String ?? "?"
            let letter = ["added": "A", "modified": "M", "deleted": "D", "renamed": "R"][status] ?? status
            let old = change["old_path"] as? String
            return ([letter] + (old.map { [$0] } ?? []) + [change["path"] as? String ?? ""]).joined(separator: " ")
        }.sorted()
        let gitOutput = try repo.run(["diff", "--name-status", "-M", base, head])
        var git: [String] = []
        for line in gitOutput.split(separator: "\n") {
            var fields = line.split(separator: "\t").map(String.init)
            fields[0] = String(fields[0].prefix(1))  // R100 → R: scores differ between git and libgit2
            git.append(fields.joined(separator: " "))
        }
        git.sort()
        #expect(ours == git)
        #expect(ours.contains("R models/c.sql models/renamed/c.sql"))
    }

    /// `--timings` adds one line to stderr and changes nothing in the report.
    @Test func timingsGoToStderrOnly() throws {
        let repo = try TempRepository()
        defer { repo.remove() }
        try repo.write("dbt_project.yml", "name: shop\n")
        try repo.write("models/a.sql", "select 1 as id\n")
        try repo.write("models/b.sql", "select * from {{ ref('a') }}\n")
        let base = try repo.commit("base")
        try repo.write("models/a.sql", "select 2 as id\n")
        let head = try repo.commit("head")
        let binary = try GateBinary()
        let arguments = ["check", "--base", base, "--head", head, "--format", "json", "--catalog", "dbt"]
        let plain = try binary.run(arguments, in: repo.path)
        let timed = try binary.run(arguments + ["--timings"], in: repo.path)
        #expect(plain.status == timed.status)
        #expect(plain.stdout == timed.stdout)
        #expect(!plain.stderr.contains("timings"))
        let line = try #require(timed.stderr.split(separator: "\n").first { $0.hasPrefix("timings (ms): ") })
        for stage in ["workspace", "diff", "models", "contracts", "impact", "rules", "ref_scan", "render"] {
            #expect(line.contains(" \(stage) "), "\(stage) in \(line)")
        }
    }

    @Test func repositoryErrorsExitTwoWithAdvice() throws {
        let (repo, _, _) = try repositoryWithChanges()
        defer { repo.remove() }
        let binary = try GateBinary()
        let unknown = try binary.run(["check", "--base", "no-such-branch"], in: repo.path)
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("no-such-branch"))
        #expect(!unknown.stderr.contains("Fatal error"))

        let outside = try TempRepository.temporaryDirectory()
        defer { TempRepository.removeDirectory(outside) }
        let notRepo = try binary.run(["check"], in: outside)
        #expect(notRepo.status == 2)
        #expect(notRepo.stderr.contains("--repo"))

        let usage = try binary.run(["check", "--staged", "--worktree"], in: repo.path)
        #expect(usage.status == 2)
        let badFormat = try binary.run(["check", "--format", "yaml", "--base", "HEAD~1"], in: repo.path)
        #expect(badFormat.status == 2)
        // ArgumentParser's usage error, naming the flag and the values it takes.
        #expect(badFormat.stderr.contains("'yaml'") && badFormat.stderr.contains("--format"), "\(badFormat.stderr)")
        #expect(badFormat.stderr.contains("sarif"), "\(badFormat.stderr)")
    }

    @Test func noMergeBaseInAShallowCloneSaysToFetchMore() throws {
        let origin = try TempRepository()
        defer { origin.remove() }
        try origin.write("a.txt", "0\n")
        _ = try origin.commit("c0")
        for index in 1...4 {
            try origin.write("a.txt", "\(index)\n")
            _ = try origin.commit("main \(index)")
        }
        try origin.branch("feature", at: "HEAD~3")
        try origin.checkout("feature")
        for index in 1...3 {
            try origin.write("f.txt", "\(index)\n")
            _ = try origin.commit("feature \(index)")
        }
        let shallow = try origin.clone(["--depth", "1", "--no-single-branch", "--branch", "feature"])
        defer { shallow.remove() }
        let result = try GateBinary().run(["check", "--base", "origin/main"], in: shallow.path)
        #expect(result.status == 2)
        #expect(result.stderr.contains("fetch-depth: 0"))
    }

    @Test func stagedAndWorktreeSidesAreNamed() async throws {
        let (repo, _, _) = try repositoryWithChanges()
        defer { repo.remove() }
        try repo.write("models/a.sql", "select 11 as id\n")
        _ = try repo.run(["add", "models/a.sql"])
        try repo.write("models/untracked.sql", "select 5 as id\n")
        let staged = try await CheckPipeline.run(CheckRequest(repository: repo.path, target: .staged, environment: [:]))
        #expect(staged.head == "INDEX")
        #expect(staged.files.map(\.path) == ["models/a.sql"])
        let worktree = try await CheckPipeline.run(CheckRequest(repository: repo.path, target: .worktree, environment: [:]))
        #expect(worktree.head == "WORKTREE")
        #expect(worktree.files.map(\.path).sorted() == ["models/a.sql", "models/untracked.sql"])
    }
}
