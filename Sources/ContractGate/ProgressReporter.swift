import Foundation
import GateLineage

/// A progress line for long work (`catalog pull`, `check` on a large graph, `lineage push`,
/// `docs carry`): phase, count, total, ETA and a short note, on standard error.
///
/// Usage:
/// ```swift
/// let progress = ProgressReporter.standardError(requested: flag, environment: env)  // nil: stay silent
/// progress?.start("pushing lineage", total: edges.count, unit: "writes")
/// for edge in edges { try await push(edge); progress?.advance() }
/// progress?.message("waiting for the rate limit")
/// await progress?.finish("pushed \(edges.count) edges")
/// ```
///
/// - On a terminal the line is redrawn in place (at most ten times a second); elsewhere — a CI log
///   with `--progress` — plain lines are written, at most one every two seconds, plus the start
///   and the end of each phase, so logs stay short.
/// - `start`, `advance` and `message` never block and may be called from any task or from a
///   `Sendable` callback (GateLineage's `CatalogProgressHandler`); `finish` waits until everything
///   reported is written, so the next output does not land in the middle of the progress line.
/// - The ETA is the average time per step so far times the steps left; it is shown once a total
///   is known and a step is done.
public final class ProgressReporter: Sendable {
    /// How the line is written.
    public enum Style: Sendable {
        /// Redrawn in place with `\r` and "erase line": for a person at a terminal.
        case terminal
        /// One plain line per update, throttled: for logs.
        case lines
    }

    enum Event: Sendable {
        case start(phase: String, total: Int?, unit: String)
        case advance(Int)
        case message(String)
        case finish(String?)
    }

    private let continuation: AsyncStream<Event>.Continuation
    private let renderer: Task<Void, Never>

    /// A reporter writing to `write` (standard error in the CLI; a buffer in tests).
    /// - Parameter interval: the least time between two drawn updates; defaults to 0.1 s on a
    ///   terminal and 2 s for plain lines.
    public init(style: Style, interval: Duration? = nil, write: @escaping @Sendable (String) -> Void) {
        let (stream, continuation) = AsyncStream<Event>.makeStream(bufferingPolicy: .unbounded)
        self.continuation = continuation
        let interval = interval ?? (style == .terminal ? .milliseconds(100) : .seconds(2))
        renderer = Task {
            var line = ProgressLine(style: style, interval: interval)
            for await event in stream {
                if let text = line.apply(event, now: ContinuousClock.now) { write(text) }
            }
        }
    }

    /// The reporter a command should use: a redrawn line when standard error is a terminal,
    /// plain lines when `requested` (`--progress`) in a log, else nil — silence in CI logs.
    /// `CONTRACT_GATE_PROGRESS=0` silences it even on a terminal.
    public static func standardError(requested: Bool, environment: [String: String],
                                     stderrIsTerminal: Bool = isatty(STDERR_FILENO) == 1) -> ProgressReporter? {
        if environment["CONTRACT_GATE_PROGRESS"] == "0" && !requested { return nil }
        let style: Style
        if stderrIsTerminal && environment["TERM"] != "dumb" {
            style = .terminal
        } else if requested {
            style = .lines
        } else {
            return nil
        }
        return ProgressReporter(style: style) { text in FileHandle.standardError.write(Data(text.utf8)) }
    }

    /// Begins a phase: `total` steps when known, counted in `unit` ("pages", "nodes", "writes").
    public func start(_ phase: String, total: Int? = nil, unit: String = "steps") {
        continuation.yield(.start(phase: phase, total: total, unit: unit))
    }

    /// `steps` more steps of the current phase are done.
    public func advance(by steps: Int = 1) {
        continuation.yield(.advance(steps))
    }

    /// A short note shown after the count ("GET user/", "depth 3"). Not an error channel.
    public func message(_ text: String) {
        continuation.yield(.message(text))
    }

    /// Ends the progress line (with `summary` as its last state when given) and waits until all
    /// of it is written. The reporter is done afterwards; later calls are ignored.
    public func finish(_ summary: String? = nil) async {
        continuation.yield(.finish(summary))
        continuation.finish()
        await renderer.value
    }

    /// A handler for GateLineage: pages fetched count as steps, lineage levels as notes.
    public var catalogHandler: CatalogProgressHandler {
        { [continuation] event in
            switch event {
            case .page(let path, let items):
                continuation.yield(.advance(1))
                continuation.yield(.message("\(path) \(items) item\(items == 1 ? "" : "s")"))
            case .level(let depth, let nodes):
                continuation.yield(.message("lineage depth \(depth): \(nodes) node\(nodes == 1 ? "" : "s") walked"))
            }
        }
    }

    /// "ETA 1m05s" from the time spent on `done` of `total` steps; nil when it cannot be told yet.
    public static func eta(elapsed: Duration, done: Int, total: Int?) -> String? {
        guard let total, done > 0, total > done else { return nil }
        let perStep = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let seconds = Int((perStep / Double(done) * Double(total - done)).rounded(.up))
        return "ETA " + (seconds >= 60 ? "\(seconds / 60)m\(String(format: "%02d", seconds % 60))s" : "\(seconds)s")
    }
}

/// The state of the drawn line; lives inside the renderer task only.
struct ProgressLine {
    let style: ProgressReporter.Style
    let interval: Duration
    var phase = ""
    var total: Int?
    var unit = "steps"
    var done = 0
    var note: String?
    var phaseStart = ContinuousClock.now
    var lastDrawn: ContinuousClock.Instant?
    var drawnOnTerminal = false
    var finished = false

    /// The text to write for `event`, if any (throttled).
    mutating func apply(_ event: ProgressReporter.Event, now: ContinuousClock.Instant) -> String? {
        guard !finished else { return nil }
        switch event {
        case .start(let phase, let total, let unit):
            self.phase = phase
            self.total = total
            self.unit = unit
            done = 0
            note = nil
            phaseStart = now
            return draw(now: now, force: true)
        case .advance(let steps):
            done += max(0, steps)
            return draw(now: now, force: total.map { done >= $0 } ?? false)
        case .message(let text):
            // The first note of a phase is always shown; later ones wait for the interval.
            let first = note == nil
            note = TerminalSafe.oneLine(text)
            return draw(now: now, force: first)
        case .finish(let summary):
            finished = true
            switch style {
            case .terminal:
                let clear = drawnOnTerminal ? "\r\u{1B}[2K" : ""
                return summary.map { clear + TerminalSafe.oneLine($0) + "\n" } ?? (clear.isEmpty ? nil : clear)
            case .lines:
                return summary.map { TerminalSafe.oneLine($0) + "\n" }
            }
        }
    }

    private mutating func draw(now: ContinuousClock.Instant, force: Bool) -> String? {
        if !force, let lastDrawn, now - lastDrawn < interval { return nil }
        lastDrawn = now
        let text = render(now: now)
        switch style {
        case .terminal:
            drawnOnTerminal = true
            return "\r\u{1B}[2K" + text
        case .lines:
            return text + "\n"
        }
    }

    func render(now: ContinuousClock.Instant) -> String {
        var parts: [String] = []
        if let total {
            let percent = total > 0 ? min(100, done * 100 / total) : 100
            parts.append("\(done)/\(total) \(unit) (\(percent)%)")
            if let eta = ProgressReporter.eta(elapsed: now - phaseStart, done: done, total: total) { parts.append(eta) }
        } else if done > 0 {
            parts.append("\(done) \(unit)")
        }
        if let note { parts.append(note) }
        let head = phase.isEmpty ? "contract-gate" : phase
        return parts.isEmpty ? "\(head) …" : "\(head): " + parts.joined(separator: " · ")
    }
}

/// Progress notes can carry catalog text (endpoint paths); control characters never reach the terminal.
enum TerminalSafe {
    static func oneLine(_ text: String, limit: Int = 160) -> String {
        let cleaned = String(String.UnicodeScalarView(text.unicodeScalars.map {
            CharacterSet.controlCharacters.contains($0) ? " " : $0
        }))
        return cleaned.count > limit ? String(cleaned.prefix(limit)) + "…" : cleaned
    }
}
