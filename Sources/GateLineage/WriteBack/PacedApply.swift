import Foundation
import GateModel

/// What a paced apply did with a plan's writes, in plan order: each write done with its outcome,
/// refused, or not tried because the run stopped.
struct AppliedWrites<Item: Sendable & Codable & Hashable, Outcome: Sendable> {
    var done: [(item: Item, outcome: Outcome)] = []
    var failed: [FailedWrite<Item>] = []
    var notAttempted: [Item] = []
    var stoppedBecause: String?
}

/// The apply step both write-back commands (`lineage push`, `docs carry`) share: the plan's
/// writes one at a time through the writer's pacer (Secoda's write limit), a progress line after
/// each, and one rule for failures:
/// - a write Secoda refuses (4xx) is recorded and the run goes on;
/// - any other catalog failure (unavailable, rate limited past patience, timeout) or a
///   cancellation stops the run: that write and every later one are "not attempted", so running
///   the command again finishes the job;
/// - an item `skip` names (e.g. an edge whose end did not resolve) is not attempted.
enum PacedApply {
    static func run<Item: Sendable & Codable & Hashable, Outcome: Sendable>(
        _ items: [Item], writer: CatalogWriter, progress: (@Sendable (WriteProgress) -> Void)?,
        skip: (Item) -> Bool = { _ in false }, write: (Item) async throws -> Outcome
    ) async -> AppliedWrites<Item, Outcome> {
        var result = AppliedWrites<Item, Outcome>()
        for (index, item) in items.enumerated() {
            guard result.stoppedBecause == nil, !skip(item) else {
                result.notAttempted.append(item)
                continue
            }
            do {
                result.done.append((item, try await write(item)))
            } catch let error as CatalogError where error.kind == .rejected {
                result.failed.append(FailedWrite(item: item, message: error.message))
            } catch let error as CatalogError {
                result.stoppedBecause = error.message
                result.notAttempted.append(item)
            } catch is CancellationError {
                result.stoppedBecause = "cancelled"
                result.notAttempted.append(item)
            } catch {
                result.failed.append(FailedWrite(item: item, message: "\(error)"))
            }
            if let progress {
                let remaining = result.stoppedBecause == nil ? items.count - index - 1 : 0
                progress(WriteProgress(done: index + 1, total: items.count, eta: await writer.pacer.estimate(remaining: remaining)))
            }
        }
        return result
    }
}
