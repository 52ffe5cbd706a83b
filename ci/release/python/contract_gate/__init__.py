"""contract-gate packaged as a wheel: the native binary is installed into the environment's
scripts folder (bin/ of a virtualenv), so `contract-gate` is on PATH once the venv is active.
`python -m contract_gate ARGS` runs the same binary."""

import os
import sys
import sysconfig


def find_binary() -> str:
    """The contract-gate executable this package installed (the scripts folder of the scheme
    pip used: the environment's, or the user's for `pip install --user`)."""
    name = "contract-gate"
    candidates = [os.path.join(sysconfig.get_path("scripts"), name)]
    user_scheme = f"{os.name}_user"
    if user_scheme in sysconfig.get_scheme_names():
        candidates.append(os.path.join(sysconfig.get_path("scripts", scheme=user_scheme), name))
    # Beside the interpreter (a venv run without activating it).
    candidates.append(os.path.join(os.path.dirname(sys.executable), name))
    for path in candidates:
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    raise FileNotFoundError("contract-gate is not installed next to this Python (looked in: " + ", ".join(candidates) + ")")
