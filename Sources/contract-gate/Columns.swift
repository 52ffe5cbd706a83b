import ArgumentParser
import ContractGate
import Foundation
import GateModel
import GateReporters

extension ContractGateCommand {
    struct Columns: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the columns each model outputs, as the gate reads them from its SQL, and how sure that is.")

        @OptionGroup(title: "Repository") var repository: RepositoryOptions

        @Argument(help: "Model names (default: every model).")
        var models: [String] = []

        @Flag(help: "Read the models from the worktree instead of HEAD.")
        var worktree = false

        @Flag(help: "Print each model's SQL as the gate reads it (rendered, refs as __dbt_node_<n>__), with line numbers.")
        var showSql = false

        @Option(help: "Output on stdout.")
        var format: DocumentFormat = .text

        func run() throws {
            let request = repository.request(catalog: .dbt, environment: ProcessInfo.processInfo.environment)
            let result = try ColumnsQuery.run(models: models, request: request, useWorktree: worktree, showSQL: showSql)
            // Through GateReporters, as `check` prints.
            switch format {
            case .json: Terminal.write(ColumnsReporter().renderJSON(result.listing))
            case .text: Terminal.write(ColumnsReporter().renderText(result.listing))
            }
        }
    }
}
