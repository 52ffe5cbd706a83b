import Foundation
import Testing
import Yams

/// The CI integration files are parsed with a real YAML parser and checked for the keys
/// GitHub, GitLab and pre-commit require, and that they ask for the reports the gate writes.
/// Their shell scripts are syntax-checked with `bash -n`.
@Suite struct CIIntegrationFileTests {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func load(_ path: String) throws -> Any {
        let text = try String(contentsOf: Self.root.appendingPathComponent(path), encoding: .utf8)
        return try #require(try Yams.load(yaml: text), "\(path) is empty")
    }

    func bashSyntaxErrors(_ script: String) throws -> String? {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("ci-\(UUID().uuidString).sh")
        try script.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["bash", "-n", file.path]
        let pipe = Pipe()
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return process.terminationStatus == 0 ? nil : String(decoding: output, as: UTF8.self)
    }

    @Test func githubActionIsACompleteCompositeAction() throws {
        let action = try #require(try load("ci/github/action.yml") as? [String: Any])
        #expect(action["name"] is String && action["description"] is String)
        let inputs = try #require(action["inputs"] as? [String: [String: Any]])
        #expect(Set(inputs.keys) == ["base", "config", "format", "sarif", "junit", "fail-on", "working-directory",
                                     "comment", "github-token", "install", "version", "release-url"])
        for (name, input) in inputs { #expect(input["description"] is String, "input \(name) needs a description") }
        #expect(inputs["format"]?["default"] as? String == "github")
        // The released binary by default; building from source is opt-in.
        #expect(inputs["install"]?["default"] as? String == "release")
        #expect(inputs["comment"]?["default"] as? String == "true")

        let runs = try #require(action["runs"] as? [String: Any])
        #expect(runs["using"] as? String == "composite")
        let steps = try #require(runs["steps"] as? [[String: Any]])
        for step in steps {
            #expect((step["run"] == nil) != (step["uses"] == nil), "a step either runs or uses: \(step)")
            if let script = step["run"] as? String {
                #expect(step["shell"] as? String == "bash", "composite run steps need a shell")
                #expect(!script.contains("${{"), "inputs reach scripts through env, never spliced in")
                #expect(try bashSyntaxErrors(script) == nil)
            }
        }
        let scripts = steps.compactMap { $0["run"] as? String }.joined(separator: "\n")
        #expect(scripts.contains("ci/release/install.sh\" --version \"$version\" --base-url"))
        #expect(scripts.contains("pip\" install --quiet --disable-pip-version-check \"contract-gate==$version\""))
        #expect(scripts.contains("libgit2-dev") && scripts.contains("pkg-config"))
        #expect(scripts.contains("swift build -c release --product contract-gate"))
        #expect(scripts.contains("--report \"sarif=$INPUT_SARIF\""))
        #expect(scripts.contains("--report \"markdown=$GITHUB_STEP_SUMMARY\""))
        let build = try #require(steps.first { $0["name"] as? String == "Build contract-gate from source" })
        #expect(build["if"] as? String == "${{ inputs.install == 'source' }}")
        let cache = try #require(steps.first { ($0["uses"] as? String)?.hasPrefix("actions/cache@") == true })
        #expect(cache["if"] as? String == "${{ inputs.install == 'source' }}")
        let comment = try #require(steps.first { ($0["run"] as? String)?.contains("comment --file \"$REPORT\"") == true })
        #expect((comment["if"] as? String)?.contains("github.event_name == 'pull_request'") == true)
        #expect(comment["continue-on-error"] as? Bool == true, "a comment that cannot be written never decides the verdict")
        #expect((comment["env"] as? [String: String])?["GITHUB_TOKEN"] == "${{ inputs.github-token }}")
        // The comment and the SARIF upload come before the verdict is applied.
        let names = steps.compactMap { $0["name"] as? String }
        #expect(names.last == "Apply the verdict")
        let upload = try #require(steps.first { ($0["uses"] as? String)?.hasPrefix("github/codeql-action/upload-sarif@") == true })
        #expect((upload["if"] as? String)?.contains("always()") == true)
    }

    @Test func exampleWorkflowChecksOutFullHistory() throws {
        let workflow = try #require(try load("ci/github/example-workflow.yml") as? [String: Any])
        #expect(workflow["on"] != nil)
        let jobs = try #require(workflow["jobs"] as? [String: [String: Any]])
        let job = try #require(jobs["contract-gate"])
        #expect(job["runs-on"] is String)
        let steps = try #require(job["steps"] as? [[String: Any]])
        let checkout = try #require(steps.first { ($0["uses"] as? String)?.hasPrefix("actions/checkout@") == true })
        #expect((checkout["with"] as? [String: Any])?["fetch-depth"] as? Int == 0)
        #expect(steps.contains { ($0["uses"] as? String)?.contains("contract-gate/ci/github@") == true })
        let permissions = try #require(workflow["permissions"] as? [String: String])
        #expect(permissions["security-events"] == "write")
        #expect(permissions["pull-requests"] == "write", "the pull request comment needs it")
    }

    @Test func gitlabTemplatePublishesCodeQuality() throws {
        let template = try #require(try load("ci/gitlab/contract-gate.gitlab-ci.yml") as? [String: Any])
        let job = try #require(template["contract-gate"] as? [String: Any])
        let artifacts = try #require(job["artifacts"] as? [String: Any])
        let reports = try #require(artifacts["reports"] as? [String: String])
        #expect(reports["codequality"] == "gl-code-quality-report.json")
        #expect(artifacts["when"] as? String == "always")
        let script = try #require(job["script"] as? [String])
        #expect(script.contains { $0.contains("contract-gate check") && $0.contains("--report gitlab=\(reports["codequality"] ?? "")") })
        if let junit = reports["junit"] {
            #expect(script.contains { $0.contains("--report junit=\(junit)") })
        }
        #expect(((job["variables"] as? [String: Any])?["GIT_DEPTH"] as? Int) == 0)
        let before = try #require(job["before_script"] as? [String])
        // The released wheel, not a source build: no Swift in the image.
        #expect(before.contains { $0.contains("pip install") && $0.contains("\"contract-gate==$CONTRACT_GATE_VERSION\"") })
        #expect(!before.contains { $0.contains("swift build") })
        #expect(script.contains { $0.contains("--report markdown=contract-gate.md") && $0.contains("contract-gate comment --file contract-gate.md") })
        #expect(try bashSyntaxErrors((before + script).joined(separator: "\n")) == nil)
    }

    @Test func preCommitHookRunsTheCheckBeforePush() throws {
        let hooks = try #require(try load(".pre-commit-hooks.yaml") as? [[String: Any]])
        #expect(hooks.count == 1)
        let hook = try #require(hooks.first)
        #expect(hook["id"] as? String == "contract-gate")
        #expect(hook["name"] is String)
        #expect(hook["entry"] as? String == "contract-gate check")
        // The binary on PATH (pip or tarball); pre-commit no longer builds Swift.
        #expect(hook["language"] as? String == "system")
        #expect(hook["stages"] as? [String] == ["pre-push"])
        #expect(hook["pass_filenames"] as? Bool == false)
        #expect(hook["always_run"] as? Bool == true)
    }

    @Test func theSyntaxCheckCanFail() throws {
        #expect(try bashSyntaxErrors("if then fi (") != nil)
    }
}
