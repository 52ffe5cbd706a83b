#!/usr/bin/env bash
# The README's test command: set up a fresh machine, build everything and run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash ci/setup.sh
# libcurl (URLSession on Linux) honours http_proxy even for loopback; tests talk to 127.0.0.1 only.
export no_proxy="127.0.0.1,localhost${no_proxy:+,$no_proxy}"
export NO_PROXY="$no_proxy"
swift build --build-tests
# One test at a time: many tests wait synchronously for a child process on a Swift concurrency
# thread, and in-process emulators answer on those same threads; run side by side on 2 cores,
# such waits starve the emulators and turn correct code into timeouts.
swift test --skip-build --no-parallel "$@"
