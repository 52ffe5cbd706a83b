import Foundation
import CLibGit2

/// Process-wide libgit2 state: initialisation and the options that are global by libgit2's design.
enum LibGit2 {
    /// `git_libgit2_init` runs exactly once, lazily and atomically (a `static let`), before the first
    /// repository is opened. It is never shut down: the process ends first.
    static let initialized: Int32 = {
        let result = git_libgit2_init()
        // libgit2 re-hashes every object it reads (git does not): with it on, reading a large
        // folder's tree object for each of its files dominated a 50,000-model check.
        _ = clibgit2_set_strict_hash_verification(0)
        return result
    }()

    /// Makes sure libgit2 is initialised; every entry point calls this first.
    static func ensureInitialized() { _ = initialized }
}

/// A git object id (SHA-1), copied out of libgit2 so it outlives the object it came from.
struct ObjectID: Hashable, Sendable, CustomStringConvertible {
    var raw: git_oid

    init(_ raw: git_oid) { self.raw = raw }

    /// Parses a full 40-hex id; nil for anything else.
    init?(hex: String) {
        guard hex.utf8.count == 40, hex.utf8.allSatisfy(\.isHexDigit) else { return nil }
        var oid = git_oid()
        guard git_oid_fromstr(&oid, hex) == 0 else { return nil }
        raw = oid
    }

    /// The all-zero id git uses for "no object" (a new or deleted branch in a pre-push hook).
    var isZero: Bool {
        withUnsafeBytes(of: raw.id) { $0.allSatisfy { $0 == 0 } }
    }

    var hex: String {
        var oid = raw
        var buffer = [UInt8](repeating: 0, count: 40)
        buffer.withUnsafeMutableBufferPointer { out in
            out.baseAddress!.withMemoryRebound(to: CChar.self, capacity: 40) { _ = git_oid_fmt($0, &oid) }
        }
        return String(decoding: buffer, as: UTF8.self)
    }

    var description: String { hex }

    static func == (lhs: ObjectID, rhs: ObjectID) -> Bool {
        withUnsafeBytes(of: lhs.raw.id) { l in withUnsafeBytes(of: rhs.raw.id) { r in l.elementsEqual(r) } }
    }

    func hash(into hasher: inout Hasher) {
        withUnsafeBytes(of: raw.id) { hasher.combine(bytes: $0) }
    }
}

extension UInt8 {
    var isHexDigit: Bool {
        (0x30...0x39).contains(self) || (0x41...0x46).contains(self) || (0x61...0x66).contains(self)
    }
}

/// Decodes a C path from libgit2. Paths are bytes in git; one that is not valid UTF-8 is decoded
/// with replacement characters and reported as invalid rather than crashing or being dropped.
func decodePath(_ pointer: UnsafePointer<CChar>?) -> (path: String, isValid: Bool)? {
    guard let pointer else { return nil }
    let length = strlen(pointer)
    let bytes = UnsafeRawBufferPointer(start: pointer, count: length)
    if let valid = String(validating: bytes, as: UTF8.self) { return (valid, true) }
    return (String(decoding: bytes, as: UTF8.self), false)
}
