/// "Did you mean …?" for misspelt keys and rule IDs.
package enum Suggestions {
    /// The candidate closest to `word` by edit distance (case-insensitive), when it is close
    /// enough to be a plausible typo: at most a third of the word's length, at least 2.
    package static func closest(to word: String, in candidates: [String]) -> String? {
        let target = Array(word.lowercased())
        var best: (name: String, distance: Int)?
        for candidate in candidates {
            let d = distance(target, Array(candidate.lowercased()))
            if best.map({ d < $0.distance }) ?? true { best = (candidate, d) }
        }
        // A truncated word (`custom` for `custom_only`) is a plausible slip whatever the distance.
        if target.count >= 3, let prefixed = candidates.first(where: { $0.lowercased().hasPrefix(word.lowercased()) }) {
            if best.map({ $0.distance > max(2, target.count / 3) }) ?? true { return prefixed }
        }
        guard let best else { return nil }
        let limit = max(2, target.count / 3)
        if best.distance <= limit { return best.name }
        // `min_views` for `min_usage`: the same leading word is a strong hint among few candidates.
        let lead = word.lowercased().split(separator: "_").first.map(String.init) ?? ""
        guard lead.count >= 3, word.contains("_") else { return nil }
        let sameLead = candidates.filter { $0.lowercased().hasPrefix(lead + "_") }
        return sameLead.count == 1 ? sameLead[0] : nil
    }

    /// " Did you mean `X`?" or "".
    package static func hint(for word: String, in candidates: [String]) -> String {
        closest(to: word, in: candidates).map { " Did you mean `\($0)`?" } ?? ""
    }

    static func distance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            }
            previous = current
        }
        return previous[b.count]
    }
}
