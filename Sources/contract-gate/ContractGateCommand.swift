import ArgumentParser
import ContractGate
import Foundation
import GateModel

/// The root command only dispatches; each subcommand lives in its own file.
@main
struct ContractGateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "contract-gate",
        abstract: "Gate dbt changes on their data contracts and downstream impact.",
        discussion: """
            Exit codes: 0 pass · 1 contract violated · 2 usage, configuration or repository error · \
            3 catalog unavailable (on_catalog_error: fail).
            """,
        version: ContractGateVersion.current,
        subcommands: [Init.self, Check.self, Impact.self, Columns.self, Rules.self, Explain.self, Validate.self, Catalog.self, Lineage.self, Docs.self, Hook.self, Comment.self]
    )

    /// ArgumentParser exits 64 on usage errors; contract-gate promises 2 for every usage,
    /// configuration or repository error, and never a stack trace.
    static func main() async {
        do {
            var command = try parseAsRoot(nil)
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let error as ExitCode {
            Foundation.exit(error.rawValue)
        } catch let error as GateError {
            Terminal.printError(error.description)
            Foundation.exit(error.exitCode.rawValue)
        } catch {
            let code = exitCode(for: error)
            if code == .success { exit(withError: error) }
            Terminal.printError(fullMessage(for: error))
            Foundation.exit(GateExitCode.usage.rawValue)
        }
    }
}
