import Foundation

/// Reading a file a user or a repository names, with errors in our words: the path, what is
/// wrong with it, and what to do — never Foundation's "You don't have permission" for a device,
/// and never an endless read of `/dev/zero` or a wait on a FIFO.
public enum RegularFile {
    /// The bytes of the file at `url` (links followed), which must be a regular file of at most
    /// `maxBytes`. `path` names it in errors.
    public static func read(_ url: URL, path: String, maxBytes: Int = .max) throws -> Data {
        let resolved = url.resolvingSymlinksInPath()
        let attributes: [FileAttributeKey: Any]
        do {
            attributes = try FileManager.default.attributesOfItem(atPath: resolved.path)
        } catch {
            throw InputError("cannot read \(path): \(reason(error)); check the path", at: SourceLocation(path: path))
        }
        let type = attributes[.type] as? FileAttributeType
        guard type == .typeRegular else {
            throw InputError("\(path) is \(describe(type)), not a file; name a YAML file", at: SourceLocation(path: path))
        }
        if let size = (attributes[.size] as? NSNumber)?.intValue, size > maxBytes {
            throw InputError("\(path) is \(size) bytes, more than the \(maxBytes) a file of this kind may hold; is it the right file?",
                             at: SourceLocation(path: path))
        }
        do {
            return try Data(contentsOf: resolved)
        } catch {
            throw InputError("cannot read \(path): \(reason(error)); check its permissions", at: SourceLocation(path: path))
        }
    }

    static func describe(_ type: FileAttributeType?) -> String {
        switch type {
        case .typeDirectory?: "a folder"
        case .typeCharacterSpecial?: "a character device"
        case .typeBlockSpecial?: "a block device"
        case .typeSocket?: "a socket"
        case .typeSymbolicLink?: "a symbolic link that leads nowhere"
        default: "not a regular file (a pipe or device)"
        }
    }

    /// The operating system's reason, without Foundation's wrapping.
    static func reason(_ error: any Error) -> String {
        let nsError = error as NSError
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        if nsError.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(nsError.code))) }
        switch nsError.code {
        case NSFileReadNoSuchFileError, NSFileNoSuchFileError: return "no such file"
        case NSFileReadNoPermissionError: return "permission denied"
        default: return "the file could not be read"
        }
    }
}
