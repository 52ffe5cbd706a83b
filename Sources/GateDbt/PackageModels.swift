import DbtFiles
import DbtJinja
import Foundation
import GateModel

/// A model of an installed package (`dbt_packages/<name>/`, or a `local:` package that `dbt deps`
/// linked there) whose hooks call a macro.
struct PackageModel: Hashable {
    var package: String
    var name: String
    /// The model as the package's own files describe it.
    var snapshot: ModelSnapshot
}

extension DbtProject {
    /// Every `pre-hook`/`post-hook` string of a configuration level (a `dbt_project.yml` folder,
    /// a property entry's `config:`, a `config()` call): a string, a list of strings, or
    /// `{sql: ...}` objects, literal or Jinja.
    package static func hookTexts(in config: ModelConfig) -> [String] {
        var hooks: [String] = []
        for key in ["pre-hook", "post-hook"] {
            let value = config.values[key]
            let items: [JSONValue] = if case let .array(list)? = value { list } else { value.map { [$0] } ?? [] }
            for item in items {
                if let text = item.stringValue {
                    hooks.append(text)
                } else if case let .object(fields) = item, let text = fields["sql"]?.stringValue {
                    hooks.append(text)
                }
            }
            if let text = config.unknown[key] { hooks.append(text) }
        }
        return hooks
    }

    /// The hooks that `models:` in a `dbt_project.yml` gives the node `fqn`: each level on the
    /// way down on its own (dbt appends the hooks of every level; a merged config would keep one
    /// Jinja string per key).
    package static func hookTexts(along models: FolderConfigLevel?, fqn: [String]) -> [String] {
        guard var level = models else { return [] }
        var hooks = hookTexts(in: level.config)
        for part in fqn {
            guard let next = level.children[part] else { break }
            hooks += hookTexts(in: next.config)
            level = next
        }
        return hooks
    }

    /// Model name → the configuration its property entries give it, for the entries that set a
    /// hook or `enabled` (dbt reads `pre_hook`/`post_hook` there; `pre-hook` in YAML is rendered
    /// before the macros exist and stops dbt's parse).
    func propertyHookConfigs() throws -> [String: ModelConfig] {
        let words: Set<String> = ["pre_hook", "post_hook", "enabled"]
        var result: [String: ModelConfig] = [:]
        for path in Set(try propertyFiles(mentioning: words).values.joined()).sorted() {
            for entry in try propertyContents(in: path, near: words).models {
                result[entry.name, default: ModelConfig()].apply(entry.config)
            }
        }
        return result
    }

    /// The Jinja hooks of every enabled model of the installed packages, with the macros each
    /// model's hooks call (dbt renders them at parse time and records those macros in the
    /// model's `depends_on.macros`). A package model's hooks come from the root project's
    /// `models:` (project-wide keys reach package models too, and `models: <package>:` targets
    /// them), the package's own `dbt_project.yml`, its property entry and its `config()`.
    func packageModelHookCalls(state: RenderingState) throws -> [(model: PackageModel, calls: [MacroCall])] {
        guard let projectFile else { return [] }
        var result: [(model: PackageModel, calls: [MacroCall])] = []
        try forEachPackageModel(state: state) { file in
            let hooks = (DbtProject.hookTexts(along: file.project.projectFile?.models, fqn: file.fqn)
                + DbtProject.hookTexts(along: projectFile.models, fqn: file.fqn)
                + DbtProject.hookTexts(in: file.entry) + DbtProject.hookTexts(in: file.project.sqlConfig(file.path)))
                .filter(ModelConfig.isJinja)
            guard !hooks.isEmpty, let model = try packageModel(file, rootModels: projectFile.models) else { return }
            result.append((model, state.renderer.macroCalls(inHooks: hooks, path: file.path, name: model.name, package: file.package)))
        }
        return result
    }

    /// The models of the installed packages whose configuration from this revision's root
    /// `dbt_project.yml` (`models: <package>: …`, or a project-wide `models: +key`) differs from
    /// `base`'s: dbt's `state:modified.configs` selects them. `tags` and `group` are labels dbt
    /// does not compare.
    func packageModelsWithChangedProjectConfig(since base: DbtProject) throws -> [PackageModel] {
        guard let after = projectFile, let before = base.projectFile, before.modelsValue != after.modelsValue else { return [] }
        func comparable(_ config: ModelConfig) -> SemanticDiff.ComparableConfig {
            SemanticDiff.ComparableConfig(values: SemanticDiff.comparedConfig(config.values),
                                          unknown: SemanticDiff.comparedConfig(config.unknown))
        }
        var result: [PackageModel] = []
        try forEachPackageModel(state: try renderingState(after)) { file in
            guard comparable(before.models.effectiveConfig(fqn: file.fqn)) != comparable(after.models.effectiveConfig(fqn: file.fqn)),
                  let model = try packageModel(file, rootModels: after.models) else { return }
            result.append(model)
        }
        return result
    }

    /// One model file of an installed package, as `forEachPackageModel` gives it.
    struct PackageModelFile {
        var package: String
        var project: DbtProject
        var path: String
        var fqn: [String]
        /// Its property entry's configuration, when the entry sets a hook or `enabled`.
        var entry: ModelConfig
    }

    /// Calls `body` for every SQL model file of every package installed for this revision.
    private func forEachPackageModel(state: RenderingState, _ body: (PackageModelFile) throws -> Void) throws {
        for package in state.macros.packageFolders.keys.sorted() {
            guard let project = try installedPackage(package, state: state) else { continue }
            let entries = try project.propertyHookConfigs()
            for path in try project.fileListing().modelFiles where path.hasSuffix(".sql") {
                // Reads its `config()` too, rendered when a value is an expression (`enabled=var(…)`).
                guard try project.references(ofModelFile: path) != nil else { continue }
                let name = DbtProject.stem(of: path)
                try body(PackageModelFile(package: package, project: project, path: path,
                                          fqn: [package] + project.folderParts(of: path) + [name], entry: entries[name] ?? ModelConfig()))
            }
        }
    }

    /// The package model of `file` when it is enabled, as dbt merges `enabled`: the package's
    /// folders, then the root project's `models:`, its property entry, its `config()`.
    private func packageModel(_ file: PackageModelFile, rootModels: FolderConfigLevel) throws -> PackageModel? {
        let name = file.fqn.last ?? ""
        var config = file.project.folderConfig(path: file.path, name: name, version: nil)
        config.apply(rootModels.effectiveConfig(fqn: file.fqn))
        config.apply(file.entry)
        config.apply(file.project.sqlConfig(file.path))
        guard try file.project.isEnabled(config), let detail = try file.project.modelDetails(named: name).first else { return nil }
        return PackageModel(package: file.package, name: name, snapshot: detail.snapshot)
    }

    /// The graph of installed package `name` as the root project configures it: the models its
    /// `models: <package>: …` disables are left out (with the edges to them), as dbt leaves them out.
    package func installedPackageGraph(_ name: String) throws -> ProjectGraph? {
        guard let projectFile, let project = try installedPackage(name) else { return nil }
        var graph = try project.graph()
        var disabled = Set<String>()
        for (id, node) in graph.nodes where node.type == "model" {
            guard let path = node.path else { continue }
            let fqn = [name] + project.folderParts(of: path) + [node.name]
            if projectFile.models.effectiveConfig(fqn: fqn).bool("enabled") == false { disabled.insert(id) }
        }
        guard !disabled.isEmpty else { return graph }
        for id in disabled { graph.nodes[id] = nil }
        for id in Array(graph.nodes.keys) { graph.nodes[id]?.children.removeAll(where: disabled.contains) }
        return graph
    }

    /// The packages installed for this revision (`dbt_packages/`, in the tree or the worktree), by
    /// project name, sorted.
    package func installedPackageNames() throws -> [String] {
        guard let projectFile else { return [] }
        return try renderingState(projectFile).macros.packageFolders.keys.sorted()
    }

    /// The installed package `name` read as a project of its own (its models, property files and
    /// `dbt_project.yml`), from where this revision's macros found it; nil when not installed.
    package func installedPackage(_ name: String) throws -> DbtProject? {
        guard let projectFile else { return nil }
        return try installedPackage(name, state: try renderingState(projectFile))
    }

    /// Read once per check and project revision: hooks, configuration and lineage all ask.
    func installedPackage(_ name: String, state: RenderingState) throws -> DbtProject? {
        if let known = installedPackages[name] { return known }
        guard let folder = state.macros.packageFolders[name], let tree = state.macros.packageTree else { return nil }
        var settings = DbtSettings(projectDir: folder)
        settings.rootProjectVars = projectFile?.vars
        let project = try? DbtProject.load(tree: tree, settings: settings, memo: memo)
        installedPackages[name] = .some(project)
        return project
    }
}
