import Foundation
import GateModel

/// The Jinja reading of one project revision: its macros and the renderer that runs them.
struct RenderingState {
    var macros: DbtMacroIndex
    var renderer: DbtRenderer
    /// Identifies the macros, packages and project settings a render depends on, for caching a
    /// model's render across the two sides of a comparison.
    var fingerprint: String
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
        guard let scan = try scan(path) else { return nil }
        guard let outcome = try renderOutcome(path, scan: scan) else { return scan }
        for problem in outcome.problems { note(problem) }
        for macro in outcome.rendered?.unknownMacros ?? [] { unknownMacroCallers[macro, default: []].insert(path) }
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

    /// Time spent rendering Jinja, for `check --timings`.
    public var renderTime: Duration { renderClock }

    /// The `{% snapshot %}` blocks of a snapshot file with the references each makes. A file of one
    /// block is rendered like a model (its `ref()`s may come from macros); a file of several keeps
    /// the literal scan per block.
    func snapshotReferences(_ path: String) throws -> [(name: String, scan: ReferenceScan)] {
        guard let data = try tree.contents(of: path) else { return [] }
        let blocks = DbtProject.snapshotBlocks(in: data).map { (name: $0.0, scan: $0.1) }
        guard blocks.count == 1, let block = blocks.first,
              let outcome = try renderOutcome(path, scan: block.scan, name: block.name) else { return blocks }
        for problem in outcome.problems { note(problem) }
        for macro in outcome.rendered?.unknownMacros ?? [] { unknownMacroCallers[macro, default: []].insert(path) }
        var scan = block.scan
        scan.refs = outcome.refs
        scan.sources = outcome.sources
        return [(block.name, scan)]
    }

    private func renderOutcome(_ path: String, scan: ReferenceScan, name knownName: String? = nil) throws -> RenderOutcome? {
        guard let projectFile, let data = try tree.contents(of: path) else { return nil }
        let state = try renderingState(projectFile)
        let memoKey = tree.blobID(of: path).map { $0 + ":" + path + ":" + state.fingerprint }
        if let memoKey, let outcome = memo.renderedModels[memoKey] { return outcome }
        let text = String(decoding: data, as: UTF8.self)
        // A `config()` value that is an expression (`enabled=var(...)`) needs the render too.
        let configIsExpression = !(sqlConfigs(path)?.unknown.isEmpty ?? true)
        guard configIsExpression
            || DbtProject.needsRendering(text, data: data, scan: scan, reaching: state.macros.referenceReachingWords) else {
            return nil
        }
        let started = ContinuousClock.now
        defer { renderClock += ContinuousClock.now - started }
        let name = try knownName ?? nodeKey(forFile: path).name
        var outcome: RenderOutcome
        do {
            let rendered = try state.renderer.render(text: text, path: path, name: name)
            outcome = RenderOutcome(refs: rendered.refs, sources: rendered.sources, problems: [], rendered: rendered)
            if !rendered.unknownMacros.isEmpty {
                // dbt would fail on a macro it does not know (or the package is not installed here):
                // keep every literal reference too, so no edge is lost.
                outcome.refs = DbtProject.merged(rendered.refs, scan.refs)
                outcome.sources = DbtProject.merged(rendered.sources, scan.sources)
            }
        } catch {
            let jinja = error as? JinjaError ?? JinjaError("\(error)")
            let location = jinja.template.isEmpty || jinja.template == path
                ? SourceLocation(path: path, line: max(jinja.line, 1))
                : SourceLocation(path: jinja.template, line: max(jinja.line, 1))
            outcome = RenderOutcome(refs: scan.refs, sources: scan.sources, problems: [Diagnostic(
                severity: .warning,
                message: "dbt.rendering: \(path) could not be rendered as dbt would (\(jinja.message)); its parents come from "
                    + "a literal scan of ref()/source(), which misses references made inside macros",
                location: location)], rendered: nil)
        }
        if let memoKey { memo.renderedModels[memoKey] = outcome }
        return outcome
    }

    private func renderingState(_ projectFile: ProjectFile) throws -> RenderingState {
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
        let projectBlob = tree.blobID(of: projectFilePath) ?? String(projectFile.hashValue)
        let fingerprint = JinjaDbtSupport.fnv(([projectBlob, settings.adapterType ?? "", settings.targetName ?? ""]
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
        guard let rendered = try? state.renderer.renderValue(text, path: projectFilePath) else { return true }
        switch rendered.trimmingCharacters(in: .whitespacesAndNewlines).lowercased() {
        case "false", "0", "no", "none", "": return false
        default: return true
        }
    }

    /// One notice per macro that models call and nobody defines (usually a package that `dbt deps`
    /// has not installed where the gate runs), naming the first caller and how many there are.
    func unknownMacroDiagnostics() -> [Diagnostic] {
        unknownMacroCallers.keys.sorted().compactMap { macro in
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

    /// Whether a model's Jinja can change its parents beyond the literal `ref()`s.
    static func needsRendering(_ text: String, data: Data, scan: ReferenceScan, reaching: Set<String>) -> Bool {
        if text.contains("{%") { return true }
        let words = MacroTagScanner.words(in: data)
        if !words.isDisjoint(with: reaching) { return true }
        // A macro the project does not define (a package that is not installed here): rendering
        // finds it, so the report can say which parents may be missing.
        if callsOtherThanReferences(text) { return true }
        guard words.contains("ref") || words.contains("source") else { return false }
        // A ref()/source() whose arguments the literal scan could not read (`ref(var('m'))`).
        let calls = text.ranges(of: #"\b(ref|source)\s*\("#, options: .regularExpression)
        return calls > scan.refs.count + scan.sources.count
    }

    /// The calls inside `{{ }}` that plain reading understands: anything else is a macro.
    static let plainCalls: Set<String> = ["ref", "source", "config", "var", "env_var", "is_incremental", "this"]

    /// Whether some `{{ … }}` calls something other than `plainCalls`.
    static func callsOtherThanReferences(_ text: String) -> Bool {
        var search = text.startIndex
        while let open = text.range(of: "{{", range: search..<text.endIndex) {
            let close = text.range(of: "}}", range: open.upperBound..<text.endIndex)?.lowerBound ?? text.endIndex
            let expression = Array(text[open.upperBound..<close].utf8)
            var index = 0
            while index < expression.count {
                guard ByteText.isIdentifier(expression[index]) else { index += 1; continue }
                let start = index
                while index < expression.count, ByteText.isIdentifier(expression[index]) || expression[index] == UInt8(ascii: ".") {
                    index += 1
                }
                var next = index
                while next < expression.count, ByteText.isSpace(expression[next]) { next += 1 }
                if next < expression.count, expression[next] == UInt8(ascii: "("),
                   !plainCalls.contains(String(decoding: expression[start..<index], as: UTF8.self)) {
                    return true
                }
            }
            search = close
        }
        return false
    }

    static func merged<T: Hashable>(_ first: [T], _ second: [T]) -> [T] {
        var seen = Set(first)
        return first + second.filter { seen.insert($0).inserted }
    }
}

extension String {
    /// How many times a pattern occurs.
    fileprivate func ranges(of pattern: String, options: String.CompareOptions) -> Int {
        var count = 0
        var search = startIndex
        while let range = range(of: pattern, options: options, range: search..<endIndex) {
            count += 1
            search = range.upperBound
        }
        return count
    }
}
