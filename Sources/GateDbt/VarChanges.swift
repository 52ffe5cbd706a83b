import DbtFiles
import Foundation
import GateModel

extension DbtProject {
    /// The model files whose configuration reads a `var()` that has another value at this
    /// revision than at `base` (`vars:` in `dbt_project.yml`): dbt compares the rendered config
    /// (`state:modified.configs`), so `{{ config(materialized=var('m')) }}` is modified when `m`
    /// changes, while a `var()` in the model's body is not (dbt compares the file, not its render).
    /// Read: `config()` calls and `dbt_project.yml` folder values that are Jinja naming `var`.
    func modelFilesWithChangedVarConfig(since base: DbtProject) throws -> [String] {
        guard let after = projectFile, let before = base.projectFile, after.vars != before.vars else { return [] }
        let state = try renderingState(after)
        let baseState = try base.renderingState(before)
        var result: [String] = []
        for path in try fileListing().modelFiles where path.hasSuffix(".sql") {
            guard try scan(path) != nil else { continue }   // reads its `config()` too
            let name = try nodeKey(forFile: path).name
            let sql = sqlConfig(path).unknown.filter { $0.value.contains("var") }
            let folder = folderConfig(path: path, name: name, version: nil).unknown.filter { $0.value.contains("var") }
            guard !sql.isEmpty || !folder.isEmpty, base.isModelFile(path), try base.tree.contents(of: path) != nil else { continue }
            var differs = false
            if !sql.isEmpty {
                // Both sides rendered as `dbt parse` renders them, each with its own vars.
                let now = try renderedModel(path)?.config, then = try base.renderedModel(path)?.config
                differs = now.map { now in sql.keys.contains { now[$0] != then?[$0] } } ?? false
            }
            if !differs {
                let baseFolder = base.folderConfig(path: path, name: name, version: nil).unknown
                differs = folder.contains { key, text in
                    guard baseFolder[key] == text else { return true }
                    let now = try? state.renderer.renderValue(text, path: projectFilePath)
                    let then = try? baseState.renderer.renderValue(text, path: base.projectFilePath)
                    return now != then
                }
            }
            if differs { result.append(path) }
        }
        return result
    }

    /// A Jinja value of this revision's project (a source's `schema: "{{ var('s') }}"`) rendered
    /// as dbt renders property values, with the project's vars; nil when it does not render.
    package func renderedValue(_ text: String, path: String) -> String? {
        guard let projectFile, let state = try? renderingState(projectFile) else { return nil }
        return try? state.renderer.renderValue(text, path: path)
    }
}
