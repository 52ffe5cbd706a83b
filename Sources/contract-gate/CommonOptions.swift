import ArgumentParser
import ContractGate
import GateReporters

/// Flags every command that reads the repository shares.
struct RepositoryOptions: ParsableArguments {
    @Option(name: .long, help: "The repository to check (any folder inside it). Default: the current folder.")
    var repo: String = "."

    @Option(name: .long, help: "The configuration file. Default: contract-gate.yml at the repository root.")
    var config: String?

    @Flag(name: .long, help: "Open repositories owned by another user (libgit2's safe.directory check off).")
    var noOwnerCheck = false

    /// The request every reading command starts from: this repository, its configuration, the
    /// owner check, the catalog choice. The one place these flags become a `CheckRequest`.
    func request(catalog: CheckRequest.CatalogChoice, environment: [String: String]) -> CheckRequest {
        CheckRequest(repository: repo, configPath: config, ownerCheck: !noOwnerCheck, catalog: catalog,
                     environment: environment)
    }
}

/// `--base`/`--head`: the two revisions a command compares (`check`, `lineage push --scope
/// changed`, `docs carry`). Each command says in its discussion what it does with them.
struct RevisionOptions: ParsableArguments {
    @Option(help: "The revision to compare against (its merge base with --head is used).")
    var base: String?

    @Option(help: "The revision to read. Default: HEAD.")
    var head: String?
}

/// Report routing flags (DESIGN.md §6).
struct OutputOptions: ParsableArguments {
    @Option(help: "Format on stdout. Default: github under GitHub Actions, else text.")
    var format: ReportFormat?

    @Option(name: .long, help: ArgumentHelp("Also write FORMAT to PATH (repeatable), e.g. sarif=out.sarif.", valueName: "FORMAT=PATH"))
    var report: [String] = []

    func destination(environment: [String: String]) throws -> ReportOutput {
        try ReportOutput(format: format, reports: report, environment: environment,
                         stdoutIsTerminal: Terminal.stdoutIsTerminal)
    }
}

/// `--progress`: the progress line is shown on a terminal anyway; the flag asks for it in logs too.
struct ProgressOptions: ParsableArguments {
    @Flag(name: .long, help: "Show progress on stderr even when it is not a terminal (CI logs). On a terminal it is shown anyway.")
    var progress = false

    func reporter(environment: [String: String]) -> ProgressReporter? {
        ProgressReporter.standardError(requested: progress, environment: environment,
                                       stderrIsTerminal: Terminal.stderrIsTerminal)
    }
}
