import DbtFiles
import Foundation
import GateModel

/// A dbt project at one revision, read through a `FileTree` (a commit, the index, the worktree).
///
/// Loading is cheap: only `dbt_project.yml` is read. The first question about the project's
/// files builds its `RevisionIndex` — the listing, every model file's byte-level `ref()` scan,
/// every property file's outline — once, immutable afterwards. What is derived from it is worked
/// out on demand and memoised here (and per blob in `BlobMemo`, which the other side and the
/// parse cache share): renders, parsed property entries — parsed only when a cheap byte search
/// finds the name of a model being looked at in them — the graph, SQL readings and columns.
public final class DbtProject {
    /// The revision's files.
    public let tree: any FileTree
    /// What the reading was told beyond the project files (target database/schema, naming, manifest).
    public let settings: DbtSettings
    /// The project name (`name:` in `dbt_project.yml`): the middle part of every unique id.
    public let name: String
    /// Model folders, relative to the repository root.
    public let modelPaths: [String]
    /// Repository-relative path of `dbt_project.yml`.
    public let projectFilePath: String
    /// Whether `dbt_project.yml` exists at this revision (see `load(tree:settings:required:)`).
    public let exists: Bool
    package let projectFile: ProjectFile?
    /// Per-blob reading shared with the other side of a comparison.
    let memo: BlobMemo

    private(set) var diagnosticList: [Diagnostic] = []
    private var diagnosticSet: Set<Diagnostic> = []
    /// The revision's files, scanned and outlined (built on the first question that needs them).
    private var revisionIndex: RevisionIndex?
    private var yamlBytes: [String: Data] = [:]
    private var propertyContents: [String: PropertyFileContents] = [:]
    private var itemContents: [String: [Int: PropertyFileContents]] = [:]
    private var mentions: [String: [String]] = [:]
    private var unindexedMentions: [String: [String]] = [:]
    private var ownershipMentions: [String: [Int: Bool]] = [:]
    var details: [String: [ModelDetail]] = [:]
    var fullVersionIndex: [String: PropertyModel]?
    /// File stem → the versioned model and version it defines (from `fullVersionIndex`).
    var versionStemOwners: [String: (name: String, version: String)]?
    var graphCache: ProjectGraph?
    var namingOverridesCache: [String]?
    /// Whether every file defining an inert macro parses (`inertMacroFilesParse`).
    var inertMacrosParse: Bool?
    /// `consumers(of:)` by the targets asked for.
    var consumersCache: [Set<String>: ProjectGraph] = [:]
    /// The graph being built on another thread (`buildGraphAhead`), until `graph()` takes it.
    var graphAhead: WorkAhead<ProjectGraph>?
    /// Columns being worked out on another thread (`readColumnsAhead`), until `columns(of:)` takes them.
    var columnsAhead: WorkAhead<Void>?
    /// Twins whose work this project took over, kept so that they are freed with it.
    var retainedTwins: [DbtProject] = []
    var listedTokenHashCache: [(blob: String?, hashes: [UInt64]?)]?
    var enabledEntryConfigCache: [String: ModelConfig]?
    /// Semantic model id → its column expressions (see `PropertySemanticNode`), filled by the graph.
    var semanticColumnExpressions: [String: [String]] = [:]
    var folderConfigCache: [String: FolderConfigLevel.Reached] = [:]
    /// The Jinja side of reading models: macro index and renderer, made on first need.
    var rendering: RenderingState?
    var renderClock: Duration = .zero
    /// Model files rendered ahead on several threads (`prerender`), for tests.
    package internal(set) var prerenderedFiles = 0
    /// Model path → what `prerender` rendered, on a tree without blob ids (no memo key).
    var prerenderedOutcomes: [String: RenderOutcome] = [:]
    /// Macro name → the model files that call it although nobody defines it (one notice each).
    var unknownMacroCallers: [String: Set<String>] = [:]
    /// Model files whose render asked the warehouse (which answers nothing here, as at parse time).
    var warehouseCallers: Set<String> = []
    /// Environment variable → the model files that read it although it is not set.
    var missingEnvVarReaders: [String: Set<String>] = [:]
    /// Model path → its parents as dbt's parse records them (`references(ofModelFile:)`).
    var modelFileReferences: [String: ReferenceScan] = [:]
    /// Model path → what its rendered `config()` calls set.
    var renderedConfigs: [String: [String: JSONValue]] = [:]
    /// Installed packages read as projects of their own (`PackageModels.swift`), by name; nil
    /// inside when the package could not be read.
    var installedPackages: [String: DbtProject?] = [:]
    /// A `--state` manifest that was asked for and could not be read: the check stops (exit 2).
    var stateManifestError: InputError?
    /// Output columns worked out per node (`ModelColumns.swift`).
    var nodeColumns: [ColumnNode: NodeColumns] = [:]
    /// Each model's SQL read with its parents' columns at this revision.
    var sqlReadings: [ColumnNode: ModelSQLReading] = [:]
    /// Time spent reading SQL, for `check --timings`.
    var sqlClock: Duration = .zero
    var seedNameCache: Set<String>?
    var warehouseCatalogCache: WarehouseCatalog??
    /// Property file → `source.table` → the columns its `sources:` declare.
    var sourceColumnsByFile: [String: [String: [String]]] = [:]
    private var manifestLoaded = false
    private var manifestCache: Manifest?

    /// Files bigger than this are still scanned, with a notice (dbt would parse them too).
    public static let largeFileBytes = 1_000_000

    /// Time spent reading model files and scanning them for `ref()`/`source()`/`config()` (the one
    /// pass over every model file); for `check --timings`.
    public var refScanTime: Duration { revisionIndex?.scanTime ?? .zero }

    /// Problems met while reading, each with file and line; none of them stops the reading.
    public var diagnostics: [Diagnostic] { diagnosticList + renderingDiagnostics() }

    private init(tree: any FileTree, settings: DbtSettings, projectFile: ProjectFile?, projectFilePath: String, memo: BlobMemo) {
        self.tree = tree
        self.memo = memo
        self.settings = settings
        self.projectFile = projectFile
        self.projectFilePath = projectFilePath
        self.exists = projectFile != nil
        self.name = projectFile?.name ?? ""
        let prefix = settings.projectPrefix
        self.modelPaths = (projectFile?.modelPaths ?? ["models"]).map { $0.isEmpty ? String(prefix.dropLast()) : prefix + $0 }
    }

    /// Reads `dbt_project.yml` under `settings.projectDir`.
    ///
    /// - Parameters:
    ///   - required: when false, a revision without `dbt_project.yml` (a base before the
    ///     project existed) gives an empty project instead of an error.
    ///   - memo: per-blob reading to share with the other side of a comparison (pass the same
    ///     one to the base and head projects).
    /// - Throws: `InputError` (exit 2) with file and line when `dbt_project.yml` is missing
    ///   (and required), not YAML, or lacks `name:`.
    public static func load(tree: any FileTree, settings: DbtSettings = DbtSettings(), required: Bool = true,
                            memo: BlobMemo = BlobMemo()) throws -> DbtProject {
        let path = settings.projectPrefix + "dbt_project.yml"
        guard let data = try tree.contents(of: path) else {
            if !required { return DbtProject(tree: tree, settings: settings, projectFile: nil, projectFilePath: path, memo: memo) }
            throw InputError("no dbt_project.yml at \(path); set `dbt.project_dir` in contract-gate.yml to the folder that holds it",
                             at: SourceLocation(path: path))
        }
        if let line = ByteText.firstInvalidUTF8Line(data) {
            throw InputError("dbt_project.yml is not valid UTF-8; save it as UTF-8", at: SourceLocation(path: path, line: line))
        }
        let file = try ProjectFile.parse(String(decoding: data, as: UTF8.self), path: path)
        let project = DbtProject(tree: tree, settings: settings, projectFile: file, projectFilePath: path, memo: memo)
        for warning in file.warnings { project.note(warning) }
        // A manifest the user pointed at (--state) is read now: one that cannot be is exit 2.
        if settings.stateManifest != nil {
            _ = project.manifest()
            if let error = project.stateManifestError { throw error }
        }
        return project
    }

    /// The same revision read through `tree` (another reader of the same files) by a project of
    /// its own, for another thread: it shares the memo (with its parsed templates) and the
    /// immutable index, and nothing else.
    func twin(reading tree: any FileTree) throws -> DbtProject {
        let twin = DbtProject(tree: tree, settings: settings, projectFile: projectFile, projectFilePath: projectFilePath,
                              memo: memo)
        twin.revisionIndex = try index()
        twin.manifestLoaded = manifestLoaded
        twin.manifestCache = manifestCache
        return twin
    }

    package func note(_ diagnostic: Diagnostic) {
        if diagnosticSet.insert(diagnostic).inserted { diagnosticList.append(diagnostic) }
    }

    // MARK: files

    /// Whether `path` (repository-relative) is a model file: `.sql` or `.py` under a model path.
    public func isModelFile(_ path: String) -> Bool {
        guard exists, path.hasSuffix(".sql") || path.hasSuffix(".py") else { return false }
        return modelFolder(of: path) != nil
    }

    /// Whether `path` is a YAML file under a model path, which may describe any model.
    public func isPropertyFile(_ path: String) -> Bool {
        guard exists, path.hasSuffix(".yml") || path.hasSuffix(".yaml") else { return false }
        return modelFolder(of: path) != nil
    }

    private func modelFolder(of path: String) -> String? {
        modelPaths.first { $0.isEmpty || path.hasPrefix($0 + "/") }
    }

    package struct FileListing: Equatable, Sendable {
        package var modelFiles: [String] = []
        package var byStem: [String: [String]] = [:]
        package var propertyFiles: [String] = []
    }

    package func fileListing() throws -> FileListing {
        try index().files
    }

    /// The revision's files, each model file scanned and each property file outlined: built once,
    /// on the first question about the project's files, and never changed afterwards.
    package func index() throws -> RevisionIndex {
        if let revisionIndex { return revisionIndex }
        let index = exists ? try RevisionIndex.read(tree: tree, modelPaths: modelPaths, memo: memo) : RevisionIndex.empty
        for problem in index.problems { note(problem) }
        revisionIndex = index
        return index
    }

    package static func stem(of path: String) -> String {
        // Searched in UTF-8 (ASCII separators): the character view is many times slower, and
        // every model file of a project comes through here.
        let utf8 = path.utf8
        let start = utf8.lastIndex(of: UInt8(ascii: "/")).map { utf8.index(after: $0) } ?? utf8.startIndex
        let file = utf8[start...]
        guard let dot = file.lastIndex(of: UInt8(ascii: ".")) else { return String(path[start...]) }
        return String(path[start..<dot])
    }

    /// The model's folder parts between its model path and the file, for dbt's fqn.
    func folderParts(of path: String) -> [String] {
        guard let folder = modelFolder(of: path) else { return [] }
        let rest = folder.isEmpty ? path : String(path.dropFirst(folder.count + 1))
        return rest.split(separator: "/").dropLast().map(String.init)
    }

    // MARK: YAML property files

    /// A property file's bytes. Passes over every file of the project (outlining, word searches)
    /// read without keeping (`keep: false`); only files whose entries get parsed stay in memory.
    private func yamlData(_ path: String, keep: Bool = true) throws -> Data {
        if let data = yamlBytes[path] { return data }
        let data = try tree.contents(of: path) ?? Data()
        if keep { yamlBytes[path] = data }
        return data
    }

    /// The parsed contents of a property file (cached), its diagnostics recorded once.
    func propertyFile(_ path: String) throws -> PropertyFileContents {
        if let contents = propertyContents[path] { return contents }
        let contents = PropertyFileReader.read(try yamlData(path), path: path)
        for diagnostic in contents.diagnostics { note(diagnostic) }
        propertyContents[path] = contents
        return contents
    }

    /// Where each model is described, read once from the outlines of the property files: the
    /// `models:` entries whose `name:` is written plainly, by name. Files that cannot be outlined
    /// or hold an entry whose name is not plain are searched by word instead (`searched`).
    struct EntryIndex {
        var items: [String: [(path: String, items: [Int])]] = [:]
        var searched: [String] = []
    }

    func entries() throws -> EntryIndex {
        try index().entries
    }

    /// The property files that may describe each model, in path order: those with an entry of
    /// that name, and those that could not be indexed and mention the name as a word.
    package func propertyFiles(describing names: Set<String>) throws -> [String: [String]] {
        let index = try entries()
        var result: [String: [String]] = [:]
        for name in names { result[name] = (index.items[name] ?? []).map(\.path) }
        if !index.searched.isEmpty {
            for (name, paths) in try propertyFiles(mentioning: names, amongUnindexed: index.searched) where !paths.isEmpty {
                result[name] = (result[name, default: []] + paths).sorted()
            }
        }
        return result
    }

    /// Keys whose absence from a model's entry means the entry sets no owner or group.
    static let ownershipWords = ["owner", "group"]

    /// Whether an indexed entry has any of `ownershipWords` as a key (see `ownership(ofModel:)`).
    func entryMentionsOwnership(_ path: String, _ item: Int) throws -> Bool {
        if let known = ownershipMentions[path]?[item] { return known }
        let mentions = try propertyItemText(path, item).containsKey(anyOf: Self.ownershipWords)
        ownershipMentions[path, default: [:]][item] = mentions
        return mentions
    }

    /// `entryMentionsOwnership` for the entries of many models at once, reading each property
    /// file once and without keeping its bytes (hundreds of downstream models share a few files).
    func noteOwnershipMentions(of names: Set<String>) throws {
        var itemsByPath: [String: [Int]] = [:]
        let index = try entries()
        for name in names {
            for (path, items) in index.items[name] ?? [] { itemsByPath[path, default: []] += items }
        }
        // Each file's entries, by byte range; the files are read on the machine's cores.
        var ranges: [String: [(item: Int, bytes: Range<Int>)]] = [:]
        for (path, items) in itemsByPath {
            guard let outline = try outline(path) else { continue }
            ranges[path] = items.filter(outline.items.indices.contains).map { ($0, outline.items[$0].bytes) }
        }
        @Sendable func mentions(_ data: Data, _ entries: [(item: Int, bytes: Range<Int>)]) -> [Int: Bool] {
            var found: [Int: Bool] = [:]
            for entry in entries { found[entry.item] = data.subdata(in: entry.bytes).containsKey(anyOf: Self.ownershipWords) }
            return found
        }
        let unread = ranges.keys.filter { yamlBytes[$0] == nil }.sorted()
        let read = try tree.readEach(unread) { [ranges] path, data in mentions(data, ranges[path] ?? []) }
        for (path, found) in zip(unread, read) { ownershipMentions[path, default: [:]].merge(found ?? [:]) { $1 } }
        for (path, entries) in ranges where yamlBytes[path] != nil {
            ownershipMentions[path, default: [:]].merge(mentions(try yamlData(path), entries)) { $1 }
        }
    }

    /// The text of one outline item of an indexed property file.
    func propertyItemText(_ path: String, _ item: Int) throws -> Data {
        guard let outline = try outline(path), outline.items.indices.contains(item) else { return try yamlData(path) }
        return try yamlData(path).subdata(in: outline.items[item].bytes)
    }

    /// What the property file at `path` says about the model `name`: only its entries of that
    /// name when the file is indexed, else the entries that mention the name.
    private func propertyContents(in path: String, describing name: String) throws -> PropertyFileContents {
        if propertyContents[path] == nil, let outline = try index().outlines[path] ?? nil,
           let items = try entries().items[name]?.first(where: { $0.path == path })?.items {
            return try parsedItems(items, of: outline, in: path)
        }
        return try propertyContents(in: path, near: [name])
    }

    /// The property files in which each word occurs as a whole word (`versions`, `exposures`, or
    /// a model name in files the entry index cannot answer for). One pass over the YAML bytes
    /// answers every word not asked before.
    package func propertyFiles(mentioning names: Set<String>) throws -> [String: [String]] {
        try propertyFiles(mentioning: names, among: try fileListing().propertyFiles, cache: &mentions,
                          tokens: listedTokenHashes())
    }

    /// Each listed property file's blob and token hashes, in `fileListing().propertyFiles` order:
    /// looked up once, for the many searches a check makes (a source's name, each model's).
    private func listedTokenHashes() throws -> [(blob: String?, hashes: [UInt64]?)] {
        if let listedTokenHashCache { return listedTokenHashCache }
        let table: [(blob: String?, hashes: [UInt64]?)] = try fileListing().propertyFiles.map { path in
            let blob = tree.blobID(of: path)
            return (blob, blob.flatMap { memo.tokenHashes($0) })
        }
        // Kept once the index has hashed every file it could (a search before that looks again).
        if !table.contains(where: { $0.blob != nil && $0.hashes == nil }) { listedTokenHashCache = table }
        return table
    }

    /// `propertyFiles(mentioning:)` among the files the entry index could not answer for.
    package func propertyFiles(mentioning names: Set<String>, amongUnindexed files: [String]) throws -> [String: [String]] {
        try propertyFiles(mentioning: names, among: files, cache: &unindexedMentions)
    }

    /// `tokens`: what `listedTokenHashes` gives, when `files` is the listing.
    private func propertyFiles(mentioning names: Set<String>, among files: [String],
                               cache: inout [String: [String]],
                               tokens: [(blob: String?, hashes: [UInt64]?)]? = nil) throws -> [String: [String]] {
        let missing = names.filter { cache[$0] == nil }
        if !missing.isEmpty {
            var found: [String: [String]] = [:]
            let finder = WordFinder(words: missing)
            for (position, path) in files.enumerated() {
                let listed = tokens?[position]
                let blob = if let listed { listed.blob } else { tree.blobID(of: path) }
                // The index hashed every property file's tokens: searching them is cheaper than any memo.
                let words: Set<String>
                if finder.findsByTokens, let hashes = listed?.hashes ?? blob.flatMap({ memo.tokenHashes($0) }) {
                    words = finder.words(amongTokens: hashes)
                } else if let blob, let hits = memo.wordHits(blob), missing.allSatisfy({ hits[$0] != nil }) {
                    for word in missing where hits[word] == true { found[word, default: []].append(path) }
                    continue
                } else if finder.findsByTokens, let blob {
                    words = finder.words(amongTokens: try tokenHashes(of: path, blob: blob))
                } else {
                    words = finder.words(in: try yamlData(path, keep: false))
                }
                for word in words { found[word, default: []].append(path) }
                // Kept for later runs, which know the answer without the file's bytes.
                if let blob, memo.keepsFacts {
                    memo.remember(wordHits: Dictionary(uniqueKeysWithValues: missing.map { ($0, words.contains($0)) }), of: blob)
                }
            }
            for name in missing { cache[name] = found[name] ?? [] }
        }
        var result: [String: [String]] = [:]
        for name in names { result[name] = cache[name] ?? [] }
        return result
    }

    /// A property file's `WordFinder.tokenHashes`, read once per blob for every search.
    private func tokenHashes(of path: String, blob: String) throws -> [UInt64] {
        if let known = memo.tokenHashes(blob) { return known }
        let hashes = WordFinder.tokenHashes(in: try yamlData(path, keep: false))
        memo.remember(tokenHashes: hashes, of: blob)
        return hashes
    }

    /// What a property file says near the places where any of `words` occurs: only the
    /// entries that contain them when the file can be outlined, else the whole file.
    func propertyContents(in path: String, near words: Set<String>) throws -> PropertyFileContents {
        if let whole = propertyContents[path] { return whole }
        guard let outline = try outline(path) else { return try propertyFile(path) }
        let data = try yamlData(path)
        let offsets = WordFinder(words: words).occurrences(in: data)
        return try parsedItems(outline.items(containing: offsets), of: outline, in: path)
    }

    /// The `models:` entries of a property file, each with its text (the lines of the entry), or
    /// nil when the file cannot be outlined.
    func modelItems(_ path: String) throws -> [(index: Int, text: Data)]? {
        guard propertyContents[path] == nil, let outline = try outline(path) else { return nil }
        let data = try yamlData(path)
        return outline.items.indices.filter { outline.items[$0].section == "models" }
            .map { ($0, data.subdata(in: outline.items[$0].bytes)) }
    }

    /// What some outline items of a property file say, each parsed alone (see `modelItems`).
    func parsedItems(_ indices: [Int], in path: String) throws -> PropertyFileContents {
        guard let outline = try outline(path) else { return try propertyFile(path) }
        return try parsedItems(indices, of: outline, in: path)
    }

    /// Every entry of one section (`exposures`) of a property file.
    func propertyContents(in path: String, section: String) throws -> PropertyFileContents {
        if let whole = propertyContents[path] { return whole }
        guard let outline = try outline(path) else { return try propertyFile(path) }
        return try parsedItems(outline.items.indices.filter { outline.items[$0].section == section }, of: outline, in: path)
    }

    /// The versioned model entries of a property file, each read by `VersionSketch` when its
    /// text allows (cheap), else parsed.
    func versionedEntries(in path: String) throws -> [PropertyModel] {
        let memoKey = tree.blobID(of: path).map { $0 + ":" + path }
        if let memoKey, let entries = memo.versionSketches(memoKey) { return entries }
        guard propertyContents[path] == nil, let outline = try outline(path) else {
            return try propertyContents(in: path, near: ["versions"]).models.filter { !$0.versions.isEmpty }
        }
        let data = try yamlData(path)
        let text = String(decoding: data, as: UTF8.self)
        guard text.utf8.count == data.count else {
            return try propertyContents(in: path, near: ["versions"]).models.filter { !$0.versions.isEmpty }
        }
        var result: [PropertyModel] = []
        var parsed = false
        let offsets = WordFinder(words: ["versions"]).occurrences(in: data)
        for index in outline.items(containing: offsets) {
            let item = outline.items[index]
            let utf8 = text.utf8
            let start = utf8.index(utf8.startIndex, offsetBy: item.bytes.lowerBound)
            let end = utf8.index(utf8.startIndex, offsetBy: item.bytes.upperBound)
            if item.section == "models", let sketch = VersionSketch.read(text[start..<end], path: path, line: item.line) {
                result.append(sketch)
            } else {
                result += try parsedItems([index], of: outline, in: path).models.filter { !$0.versions.isEmpty }
                parsed = true
            }
        }
        // Parsing notes diagnostics on this side; only what was read without parsing is shared.
        if let memoKey, !parsed { memo.remember(versionSketches: result, at: memoKey) }
        return result
    }

    /// The outline of a property file: from the index for those under the model paths, else
    /// (snapshot and seed folders) outlined once per blob.
    private func outline(_ path: String) throws -> PropertyFileOutline? {
        if let known = try index().outlines[path] { return known }
        return try RevisionIndex.outline(of: path, tree: tree, memo: memo)
    }

    private func parsedItems(_ indices: [Int], of outline: PropertyFileOutline, in path: String) throws -> PropertyFileContents {
        var merged = PropertyFileContents()
        var data: Data?
        let blob = tree.blobID(of: path)
        for index in indices {
            var contents: PropertyFileContents
            if let cached = itemContents[path]?[index] {
                contents = cached
            } else {
                // Parsed once per blob: at the other side, or by an earlier run (the parse cache).
                let key = blob.map { "\($0):\(path):\(index)" }
                if let key, let known = memo.propertyItem(key, path: path) {
                    contents = known
                } else {
                    if data == nil { data = try yamlData(path) }
                    contents = PropertyFileReader.read(PropertyFileOutline.document(for: outline.items[index], in: data ?? Data()), path: path)
                    if let key { memo.remember(propertyItem: contents, at: key, path: path) }
                }
                for diagnostic in contents.diagnostics { note(diagnostic) }
                itemContents[path, default: [:]][index] = contents
            }
            merged.models += contents.models
            merged.exposures += contents.exposures
            merged.snapshots += contents.snapshots
            merged.snapshotEnabled.merge(contents.snapshotEnabled) { $1 }
            merged.semanticNodes += contents.semanticNodes
            merged.diagnostics += contents.diagnostics
            merged.failure = merged.failure ?? contents.failure
        }
        return merged
    }

    /// Every `models:` entry named `name` in the property files that mention it, in path order.
    func propertyEntries(named name: String) throws -> [PropertyModel] {
        var entries: [PropertyModel] = []
        for path in try propertyFiles(describing: [name])[name] ?? [] {
            entries += try propertyContents(in: path, describing: name).models.filter { $0.name == name }
        }
        return entries
    }

    /// Property files (or entries of them) that mention `name` but could not be parsed: what they
    /// say about the model is unknown.
    func unreadablePropertyFiles(mentioning name: String) throws -> [InputError] {
        try (propertyFiles(describing: [name])[name] ?? []).compactMap { try propertyContents(in: $0, describing: name).failure }
    }

    // MARK: model files

    /// The `ref()`/`source()`/`config(` scan of a model file; nil when the file is absent.
    package func scan(_ path: String) throws -> ReferenceScan? {
        try modelFileFacts(path)?.scan
    }

    /// What the index knows of a model file; a file outside the model paths is read once per blob.
    func modelFileFacts(_ path: String) throws -> BlobMemo.ModelFileFacts? {
        if let facts = try index().modelFiles[path] { return facts }
        let memoKey = RevisionIndex.modelFileKey(path, in: tree)
        if let memoKey, let facts = memo.modelFile(memoKey) { return facts }
        guard let data = try tree.contents(of: path) else { return nil }
        let facts = RevisionIndex.modelFileFacts(data, path: path)
        for problem in facts.problems { note(problem) }
        if let memoKey { memo.remember(modelFile: facts, at: memoKey) }
        return facts
    }

    /// What `read` makes of the parts of the property file at `path` that mention any of `words`
    /// (see `partsOfPropertyFile`), once per blob and words: kept between runs as `kind` by the
    /// parse cache, in the encoding the caller gives (a module above this one, such as DbtImpact's
    /// test reads), so a warm run reads nothing. `read` gets no parts when the file is absent or
    /// never mentions them.
    package func keptFact<T>(ofPartsOf path: String, mentioning words: Set<String>, kind: BlobFactStore.Kind,
                             encode: (T) -> [UInt8], decode: (inout BinaryReader) throws -> T,
                             read: ([Data]) -> T) throws -> T {
        let key = tree.blobID(of: path).map { $0 + ":" + path + "@" + words.sorted().joined(separator: ",") }
        if let key, let known = memo.fact(kind, key, encode: encode, decode: decode) { return known }
        let value = read(try partsOfPropertyFile(path, mentioning: words).map(\.data))
        if let key { memo.remember(encode(value), as: kind, at: key) }
        return value
    }

    /// The parts of a property file that can say anything about `words`: each outlined entry in
    /// which one occurs, as a document of its own that keeps the file's line numbers, or the whole
    /// file (item nil) when it cannot be outlined or a word occurs outside its outlined entries
    /// (`unit_tests:`, `sources:`). A file that is parsed whole already is given whole.
    func partsOfPropertyFile(_ path: String, mentioning words: Set<String>) throws -> [(item: Int?, data: Data)] {
        guard let data = try tree.contents(of: path) else { return [] }
        let offsets = WordFinder(words: words).occurrences(in: data)
        if offsets.isEmpty { return [] }
        guard propertyContents[path] == nil, let outline = try outline(path) else { return [(nil, data)] }
        let items = outline.items(containing: offsets)
        let covered = offsets.allSatisfy { offset in items.contains { outline.items[$0].bytes.contains(offset) } }
        guard covered else { return [(nil, data)] }
        return items.map { ($0, PropertyFileOutline.document(for: outline.items[$0], in: data)) }
    }

    /// Reads a model file for its snapshot, noting what is odd about it.
    func readModelFile(_ path: String) throws -> (scan: ReferenceScan, config: ModelConfig)? {
        guard let data = try tree.contents(of: path) else { return nil }
        if let line = ByteText.firstInvalidUTF8Line(data) {
            note(Diagnostic(severity: .warning,
                            message: "model file is not valid UTF-8; it was read byte by byte — save it as UTF-8",
                            location: SourceLocation(path: path, line: line)))
        }
        if data.count > DbtProject.largeFileBytes {
            note(Diagnostic(severity: .notice,
                            message: "model file is large (\(data.count / 1_000_000) MB); it was scanned for refs and config() only",
                            location: SourceLocation(path: path)))
        }
        guard let scan = try modelFileFacts(path)?.scan else { return nil }
        // The parents and config as dbt's parse renders them, when the file's Jinja can matter.
        let references = try references(ofModelFile: path) ?? scan
        return (references, sqlConfig(path))
    }

    /// The SQL `config()` of a model as literally read, before any render.
    func sqlConfigs(_ path: String) -> ModelConfig? { (try? modelFileFacts(path))?.config ?? nil }

    /// The SQL `config()` of a model: as literally written, with `enabled` as a render computed
    /// it (`enabled=var('x') == 'y'`), since dbt's graph leaves a disabled model out. Other keys
    /// set by expressions stay unknown and are reported: `--vars` given to dbt in CI may change
    /// what they evaluate to, and a relation is not guessed.
    func sqlConfig(_ path: String) -> ModelConfig {
        var config = sqlConfigs(path) ?? ModelConfig()
        if let enabled = renderedConfigs[path]?["enabled"], config.unknown["enabled"] != nil, case .bool = enabled {
            config.set("enabled", enabled, at: config.locations["enabled"])
        }
        return config
    }

    // MARK: naming macros

    /// Project macros that replace dbt's `generate_schema_name`, `generate_alias_name` or
    /// `generate_database_name`: the relations computed here follow dbt's defaults (or
    /// `schemaNaming: .customOnly`), so an override is reported rather than silently ignored.
    /// Returns the overridden macro names; records a notice for each (once).
    @discardableResult
    public func namingMacroOverrides() throws -> [String] {
        if let namingOverridesCache { return namingOverridesCache }
        let found = try findNamingMacroOverrides()
        namingOverridesCache = found
        return found
    }

    private func findNamingMacroOverrides() throws -> [String] {
        guard let projectFile else { return [] }
        let names = ["generate_schema_name", "generate_alias_name", "generate_database_name"]
        var found: [String] = []
        let finder = WordFinder(words: Set(names))
        for folder in projectFile.macroPaths {
            let base = settings.projectPrefix + folder
            for path in try tree.files(under: base.hasSuffix("/") ? String(base.dropLast()) : base) where path.hasSuffix(".sql") {
                guard let data = try tree.contents(of: path) else { continue }
                let text = String(decoding: data, as: UTF8.self)
                for name in finder.words(in: data).sorted() where !found.contains(name) {
                    guard let range = text.range(of: #"macro\s+"# + name + #"\s*\("#, options: .regularExpression) else { continue }
                    found.append(name)
                    let line = text[..<range.lowerBound].reduce(1) { $1 == "\n" ? $0 + 1 : $0 }
                    let advice = name == "generate_schema_name"
                        ? "relations assume \(settings.schemaNaming == .customOnly ? "custom schemas used verbatim (schema_naming: custom_only)" : "dbt's default `<target>_<custom>` schemas; set dbt.schema_naming: custom_only if the override uses the custom schema verbatim")"
                        : "relations assume dbt's default \(name); they may differ from what dbt builds"
                    note(Diagnostic(severity: .notice, message: "the project overrides \(name); \(advice)",
                                    location: SourceLocation(path: path, line: line)))
                }
            }
        }
        return found
    }

    // MARK: manifest

    /// `target/manifest.json` (or the configured one) when this revision has it.
    func manifest() -> Manifest? {
        if manifestLoaded { return manifestCache }
        manifestLoaded = true
        if let state = settings.stateManifest {
            guard let bytes = JSONPullReader.readFile(atPath: state) else {
                stateManifestError = InputError("--state: no manifest.json at \(state); run `dbt parse` on the base revision "
                    + "with --target-path pointing there, or drop --state", at: SourceLocation(path: state))
                return nil
            }
            do {
                manifestCache = try Manifest.parse(bytes: bytes, path: state)
            } catch let error as InputError {
                stateManifestError = error
            } catch {
                stateManifestError = InputError("--state: \(state) could not be read: \(error)", at: SourceLocation(path: state))
            }
            return manifestCache
        }
        let path = settings.manifestPath ?? (settings.projectPrefix + "target/manifest.json")
        do {
            guard let data = try tree.contents(of: path) else {
                if settings.manifestPath != nil {
                    note(Diagnostic(severity: .warning,
                                    message: "the configured manifest \(path) does not exist at this revision; relations come from the project files",
                                    location: SourceLocation(path: path)))
                }
                return nil
            }
            manifestCache = try Manifest.parse(data, path: path)
        } catch let error as InputError {
            note(Diagnostic(severity: .warning, message: error.message + "; relations come from the project files",
                            location: error.location))
        } catch {
            note(Diagnostic(severity: .warning, message: "manifest \(path) could not be read: \(error)",
                            location: SourceLocation(path: path)))
        }
        return manifestCache
    }
}

/// Finds which of a set of words occur, as whole words, in some bytes: one pass that hashes each
/// identifier-like token whose length is that of a wanted word.
struct WordFinder {
    private var byHash: [UInt64: [String]] = [:]
    private var lengthTable: [Bool] = []
    /// Words with characters outside `[A-Za-z0-9_]` cannot be found by tokens; they are searched
    /// as substrings instead.
    private var odd: [String] = []
    /// Words YAML can only write escaped (control characters, `\`, `"`): their raw text never
    /// appears in a file, so they are searched by their longest identifier run instead (a false
    /// hit only costs a parse; a miss would silently drop the model's property changes).
    private var escaped: [(token: String, word: String)] = []

    init(words: Set<String>) {
        for word in words {
            let bytes = Array(word.utf8)
            if bytes.isEmpty { continue }
            if bytes.allSatisfy(ByteText.isIdentifier) {
                byHash[WordFinder.hash(bytes[...]), default: []].append(word)
                if lengthTable.count <= bytes.count { lengthTable += Array(repeating: false, count: bytes.count + 1 - lengthTable.count) }
                lengthTable[bytes.count] = true
            } else {
                odd.append(word)
                if word.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F || $0 == "\\" || $0 == "\"" }) {
                    let runs = word.split { !($0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_")) }
                    if let token = runs.max(by: { $0.count < $1.count }) { escaped.append((String(token), word)) }
                }
            }
        }
    }

    static let identifierTable: [Bool] = (0..<256).map { ByteText.isIdentifier(UInt8($0)) }

    /// FNV-1a, as the scan below computes it byte by byte while it reads a word.
    static func hash(_ bytes: ArraySlice<UInt8>) -> UInt64 { StableHash.fnv1a(bytes) }

    func words(in data: Data) -> Set<String> {
        Set(matches(in: data).map(\.word))
    }

    /// Whether every word is an identifier, so `words(amongTokens:)` answers as `words(in:)`.
    var findsByTokens: Bool { odd.isEmpty }

    /// The words among a file's `tokenHashes`, without its bytes. Two tokens of one hash cannot be
    /// told apart here, so a 64-bit collision would report a word the file lacks: a false hit only
    /// costs a parse, and a word the file has is never missed.
    func words(amongTokens tokens: [UInt64]) -> Set<String> {
        var found = Set<String>()
        for (hash, words) in byHash where WordFinder.contains(tokens, hash) { found.formUnion(words) }
        return found
    }

    /// The FNV-1a hash of every identifier token of `data`, sorted and unique: enough for
    /// `words(amongTokens:)` to answer for any identifier words, which lets a file read once answer
    /// every later search for other names (a check searches the property files several times).
    static func tokenHashes(in data: Data) -> [UInt64] {
        var hashes: [UInt64] = []
        data.withUnsafeBytes { raw in
            forEachToken(in: raw.bindMemory(to: UInt8.self)) { _, _, hash in hashes.append(hash) }
        }
        // Property files repeat their keys (`name`, `description`, `columns`) on every entry: the
        // tokens are made unique first, in an open-addressed table twice their number, and only
        // those are sorted (sorting them all was 2.5 % of a cold 5,000-model check).
        var size = 16
        while size < 2 * hashes.count { size <<= 1 }
        let mask = size - 1
        var table = [UInt64](repeating: 0, count: size)   // 0: an empty slot
        var unique: [UInt64] = []
        var sawZero = false
        table.withUnsafeMutableBufferPointer { table in
            for hash in hashes {
                guard hash != 0 else { sawZero = true; continue }
                var slot = Int(truncatingIfNeeded: hash ^ (hash >> 31)) & mask
                while table[slot] != 0, table[slot] != hash { slot = (slot + 1) & mask }
                if table[slot] == 0 {
                    table[slot] = hash
                    unique.append(hash)
                }
            }
        }
        if sawZero { unique.append(0) }
        unique.sort()
        return unique
    }

    /// Each identifier token of `bytes` (a run of `[A-Za-z0-9_]`) with its FNV-1a
    /// hash, computed as the token is read. A byte table instead of range checks: this loop reads
    /// every YAML byte of the project.
    @inline(__always)
    static func forEachToken(in bytes: UnsafeBufferPointer<UInt8>, _ body: (_ start: Int, _ end: Int, _ hash: UInt64) -> Void) {
        guard let base = bytes.baseAddress else { return }
        let table = identifierTable
        let count = bytes.count
        var index = 0
        while index < count {
            guard table[Int(base[index])] else { index += 1; continue }
            let start = index
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            while index < count, table[Int(base[index])] {
                hash = (hash ^ UInt64(base[index])) &* 0x100_0000_01b3
                index += 1
            }
            body(start, index, hash)
        }
    }

    private static func contains(_ sorted: [UInt64], _ hash: UInt64) -> Bool {
        var low = 0, high = sorted.count
        while low < high {
            let middle = (low + high) / 2
            if sorted[middle] < hash { low = middle + 1 } else { high = middle }
        }
        return low < sorted.count && sorted[low] == hash
    }

    /// Byte offsets where any of the words starts.
    func occurrences(in data: Data) -> [Int] {
        matches(in: data).map(\.offset)
    }

    private func matches(in data: Data) -> [(word: String, offset: Int)] {
        var found: [(word: String, offset: Int)] = []
        if odd.isEmpty, byHash.count <= 4, byHash.values.allSatisfy({ $0.count == 1 }) {
            // A few words (`versions`, `exposures`): finding each one's first byte with `memchr`
            // beats hashing every token of the file.
            data.withUnsafeBytes { raw in
                let bytes = raw.bindMemory(to: UInt8.self)
                for word in byHash.values.joined() {
                    ByteText.forEachWordStart(Array(word.utf8), in: bytes) { start, end in
                        if end == bytes.count || !ByteText.isIdentifier(bytes[end]) { found.append((word, start)) }
                        return true
                    }
                }
            }
            return found.sorted { $0.offset < $1.offset }
        }
        if !byHash.isEmpty {
            data.withUnsafeBytes { raw in
                let bytes = raw.bindMemory(to: UInt8.self)
                WordFinder.forEachToken(in: bytes) { start, end, hash in
                    let length = end - start
                    guard length < lengthTable.count, lengthTable[length], let candidates = byHash[hash] else { return }
                    for word in candidates where word.utf8.elementsEqual(UnsafeBufferPointer(rebasing: bytes[start..<end])) {
                        found.append((word, start))
                    }
                }
            }
        }
        if !odd.isEmpty {
            let text = String(decoding: data, as: UTF8.self)
            for (needle, word) in odd.map({ ($0, $0) }) + escaped {
                var search = text.startIndex
                while let range = text.range(of: needle, range: search..<text.endIndex) {
                    found.append((word, text.utf8.distance(from: text.startIndex, to: range.lowerBound)))
                    search = range.upperBound
                }
            }
        }
        return found
    }
}
