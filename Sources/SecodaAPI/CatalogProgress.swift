import Foundation

/// What GateLineage reports while it works, so a command can draw a progress line. GateLineage
/// never prints: it calls the handler it was given (a `Sendable` closure, no global state) and
/// the caller decides whether anybody sees it.
public enum CatalogProgress: Sendable, Equatable {
    /// One page of a paged listing arrived: the endpoint and the items read from it so far.
    case page(path: String, itemsSoFar: Int)
    /// The lineage walk finished a level: its depth and the downstream nodes found so far (all roots).
    case level(depth: Int, nodes: Int)
}

/// Receives `CatalogProgress` events; called from whichever task did the work, so it must be
/// safe to call concurrently.
public typealias CatalogProgressHandler = @Sendable (CatalogProgress) -> Void
