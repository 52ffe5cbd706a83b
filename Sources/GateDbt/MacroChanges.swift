import DbtFiles
import DbtJinja
import Foundation
import GateJinja
import GateModel

/// A macro whose text a change edited, and the models that call it.
struct ChangedMacro {
    var key: String
    /// Where it is defined at head (at base when the change deletes it).
    var location: SourceLocation
    /// The model files that call it, directly or through other macros.
    var callers: [String] = []
    /// The models of installed packages whose hooks call it, directly or through other macros.
    var packageCallers: [PackageModel] = []
}

extension DbtProject {
    /// The model files of this revision that dbt's `state:modified` selects because a macro they
    /// depend on changed since `base` (`state:modified.macros`), with the macros that changed.
    ///
    /// As dbt: a macro changed when its text differs, or it is new or gone; a model depends on the
    /// macros its own render and its hooks call (dbt's `depends_on.macros`: calls made by the model
    /// itself, not by the macros it called), and a macro on every macro its text calls, in any
    /// branch (`statically_extract_macro_calls`, `adapter.dispatch` resolved for the adapter).
    /// Models of installed packages count through their hooks (a project-wide `models:
    /// +post-hook:` in the root `dbt_project.yml` reaches them too); their bodies are not read.
    func modelFilesCallingChangedMacros(since base: DbtProject) throws -> [ChangedMacro] {
        guard let projectFile else { return [] }
        let state = try renderingState(projectFile)
        var changed = try changedMacros(since: base)
        guard !changed.isEmpty else { return [] }

        var walker = MacroReach(state: state, changed: Set(changed.keys))
        let entryConfigs = try propertyHookConfigs()
        for path in try fileListing().modelFiles where path.hasSuffix(".sql") {
            guard let scan = try scan(path) else { continue }
            // A file no render needs can still run macros in its hooks. One that calls macros is
            // rendered even when the graph does not need it (inert macros): its render says which.
            let outcome = try renderOutcome(path, scan: scan, force: modelFileFacts(path)?.jinja.callsMacros ?? false)
                ?? RenderOutcome(refs: [], sources: [], problems: [], rendered: RenderedModel())
            var reached: String?
            if let rendered = outcome.rendered {
                for call in rendered.calledMacros + (try hookMacroCalls(path, state: state, entries: entryConfigs)) {
                    guard let definition = state.macros.byFile[call.path]?[call.name] else { continue }
                    if let key = walker.changedMacro(reachedFrom: definition) {
                        reached = key
                        break
                    }
                }
            } else if let data = try tree.contents(of: path) {
                // The render failed: a file that names a changed macro may call it.
                let words = MacroTagScanner.words(in: data)
                reached = changed.keys.sorted().first { key in
                    guard let name = key.split(separator: ".").last.map(String.init) else { return false }
                    return words.contains(name) || DbtMacroIndex.dispatchBase(of: name).map(words.contains) ?? false
                }
            }
            if let reached { changed[reached]?.callers.append(path) }
        }
        for (model, calls) in try packageModelHookCalls(state: state) {
            for call in calls {
                guard let definition = state.macros.byFile[call.path]?[call.name],
                      let key = walker.changedMacro(reachedFrom: definition) else { continue }
                changed[key]?.packageCallers.append(model)
                break
            }
        }
        return changed.values.filter { !$0.callers.isEmpty || !$0.packageCallers.isEmpty }.sorted { $0.key < $1.key }
    }
}

extension DbtProject {
    /// The macros whose text differs from `base`'s, or that are new or gone, by `package.name`.
    func changedMacros(since base: DbtProject) throws -> [String: ChangedMacro] {
        guard let projectFile, let baseFile = base.projectFile else { return [:] }
        let state = try renderingState(projectFile)
        let baseState = try base.renderingState(baseFile)
        var changed: [String: ChangedMacro] = [:]
        let headHashes = state.macros.textHashes, baseHashes = baseState.macros.textHashes
        for (key, hash) in headHashes where baseHashes[key] != hash {
            changed[key] = ChangedMacro(key: key, location: state.macros.location(of: key) ?? SourceLocation(path: projectFilePath))
        }
        for key in baseHashes.keys where headHashes[key] == nil {
            changed[key] = ChangedMacro(key: key, location: baseState.macros.location(of: key) ?? SourceLocation(path: projectFilePath))
        }
        return changed
    }
}

/// Whether hooks call a macro a change edited, for nodes other than models (seeds, snapshots):
/// dbt renders their `pre-hook`/`post-hook`s at parse time too and records the macros in their
/// `depends_on.macros`, so `state:modified` selects them. One walk of the macro calls serves
/// every question.
package final class HookMacroReach {
    private let project: DbtProject
    private let state: RenderingState
    private var walker: MacroReach

    /// nil when no macro changed since `base`.
    package init?(head: DbtProject, base: DbtProject) throws {
        guard let projectFile = head.projectFile else { return nil }
        let changed = try head.changedMacros(since: base)
        guard !changed.isEmpty else { return nil }
        project = head
        state = try head.renderingState(projectFile)
        walker = MacroReach(state: state, changed: Set(changed.keys))
    }

    /// The changed macro (`package.name`) that `hooks` call, directly or through other macros.
    package func changedMacro(calledBy hooks: [String], path: String, name: String) -> String? {
        let jinja = hooks.filter(ModelConfig.isJinja)
        guard !jinja.isEmpty else { return nil }
        for call in state.renderer.macroCalls(inHooks: jinja, path: path, name: name) {
            guard let definition = state.macros.byFile[call.path]?[call.name] else { continue }
            if let key = walker.changedMacro(reachedFrom: definition) { return key }
        }
        return nil
    }
}

extension DbtProject {
    /// The macros the `pre-hook`/`post-hook`s of the model at `path` call: from every level of
    /// `models:` in `dbt_project.yml` on the way to it, its property entry's `config:` (`entries`,
    /// from `propertyHookConfigs()`) and the file's `config()`.
    fileprivate func hookMacroCalls(_ path: String, state: RenderingState, entries: [String: ModelConfig]) throws -> [MacroCall] {
        let name = try nodeKey(forFile: path).name
        let hooks = (DbtProject.hookTexts(along: projectFile?.models, fqn: [self.name] + folderParts(of: path) + [name])
            + DbtProject.hookTexts(in: entries[name] ?? ModelConfig()) + DbtProject.hookTexts(in: sqlConfig(path)))
            .filter(ModelConfig.isJinja)
        guard !hooks.isEmpty else { return [] }
        return state.renderer.macroCalls(inHooks: hooks, path: path, name: name)
    }
}

extension DbtProject {
    /// Calls, in the models of this revision, of a macro the change deleted (it was defined at
    /// `base` and no macro of that name is left): dbt fails to parse a model whose render calls an
    /// undefined macro. Only macros the root project defined count — an undefined package macro
    /// usually means `dbt deps` did not run where the gate runs, which is a notice elsewhere.
    func callsOfDeletedMacros(since base: DbtProject) throws -> [DanglingReference] {
        guard let projectFile, let baseFile = base.projectFile else { return [] }
        let state = try renderingState(projectFile)
        let baseState = try base.renderingState(baseFile)
        let prefix = baseState.macros.rootPackage + "."
        var deleted = Set<String>()
        for key in baseState.macros.textHashes.keys where key.hasPrefix(prefix) && state.macros.textHashes[key] == nil {
            let name = String(key.dropFirst(prefix.count))
            if state.macros.resolve(name, from: state.macros.rootPackage) == nil { deleted.insert(name) }
        }
        guard !deleted.isEmpty else { return [] }
        var result: [DanglingReference] = []
        for path in try fileListing().modelFiles where path.hasSuffix(".sql") {
            guard let scan = try scan(path), let rendered = try renderOutcome(path, scan: scan)?.rendered else { continue }
            let name = try nodeKey(forFile: path).name
            for called in rendered.unknownMacros {
                let bare = called.hasPrefix(prefix) ? String(called.dropFirst(prefix.count)) : called
                guard deleted.contains(bare), let data = try tree.contents(of: path) else { continue }
                let line = ByteText.firstLine(containingWord: bare, in: data) ?? 1
                result.append(DanglingReference(
                    referrer: name, call: called + "()", targetType: "macro", targetName: called, reason: .deleted,
                    resolvedAtBase: true, location: SourceLocation(path: path, line: line)))
            }
        }
        return result
    }
}

extension DbtMacroIndex {
    /// Where macro `package.name` is defined.
    package func location(of key: String) -> SourceLocation? {
        guard let dot = key.firstIndex(of: ".") else { return nil }
        guard let definition = packages[String(key[..<dot])]?[String(key[key.index(after: dot)...])] else { return nil }
        return SourceLocation(path: definition.path, line: definition.line)
    }
}

/// Which changed macro (if any) a macro reaches through the calls its text makes.
private struct MacroReach {
    let state: RenderingState
    let changed: Set<String>
    private var memo: [DbtMacroIndex.Definition: String?] = [:]

    init(state: RenderingState, changed: Set<String>) {
        self.state = state
        self.changed = changed
    }

    /// Names dbt's context answers itself: never a project macro, even when one has that name.
    static let contextNames: Set<String> = [
        "ref", "source", "config", "return", "var", "env_var", "log", "print", "fromjson", "tojson", "fromyaml", "toyaml",
        "set", "set_strict", "zip", "zip_strict", "local_md5", "diff_of_two_dicts", "try_or_compiler_error", "caller",
    ]

    /// Depth first, each macro once; a macro in a cycle being explored counts as reaching nothing.
    mutating func changedMacro(reachedFrom definition: DbtMacroIndex.Definition) -> String? {
        if let known = memo[definition] { return known }
        if changed.contains(definition.key) { return definition.key }
        memo[definition] = .some(nil)
        var found: String?
        for callee in callees(of: definition) {
            if let key = changedMacro(reachedFrom: callee) {
                found = key
                break
            }
        }
        memo[definition] = .some(found)
        return found
    }

    private func callees(of definition: DbtMacroIndex.Definition) -> [DbtMacroIndex.Definition] {
        guard let template = state.renderer.template(at: definition.path),
              let macro = template.macros[definition.name] else { return [] }
        var result: [DbtMacroIndex.Definition] = []
        for call in JinjaStaticCalls.calls(in: macro) {
            let callee: DbtMacroIndex.Definition?
            switch call {
            case let .name(name):
                // dbt skips a call of the macro's own name (a dispatcher naming itself).
                guard name != definition.name, !Self.contextNames.contains(name) else { continue }
                callee = state.macros.resolve(name, from: definition.package)
            case let .qualified(package, name):
                callee = state.macros.resolve(name, from: package)
            case let .dispatch(name, namespace):
                guard case let .callable(value)? = try? state.renderer.dispatch(name, namespace: namespace),
                      let macro = value as? JinjaMacro else { continue }
                callee = state.macros.byFile[macro.template.name]?[macro.definition.name]
            }
            if let callee, callee != definition { result.append(callee) }
        }
        return result
    }
}
