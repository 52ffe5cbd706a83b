import GateModel
import GateRules

/// What breaks the next `dbt build`, as GateDbt found it before the rules run, for the BUILD
/// rules: calls that no longer resolve, reads of columns that are gone, enforced contracts the
/// SQL no longer matches. Each belongs to the node it is found in (its subject): a changed
/// model's own are checked with it, the rest under the contracts of the node they are in.
public struct BuildBreaks: Sendable, Hashable {
    public var danglingReferences: [DanglingReference]
    public var brokenReads: [BrokenColumnRead]
    public var contractMismatches: [ContractMismatch]

    public init(danglingReferences: [DanglingReference] = [], brokenReads: [BrokenColumnRead] = [],
                contractMismatches: [ContractMismatch] = []) {
        self.danglingReferences = danglingReferences
        self.brokenReads = brokenReads
        self.contractMismatches = contractMismatches
    }

    var isEmpty: Bool { danglingReferences.isEmpty && brokenReads.isEmpty && contractMismatches.isEmpty }

    /// Takes out the breaks found in `change`'s own model (its file at head, or its name).
    mutating func claim(_ change: ModelChange) -> BuildBreaks {
        guard let path = change.head?.path else { return BuildBreaks() }
        let name = change.name
        let references = danglingReferences.filter { $0.referrerType == "model" && $0.location.path == path }
        danglingReferences.removeAll { $0.referrerType == "model" && $0.location.path == path }
        let reads = brokenReads.filter { $0.reader == name || $0.location.path == path }
        brokenReads.removeAll { $0.reader == name || $0.location.path == path }
        let mismatches = contractMismatches.filter { $0.model == name }
        contractMismatches.removeAll { $0.model == name }
        return BuildBreaks(danglingReferences: references, brokenReads: reads, contractMismatches: mismatches)
    }

    /// The breaks grouped by the node they are found in, in the order first found, each with the
    /// node as contract selection sees it (name, file, tags).
    func bySubject() -> [(subject: ModelChange, breaks: BuildBreaks)] {
        var order: [String] = []
        var groups: [String: (subject: ModelChange, breaks: BuildBreaks)] = [:]
        func add(_ key: String, _ subject: @autoclosure () -> ModelChange, _ update: (inout BuildBreaks) -> Void) {
            if groups[key] == nil {
                order.append(key)
                groups[key] = (subject(), BuildBreaks())
            }
            update(&groups[key]!.breaks)
        }
        for reference in danglingReferences {
            add("\(reference.referrerType) \(reference.referrer)",
                Self.subject(reference.referrer, type: reference.referrerType, tags: reference.referrerTags, at: reference.location)) {
                $0.danglingReferences.append(reference)
            }
        }
        for read in brokenReads {
            add("model \(read.reader)", Self.subject(read.reader, type: "model", tags: read.readerTags, at: read.location)) {
                $0.brokenReads.append(read)
            }
        }
        for mismatch in contractMismatches {
            add("model \(mismatch.model)", Self.subject(mismatch.model, type: "model", tags: mismatch.tags, at: mismatch.location)) {
                $0.contractMismatches.append(mismatch)
            }
        }
        return order.compactMap { groups[$0] }
    }

    /// An unchanged node as contract selection sees it (name, file, tags); snapshots and exposures
    /// are selected by name and file.
    static func subject(_ name: String, type: String, tags: [String], at location: SourceLocation) -> ModelChange {
        let snapshot = ModelSnapshot(
            name: name, uniqueId: "\(type).\(name)", path: location.path,
            relation: Relation(database: nil, schema: nil, identifier: name), tags: tags, location: location)
        return ModelChange(name: name, status: .modified, base: snapshot, head: snapshot)
    }
}
