#!/usr/bin/env bash
# Sets up a Debian 12 machine (as root), builds Mirador optimised, and runs the sensor on the
# bundled demo capture: one JSON line per HTTP transaction on stdout, statistics on stderr.
set -euo pipefail
cd "$(dirname "$0")/.."

./tools/setup.sh
if [ ! -f build-release/build.ninja ]; then
  meson setup build-release --buildtype=release -Dtests=false >/dev/null
fi
ninja -C build-release sensor/mirador >/dev/null
./build-release/sensor/mirador -r tests/data/demo/api_demo.pcap --no-progress "$@"
