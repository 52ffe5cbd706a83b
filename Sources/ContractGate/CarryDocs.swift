import Foundation
import GateLineage
import GateModel

/// `contract-gate docs carry`: after a rename, the old Secoda table's documentation copied onto
/// the new table (and its columns), never over filled fields unless `overwrite`.
public enum CarryDocs {
    /// Which tables to carry between.
    public enum Pairs: Sendable, Equatable {
        /// Every model the change set between `base` and `head` renamed (file rename or relation change).
        case changed(base: String?, head: String?)
        /// Two Secoda table ids given by hand (`--from ID --to ID`): moves the diff cannot see,
        /// e.g. a warehouse migration. Columns are matched by name.
        case explicit(from: String, to: String)
    }

    /// What the command did (`DocsCarryReport` in GateModel; GateReporters' `WriteBackReporter` prints it).
    public typealias Report = DocsCarryReport
    /// A renamed model that was not carried, and why.
    public typealias Skipped = DocsCarryReport.Skipped

    /// Plans the carry and, with `options.apply`, performs it.
    /// - Throws: `InputError`/`GitError` (exit 2) for bad input (including a malformed or unknown
    ///   `--from`/`--to` id); `CatalogError` when Secoda cannot be read (exit 3).
    public static func run(_ pairs: Pairs, overwrite: Bool, options: WriteBackOptions) async throws -> Report {
        let session = try WriteBackSession(options)
        let client = session.writer.client
        var carryPairs: [CarryPair] = []
        var skipped: [Skipped] = []
        switch pairs {
        case .explicit(let from, let to):
            for (flag, id) in [("--from", from), ("--to", to)] where !SecodaID.isValid(id) {
                throw InputError("\(flag) \"\(id.prefix(80))\" is not a Secoda id; give the table's UUID from its Secoda URL")
            }
            guard from != to else { throw InputError("--from and --to name the same table; give the old and the new table") }
            carryPairs = [CarryPair(fromId: from, toId: to)]
        case .changed(let base, let head):
            let (changes, _) = try session.modelChanges(base: base, head: head)
            let renamed = changes.filter { $0.status == .renamed }
            var relations: [Relation] = []
            for change in renamed {
                if let old = change.base?.relation, let new = change.head?.relation { relations += [old, new] }
            }
            let resolution = try await TableResolver(source: SecodaCatalogSource(client: client),
                                                     integrationId: session.settings.integrationId).resolve(relations)
            for change in renamed {
                guard let old = change.base?.relation, let new = change.head?.relation else { continue }
                guard old.normalized != new.normalized else {
                    skipped.append(Skipped(model: change.name, reason: "its relation \(new) did not change, so Secoda keeps the same table"))
                    continue
                }
                guard let from = resolution.resolved[old] else {
                    skipped.append(Skipped(model: change.name, reason: "the old table: \(describe(old, resolution))"))
                    continue
                }
                guard let to = resolution.resolved[new] else {
                    skipped.append(Skipped(model: change.name, reason: "the new table: \(describe(new, resolution)); "
                        + "run this again once the warehouse is synced to Secoda"))
                    continue
                }
                var renames: [String: String] = [:]
                for column in change.columnChanges where column.kind == .renamed {
                    if let before = column.before?.name { renames[before] = column.column }
                }
                carryPairs.append(CarryPair(model: change.name, fromId: from.id, toId: to.id, columnRenames: renames))
            }
        }

        var items: [CarryItem] = []
        for pair in carryPairs {
            do {
                items.append(try await DocsCarry.plan(pair, client: client, overwrite: overwrite))
            } catch let error as CatalogError where error.kind == .rejected {
                // A 404 for an id given by hand is the user's typo (exit 2); for a resolved pair it
                // is a table deleted in between, which skips that pair only.
                if case .explicit = pairs {
                    throw InputError("cannot read the tables \(pair.fromId) → \(pair.toId) in Secoda (\(error.message)); "
                        + "check --from and --to")
                }
                skipped.append(Skipped(model: pair.model ?? pair.toId, reason: error.message))
            }
        }
        var report = Report(applied: options.apply, overwrite: overwrite, items: items, skipped: skipped)
        (report.result, report.snapshotRefreshed, report.snapshotError) = try await session.applyThenRefresh {
            await DocsCarry.apply(items, writer: session.writer, progress: session.progress("docs carry"))
        }
        return report
    }

    static func describe(_ relation: Relation, _ resolution: TableResolution) -> String {
        switch resolution.unresolved[relation] {
        case .ambiguous(let ids)?:
            return "\(relation) matches \(ids.count) Secoda tables (\(ids.joined(separator: ", "))); "
                + "set catalog.secoda.integration_id to choose"
        default:
            return "\(relation) is not in Secoda"
        }
    }
}
