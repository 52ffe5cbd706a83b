import ArgumentParser
import ContractGate
import Foundation
import GateModel
import GateReporters

extension ContractGateCommand {
    struct Catalog: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Work with the catalog snapshot.", subcommands: [Pull.self])

        struct Pull: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Write the offline snapshot (catalog.snapshot) from Secoda: tables, dashboards, lineage.")

            @OptionGroup(title: "Repository") var repository: RepositoryOptions

            @Option(help: "Write the snapshot here instead of catalog.snapshot.")
            var output: String?

            @OptionGroup(title: "Progress") var progressOptions: ProgressOptions

            func run() async throws {
                let environment = ProcessInfo.processInfo.environment
                let (path, summary) = try await CatalogPull.run(
                    repository: repository.repo, configPath: repository.config, ownerCheck: !repository.noOwnerCheck,
                    output: output, environment: environment, progress: progressOptions.reporter(environment: environment))
                // Through GateReporters, as `check` prints.
                Terminal.printError(CatalogPullReporter().renderText(summary, path: path))
            }
        }
    }
}
