// The GateGit module; see DESIGN.md §8 for what lives here.
