import Foundation
import GateTestSupport
import Testing

/// The flags that take one of a closed set of values are ArgumentParser values: `--help` lists
/// the values, and a value outside the set is a usage error (exit 2) before anything runs.
@Suite struct TypedFlagTests {
    static let badValues: [[String]] = [
        ["check", "--format", "yaml"], ["check", "--catalog", "cloud"], ["check", "--fail-on", "sometimes"],
        ["check", "--policy", "middle"], ["impact", "orders", "--format", "xml"], ["impact", "orders", "--catalog", "cloud"],
        ["columns", "--format", "csv"], ["rules", "--format", "yaml"], ["lineage", "push", "--scope", "some"],
        ["lineage", "push", "--format", "xml"], ["docs", "carry", "--format", "xml"], ["hook", "pre-push", "--catalog", "cloud"],
    ]

    @Test(arguments: badValues)
    func aValueOutsideTheSetIsAUsageError(_ arguments: [String]) throws {
        let folder = try TempRepository.temporaryDirectory()
        defer { TempRepository.removeDirectory(folder) }
        let result = try GateBinary().run(arguments, in: folder)
        let flag = arguments[arguments.count - 2], value = arguments[arguments.count - 1]
        #expect(result.status == 2, "\(arguments): \(result.stderr)")
        #expect(result.stderr.contains("'\(value)'") && result.stderr.contains(flag), "\(result.stderr)")
        #expect(!result.stderr.contains("Fatal error"))
        #expect(result.stdout.isEmpty)
    }

    /// Help text with its line wrapping undone.
    static func help(_ arguments: [String]) throws -> String {
        let result = try GateBinary().run(arguments + ["--help"], in: "/")
        #expect(result.status == 0)
        return result.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    @Test func helpListsTheValues() throws {
        let check = try Self.help(["check"])
        for values in ["values: text, json, github, sarif, junit, gitlab, markdown", "values: auto, dbt, snapshot, secoda, offline",
                       "values: error, warning, never", "values: base, head"] {
            #expect(check.contains(values), "check --help lacks \(values): \(check)")
        }
        let push = try Self.help(["lineage", "push"])
        #expect(push.contains("values: all, changed"), "\(push)")
        #expect(push.contains("--base <base>") && push.contains("--head <head>"), "\(push)")
        #expect(try Self.help(["impact"]).contains("values: text, json"))
    }

    /// Values are read case-insensitively, as before they were typed; `check`'s format aliases stay.
    @Test func valuesAreCaseInsensitive() throws {
        let folder = try TempRepository.temporaryDirectory()
        defer { TempRepository.removeDirectory(folder) }
        let rules = try GateBinary().run(["rules", "--format", "JSON"], in: folder)
        #expect(rules.status == 0, "\(rules.stderr)")
        #expect((try? JSONSerialization.jsonObject(with: Data(rules.stdout.utf8))) != nil)
    }
}
