# Thin wrapper around CMake. A newcomer needs two commands:
#   make demo   install what is missing, build, run the demo
#   make test   the same set-up, then the whole test suite (plain and ASan+UBSan)
BUILD      ?= build
SAN_BUILD  ?= build-san
FUZZ_BUILD ?= build-fuzz
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
FUZZ_SECONDS ?= 60
# CI=true turns warnings into errors.
WERROR     := $(if $(filter true,$(CI)),ON,OFF)
CTEST      := ctest --output-on-failure -j$(JOBS)

.PHONY: all deps build build-san demo demo-wire test test-plain test-san bench fuzz check-long \
	clean

all: build

deps:
	@tools/setup-deps.sh build test

build: deps
	cmake -S . -B $(BUILD) -DCHORUS_WERROR=$(WERROR)
	cmake --build $(BUILD) -j$(JOBS)

build-san: deps
	cmake -S . -B $(SAN_BUILD) -DCHORUS_WERROR=$(WERROR) -DCHORUS_SANITIZE=ON \
		-DCMAKE_BUILD_TYPE=Debug
	cmake --build $(SAN_BUILD) -j$(JOBS)

# A small overlay of real chorusd processes on loopback, its ring, lookups,
# crashes healed, a clean stop.
demo: build
	sh tools/demo.sh $(BUILD)

# Every RELOAD message type encoded, decoded and printed.
demo-wire: build
	./$(BUILD)/tools/chorus-wire demo

test: test-plain test-san

test-plain: build
	cd $(BUILD) && $(CTEST)

test-san: build-san
	cd $(SAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 $(CTEST)

bench: build
	@while read -r b; do $$b || exit 1; done <$(BUILD)/bench-commands

# Runs every libFuzzer target for FUZZ_SECONDS on a copy of its corpus
# (FUZZ_MERGE=1: then merges what adds coverage into tests/fuzz/corpus).
fuzz:
	@tools/setup-deps.sh build fuzz
	CC=clang cmake -S . -B $(FUZZ_BUILD) -DCHORUS_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo
	cmake --build $(FUZZ_BUILD) -j$(JOBS)
	tools/run-fuzz.sh $(FUZZ_BUILD) tests/fuzz/corpus $(FUZZ_SECONDS)

# Long soak, scale and fuzz runs: the 10,000-node simulation, fuzzing.
check-long: test
	./$(BUILD)/tools/chorus-sim --nodes 10000 --lookups 20000 --churn pareto --churn-time 600
	$(MAKE) fuzz

clean:
	rm -rf $(BUILD) $(SAN_BUILD) $(FUZZ_BUILD)
