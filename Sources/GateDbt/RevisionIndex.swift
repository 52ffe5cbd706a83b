import DbtFiles
import Foundation
import GateModel

/// What one revision of a dbt project is made of, read in one pass and never changed afterwards:
/// which files are models and property files, each model file's literal `ref()`/`source()`/
/// `config()` scan, each property file's outline, and where each model is described.
///
/// Every question a check asks about a project starts here. It is built once per revision, on the
/// first such question, and each file in it is read once per blob: an unchanged file is shared
/// with the other side of the comparison, and with earlier runs through the parse cache
/// (`BlobMemo`). What is derived from it on demand — renders, parsed property entries, SQL
/// readings, columns — stays with `DbtProject`, so a check pays for those only where the change
/// reaches.
///
/// A class, so that the many per-file questions asked of it share it rather than copy its fields.
package final class RevisionIndex: Sendable {
    /// Model files (`.sql`, `.py`) and property files (`.yml`, `.yaml`) under the model paths, sorted.
    package let files: DbtProject.FileListing
    /// Model file path → its literal scan, its `config()` as written and what was odd about it.
    let modelFiles: [String: BlobMemo.ModelFileFacts]
    /// Property file path → its outline; nil for a file that cannot be outlined (read whole).
    let outlines: [String: PropertyFileOutline?]
    /// Model name → the property files (and entries of them) that describe it.
    let entries: DbtProject.EntryIndex
    /// The problems met reading the model files, in path order.
    let problems: [Diagnostic]
    /// Time spent reading and scanning model files not known from the memo.
    let scanTime: Duration

    init(files: DbtProject.FileListing, modelFiles: [String: BlobMemo.ModelFileFacts], outlines: [String: PropertyFileOutline?],
         entries: DbtProject.EntryIndex, problems: [Diagnostic], scanTime: Duration) {
        self.files = files
        self.modelFiles = modelFiles
        self.outlines = outlines
        self.entries = entries
        self.problems = problems
        self.scanTime = scanTime
    }

    /// A revision without `dbt_project.yml`: no files.
    static let empty = RevisionIndex(files: DbtProject.FileListing(), modelFiles: [:], outlines: [:],
                                     entries: DbtProject.EntryIndex(), problems: [], scanTime: .zero)

    /// Reads the revision's files under `modelPaths` (repository-relative).
    static func read(tree: any FileTree, modelPaths: [String], memo: BlobMemo) throws -> RevisionIndex {
        var files = DbtProject.FileListing()
        var seen = Set<String>()
        for folder in modelPaths {
            for path in try tree.files(under: folder) where seen.insert(path).inserted {
                if path.hasSuffix(".sql") || path.hasSuffix(".py") {
                    files.modelFiles.append(path)
                    files.byStem[DbtProject.stem(of: path), default: []].append(path)
                } else if path.hasSuffix(".yml") || path.hasSuffix(".yaml") {
                    files.propertyFiles.append(path)
                }
            }
        }
        files.modelFiles.sort()
        files.propertyFiles.sort()

        // What neither the other side nor an earlier run knows is read (on several threads where
        // the tree can), then everything is gathered in path order.
        var knownModels: [String: BlobMemo.ModelFileFacts] = [:]
        knownModels.reserveCapacity(files.modelFiles.count)
        var unknownModels: [(path: String, key: String?)] = []
        for path in files.modelFiles {
            let key = modelFileKey(path, in: tree)
            if let key, let facts = memo.modelFile(key) {
                knownModels[path] = facts
            } else {
                unknownModels.append((path, key))
            }
        }
        let clock = ContinuousClock()
        let started = clock.now
        let readModels = try tree.readEach(unknownModels.map(\.path)) { path, data in modelFileFacts(data, path: path) }
        let scanTime = clock.now - started
        var learnt: [(key: String, facts: BlobMemo.ModelFileFacts)] = []
        learnt.reserveCapacity(unknownModels.count)
        for (file, facts) in zip(unknownModels, readModels) {
            guard let facts else { continue }
            knownModels[file.path] = facts
            if let key = file.key { learnt.append((key, facts)) }
        }
        memo.remember(modelFiles: learnt)
        let problems = files.modelFiles.flatMap { knownModels[$0]?.problems ?? [] }

        // Property files: each one's outline, and the hashes of its words for the searches to come.
        var outlines: [String: PropertyFileOutline?] = [:]
        var unknownProperties: [String] = []
        for path in files.propertyFiles {
            if let blob = tree.blobID(of: path), let outline = memo.outline(blob) {
                outlines[path] = .some(outline)
            } else {
                unknownProperties.append(path)
            }
        }
        let readProperties = try tree.readEach(unknownProperties) { _, data in
            (outline: PropertyFileOutline.outline(data), tokens: WordFinder.tokenHashes(in: data))
        }
        for (path, read) in zip(unknownProperties, readProperties) {
            guard let read else { continue }
            outlines[path] = .some(read.outline)
            if let blob = tree.blobID(of: path) {
                memo.remember(outline: read.outline, of: blob)
                memo.remember(tokenHashes: read.tokens, of: blob)
            }
        }
        var entries = DbtProject.EntryIndex()
        for path in files.propertyFiles where outlines[path] != nil {
            guard let outline = outlines[path] ?? nil, !outline.items.contains(where: { $0.section == "models" && $0.name == nil }) else {
                // An entry whose name is not written plainly: the file is searched by word instead.
                entries.searched.append(path)
                continue
            }
            var byName: [String: [Int]] = [:]
            var order: [String] = []
            for (number, item) in outline.items.enumerated() where item.section == "models" {
                guard let name = item.name else { continue }
                if byName[name] == nil { order.append(name) }
                byName[name, default: []].append(number)
            }
            for name in order { entries.items[name, default: []].append((path, byName[name] ?? [])) }
        }
        return RevisionIndex(files: files, modelFiles: knownModels, outlines: outlines, entries: entries,
                             problems: problems, scanTime: scanTime)
    }

    /// The memo's key for a model file's facts: its blob and path.
    static func modelFileKey(_ path: String, in tree: any FileTree) -> String? {
        tree.blobID(of: path).map { $0 + ":" + path }
    }

    /// A model file's literal `ref()`/`source()`/`config(` scan, its `config()` as written, and
    /// what its Jinja can ask of a render.
    static func modelFileFacts(_ data: Data, path: String) -> BlobMemo.ModelFileFacts {
        let scan = ReferenceScanner.scan(data)
        var facts = BlobMemo.ModelFileFacts(scan: scan, config: nil, problems: [],
                                            jinja: DbtProject.jinjaDemand(data, scan: scan))
        if !scan.configCalls.isEmpty {
            (facts.config, facts.problems) = ConfigCallReader.read(data, calls: scan.configCalls, path: path)
        }
        return facts
    }

    static func outline(of path: String, tree: any FileTree, memo: BlobMemo) throws -> PropertyFileOutline? {
        let blob = tree.blobID(of: path)
        if let blob, let known = memo.outline(blob) { return known }
        let outline = PropertyFileOutline.outline(try tree.contents(of: path) ?? Data())
        if let blob { memo.remember(outline: outline, of: blob) }
        return outline
    }
}
