import Foundation
import SecodaAPI
import GateModel

/// Names for owner ids: users, groups and teams of the workspace.
public struct CatalogPeople: Sendable, Equatable, Codable {
    public var users: [CatalogPerson]
    public var groups: [CatalogPerson]
    /// Teams (`auth/teams/`): the owner of last resort for a resource nobody owns by name.
    public var teams: [CatalogPerson]

    public init(users: [CatalogPerson] = [], groups: [CatalogPerson] = [], teams: [CatalogPerson] = []) {
        self.users = users
        self.groups = groups
        self.teams = teams
    }

    enum CodingKeys: String, CodingKey { case users, groups, teams }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        users = try c.decodeIfPresent([CatalogPerson].self, forKey: .users) ?? []
        groups = try c.decodeIfPresent([CatalogPerson].self, forKey: .groups) ?? []
        teams = try c.decodeIfPresent([CatalogPerson].self, forKey: .teams) ?? []
    }

    /// `owner` with its name and email filled in, and a group's members listed by email.
    ///
    /// An id the directory does not know (a deleted user, a typo in a seed, a group removed
    /// since) is named "unknown user <short id>" rather than shown as a bare UUID; a deactivated
    /// user keeps their name with "(deactivated)". dbt owners pass through as they are.
    /// For many owners, build an `OwnerDirectory` once instead.
    public func named(_ owner: Owner) -> Owner { OwnerDirectory(self).named(owner) }

    /// Whether `owner` is the workspace's default team: every resource lands there, so it names nobody.
    public func isDefaultTeam(_ owner: Owner) -> Bool { OwnerDirectory(self).isDefaultTeam(owner) }

    /// "unknown user 3131f219": the first block of the id is enough to look it up in Secoda.
    public static func unknownLabel(kind: String, id: String) -> String {
        "unknown \(kind) \(shortId(id))"
    }

    /// The first block of a UUID (`3131f219`); any other id up to 12 characters.
    public static func shortId(_ id: String) -> String {
        let blocks = id.split(separator: "-", omittingEmptySubsequences: false)
        if blocks.count == 5, blocks[0].count == 8, blocks[0].allSatisfy(\.isHexDigit) { return String(blocks[0]) }
        return String(id.prefix(12))
    }
}

/// `CatalogPeople` indexed by id, to name thousands of owners without a linear search each.
public struct OwnerDirectory: Sendable {
    private let users: [String: CatalogPerson]
    private let groups: [String: CatalogPerson]
    private let teams: [String: CatalogPerson]

    public init(_ people: CatalogPeople) {
        // A directory listing the same id twice keeps the first entry rather than trapping.
        users = Dictionary(people.users.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        groups = Dictionary(people.groups.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        teams = Dictionary(people.teams.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// See `CatalogPeople.named(_:)`.
    public func named(_ owner: Owner) -> Owner {
        let list: [String: CatalogPerson]
        switch owner.kind {
        case "user": list = users
        case "group": list = groups
        case "team": list = teams
        default: return owner
        }
        var named = owner
        guard let person = list[owner.id] else {
            named.name = CatalogPeople.unknownLabel(kind: owner.kind, id: owner.id)
            return named
        }
        named.name = person.name ?? person.email ?? named.name ?? CatalogPeople.unknownLabel(kind: owner.kind, id: owner.id)
        named.email = person.email ?? named.email
        if person.disabled { named.name = (named.name ?? "") + " (deactivated)" }
        if owner.kind == "group" {
            named.members = person.members.map { memberId in
                guard let member = users[memberId] else { return CatalogPeople.unknownLabel(kind: "user", id: memberId) }
                return member.email ?? member.name ?? CatalogPeople.unknownLabel(kind: "user", id: memberId)
            }
        }
        return named
    }

    /// See `CatalogPeople.isDefaultTeam(_:)`.
    public func isDefaultTeam(_ owner: Owner) -> Bool {
        owner.kind == "team" && teams[owner.id]?.isDefaultTeam == true
    }
}

/// A user, group or team as the snapshot keeps it (Secoda's own keys, so a snapshot seeds the emulator).
public struct CatalogPerson: Sendable, Equatable, Codable {
    public var id: String
    /// A group's or team's name, or a user's first and last name.
    public var name: String?
    public var email: String?
    /// A group's member user ids (Secoda's `users`).
    public var members: [String]
    /// A deactivated user (Secoda's `disabled`).
    public var disabled: Bool
    /// The workspace's default team (Secoda's `is_default_team`).
    public var isDefaultTeam: Bool

    public init(id: String, name: String? = nil, email: String? = nil, members: [String] = [], disabled: Bool = false,
                isDefaultTeam: Bool = false) {
        self.id = id
        self.name = name
        self.email = email
        self.members = members
        self.disabled = disabled
        self.isDefaultTeam = isDefaultTeam
    }

    enum CodingKeys: String, CodingKey {
        case id, name, email, disabled
        case firstName = "first_name", lastName = "last_name", members = "users", isDefaultTeam = "is_default_team"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        guard let id = c.lenientString(.id), SecodaID.isValid(id) else {
            throw DecodingError.dataCorrupted(.init(codingPath: c.codingPath, debugDescription: "a user or group without a valid id"))
        }
        self.id = id
        let full = [c.lenientString(.firstName), c.lenientString(.lastName)].compactMap { $0 }.filter { !$0.isEmpty }
        name = c.lenientString(.name) ?? (full.isEmpty ? nil : full.joined(separator: " "))
        email = c.lenientString(.email)
        members = c.lenientStrings(.members)
        disabled = c.lenientBool(.disabled) ?? false
        isDefaultTeam = c.lenientBool(.isDefaultTeam) ?? false
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encodeIfPresent(name, forKey: .name)
        try c.encodeIfPresent(email, forKey: .email)
        if !members.isEmpty { try c.encode(members, forKey: .members) }
        if disabled { try c.encode(true, forKey: .disabled) }
        if isDefaultTeam { try c.encode(true, forKey: .isDefaultTeam) }
    }
}
