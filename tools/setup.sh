#!/usr/bin/env bash
# Installs every Debian 12 package Mirador's build, tests and benchmarks need.
# Idempotent; run as root. Skips apt entirely when everything is already present.
set -euo pipefail

# Only what today's code, tests and benchmarks use; each later capability adds its own
# (Hyperscan, gRPC, librdkafka, nghttp2, simdjson, DPDK).
PACKAGES=(
  # build
  meson ninja-build pkg-config g++ git clang-format-14
  # libraries
  libpcap-dev zlib1g-dev libbrotli-dev libyaml-cpp-dev libcli11-dev catch2 libssl-dev
  libhyperscan-dev libsimdjson-dev
  libnghttp2-dev  # HTTP/2: nghttp2's HPACK (decoders/http2, mirador-gen --http2)
  libprotobuf-dev protobuf-compiler libgrpc++-dev protobuf-compiler-grpc librdkafka-dev openssl
  # least privilege (sensor/security): the privilege drop (libcap-ng), the seccomp allowlist
  # (libseccomp); strace re-surveys the allowlist (tools/seccomp_syscalls.sh)
  libcap-ng-dev libseccomp-dev strace
  # DPDK capture (sensor/capture/dpdk_port, option `dpdk` finds it): the library, dpdk-testpmd,
  # and the vdev PMDs the tests and NIC-less hosts use (net_pcap reads files, net_af_packet reads
  # an interface; loaded from pmds-23.0 at EAL init)
  dpdk-dev libdpdk-dev librte-net-pcap23 librte-net-af-packet23
  # tests: real peers, captures and cross-checks
  tcpdump tshark iproute2 curl nginx-light libnginx-mod-http-echo python3 procps
  # detection quality: a real API and real attack tools (tools/detection_quality.sh)
  python3-flask sqlmap wfuzz
  python3-jsonschema  # the OpenAPI export's schema check (tests/e2e/openapi_valid.py)
  # abuse scenario captures (tools/make_scenario_captures.sh; CI reads the committed captures
  # and needs none of these): forced browsing, login brute force, a flood, the API's real JWTs
  ffuf hydra apache2-utils python3-jwt
  # HTTP/2 and gRPC captures (tools/make_h2_captures.sh; CI reads the committed captures)
  nghttp2-client nghttp2-server nghttp2-proxy python3-grpcio
  # evasion captures (tools/make_evasion_captures.py writes crafted pcaps offline, no traffic)
  python3-scapy
  # fuzzing (tools/fuzz.sh): clang-14 and its libFuzzer / sanitizer runtimes
  clang-14 libclang-rt-14-dev
  # benchmark only: nDPI's ndpiReader, a peer tools/bench/peers.sh compares the sensor with
  libndpi-bin
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#PACKAGES[@]} packages present"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "setup: missing packages (${missing[*]}); run as root" >&2
  exit 1
fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer no without a prompt.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "setup: done"
