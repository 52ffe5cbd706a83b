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
            let result = try ProjectValidation.run(
                repository: repository.repo, configPath: repository.config, ownerCheck: !repository.noOwnerCheck,
                environment: ProcessInfo.processInfo.environment, today: Date())
            for waiver in result.expiredWaivers {
                Terminal.printError("\(waiver.location): warning: waiver for \(waiver.rule) on \(waiver.model) expired on "
                                    + "\(waiver.expires.map { "\($0)" } ?? "?"); it no longer applies")
            }
            for skipped in result.skipped {
                Terminal.printError("\(skipped.path): note: skipped (\(skipped.reason))")
            }
            for diagnostic in result.unreached + result.diagnostics {
                Terminal.printError(Self.line(diagnostic.location, diagnostic.severity.rawValue, diagnostic.message))
            }
            for finding in result.findings {
                Terminal.printError(Self.line(finding.location, finding.severity.rawValue + (finding.waived ? " (waived)" : ""),
                                              "\(finding.rule): \(finding.message)"))
            }
            if result.configExists {
                Terminal.write("\(result.configPath): ok\n")
            } else {
                Terminal.write("\(result.configPath): missing — the defaults apply (`contract-gate init` writes a commented one)\n")
            }
            switch result.project.origin {
            case .configured:
                Terminal.write("dbt project: \(result.project.displayName) (dbt.project_dir): \(result.modelCount) model(s)\n")
            case .found:
                Terminal.write("dbt project: \(result.project.displayName) (found; set dbt.project_dir in \(result.configPath) "
                               + "to pin it): \(result.modelCount) model(s)\n")
            }
            let unreached = result.unreached.count
            Terminal.write("contracts/: \(result.contractCount) contract(s), \(result.odcsCount) ODCS file(s), "
                           + "\(result.waiverCount) waiver(s): "
                           + (unreached == 0 ? "ok" : "\(unreached) selector(s) or waiver(s) reach no model") + "\n")
            let errors = result.findings.filter { !$0.waived }.count
            Terminal.write("ref()/source(): " + (errors == 0 ? "every call resolves" : "\(errors) problem(s)") + "\n")
            if result.exitCode != 0 { throw ExitCode(result.exitCode) }
        }

        /// `path:line:col: severity: message`, as compilers print it.
        static func line(_ location: SourceLocation?, _ severity: String, _ message: String) -> String {
            (location.map { "\($0): " } ?? "") + "\(severity): \(message)"
        }
    }
}
