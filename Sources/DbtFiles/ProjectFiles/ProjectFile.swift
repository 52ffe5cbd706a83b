import Foundation
import GateModel
import Yams

/// One level of the `models:` tree in `dbt_project.yml`: the configs set at that level and the
/// sub-levels (folders, model names) beneath it.
package struct FolderConfigLevel: Hashable {
    package var config = ModelConfig()
    package var children: [String: FolderConfigLevel] = [:]

    /// dbt's `fqn_search`: the root level, then one level per fqn part for as long as the tree
    /// goes, each more specific than the last.
    package func effectiveConfig(fqn: [String]) -> ModelConfig { reach(fqn: fqn).config }

    /// The merged configuration along `fqn`, and the level the walk ended on when it matched
    /// every part (so a more specific part can continue from it).
    package struct Reached {
        package var config: ModelConfig
        package var level: FolderConfigLevel?
    }

    package func reach(fqn: [String]) -> Reached {
        var result = config
        var level = self
        for part in fqn {
            guard let next = level.children[part] else { return Reached(config: result, level: nil) }
            result.apply(next.config)
            level = next
        }
        return Reached(config: result, level: level)
    }
}

/// The parts of `dbt_project.yml` that decide which files are models and how they are configured.
package struct ProjectFile: Hashable {
    package var path: String
    package var name: String
    /// Model folders relative to the project folder, without trailing slashes.
    package var modelPaths: [String]
    /// Macro folders relative to the project folder.
    package var macroPaths: [String]
    package var seedPaths: [String]
    package var snapshotPaths: [String]
    package var models: FolderConfigLevel
    /// Whatever the file says under `models:`, for telling whether a change touched it.
    package var modelsValue: JSONValue
    /// `seeds:` and `snapshots:` configs, read as `models:` is.
    package var seeds = FolderConfigLevel()
    package var snapshots = FolderConfigLevel()
    /// `vars:` (global values, and per-package mappings), as `var()` reads them.
    package var vars: JSONValue = .null
    /// `profile:` — the `profiles.yml` entry dbt connects with (the project name when absent).
    package var profile: String?
    /// `packages-install-path:` (dbt's default `dbt_packages`).
    package var packagesInstallPath: String?
    /// `dispatch:` — macro namespace → the packages `adapter.dispatch` searches, in order.
    package var dispatchSearchOrder: [String: [String]] = [:]

    /// What reading the file noticed that dbt only warns about (a repeated key: the last one wins).
    package var warnings: [Diagnostic] = []

    package static func parse(_ text: String, path: String) throws -> ProjectFile {
        // A repeated key is read as PyYAML (and so dbt) reads it: the last wins, with a warning.
        let (composed, warnings) = try YAMLReading.composeKeepingLastDuplicate(text, path: path)
        guard let root = composed, case .mapping = root else {
            throw InputError("dbt_project.yml must be a mapping with at least `name:`", at: SourceLocation(path: path))
        }
        guard let nameNode = YAMLReading.value("name", in: root), let name = YAMLReading.string(nameNode),
              !name.isEmpty else {
            throw InputError("dbt_project.yml has no `name:`; add the project name",
                             at: YAMLReading.location(of: root, in: path))
        }
        if ModelConfig.isJinja(name) {
            throw InputError("the project `name:` must be a plain name, not Jinja",
                             at: YAMLReading.location(of: nameNode, in: path))
        }
        var modelPaths = ["models"]
        if let node = YAMLReading.value("model-paths", in: root) ?? YAMLReading.value("source-paths", in: root) {
            guard case .sequence = node else {
                throw InputError("`model-paths` must be a list of folders, e.g. [\"models\"]",
                                 at: YAMLReading.location(of: node, in: path))
            }
            modelPaths = YAMLReading.strings(node).map(ProjectFile.cleanFolder).filter { !$0.isEmpty }
        }
        func folders(_ key: String, default value: String) -> [String] {
            guard let node = YAMLReading.value(key, in: root), case .sequence = node else { return [value] }
            return YAMLReading.strings(node).map(ProjectFile.cleanFolder)
        }
        let macroPaths = folders("macro-paths", default: "macros")
        let seedPaths = folders("seed-paths", default: "seeds")
        let snapshotPaths = folders("snapshot-paths", default: "snapshots")
        var models = FolderConfigLevel()
        var modelsValue = JSONValue.null
        if let node = YAMLReading.value("models", in: root), YAMLReading.tagName(node) != .null {
            guard case .mapping = node else {
                throw InputError("`models:` must be a mapping of folders and `+config` keys",
                                 at: YAMLReading.location(of: node, in: path))
            }
            models = level(from: node, path: path)
            modelsValue = YAMLReading.json(node)
        }
        var file = ProjectFile(path: path, name: name, modelPaths: modelPaths, macroPaths: macroPaths, seedPaths: seedPaths,
                               snapshotPaths: snapshotPaths, models: models, modelsValue: modelsValue)
        if let node = YAMLReading.value("seeds", in: root), case .mapping = node { file.seeds = level(from: node, path: path) }
        if let node = YAMLReading.value("snapshots", in: root), case .mapping = node { file.snapshots = level(from: node, path: path) }
        if let node = YAMLReading.value("vars", in: root) { file.vars = YAMLReading.json(node) }
        file.profile = YAMLReading.string(YAMLReading.value("profile", in: root))
        if let node = YAMLReading.value("packages-install-path", in: root), let folder = YAMLReading.string(node) {
            file.packagesInstallPath = cleanFolder(folder)
        }
        for entry in YAMLReading.items(YAMLReading.value("dispatch", in: root)) {
            guard let namespace = YAMLReading.string(YAMLReading.value("macro_namespace", in: entry)) else { continue }
            file.dispatchSearchOrder[namespace] = YAMLReading.strings(YAMLReading.value("search_order", in: entry))
        }
        file.warnings = warnings
        return file
    }

    /// dbt's reading of one level: `+key` is always a config; a key without `+` is a config when
    /// its value is not a mapping, and a sub-level (folder or model) when it is.
    private static func level(from node: Node, path: String) -> FolderConfigLevel {
        var level = FolderConfigLevel()
        for pair in YAMLReading.pairs(of: node) {
            let location = YAMLReading.location(of: pair.keyNode, in: path)
            if pair.key.hasPrefix("+") {
                level.config.set(pair.key, YAMLReading.json(pair.value), at: location)
                level.config.noteNestedLocations(key: pair.key, value: pair.value, path: path)
            } else if case .mapping = pair.value {
                level.children[pair.key] = self.level(from: pair.value, path: path)
            } else {
                level.config.set(pair.key, YAMLReading.json(pair.value), at: location)
            }
        }
        return level
    }

    static func cleanFolder(_ folder: String) -> String {
        var folder = folder
        while folder.hasPrefix("./") { folder.removeFirst(2) }
        while folder.hasSuffix("/") { folder.removeLast() }
        return folder == "." ? "" : folder
    }
}
