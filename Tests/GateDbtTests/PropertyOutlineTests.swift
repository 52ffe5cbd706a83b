import Foundation
import GateModel
import Testing
@testable import DbtFiles
@testable import GateDbt

@Suite struct PropertyOutlineTests {
    static let yaml = """
    version: 2
    # comment
    models:
      - name: a
        description: |
          text
          - not an item
        columns:
          - name: id
      - name: b_model
        latest_version: "2"
        versions:
          - v: 1
            defined_in: b_old   # legacy file
          - v: 2
            columns:
              - include: all
    exposures:
    - name: dash
      depends_on: [ref('a')]
    sources:
      - name: raw
    """

    @Test func outlineCutsTopLevelEntriesWithTheirLines() throws {
        let data = Data(Self.yaml.utf8)
        let outline = try #require(PropertyFileOutline.outline(data))
        #expect(outline.items.map(\.section) == ["models", "models", "exposures"])
        #expect(outline.items.map(\.line) == [4, 10, 19])
        // Each entry parsed alone keeps the line numbers it has in the whole file.
        let whole = PropertyFileReader.read(data, path: "m.yml")
        for (index, item) in outline.items.enumerated() {
            let alone = PropertyFileReader.read(PropertyFileOutline.document(for: item, in: data), path: "m.yml")
            #expect(alone.failure == nil)
            if item.section == "models" {
                #expect(alone.models.first?.location == whole.models[index].location)
                #expect(alone.models.first?.raw == whole.models[index].raw)
            } else {
                #expect(alone.exposures.first?.location == whole.exposures.first?.location)
            }
        }
    }

    @Test func outlineReadsPlainEntryNamesAndGivesUpOnOthers() throws {
        let yaml = """
        models:
          - name: plain   # trailing comment
          - description: name comes second
            name: "quoted"
          -   name: wide_dash
          - name: >
              folded
          - name: a
            name: b
          - config: {name: inner}
            columns:
              - name: not_the_entry
          - name: [flow]
        """
        let outline = try #require(PropertyFileOutline.outline(Data(yaml.utf8)))
        #expect(outline.items.map(\.name) == ["plain", "quoted", "wide_dash", nil, nil, nil, nil])
    }

    @Test func outlineDeclinesShapesItCannotCutSafely() {
        #expect(PropertyFileOutline.outline(Data("models: [{name: a}]\n".utf8)) == nil)
        #expect(PropertyFileOutline.outline(Data("defaults: &d\n  x: 1\nmodels:\n  - name: a\n    <<: *d\n".utf8)) == nil)
        #expect(PropertyFileOutline.outline(Data("models:\n\t- name: a\n".utf8)) == nil)
        #expect(PropertyFileOutline.outline(Data("models:\n  fct_orders:\n    columns: 3\n".utf8)) == nil)
        #expect(PropertyFileOutline.outline(Data("models:\n  - name: a\n---\nmodels:\n  - name: b\n".utf8)) == nil)
    }

    @Test func versionSketchAgreesWithTheParser() throws {
        let data = Data(Self.yaml.utf8)
        let text = Self.yaml
        let outline = try #require(PropertyFileOutline.outline(data))
        let item = outline.items[1]
        let utf8 = text.utf8
        let slice = text[utf8.index(utf8.startIndex, offsetBy: item.bytes.lowerBound)..<utf8.index(utf8.startIndex, offsetBy: item.bytes.upperBound)]
        let sketch = try #require(VersionSketch.read(slice, path: "m.yml", line: item.line))
        let parsed = try #require(PropertyFileReader.read(data, path: "m.yml").models.first { $0.name == "b_model" })
        #expect(sketch.name == parsed.name)
        #expect(sketch.latestVersion == parsed.latestVersion)
        #expect(sketch.versions.map(\.version) == parsed.versions.map(\.version))
        #expect(sketch.versions.map(\.definedIn) == parsed.versions.map(\.definedIn))
        #expect(sketch.versions.map(\.location) == parsed.versions.map(\.location))
        #expect(sketch.location == parsed.location)
        // Flow-style versions: declined, the caller parses.
        #expect(VersionSketch.read("  - name: x\n    versions: [{v: 1}]\n", path: "m.yml", line: 3) == nil)
    }

    /// The byte reading of an ASCII `key: value` line decides as the character reading does.
    @Test(arguments: [
        "name: orders", "  name:   orders  ", "name:", "name:   ", "name: # comment", "name: a # comment", "name: a#b",
        "name: a\t# tab then hash", "v: 2", "defined_in: orders_v2", "latest_version: '3'", "x: \"quoted\"",
        "x: 'it''s'", "x: 'a\\b'", "x: '", "x: ''", "x: \"\"", "x: [1, 2]", "x: {a: 1}", "x: |", "x: >-", "x: &anchor",
        "x: *alias", "x: !tag", "x: %", "x: @", "x: `", "bad key: 1", "-dash_key-: 1", ": no key", "no colon", "",
        "x:y", "url: http://a.b/c", "x: a: b", "\tname: tabbed", "name\t: tab before colon", "x: 'a' # c",
    ])
    func asciiKeyValueMatchesCharacters(_ line: String) {
        let ascii = VersionSketch.asciiKeyValue(Substring(line))
        let characters = VersionSketch.characterKeyValue(Substring(line))
        #expect(ascii?.0 == characters?.0 && ascii?.1 == characters?.1, "\(line)")
        #expect((ascii == nil) == (characters == nil), "\(line)")
    }

    @Test func versionIndexWorksForFlowStyleFilesToo() throws {
        let tree = MemoryTree([
            "dbt_project.yml": "name: shop\n",
            "models/x_v1.sql": "select 1\n",
            "models/x_v2.sql": "select 2\n",
            "models/y.sql": "select * from {{ ref('x') }}\n",
            "models/x.yml": "models: [{name: x, latest_version: 1, versions: [{v: 1}, {v: 2}]}]\n",
        ])
        let graph = try DbtProject.load(tree: tree).graph()
        #expect(graph.nodes["model.shop.x.v1"]?.children == ["model.shop.y"])
        #expect(graph.nodes["model.shop.x.v2"]?.children == [])
    }

    /// The entry-by-entry comparison of a changed property file (what keeps a one-entry edit of a
    /// large file cheap) names the same models as parsing both versions whole.
    @Test(arguments: [
        // (base, head, models changed at base, models changed at head)
        ("models:\n  - name: a\n  - name: b\n", "models:\n  - name: b\n  - name: a\n", [String](), [String]()),
        ("models:\n  - name: a\n    # note\n  - name: b\n", "models:\n  - name: a\n  - name: b\n", [], []),
        ("models:\n  - name: a\n  - name: b\n", "models:\n  - name: a\n    description: x\n  - name: b\n", ["a"], ["a"]),
        ("models:\n  - name: a\n", "models:\n  - name: a\n  - name: a\n", [], ["a"]),
        ("models:\n  - name: a\n  - name: b\n", "models:\n  - name: b\n", ["a"], []),
        ("models:\n  - name: a\n", "models:\n  - name: a\n  - name: c\n    columns:\n      - name: id\n", [], ["c"]),
        ("models:\n  - name: a\n    columns: [{name: id}]\n", "models:\n  - name: a\n    columns:\n      - name: id\n", [], []),
    ])
    func changedEntriesMatchWholeFileParsing(base: String, head: String, atBase: [String], atHead: [String]) throws {
        func project(_ yaml: String) throws -> DbtProject {
            try DbtProject.load(tree: MemoryTree(["dbt_project.yml": "name: shop\n", "models/a.sql": "select 1\n",
                                                  "models/schema.yml": yaml]))
        }
        let change = modified("models/schema.yml")
        let byEntry = try #require(try SemanticDiff.propertyEntriesChangedByEntry(change, base: try project(base), head: try project(head)))
        #expect(byEntry.base == Set(atBase))
        #expect(byEntry.head == Set(atHead))
        // The same question with both files parsed whole (a project that has already parsed them).
        let (wholeBase, wholeHead) = (try project(base), try project(head))
        _ = try wholeBase.propertyFile("models/schema.yml")
        _ = try wholeHead.propertyFile("models/schema.yml")
        #expect(try SemanticDiff.propertyEntriesChangedByEntry(change, base: wholeBase, head: wholeHead) == nil)
        let whole = try SemanticDiff.propertyEntriesChanged(change, base: wholeBase, head: wholeHead)
        // A side may differ (a model gaining a duplicate entry counts at head only, where the new
        // entry is written); `compare` pairs base and head names, so the union is what matters.
        #expect(whole.base.union(whole.head) == byEntry.base.union(byEntry.head))
    }
}

/// The owner lookup for downstream models skips parsing entries that say nothing of owners; it
/// must give what the full snapshot gives, wherever the owner or group is written.
@Suite struct OwnershipLookupTests {
    static let project = """
    name: shop
    models:
      shop:
        marts:
          +group: finance
          +meta:
            owner: marts@shop.test
    """

    @Test func ownershipAgreesWithTheFullSnapshot() throws {
        let tree = MemoryTree([
            "dbt_project.yml": Self.project,
            "models/plain.sql": "select 1\n",
            "models/meta_owner.sql": "select 1\n",
            "models/config_group.sql": "select 1\n",
            "models/sql_owner.sql": "{{ config(meta={'owner': 'sql@shop.test'}, group='ops') }}\nselect 1\n",
            "models/twice.sql": "select 1\n",
            "models/ver_v1.sql": "select 1\n",
            "models/ver_v2.sql": "select 1\n",
            "models/vsql_v1.sql": "select 1\n",
            "models/vsql_v2.sql": "{{ config(meta={'owner': 'v2sql@shop.test'}) }}\nselect 1\n",
            "models/vnew_v1.sql": "select 1\n",
            "models/vnew_v2.sql": "{{ config(group='ops') }}\nselect 1\n",
            "models/vdef_core.sql": "{{ config(meta={'owner': 'core@shop.test'}) }}\nselect 1\n",
            "models/marts/vfold_v3.sql": "select 1\n",
            "models/marts/folder.sql": "select 1\n",
            "models/marts/override.sql": "select 1\n",
            "models/undescribed.sql": "select 1\n",
            "models/schema.yml": """
            models:
              - name: plain
                description: nobody's
              - name: meta_owner
                meta:
                  owner: {email: ana@shop.test}
              - name: config_group
                config:
                  group: sales
              - name: twice
              - name: ver
                latest_version: 2
                versions:
                  - v: 1
                  - v: 2
                    config:
                      meta: {owner: v2@shop.test}
              - name: vsql
                latest_version: 1
                versions:
                  - v: 1
                  - v: 2
              - name: vnew
                versions:
                  - v: 1
                  - v: 2
              - name: vdef
                versions:
                  - v: 1
                    defined_in: vdef_core
            """,
            "models/other.yml": """
            models:
              - name: twice
                meta: {owner: second@shop.test}
            """,
            "models/marts/schema.yml": """
            models:
              - name: folder
              - name: override
                config:
                  meta: {owner: own@shop.test}
              - name: vfold
                versions:
                  - v: 3
            """,
        ])
        let names = ["plain", "meta_owner", "config_group", "sql_owner", "twice", "ver", "folder", "override", "undescribed", "absent",
                     "vsql", "vnew", "vdef", "vfold"]
        let fast = try DbtProject.load(tree: tree)
        let full = try DbtProject.load(tree: tree)
        try fast.prepareLookups(of: names)
        for name in names {
            let snapshot = try full.model(named: name)
            let owned = try fast.ownership(ofModel: name)
            #expect(owned?.owner == snapshot?.owner, "owner of \(name)")
            #expect(owned?.group == snapshot?.group, "group of \(name)")
        }
        // Spot checks, so that agreeing on nothing cannot pass.
        #expect(try fast.ownership(ofModel: "meta_owner")?.owner == "ana@shop.test")
        #expect(try fast.ownership(ofModel: "sql_owner")?.group == "ops")
        #expect(try fast.ownership(ofModel: "folder")?.owner == "marts@shop.test")
        #expect(try fast.ownership(ofModel: "folder")?.group == "finance")
        #expect(try fast.ownership(ofModel: "override")?.owner == "own@shop.test")
        #expect(try fast.ownership(ofModel: "ver")?.owner == "v2@shop.test")
        #expect(try fast.ownership(ofModel: "plain")?.owner == nil)
        #expect(try fast.ownership(ofModel: "absent") == nil)
        // Versioned models whose entries say nothing of owners: their latest version's file decides.
        #expect(try fast.ownership(ofModel: "vsql")?.owner == nil)
        #expect(try fast.ownership(ofModel: "vnew")?.group == "ops")
        #expect(try fast.ownership(ofModel: "vdef")?.owner == "core@shop.test")
        #expect(try fast.ownership(ofModel: "vfold")?.owner == "marts@shop.test")
        #expect(try fast.ownership(ofModel: "vfold")?.group == "finance")
        // …without building their full snapshots.
        let lean = try DbtProject.load(tree: tree)
        let versioned = ["vsql", "vnew", "vdef", "vfold"]
        try lean.prepareLookups(of: versioned)
        for name in versioned { _ = try lean.ownership(ofModel: name) }
        #expect(versioned.allSatisfy { lean.details[$0] == nil })
        _ = try lean.ownership(ofModel: "ver")   // its entry sets an owner: the full snapshot
        #expect(lean.details["ver"] != nil)
    }
}

@Suite struct ByteSearchTests {
    @Test func keysAreFoundOnlyAsMappingKeys() {
        #expect(Data("meta:\n  owner: ana\n".utf8).containsKey(anyOf: ["owner"]))
        #expect(Data("meta: {owner: ana}\n".utf8).containsKey(anyOf: ["owner"]))
        #expect(Data("\"group\" : sales\n".utf8).containsKey(anyOf: ["group"]))
        #expect(Data("config:\n  group:   x\n".utf8).containsKey(anyOf: ["owner", "group"]))
        #expect(!Data("- name: c_owner\n  description: \"c_owner (text)\"\n".utf8).containsKey(anyOf: ["owner"]))
        #expect(!Data("- name: owner_id\n".utf8).containsKey(anyOf: ["owner"]))
        #expect(!Data("description: the owner of it\n".utf8).containsKey(anyOf: ["owner"]))
        #expect(!Data("".utf8).containsKey(anyOf: ["owner"]))
    }

    /// The few-words path (first byte by `memchr`) finds what the token-hashing path finds.
    @Test func fewWordSearchAgreesWithTheTokenSearch() {
        let text = "versions:\n  - v: 1\nmy_versions: x\nversions2: y\n# versions\nexposures: [versions]\nend versions"
        let data = Data(text.utf8)
        let few = WordFinder(words: ["versions", "exposures"]).occurrences(in: data)
        // Five words force the hashing path; the extra three never occur.
        let many = WordFinder(words: ["versions", "exposures", "zz1", "zz2", "zz3"]).occurrences(in: data)
        #expect(few == many.sorted())
        #expect(few.count == 5)
    }
}
