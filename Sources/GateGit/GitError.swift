import CLibGit2
import GateModel

/// A failed libgit2 call, or a repository state the check cannot work with.
///
/// `call`, `code`, `errorClass` and `message` are what libgit2 reported (captured at once:
/// `git_error_last()` is thread-local and overwritten by the next failing call). `summary` and
/// `advice` are what a person reads: what went wrong in their terms and what to do about it.
public struct GitError: GateError, Sendable, Equatable {
    /// The libgit2 function that failed, e.g. `git_revparse_single`.
    public var call: String
    /// The libgit2 return code (`GIT_ENOTFOUND` is -3, `GIT_EOWNER` is -36, ...).
    public var code: Int
    /// The libgit2 error class (`GIT_ERROR_ODB` is 9, `GIT_ERROR_CONFIG` is 7, ...); 0 when none.
    public var errorClass: Int
    /// libgit2's own message, or ours when the failure was detected on the Swift side.
    public var message: String
    /// What went wrong, in the user's terms; nil means "`call` failed".
    public var summary: String?
    /// What to do about it.
    public var advice: String?

    /// An error as libgit2 reported it, optionally already explained.
    public init(call: String, code: Int, errorClass: Int, message: String,
                summary: String? = nil, advice: String? = nil) {
        self.call = call
        self.code = code
        self.errorClass = errorClass
        self.message = message
        self.summary = summary
        self.advice = advice
    }

    /// The repository belongs to another user and libgit2's owner validation refused it.
    /// libgit2 1.5.x reports this either as `GIT_EOWNER` or, when no `safe.directory` is set at all,
    /// as a misleading "config value 'safe.directory' was not found" (`GIT_ENOTFOUND`, class CONFIG).
    public var isOwnership: Bool {
        if code == Int(GIT_EOWNER.rawValue) { return true }
        return code == Int(GIT_ENOTFOUND.rawValue)
            && errorClass == Int(GIT_ERROR_CONFIG.rawValue)
            && message.contains("safe.directory")
    }

    /// An object the operation needed is not in the object database — typically a commit beyond
    /// the edge of a shallow clone.
    public var isMissingObject: Bool {
        guard errorClass == Int(GIT_ERROR_ODB.rawValue) else { return false }
        return code == Int(GIT_ENOTFOUND.rawValue) || message.contains("not found")
    }

    /// The name or object was not found (`GIT_ENOTFOUND`), whatever the class.
    var isNotFound: Bool { code == Int(GIT_ENOTFOUND.rawValue) }

    /// A repository problem is a usage/configuration error (exit 2), never a contract violation.
    public var exitCode: GateExitCode { .usage }

    /// `error: <summary> (<call> failed with code <code>: <libgit2 message>)`, then the advice.
    public var description: String {
        var text = "error: "
        if let summary {
            text += summary
            text += " (\(call) failed with code \(code): \(message))"
        } else {
            text += "\(call) failed with code \(code): \(message)"
        }
        if let advice { text += "\n" + advice }
        return text
    }

    /// The same error with a user-facing summary and advice attached.
    func explained(_ summary: String, advice: String? = nil) -> GitError {
        var copy = self
        copy.summary = summary
        if let advice { copy.advice = advice }
        return copy
    }
}

/// The one place a libgit2 return code becomes a Swift error: negative codes throw a `GitError`
/// naming `call`, with libgit2's thread-local last error captured before anything else can
/// overwrite it. Non-negative codes are returned (some calls use them as booleans).
@discardableResult
func check(_ rc: Int32, _ call: String) throws(GitError) -> Int32 {
    guard rc < 0 else { return rc }
    var errorClass = 0
    var message = "no message from libgit2"
    if let last = git_error_last() {
        errorClass = Int(last.pointee.klass)
        if let text = last.pointee.message { message = String(cString: text) }
    }
    throw GitError(call: call, code: Int(rc), errorClass: errorClass, message: message)
}

/// The advice printed whenever history is missing in a shallow clone.
let fetchMoreHistoryAdvice =
    "This is a shallow clone and the history needed is not in it: fetch more history (fetch-depth: 0 or git fetch --deepen=N). In GitLab CI, set GIT_DEPTH: 0."
