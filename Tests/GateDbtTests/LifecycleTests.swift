import Foundation
import GateModel
import Testing
@testable import GateDbt

@Suite struct LifecycleTests {
    @Test func addedDeletedDisabledRenamedAndMovedModels() throws {
        let (base, head) = try Fixtures.projects("lifecycle")
        let result = try SemanticDiff.compare(base: base, head: head, changes: changeSet(
            added("models/m_new.sql"),
            deleted("models/m_delete.sql"),
            modified("models/m_disable.sql"),
            renamed("models/m_rename_old.sql", "models/m_rename_new.sql"),
            modified("models/a.yml"),
            added("models/b.yml")))
        #expect(result.changes.summary == [
            "m_delete:deleted", "m_disable:deleted", "m_new:added", "m_rename_new:renamed",
        ], "got \(result.changes.summary)")

        let new = try #require(result.changes[model: "m_new"])
        #expect(new.base == nil)
        #expect(new.head?.description == "A new model.")

        let gone = try #require(result.changes[model: "m_delete"])
        #expect(gone.head == nil)
        #expect(gone.base?.location.line == Fixtures.line("lifecycle", "before", "models/a.yml", containing: "- name: m_delete"))

        // Disabled: reported as deleted, with the (disabled) head kept for the rules to say so.
        let disabled = try #require(result.changes[model: "m_disable"])
        #expect(disabled.head?.enabled == false)
        #expect(disabled.base?.enabled == true)

        let rename = try #require(result.changes[model: "m_rename_new"])
        #expect(rename.base?.name == "m_rename_old")
        #expect(rename.base?.relation.identifier == "m_rename_old")
        #expect(rename.head?.relation.identifier == "m_rename_new")
        #expect(rename.columnChanges.isEmpty)

        // m_move's entry moved from a.yml to b.yml: nothing about the model changed.
        #expect(result.changes[model: "m_move"] == nil)
        #expect(try head.model(named: "m_move")?.patchPath == "models/b.yml")
        #expect(try head.model(named: "m_move")?.column(named: "id")?.constraintKinds == [.notNull])
    }

    @Test func affectedModelsPerSide() throws {
        let (base, head) = try Fixtures.projects("lifecycle")
        let changes = [renamed("models/m_rename_old.sql", "models/m_rename_new.sql"), modified("models/a.yml")]
        #expect(try base.models(affectedBy: changes, side: .base) == ["m_rename_old", "m_keep", "m_move", "m_delete"])
        #expect(try head.models(affectedBy: changes, side: .head) == ["m_rename_new", "m_keep", "m_new"])
        #expect(head.isModelFile("models/m_new.sql"))
        #expect(!head.isModelFile("macros/m.sql"))
        #expect(head.isPropertyFile("models/b.yml"))
        #expect(!head.isPropertyFile("dbt_project.yml"))
    }
}

@Suite struct PythonAndFolderConfigTests {
    static let project = """
    name: shop
    models:
      shop:
        legacy:
          +enabled: false
    """

    @Test func pythonModelsAndFolderDisabling() throws {
        let python = """
        def model(dbt, session):
            dbt.config(materialized="table", alias="py_scores")
            events = dbt.ref("events")
            return events
        """
        let base = try DbtProject.load(tree: MemoryTree([
            "dbt_project.yml": "name: shop\n",
            "models/events.sql": "select 1 as id\n",
            "models/scores.py": python,
            "models/legacy/old_report.sql": "select * from {{ ref('events') }}\n",
        ]))
        let head = try DbtProject.load(tree: MemoryTree([
            "dbt_project.yml": Self.project,
            "models/events.sql": "select 1 as id\n",
            "models/scores.py": python,
            "models/legacy/old_report.sql": "select * from {{ ref('events') }}\n",
        ]))
        let scores = try #require(try head.model(named: "scores"))
        #expect(scores.materialized == "table")
        #expect(scores.relation.identifier == "py_scores")
        #expect(scores.refs == ["events"])
        #expect(head.isModelFile("models/scores.py"))

        // Disabling a folder in dbt_project.yml disables its models: reported as deleted.
        let result = try SemanticDiff.compare(base: base, head: head, changes: changeSet(modified("dbt_project.yml")))
        #expect(result.changes.summary == ["old_report:deleted"])
        #expect(result.changes[model: "old_report"]?.head?.enabled == false)
    }
}
