import Foundation
import Testing
@testable import DbtFiles
@testable import GateDbt

/// The source-columns sketch reads what the YAML parser reads from every plain shape, and declines
/// (the parser then reads the file) on every shape it does not follow.
@Suite struct SourceColumnsSketchTests {
    static let plainShapes: [String] = [
        // The usual shape, with other sections, comments, quoting and descriptions around it.
        """
        version: 2

        models:
          - name: stg_orders
            description: "sources: - name: not_a_source"
        sources:
          - name: raw   # the loader's schema
            schema: raw
            description: >
              Folded text with
              - name: looks_like_an_item
            tables:
              - name: orders
                description: 'it''s quoted'
                columns:
                  - name: id
                    description: "a \\"quoted\\" word: yes"
                    data_tests: [unique, not_null]
                  - name: "status"
                  - name: 'amount'
                    meta: {pii: false}
              - name: customers
                loaded_at_field: _etl
              - name: payments
                columns:
        """,
        // Indentless lists, a document start, CRLF line ends, a null name, numbers as names.
        "---\r\nsources:\r\n- name: erp\r\n  tables:\r\n    - name: t1\r\n      columns:\r\n        - name: 2024\r\n        - name: ~\r\n        - name: c\r\n    - name: null\r\n- name: erp2\r\n  tables:\r\n  - name: t\r\n",
        // Keys in any order, the name last; a later entry of the same table wins.
        """
        sources:
          - tables:
              - columns:
                  - name: a
                name: t
            name: s
          - name: s
            tables:
              - name: t
                columns:
                  - name: b
        """,
        // A source without tables, an empty sources list, other top-level keys after it.
        "sources:\n  - name: only\n    schema: x\nexposures:\n  - name: e\n",
        "sources:\nmodels: []\n",
        // Lists at their key's own column, at every level.
        "models:\n- name: m\n  columns:\n  - name: c\nsources:\n- name: raw\n  tables:\n  - name: t\n    columns:\n    - name: a\n    - name: b\n  - name: u\n  loader: x\n",
        "version: 2\nmodels:\n  - name: m\n",
        // Text beyond ASCII in names, values and comments (the sketch reads bytes).
        """
        sources:
          - name: "ventes_é"   # commentaire: oui
            description: "Les données — «brutes»: #1"
            tables:
              - name: commandes
                columns:
                  - name: montant_€
                  - name: 'prix'  # un prix
                  - name: größe#2
        """,
    ]

    static let declinedShapes: [String] = [
        "sources:\n  - &s\n    name: raw\n",
        "sources:\n  - name: raw\n    tables: *t\n",
        "sources: [{name: raw}]\n",
        "sources:\n  - name: raw\n    tables:\n      - name: t\n        columns: [{name: a}]\n",
        "sources:\n\t- name: raw\n",
        "sources:\n  - name: \"multi\n      line\"\n",
        "sources:\n  - name: raw\n      continued\n",
        "sources:\n  - name: raw\n    name: again\n",
        "sources:\n  - name: !!str raw\n",
        "sources:\n  - name: |\n      raw\n",
        "sources:\n  - name: x\n---\nsources:\n  - name: y\n",
    ]

    @Test(arguments: plainShapes)
    func readsWhatTheParserReads(_ yaml: String) throws {
        let sketch = try #require(SourceColumnsSketch.read(yaml), "declined:\n\(yaml)")
        #expect(sketch == DbtProject.parsedSourceColumns(yaml, path: "models/sources.yml"))
    }

    @Test func theUsualShapeInFull() throws {
        let read = try #require(SourceColumnsSketch.read(Self.plainShapes[0]))
        #expect(read == ["raw.orders": ["id", "status", "amount"], "raw.customers": [], "raw.payments": []])
        let second = try #require(SourceColumnsSketch.read(Self.plainShapes[1]))
        #expect(second == ["erp.t1": ["2024", "c"], "erp2.t": []])
        #expect(SourceColumnsSketch.read(Self.plainShapes[2]) == ["s.t": ["b"]])
        #expect(SourceColumnsSketch.read(Self.plainShapes[5]) == ["raw.t": ["a", "b"], "raw.u": []])
        #expect(SourceColumnsSketch.read(Self.plainShapes[7]) == ["ventes_é.commandes": ["montant_€", "prix", "größe#2"]])
    }

    /// A key written twice inside a mapping the sketch does not read: PyYAML (so dbt) keeps the
    /// last; the sketch reads the sources as dbt does, and so does the parser's reading, which
    /// keeps the last too. (On the oracle's 177 source files the sketch read 156, every one as
    /// PyYAML reads it.)
    @Test func aDuplicateKeyElsewhereDoesNotHideTheSources() {
        let yaml = "sources:\n  - name: raw\n    external:\n      location: a\n      location: b\n    tables:\n      - name: t\n        columns:\n          - name: id\n"
        #expect(SourceColumnsSketch.read(yaml) == ["raw.t": ["id"]])
        #expect(DbtProject.parsedSourceColumns(yaml, path: "models/sources.yml") == ["raw.t": ["id"]])
    }

    @Test(arguments: declinedShapes)
    func declinesWhatItDoesNotFollow(_ yaml: String) {
        #expect(SourceColumnsSketch.read(yaml) == nil, "read:\n\(yaml)")
    }
}
