import DbtFiles
import DbtJinja
import Foundation
import GateJinja
import GateModel

/// The Jinja reading of one project revision: its macros and the renderer that runs them. A
/// class: every model file's reading asks for it, and copying its tables each time cost more than
/// the lookups it serves.
final class RenderingState {
    let macros: DbtMacroIndex
    let renderer: DbtRenderer
    /// Identifies the macros, packages and project settings a render depends on, for caching a
    /// model's render across the two sides of a comparison.
    let fingerprint: String

    init(macros: DbtMacroIndex, renderer: DbtRenderer, fingerprint: String) {
        self.macros = macros
        self.renderer = renderer
        self.fingerprint = fingerprint
    }
}

/// What a model file's Jinja can ask of a render, read once per blob with its literal scan, so
/// whether its parents can differ from the literal `ref()`s is known without reading it again.
enum JinjaDemand: Equatable, Sendable {
    /// A `{% %}` statement, or a `ref()`/`source()` whose arguments are not plain strings: only a
    /// render tells.
    case render
    /// Only `{{ }}` expressions, or no Jinja at all: rendered only when one of `words` (every
    /// identifier inside `{{ }}`) names a macro that can reach a reference, or one of the macros
    /// it calls (`macros`, anything called but `ref`/`source`/`config`/`var`/…) is not inert
    /// (`DbtMacroIndex.isInert`). Jinja outside `{{ }}` is comments only, as the file has no statement.
    case plain(words: [String], macros: [String] = [])

    /// Whether the file calls a macro (or may: a file only a render tells). Macro-change detection
    /// renders these whether or not the graph needs it: what a model calls is learnt from its render.
    var callsMacros: Bool {
        if case .plain(_, let macros) = self { return !macros.isEmpty }
        return true
    }
}

/// What reading a model file through Jinja gave, kept per blob.
struct RenderOutcome {
    var refs: [ModelReference]
    var sources: [SourceReference]
    var problems: [Diagnostic]
    var rendered: RenderedModel?
}

extension DbtProject {
    /// The `ref()`s and `source()`s a model file makes, as dbt's parse records them. Every reader
    /// of a model's parents goes through here (the graph, the dangling-reference check).
    ///
    /// A file whose Jinja can matter — a `{% %}` statement, a call of a macro that can reach
    /// `ref()`/`source()`, a reference whose arguments are not plain strings — is rendered with
    /// the project's macros as `dbt parse` renders it. Any other file has exactly the parents its
    /// literal `ref()`s name. A render that fails, or calls a macro nobody defines, falls back to
    /// (or adds) the literal scan, with a `dbt.rendering` diagnostic: edges are never dropped.
    func references(ofModelFile path: String) throws -> ReferenceScan? {
        // The graph and the dangling-reference check both ask for every model file.
        if let known = modelFileReferences[path] { return known }
        guard let scan = try scan(path) else { return nil }
        guard let outcome = try renderOutcome(path, scan: scan) else {
            modelFileReferences[path] = scan
            return scan
        }
        let references = record(outcome, of: path, over: scan)
        modelFileReferences[path] = references
        return references
    }

    /// Notes what a render of `path` found beyond its references (problems, undefined macros,
    /// warehouse questions, unset env vars, config values) and gives `scan` its references.
    private func record(_ outcome: RenderOutcome, of path: String, over scan: ReferenceScan) -> ReferenceScan {
        for problem in outcome.problems { note(problem) }
        for macro in outcome.rendered?.unknownMacros ?? [] { unknownMacroCallers[macro, default: []].insert(path) }
        if outcome.rendered?.askedWarehouse == true { warehouseCallers.insert(path) }
        for variable in outcome.rendered?.missingEnvVars ?? [] { missingEnvVarReaders[variable, default: []].insert(path) }
        if let config = outcome.rendered?.config, !config.isEmpty { renderedConfigs[path] = config }
        var result = scan
        result.refs = outcome.refs
        result.sources = outcome.sources
        return result
    }

    /// The rendered SQL of a model file, when its Jinja was rendered.
    func renderedModel(_ path: String) throws -> RenderedModel? {
        guard let scan = try scan(path) else { return nil }
        return try renderOutcome(path, scan: scan)?.rendered
    }

    /// The model file rendered as dbt renders it, plain files too, for the SQL reader; nil when
    /// the file is missing or its render failed (the failure is a `dbt.rendering` diagnostic).
    package func renderedForSQL(_ path: String) throws -> RenderedModel? {
        guard let scan = try scan(path) else { return nil }
        guard let outcome = try renderOutcome(path, scan: scan, force: true) else { return nil }
        _ = record(outcome, of: path, over: scan)
        return outcome.rendered
    }

    /// The model file rendered again with `adapter.get_columns_in_relation` answered by
    /// `columnsOf`, when its render asked for a relation's columns (nil otherwise, or on failure).
    func renderedWithColumns(_ path: String, columnsOf: @escaping (RenderedNode) -> [String]?) throws -> RenderedModel? {
        guard let first = try renderedForSQL(path), first.askedColumns, let projectFile,
              let data = try tree.contents(of: path) else { return nil }
        let state = try renderingState(projectFile)
        state.renderer.columnsOf = columnsOf
        defer { state.renderer.columnsOf = nil }
        let started = ContinuousClock.now
        defer { renderClock += ContinuousClock.now - started }
        return try? state.renderer.render(text: String(decoding: data, as: UTF8.self), path: path, name: try nodeKey(forFile: path).name)
    }

    /// Time spent rendering Jinja, for `check --timings`.
    public var renderTime: Duration { renderClock }

    /// The `{% snapshot %}` blocks of a snapshot file with the references each makes. A file of one
    /// block is rendered like a model (its `ref()`s may come from macros); a file of several keeps
    /// the literal scan per block.
    func snapshotReferences(_ path: String) throws -> [(name: String, scan: ReferenceScan)] {
        guard let data = try tree.contents(of: path) else { return [] }
        let blocks = DbtProject.snapshotBlocks(in: data).map { (name: $0.0, scan: $0.1) }
        guard blocks.count == 1, let block = blocks.first,
              let outcome = try renderOutcome(path, scan: block.scan, name: block.name,
                                              demand: DbtProject.jinjaDemand(data, scan: block.scan)) else { return blocks }
        return [(block.name, record(outcome, of: path, over: block.scan))]
    }

    func renderOutcome(_ path: String, scan: ReferenceScan, name knownName: String? = nil,
                               force: Bool = false, demand: JinjaDemand? = nil) throws -> RenderOutcome? {
        guard let projectFile else { return nil }
        let state = try renderingState(projectFile)
        // Most files read the same unrendered, and the index says which without their bytes.
        if !force, try !mustRender(path, demand: demand, state: state) { return nil }
        let memoKey = renderMemoKey(path, name: knownName, state: state)
        if let memoKey, let outcome = memo.render(memoKey, environment: settings.environment) { return outcome }
        // A tree without blob ids (the worktree) keeps what `prerender` rendered by path.
        if memoKey == nil, knownName == nil, let outcome = prerenderedOutcomes[path] { return outcome }
        guard let data = try tree.contents(of: path) else { return nil }
        let text = String(decoding: data, as: UTF8.self)
        let started = ContinuousClock.now
        defer { renderClock += ContinuousClock.now - started }
        let name = try knownName ?? nodeKey(forFile: path).name
        let outcome = Self.outcome(Result { try state.renderer.render(text: text, path: path, name: name) }, path: path, scan: scan)
        if let memoKey { memo.remember(render: outcome, at: memoKey) }
        return outcome
    }

    /// The render memo's key: the blob, the path, the node name a caller gave (none for a model
    /// file, whose name follows from its path) and the rendering fingerprint; nil on a tree
    /// without blob ids.
    private func renderMemoKey(_ path: String, name: String?, state: RenderingState) -> String? {
        tree.blobID(of: path).map { $0 + ":" + path + ":" + (name ?? "") + ":" + state.fingerprint }
    }

    /// What a render of `path` gives the reading: its references, or on failure the literal
    /// scan's with a `dbt.rendering` warning.
    static func outcome(_ render: Result<RenderedModel, any Error>, path: String, scan: ReferenceScan) -> RenderOutcome {
        switch render {
        case .success(let rendered):
            var outcome = RenderOutcome(refs: rendered.refs, sources: rendered.sources, problems: [], rendered: rendered)
            if !rendered.unknownMacros.isEmpty {
                // dbt would fail on a macro it does not know (or the package is not installed here):
                // keep every literal reference too, so no edge is lost.
                outcome.refs = DbtProject.merged(rendered.refs, scan.refs)
                outcome.sources = DbtProject.merged(rendered.sources, scan.sources)
            }
            return outcome
        case .failure(let error):
            let jinja = error as? JinjaError ?? JinjaError("\(error)")
            let location = jinja.template.isEmpty || jinja.template == path
                ? SourceLocation(path: path, line: max(jinja.line, 1))
                : SourceLocation(path: jinja.template, line: max(jinja.line, 1))
            return RenderOutcome(refs: scan.refs, sources: scan.sources, problems: [Diagnostic(
                severity: .warning,
                message: "dbt.rendering: \(path) could not be rendered as dbt would (\(jinja.message)); its parents come from "
                    + "a literal scan of ref()/source(), which misses references made inside macros",
                location: location)], rendered: nil)
        }
    }

    /// Fewer renders than this are left to the one-by-one path: threads would cost more than they save.
    static let prerenderMinimum = 16

    /// Renders ahead, on the machine's cores, the model files among `paths` whose references only
    /// a render tells (`mustRender`) and that no memo holds yet — each thread with a renderer and
    /// a tree of its own (`FileTree.twin`) — so that `references(ofModelFile:)` finds them all in
    /// the memo (or, on a tree without blob ids, in `prerenderedOutcomes`). A render depends only
    /// on the file, the macros and the settings, so each outcome is the one the one-by-one render
    /// gives. Does nothing for a few files, on one core, or on a tree that cannot be read from
    /// another thread.
    func prerender(_ paths: [String]) throws {
        // A graph being built ahead renders every model file: its renders are taken, not done twice.
        if graphAhead != nil { _ = try graph() }
        let workers = min(ProcessInfo.processInfo.activeProcessorCount, 4)
        guard workers > 1, let projectFile else { return }
        let state = try renderingState(projectFile)
        var jobs: [RenderBatch.Job] = []
        for path in paths where modelFileReferences[path] == nil && isModelFile(path) {
            guard prerenderedOutcomes[path] == nil, try scan(path) != nil, try mustRender(path, demand: nil, state: state)
            else { continue }
            let key = renderMemoKey(path, name: nil, state: state)
            if let key, memo.render(key, environment: settings.environment) != nil { continue }
            jobs.append(RenderBatch.Job(path: path, name: try nodeKey(forFile: path).name, key: key))
        }
        guard jobs.count >= Self.prerenderMinimum else { return }
        // The first thread renders with this project's own renderer and tree: the caller waits
        // while the threads run, so nothing else uses them meanwhile.
        var readers: [(tree: any FileTree, renderer: DbtRenderer?)] = [(tree, state.renderer)]
        for _ in 1..<workers {
            guard let twin = tree.twin() else { return }
            readers.append((twin, nil))
        }
        let started = ContinuousClock.now
        let batch = RenderBatch(jobs: jobs, readers: readers, project: projectFile, settings: state.renderer.settings, macros: state.macros,
                                templates: memo.templates)
        DispatchQueue.concurrentPerform(iterations: workers) { batch.work(thread: $0) }
        renderClock += ContinuousClock.now - started
        for (job, render) in zip(jobs, batch.renders) {
            // A file a thread could not read is rendered here when it is asked for.
            guard let render, let scan = try scan(job.path) else { continue }
            let outcome = Self.outcome(render, path: job.path, scan: scan)
            if let key = job.key { memo.remember(render: outcome, at: key) } else { prerenderedOutcomes[job.path] = outcome }
            prerenderedFiles += 1
        }
    }

    /// Whether rendering `path` can find other parents than `scan` (see `JinjaDemand`), or other
    /// config: a `config()` value that is an expression (`enabled=var(...)`) needs the render too.
    private func mustRender(_ path: String, demand: JinjaDemand?, state: RenderingState) throws -> Bool {
        if !(sqlConfigs(path)?.unknown.isEmpty ?? true) { return true }
        switch try demand ?? modelFileFacts(path)?.jinja {
        case .render: return true
        case let .plain(words, macros):
            return words.contains(where: state.macros.referenceReachingWords.contains)
                || macros.contains { !state.macros.isInert(call: $0, from: state.macros.rootPackage) }
                || (!macros.isEmpty && !inertMacroFilesParse(state))
        case nil: return false
        }
    }

    /// Whether every file that defines an inert macro parses: a macro that does not is reported
    /// through the renders of its callers (as dbt stops on it), so while one does not, every
    /// macro caller is rendered. Parsed once per project, into the shared template cache the
    /// renders use anyway.
    private func inertMacroFilesParse(_ state: RenderingState) -> Bool {
        if let inertMacrosParse { return inertMacrosParse }
        let parses = Set(state.macros.inert.map(\.path)).sorted().allSatisfy { state.renderer.template(at: $0) != nil }
        inertMacrosParse = parses
        return parses
    }

    func renderingState(_ projectFile: ProjectFile) throws -> RenderingState {
        if let rendering { return rendering }
        let installed = settings.installedPackagesRoot.map { InstalledPackagesTree(worktree: URL(fileURLWithPath: $0, isDirectory: true)) }
        let macros = try DbtMacroIndex.read(tree: tree, projectPrefix: settings.projectPrefix, project: projectFile,
                                            installedPackages: installed)
        var settings = self.settings
        if settings.adapterType == nil || settings.targetName == nil,
           let target = DbtProfiles.target(profile: projectFile.profile ?? projectFile.name,
                                           directories: settings.profilesDirectories, environment: settings.environment) {
            settings.adapterType = settings.adapterType ?? target.adapter
            settings.targetName = settings.targetName ?? target.name
        }
        let renderer = DbtRenderer(tree: tree, project: projectFile, settings: settings, macros: macros,
                                   templateCache: memo.templates)
        var projectBlob = tree.blobID(of: projectFilePath) ?? ""
        if projectBlob.isEmpty, let data = try tree.contents(of: projectFilePath) {
            projectBlob = String(StableHash.fnv1a(data), radix: 16)   // the same in every run
        }
        // An installed package read as a project renders with the root project's vars too.
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let rootVars = settings.rootProjectVars.flatMap { try? encoder.encode($0) }.map { String(decoding: $0, as: UTF8.self) } ?? ""
        let fingerprint = JinjaDbtSupport.fnv(([projectBlob, settings.adapterType ?? "", settings.targetName ?? "",
                                                settings.targetDatabase ?? "", settings.targetSchema ?? "", rootVars]
                                               + macros.fileFingerprint).joined(separator: "\n"))
        let state = RenderingState(macros: macros, renderer: renderer, fingerprint: fingerprint)
        rendering = state
        return state
    }

    /// Whether a model is enabled: its `enabled` config, with a Jinja value from
    /// `dbt_project.yml` (`+enabled: "{{ var('use_x', false) }}"`) rendered as dbt renders it.
    func isEnabled(_ config: ModelConfig) throws -> Bool {
        if let value = config.bool("enabled") { return value }
        guard let text = config.unknown["enabled"], let projectFile else { return true }
        let state = try renderingState(projectFile)
        let rendered: String
        do {
            rendered = try state.renderer.renderValue(text, path: projectFilePath)
        } catch {
            // dbt would stop here; the gate keeps the model (so its changes are still compared) and
            // says that whether it is enabled is unknown — never a silent "enabled".
            let reason = (error as? JinjaError)?.message ?? "\(error)"
            note(Diagnostic(severity: .warning,
                            message: "`enabled: \(text)` could not be rendered (\(reason)); the models it configures are "
                                + "compared as enabled, so disabling them in this change would not be seen",
                            location: config.locations["enabled"] ?? SourceLocation(path: projectFilePath)))
            return true
        }
        switch rendered.trimmingCharacters(in: .whitespacesAndNewlines).lowercased() {
        case "false", "0", "no", "none", "": return false
        default: return true
        }
    }

    /// What renders could not do as dbt would, one notice per cause naming the first model and how
    /// many there are: asking the warehouse, an unset `env_var`, a macro nobody defines (usually a
    /// package that `dbt deps` has not installed where the gate runs).
    func renderingDiagnostics() -> [Diagnostic] {
        var result: [Diagnostic] = []
        if let first = warehouseCallers.min() {
            let others = warehouseCallers.count > 1 ? " and \(warehouseCallers.count - 1) other model\(warehouseCallers.count == 2 ? "" : "s")" : ""
            result.append(Diagnostic(
                severity: .notice,
                message: "dbt.rendering: \(first)\(others) ask the warehouse (run_query, statement) outside `if execute`; "
                    + "they were rendered without it, as dbt parse renders them: the graph is dbt's, but what those "
                    + "queries would return at run time is not known",
                location: SourceLocation(path: first, line: 1)))
        }
        for variable in missingEnvVarReaders.keys.sorted() {
            guard let readers = missingEnvVarReaders[variable]?.sorted(), let first = readers.first else { continue }
            let others = readers.count > 1 ? " and \(readers.count - 1) other model\(readers.count == 2 ? "" : "s")" : ""
            result.append(Diagnostic(
                severity: .notice,
                message: "dbt.rendering: \(first)\(others) read env_var('\(variable)'), which is not set where the gate runs "
                    + "(or names a secret, which the gate never reads); it was rendered as '' where dbt would stop: set it "
                    + "in this job if the models' references depend on it",
                location: SourceLocation(path: first, line: 1)))
        }
        return result + unknownMacroCallers.keys.sorted().compactMap { macro in
            guard let callers = unknownMacroCallers[macro]?.sorted(), let first = callers.first else { return nil }
            let others = callers.count > 1 ? " and \(callers.count - 1) other model\(callers.count == 2 ? "" : "s")" : ""
            return Diagnostic(
                severity: .notice,
                message: "dbt.rendering: \(first)\(others) call \(macro), which neither the project nor a package installed "
                    + "under dbt_packages/ defines (run `dbt deps` before the gate); their parents also include every "
                    + "literal ref()/source() in the file",
                location: SourceLocation(path: first, line: 1))
        }
    }

    /// What a model file's Jinja can ask of a render, read with its bytes (`JinjaDemand`). Byte-level:
    /// it runs on every model file, once per blob.
    static func jinjaDemand(_ data: Data, scan: ReferenceScan) -> JinjaDemand {
        if scan.unreadCalls > 0 { return .render }
        return data.withUnsafeBytes { raw in
            let bytes = raw.bindMemory(to: UInt8.self)
            var index = 0
            var hasExpression = false
            while let brace = ByteText.next(UInt8(ascii: "{"), in: bytes, from: index) {
                index = brace + 1
                guard index < bytes.count else { break }
                if bytes[index] == UInt8(ascii: "%") { return .render }
                if bytes[index] == UInt8(ascii: "{") { hasExpression = true }
            }
            guard hasExpression else { return .plain(words: []) }
            let (words, macros) = expressionWords(bytes)
            return .plain(words: words, macros: macros)
        }
    }

    /// The calls inside `{{ }}` that plain reading understands: anything else is a macro.
    static let plainCalls: Set<String> = ["ref", "source", "config", "var", "env_var", "is_incremental", "this"]

    /// The identifier words inside the `{{ … }}` of a file (string literals included), and the
    /// names it calls other than `plainCalls` (a dotted name whole), each sorted.
    static func expressionWords(_ bytes: UnsafeBufferPointer<UInt8>) -> (words: [String], macros: [String]) {
        var words = Set<String>()
        var macros = Set<String>()
        func word(_ start: Int, _ end: Int) -> String {
            String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
        }
        var index = 0
        while let brace = ByteText.next(UInt8(ascii: "{"), in: bytes, from: index) {
            index = brace + 1
            guard index < bytes.count, bytes[index] == UInt8(ascii: "{") else { continue }
            index += 1
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "}"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "}") { break }
                if byte == UInt8(ascii: "'") || byte == UInt8(ascii: "\"") {
                    // A string literal names no call (`ref('x(')`), but its words are kept.
                    index += 1
                    while index < bytes.count, bytes[index] != byte {
                        guard ByteText.isIdentifier(bytes[index]) else { index += 1; continue }
                        let start = index
                        while index < bytes.count, ByteText.isIdentifier(bytes[index]) { index += 1 }
                        words.insert(word(start, index))
                    }
                    index += 1
                    continue
                }
                guard ByteText.isIdentifier(byte) else { index += 1; continue }
                let start = index
                var wordStart = index
                while index < bytes.count, ByteText.isIdentifier(bytes[index]) || bytes[index] == UInt8(ascii: ".") {
                    if bytes[index] == UInt8(ascii: ".") {
                        if wordStart < index { words.insert(word(wordStart, index)) }
                        wordStart = index + 1
                    }
                    index += 1
                }
                if wordStart < index { words.insert(word(wordStart, index)) }
                var next = index
                while next < bytes.count, ByteText.isSpace(bytes[next]) { next += 1 }
                if next < bytes.count, bytes[next] == UInt8(ascii: "("), !plainCalls.contains(word(start, index)) {
                    macros.insert(word(start, index))
                }
            }
        }
        return (words.sorted(), macros.sorted())
    }

    package static func merged<T: Hashable>(_ first: [T], _ second: [T]) -> [T] {
        var seen = Set(first)
        return first + second.filter { seen.insert($0).inserted }
    }
}

/// The renders of `DbtProject.prerender`, taken one at a time by each thread. `@unchecked
/// Sendable`: each thread renders with a renderer and tree no other thread uses while it runs
/// (the project's own for the first, the caller waiting; one made from a twin for the others),
/// and writes each result slot from one thread only.
final class RenderBatch: @unchecked Sendable {
    struct Job {
        var path: String
        var name: String
        /// The render memo's key (`renderMemoKey`); nil on a tree without blob ids, whose
        /// outcomes the project keeps by path.
        var key: String?
    }

    let jobs: [Job]
    /// Per thread: the tree it reads, and the renderer it renders with (made from the tree when nil).
    private let readers: [(tree: any FileTree, renderer: DbtRenderer?)]
    private let project: ProjectFile
    private let settings: DbtSettings
    private let macros: DbtMacroIndex
    /// Parsed macro files, shared by every thread's renderer (the memo's).
    private let templates: DbtTemplateCache
    private let slots: ConcurrentSlots<Result<RenderedModel, any Error>>

    init(jobs: [Job], readers: [(tree: any FileTree, renderer: DbtRenderer?)], project: ProjectFile, settings: DbtSettings,
         macros: DbtMacroIndex, templates: DbtTemplateCache) {
        self.jobs = jobs
        self.readers = readers
        self.project = project
        self.settings = settings
        self.macros = macros
        self.templates = templates
        slots = ConcurrentSlots(count: jobs.count)
    }

    /// Each job's render, nil where its file could not be read; read once every thread is done.
    var renders: [Result<RenderedModel, any Error>?] { slots.values }

    func work(thread: Int) {
        let tree = readers[thread].tree
        let renderer = readers[thread].renderer ?? {
            var macros = self.macros
            if macros.packagesInRevision { macros.packageTree = tree }
            return DbtRenderer(tree: tree, project: project, settings: settings, macros: macros, templateCache: templates)
        }()
        while let chunk = slots.nextChunk() {
            for index in chunk {
                let job = jobs[index]
                guard let data = try? tree.contents(of: job.path) else { continue }
                slots.set(index, Result { try renderer.render(text: String(decoding: data, as: UTF8.self), path: job.path, name: job.name) })
            }
        }
    }
}
