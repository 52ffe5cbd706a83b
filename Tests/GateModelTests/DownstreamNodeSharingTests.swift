import Foundation
import Testing
@testable import GateModel

/// `DownstreamNode` keeps what a node is in one record that impacts share (issue 22: 27 changed
/// models over a 15,000-node catalog held 420,000 full copies); values must still behave as values.
@Suite struct DownstreamNodeSharingTests {
    static let dashboard = DownstreamNode(
        id: "d-1", name: "Revenue", type: "dashboard", depth: 2, source: "secoda",
        owners: [Owner(id: "u-1", name: "Alice", email: "alice@shop.com", kind: "user")], tags: ["finance"], verified: true,
        pii: false, usage: Usage(external: 4, internal: nil, externalUpdatedAt: "2026-11-01T00:00:00Z"), stale: false,
        relation: nil, url: "https://bi.example/d/1", parentId: "t-1")

    @Test func placedCopiesShareTheRecordAndKeepTheirOwnDepthAndParent() {
        let other = Self.dashboard.placed(depth: 5, parentId: "t-9")
        #expect(other.recordIdentity == Self.dashboard.recordIdentity)
        #expect(other.depth == 5 && other.parentId == "t-9")
        #expect(Self.dashboard.depth == 2 && Self.dashboard.parentId == "t-1")
        #expect(other.name == "Revenue" && other.owners == Self.dashboard.owners && other.url == Self.dashboard.url)
        #expect(other != Self.dashboard)
        #expect(other.placed(depth: 2, parentId: "t-1") == Self.dashboard)
    }

    @Test func settingAFieldOfOneValueNeverChangesAnother() {
        var renamed = Self.dashboard.placed(depth: 3, parentId: nil)
        renamed.name = "Revenue (old)"
        renamed.owners.append(Owner(id: "g-1", kind: "group"))
        renamed.stale = true
        #expect(Self.dashboard.name == "Revenue" && Self.dashboard.owners.count == 1 && !Self.dashboard.stale)
        #expect(renamed.name == "Revenue (old)" && renamed.owners.count == 2 && renamed.stale)
        #expect(renamed.recordIdentity != Self.dashboard.recordIdentity)
        // A value that holds its record alone is changed in place.
        var alone = DownstreamNode(id: "m-1", name: "orders", type: "model", depth: 1, source: "dbt")
        let before = alone.recordIdentity
        alone.tags = ["core"]
        #expect(alone.recordIdentity == before && alone.tags == ["core"])
    }

    @Test func equalAndHashedByEveryFieldNotByRecord() {
        let twin = DownstreamNode(id: "d-1", name: "Revenue", type: "dashboard", depth: 2, source: "secoda",
                                  owners: Self.dashboard.owners, tags: ["finance"], verified: true, usage: Self.dashboard.usage,
                                  url: "https://bi.example/d/1", parentId: "t-1")
        #expect(twin.recordIdentity != Self.dashboard.recordIdentity)
        #expect(twin == Self.dashboard)
        #expect(Set([twin, Self.dashboard]).count == 1)
        var differs = twin
        differs.verified = false
        #expect(differs != Self.dashboard)
    }

    /// The keys and values the synthesized `Codable` wrote (every optional left out when nil).
    @Test func codesAsBefore() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let text = String(decoding: try encoder.encode(Self.dashboard), as: UTF8.self)
        #expect(text == #"{"depth":2,"id":"d-1","name":"Revenue","owners":[{"email":"alice@shop.com","id":"u-1","kind":"user","name":"Alice"}],"#
            + #""parent_id":"t-1","pii":false,"source":"secoda","stale":false,"tags":["finance"],"type":"dashboard","url":"https:\/\/bi.example\/d\/1","#
            + #""usage":{"external":4,"external_updated_at":"2026-11-01T00:00:00Z"},"verified":true}"#)
        let bare = DownstreamNode(id: "m-1", name: "orders", type: "model", depth: 1, source: "dbt")
        #expect(String(decoding: try encoder.encode(bare), as: UTF8.self)
            == #"{"depth":1,"id":"m-1","name":"orders","owners":[],"pii":false,"source":"dbt","stale":false,"tags":[],"type":"model","verified":false}"#)
        #expect(try JSONDecoder().decode(DownstreamNode.self, from: try encoder.encode(Self.dashboard)) == Self.dashboard)
        #expect(try JSONDecoder().decode(DownstreamNode.self, from: try encoder.encode(bare)) == bare)
    }
}
