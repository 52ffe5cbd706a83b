"""`python -m contract_gate ARGS`: runs the installed contract-gate binary with ARGS."""

import os
import sys

from contract_gate import find_binary


def main() -> None:
    binary = find_binary()
    os.execv(binary, [binary, *sys.argv[1:]])


if __name__ == "__main__":
    main()
