import Foundation
import GateLineage
import GateModel
import GateTestSupport
import SecodaEmulator

/// Client options that make fault tests quick: short backoffs. The request timeout stays
/// generous (a test about timeouts sets its own): on a loaded machine a request past a short
/// timeout is retried, and a test counting requests would count it twice.
/// With `waits`, the client does not sleep between attempts: it tells the recorder how long it
/// would have waited, and the test asserts that instead of timing the wall clock.
func quickOptions(requestTimeout: Duration = .seconds(10), deadline: Duration = .seconds(30), maxAttempts: Int = 4,
                  maxConcurrentRequests: Int = 4, maxPages: Int = 250, idsPerRequest: Int = 100,
                  waits: WaitRecorder? = nil) -> SecodaClientOptions {
    var options = SecodaClientOptions(requestTimeout: requestTimeout, deadline: deadline, maxAttempts: maxAttempts,
                                      initialBackoff: .milliseconds(20), maxBackoff: .milliseconds(200), maxRetryAfter: .seconds(5),
                                      maxConcurrentRequests: maxConcurrentRequests, maxPages: maxPages, idsPerRequest: idsPerRequest)
    if let waits { options.sleep = waits.record }
    return options
}

/// The waits a client asked for between attempts, in order; it returns at once instead of sleeping.
final class WaitRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private var asked: [Duration] = []

    var waits: [Duration] { lock.withLock { asked } }

    @Sendable func record(_ wait: Duration) async throws {
        lock.withLock { asked.append(wait) }
    }
}

func client(for emulator: SecodaEmulator, options: SecodaClientOptions = quickOptions(),
            token: String? = nil) throws -> SecodaClient {
    try SecodaClient(baseURL: emulator.baseURL.absoluteString, apiKey: token ?? emulator.token, options: options)
}

/// Runs `body` and returns the CatalogError it throws (nil if it does not throw one).
func catalogError(_ body: () async throws -> Void) async -> CatalogError? {
    do {
        try await body()
        return nil
    } catch let error as CatalogError {
        return error
    } catch {
        return CatalogError(.rejected, "unexpected error type: \(error)")
    }
}

/// A dbt model node for a ProjectGraph.
func dbtModel(_ name: String, children: [String] = [], database: String = "analytics", schema: String = "prod",
              type: String = "model", owners: [Owner] = []) -> ProjectGraphNode {
    ProjectGraphNode(id: "\(type).shop.\(name)", name: name, type: type,
                     relation: type == "exposure" ? nil : Relation(database: database, schema: schema, identifier: name),
                     owners: owners, children: children)
}

/// A changed model whose table is `analytics.prod.<name>` (where `SeedBuilder` puts its tables).
func modelRequest(_ name: String, wantsPIIColumns: Bool = false) -> ImpactRequest {
    ImpactRequest(name: name, relation: Relation(database: "analytics", schema: "prod", identifier: name),
                  dbtId: "model.shop.\(name)", wantsPIIColumns: wantsPIIColumns)
}

/// Catalog settings that reach `emulator`, its key in `TEST_SECODA_KEY` (`catalogEnvironment`).
func catalogSettings(_ emulator: SecodaEmulator, snapshotPath: String? = nil, requestTimeout: Duration = .seconds(5),
                     maxAttempts: Int = 1) -> CatalogSettings {
    CatalogSettings(baseURL: emulator.baseURL.absoluteString, tokenEnv: "TEST_SECODA_KEY", snapshotPath: snapshotPath,
                    requestTimeout: requestTimeout, deadline: .seconds(30), maxAttempts: maxAttempts)
}

/// The environment `catalogSettings` reads the key from.
func catalogEnvironment(_ emulator: SecodaEmulator) -> [String: String] { ["TEST_SECODA_KEY": emulator.token] }
