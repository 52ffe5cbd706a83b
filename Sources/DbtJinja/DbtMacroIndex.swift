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
    /// Macros whose call cannot change what a render tells the graph or the gate: no `ref`,
    /// `source`, `config`, `var`, `env_var`, warehouse or context word in their body, and every
    /// call they make is a pure builtin, a method of a value, or another such macro. A model
    /// calling only these reads the same rendered or not (`isInert(call:from:)`), as long as their
    /// files parse (a project checks that before it skips a render, `inertMacroFilesParse`), and
    /// except for which macros it calls (macro-change detection renders every caller).
    package var inert: Set<Definition> = []
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
        computeInert(bodies: bodies, wordsOf: wordsOf, reaching: reaching)
    }

    /// Words that make a macro's call matter to a render beyond its text: references, config,
    /// variables (a missing one fails dbt's parse), the warehouse, and the context dbt passes.
    static let effectWords: Set<String> = ["ref", "source", "config", "var", "env_var", "run_query", "statement", "adapter",
                                           "execute", "load_result", "graph", "exceptions", "model", "builtins", "context",
                                           "this", "dbt", "api", "flags", "selected_resources", "store_result", "store_raw_result"]
    /// Jinja's and dbt's pure callables: what they return depends on their arguments alone.
    static let pureCalls: Set<String> = ["return", "caller", "range", "lower", "upper", "length", "list", "dict", "zip",
                                         "enumerate", "max", "min", "sum", "abs", "int", "float", "string", "str", "bool",
                                         "log", "print", "tojson", "fromjson", "toyaml", "fromyaml", "namespace", "cycler",
                                         "joiner", "tuple", "set", "sorted", "reversed", "round", "lipsum"]

    /// The greatest set of macros that are inert: those with no effect word, less any whose
    /// calls leave the set, until nothing changes (a macro calling itself stays in).
    private mutating func computeInert(bodies: [Definition: Data], wordsOf: [Definition: Set<String>], reaching: Set<Definition>) {
        var candidates = Set(bodies.keys.filter { definition in
            !reaching.contains(definition) && (wordsOf[definition] ?? []).isDisjoint(with: Self.effectWords)
        })
        let callsOf = Dictionary(uniqueKeysWithValues: candidates.map { ($0, MacroTagScanner.jinjaCalls(in: bodies[$0] ?? Data())) })
        var changed = true
        while changed {
            changed = false
            for definition in candidates {
                let calls = callsOf[definition] ?? []
                if !calls.allSatisfy({ callIsInert($0, from: definition.package, among: candidates) }) {
                    candidates.remove(definition)
                    changed = true
                }
            }
        }
        inert = candidates
    }

    private func callIsInert(_ call: String, from package: String, among candidates: Set<Definition>) -> Bool {
        if Self.pureCalls.contains(call) { return true }
        let parts = call.split(separator: ".", maxSplits: 1).map(String.init)
        if parts.count == 2 {
            // `pkg.macro(…)` is that package's macro; `value.method(…)` (a string's `upper`) is pure,
            // unless the value is one of the effect words (`adapter.dispatch`).
            if packages[parts[0]] != nil { return definition(parts[1], in: parts[0]).map(candidates.contains) ?? false }
            return !Self.effectWords.contains(parts[0])
        }
        // Unknown: a macro of dbt's own context, or none at all (which a render reports).
        return resolve(call, from: package).map(candidates.contains) ?? false
    }

    /// Whether a model's call of the macro `name` (`pkg.name` too), resolved from `package`, is
    /// inert: false for a macro the index does not know.
    package func isInert(call name: String, from package: String) -> Bool {
        let parts = name.split(separator: ".", maxSplits: 1).map(String.init)
        if parts.count == 2 {
            guard packages[parts[0]] != nil, let found = definition(parts[1], in: parts[0]) else { return false }
            return inert.contains(found)
        }
        return resolve(name, from: package).map(inert.contains) ?? false
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

    /// The names called inside the Jinja of a macro (`{{ … }}`, `{% … %}`): an identifier, dotted
    /// or not, followed by `(`, outside string literals; not the defined macro's own name after
    /// `macro`/`test`/`materialization`.
    package static func jinjaCalls(in data: Data) -> Set<String> {
        let bytes = [UInt8](data)
        var calls = Set<String>()
        var index = 0
        while index + 1 < bytes.count {
            guard bytes[index] == UInt8(ascii: "{"), bytes[index + 1] == UInt8(ascii: "{") || bytes[index + 1] == UInt8(ascii: "%") else {
                if bytes[index] == UInt8(ascii: "{"), bytes[index + 1] == UInt8(ascii: "#") {
                    index = (find("#}", in: bytes, from: index + 2).map { $0 + 2 }) ?? bytes.count
                } else {
                    index += 1
                }
                continue
            }
            let closer: UInt8 = bytes[index + 1] == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "%")
            index += 2
            var previousWord = ""
            while index < bytes.count {
                let byte = bytes[index]
                if byte == closer, index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "}") { index += 2; break }
                if byte == UInt8(ascii: "'") || byte == UInt8(ascii: "\"") {
                    index += 1
                    while index < bytes.count, bytes[index] != byte {
                        index += bytes[index] == UInt8(ascii: "\\") ? 2 : 1
                    }
                    index += 1
                    previousWord = ""
                    continue
                }
                guard ByteText.isIdentifier(byte) else { index += 1; continue }
                let start = index
                while index < bytes.count, ByteText.isIdentifier(bytes[index]) || bytes[index] == UInt8(ascii: ".") { index += 1 }
                let name = String(decoding: bytes[start..<index], as: UTF8.self)
                var next = index
                while next < bytes.count, ByteText.isSpace(bytes[next]) { next += 1 }
                if next < bytes.count, bytes[next] == UInt8(ascii: "("), !["macro", "test", "materialization"].contains(previousWord) {
                    calls.insert(name)
                }
                previousWord = name
            }
        }
        return calls
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
