import ArgumentParser
import ContractGate
import Foundation
import GateModel

extension ContractGateCommand {
    struct Comment: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Post the Markdown report as the pull/merge request comment, or update it in place.",
            discussion: """
                Write the report first: contract-gate check --report markdown=contract-gate.md. \
                GitHub reads GITHUB_API_URL, GITHUB_REPOSITORY, the pull request number from \
                GITHUB_EVENT_PATH and GITHUB_TOKEN (needs pull-requests: write). GitLab reads \
                CI_API_V4_URL, CI_PROJECT_ID, CI_MERGE_REQUEST_IID and a project access token from \
                GITLAB_TOKEN (or --token-env). The comment carrying the report's marker is edited; \
                otherwise one is posted. A token that may not write (a fork's pull request) is a \
                warning and exit 0; any other failure is exit 2. The token is never printed.
                """
        )

        @Option(help: ArgumentHelp("The Markdown report to post (from check --report markdown=FILE).", valueName: "FILE"))
        var file: String

        @Option(help: "github or gitlab. Default: from GITHUB_ACTIONS / GITLAB_CI.")
        var host: String?

        @Option(help: "The pull request number / merge request IID. Default: from the CI environment.")
        var number: Int?

        @Option(name: .customLong("token-env"), help: ArgumentHelp(
            "The environment variable holding the token. Default: GITHUB_TOKEN, or GITLAB_TOKEN on GitLab.",
            valueName: "NAME"))
        var tokenEnv: String?

        func run() async throws {
            let environment = ProcessInfo.processInfo.environment
            let chosenHost: PullRequestComment.Host?
            if let host {
                guard let parsed = PullRequestComment.Host(rawValue: host.lowercased()) else {
                    throw InputError("unknown --host '\(host)'; use github or gitlab")
                }
                chosenHost = parsed
            } else {
                chosenHost = nil
            }
            let body: String
            do {
                body = String(decoding: try Data(contentsOf: URL(fileURLWithPath: file)), as: UTF8.self)
            } catch {
                throw InputError("cannot read --file \(file): \(error.localizedDescription); write it with "
                                 + "contract-gate check --report markdown=\(file)")
            }
            guard !body.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                throw InputError("--file \(file) is empty; nothing to post")
            }
            let target = try PullRequestComment.target(host: chosenHost, number: number, tokenVariable: tokenEnv,
                                                       environment: environment)
            let place = target.host == .github ? "pull request #\(target.number)" : "merge request !\(target.number)"
            switch try await PullRequestComment(target: target).post(body: body) {
            case .created(let id):
                Terminal.printError("contract-gate: posted the report on \(place) (comment \(id))")
            case .updated(let id):
                Terminal.printError("contract-gate: updated the report on \(place) (comment \(id))")
            case .forbidden(let message):
                let annotation = environment["GITHUB_ACTIONS"] == "true" ? "::warning title=contract-gate comment::" : "warning: "
                Terminal.printError("\(annotation)the token may not comment on \(place) (\(message)); a pull request "
                                    + "from a fork gets a read-only token. The report is in the job log and summary; "
                                    + "the gate's verdict is unchanged.")
            }
        }
    }
}
