import ArgumentParser
import ContractGate
import Foundation
import GateGit
import GateModel
import GateReporters

extension ContractGateCommand {
    struct Hook: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Install, remove or run the git pre-push hook.",
            subcommands: [Install.self, Uninstall.self, PrePush.self]
        )

        struct Install: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Install the pre-push hook (honours core.hooksPath; never overwrites a foreign hook).")

            @OptionGroup(title: "Repository") var repository: RepositoryOptions

            @Flag(help: "Keep an existing foreign pre-push hook and run it before the gate.")
            var chain = false

            @Flag(help: "Replace an existing pre-push hook that contract-gate did not write (it is lost; --chain keeps it).")
            var force = false

            func run() throws {
                let repo = try Repository.open(at: repository.repo, ownerCheck: !repository.noOwnerCheck)
                let installer = HookInstaller(hooksDirectory: repo.hooksDirectory, executable: currentExecutable())
                switch try installer.install(chain: chain, force: force) {
                case .installed(let path): Terminal.printError("installed the pre-push hook at \(path)")
                case .replaced(let path): Terminal.printError("replaced the foreign pre-push hook at \(path) (--force)")
                case .updated(let path): Terminal.printError("updated the pre-push hook at \(path)")
                case .chained(let path, let foreign):
                    Terminal.printError("installed the pre-push hook at \(path); your hook moved to \(foreign) and runs first")
                case .removed, .restored: break
                }
            }
        }

        struct Uninstall: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Remove the pre-push hook contract-gate installed (and restore a chained one).")

            @OptionGroup(title: "Repository") var repository: RepositoryOptions

            func run() throws {
                let repo = try Repository.open(at: repository.repo, ownerCheck: !repository.noOwnerCheck)
                let installer = HookInstaller(hooksDirectory: repo.hooksDirectory, executable: currentExecutable())
                switch try installer.uninstall() {
                case .restored(let path): Terminal.printError("removed the gate; your own hook is back at \(path)")
                case .removed(let path): Terminal.printError("removed the pre-push hook at \(path)")
                default: break
                }
            }
        }

        struct PrePush: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "pre-push",
                abstract: "What the hook runs: checks the ranges git is pushing (read from stdin).",
                discussion: "Offline by default (the dbt graph plus the catalog snapshot when there is one), "
                    + "with on_catalog_error: warn. Output goes to stderr, where git shows it: one line per "
                    + "range that passes, the full report for one that does not.")

            @OptionGroup(title: "Repository") var repository: RepositoryOptions

            @Argument(help: "The remote's name and URL, as git passes them.")
            var remote: [String] = []

            @Option(help: "Where catalog facts come from: offline is the snapshot when there is one, else the dbt graph.")
            var catalog: CheckRequest.CatalogChoice = .offline

            @Option(help: "Where contract-gate.yml and contracts/ are read from: base (the remote's revision) or head (the working tree).")
            var policy: CheckRequest.PolicySource?

            func run() async throws {
                let environment = ProcessInfo.processInfo.environment
                let stdin = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
                var request = repository.request(catalog: catalog, environment: environment)
                request.catalogErrorPolicyOverride = .warn
                request.remembersTableIds = true
                request.cachesParsedFiles = true
                request.policy = policy
                let reports = try await PrePushCheck.run(stdin: stdin, request: request)
                let reporter = TextReporter(useColor: ReporterOptions.colorAllowed(
                    environment: environment, stdoutIsTerminal: Terminal.stderrIsTerminal))
                var worst: Int32 = 0
                // Quiet on a pass: a push that goes through gets one line per range, not a report.
                for entry in reports {
                    if entry.report.exitCode == Int(GateExitCode.pass.rawValue) {
                        Terminal.printError(PrePushCheck.passLine(entry))
                    } else {
                        Terminal.printError("contract-gate: checking \(entry.range)")
                        Terminal.printError(reporter.renderText(entry.report))
                    }
                    worst = max(worst, Int32(entry.report.exitCode))
                }
                if worst == GateExitCode.violated.rawValue {
                    Terminal.printError("contract-gate: push blocked. Fix the findings, land a waiver first (README \"Waivers\"), "
                                        + "or push with --no-verify to skip the gate.")
                }
                throw ExitCode(worst)
            }
        }
    }
}

/// The absolute path of this binary, so the hook runs the same build that installed it.
func currentExecutable() -> String {
    if let resolved = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
        return resolved
    }
    let argument = CommandLine.arguments.first ?? "contract-gate"
    return argument.contains("/") ? URL(fileURLWithPath: argument).standardizedFileURL.path : "contract-gate"
}
