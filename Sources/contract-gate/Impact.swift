import ArgumentParser
import ContractGate
import Foundation
import GateModel
import GateReporters

extension ContractGateCommand {
    struct Impact: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the downstream tree of models: type, depth, owners, usage; stale dashboards marked.")

        @OptionGroup(title: "Repository") var repository: RepositoryOptions

        @Argument(help: "Model names.")
        var models: [String]

        @Flag(help: "Read the models from the worktree instead of HEAD.")
        var worktree = false

        @Option(help: "Output on stdout.")
        var format: DocumentFormat = .text

        @Option(help: "Where catalog facts come from.")
        var catalog: CheckRequest.CatalogChoice = .auto

        @OptionGroup(title: "Progress") var progressOptions: ProgressOptions

        func run() async throws {
            var request = repository.request(catalog: catalog, environment: ProcessInfo.processInfo.environment)
            request.progress = progressOptions.reporter(environment: request.environment)
            request.remembersTableIds = true
            let result = try await ImpactQuery.run(models: models, request: request, useWorktree: worktree)
            // Through GateReporters, as `check` prints: the same impact documents as its JSON report.
            switch format {
            case .json: Terminal.write(ImpactReporter().renderJSON(result.report))
            case .text: Terminal.write(ImpactReporter().renderText(result.report))
            }
        }
    }
}
