/// A `ref()` or `source()` in the head tree that dbt can no longer resolve: the next `dbt parse`
/// fails on it ("depends on a node named 'x' which was not found" / "which is disabled").
/// Computed by GateDbt before the rules run; REF_RESOLVES turns each into a finding.
public struct DanglingReference: Sendable, Hashable, Codable {
    /// Why the target does not resolve at head.
    public enum Reason: String, Sendable, Hashable, Codable {
        /// It existed at base and is gone at head.
        case deleted
        /// A model renamed in this change (`renamedTo` holds the new name).
        case renamed
        /// It exists at head with `enabled: false`.
        case disabled
        /// The model exists, the pinned version does not (`versions` lists the ones left).
        case versionRemoved = "version_removed"
        /// Nothing of that name exists at either side (a typo, or something never added).
        case notFound = "not_found"
    }

    /// The node whose file makes the call: a model (dbt display name, `name` or `name.vN`),
    /// a snapshot or an exposure.
    public var referrer: String
    /// `model`, `snapshot` or `exposure`.
    public var referrerType: String
    /// The referrer's tags when it is a model (for contract selection by `tag:`).
    public var referrerTags: [String]
    /// The call as written, normalised: `ref('fct_orders')`, `ref('m', v=1)`, `source('raw', 'orders')`.
    public var call: String
    /// `model`, `seed`, `snapshot`, `source`, or `node` when nothing of the name exists at either side.
    public var targetType: String
    /// The model, seed or snapshot name, or `source.table`.
    public var targetName: String
    /// The version `v=` pins, if any.
    public var version: String?
    public var reason: Reason
    /// For `renamed`: the model's name at head.
    public var renamedTo: String?
    /// For `versionRemoved`: the versions still defined at head.
    public var versions: [String]
    /// Whether the call resolved at base: false when the referencing file changed in this change
    /// and the call was already unresolved (or names something never defined).
    public var resolvedAtBase: Bool
    /// The line of the call in the head file.
    public var location: SourceLocation

    public init(referrer: String, referrerType: String = "model", referrerTags: [String] = [], call: String,
                targetType: String, targetName: String, version: String? = nil, reason: Reason,
                renamedTo: String? = nil, versions: [String] = [], resolvedAtBase: Bool, location: SourceLocation) {
        self.referrer = referrer
        self.referrerType = referrerType
        self.referrerTags = referrerTags
        self.call = call
        self.targetType = targetType
        self.targetName = targetName
        self.version = version
        self.reason = reason
        self.renamedTo = renamedTo
        self.versions = versions
        self.resolvedAtBase = resolvedAtBase
        self.location = location
    }
}
