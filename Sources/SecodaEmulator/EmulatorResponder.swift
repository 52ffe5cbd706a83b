import Foundation
import GateModel
import HTTPTypes
import Hummingbird
import NIOCore

/// The request context: Hummingbird's basics plus the channel, which the `drop` and
/// `truncate` faults close.
struct EmulatorRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
    }
}

/// Raised inside a response body to cut the connection (a `truncate` or `drop` fault).
struct ConnectionCut: Error {}

/// Routes every request by hand: the emulator must accept paths with and without the
/// `/api/v1` prefix and trailing slash, and log and fault requests before routing.
struct EmulatorResponder: HTTPResponder {
    typealias Context = EmulatorRequestContext
    let state: EmulatorState

    func respond(to request: Request, context: Context) async throws -> Response {
        var request = request
        let path = request.uri.path
        let route = EmulatorResponder.route(of: path)
        let query = EmulatorResponder.query(of: request.uri.string)
        let host = request.head.authority ?? "127.0.0.1"
        let method = request.method.rawValue
        let bodyBuffer = try await request.collectBody(upTo: 16 << 20)
        let body = Data(bodyBuffer.readableBytesView)

        if route.hasPrefix("_emulator/") || route == "_emulator" {
            return EmulatorResponder.response(await admin(method: method, route: route, body: body))
        }
        if route == "healthcheck" {
            return EmulatorResponder.response(.json(200, .object(["status": .string("OK")])))
        }

        let authorization = request.headers[.authorization]
        let entry = LoggedRequest(method: method, route: route, path: path, query: query, host: host,
                                  hadAuthorization: authorization != nil, status: 0)
        let logHandle = await state.record(entry)
        guard authorization == "Bearer \(state.options.token)" else {
            var message = "Invalid token."
            if await state.echoesAuthorization, let authorization { message += " Received: \(authorization)" }
            await state.finish(logHandle, status: 401, path: path)
            return EmulatorResponder.response(.detail(401, message))
        }

        // Counted until the handler returns (the body is written after), so the peak never
        // includes a request whose answer the client already has.
        await state.requestStarted()
        do {
            let response = try await answer(request: (method, route, path, query, host, body, request.uri.string), authorization: authorization,
                                            logHandle: logHandle, context: context)
            await state.requestFinished()
            return response
        } catch {
            await state.requestFinished()
            throw error
        }
    }

    /// Applies the request's fault, then answers it.
    private func answer(request: (method: String, route: String, path: String, query: [String: String], host: String, body: Data, uri: String),
                        authorization: String?, logHandle: Int, context: Context) async throws -> Response {
        let (method, route, path, query, host, body, uri) = request
        let decision = await state.decide(route: route)
        let delayMs: Int
        switch decision {
        case .answer(let ms), .status(_, _, let ms), .drop(let ms), .truncate(let ms), .stall(let ms),
             .invalidJSON(let ms), .redirect(let ms), .applyThenDrop(let ms), .applyThenStatus(_, let ms): delayMs = ms
        }
        if delayMs > 0 { try? await Task.sleep(for: .milliseconds(delayMs)) }

        switch decision {
        case .status(let status, let retryAfter, _):
            var message = "Injected failure \(status)."
            if await state.echoesAuthorization, let authorization { message += " Request had Authorization: \(authorization)" }
            await state.finish(logHandle, status: status, path: path)
            return EmulatorResponder.response(.detail(status, message, headers: retryAfter.map { [("Retry-After", String($0))] } ?? []))
        case .drop:
            context.channel.close(promise: nil)
            throw ConnectionCut()
        case .invalidJSON:
            await state.finish(logHandle, status: 200, path: path)
            var headers = HTTPFields()
            headers[.contentType] = "application/json"
            return Response(status: .ok, headers: headers,
                            body: ResponseBody(byteBuffer: ByteBuffer(string: "<html><body>502 Bad Gateway</body></html>")))
        case .redirect:
            await state.finish(logHandle, status: 307, path: path)
            let port = host.split(separator: ":").count == 2 ? host.split(separator: ":").last.map { ":\($0)" } ?? "" : ""
            let crossHost = await state.currentFaults().crossHost ?? "localhost"
            let target = "http://\(crossHost)\(port)\(uri)"
            return EmulatorResponder.response(.detail(307, "Moved.", headers: [("Location", target)]))
        case .answer, .truncate, .stall, .applyThenDrop, .applyThenStatus:
            break
        }

        let reply = await handle(method: method, route: route, path: path, query: query, host: host, body: body)
        switch decision {
        case .applyThenDrop:
            await state.finish(logHandle, status: reply.status, path: path)
            context.channel.close(promise: nil)
            throw ConnectionCut()
        case .applyThenStatus(let status, _):
            await state.finish(logHandle, status: status, path: path)
            return EmulatorResponder.response(.detail(status, "Injected failure \(status) after the request was carried out."))
        default:
            break
        }
        await state.finish(logHandle, status: reply.status, path: path)
        if case .stall = decision {
            let half = reply.body.prefix(reply.body.count / 2)
            let channel = context.channel
            var headers = EmulatorResponder.headers(reply)
            headers[.contentLength] = String(reply.body.count)
            return Response(status: .init(code: reply.status), headers: headers,
                             body: ResponseBody(contentLength: reply.body.count) { writer in
                                 try await writer.write(ByteBuffer(bytes: half))
                                 // Hold the connection open, sending nothing, until the client gives
                                 // up (or a minute passes, so a stopped emulator never waits longer).
                                 let giveUp = ContinuousClock.now + .seconds(60)
                                 while channel.isActive, ContinuousClock.now < giveUp {
                                     try await Task.sleep(for: .milliseconds(50))
                                 }
                                 channel.close(promise: nil)
                                 throw ConnectionCut()
                             })
        }
        if case .truncate = decision {
            let half = reply.body.prefix(reply.body.count / 2)
            let channel = context.channel
            var headers = EmulatorResponder.headers(reply)
            headers[.contentLength] = String(reply.body.count)
            return Response(status: .init(code: reply.status), headers: headers,
                             body: ResponseBody(contentLength: reply.body.count) { writer in
                                 try await writer.write(ByteBuffer(bytes: half))
                                 channel.close(promise: nil)
                                 throw ConnectionCut()
                             })
        }
        return EmulatorResponder.response(reply)
    }

    // MARK: Routing

    /// `/api/v1/lineage/manual/12/` → `lineage/manual/12`.
    static func route(of path: String) -> String {
        var parts = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        if parts.count >= 2, parts[0] == "api", parts[1] == "v1" { parts.removeFirst(2) }
        return parts.joined(separator: "/")
    }

    // `table/column` (singular) is pysecoda's spelling for column writes (SECODA_API.md §4, CONFLICT): both are served.
    static let collections = ["resource/catalog", "resource/all", "table/tables", "table/columns", "table/column",
                              "dashboard/dashboards", "lineage/manual", "user", "auth/group", "auth/teams"]

    /// Splits a route into a known collection and an optional id: `lineage/manual/7` → (`lineage/manual`, `7`).
    static func collection(of route: String) -> (String?, String?) {
        for collection in collections {
            if route == collection { return (collection, nil) }
            if route.hasPrefix(collection + "/") {
                let rest = String(route.dropFirst(collection.count + 1))
                return rest.contains("/") ? (nil, nil) : (collection, rest)
            }
        }
        return (nil, nil)
    }

    static func query(of uri: String) -> [String: String] {
        guard let items = URLComponents(string: uri)?.queryItems else { return [:] }
        var result: [String: String] = [:]
        for item in items { result[item.name] = item.value ?? "" }
        return result
    }

    func handle(method: String, route: String, path: String, query: [String: String], host: String,
                body: Data) async -> EmulatorReply {
        let (collection, id) = EmulatorResponder.collection(of: route)
        let isWrite = ["POST", "PATCH", "PUT"].contains(method)
        if isWrite, let limited = await state.admitWrite() { return limited }
        let page = Paging(query: query, path: path, host: host, pageSize: state.options.pageSize,
                          fault: await state.currentFaults())

        switch (method, collection, id) {
        case ("GET", "resource/catalog", nil):
            return await catalog(query: query, page: page)
        case ("GET", "resource/all", nil):
            return page.envelope(await state.allResources().map(JSONValue.object))
        case ("GET", "resource/all", let id?):
            return await state.resource(id: id).map { .json(200, .object($0)) } ?? .detail(404, "Not found.")
        case ("PATCH", "resource/all", let id?):
            return await patch(id: id, body: body, type: nil)
        case ("GET", "table/tables", nil):
            return page.envelope(await entities(type: "table", query: query, filters: ["integration_id", "parent_id", "title", "database", "schema"]))
        case ("GET", "table/tables", let id?):
            return await typed(id: id, type: "table")
        case ("PATCH", "table/tables", let id?):
            return await patch(id: id, body: body, type: "table")
        case ("GET", "table/columns", nil):
            return page.envelope(await columns(query: query))
        case ("GET", "table/columns", let id?), ("GET", "table/column", let id?):
            return await typed(id: id, type: "column")
        case ("PATCH", "table/columns", let id?), ("PATCH", "table/column", let id?):
            return await patch(id: id, body: body, type: "column")
        case ("GET", "dashboard/dashboards", nil):
            return page.envelope(await entities(type: "dashboard", query: query, filters: ["integration_id", "parent_id", "title"]))
        case ("GET", "dashboard/dashboards", let id?):
            return await typed(id: id, type: "dashboard")
        case ("GET", "lineage/manual", nil):
            return await lineage(query: query, page: page)
        case ("POST", "lineage/manual", nil):
            guard let object = EmulatorResponder.object(body) else { return .detail(400, "Body must be a JSON object.") }
            guard let from = (object["from_entity"] ?? object["from_entity_id"])?.stringValue,
                  let to = (object["to_entity"] ?? object["to_entity_id"])?.stringValue
            else { return .detail(400, "from_entity and to_entity are required.") }
            return await state.createLineage(from: from, to: to, direction: object["direction"]?.stringValue ?? "DOWNSTREAM")
        case ("GET", "lineage/manual", let id?):
            return await state.lineageRow(id: id).map { .json(200, $0) } ?? .detail(404, "Not found.")
        case ("DELETE", "lineage/manual", let id?):
            return await state.deleteLineage(id: id)
        case ("GET", "user", nil):
            return page.envelope(await state.users(kind: "users").map(JSONValue.object))
        case ("GET", "auth/group", nil):
            return page.envelope(await state.users(kind: "groups").map(JSONValue.object))
        case ("GET", "auth/teams", nil):
            return page.envelope(await state.users(kind: "teams").map(JSONValue.object))
        case ("GET", "user", let id?):
            return EmulatorResponder.byId(await state.users(kind: "users"), id)
        case ("GET", "auth/group", let id?):
            return EmulatorResponder.byId(await state.users(kind: "groups"), id)
        case ("GET", "auth/teams", let id?):
            return EmulatorResponder.byId(await state.users(kind: "teams"), id)
        default:
            return collection != nil ? .detail(405, "Method \"\(method)\" not allowed.") : .detail(404, "Not found.")
        }
    }

    private func catalog(query: [String: String], page: Paging) async -> EmulatorReply {
        var filter: ResourceFilter?
        var sort = ResourceSort.default
        do {
            if let text = query["filter"], !text.isEmpty {
                filter = try ResourceFilter.parse(try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)))
                if let field = filter?.fields.intersection(page.fault.unsupportedFilterFields).min() {
                    throw FilterSyntaxError("unsupported filter field \"\(field)\"")
                }
                if !page.fault.ignoredFilterFields.isEmpty {
                    filter = filter?.ignoring(Set(page.fault.ignoredFilterFields))
                }
            }
            if let text = query["sort"], !text.isEmpty {
                sort = try ResourceSort.parse(try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)))
            }
        } catch let error as FilterSyntaxError {
            return .detail(400, "Bad request. Check filter/sort format: \(error)")
        } catch {
            return .detail(400, "Bad request. Check filter/sort format: not valid JSON")
        }
        let key = (query["filter"] ?? "") + "\u{0}" + (query["sort"] ?? "")
        let positions = await state.catalogListing(filter: filter, sort: sort, key: key, cap: state.options.catalogResultCap)
        let served = await state.resources(at: page.window(of: positions))
        return page.envelope(positions) { served[$0].map(JSONValue.object) ?? .null }
    }

    private func entities(type: String, query: [String: String], filters: [String]) async -> [JSONValue] {
        await state.allResources().filter { resource in
            guard resource["entity_type"]?.stringValue == type else { return false }
            for name in filters {
                guard let wanted = query[name] else { continue }
                let value = ResourceFilter.field(name, in: resource)
                if value?.stringValue != wanted { return false }
            }
            return true
        }.map(JSONValue.object)
    }

    private func columns(query: [String: String]) async -> [JSONValue] {
        let all = await state.allResources()
        var titles: [String: String] = [:]
        for resource in all where resource["entity_type"]?.stringValue == "table" {
            if let id = resource["id"]?.stringValue { titles[id] = resource["title"]?.stringValue }
        }
        return all.filter { resource in
            guard resource["entity_type"]?.stringValue == "column" else { return false }
            for name in ["integration_id", "parent_id", "title"] {
                if let wanted = query[name], ResourceFilter.field(name, in: resource)?.stringValue != wanted { return false }
            }
            if let wanted = query["table_title"] {
                let parent = resource["parent"]?.stringValue ?? ""
                if (resource["table_title"]?.stringValue ?? titles[parent]) != wanted { return false }
            }
            return true
        }.map(JSONValue.object)
    }

    private func lineage(query: [String: String], page: Paging) async -> EmulatorReply {
        func ids(_ single: String, _ list: String) -> Set<String>? {
            var result: Set<String>?
            if let value = query[single] ?? query[single + "_id"] { result = [value] }
            if let value = query[list] ?? query[single + "_id__in"] {
                let listed = Set(value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
                result = result.map { $0.intersection(listed) } ?? listed
            }
            return result
        }
        let positions = await state.lineageIndices(from: ids("from_entity", "from_entity__in"),
                                                   to: ids("to_entity", "to_entity__in"), direction: query["direction"])
        let rows = await state.lineageRows(at: page.window(of: positions))
        return page.envelope(positions) { rows[$0].map(EmulatorState.render) ?? .null }
    }

    private func typed(id: String, type: String) async -> EmulatorReply {
        guard let resource = await state.resource(id: id), resource["entity_type"]?.stringValue == type else {
            return .detail(404, "Not found.")
        }
        return .json(200, .object(resource))
    }

    private func patch(id: String, body: Data, type: String?) async -> EmulatorReply {
        guard let object = EmulatorResponder.object(body) else { return .detail(400, "Body must be a JSON object.") }
        return await state.patchResource(id: id, changes: object, expectedType: type)
    }

    static func byId(_ list: [[String: JSONValue]], _ id: String) -> EmulatorReply {
        list.first { $0["id"]?.stringValue == id }.map { .json(200, .object($0)) } ?? .detail(404, "Not found.")
    }

    static func object(_ body: Data) -> [String: JSONValue]? {
        guard case .object(let object)? = try? JSONDecoder().decode(JSONValue.self, from: body) else { return nil }
        return object
    }

    // MARK: Admin API

    private func admin(method: String, route: String, body: Data) async -> EmulatorReply {
        switch (method, route) {
        case ("GET", "_emulator/requests"):
            let log = await state.requests()
            let data = (try? JSONEncoder().encode(log)) ?? Data("[]".utf8)
            let requests = (try? JSONDecoder().decode(JSONValue.self, from: data)) ?? .array([])
            return .json(200, .object(["count": .number(Double(log.count)), "requests": requests]))
        case ("POST", "_emulator/reset"):
            await state.reset()
            return .json(200, .object(["status": .string("reset")]))
        case ("GET", "_emulator/faults"):
            let data = (try? JSONEncoder().encode(await state.currentFaults())) ?? Data("{}".utf8)
            return EmulatorReply(status: 200, body: data)
        case ("POST", "_emulator/faults"), ("PUT", "_emulator/faults"):
            do {
                await state.setFaults(try JSONDecoder().decode(FaultPlan.self, from: body))
                return .json(200, .object(["status": .string("faults set")]))
            } catch {
                return .detail(400, "Not a fault plan: \(error)")
            }
        case ("DELETE", "_emulator/faults"):
            await state.setFaults(.none)
            return .json(200, .object(["status": .string("faults cleared")]))
        default:
            return .detail(404, "Unknown emulator admin endpoint.")
        }
    }

    // MARK: Responses

    static func headers(_ reply: EmulatorReply) -> HTTPFields {
        var fields = HTTPFields()
        if !reply.body.isEmpty { fields[.contentType] = "application/json" }
        for (name, value) in reply.headers {
            if let field = HTTPField.Name(name) { fields[field] = value }
        }
        return fields
    }

    static func response(_ reply: EmulatorReply) -> Response {
        Response(status: .init(code: reply.status), headers: headers(reply),
                 body: reply.body.isEmpty ? ResponseBody() : ResponseBody(byteBuffer: ByteBuffer(bytes: reply.body)))
    }
}

/// Page-number pagination with Secoda's envelope and absolute links that keep the query.
struct Paging: Sendable {
    var page: Int?
    var rawPage: String?
    var path: String
    var query: [String: String]
    var host: String
    var pageSize: Int
    var fault: FaultPlan

    init(query: [String: String], path: String, host: String, pageSize: Int, fault: FaultPlan) {
        self.rawPage = query["page"]
        self.page = query["page"].map { Int($0) ?? -1 } ?? 1
        self.path = path
        self.query = query
        self.host = host
        self.pageSize = pageSize
        self.fault = fault
    }

    func link(page number: Int, host: String? = nil) -> String {
        var components = URLComponents()
        components.path = path
        var items = query.filter { $0.key != "page" }.sorted { $0.key < $1.key }.map { URLQueryItem(name: $0.key, value: $0.value) }
        items.append(URLQueryItem(name: "page", value: String(number)))
        components.queryItems = items
        // `+` stays literal in query items; encode it so JSON in `filter` survives the round trip.
        let pathAndQuery = (components.string ?? path).replacingOccurrences(of: "+", with: "%2B")
        return "http://\(host ?? self.host)\(pathAndQuery)"
    }

    func envelope(_ items: [JSONValue]) -> EmulatorReply { envelope(items) { $0 } }

    /// The items `envelope` serves from `items` (none for a page out of range).
    func window<Item>(of items: [Item]) -> ArraySlice<Item> {
        guard let page, page >= 1 else { return [] }
        return items[min(items.count, (page - 1) * pageSize)..<min(items.count, page * pageSize)]
    }

    /// Pages `items`, rendering only the page served.
    func envelope<Item>(_ items: [Item], render: (Item) -> JSONValue) -> EmulatorReply {
        guard let page, page >= 1 else { return .detail(400, "Invalid page \"\(rawPage ?? "")\".") }
        let total = items.count
        let pages = max(1, (total + pageSize - 1) / pageSize)
        guard page <= pages else { return .detail(404, "Invalid page.") }
        let slice = window(of: items).map(render)
        var next: JSONValue = page < pages ? .string(link(page: page + 1)) : .null
        switch fault.nextLink {
        case .loop?: next = .string(link(page: page))
        case .crossHost?:
            let port = host.split(separator: ":").count == 2 ? host.split(separator: ":").last.map { ":\($0)" } ?? "" : ""
            next = .string(link(page: page + 1, host: (fault.crossHost ?? "localhost") + port))
        case .uncounted?, nil: break
        }
        let previous: JSONValue = page > 1 ? .string(link(page: page - 1)) : .null
        var envelope: [String: JSONValue] = [
            "links": .object(["next": next, "previous": previous]),
            "meta": .object([
                "page": .number(Double(page)),
                "previous_page": page > 1 ? .number(Double(page - 1)) : .null,
                "next_page": page < pages ? .number(Double(page + 1)) : .null,
            ]),
            "count": .number(Double(total)),
            "total_pages": .number(Double(pages)),
            "results": .array(Array(slice)),
        ]
        if fault.nextLink == .uncounted { envelope["total_pages"] = nil }
        return .json(200, .object(envelope))
    }
}
