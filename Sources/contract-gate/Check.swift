import ArgumentParser
import ContractGate
import Foundation
import GateModel

extension ContractGateCommand {
    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a change against the data contracts.",
            discussion: """
                Compares --head (default HEAD) with its merge base with --base (default: the CI target \
                branch, `base:` in contract-gate.yml, else the remote default branch), or the index \
                (--staged) or worktree (--worktree) with HEAD — or, with --base, with the merge base of \
                HEAD and that revision (everything you are about to push against it).
                """
        )

        @OptionGroup(title: "Repository") var repository: RepositoryOptions

        @OptionGroup(title: "Revisions") var revisions: RevisionOptions

        @Flag(help: "Check the staged changes (index against HEAD, or against the merge base with --base).")
        var staged = false

        @Flag(help: "Check the worktree, untracked files included, against HEAD (or the merge base with --base).")
        var worktree = false

        @OptionGroup(title: "Output") var output: OutputOptions

        @OptionGroup(title: "Progress") var progressOptions: ProgressOptions

        @Option(help: "Where catalog facts come from.")
        var catalog: CheckRequest.CatalogChoice = .auto

        @Option(help: ArgumentHelp(
            "Where contract-gate.yml and contracts/ are read from.",
            discussion: "Default: the base revision for commit ranges, so a change cannot relax the policy that judges it; "
                + "the working tree with --staged/--worktree. `head` reads the working tree (local iteration)."))
        var policy: CheckRequest.PolicySource?

        @Option(name: .customLong("fail-on"), help: "Lowest unwaived severity that fails. Default: fail_on in contract-gate.yml.")
        var failOn: FailOn?

        @Option(help: ArgumentHelp(
            "A folder holding the base revision's manifest.json (dbt's --state; default $DBT_STATE).",
            discussion: "Its graph and relations are used for the base side instead of reading the base revision's files."))
        var state: String?

        @Flag(help: "Print how long each stage took to stderr (the report itself is unchanged).")
        var timings = false

        @Flag(help: ArgumentHelp(
            "Read every file afresh, without the parse cache.",
            discussion: "By default what reading each file learnt is kept by git blob id in the cache folder "
                + "($CONTRACT_GATE_CACHE_DIR, else $XDG_CACHE_HOME/contract-gate, else ~/.cache/contract-gate; "
                + "CONTRACT_GATE_CACHE_DIR=off turns it off), so the next check reads only what it has not seen."))
        var noCache = false

        /// `timings (ms): diff 12 · models 80 · … · ref_scan 30` in pipeline order; `ref_scan` (reading
        /// and scanning every model file) is part of `models` and `impact`.
        static func timingLine(_ timings: [String: Int]) -> String {
            let order = ["workspace", "diff", "models", "contracts", "impact", "rules", "ref_scan", "render"]
            let named = order.compactMap { name in timings[name].map { "\(name) \($0)" } }
            let others = timings.keys.filter { !order.contains($0) }.sorted().map { "\($0) \(timings[$0] ?? 0)" }
            return "timings (ms): " + (named + others).joined(separator: " · ")
        }

        func validate() throws {
            if staged && worktree { throw ValidationError("--staged and --worktree cannot be combined") }
            if (staged || worktree) && revisions.head != nil {
                throw ValidationError("--head names a commit to check; --staged and --worktree check the index or "
                    + "the working tree instead (add --base to compare them with a branch)")
            }
        }

        func run() async throws {
            let environment = ProcessInfo.processInfo.environment
            let base = revisions.base
            var request = repository.request(catalog: catalog, environment: environment)
            request.target = staged ? .staged(base: base) : worktree ? .worktree(base: base)
                : .commits(base: base, head: revisions.head)
            request.failOn = failOn
            request.progress = progressOptions.reporter(environment: environment)
            request.remembersTableIds = true
            request.cachesParsedFiles = !noCache
            request.keepsReadingUntilExit = true   // the process exits right after the report
            request.policy = policy
            request.stateDirectory = state ?? environment["DBT_STATE"].flatMap { $0.isEmpty ? nil : $0 }
            let destination = try output.destination(environment: environment)
            let report = try await CheckPipeline.run(request)
            try destination.emit(report, environment: environment, writeStdout: Terminal.write)
            if report.exitCode == Int(GateExitCode.catalogUnavailable.rawValue) {
                // The report says it too; stderr is where CI logs and people look for why a job failed.
                Terminal.printError("error: catalog: " + (report.catalog.errors.first ?? "unavailable")
                    + " (on_catalog_error: fail; the report lists every finding the dbt project alone supports)")
            }
            if timings { FileHandle.standardError.write(Data((Self.timingLine(report.timings) + "\n").utf8)) }
            throw ExitCode(Int32(report.exitCode))
        }
    }
}
