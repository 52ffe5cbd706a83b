import Foundation
import GateCatalog
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

    /// A renamed model that was not carried, and why.
    public struct Skipped: Sendable, Codable, Equatable {
        public var model: String
        public var reason: String
    }

    /// What the command did, as `--format json` prints it.
    public struct Report: Sendable, Codable, Equatable {
        public var command = "docs carry"
        public var applied: Bool
        public var overwrite: Bool
        /// One per old/new table pair.
        public var items: [CarryItem]
        /// Renamed models not carried (a table missing in Secoda, the relation unchanged, …).
        public var skipped: [Skipped]
        /// Nil on a dry run.
        public var result: DocsCarryResult?
        public var snapshotRefreshed: String?
        public var snapshotError: String?

        enum CodingKeys: String, CodingKey {
            case command, applied, overwrite, items, skipped, result
            case snapshotRefreshed = "snapshot_refreshed"
            case snapshotError = "snapshot_error"
        }

        /// 0 on success (or a dry run), 3 when Secoda refused or failed a write or the refresh.
        public var exitCode: GateExitCode {
            WriteBackSession.exitCode(succeeded: result?.succeeded, snapshotError: snapshotError)
        }

        /// Fields copied (or to copy, on a dry run).
        public var copies: Int { items.flatMap(\.decisions).filter { $0.action == .copy }.count }

        /// The per-field plan and the summary for a person.
        public var text: String {
            var lines: [String] = []
            let mode = applied ? "apply" : "dry run"
            lines.append("docs carry (\(mode)\(overwrite ? ", overwrite" : "")): \(items.count) table pair\(items.count == 1 ? "" : "s")")
            for item in items {
                let model = item.pair.model.map { "\($0): " } ?? ""
                lines.append("\(model)\(item.fromTitle ?? item.pair.fromId) (\(item.pair.fromId)) → "
                    + "\(item.toTitle ?? item.pair.toId) (\(item.pair.toId))")
                if item.decisions.isEmpty { lines.append("  nothing documented on the old table") }
                for decision in item.decisions {
                    let verb = decision.action == .copy ? (applied ? "copied" : "copy") : "skip"
                    lines.append("  \(verb) \(decision.target).\(decision.field.rawValue) = "
                        + "\(WriteBackText.render(decision.value)): \(decision.reason)")
                }
                for column in item.unmatchedColumns {
                    lines.append("  skip column \(column): no column of that name (or renamed to) on the new table")
                }
            }
            for skip in skipped { lines.append("skipped \(skip.model): \(skip.reason)") }
            let decisions = items.flatMap(\.decisions)
            let skippedFields = decisions.filter { $0.action == .skip }
            var reasons: [String: Int] = [:]
            for decision in skippedFields { reasons[decision.reason, default: 0] += 1 }
            let why = reasons.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: "; ")
            if let result {
                lines.append("summary: \(copies) fields copied in \(result.patched.count) writes; "
                    + "\(skippedFields.count) skipped\(why.isEmpty ? "" : " (\(why))")")
                for failure in result.failed { lines.append("  ! \(failure.item.target) (\(failure.item.path)): \(failure.message)") }
                for patch in result.notAttempted { lines.append("  … \(patch.target) (\(patch.path)) not attempted") }
                if let reason = result.stoppedBecause {
                    lines.append("stopped: \(reason); run it again to carry the rest (filled fields are skipped)")
                }
            } else {
                let writes = items.flatMap(\.patches).count
                lines.append("summary: would copy \(copies) fields in \(writes) writes; \(skippedFields.count) skipped"
                    + (why.isEmpty ? "" : " (\(why))"))
                if writes > 0 { lines.append("dry run: nothing written; add --apply to copy them") }
            }
            if let path = snapshotRefreshed { lines.append("snapshot refreshed: \(path)") }
            if let error = snapshotError { lines.append("snapshot not refreshed: \(error)") }
            return lines.joined(separator: "\n") + "\n"
        }
    }

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
