import Foundation
import Testing
@testable import DbtFiles

struct JSONPullReaderTests {
    @Test func readsWhatIsAskedAndSkipsTheRest() throws {
        let json = #"""
        {"skip": {"deep": [1, {"x": "a \" } ] quote"}, -2.5e3, true, null]},
         "keep": {"text": "tab\tnew\nline \u00e9 \ud83d\ude00 \\ /", "n": 12, "list": ["a", 1, "b"]}}
        """#
        var reader = JSONPullReader(Data(json.utf8))
        var seen: [String: String] = [:]
        var list: [String] = []
        try reader.readObject { reader, key in
            guard key == "keep" else { try reader.skipValue(); return }
            try reader.readObject { reader, inner in
                if inner == "list" { list = try reader.readStrings() ?? [] } else { seen[inner] = try reader.readScalarText() }
            }
        }
        let ended = reader.atEnd()
        #expect(ended)
        #expect(seen["text"] == "tab\tnew\nline é 😀 \\ /")
        #expect(seen["n"] == "12")
        #expect(list == ["a", "b"])
    }

    @Test func brokenInputIsAFailureNotACrash() {
        for text in [#"{"a": "#, #"{"a": [1, 2"#, "{\"a\" 1}", "[tru]", #"{"a": "\u12"}"#, ""] {
            #expect(throws: JSONPullReader.Failure.self, "\(text)") {
                var reader = JSONPullReader(Data(text.utf8))
                try reader.readObject { reader, _ in _ = try reader.readScalarText() }
            }
        }
    }
}
