import Foundation
@testable import GateLineage
@testable import SecodaAPI
import GateModel
import GateTestSupport
import SecodaEmulator
import Testing

/// The Secoda client against the emulator over real HTTP on 127.0.0.1.
@Suite struct SecodaClientTests {
    static let typeTable = #"{"operator":"exact","field":"type","value":"table"}"#

    static func tables(_ count: Int) -> EmulatorSeed {
        var builder = SeedBuilder()
        for n in 1...count { builder.table("t_\(n)", usage: n) }
        return builder.seed
    }

    @Test func followsNextLinksAcrossManyPages() async throws {
        try await withEmulator(Self.tables(260)) { emulator in
            let items = try await client(for: emulator).list("resource/catalog/", query: [("filter", Self.typeTable)],
                                                             as: CatalogResource.self)
            #expect(items.count == 260)
            #expect(Set(items.map(\.id)).count == 260)
            let requests = await emulator.state.requests()
            #expect(requests.count == 6)  // 260 / 50 per page
            // Page 1 first; pages 2-6 (known from `total_pages`) go out concurrently, in any order.
            #expect(requests.first?.query["page"] == nil)
            #expect(requests.map { Int($0.query["page"] ?? "1") ?? 0 }.sorted() == [1, 2, 3, 4, 5, 6])
            // Items keep page order: resource/catalog sorts by usage, most used first (t_n has usage n).
            #expect(items.map(\.title) == (1...260).reversed().map { "t_\($0)" })
            // The filter survives into every next link, and the trailing slash and token are sent.
            #expect(requests.allSatisfy { $0.query["filter"] == Self.typeTable && $0.hadAuthorization })
            #expect(requests.allSatisfy { $0.path.hasSuffix("/resource/catalog/") && $0.path.hasPrefix("/api/v1/") })
        }
    }

    @Test func retriesServerErrorsThenSucceeds() async throws {
        let faults = FaultPlan(queue: [.status(503, retryAfter: nil), .status(500, retryAfter: nil)])
        try await withEmulator(Self.tables(3), options: EmulatorOptions(faults: faults)) { emulator in
            let items = try await client(for: emulator).list("resource/all/", as: CatalogResource.self)
            #expect(items.count == 3)
            #expect(await emulator.state.requests().map(\.status) == [503, 500, 200])
        }
    }

    @Test func persistentServerErrorsStopAfterTheAttemptBudget() async throws {
        let faults = FaultPlan(errorRates: ["502": 1.0])
        try await withEmulator(Self.tables(3), options: EmulatorOptions(faults: faults)) { emulator in
            let error = await catalogError {
                _ = try await client(for: emulator, options: quickOptions(maxAttempts: 3)).list("resource/all/", as: CatalogResource.self)
            }
            #expect(error?.kind == .unavailable)
            #expect(error?.exitCode == .catalogUnavailable)
            #expect(error?.message.contains("HTTP 502") == true)
            #expect(error?.message.contains("gave up after 3 attempts") == true)
            #expect(await emulator.state.requests().count == 3)
        }
    }

    @Test func honoursRetryAfterOn429() async throws {
        let faults = FaultPlan.burst(429, count: 1, retryAfter: 1)
        try await withEmulator(Self.tables(3), options: EmulatorOptions(faults: faults)) { emulator in
            let recorder = WaitRecorder()
            let items = try await client(for: emulator, options: quickOptions(waits: recorder))
                .list("resource/all/", as: CatalogResource.self)
            #expect(items.count == 3)
            #expect(recorder.waits == [.seconds(1)])  // waited as told, not the 20 ms backoff
            #expect(await emulator.state.requests().map(\.status) == [429, 200])
        }
    }

    @Test func backsOffOn429BurstWithoutRetryAfter() async throws {
        let faults = FaultPlan.burst(429, count: 2)
        try await withEmulator(Self.tables(3), options: EmulatorOptions(faults: faults)) { emulator in
            let recorder = WaitRecorder()
            let items = try await client(for: emulator, options: quickOptions(waits: recorder))
                .list("resource/all/", as: CatalogResource.self)
            #expect(items.count == 3)
            #expect(await emulator.state.requests().map(\.status) == [429, 429, 200])
            // One backoff per retry, each within its jittered band: [10, 20] ms, then [20, 40] ms.
            let waits = recorder.waits
            #expect(waits.count == 2)
            if waits.count == 2 {
                #expect(waits[0] >= .milliseconds(10) && waits[0] <= .milliseconds(20), "\(waits)")
                #expect(waits[1] >= .milliseconds(20) && waits[1] <= .milliseconds(40), "\(waits)")
            }
        }
    }

    @Test func persistent429IsRateLimitedError() async throws {
        try await withEmulator(Self.tables(3), options: EmulatorOptions(faults: .burst(429, count: 10))) { emulator in
            let recorder = WaitRecorder()
            let error = await catalogError {
                _ = try await client(for: emulator, options: quickOptions(maxAttempts: 2, waits: recorder))
                    .list("resource/all/", as: CatalogResource.self)
            }
            #expect(error?.kind == .rateLimited)
            #expect(await emulator.state.requests().count == 2)
            #expect(recorder.waits.count == 1)  // between the two attempts, not after the last
        }
    }

    @Test func retryAfterBeyondPatienceFailsAtOnce() async throws {
        try await withEmulator(Self.tables(3), options: EmulatorOptions(faults: .burst(429, count: 1, retryAfter: 3600))) { emulator in
            let recorder = WaitRecorder()
            let error = await catalogError {
                _ = try await client(for: emulator, options: quickOptions(waits: recorder)).list("resource/all/", as: CatalogResource.self)
            }
            #expect(error?.kind == .rateLimited)
            #expect(error?.message.contains("asked to wait 3600 s") == true)
            // At once: no wait at all, not the hour asked for.
            #expect(recorder.waits.isEmpty)
            #expect(await emulator.state.requests().count == 1)
        }
    }

    @Test func retriesDroppedConnections() async throws {
        try await withEmulator(Self.tables(3), options: EmulatorOptions(faults: FaultPlan(queue: [.drop]))) { emulator in
            let items = try await client(for: emulator).list("resource/all/", as: CatalogResource.self)
            #expect(items.count == 3)
            let statuses = await emulator.state.requests().map(\.status)
            #expect(statuses.first == 0)
            #expect(statuses.last == 200)
        }
    }

    @Test func persistentDropsAreUnavailable() async throws {
        let faults = FaultPlan(queue: Array(repeating: .drop, count: 10))
        try await withEmulator(Self.tables(3), options: EmulatorOptions(faults: faults)) { emulator in
            let error = await catalogError {
                _ = try await client(for: emulator, options: quickOptions(maxAttempts: 2)).list("resource/all/", as: CatalogResource.self)
            }
            #expect(error?.kind == .unavailable)
            #expect(error?.exitCode == .catalogUnavailable)
        }
    }

    @Test func retriesTruncatedBodies() async throws {
        try await withEmulator(Self.tables(40), options: EmulatorOptions(faults: FaultPlan(queue: [.truncate]))) { emulator in
            let items = try await client(for: emulator).list("resource/all/", as: CatalogResource.self)
            #expect(items.count == 40)
            #expect(await emulator.state.requests().count == 2)
        }
    }

    @Test func retriesATimedOutRequest() async throws {
        try await withEmulator(Self.tables(3), options: EmulatorOptions(faults: FaultPlan(queue: [.delay(ms: 4000)]))) { emulator in
            let recorder = WaitRecorder()
            let items = try await client(for: emulator, options: quickOptions(requestTimeout: .milliseconds(700), waits: recorder))
                .list("resource/all/", as: CatalogResource.self)
            #expect(items.count == 3)
            // It gave up on the slow answer and asked again (on a loaded machine a retry may
            // itself time out, so only the bounds are fixed), with one backoff per retry.
            let count = await emulator.state.requests().count
            #expect(count >= 2 && count <= 4)
            #expect(recorder.waits.count == count - 1)
        }
    }

    @Test func persistentTimeoutsAreTimeoutErrors() async throws {
        try await withEmulator(Self.tables(3), options: EmulatorOptions(faults: FaultPlan(latencyMs: 1000))) { emulator in
            let error = await catalogError {
                _ = try await client(for: emulator, options: quickOptions(requestTimeout: .milliseconds(200), maxAttempts: 2))
                    .list("resource/all/", as: CatalogResource.self)
            }
            #expect(error?.kind == .timeout)
            #expect(error?.message.contains("no answer within") == true)
        }
    }

    @Test func respectsTheOverallDeadline() async throws {
        try await withEmulator(Self.tables(600), options: EmulatorOptions(faults: FaultPlan(latencyMs: 300))) { emulator in
            let error = await catalogError {
                _ = try await client(for: emulator, options: quickOptions(requestTimeout: .seconds(5), deadline: .milliseconds(800)))
                    .list("resource/all/", as: CatalogResource.self)
            }
            #expect(error?.kind == .timeout)
            #expect(error?.message.contains("deadline") == true)
            // 12 pages at 300 ms, even 4 at a time, take 1.2 s; the deadline (0.8 s) stops it
            // before all of them are asked for.
            #expect(await emulator.state.requests().count < 12)
        }
    }

    @Test func fetchesTheRemainingPagesConcurrentlyOnceTheCountIsKnown() async throws {
        // With latency, requests only overlap if the client sent pages 2-6 without waiting for each next link.
        try await withEmulator(Self.tables(260), options: EmulatorOptions(faults: FaultPlan(latencyMs: 100))) { emulator in
            let items = try await client(for: emulator).list("resource/all/", as: CatalogResource.self)
            #expect(Set(items.map(\.id)).count == 260)
            #expect(await emulator.state.requests().count == 6)
            let peak = await emulator.state.peakConcurrentRequests()
            #expect(peak >= 2)
            #expect(peak <= SecodaClientOptions().maxConcurrentRequests)
        }
    }

    /// URLSession allows 6 connections per host by default and queues the rest: the transport
    /// must make room for every request slot, or 16 slots would quietly be 6.
    @Test func moreRequestsThanURLSessionsDefaultConnectionsAreInFlightAtOnce() async throws {
        try await withEmulator(Self.tables(600), options: EmulatorOptions(faults: FaultPlan(latencyMs: 300))) { emulator in
            let options = quickOptions(requestTimeout: .seconds(10), deadline: .seconds(60), maxConcurrentRequests: 12)
            let items = try await client(for: emulator, options: options).list("resource/all/", as: CatalogResource.self)
            #expect(Set(items.map(\.id)).count == 600)
            #expect(await emulator.state.requests().count == 12)
            let peak = await emulator.state.peakConcurrentRequests()
            #expect(peak > 6, "peak \(peak) requests in flight")
            #expect(peak <= 12)
        }
        #expect(URLSessionTransport(maxConnectionsPerHost: 12).maxConnectionsPerHost == 12)
    }

    @Test func refusesALoopingNextLink() async throws {
        try await withEmulator(Self.tables(120), options: EmulatorOptions(faults: FaultPlan(nextLink: .loop))) { emulator in
            let error = await catalogError { _ = try await client(for: emulator).list("resource/all/", as: CatalogResource.self) }
            #expect(error?.kind == .invalidResponse)
            #expect(error?.message.contains("loops") == true)
            #expect(await emulator.state.requests().count == 2)
        }
    }

    @Test func refusesACrossHostNextLinkAndNeverSendsTheToken() async throws {
        // `localhost` reaches this same emulator: had the client followed the link, the log would show it.
        let faults = FaultPlan(nextLink: .crossHost, crossHost: "localhost")
        try await withEmulator(Self.tables(120), options: EmulatorOptions(faults: faults)) { emulator in
            let error = await catalogError { _ = try await client(for: emulator).list("resource/all/", as: CatalogResource.self) }
            #expect(error?.kind == .invalidResponse)
            #expect(error?.message.contains("another host") == true)
            let requests = await emulator.state.requests()
            #expect(requests.count == 1)
            #expect(requests.allSatisfy { $0.host.hasPrefix("127.0.0.1") })
        }
    }

    @Test func pageCapStopsEndlessListings() async throws {
        try await withEmulator(Self.tables(160)) { emulator in
            let error = await catalogError {
                _ = try await client(for: emulator, options: quickOptions(maxPages: 2)).list("resource/all/", as: CatalogResource.self)
            }
            #expect(error?.kind == .invalidResponse)
            #expect(error?.message.contains("more than 2 pages") == true)
        }
    }

    /// Without `total_pages` the pages are followed link by link: all of them, one at a time.
    @Test func followsUncountedListingsLinkByLink() async throws {
        let faults = FaultPlan(latencyMs: 30, nextLink: .uncounted)
        try await withEmulator(Self.tables(160), options: EmulatorOptions(faults: faults)) { emulator in
            let items = try await client(for: emulator).list("resource/all/", as: CatalogResource.self)
            #expect(Set(items.map(\.id)).count == 160)
            #expect(await emulator.state.requests().count == 4)
            #expect(await emulator.state.peakConcurrentRequests() == 1)
        }
    }

    /// A reader that can use part of a listing (the lineage walk) gets the pages up to the cap
    /// and is told that was not all — whether the pages are fetched together or link by link.
    @Test func listPrefixStopsAtThePageCapAndSaysSo() async throws {
        for nextLink in [nil, NextLinkFault.uncounted] {
            try await withEmulator(Self.tables(160), options: EmulatorOptions(faults: FaultPlan(nextLink: nextLink))) { emulator in
                let capped = try client(for: emulator, options: quickOptions(maxPages: 2))
                let whole = try await capped.listPrefix("resource/all/", as: CatalogResource.self, maxPages: 4)
                #expect(whole.complete && whole.items.count == 160, "\(String(describing: nextLink))")
                await emulator.state.clearLog()

                let cut = try await capped.listPrefix("resource/all/", as: CatalogResource.self)
                #expect(!cut.complete, "\(String(describing: nextLink))")
                #expect(Set(cut.items.map(\.id)) == Set(whole.items.prefix(100).map(\.id)))
                #expect(await emulator.state.requests().count == 2)   // the third page is never asked for

                let one = try await capped.listPrefix("resource/all/", as: CatalogResource.self, maxPages: 1)
                #expect(!one.complete && one.items.count == 50)
                // `list` still refuses a listing longer than its cap.
                let error = await catalogError { _ = try await capped.list("resource/all/", as: CatalogResource.self) }
                #expect(error?.message.contains("more than 2 pages") == true)
            }
        }
    }

    @Test func unauthorizedIsNotRetriedAndSaysWhatIsWrong() async throws {
        try await withEmulator(Self.tables(3)) { emulator in
            let error = await catalogError {
                _ = try await client(for: emulator, token: "wrong-key").list("resource/all/", as: CatalogResource.self)
            }
            #expect(error?.kind == .unauthorized)
            #expect(error?.message.contains("the API key is invalid or lacks access") == true)
            #expect(error?.exitCode == .catalogUnavailable)
            #expect(await emulator.state.requests().count == 1)
        }
    }

    @Test func tokenNeverAppearsInErrorsEvenWhenTheServerEchoesIt() async throws {
        let secret = "sk-live-5ecr3t-TOKEN-123"
        let faults = FaultPlan(errorRates: ["500": 1.0], echoAuthorization: true)
        try await withEmulator(Self.tables(3), options: EmulatorOptions(token: secret, faults: faults)) { emulator in
            let serverError = await catalogError {
                _ = try await client(for: emulator, options: quickOptions(maxAttempts: 2)).list("resource/all/", as: CatalogResource.self)
            }
            let text = String(describing: serverError)
            #expect(serverError?.kind == .unavailable)
            #expect(text.contains("Injected failure 500"))  // the body was read…
            #expect(!text.contains(secret))                   // …and scrubbed
            #expect(text.contains("[redacted]"))

            // A rejected key that the server quotes back in a 401 body.
            await emulator.state.setFaults(FaultPlan(echoAuthorization: true))
            let wrong = "sk-wrong-0ther-SECRET-987"
            let authError = await catalogError {
                _ = try await client(for: emulator, token: wrong).list("resource/all/", as: CatalogResource.self)
            }
            #expect(authError?.kind == .unauthorized)
            #expect(!String(describing: authError).contains(wrong))
        }
    }

    @Test func boundsRequestsInFlight() async throws {
        var builder = SeedBuilder()
        let ids = (1...60).map { builder.table("t_\($0)") }
        try await withEmulator(builder.seed, options: EmulatorOptions(faults: FaultPlan(latencyMs: 150))) { emulator in
            let source = SecodaCatalogSource(client: try client(for: emulator,
                                                               options: quickOptions(maxConcurrentRequests: 2, idsPerRequest: 5)))
            let found = try await source.resources(ids: ids)
            #expect(found.count == 60)
            #expect(await emulator.state.requests().count == 12)  // 60 ids / 5 per request
            let peak = await emulator.state.peakConcurrentRequests()
            #expect(peak <= 2)
            #expect(peak >= 1)
        }
    }

    @Test func configurationProblemsExitTwo() {
        #expect(throws: CatalogError.self) { try SecodaClient(baseURL: "http://api.secoda.co/api/v1/", apiKey: "k") }
        do {
            _ = try SecodaClient(baseURL: "http://api.secoda.co/api/v1/", apiKey: "k")
        } catch let error as CatalogError {
            #expect(error.exitCode == .usage)
            #expect(error.message.contains("https"))
        } catch {
            Issue.record("unexpected \(error)")
        }
        #expect((try? SecodaClient(baseURL: "https://api.secoda.co/api/v1/", apiKey: "  ")) == nil)
        #expect((try? SecodaClient(baseURL: "not a url", apiKey: "k")) == nil)
        #expect((try? SecodaClient(baseURL: "https://user:pw@api.secoda.co/", apiKey: "k")) == nil)
        // Loopback may use plain http; a missing trailing slash is added.
        let local = try? SecodaClient(baseURL: "http://127.0.0.1:9/api/v1", apiKey: "k")
        #expect(local?.baseURL.absoluteString == "http://127.0.0.1:9/api/v1/")
        #expect(SecodaEndpoint.isLoopback("localhost") && SecodaEndpoint.isLoopback("127.1.2.3") && SecodaEndpoint.isLoopback("[::1]"))
        #expect(!SecodaEndpoint.isLoopback("127.example.com") && !SecodaEndpoint.isLoopback("10.0.0.1"))
    }

    @Test func retryAfterParsesSecondsAndDates() {
        #expect(SecodaClient.retryAfter("2") == .seconds(2))
        #expect(SecodaClient.retryAfter("0.5") == .milliseconds(500))
        #expect(SecodaClient.retryAfter("soon") == nil)
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let inTenSeconds = formatter.string(from: now.addingTimeInterval(10))
        #expect(SecodaClient.retryAfter(inTenSeconds, now: now) == .seconds(10))
        #expect(SecodaClient.retryAfter(inTenSeconds, now: now.addingTimeInterval(60)) == .zero)  // a date passed: at once
    }
}

/// Decoding what real Secoda responses look like across doc generations.
@Suite struct SecodaWireTests {
    @Test func pageTreatsTheStringNoneAsNoNextPage() throws {
        let json = #"{"links":{"next":"None","previous":"None"},"meta":{"page":1,"previous_page":"None","next_page":"None"},"count":1,"total_pages":1,"results":[{"id":"a-1","title":"x"}],"resource_totals":{}}"#
        let page = try JSONDecoder().decode(SecodaPage<CatalogResource>.self, from: Data(json.utf8))
        #expect(page.next == nil)
        #expect(page.results.map(\.id) == ["a-1"])
        let drf = #"{"count":2,"next":"https://api.secoda.co/x/?page=2","previous":null,"results":[]}"#
        #expect(try JSONDecoder().decode(SecodaPage<CatalogResource>.self, from: Data(drf.utf8)).next == "https://api.secoda.co/x/?page=2")
    }

    @Test func lineageRowsAcceptBothKeyGenerations() throws {
        let old = #"{"from_entity":"a-1","to_entity":"b-2","direction":"DOWNSTREAM","is_manual":"true"}"#
        let new = #"{"id":"l-1","from_entity_id":"a-1","to_entity_id":"b-2","direction":"downstream","workspace_id":"w"}"#
        for text in [old, new] {
            let row = try JSONDecoder().decode(LineageRow.self, from: Data(text.utf8))
            #expect(row.from == "a-1" && row.to == "b-2" && row.direction == "DOWNSTREAM")
        }
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(LineageRow.self, from: Data(#"{"from_entity":"a,1","to_entity":"b"}"#.utf8))
        }
    }

    @Test func resourcesAreTolerantExceptAboutIds() throws {
        let text = #"{"id":"d935a76c-2125-4c30-9389-ef42fa7e23bb","entity_type":"dashboard","title":"Revenue","pii":"true","verified":"False","external_usage":"40","internal_usage":3.0,"owners":["u-1"],"owner_groups":["g-1"],"tags":null,"brand_new_field":{"x":1}}"#
        let resource = try JSONDecoder().decode(CatalogResource.self, from: Data(text.utf8))
        #expect(resource.pii && !resource.verified)
        #expect(resource.externalUsage == 40 && resource.internalUsage == 3)
        #expect(resource.owners == ["u-1"] && resource.ownerGroups == ["g-1"] && resource.tags.isEmpty)
        #expect(resource.database == nil && resource.url == nil)
        for bad in [#"{"title":"no id"}"#, #"{"id":42}"#, #"{"id":""}"#, #"{"id":"has space"}"#] {
            #expect(throws: DecodingError.self) { try JSONDecoder().decode(CatalogResource.self, from: Data(bad.utf8)) }
        }
    }

    @Test func placeComesFromFieldsElseTitleFull() {
        let fields = CatalogResource(id: "a", type: "table", title: "orders", titleFull: "x.y.orders", database: "DB", schema: "S")
        #expect(fields.place.database == "DB" && fields.place.schema == "S")
        let full = CatalogResource(id: "a", type: "table", title: "orders", titleFull: "analytics.prod.orders")
        #expect(full.relation.normalized == "analytics.prod.orders")
        let twoParts = CatalogResource(id: "a", type: "table", title: "orders", titleFull: "prod.orders")
        #expect(twoParts.place.database == nil && twoParts.place.schema == "prod")
    }
}
