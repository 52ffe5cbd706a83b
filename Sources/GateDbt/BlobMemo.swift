import DbtFiles
import DbtJinja
import Foundation
import GateModel

/// What reading learnt from single files, by git blob id, shared by the two sides of a
/// comparison: base and head contain mostly the same blobs, so each unchanged file is read,
/// scanned and outlined once per check instead of once per side.
///
/// Only facts that depend on nothing but the file's bytes (and, where diagnostics carry it, its
/// path) are kept. Belongs to one task, like the projects that share it.
public final class BlobMemo {
    struct ModelFileFacts {
        var scan: ReferenceScan
        var config: ModelConfig?
        var problems: [Diagnostic]
    }

    /// Blob id + path → the `ref()`/`source()`/`config()` reading of a model file.
    var modelFiles: [String: ModelFileFacts] = [:]
    /// Blob id → the outline of a property file.
    var outlines: [String: PropertyFileOutline] = [:]
    /// Blob ids of property files that cannot be outlined.
    var notOutlinable = Set<String>()
    /// Blob id → word → whether the word occurs in the file.
    var wordHits: [String: [String: Bool]] = [:]
    /// Blob id + path → the versioned entries of a property file, when read without parsing.
    var versionedEntries: [String: [PropertyModel]] = [:]

    /// Parsed macro files, by blob id and path.
    let templates = DbtTemplateCache()
    /// Blob id + path + macro fingerprint → what rendering the model file found.
    var renderedModels: [String: RenderOutcome] = [:]
    /// Blob id → `source.table` → the columns a property file's `sources:` declare.
    var sourceColumns: [String: [String: [String]]] = [:]
    /// Blob id + path + macro fingerprint + the parents and their columns → a model's SQL reading:
    /// the same file over the same parent columns reads the same at both sides.
    var sqlReadings: [String: ModelSQLReading] = [:]

    public init() {}
}
