import DbtFiles
import Foundation
import GateJinja
import GateModel

/// What rendering one model file the way `dbt parse` does recorded.
package struct RenderedModel: Sendable {
    /// Every `ref()` the render called, in call order (inside macros too).
    package var refs: [ModelReference] = []
    /// Every `source()` the render called.
    package var sources: [SourceReference] = []
    /// The rendered SQL; each `ref()`/`source()` prints as `__dbt_node_<n>__`, its index in
    /// `nodes`, so the SQL reader can tell which relation is which node.
    package var sql: String = ""
    /// The relations in the order the placeholders number them.
    package var nodes: [RenderedNode] = []
    /// Macros called that neither the project, its installed packages nor dbt define.
    package var unknownMacros: [String] = []
    /// What `config(...)` calls set, rendered (`enabled=var('x') == 'y'` as a bool), for the keys
    /// whose values are plain data.
    package var config: [String: JSONValue] = [:]
    /// `env_var()` calls without a default whose variable is not set (or is a secret): rendered
    /// as "", where dbt would stop.
    package var missingEnvVars: [String] = []
    /// Whether the render asked the warehouse something (`run_query`, `statement`): at parse time
    /// dbt gets no answer either, but the model's SQL may depend on it.
    package var askedWarehouse = false
    /// Whether the render asked for a relation's columns (`adapter.get_columns_in_relation`, as
    /// dbt_utils' `unpivot` and fivetran's `fill_staging_columns` do): a render for the SQL reader
    /// answers it from the gate's own column facts (`DbtRenderer.columnsOf`).
    package var askedColumns = false
    /// The macros the file itself called (not those its macros called), as (defining file, name):
    /// what dbt records as the node's `depends_on.macros`.
    package var calledMacros: [MacroCall] = []
    /// Each environment variable `env_var()` read, with the value it saw (nil: unset or a
    /// secret, which is never read): what a render kept between runs must see again to be reused.
    package var environmentRead: [String: String?] = [:]

    package init() {}
}

/// A macro a render called: the file that defines it and its name.
package struct MacroCall: Hashable, Sendable {
    package var path: String
    package var name: String

    package init(path: String, name: String) {
        self.path = path
        self.name = name
    }
}

/// A relation a rendered model reads.
package enum RenderedNode: Hashable, Sendable {
    case ref(ModelReference)
    case source(SourceReference)
}

/// Renders dbt model files with the project's macros, as dbt's parser does: `execute` is false,
/// `ref()`/`source()` record the node's parents, `config.get` answers "", a missing `var()` is
/// None, `run_query` answers nothing. One renderer serves one project revision, on one thread.
package final class DbtRenderer {
    package let macros: DbtMacroIndex
    package let project: ProjectFile
    package let tree: any FileTree
    package let settings: DbtSettings
    private let environment: JinjaEnvironment
    private let templateCache: DbtTemplateCache
    private var templates: [String: JinjaTemplate] = [:]
    private var failedTemplates: [String: JinjaError] = [:]
    /// The node being rendered: what `ref`, `this`, `config` and `var` act for.
    private var current = RenderState()
    /// Answers `adapter.get_columns_in_relation` for a ref or source during a render for the SQL
    /// reader; nil (dbt's parse: no answer) otherwise.
    package var columnsOf: ((RenderedNode) -> [String]?)?
    private var globals: [String: JinjaValue] = [:]

    struct RenderState {
        var result = RenderedModel()
        var name = ""
        var path = ""
        var modelText = ""
        var package = ""
    }

    /// `target.database` / `target.schema`: the configured ones, else stand-ins, never "" (dbt's
    /// always name something, and SQL built from them must still read as SQL).
    package var targetDatabase: String { settings.targetDatabase ?? "target_database" }
    package var targetSchema: String { settings.targetSchema ?? "target_schema" }

    /// The adapter whose dispatch prefixes come before `default__` (dbt's `target.type`).
    package var adapterType: String { settings.adapterType ?? "default" }

    package init(tree: any FileTree, project: ProjectFile, settings: DbtSettings, macros: DbtMacroIndex, templateCache: DbtTemplateCache) {
        self.tree = tree
        self.project = project
        self.settings = settings
        self.macros = macros
        self.templateCache = templateCache
        var resolveName: (String, JinjaTemplate) -> JinjaValue? = { _, _ in nil }
        environment = JinjaEnvironment(resolve: { name, template in resolveName(name, template) })
        resolveName = { [unowned self] name, _ in self.resolve(name) }
        environment.onUndefinedCall = { [unowned self] name, _, _ in
            let base = name.split(separator: ".").last.map(String.init) ?? name
            if !DbtBuiltinMacros.names.contains(base), !self.current.result.unknownMacros.contains(name) {
                self.current.result.unknownMacros.append(name)
            }
        }
        environment.onTopLevelMacroCall = { [unowned self] name, path in
            let call = MacroCall(path: path, name: name)
            if !self.current.result.calledMacros.contains(call) { self.current.result.calledMacros.append(call) }
        }
        // A macro nobody defines prints as opaque output, so the SQL reader knows a part is missing.
        environment.undefinedCallResult = { name, arguments in .string(DbtRenderer.opaqueSQL(arguments)) }
        let identity: (JinjaValue, JinjaArguments, any JinjaCallContext) throws -> JinjaValue = { value, _, _ in value }
        environment.filters["as_text"] = { value, _, _ in .string(value.rendered) }
        environment.filters["as_native"] = identity
        environment.filters["as_bool"] = identity
        environment.filters["as_number"] = identity
        globals = makeGlobals()
    }

    // MARK: rendering

    /// Renders one model (or snapshot or analysis) file. Throws `JinjaError` when the template does
    /// not parse or its render fails; the caller falls back to the literal scan.
    package func render(text: String, path: String, name: String) throws -> RenderedModel {
        current = RenderState(name: name, path: path, modelText: text, package: project.name)
        let template = try JinjaTemplate.parse(text, name: path)
        let sql = try environment.render(template, context: [:])
        current.result.sql = sql
        return current.result
    }

    /// Renders a Jinja string from `dbt_project.yml` (a config value), outside any model.
    package func renderValue(_ text: String, path: String) throws -> String {
        let saved = current
        defer { current = saved }
        current = RenderState(name: "", path: path, modelText: "", package: project.name)
        return try environment.render(try JinjaTemplate.parse(text, name: path), context: [:])
    }

    /// The macros a model's hooks (`pre-hook`/`post-hook` strings) call themselves: dbt renders
    /// each hook at parse time in the model's context and records them in `depends_on.macros`.
    /// A hook that fails to render gives what it called before failing. `package`: the node's
    /// package (a package model's hooks resolve macros from its package first, as dbt does).
    package func macroCalls(inHooks hooks: [String], path: String, name: String, package: String? = nil) -> [MacroCall] {
        let saved = current
        defer { current = saved }
        current = RenderState(name: name, path: path, modelText: "", package: package ?? project.name)
        for hook in hooks {
            _ = try? environment.render(try JinjaTemplate.parse(hook, name: path), context: [:])
        }
        return current.result.calledMacros
    }

    /// Whether an environment variable's name says it holds a secret.
    static func isSecretName(_ name: String) -> Bool {
        let upper = name.uppercased()
        return upper.hasPrefix("DBT_ENV_SECRET")
            || ["SECRET", "TOKEN", "PASSWORD", "PASSWD", "API_KEY", "APIKEY", "PRIVATE_KEY", "CREDENTIAL"].contains { upper.contains($0) }
    }

    /// A name a template uses that is not one of its own: dbt's context, then the macros in dbt's
    /// search order (this node's package, the root project, package namespaces, dbt's own).
    private func resolve(_ name: String) -> JinjaValue? {
        if let value = nodeValue(name) { return value }
        if let value = globals[name] { return value }
        if let macro = macroValue(name, package: current.package) ?? macroValue(name, package: project.name) { return macro }
        if macros.packages[name] != nil, name != project.name { return .object(MacroNamespaceObject(renderer: self, package: name)) }
        if name == project.name { return .object(MacroNamespaceObject(renderer: self, package: name)) }
        if name == "dbt" { return .object(MacroNamespaceObject(renderer: self, package: "dbt")) }
        // dbt's own macros are global too (`is_incremental()`, `current_timestamp()`), after the project's.
        return builtinMacro(name)
    }

    /// The callable for macro `name` of `package`, parsing its file on first use.
    func macroValue(_ name: String, package: String) -> JinjaValue? {
        if package == "dbt" { return builtinMacro(name) }
        guard let definition = macros.definition(name, in: package) else { return nil }
        guard let template = template(at: definition.path) else {
            return .callable(JinjaFunction(name) { [unowned self] _, _ in
                throw self.failedTemplates[definition.path] ?? JinjaError("macro \(name) could not be read", template: definition.path)
            })
        }
        return environment.macro(name, in: template)
    }

    /// dbt's own macros: `is_incremental()` is False at parse time; the others (they never call
    /// `ref()`) print as opaque output, `__dbt_opaque__(<arguments>)`, for the SQL reader.
    func builtinMacro(_ name: String) -> JinjaValue? {
        if name == "is_incremental" || name == "should_full_refresh" {
            return .callable(JinjaFunction(name) { _, _ in .bool(false) })
        }
        guard DbtBuiltinMacros.names.contains(name) || name.hasPrefix("default__") else { return nil }
        return .callable(JinjaFunction("dbt." + name) { arguments, _ in .string(DbtRenderer.opaqueSQL(arguments)) })
    }

    /// What a macro the gate cannot run prints: `__dbt_opaque__(a, b)` with its arguments pasted as
    /// SQL (dbt's cross-database macros take column expressions as strings: `date_trunc('day',
    /// 'created_at')`), so the SQL reader sees which columns it may read, and that its output is
    /// not known. Like the SQL dbt itself would print, the text is non-empty (truthy).
    static func opaqueSQL(_ arguments: JinjaArguments) -> String {
        func pasted(_ value: JinjaValue) -> [String] {
            switch value {
            case .string(let text): return [text]
            case .int, .double: return [value.rendered]
            case .list(let list): return list.items.flatMap(pasted)
            default: return []
            }
        }
        let parts = (arguments.positional + arguments.keyword.map(\.value)).flatMap(pasted)
            .filter { !$0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }
        return "__dbt_opaque__(" + parts.joined(separator: ", ") + ")"
    }

    package func template(at path: String) -> JinjaTemplate? {
        if let template = templates[path] { return template }
        if failedTemplates[path] != nil { return nil }
        do {
            let blob = tree.blobID(of: path)
            if let blob, let cached = templateCache.template(blob: blob, path: path) {
                templates[path] = cached
                return cached
            }
            guard let data = try tree.contents(of: path) ?? macros.packageTree?.contents(of: path) else { return nil }
            let template = try JinjaTemplate.parse(String(decoding: data, as: UTF8.self), name: path)
            templates[path] = template
            if let blob { templateCache.store(template, blob: blob, path: path) }
            return template
        } catch let error as JinjaError {
            failedTemplates[path] = error
        } catch {
            failedTemplates[path] = JinjaError("\(error)", template: path)
        }
        return nil
    }

    // MARK: dispatch

    /// `adapter.dispatch(name, macro_namespace)`: dbt's search order over packages × adapter
    /// prefixes (`<adapter>__name`, then `default__name`).
    package func dispatch(_ name: String, namespace: String?) throws -> JinjaValue {
        var searchPackages: [String?] = [nil]
        if let namespace {
            if let order = project.dispatchSearchOrder[namespace], !order.isEmpty {
                searchPackages = order
            } else if macros.packages[namespace] != nil, namespace != project.name {
                searchPackages = [project.name, namespace]
            }
        }
        let prefixes = adapterType == "default" ? ["default"] : [adapterType, "default"]
        for package in searchPackages {
            for prefix in prefixes {
                let candidate = prefix + "__" + name
                let found: JinjaValue? = if let package {
                    package == "dbt" ? builtinMacro(candidate) : macroValue(candidate, package: package)
                } else {
                    resolve(candidate)
                }
                if let found, !found.isUndefined { return found }
            }
        }
        // dbt's own dispatched macros (dbt.dateadd, …) print nothing here.
        if DbtBuiltinMacros.names.contains(name) { return .callable(JinjaFunction("dbt." + name) { _, _ in .undefined(name) }) }
        throw JinjaError("In dispatch: No macro named '\(name)' found within namespace: '\(namespace ?? "None")'")
    }

    // MARK: the context

    /// Values that depend on the node being rendered.
    private func nodeValue(_ name: String) -> JinjaValue? {
        switch name {
        case "this": .object(RelationObject(database: targetDatabase, schema: targetSchema,
                                            identifier: current.name, rendered: current.name))
        case "model": .dict([("name", .string(current.name)), ("alias", .string(current.name)),
                             ("unique_id", .string("model.\(current.package).\(current.name)")),
                             ("package_name", .string(current.package)), ("original_file_path", .string(current.path)),
                             ("resource_type", .string("model")), ("config", .dict([])), ("columns", .dict([])),
                             ("meta", .dict([])), ("tags", .list([]))])
        default: nil
        }
    }

    private func makeGlobals() -> [String: JinjaValue] {
        var values: [String: JinjaValue] = [:]
        func function(_ name: String, _ body: @escaping (JinjaArguments, any JinjaCallContext) throws -> JinjaValue) {
            values[name] = .callable(JinjaFunction(name, body))
        }
        function("ref") { [unowned self] arguments, _ in try self.recordRef(arguments) }
        function("source") { [unowned self] arguments, _ in try self.recordSource(arguments) }
        function("var") { [unowned self] arguments, _ in self.variable(arguments) }
        function("env_var") { [unowned self] arguments, _ in
            guard let name = arguments.argument(0, "var")?.stringValue else { throw JinjaError("env_var() needs a variable name") }
            // Names a model renders can end up in a report (a ref() name, an error message): a
            // secret is never read, as if unset (dbt itself refuses DBT_ENV_SECRET_* here).
            let value = DbtRenderer.environmentValue(name, in: self.settings.environment)
            self.current.result.environmentRead[name] = .some(value)
            if let value { return .string(value) }
            if let fallback = arguments.argument(1, "default"), !fallback.isNone { return .string(fallback.rendered) }
            // dbt would stop here; the graph rarely depends on the value, so the render goes on
            // with "" and the report says which variable was missing.
            if !self.current.result.missingEnvVars.contains(name) { self.current.result.missingEnvVars.append(name) }
            return .string("")
        }
        function("return") { arguments, _ in throw JinjaReturn(arguments.positional.first ?? .none) }
        for quiet in ["log", "print", "debug", "store_result", "store_raw_result", "write"] {
            function(quiet) { _, _ in .string("") }
        }
        function("run_query") { [unowned self] _, _ in
            self.current.result.askedWarehouse = true
            return .undefined("run_query")
        }
        function("statement") { [unowned self] _, _ in
            self.current.result.askedWarehouse = true
            return .string("")
        }
        function("load_result") { _, _ in .none }
        // dbt's tojson/toyaml are json.dumps/yaml.safe_dump; JSON is valid YAML, which is all a parse needs.
        function("tojson") { arguments, _ in .string(try JinjaPython.json(arguments.positional.first ?? .none, sortKeys: false, indent: nil)) }
        function("fromjson") { arguments, _ in
            guard let text = arguments.positional.first?.stringValue else { return arguments.argument(1, "default") ?? .none }
            return JinjaJSON.decode(text) ?? arguments.argument(1, "default") ?? .none
        }
        values["toyaml"] = values["tojson"]
        function("fromyaml") { arguments, _ in
            guard let text = arguments.positional.first?.stringValue else { return .none }
            return JinjaJSON.decode(text) ?? arguments.argument(1, "default") ?? .none
        }
        function("set") { arguments, context in
            var seen: [JinjaValue] = []
            for item in try JinjaPython.iterate(arguments.positional.first ?? .list([]))
            where !seen.contains(where: { $0.equals(item) }) { seen.append(item) }
            return .list(seen)
        }
        values["set_strict"] = values["set"]
        function("zip") { arguments, context in
            let lists = try arguments.positional.map { try JinjaPython.iterate($0) }
            let count = lists.map(\.count).min() ?? 0
            return .list((0..<count).map { index in .tuple(lists.map { $0[index] }) })
        }
        values["zip_strict"] = values["zip"]
        function("local_md5") { arguments, _ in .string(JinjaDbtSupport.fnv(arguments.positional.first?.rendered ?? "")) }
        function("diff_of_two_dicts") { _, _ in .dict([]) }
        values["execute"] = .bool(false)
        values["project_name"] = .string(project.name)
        values["dbt_version"] = .string("1.11.0")
        values["invocation_id"] = .string("00000000-0000-0000-0000-000000000000")
        values["selected_resources"] = .list([])
        values["target"] = .dict([("name", .string(settings.targetName ?? "dev")),
                                  ("target_name", .string(settings.targetName ?? "dev")),
                                  ("schema", .string(targetSchema)),
                                  ("database", .string(targetDatabase)),
                                  ("type", .string(adapterType)), ("threads", .int(1)), ("profile_name", .string(project.name))])
        values["graph"] = .dict([("nodes", .dict([])), ("sources", .dict([])), ("exposures", .dict([])),
                                 ("metrics", .dict([])), ("groups", .dict([])), ("semantic_models", .dict([])),
                                 ("saved_queries", .dict([]))])
        values["flags"] = .dict([("FULL_REFRESH", .bool(false)), ("WHICH", .string("parse")), ("STORE_FAILURES", .bool(false))])
        values["config"] = .object(ConfigObject(renderer: self))
        values["adapter"] = .object(AdapterObject(renderer: self))
        values["exceptions"] = .object(ExceptionsObject())
        values["api"] = .dict([("Relation", .object(RelationFactory())), ("Column", .object(ColumnFactory()))])
        values["builtins"] = .dict([("ref", values["ref"]!), ("source", values["source"]!), ("config", values["config"]!)])
        // modules.datetime, modules.re, …: nothing the graph depends on; lenient undefined.
        values["modules"] = .object(OpaqueObject(name: "modules"))
        values["run_started_at"] = .object(OpaqueObject(name: "run_started_at"))
        return values
    }

    func recordConfig(_ key: String, _ value: JinjaValue) {
        if let json = JinjaDbtSupport.json(value) { current.result.config[key] = json }
    }

    /// `ref('m')`, `ref('pkg', 'm')`, `ref('m', v=2)` / `version=`.
    private func recordRef(_ arguments: JinjaArguments) throws -> JinjaValue {
        let names = arguments.positional.compactMap(\.stringValue)
        guard !names.isEmpty, names.count == arguments.positional.count, names.count <= 2 else {
            throw JinjaError("ref() takes one or two names, got \(arguments.positional.map(\.repr).joined(separator: ", "))")
        }
        var version: String?
        if let value = arguments.named("v") ?? arguments.named("version"), !value.isNone {
            version = if case .double(let number) = value, number == number.rounded() { String(Int(number)) } else { value.rendered }
        }
        let name = names.last!
        guard !name.isEmpty else { throw JinjaError("ref() of an empty name (an env_var or var that is not set?)") }
        let ref = ModelReference(package: names.count == 2 ? names[0] : nil, name: name, version: version,
                                 line: lineOf(name))
        current.result.refs.append(ref)
        return relation(for: .ref(ref), identifier: name)
    }

    private func recordSource(_ arguments: JinjaArguments) throws -> JinjaValue {
        guard let source = arguments.argument(0, "source_name")?.stringValue,
              let table = arguments.argument(1, "table_name")?.stringValue else {
            throw JinjaError("source() takes a source name and a table name")
        }
        let reference = SourceReference(source: source, table: table, line: lineOf(table))
        current.result.sources.append(reference)
        return relation(for: .source(reference), identifier: table)
    }

    /// `adapter.get_columns_in_relation(relation)`: the columns the gate knows for a ref or source
    /// when `columnsOf` is set, else none (as a parse gets).
    package func columns(in relation: JinjaValue) -> JinjaValue {
        current.result.askedColumns = true
        let text = relation.rendered
        guard let columnsOf, text.hasPrefix("__dbt_node_"), text.hasSuffix("__"),
              let index = Int(text.dropFirst("__dbt_node_".count).dropLast(2)), current.result.nodes.indices.contains(index),
              let names = columnsOf(current.result.nodes[index]) else { return .list(JinjaList([])) }
        return .list(JinjaList(names.map { .object(ColumnObject(name: $0)) }))
    }

    private func relation(for node: RenderedNode, identifier: String) -> JinjaValue {
        let index = current.result.nodes.count
        current.result.nodes.append(node)
        return .object(RelationObject(database: targetDatabase, schema: targetSchema,
                                      identifier: identifier, rendered: "__dbt_node_\(index)__"))
    }

    /// The line of the model file that names a reference: its quoted name, or line 1 when only a
    /// macro's arguments build it.
    private func lineOf(_ name: String) -> Int {
        for quote in ["'", "\""] {
            if let line = ByteText.firstLine(of: Array((quote + name + quote).utf8), in: current.modelText) { return line }
        }
        return 1
    }

    /// What `env_var(name)` reads from `environment`: nil when unset or a secret.
    package static func environmentValue(_ name: String, in environment: [String: String]) -> String? {
        isSecretName(name) ? nil : environment[name]
    }

    /// dbt's parse-time `var()`: the node package's scoped vars, then the global ones; a missing
    /// var is the default, or None. Reading an installed package, the root project's vars come
    /// first (scoped to the package, then global), as dbt gives them precedence.
    private func variable(_ arguments: JinjaArguments) -> JinjaValue {
        guard let name = arguments.argument(0, "name")?.stringValue else { return .none }
        if case .object(let vars)? = settings.rootProjectVars {
            if case .object(let scoped)? = vars[current.package], let value = scoped[name] { return projectValue(value) }
            if let value = vars[name] { return projectValue(value) }
        }
        if case .object(let vars) = project.vars {
            if case .object(let scoped)? = vars[current.package], let value = scoped[name] { return projectValue(value) }
            if let value = vars[name] { return projectValue(value) }
        }
        if case .object(let vars)? = macros.packageVars[current.package], let value = vars[name] {
            return projectValue(value)
        }
        return arguments.argument(1, "default") ?? .none
    }

    /// A value from `dbt_project.yml`: dbt renders the Jinja in its strings when it loads the
    /// project (`GTFS_RT_START: "{{ '2022-09-15' if target.name == 'prod' else … }}"`).
    private func projectValue(_ value: JSONValue) -> JinjaValue {
        guard case .string(let text) = value, text.contains("{{") || text.contains("{%") else { return JinjaDbtSupport.value(value) }
        return (try? renderValue(text, path: project.path)).map { .string($0) } ?? JinjaDbtSupport.value(value)
    }
}

/// Parsed macro files by blob id, shared by every renderer of a check — both sides of the
/// comparison, on whatever thread each renders (a parsed template is immutable): every access
/// holds `lock`. Belongs to one check, like `BlobMemo`.
package final class DbtTemplateCache: @unchecked Sendable {
    private var templates: [String: JinjaTemplate] = [:]
    private let lock = NSLock()

    package init() {}

    package func template(blob: String, path: String) -> JinjaTemplate? { lock.withLock { templates[blob + ":" + path] } }

    func store(_ template: JinjaTemplate, blob: String, path: String) { lock.withLock { templates[blob + ":" + path] = template } }
}
