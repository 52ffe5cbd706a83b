import CLibGit2
import GateModel

extension Repository {
    /// The full sha of the commit `revision` names: `HEAD`, `HEAD~2`, a branch, a tag (peeled to
    /// its commit), a full or short sha, `origin/main`, or anything else `git rev-parse` accepts.
    public func resolve(_ revision: String) throws -> String {
        try commitID(revision).hex
    }

    /// The commit `revision` names, peeled through tags.
    func commitID(_ revision: String) throws(GitError) -> ObjectID {
        var object: OpaquePointer?
        do throws(GitError) {
            try check(git_revparse_single(&object, handle, revision), "git_revparse_single")
        } catch {
            throw unknownRevision(error, revision)
        }
        defer { git_object_free(object) }
        var commit: OpaquePointer?
        do throws(GitError) {
            try check(git_object_peel(&commit, object, GIT_OBJECT_COMMIT), "git_object_peel")
        } catch {
            throw error.explained("revision '\(revision)' does not name a commit",
                                  advice: "Pass a branch, tag or commit sha.")
        }
        defer { git_object_free(commit) }
        guard let id = git_object_id(commit) else {
            throw GitError(call: "git_object_id", code: -1, errorClass: 0, message: "no id",
                           summary: "revision '\(revision)' does not name a commit")
        }
        return ObjectID(id.pointee)
    }

    private func unknownRevision(_ error: GitError, _ revision: String) -> GitError {
        if error.code == Int(GIT_EAMBIGUOUS.rawValue) {
            return error.explained("revision '\(revision)' is ambiguous",
                                   advice: "Use more characters of the sha, or a full reference name such as refs/heads/\(revision).")
        }
        let isName = error.isNotFound || error.code == Int(GIT_EINVALIDSPEC.rawValue) || error.isMissingObject
        guard isName else { return error.explained("cannot resolve revision '\(revision)'") }
        var advice = "Check the name. A remote branch such as origin/main must be fetched first (git fetch origin main)."
        if isShallow { advice += "\n" + fetchMoreHistoryAdvice }
        return error.explained("unknown revision '\(revision)'", advice: advice)
    }

    // MARK: The default base

    /// The branch a change is compared against when none is given, as a revision `resolve`
    /// accepts: the target of `origin/HEAD` (the remote's default branch), else `origin/main`,
    /// `origin/master`, then the local `main` or `master`.
    public func defaultBaseReference() throws -> String {
        if let target = symbolicTarget(of: "refs/remotes/origin/HEAD"), let name = shorthandIfResolvable(target) {
            return name
        }
        for candidate in ["refs/remotes/origin/main", "refs/remotes/origin/master", "refs/heads/main", "refs/heads/master"] {
            if let name = shorthandIfResolvable(candidate) { return name }
        }
        var advice = "Pass --base <revision> (for example --base origin/develop), or fetch the target branch (git fetch origin main)."
        if isShallow { advice += "\n" + fetchMoreHistoryAdvice }
        throw GitError(call: "git_reference_lookup", code: Int(GIT_ENOTFOUND.rawValue),
                       errorClass: Int(GIT_ERROR_REFERENCE.rawValue),
                       message: "none of origin/HEAD, origin/main, origin/master, main, master exists",
                       summary: "cannot tell which branch to compare against",
                       advice: advice)
    }

    private func symbolicTarget(of name: String) -> String? {
        var reference: OpaquePointer?
        guard git_reference_lookup(&reference, handle, name) == 0 else { return nil }
        defer { git_reference_free(reference) }
        guard git_reference_type(reference) == GIT_REFERENCE_SYMBOLIC,
              let target = git_reference_symbolic_target(reference) else { return nil }
        return String(cString: target)
    }

    /// The short name (`origin/main`, `main`) of a reference that exists and points at a commit.
    private func shorthandIfResolvable(_ name: String) -> String? {
        var reference: OpaquePointer?
        guard git_reference_lookup(&reference, handle, name) == 0 else { return nil }
        defer { git_reference_free(reference) }
        var id = git_oid()
        guard git_reference_name_to_id(&id, handle, name) == 0, hasObject(ObjectID(id)) else { return nil }
        guard let short = git_reference_shorthand(reference) else { return nil }
        return String(cString: short)
    }

    // MARK: Merge base

    /// The best common ancestor of two revisions, as `git merge-base` finds it.
    ///
    /// libgit2 1.5.1 does not read `.git/shallow`, so in a shallow clone its merge-base walk fails
    /// as soon as it reaches the boundary. There, the ancestry is walked here instead, treating
    /// commits whose parents are missing as roots — the same answer git gives. When the merge
    /// base lies beyond the fetched history, the error says to fetch more.
    public func mergeBase(_ a: String, _ b: String) throws -> String {
        let left = try commitID(a)
        let right = try commitID(b)
        var leftRaw = left.raw
        var rightRaw = right.raw
        var base = git_oid()
        do throws(GitError) {
            try check(git_merge_base(&base, handle, &leftRaw, &rightRaw), "git_merge_base")
            return ObjectID(base).hex
        } catch {
            if isShallow {
                if let found = try shallowMergeBase(left, right) { return found.hex }
                throw GitError(call: "git_merge_base", code: Int(GIT_ENOTFOUND.rawValue),
                               errorClass: Int(GIT_ERROR_MERGE.rawValue),
                               message: "no common ancestor within the fetched history",
                               summary: "no merge base between '\(a)' and '\(b)' in this shallow clone",
                               advice: fetchMoreHistoryAdvice)
            }
            if error.isNotFound {
                throw error.explained("no merge base between '\(a)' and '\(b)': their histories share no commit",
                                      advice: "Pass --base <revision> explicitly.")
            }
            throw error.explained("cannot compute the merge base of '\(a)' and '\(b)'")
        }
    }

    /// One commit of the walk: its time and the parents that are present in the clone.
    private struct WalkedCommit {
        var time: Int64
        var parents: [ObjectID]
    }

    /// Every commit reachable from `start` whose object is present; missing parents end the walk
    /// there, as grafts do for git in a shallow clone.
    private func presentAncestors(of start: ObjectID) throws(GitError) -> [ObjectID: WalkedCommit] {
        var found: [ObjectID: WalkedCommit] = [:]
        var pending = [start]
        while let id = pending.popLast() {
            if found[id] != nil { continue }
            var raw = id.raw
            var commit: OpaquePointer?
            let rc = git_commit_lookup(&commit, handle, &raw)
            if rc != 0 {
                if id == start { try check(rc, "git_commit_lookup") }
                continue  // beyond the shallow boundary: not part of the history we have
            }
            defer { git_commit_free(commit) }
            var parents: [ObjectID] = []
            for index in 0..<git_commit_parentcount(commit) {
                // parent_id reads the id from this commit; it does not need the parent object.
                guard let parent = git_commit_parent_id(commit, index) else { continue }
                let parentID = ObjectID(parent.pointee)
                if hasObject(parentID) {
                    parents.append(parentID)
                    pending.append(parentID)
                }
            }
            found[id] = WalkedCommit(time: Int64(git_commit_time(commit)), parents: parents)
        }
        return found
    }

    /// The merge base computed from present history only: the common ancestors that are not
    /// ancestors of another common ancestor; of several (criss-cross merges), the newest.
    private func shallowMergeBase(_ left: ObjectID, _ right: ObjectID) throws(GitError) -> ObjectID? {
        let leftHistory = try presentAncestors(of: left)
        let rightHistory = try presentAncestors(of: right)
        let common = Set(leftHistory.keys).intersection(rightHistory.keys)
        guard !common.isEmpty else { return nil }
        // Anything reachable from a common ancestor's parents is a worse candidate.
        var dominated = Set<ObjectID>()
        var pending = common.flatMap { leftHistory[$0]?.parents ?? [] }
        while let id = pending.popLast() {
            guard dominated.insert(id).inserted else { continue }
            pending.append(contentsOf: leftHistory[id]?.parents ?? [])
        }
        let best = common.subtracting(dominated)
        return best.max { lhs, rhs in
            let lt = leftHistory[lhs]?.time ?? 0
            let rt = leftHistory[rhs]?.time ?? 0
            return lt != rt ? lt < rt : lhs.hex > rhs.hex
        }
    }
}
