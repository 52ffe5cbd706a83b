import GateModel

/// Column-level differences of one model between base and head.
enum ColumnDiff {
    /// Matches columns by name (case-insensitive), then pairs what is left as renames — first
    /// by `meta.renamed_from`, then a removed and an added column at the same position with the
    /// same type — and compares each pair's type, constraints, PII mark and description.
    static func changes(base: ModelDetail, head: ModelDetail) -> [ColumnChange] {
        let before = base.snapshot.columns
        let after = head.snapshot.columns
        let modelLocation = head.snapshot.location
        var pairs: [(ColumnSpec, ColumnSpec, renamed: Bool)] = []
        var baseLeft = before
        var headLeft: [ColumnSpec] = []
        for column in after {
            if let index = baseLeft.firstIndex(where: { $0.name.lowercased() == column.name.lowercased() }) {
                pairs.append((baseLeft.remove(at: index), column, false))
            } else {
                headLeft.append(column)
            }
        }
        for column in headLeft {
            guard let from = column.renamedFrom?.lowercased(),
                  let index = baseLeft.firstIndex(where: { $0.name.lowercased() == from }) else { continue }
            pairs.append((baseLeft.remove(at: index), column, true))
        }
        headLeft.removeAll { column in pairs.contains { $0.1 == column } }
        for column in headLeft {
            guard let index = baseLeft.firstIndex(where: {
                $0.position == column.position && normalizedType($0.dataType) == normalizedType(column.dataType)
            }) else { continue }
            pairs.append((baseLeft.remove(at: index), column, true))
        }
        headLeft.removeAll { column in pairs.contains { $0.1 == column } }

        var result: [ColumnChange] = []
        for (old, new, renamed) in pairs {
            let facts = head.columnFacts[new.name.lowercased()]
            if renamed {
                result.append(ColumnChange(kind: .renamed, column: new.name, before: old, after: new, location: new.location))
            }
            if normalizedType(old.dataType) != normalizedType(new.dataType) {
                result.append(ColumnChange(kind: .typeChanged, column: new.name, before: old, after: new,
                                           location: facts?.dataTypeLocation ?? new.location))
            }
            for kind in old.constraintKinds.subtracting(new.constraintKinds).sorted() {
                result.append(ColumnChange(kind: .constraintRemoved, column: new.name, before: old, after: new,
                                           constraint: kind, location: new.location))
            }
            for kind in new.constraintKinds.subtracting(old.constraintKinds).sorted() {
                let place = new.constraints.first { $0.kind == kind }?.location ?? new.location
                result.append(ColumnChange(kind: .constraintAdded, column: new.name, before: old, after: new,
                                           constraint: kind, location: place))
            }
            if old.isPII && !new.isPII {
                result.append(ColumnChange(kind: .piiMarkRemoved, column: new.name, before: old, after: new, location: new.location))
            } else if !old.isPII && new.isPII {
                result.append(ColumnChange(kind: .piiMarkAdded, column: new.name, before: old, after: new,
                                           location: facts?.piiLocation ?? new.location))
            }
            if normalizedDescription(old.description) != normalizedDescription(new.description) {
                result.append(ColumnChange(kind: .descriptionChanged, column: new.name, before: old, after: new,
                                           location: facts?.descriptionLocation ?? new.location))
            }
        }
        for old in baseLeft {
            result.append(ColumnChange(kind: .removed, column: old.name, before: old, after: nil, location: modelLocation))
        }
        for new in headLeft {
            result.append(ColumnChange(kind: .added, column: new.name, before: nil, after: new, location: new.location))
        }
        return result.sorted { a, b in
            let left = (a.after?.position ?? a.before?.position ?? 0, a.after == nil ? 1 : 0, a.kind.rawValue)
            let right = (b.after?.position ?? b.before?.position ?? 0, b.after == nil ? 1 : 0, b.kind.rawValue)
            return left < right
        }
    }

    /// A data type as written, compared without case, quoting or spacing differences:
    /// `DECIMAL( 18, 2 )` and `"decimal"(18,2)` are the same type.
    static func normalizedType(_ type: String?) -> String? {
        guard let type else { return nil }
        var out = ""
        var pendingSpace = false
        for character in type.lowercased() {
            if character == "\"" || character == "`" { continue }
            if character.isWhitespace { pendingSpace = true; continue }
            if pendingSpace, let last = out.last, !"(,".contains(last), !"(),".contains(character) { out.append(" ") }
            pendingSpace = false
            out.append(character)
        }
        return out.isEmpty ? nil : out
    }

    static func normalizedDescription(_ text: String?) -> String {
        (text ?? "").split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }
}
