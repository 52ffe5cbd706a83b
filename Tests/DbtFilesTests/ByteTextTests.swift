import Foundation
import Testing
@testable import DbtFiles

struct ByteTextTests {
    @Test func containsFindsBytesAnywhere() {
        let data = Data("version: 2\nsources:\n  - name: raw\n".utf8)
        #expect(ByteText.contains(Array("sources".utf8), in: data))
        #expect(ByteText.contains(Array("raw\n".utf8), in: data))
        #expect(ByteText.contains(Array("version".utf8), in: data))
        #expect(!ByteText.contains(Array("seeds".utf8), in: data))
        #expect(!ByteText.contains(Array("raw\n!".utf8), in: data))
        #expect(!ByteText.contains(Array("x".utf8), in: Data()))
    }

    /// The line of a quoted reference, as the renderer reports it: counted in lines, whatever
    /// comes before (characters beyond ASCII, carriage returns).
    @Test func firstLineCountsLineFeeds() {
        let text = "-- café ☕\r\nselect *\r\nfrom {{ ref('orders') }}\njoin {{ ref('orders') }}\n"
        #expect(ByteText.firstLine(of: Array("'orders'".utf8), in: text) == 3)
        #expect(ByteText.firstLine(of: Array("-- café".utf8), in: text) == 1)
        #expect(ByteText.firstLine(of: Array("\"orders\"".utf8), in: text) == nil)
        #expect(ByteText.firstLine(of: Array("'orders'".utf8), in: "") == nil)
        // A bridged or sliced string is read too.
        let sliced = String(text.dropFirst(3))
        #expect(ByteText.firstLine(of: Array("'orders'".utf8), in: sliced) == 3)
    }
}
