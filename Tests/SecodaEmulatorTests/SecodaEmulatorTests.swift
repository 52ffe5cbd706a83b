import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import GateModel
@testable import SecodaEmulator
import Testing

/// The emulator over real HTTP, with a plain URLSession (no contract-gate client involved).
@Suite struct SecodaEmulatorTests {
    struct Reply {
        var status: Int
        var headers: [String: String]
        var json: JSONValue?
    }

    static let session: URLSession = {
        // FoundationNetworking (libcurl) ignores connectionProxyDictionary and honours http_proxy
        // even for 127.0.0.1: keep loopback out of any proxy the environment names.
        for name in ["no_proxy", "NO_PROXY"] {
            let current = ProcessInfo.processInfo.environment[name] ?? ""
            setenv(name, current.isEmpty ? "127.0.0.1,localhost" : current + ",127.0.0.1,localhost", 1)
        }
        let configuration = URLSessionConfiguration.ephemeral
        configuration.connectionProxyDictionary = [:]
        return URLSession(configuration: configuration)
    }()

    static func call(_ emulator: SecodaEmulator, _ method: String, _ path: String, query: [String: String] = [:],
                     body: JSONValue? = nil, token: String? = nil) async throws -> Reply {
        var components = try #require(URLComponents(string: "http://127.0.0.1:\(emulator.port)\(path)"))
        if !query.isEmpty {
            components.queryItems = query.sorted { $0.key < $1.key }.map { URLQueryItem(name: $0.key, value: $0.value) }
        }
        var request = URLRequest(url: try #require(components.url))
        request.httpMethod = method
        request.setValue("Bearer \(token ?? emulator.token)", forHTTPHeaderField: "Authorization")
        if let body {
            request.httpBody = try JSONEncoder().encode(body)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let (data, response) = try await session.data(for: request)
        let http = try #require(response as? HTTPURLResponse)
        var headers: [String: String] = [:]
        for (key, value) in http.allHeaderFields { if let k = key as? String, let v = value as? String { headers[k.lowercased()] = v } }
        return Reply(status: http.statusCode, headers: headers, json: data.isEmpty ? nil : try? JSONDecoder().decode(JSONValue.self, from: data))
    }

    /// Starts an emulator, runs `body`, and stops the emulator before returning.
    static func serve(seed: EmulatorSeed, options: EmulatorOptions = EmulatorOptions(),
                      _ body: (SecodaEmulator) async throws -> Void) async throws {
        let emulator = try await SecodaEmulator.start(seed: seed, options: options)
        do {
            try await body(emulator)
        } catch {
            await emulator.stop()
            throw error
        }
        await emulator.stop()
    }

    static func filter(_ json: String) -> [String: String] { ["filter": json] }

    static func ids(_ reply: Reply) -> [String] {
        guard case .array(let results)? = reply.json?["results"] else { return [] }
        return results.compactMap { $0["id"]?.stringValue }
    }

    static func seed() -> (EmulatorSeed, [String: String]) {
        var b = SeedBuilder()
        let orders = b.table("orders", tags: ["fin"], pii: true, verified: true, usage: 10)
        let customers = b.table("customers", schema: "staging", usage: 30)
        let events = b.table("web_events", usage: nil)
        let dash = b.dashboard("Revenue", externalUsage: 40)
        let column = b.column("amount", of: orders)
        b.edge(orders, dash)
        b.user(firstName: "Ada", lastName: "L", email: "ada@example.com")
        b.group("Data Stewards")
        b.seed.teams.append(["id": .string("team-1"), "name": .string("Core"), "type": .string("OPEN")])
        return (b.seed, ["orders": orders, "customers": customers, "events": events, "dash": dash, "column": column])
    }

    /// The emulator writes its JSON itself (for speed); it must write what JSONEncoder writes.
    @Test func repliesAreWrittenAsJSONEncoderWritesThem() throws {
        let value: JSONValue = .object([
            "results": .array([
                .object(["id": .string("a0000000-0000-4000-8000-000000000001"), "title": .string("quote \" back\\slash /path"),
                         "pii": .bool(false), "verified": .bool(true), "external_usage": .null,
                         "control": .string("tab\tnew\nline\r\u{01}\u{1F} end"), "unicode": .string("café ☕ 𝔸")]),
            ]),
            "count": .number(315), "negative": .number(-42), "half": .number(0.5), "fraction": .number(123.25),
            "empty": .object([:]), "none": .array([]), "nested": .array([.array([.number(1)]), .object(["b": .null, "a": .bool(true)])]),
        ])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let expected = String(decoding: try encoder.encode(value), as: UTF8.self)
        #expect(String(decoding: EmulatorState.encode(value), as: UTF8.self) == expected)
        #expect(try JSONDecoder().decode(JSONValue.self, from: EmulatorState.encode(value)) == value)
    }

    @Test func healthcheckAndPrefixesAndTrailingSlashes() async throws {
        let (seed, ids) = Self.seed()
        try await Self.serve(seed: seed) { (emulator: SecodaEmulator) async throws in
            #expect(emulator.port > 0)
            #expect(try await Self.call(emulator, "GET", "/healthcheck").json?["status"] == .string("OK"))
            for path in ["/api/v1/table/tables/", "/api/v1/table/tables", "/table/tables/", "/table/tables"] {
                let reply = try await Self.call(emulator, "GET", path)
                #expect(reply.status == 200)
                #expect(Set(Self.ids(reply)) == Set([ids["orders"]!, ids["customers"]!, ids["events"]!]))
            }
            #expect(try await Self.call(emulator, "GET", "/api/v1/table/tables/\(ids["orders"]!)/").json?["title"] == .string("orders"))
            #expect(try await Self.call(emulator, "GET", "/api/v1/nothing/here/").status == 404)
            #expect(try await Self.call(emulator, "GET", "/api/v1/user/", token: "nope").status == 401)
        }
    }

    @Test func envelopePagesWithAbsoluteLinksThatKeepTheQuery() async throws {
        var b = SeedBuilder()
        for n in 1...120 { b.table("t_\(n)") }
        try await Self.serve(seed: b.seed) { (emulator: SecodaEmulator) async throws in
            let filter = #"{"operator":"contains","field":"title","value":"T_"}"#
            let first = try await Self.call(emulator, "GET", "/api/v1/resource/catalog/", query: Self.filter(filter))
            #expect(first.json?["count"] == .number(120) && first.json?["total_pages"] == .number(3))
            #expect(first.json?["links"]?["previous"] == .null)
            #expect(first.json?["meta"]?["page"] == .number(1) && first.json?["meta"]?["next_page"] == .number(2))
            let next = try #require(first.json?["links"]?["next"]?.stringValue)
            #expect(next.hasPrefix("http://127.0.0.1:\(emulator.port)/api/v1/resource/catalog/?"))
            let nextQuery = try #require(URLComponents(string: next)?.queryItems)
            #expect(nextQuery.contains(URLQueryItem(name: "filter", value: filter)))
            #expect(nextQuery.contains(URLQueryItem(name: "page", value: "2")))
            let third = try await Self.call(emulator, "GET", "/api/v1/resource/catalog/", query: ["filter": filter, "page": "3"])
            #expect(Self.ids(third).count == 20)
            #expect(third.json?["links"]?["next"] == .null && third.json?["meta"]?["next_page"] == .null)
            #expect(try await Self.call(emulator, "GET", "/api/v1/resource/catalog/", query: ["page": "9"]).status == 404)
        }
    }

    @Test func catalogFilterGrammarAndSort() async throws {
        let (seed, ids) = Self.seed()
        try await Self.serve(seed: seed) { (emulator: SecodaEmulator) async throws in
            func query(_ filter: String, sort: String? = nil) async throws -> [String] {
                var q = Self.filter(filter)
                if let sort { q["sort"] = sort }
                return Self.ids(try await Self.call(emulator, "GET", "/api/v1/resource/catalog/", query: q))
            }
            let tables = #"{"operator":"exact","field":"type","value":"table"}"#
            // Default order: external usage, most used first (null last).
            #expect(try await query(tables) == [ids["customers"]!, ids["orders"]!, ids["events"]!])
            #expect(try await query(tables, sort: #"{"field":"title","order":"asc","tie_breaker":null}"#)
                == [ids["customers"]!, ids["orders"]!, ids["events"]!])
            #expect(try await query(tables, sort: #"{"field":"schema","order":"desc","tie_breaker":{"field":"title","order":"desc"}}"#)
                == [ids["customers"]!, ids["events"]!, ids["orders"]!])
            #expect(try await query(#"{"operator":"and","operands":[\#(tables),{"operator":"contains","field":"title","value":"EVENT"}]}"#)
                == [ids["events"]!])
            #expect(Set(try await query(#"{"operator":"or","operands":[{"operator":"exact","field":"pii","value":true},{"operator":"exact","field":"type","value":"dashboard"}]}"#))
                == Set([ids["orders"]!, ids["dash"]!]))
            #expect(try await query(#"{"operator":"and","operands":[\#(tables),{"operator":"not","operands":[{"operator":"exact","field":"schema","value":"prod"}]}]}"#)
                == [ids["customers"]!])
            #expect(Set(try await query(#"{"operator":"in","field":"id","value":["\#(ids["orders"]!)","\#(ids["dash"]!)","missing"]}"#))
                == Set([ids["orders"]!, ids["dash"]!]))
            // Lookups pinned to ids (answered from the id index) filter and order as a scan does.
            let byIds = #"{"operator":"in","field":"id","value":["\#(ids["events"]!)","\#(ids["dash"]!)","\#(ids["orders"]!)","\#(ids["customers"]!)"]}"#
            #expect(try await query(#"{"operator":"and","operands":[\#(tables),\#(byIds)]}"#) == [ids["customers"]!, ids["orders"]!, ids["events"]!])
            #expect(try await query(#"{"operator":"exact","field":"id","value":"\#(ids["events"]!)"}"#) == [ids["events"]!])
            #expect(try await query(#"{"operator":"and","operands":[\#(byIds),{"operator":"exact","field":"id","value":"\#(ids["dash"]!)"}]}"#) == [ids["dash"]!])
            #expect(try await query(#"{"operator":"and","operands":[\#(tables),{"operator":"is_set","field":"external_usage","value":null}]}"#).count == 2)
            #expect(try await query(#"{"operator":"exact","field":"tags","value":"fin"}"#) == [ids["orders"]!])
            #expect(try await query(#"{"operator":"exact","field":"parent_id","value":"\#(ids["orders"]!)"}"#) == [ids["column"]!])
            let bad = try await Self.call(emulator, "GET", "/api/v1/resource/catalog/", query: Self.filter(#"{"operator":"near","field":"x"}"#))
            #expect(bad.status == 400)
            #expect(bad.json?["detail"]?.stringValue?.contains("Check filter/sort format") == true)
        }
    }

    @Test func patchKeepsUnspecifiedFields() async throws {
        let (seed, ids) = Self.seed()
        try await Self.serve(seed: seed) { (emulator: SecodaEmulator) async throws in
            let orders = ids["orders"]!
            // A listing read before a change is not served stale after it.
            let described = Self.filter(#"{"operator":"contains","field":"description","value":"one row each"}"#)
            #expect(Self.ids(try await Self.call(emulator, "GET", "/api/v1/resource/catalog/", query: described)).isEmpty)
            let patched = try await Self.call(emulator, "PATCH", "/api/v1/table/tables/\(orders)/",
                                              body: .object(["description": .string("Orders, one row each"), "id": .string("hijack")]))
            #expect(patched.status == 200)
            #expect(patched.json?["description"] == .string("Orders, one row each"))
            let fetched = try await Self.call(emulator, "GET", "/api/v1/resource/all/\(orders)")
            #expect(fetched.json?["id"] == .string(orders))
            #expect(fetched.json?["pii"] == .bool(true) && fetched.json?["tags"] == .array([.string("fin")]))
            #expect(Self.ids(try await Self.call(emulator, "GET", "/api/v1/resource/catalog/", query: described)) == [orders])
            #expect(try await Self.call(emulator, "PATCH", "/api/v1/table/tables/\(ids["dash"]!)/", body: .object([:])).status == 404)
            let columns = try await Self.call(emulator, "GET", "/api/v1/table/columns/", query: ["table_title": "orders"])
            #expect(Self.ids(columns) == [ids["column"]!])
            #expect(Self.ids(try await Self.call(emulator, "GET", "/api/v1/dashboard/dashboards/")) == [ids["dash"]!])
        }
    }

    @Test func lineageFiltersPostMirrorDuplicateAndDelete() async throws {
        let (seed, ids) = Self.seed()
        try await Self.serve(seed: seed) { (emulator: SecodaEmulator) async throws in
            let (orders, customers, dash) = (ids["orders"]!, ids["customers"]!, ids["dash"]!)
            let seeded = try await Self.call(emulator, "GET", "/api/v1/lineage/manual/", query: ["from_entity": orders])
            #expect(seeded.json?["results"]?[0]?["to_entity"] == .string(dash))
            let row = try #require(seeded.json.flatMap { value -> JSONValue? in
                if case .array(let rows)? = value["results"] { return rows.first } else { return nil }
            })
            #expect(row["to_entity_id"] == .string(dash) && row["direction"] == .string("DOWNSTREAM"))

            let created = try await Self.call(emulator, "POST", "/api/v1/lineage/manual/",
                                              body: .object(["from_entity": .string(customers), "to_entity": .string(dash),
                                                             "direction": .string("DOWNSTREAM")]))
            #expect(created.status == 201)
            let createdId = try #require(created.json?["id"]?.stringValue)
            let mirror = try await Self.call(emulator, "GET", "/api/v1/lineage/manual/", query: ["from_entity_id": dash, "to_entity": customers])
            #expect(mirror.json?["count"] == .number(1))
            #expect(mirror.json?["results"]?[0]?["direction"] == .string("UPSTREAM"))
            let duplicate = try await Self.call(emulator, "POST", "/api/v1/lineage/manual/",
                                                body: .object(["from_entity_id": .string(customers), "to_entity_id": .string(dash)]))
            #expect(duplicate.status == 400)
            let both = try await Self.call(emulator, "GET", "/lineage/manual", query: ["from_entity__in": "\(orders),\(customers)"])
            #expect(both.json?["count"] == .number(2))
            #expect(try await Self.call(emulator, "GET", "/api/v1/lineage/manual/", query: ["to_entity__in": dash]).json?["count"] == .number(2))
            #expect(try await Self.call(emulator, "GET", "/api/v1/lineage/manual/\(createdId)/").status == 200)
            #expect(try await Self.call(emulator, "DELETE", "/api/v1/lineage/manual/\(createdId)/").status == 204)
            #expect(try await Self.call(emulator, "GET", "/api/v1/lineage/manual/\(createdId)/").status == 404)
            #expect(try await Self.call(emulator, "GET", "/api/v1/lineage/manual/", query: ["from_entity": dash]).json?["count"] == .number(1))
        }
    }

    @Test func usersGroupsTeams() async throws {
        let (seed, _) = Self.seed()
        try await Self.serve(seed: seed) { (emulator: SecodaEmulator) async throws in
            #expect(try await Self.call(emulator, "GET", "/api/v1/user/").json?["results"]?[0]?["email"] == .string("ada@example.com"))
            #expect(try await Self.call(emulator, "GET", "/api/v1/auth/group/").json?["results"]?[0]?["name"] == .string("Data Stewards"))
            #expect(try await Self.call(emulator, "GET", "/api/v1/auth/teams/team-1/").json?["name"] == .string("Core"))
        }
    }

    @Test func writesAreRateLimited() async throws {
        let (seed, ids) = Self.seed()
        try await Self.serve(seed: seed, options: EmulatorOptions(writesPerMinute: 3)) { (emulator: SecodaEmulator) async throws in
            var statuses: [Int] = []
            for n in 0..<4 {
                statuses.append(try await Self.call(emulator, "PATCH", "/api/v1/resource/all/\(ids["orders"]!)/",
                                                    body: .object(["description": .string("v\(n)")])).status)
            }
            #expect(statuses == [200, 200, 200, 429])
            let limited = try await Self.call(emulator, "PATCH", "/api/v1/resource/all/\(ids["orders"]!)/", body: .object([:]))
            #expect(limited.status == 429)
            #expect(Int(limited.headers["retry-after"] ?? "") ?? 0 >= 1)
            // Reads are not limited.
            #expect(try await Self.call(emulator, "GET", "/api/v1/resource/all/\(ids["orders"]!)/").status == 200)
        }
    }

    @Test func adminAPISetsFaultsCountsAndResets() async throws {
        let (seed, ids) = Self.seed()
        try await Self.serve(seed: seed) { (emulator: SecodaEmulator) async throws in
            let plan: JSONValue = .object(["queue": .array([.object(["kind": .string("status"), "status": .number(503),
                                                                     "retry_after": .number(2)])])])
            #expect(try await Self.call(emulator, "POST", "/_emulator/faults", body: plan).status == 200)
            let faulted = try await Self.call(emulator, "GET", "/api/v1/user/")
            #expect(faulted.status == 503 && faulted.headers["retry-after"] == "2")
            #expect(try await Self.call(emulator, "GET", "/api/v1/user/").status == 200)
            _ = try await Self.call(emulator, "PATCH", "/api/v1/resource/all/\(ids["orders"]!)/", body: .object(["title": .string("renamed")]))
            let log = try await Self.call(emulator, "GET", "/_emulator/requests")
            #expect(log.json?["count"] == .number(3))
            #expect(log.json?["requests"]?[0]?["status"] == .number(503))
            #expect(log.json?["requests"]?[0]?["route"] == .string("user"))
            #expect(try await Self.call(emulator, "POST", "/_emulator/faults", body: .object(["queue": .array([.object(["kind": .string("explode")])])])).status == 400)
            #expect(try await Self.call(emulator, "POST", "/_emulator/reset").status == 200)
            #expect(try await Self.call(emulator, "GET", "/_emulator/requests").json?["count"] == .number(0))
            #expect(try await Self.call(emulator, "GET", "/api/v1/resource/all/\(ids["orders"]!)/").json?["title"] == .string("orders"))
        }
    }

    @Test func randomErrorRatesAreSeededAndRepeatable() async throws {
        let (seed, _) = Self.seed()
        func run() async throws -> [Int] {
            let emulator = try await SecodaEmulator.start(seed: seed, options: EmulatorOptions(
                faults: FaultPlan(errorRates: ["500": 0.5], randomSeed: 7)))
            var statuses: [Int] = []
            for _ in 0..<20 { statuses.append(try await Self.call(emulator, "GET", "/api/v1/user/").status) }
            await emulator.stop()
            return statuses
        }
        let first = try await run()
        #expect(first == (try await run()))
        #expect(first.contains(500) && first.contains(200))
    }

    @Test func syntheticSeedHasTheRequestedShape() {
        let seed = SeedBuilder.synthetic(tables: 31, fanOut: 2, dashboardsPerLeaf: 2, staleEvery: 4).seed
        let tables = seed.resources.filter { $0["entity_type"] == .string("table") }
        let dashboards = seed.resources.filter { $0["entity_type"] == .string("dashboard") }
        #expect(tables.count == 31)
        // A binary tree of 31 nodes has 16 leaves, each feeding 2 dashboards.
        #expect(dashboards.count == 32)
        #expect(seed.lineage.count == 30 + 32)
        #expect(dashboards.filter { $0["external_usage"] == .null }.count == 8)
        #expect(Set(seed.resources.compactMap { $0["id"]?.stringValue }).count == seed.resources.count)
    }

    @Test func seedFilesLoadAndBadOnesSayWhy() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("emulator-seed-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let good = folder.appendingPathComponent("seed.json")
        try Data(#"{"resources":[{"id":"a","entity_type":"table","title":"t"}],"lineage":[{"from_entity_id":"a","to_entity_id":"b"}]}"#.utf8).write(to: good)
        let seed = try EmulatorSeed.load(from: good)
        #expect(seed.resources.count == 1 && seed.lineage == [SeedLineageEdge(from: "a", to: "b")] && seed.users.isEmpty)
        let bad = folder.appendingPathComponent("bad.json")
        try Data(#"{"lineage":[{"from_entity":"a"}]}"#.utf8).write(to: bad)
        #expect(throws: EmulatorSeedError.self) { try EmulatorSeed.load(from: bad) }
        #expect(throws: EmulatorSeedError.self) { try EmulatorSeed.load(from: folder.appendingPathComponent("none.json")) }
    }
}

extension JSONValue {
    /// Element of a JSON array (nil when not an array or out of range).
    subscript(index: Int) -> JSONValue? {
        guard case .array(let items) = self, items.indices.contains(index) else { return nil }
        return items[index]
    }
}
