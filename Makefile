# pjbit: `make run` builds and runs the headline demo; `make test` builds and runs every test; `make golden`
# regenerates the golden reports the tests compare the program with.
# All three install any missing Debian packages first (scripts/install-deps.sh).
BUILD ?= build
JOBS ?= 2
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=Release -DPJBIT_WERROR=ON

.PHONY: all deps configure build run test golden bench asan fuzz format clean

all: build

deps:
	@scripts/install-deps.sh

configure: deps
	@cmake -S . -B $(BUILD) $(CMAKE_FLAGS) >/dev/null

build: configure
	@cmake --build $(BUILD) -j$(JOBS)

# The demo needs the program alone: the tests and benchmarks are built by `make test` and `make bench`.
run: configure
	@cmake --build $(BUILD) -j$(JOBS) --target pjbit_cli
	@scripts/demo.sh $(BUILD)/pjbit

test: build
	@ctest --test-dir $(BUILD) --output-on-failure -j$(JOBS)

# Regenerates the golden reports (tests/golden/reports/) with the program as built: after a change that is
# meant to change results, run it and review `git diff tests/golden/reports`.
golden: configure
	@cmake --build $(BUILD) -j$(JOBS) --target pjbit_cli
	@JOBS=$(JOBS) scripts/golden.sh $(BUILD)/pjbit

# Unit, module and analytic tests under AddressSanitizer and UndefinedBehaviorSanitizer.
asan: deps
	@cmake --preset asan >/dev/null
	@cmake --build --preset asan -j$(JOBS)
	@ctest --preset asan

# The libFuzzer targets (clang, with address and undefined-behaviour sanitizers; docs/testing.md), each run for
# FUZZ_SECONDS; fails when any finds an input that crashes it. Findings go to build-fuzz/fuzz/findings/.
FUZZ_SECONDS ?= 60
fuzz:
	@scripts/install-deps.sh --fuzz
	@cmake --preset fuzz >/dev/null
	@cmake --build --preset fuzz -j$(JOBS)
	@FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_JOBS=$(JOBS) scripts/fuzz.sh build-fuzz

bench: configure
	@cmake --build $(BUILD) -j$(JOBS) --target packet_bench scale_bench
	@$(BUILD)/bench/packet_bench
	@$(BUILD)/bench/scale_bench

format:
	@git ls-files '*.h' '*.cpp' | xargs clang-format -i

clean:
	@rm -rf $(BUILD) build-*
