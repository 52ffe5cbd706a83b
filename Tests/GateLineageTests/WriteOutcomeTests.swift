import Foundation
@testable import GateLineage
@testable import SecodaAPI
import GateModel
import GateTestSupport
import SecodaEmulator
import Testing

/// A POST is never resent blindly: an answer lost on the way back is reported as such
/// (`WriteOutcomeUnknown`), at once — a dropped connection is a lost connection, not a wait for
/// the request timeout.
@Suite struct WriteOutcomeTests {
    @Test(arguments: [FaultStep.drop, .applyThenDrop, .truncate, .applyThenStatus(500)])
    func aLostAnswerToAPostIsReportedOnceAndNotAsATimeout(_ fault: FaultStep) async throws {
        var b = SeedBuilder()
        let from = b.table("a"), to = b.table("c")
        try await withEmulator(b.seed) { emulator in
            // A long request timeout: a drop that waited for it would end as `.timeout`.
            let client = try client(for: emulator, options: quickOptions(requestTimeout: .seconds(25), deadline: .seconds(60)))
            // A read first, so the write could ride the connection it left open.
            _ = try await client.list("lineage/manual/", as: LineageRow.self)
            await emulator.state.setFaults(FaultPlan(queue: [fault], pathContains: "lineage"))
            let body = Data(#"{"from_entity":"\#(from)","to_entity":"\#(to)","direction":"DOWNSTREAM"}"#.utf8)
            do {
                _ = try await client.send("POST", "lineage/manual/", json: body)
                Issue.record("\(fault): the lost answer was not reported")
            } catch let lost as WriteOutcomeUnknown {
                #expect(lost.cause.kind != .timeout, "\(fault): \(lost.cause.message)")
            }
            let posts = await emulator.state.requests().filter { $0.method == "POST" }
            #expect(posts.count == 1, "\(fault): sent once, \(posts.map(\.status))")
        }
    }
}
