import Foundation
import GateModel
import Testing
@testable import GateReporters

@Suite struct FormatTests {
    /// The JSON escape pass: each C1 and bidi control wherever it stands, other multi-byte
    /// characters (an em dash shares the 0xE2 lead byte) untouched, and a document with nothing
    /// to escape returned as it came.
    @Test func jsonEscapesInvisibleControlsAnywhereAndLeavesTheRestAlone() throws {
        let clean = Data("{\"a\": \"caf\u{E9} \u{2014} ok\"}\n".utf8)
        #expect(JSONOutput.escapingInvisibleControls(clean) == clean)
        let hostile = Data("{\"a\": \"x\u{85}y \u{2014} \u{61C}z\u{202E}\u{2069}\"}".utf8)
        let escaped = String(decoding: JSONOutput.escapingInvisibleControls(hostile), as: UTF8.self)
        #expect(escaped == "{\"a\": \"x\\u0085y \u{2014} \\u061Cz\\u202E\\u2069\"}")
        // The parsed strings are the same.
        let before = try JSONSerialization.jsonObject(with: hostile) as? [String: String]
        let after = try JSONSerialization.jsonObject(with: Data(escaped.utf8)) as? [String: String]
        #expect(before == after)
        #expect(JSONOutput.escapingInvisibleControls(Data([0xE2])) == Data([0xE2]))
    }

    @Test func everyFormatParsesFromItsName() throws {
        for format in ReportFormat.allCases {
            #expect(try ReportFormat.parse(format.rawValue) == format)
            #expect(ReportFormat(parsing: format.rawValue.uppercased()) == format)
            #expect(format.reporter().format == format)
        }
        #expect(ReportFormat(parsing: "github-actions") == .github)
        #expect(ReportFormat(parsing: "code-quality") == .gitlab)
        #expect(ReportFormat(parsing: "md") == .markdown)
    }

    @Test func unknownFormatNamesTheKnownOnes() {
        #expect(throws: InputError.self) { try ReportFormat.parse("html") }
        do {
            _ = try ReportFormat.parse("html")
        } catch {
            #expect(error.message.contains("html"))
            #expect(error.message.contains("sarif"))
            #expect(error.exitCode == .usage)
        }
    }

    @Test func reportDestinationsParseFormatEqualsPath() throws {
        let destination = try ReportDestination(parsing: "sarif=out/results=1.sarif")
        #expect(destination == ReportDestination(format: .sarif, path: "out/results=1.sarif"))
        #expect(throws: InputError.self) { try ReportDestination(parsing: "sarif") }
        #expect(throws: InputError.self) { try ReportDestination(parsing: "junit=") }
        #expect(throws: InputError.self) { try ReportDestination(parsing: "pdf=out.pdf") }
    }

    @Test func optionsReachTheReporters() throws {
        let options = ReporterOptions(useColor: true, fullReportHint: "the artifact", markdownCharacterLimit: 10_000)
        let text = try #require(ReportFormat.text.reporter(options) as? TextReporter)
        #expect(text.useColor)
        let github = try #require(ReportFormat.github.reporter(options) as? GitHubActionsReporter)
        #expect(github.fullReportHint == "the artifact")
        let markdown = try #require(ReportFormat.markdown.reporter(options) as? MarkdownReporter)
        #expect(markdown.maxCharacters == 10_000)
    }

    @Test func sha256MatchesTheStandardVectors() {
        #expect(StableHash.sha256Hex(Array("".utf8)) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(StableHash.sha256Hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let twoBlocks = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
        #expect(StableHash.sha256Hex(Array(twoBlocks.utf8)) == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(StableHash.fingerprint(["ab", "c"]) != StableHash.fingerprint(["a", "bc"]))
    }

    @Test func terminalTextRemovesEscapeSequencesAndControls() {
        let hostile = "a\u{1B}[2J\u{1B}[1;1Hb\u{1B}]0;title\u{07}c\u{9B}31md\re\u{202E}f\u{7F}g\th"
        #expect(TerminalText.sanitize(hostile) == "abcd efg h")
        #expect(TerminalText.sanitize("x\r\ny\nz", keepNewlines: true) == "x\ny\nz")
        #expect(TerminalText.sanitize("ünïcødé ✓") == "ünïcødé ✓")
    }
}

@Suite struct DefaultsTests {
    @Test func defaultFormatFollowsGitHubActions() {
        #expect(ReportFormat.defaultFormat(environment: ["GITHUB_ACTIONS": "true"]) == .github)
        #expect(ReportFormat.defaultFormat(environment: ["GITLAB_CI": "true"]) == .text)
        #expect(ReportFormat.defaultFormat(environment: [:]) == .text)
    }

    @Test func colourNeedsATerminalAndNoNO_COLOR() {
        #expect(ReporterOptions.colorAllowed(environment: [:], stdoutIsTerminal: true))
        #expect(!ReporterOptions.colorAllowed(environment: [:], stdoutIsTerminal: false))
        #expect(!ReporterOptions.colorAllowed(environment: ["NO_COLOR": "1"], stdoutIsTerminal: true))
        #expect(ReporterOptions.colorAllowed(environment: ["NO_COLOR": ""], stdoutIsTerminal: true))
    }
}
