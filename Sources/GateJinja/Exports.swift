// The evaluator's API is written in the syntax module's types: `JinjaEnvironment.render` takes a
// parsed `JinjaTemplate`, and lexing, parsing and rendering all throw `JinjaError`. A caller of the
// evaluator (GateDbt) needs them too, so one `import GateJinja` brings both.
@_exported import GateJinjaSyntax
