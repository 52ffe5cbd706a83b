import Foundation
import GateTestSupport
import Testing

/// Repository content is data, never commands: names, descriptions, reasons and file names full
/// of workflow-command syntax, markup and terminal escapes come out inert in every format.
@Suite("Hardening: repository content cannot steer CI or the terminal")
struct InjectionTests {
    static let escape = "\u{1B}"
    /// Everything a hostile string can try at once.
    static let payload = "::error::INJECTED%0A%25 <b>&amp;\"'`<b>`\(escape)[2J\(escape)]0;t\u{07}\r\n::warning file=x::INJECTED2"
    static let model = "evil::error::INJECTED<&'\(escape)[31m"
    static let deletedColumn = "gone::error::INJECTED\r\n::notice::INJECTED_COL\(escape)[2J"
    static let waivedColumn = "waived<&>\"'\(escape)[H"
    static let newColumn = "fresh%0A::error::INJECTED_NEW"

    /// A YAML double-quoted scalar for any text.
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\u{1B}": out += "\\e"
            case "\u{07}": out += "\\a"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    static func properties(columns: [(String, String?, String)], description: String) -> String {
        var text = """
            version: 2
            models:
              - name: \(quoted(model))
                description: \(quoted(description))
                meta:
                  owner: \(quoted("@team" + payload))
                columns:

            """
        for (name, description, type) in columns {
            text += "      - name: \(quoted(name))\n        data_type: \(type)\n"
            if let description { text += "        description: \(quoted(description))\n" }
        }
        return text
    }

    static func makeRepository() throws -> (TempRepository, base: String) {
        let repo = try TempRepository()
        try repo.write("dbt_project.yml", ShopFixture.projectFile)
        try repo.write("contract-gate.yml", ShopFixture.config)
        try repo.write("models/\(model).sql", "select 1 as id\n")
        try repo.write("models/schema.yml", properties(
            columns: [("id", "Key.", "integer"), (deletedColumn, payload, "integer"), (waivedColumn, payload, "integer")],
            description: payload))
        try repo.write("contracts/evil.yml", """
            contract: \(quoted("evil" + payload))
            description: \(quoted(payload))
            owners: [\(quoted("@owner" + payload))]
            models: ["models/**"]
            rules:
              COLUMN_NO_DELETE: error
              MODEL_HAS_DESCRIPTION: warning
            waivers:
              - rule: COLUMN_NO_DELETE
                model: \(quoted(model))
                column: \(quoted(waivedColumn))
                reason: \(quoted("Because" + payload))
                approved_by: \(quoted("@alice" + payload))
                expires: 2099-12-31

            """)
        let base = try repo.commit("base")
        // The new column has another type, so it does not read as a rename of the deleted one.
        try repo.write("models/schema.yml", properties(columns: [("id", "Key.", "integer"), (newColumn, nil, "varchar")],
                                                      description: payload + " v2"))
        // A file whose name holds a line break and a workflow command, and a non-literal config
        // so a diagnostic names it.
        try repo.write("models/line\n::error::INJECTED_FILE.sql", "{{ config(alias=var('x')) }}\nselect 1 as id\n")
        try repo.commit("break it")
        return (repo, base)
    }

    /// The only command lines the reporter writes: a level, escaped properties, then `::`.
    static func isReporterCommand(_ line: String) -> Bool {
        line.prefixMatch(of: #/^::(error|warning|notice) (file|line|col|endLine|endColumn|title)=[^,:\r\n]*(,(file|line|col|endLine|endColumn|title)=[^,:\r\n]*)*::/#) != nil
    }

    @Test func everyFormatStaysInert() throws {
        let (repo, base) = try Self.makeRepository()
        defer { repo.remove() }
        let gate = try BoundedGate()
        let summary = repo.container + "/step-summary.md"
        func check(_ format: String, _ extra: [String: String] = [:]) throws -> BoundedResult {
            try gate.run(["check", "--base", base, "--format", format, "--catalog", "dbt"], in: repo.path,
                         environment: extra, timeout: 60)
        }

        let json = try check("json")
        #expect(json.status == 1, "the deleted column violates the contract: \(json)")
        let findings = (json.json?["findings"] as? [[String: Any]]) ?? []
        let columns = findings.compactMap { $0["column"] as? String }
        #expect(columns.contains(Self.deletedColumn), "JSON keeps names exactly: \(columns)")
        #expect(findings.contains { $0["waived"] as? Bool == true }, "the waiver applied: \(json)")
        let diagnostics = (json.json?["diagnostics"] as? [[String: Any]]) ?? []
        let unwaived = findings.filter { $0["waived"] as? Bool != true }.count + diagnostics.count

        let github = try check("github", ["GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": summary])
        #expect(github.status == 1, "\(github)")
        #expect(!github.stdoutData.contains(0x0D), "no carriage return reaches the runner")
        var commands = 0
        for line in github.stdout.split(separator: "\n", omittingEmptySubsequences: false) {
            let text = String(line)
            guard text.hasPrefix("::") else {
                #expect(!text.contains("INJECTED"), "repository text on a line of its own: \(text)")
                continue
            }
            commands += 1
            #expect(Self.isReporterCommand(text), "not a command the reporter writes: \(text)")
        }
        #expect(commands == min(unwaived, 20), "one annotation per unwaived finding and diagnostic: \(github)")

        for format in ["text", "markdown", "github"] {
            let result = try check(format)
            #expect(!result.stdoutData.contains(0x1B), "\(format) output holds an ESC byte: \(result)")
            #expect(!result.stdoutData.contains(0x07), "\(format) output holds a BEL byte")
            #expect(!result.stderrData.contains(0x1B), "\(format) stderr holds an ESC byte: \(result)")
        }
        let stepSummary = (try? Data(contentsOf: URL(fileURLWithPath: summary))) ?? Data()
        #expect(!stepSummary.isEmpty, "the step summary was written")
        #expect(!stepSummary.contains(0x1B), "the step summary holds an ESC byte")
        #expect(!Self.outsideCodeSpans(String(decoding: stepSummary, as: UTF8.self)).contains("<b>"),
                "raw HTML in the step summary")
        let markdown = try check("markdown")
        #expect(!Self.outsideCodeSpans(markdown.stdout).contains("<b>"), "raw HTML in the PR comment: \(markdown)")

        for format in ["sarif", "gitlab"] {
            let result = try check(format)
            #expect(result.status == 1, "\(format): \(result)")
            #expect((try? JSONSerialization.jsonObject(with: result.stdoutData)) != nil, "\(format) is not JSON: \(result)")
        }
        let junit = try check("junit")
        #expect(junit.status == 1, "\(junit)")
        let parsed = try Self.parseXML(junit.stdoutData)
        #expect(parsed.ok, "JUnit XML does not parse: \(parsed.message)\n\(junit.stdout.prefix(3000))")
        #expect(parsed.message.contains("INJECTED"), "the testcases carry the names: \(parsed.message.prefix(500))")
    }

    /// Markdown with its code spans removed: inside a code span `<b>` is shown, not rendered. A
    /// span opens with a run of backticks and closes with a run of the same length (CommonMark).
    static func outsideCodeSpans(_ markdown: String) -> String {
        var result = ""
        var rest = Substring(markdown)
        while let open = rest.firstIndex(of: "`") {
            result += rest[..<open]
            let fence = rest[open...].prefix { $0 == "`" }
            let after = rest[fence.endIndex...]
            var search = after.startIndex
            var closed: Range<Substring.Index>?
            while let candidate = after[search...].range(of: String(fence)) {
                let next = candidate.upperBound < after.endIndex ? after[candidate.upperBound] : " "
                let previous = candidate.lowerBound > after.startIndex ? after[after.index(before: candidate.lowerBound)] : " "
                if next != "`" && previous != "`" { closed = candidate; break }
                search = after[candidate.upperBound...].firstIndex { $0 != "`" } ?? after.endIndex
            }
            guard let closed else { result += fence; rest = after; continue }
            rest = after[closed.upperBound...]
        }
        return result + rest
    }

    /// Python's strict XML parser (expat): any unescaped markup or control character fails it.
    static func parseXML(_ data: Data) throws -> (ok: Bool, message: String) {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("junit-\(UUID().uuidString).xml")
        try data.write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let script = """
            import sys, xml.etree.ElementTree as ET
            try:
                root = ET.parse(sys.argv[1]).getroot()
                print("ok " + " ".join(e.get("classname", "") + "." + e.get("name", "") for e in root.iter("testcase")))
            except Exception as e:
                print("error " + str(e)); sys.exit(1)
            """
        do {
            let output = try TempRepository.execute("/usr/bin/env", ["python3", "-c", script, file.path],
                                                    in: FileManager.default.temporaryDirectory.path)
            return (true, String(decoding: output, as: UTF8.self))
        } catch let error as FixtureCommandError {
            return (false, error.output)
        }
    }

    @Test(arguments: ["../**", "../../etc/passwd", "/etc/**", "models/../../**"])
    func contractGlobsCannotLeaveTheRepository(_ glob: String) throws {
        let (repo, _) = try ShopFixture.make()
        defer { repo.remove() }
        try repo.write("contracts/escape.yml", "contract: escape\nmodels: [\(Self.quoted(glob))]\n")
        let result = try BoundedGate().run(["validate"], in: repo.path, timeout: 30)
        #expect(result.endedCleanly, "\(result)")
        #expect(result.status == 2, "\(glob) must be a validation error: \(result)")
        #expect(result.stderr.contains("contracts/escape.yml:2"), "\(result)")
    }
}
