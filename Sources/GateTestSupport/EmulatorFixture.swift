import SecodaEmulator

/// Starts a Secoda emulator on 127.0.0.1 (ephemeral port), runs `body`, and always stops it.
public func withEmulator<T>(_ seed: EmulatorSeed, options: EmulatorOptions = EmulatorOptions(),
                            _ body: (SecodaEmulator) async throws -> T) async throws -> T {
    let emulator = try await SecodaEmulator.start(seed: seed, options: options)
    do {
        let result = try await body(emulator)
        await emulator.stop()
        return result
    } catch {
        await emulator.stop()
        throw error
    }
}
