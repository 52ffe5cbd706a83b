import ArgumentParser
import ContractGate
import Foundation
import GateModel
import GateReporters

extension ContractGateCommand {
    struct Lineage: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the dbt graph's lineage to Secoda.", subcommands: [Push.self])

        struct Push: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Create the dbt graph's edges that Secoda lacks as manual lineage (dry run unless --apply).",
                discussion: """
                    Every ref(), source() and exposure edge whose two ends are Secoda resources (tables by \
                    relation, exposures by dashboard title) and that Secoda does not have yet is created with \
                    POST lineage/manual/ (direction DOWNSTREAM; Secoda adds the mirror). Writes are paced under \
                    Secoda's 30 writes a minute; a second run creates nothing; an interrupted run can be re-run. \
                    Exit codes: 0 done (or dry run) · 2 bad input or configuration · 3 Secoda failed.
                    """)

            @OptionGroup(title: "Repository") var repository: RepositoryOptions
            @OptionGroup(title: "Writing") var writing: WriteBackFlags

            @Option(help: "Which edges: all (the graph at --head) or changed (edges touching the models the change set changed).")
            var scope: LineageScope = .all

            /// `--head`: the revision whose dbt graph is pushed; `--base` only with `--scope changed`.
            @OptionGroup(title: "Revisions") var revisions: RevisionOptions

            func validate() throws {
                if scope == .all, revisions.base != nil {
                    throw ValidationError("--base only applies to --scope changed")
                }
                try writing.check()
            }

            func run() async throws {
                let options = writing.options(repository: repository)
                let scope: PushLineage.Scope = switch self.scope {
                case .changed: .changed(base: revisions.base, head: revisions.head)
                case .all: .all(head: revisions.head)
                }
                let report = try await PushLineage.run(scope: scope, options: options)
                // Through GateReporters, as `check` prints.
                switch writing.format {
                case .json: Terminal.write(WriteBackReporter().renderJSON(report))
                case .text: Terminal.write(WriteBackReporter().renderText(report))
                }
                throw ExitCode(report.exitCode.rawValue)
            }
        }
    }
}

/// Flags `lineage push` and `docs carry` share.
struct WriteBackFlags: ParsableArguments {
    @Flag(help: "Perform the writes. Without it the command only prints its plan.")
    var apply = false

    @Option(help: "Output on stdout.")
    var format: DocumentFormat = .text

    @Flag(help: "Print progress (writes done / total, time left) on stderr even when it is not a terminal.")
    var progress = false

    @Option(name: .customLong("writes-per-minute"), help: "Secoda's write limit to stay under.")
    var writesPerMinute: Int = 30

    func check() throws {
        guard writesPerMinute >= 1 else { throw ValidationError("--writes-per-minute must be at least 1") }
    }

    func options(repository: RepositoryOptions) -> WriteBackOptions {
        var sink: (@Sendable (String) -> Void)?
        if progress || Terminal.stderrIsTerminal {
            sink = { line in Terminal.printError(line) }
        }
        return WriteBackOptions(
            repository: repository.repo, configPath: repository.config, ownerCheck: !repository.noOwnerCheck,
            apply: apply, environment: ProcessInfo.processInfo.environment,
            progress: sink, writesPerWindow: writesPerMinute)
    }
}
