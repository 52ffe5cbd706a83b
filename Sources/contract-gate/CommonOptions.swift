import ArgumentParser

/// Flags every command that reads the repository shares.
struct RepositoryOptions: ParsableArguments {
    @Option(name: .long, help: "The repository to check (any folder inside it). Default: the current folder.")
    var repo: String = "."

    @Option(name: .long, help: "The configuration file. Default: contract-gate.yml at the repository root.")
    var config: String?

    @Flag(name: .long, help: "Open repositories owned by another user (libgit2's safe.directory check off).")
    var noOwnerCheck = false
}
