import ArgumentParser
import ContractGate
import Foundation
import GateJSON
import GateModel

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
            if format == .json {
                struct Document: Encodable {
                    var schema_version = 1
                    var catalog: CatalogStatus
                    var impact: [ModelImpact]
                }
                // JSONEncoder's sorted, pretty bytes, without its cost on thousands of downstream nodes.
                Terminal.write(try PrettyJSONEncoder().encode(Document(catalog: result.status, impact: result.impacts),
                                                              newlineAtEnd: true))
            } else {
                Terminal.write(ImpactQuery.renderText(result))
            }
        }
    }
}
