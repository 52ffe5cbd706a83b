import Foundation
@testable import GateDbt
@testable import GateGit
import GateTestSupport
import Testing

/// The owners of a check's downstream models come from their property entries, read from git on
/// the machine's cores when they are many (`noteOwnershipMentions`): what each model's owner and
/// group are must not depend on that.
@Suite struct OwnershipOnManyFilesTests {
    @Test func ownersReadFromManyFilesAgreeWithTheFullSnapshot() throws {
        let fixture = try TempRepository()
        defer { fixture.remove() }
        try fixture.write("dbt_project.yml", "name: shop\nversion: '1.0'\nconfig-version: 2\nmodel-paths: [models]\n")
        var names: [String] = []
        // More files than GitTree reads on one thread (`concurrentReadMinimum`).
        for number in 0..<(GitTree.concurrentReadMinimum + 16) {
            let name = "m_\(number)"
            names.append(name)
            try fixture.write("models/\(name).sql", "select 1 as id\n")
            let owner = switch number % 4 {
            case 0: "    meta:\n      owner: owner\(number)@shop.test\n"
            case 1: "    config:\n      group: team\(number)\n"
            case 2: "    description: says nothing of owners\n"
            default: ""
            }
            try fixture.write("models/\(name).yml", "models:\n  - name: \(name)\n" + owner)
        }
        _ = try fixture.commit("project")
        let tree = { try Repository.open(at: fixture.path).tree(at: "HEAD") }
        let fast = try DbtProject.load(tree: try tree())
        let full = try DbtProject.load(tree: try tree())
        try fast.prepareLookups(of: names)
        for name in names {
            let snapshot = try full.model(named: name)
            let owned = try fast.ownership(ofModel: name)
            #expect(owned?.owner == snapshot?.owner, "owner of \(name)")
            #expect(owned?.group == snapshot?.group, "group of \(name)")
        }
        #expect(try fast.ownership(ofModel: "m_4")?.owner == "owner4@shop.test")
        #expect(try fast.ownership(ofModel: "m_5")?.group == "team5")
        #expect(try fast.ownership(ofModel: "m_6")?.owner == nil)
    }
}
