import Foundation

#if GATE_FUZZ
/// The target libFuzzer feeds (set `GATE_FUZZ_TARGET`; default `config`), read once.
private let fuzzTarget: FuzzTarget = {
    let name = ProcessInfo.processInfo.environment["GATE_FUZZ_TARGET"] ?? "config"
    guard let target = FuzzTarget(rawValue: name) else {
        let known = FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")
        FileHandle.standardError.write(Data("GATE_FUZZ_TARGET must be one of: \(known)\n".utf8))
        exit(2)
    }
    return target
}()

/// libFuzzer's entry point (built with `-sanitize=fuzzer -D GATE_FUZZ` by ci/fuzz/run.sh).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let data = bytes.map { Data(bytes: $0, count: count) } ?? Data()
    FuzzHarness.run(fuzzTarget, data)
    return 0
}

/// libFuzzer's driver, started from our own entry point (below).
@_extern(c, "LLVMFuzzerRunDriver")
func runFuzzerDriver(_ argc: UnsafeMutablePointer<CInt>,
                     _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                     _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

/// SwiftPM links an executable target with `main` aliased to `<Module>_main` (so tests can link
/// it), which leaves libFuzzer's own `main` out; this is that entry point, handing control to
/// libFuzzer's driver with the harness as its callback.
@_cdecl("GateFuzz_main")
public func gateFuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    // Initialise the harness's lazy globals before the first input, so no input is blamed for them.
    _ = FuzzHarness.baseFiles()
    _ = fuzzTarget
    var count = argc
    var arguments = argv
    return runFuzzerDriver(&count, &arguments) { bytes, size in fuzzTestOneInput(bytes, size) }
}
#else
/// Without the fuzzer: replays saved inputs, `GateFuzz TARGET FILE|FOLDER…`, so the corpus and
/// the crashes the fuzzer found run as regression tests in the normal build.
@main
struct GateFuzzReplay {
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        guard let name = arguments.first, let target = FuzzTarget(rawValue: name), arguments.count > 1 else {
            let known = FuzzTarget.allCases.map(\.rawValue).joined(separator: "|")
            FileHandle.standardError.write(Data("usage: GateFuzz \(known) FILE|FOLDER…\n".utf8))
            exit(2)
        }
        var count = 0
        for path in arguments.dropFirst() {
            for file in files(at: path) {
                guard let data = FileManager.default.contents(atPath: file) else { continue }
                FuzzHarness.run(target, data)
                count += 1
            }
        }
        print("replayed \(count) input\(count == 1 ? "" : "s") through \(target.rawValue)")
    }

    /// The file itself, or every regular file under a folder (sorted, so runs repeat).
    static func files(at path: String) -> [String] {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else { return [] }
        guard isFolder.boolValue else { return [path] }
        let names = (FileManager.default.enumerator(atPath: path)?.allObjects as? [String]) ?? []
        return names.map { path + "/" + $0 }.filter { file in
            var folder: ObjCBool = false
            return FileManager.default.fileExists(atPath: file, isDirectory: &folder) && !folder.boolValue
        }.sorted()
    }
}
#endif
