import Foundation
import GateTestSupport
import Testing

/// Repository text in reports stays inert: a removed column named to ping people pings nobody
/// in the Markdown comment, and text that reorders what a reviewer sees (bidi overrides, C1
/// controls) is escaped in the JSON formats.
@Suite("Hardening: repository text in reports is inert")
struct InertTextTests {
    /// YAML escapes: the file stays printable, the parsed name holds the controls.
    static let hostile = "@octocat please review @my-org/security #12 \\u202Etxt.exe\\u202C \\x85"

    static func report(_ format: String) throws -> GateBinary.Result {
        let properties = ShopFixture.properties.replacingOccurrences(
            of: "      - name: amount\n", with: "      - name: amount\n      - name: \"\(hostile)\"\n        data_type: text\n")
        let (repo, _) = try ShopFixture.make()
        defer { repo.remove() }
        try repo.write("models/schema.yml", properties)
        let base = try repo.commit("a hostile column")
        try repo.write("models/schema.yml", ShopFixture.properties)
        _ = try repo.commit("drop it")
        return try GateBinary().run(["check", "--base", base, "--head", "HEAD", "--format", format], in: repo.path)
    }

    /// An `@` that starts a word, or a `#` before a digit, not followed by a word joiner, outside
    /// code: GitHub and GitLab link nothing inside code spans, `<code>` and fenced blocks, where identifiers
    /// (the waiver snippet's column) must stay exactly as the repository spells them.
    static func liveMentions(_ text: String) -> [String] {
        var found: [String] = []
        var prose = ""
        var fenced = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.trimmingCharacters(in: .whitespaces).hasPrefix("```") { fenced.toggle(); continue }
            if fenced { continue }
            // Drop inline code spans (`…`, ``…``, <code>…</code>).
            var kept = ""
            var inCode = false
            let line = line.replacingOccurrences(of: "<code>", with: "`").replacingOccurrences(of: "</code>", with: "`")
            for character in line {
                if character == "`" { inCode.toggle(); continue }
                if !inCode { kept.append(character) }
            }
            prose += kept + "\n"
        }
        let characters = Array(prose)
        for (index, character) in characters.enumerated() where character == "@" || character == "#" {
            let before = index > 0 ? characters[index - 1] : " "
            let after = index + 1 < characters.count ? characters[index + 1] : " "
            // GitHub's rule: a mention is an `@` not preceded by a word character.
            if character == "@", !(before.isLetter || before.isNumber || before == "_"), after.isLetter {
                found.append(String(characters[index..<min(characters.count, index + 12)]))
            }
            if character == "#", after.isNumber { found.append(String(characters[index..<min(characters.count, index + 5)])) }
        }
        return found
    }

    @Test func theMarkdownCommentMentionsNobody() throws {
        let result = try Self.report("markdown")
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stdout.contains("octocat"), "the column is in the comment: \(result.stdout)")
        #expect(Self.liveMentions(result.stdout).isEmpty, "live: \(Self.liveMentions(result.stdout))\n\(result.stdout)")
    }

    @Test(arguments: ["json", "sarif", "gitlab"])
    func jsonFormatsEscapeBidiAndC1Controls(_ format: String) throws {
        let result = try Self.report(format)
        #expect(result.status == 1, "\(format): \(result.stderr)")
        let bytes = Array(result.stdout.utf8)
        let bidi: [[UInt8]] = [[0xE2, 0x80, 0xAE], [0xE2, 0x80, 0xAC], [0xC2, 0x85]]
        for sequence in bidi {
            let present = bytes.indices.contains { bytes[$0...].starts(with: sequence) }
            #expect(!present, "\(format) carries \(sequence) raw")
        }
        // Escaped (JSON, SARIF: parsed, the strings are what the repository wrote) or removed
        // (GitLab's descriptions are sanitised text).
        let parsed = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
        let strings = Self.strings(in: parsed)
        #expect(strings.contains { $0.contains("txt.exe") }, "\(format): the column is reported")
        if result.stdout.contains("\\u202E") {
            #expect(strings.contains { $0.contains("\u{202E}txt.exe") }, "\(format): the text survives parsing")
        }
    }

    static func strings(in value: Any) -> [String] {
        switch value {
        case let text as String: [text]
        case let array as [Any]: array.flatMap(strings)
        case let object as [String: Any]: object.values.flatMap(strings)
        default: []
        }
    }
}
