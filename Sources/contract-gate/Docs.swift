import ArgumentParser
import ContractGate
import Foundation
import GateModel
import GateReporters

extension ContractGateCommand {
    struct Docs: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Keep Secoda's documentation with renamed models.", subcommands: [Carry.self])

        struct Carry: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Copy the old Secoda table's documentation onto the renamed model's new table (dry run unless --apply).",
                discussion: """
                    For every model the change set renamed (file rename or new relation), the old and the new \
                    Secoda tables are found and description, tags, definition, pii, owners, owners_groups and \
                    verified are copied with PATCH table/tables/{id}/, and the same per column (matched by name \
                    and by detected column renames). A field the new side fills is kept unless --overwrite. \
                    --from/--to name the two tables by id instead. Exit codes: 0 done (or dry run) · 2 bad input \
                    or configuration · 3 Secoda failed.
                    """)

            @OptionGroup(title: "Repository") var repository: RepositoryOptions
            @OptionGroup(title: "Writing") var writing: WriteBackFlags

            /// `--head`: the revision with the renames.
            @OptionGroup(title: "Revisions") var revisions: RevisionOptions

            @Option(help: "The old Secoda table id (with --to): carry between two tables the diff cannot see.")
            var from: String?

            @Option(help: "The new Secoda table id (with --from).")
            var to: String?

            @Flag(help: "Replace fields the new table already fills.")
            var overwrite = false

            func validate() throws {
                if (from == nil) != (to == nil) { throw ValidationError("--from and --to go together") }
                if from != nil, revisions.base != nil || revisions.head != nil {
                    throw ValidationError("--from/--to name the tables; drop --base/--head")
                }
                try writing.check()
            }

            func run() async throws {
                let pairs: CarryDocs.Pairs = if let from, let to {
                    .explicit(from: from, to: to)
                } else {
                    .changed(base: revisions.base, head: revisions.head)
                }
                let report = try await CarryDocs.run(pairs, overwrite: overwrite, options: writing.options(repository: repository))
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
