import ArgumentParser
import ContractGate
import Foundation
import GateGit
import GateModel

extension ContractGateCommand {
    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a commented contract-gate.yml and a first contract for this dbt repository.")

        @OptionGroup(title: "Repository") var repository: RepositoryOptions

        @Flag(help: "Overwrite contract-gate.yml and contracts/first-contract.yml if they exist.")
        var force = false

        func run() throws {
            let root: URL
            if let repo = try? Repository.open(at: repository.repo, ownerCheck: !repository.noOwnerCheck),
               let workdir = repo.workdir {
                root = URL(fileURLWithPath: workdir)
            } else {
                root = URL(fileURLWithPath: repository.repo)
            }
            let initializer = ProjectInitializer(root: root)
            let plan = try initializer.plan()
            for path in try initializer.write(plan, force: force) {
                Terminal.write("wrote \(path)\n")
            }
            Terminal.write("dbt project: \(plan.projectDir)\n\n" + ProjectInitializer.nextSteps(plan))
        }
    }
}
