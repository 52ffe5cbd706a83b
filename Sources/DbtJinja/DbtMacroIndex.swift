import DbtFiles
import Foundation
import GateModel

/// Where every macro of a project revision is defined — the root project's macro paths and each
/// installed package under `dbt_packages/` — found by a byte scan of the `{% macro %}` tags, so
/// that only the files whose macros a render calls are ever parsed.
///
/// It also knows which macros can (transitively) call `ref()` or `source()`: a model that calls
/// none of them, and has no Jinja statement, has exactly the parents its literal `ref()`s name.
package struct DbtMacroIndex {
    package struct Definition: Hashable {
        package var package: String
        package var name: String
        package var path: String
        package var line: Int

        /// `package.name`, as dbt's unique id names it (without `macro.`).
        package var key: String { package + "." + name }
    }

    /// The root project's name.
    package var rootPackage: String
    /// Package name → macro name → definition. Holds the root project too.
    package var packages: [String: [String: Definition]] = [:]
    /// Package name → its folder (repository-relative), for the installed packages.
    package var packageFolders: [String: String] = [:]
    /// Where the installed packages were read: the revision's tree, or the worktree's.
    package var packageTree: (any FileTree)?
    /// Whether `packageTree` is the revision's own tree (the packages are committed), not the
    /// worktree's installed packages: a renderer on another thread then reads them through its own.
    package var packagesInRevision = true
    /// Package name → its `dbt_project.yml` `vars:`.
    var packageVars: [String: JSONValue] = [:]
    /// Every `(package, macro)` that may call `ref()`/`source()`, directly or through other macros.
    var reachesReferences: Set<Definition> = []
    /// The bare names (and dispatch base names: `x` for `default__x`) of those macros: a model
    /// mentioning none of them cannot reach a `ref()` through a macro.
    package var referenceReachingWords: Set<String> = []
    /// Macro file paths with their blob ids (when the tree knows them), for cache keys.
    package var fileFingerprint: [String] = []
    /// `package.name` → a hash of the macro's text (`{% macro %}` to `{% endmacro %}`): dbt calls
    /// a macro modified when its text differs (`state:modified.macros`).
    package var textHashes: [String: UInt64] = [:]
    /// File path → macro name → definition, to name the macro a render called.
    package var byFile: [String: [String: Definition]] = [:]

    /// Reads the macro files of the root project and of the packages installed in the tree.
    package static func read(tree: any FileTree, projectPrefix: String, project: ProjectFile,
                     installedPackages: (any FileTree)? = nil) throws -> DbtMacroIndex {
        var index = DbtMacroIndex(rootPackage: project.name)
        var bodies: [Definition: Data] = [:]
        func scanFolder(_ folder: String, package: String, in tree: any FileTree) throws {
            let base = folder.hasSuffix("/") ? String(folder.dropLast()) : folder
            for path in try tree.files(under: base) where path.hasSuffix(".sql") {
                guard let data = try tree.contents(of: path) else { continue }
                // A content hash where the tree has no blob ids (installed packages on disk): the same in every run.
                index.fileFingerprint.append(path + "@" + (tree.blobID(of: path) ?? String(StableHash.fnv1a(data), radix: 16)))
                for (definition, body) in MacroTagScanner.definitions(in: data, package: package, path: path) {
                    // dbt refuses two macros of one name in a package; the first is kept here.
                    if index.packages[package]?[definition.name] == nil {
                        index.packages[package, default: [:]][definition.name] = definition
                        index.byFile[path, default: [:]][definition.name] = definition
                        index.textHashes[definition.key] = DbtMacroIndex.hash(body)
                        bodies[definition] = body
                    }
                }
            }
        }
        for folder in project.macroPaths { try scanFolder(projectPrefix + folder, package: project.name, in: tree) }
        // Installed packages (`dbt deps`): each folder of dbt_packages/ with its own dbt_project.yml.
        // They are rarely committed: when the revision has none, those installed in the worktree serve.
        let installPath = projectPrefix + (project.packagesInstallPath ?? "dbt_packages")
        var packageTree = tree
        var installed = try tree.files(under: installPath)
        if installed.isEmpty, let installedPackages {
            packageTree = installedPackages
            index.packagesInRevision = false
            installed = try installedPackages.files(under: installPath)
        }
        var packageFolders = Set<String>()
        for path in installed where path.hasSuffix("/dbt_project.yml") {
            let folder = String(path.dropLast("/dbt_project.yml".count))
            // Only a package's own root, not a nested integration-test project inside it.
            guard folder.dropFirst(installPath.count + 1).firstIndex(of: "/") == nil else { continue }
            packageFolders.insert(folder)
        }
        for folder in packageFolders.sorted() {
            guard let data = try packageTree.contents(of: folder + "/dbt_project.yml"),
                  let file = try? ProjectFile.parse(String(decoding: data, as: UTF8.self), path: folder + "/dbt_project.yml"),
                  file.name != project.name, index.packageFolders[file.name] == nil else { continue }
            index.packageFolders[file.name] = folder
            index.packageVars[file.name] = file.vars
            let projectID = packageTree.blobID(of: folder + "/dbt_project.yml") ?? String(StableHash.fnv1a(data), radix: 16)
            index.fileFingerprint.append(folder + "/dbt_project.yml@" + projectID)
            for macroFolder in file.macroPaths { try scanFolder(folder + "/" + macroFolder, package: file.name, in: packageTree) }
        }
        index.packageTree = packageTree
        index.computeReach(bodies: bodies)
        return index
    }

    /// The macro `name` of `package`.
    package func definition(_ name: String, in package: String) -> Definition? { packages[package]?[name] }

    /// The macro a bare or package-qualified name means to dbt's macro resolver (`get_macro_id`):
    /// the named package's own macro, else the one of that name the root project defines, else a
    /// package's (in name order). dbt's own macros are never project changes, so `dbt` gives nil.
    package func resolve(_ name: String, from package: String) -> Definition? {
        if package == "dbt" { return nil }
        if let own = packages[package]?[name] { return own }
        if let root = packages[rootPackage]?[name] { return root }
        for other in packages.keys.sorted() where other != rootPackage {
            if let found = packages[other]?[name] { return found }
        }
        return nil
    }

    /// FNV-1a of some bytes.
    package static func hash(_ data: Data) -> UInt64 { StableHash.fnv1a(data) }

    /// Fixpoint over the words of each macro body: a macro reaches a reference when its body says
    /// `ref`/`source`, or names a macro that does (by its name, or its dispatch base name).
    private mutating func computeReach(bodies: [Definition: Data]) {
        var wordsOf: [Definition: Set<String>] = [:]
        var byWord: [String: [Definition]] = [:]
        for (definition, body) in bodies {
            wordsOf[definition] = MacroTagScanner.words(in: body)
            byWord[definition.name, default: []].append(definition)
            if let base = DbtMacroIndex.dispatchBase(of: definition.name) { byWord[base, default: []].append(definition) }
        }
        var reaching = Set<Definition>()
        var changed = true
        while changed {
            changed = false
            for (definition, words) in wordsOf where !reaching.contains(definition) {
                let reaches = words.contains("ref") || words.contains("source")
                    || words.contains { word in byWord[word]?.contains(where: reaching.contains) ?? false }
                if reaches {
                    reaching.insert(definition)
                    changed = true
                }
            }
        }
        reachesReferences = reaching
        for definition in reaching {
            referenceReachingWords.insert(definition.name)
            if let base = DbtMacroIndex.dispatchBase(of: definition.name) { referenceReachingWords.insert(base) }
        }
    }

    /// `x` for a dispatched implementation `default__x` / `snowflake__x`.
    package static func dispatchBase(of name: String) -> String? {
        guard let range = name.range(of: "__"), range.lowerBound > name.startIndex, range.upperBound < name.endIndex else { return nil }
        return String(name[range.upperBound...])
    }
}

/// The byte-level look at macro files: the `{% macro name(` / `{% test name(` /
/// `{% materialization name, … %}` tags with the body up to their end tag, and the identifier
/// words of a body.
package enum MacroTagScanner {
    static func definitions(in data: Data, package: String, path: String) -> [(DbtMacroIndex.Definition, Data)] {
        let bytes = [UInt8](data)
        var result: [(DbtMacroIndex.Definition, Data)] = []
        var open: (name: String, start: Int, line: Int)?
        var line = 1
        var lineCountedTo = 0
        var index = 0
        while index + 1 < bytes.count {
            guard bytes[index] == UInt8(ascii: "{"), bytes[index + 1] == UInt8(ascii: "%") else { index += 1; continue }
            var cursor = index + 2
            if cursor < bytes.count, bytes[cursor] == UInt8(ascii: "-") || bytes[cursor] == UInt8(ascii: "+") { cursor += 1 }
            while cursor < bytes.count, ByteText.isSpace(bytes[cursor]) { cursor += 1 }
            let (tag, afterTag) = word(in: bytes, at: cursor)
            while lineCountedTo < index {
                if bytes[lineCountedTo] == 0x0A { line += 1 }
                lineCountedTo += 1
            }
            switch tag {
            case "macro", "test", "materialization":
                var nameStart = afterTag
                while nameStart < bytes.count, ByteText.isSpace(bytes[nameStart]) { nameStart += 1 }
                let (name, afterName) = word(in: bytes, at: nameStart)
                guard !name.isEmpty else { break }
                var macroName = name
                if tag == "test" {
                    macroName = "test_" + name
                } else if tag == "materialization" {
                    let close = find("%}", in: bytes, from: afterName) ?? bytes.count
                    let header = String(decoding: bytes[afterName..<close], as: UTF8.self)
                    let adapter = header.range(of: #"adapter\s*=\s*['"]([A-Za-z0-9_]+)['"]"#, options: .regularExpression)
                        .map { String(header[$0]).split(whereSeparator: { $0 == "'" || $0 == "\"" }).dropFirst().first.map(String.init) ?? "default" }
                        ?? "default"
                    macroName = "materialization_\(name)_\(adapter)"
                }
                open = (macroName, index, line)
            case "endmacro", "endtest", "endmaterialization":
                if let current = open {
                    let end = (find("%}", in: bytes, from: afterTag).map { $0 + 2 }) ?? bytes.count
                    result.append((DbtMacroIndex.Definition(package: package, name: current.name, path: path, line: current.line),
                                   Data(bytes[current.start..<end])))
                    open = nil
                }
            default:
                break
            }
            index = afterTag > index ? afterTag : index + 2
        }
        if let current = open {
            // An unclosed macro: the parser will say so when it is rendered.
            result.append((DbtMacroIndex.Definition(package: package, name: current.name, path: path, line: current.line),
                           Data(bytes[current.start...])))
        }
        return result
    }

    /// Every identifier-like word of some text (inside strings too: dispatch names are strings).
    package static func words(in data: Data) -> Set<String> {
        var words = Set<String>()
        let bytes = [UInt8](data)
        var index = 0
        while index < bytes.count {
            guard ByteText.isIdentifier(bytes[index]) else { index += 1; continue }
            let start = index
            while index < bytes.count, ByteText.isIdentifier(bytes[index]) { index += 1 }
            words.insert(String(decoding: bytes[start..<index], as: UTF8.self))
        }
        return words
    }

    private static func word(in bytes: [UInt8], at start: Int) -> (String, Int) {
        var end = start
        while end < bytes.count, ByteText.isIdentifier(bytes[end]) { end += 1 }
        return (String(decoding: bytes[start..<end], as: UTF8.self), end)
    }

    private static func find(_ needle: String, in bytes: [UInt8], from start: Int) -> Int? {
        let pattern = Array(needle.utf8)
        var index = start
        while index + pattern.count <= bytes.count {
            if bytes[index] == pattern[0], Array(bytes[index..<index + pattern.count]) == pattern { return index }
            index += 1
        }
        return nil
    }
}
