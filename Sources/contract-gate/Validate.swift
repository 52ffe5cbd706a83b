import ArgumentParser
import ContractGate
import Foundation
import GateModel
import GateRules

extension ContractGateCommand {
    struct Validate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate contract-gate.yml and contracts/ (every problem, with file:line:col).")

        @OptionGroup(title: "Repository") var repository: RepositoryOptions

        func run() throws {
            let workspace = try Workspace(repository: repository.repo, configPath: repository.config,
                                          ownerCheck: !repository.noOwnerCheck)
            guard let root = workspace.root else {
                throw InputError("validate reads contracts/ from the working tree; this repository is bare")
            }
            let contracts = try workspace.contracts(from: DirectoryTree(root: root))
            for waiver in contracts.expiredWaivers(on: CalendarDay(date: Date())) {
                Terminal.printError("\(waiver.location): warning: waiver for \(waiver.rule) on \(waiver.model) expired on "
                                    + "\(waiver.expires.map { "\($0)" } ?? "?"); it no longer applies")
            }
            for skipped in contracts.skipped {
                Terminal.printError("\(skipped.path): note: skipped (\(skipped.reason))")
            }
            Terminal.write("\(workspace.configPath): ok\n")
            Terminal.write("contracts/: \(contracts.contracts.count) contract(s), \(contracts.odcs.count) ODCS file(s), "
                           + "\(contracts.waivers.count) waiver(s): ok\n")
        }
    }
}
