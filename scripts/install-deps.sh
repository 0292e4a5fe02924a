#!/usr/bin/env bash
# Installs the Debian packages pjbit builds and tests with, when any is missing. Debian 12 (bookworm).
# With --fuzz, also clang and its libFuzzer runtime for the fuzz targets (`make fuzz`; `make test` needs neither).
set -euo pipefail

packages=(
  g++ cmake make pkg-config ca-certificates
  libsystemc-dev libyaml-cpp-dev nlohmann-json3-dev libfmt-dev libcli11-dev
  libprotobuf-dev protobuf-compiler  # Chakra execution traces (workloads/chakra/)
  libgtest-dev libbenchmark-dev python3
  libjemalloc-dev  # the program's heap allocator (PJBIT_ALLOCATOR, docs/performance.md)
  python3-jsonschema  # the tests check reports against docs/report.schema.json
  chromium  # the tests render the HTML report in it (scripts/check-html.sh)
  verilator  # the RTL co-simulation (rtl/, docs/rtl-cosim.md) and its tests (ctest -L rtl)
)
if [ "${1:-}" = "--fuzz" ]; then
  # clang++-14 and -fsanitize=fuzzer: libclang-rt-14-dev holds libclang_rt.fuzzer and the sanitizer runtimes,
  # which clang-14 only recommends.
  packages+=(clang-14 libclang-rt-14-dev)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "installing: ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "error: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
