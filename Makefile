# Sluice's two commands. Everything else is CMake + ctest underneath.
#   make run   installs what is missing, builds, starts Kafka, Redis and every
#              service with a demo pipeline; Ctrl-C stops everything.
#   make test  installs, builds, starts its own Kafka and Redis, runs every test
#              (plus the unit tests under ASan/UBSan and the fuzz targets for a
#              bounded time), stops them, exits non-zero on any failure.
# Knobs: JOBS (parallel build jobs), FUZZ_SECONDS (per fuzz target).

JOBS ?= 2
FUZZ_SECONDS ?= 20
BUILD ?= build
CMAKE_FLAGS ?=

.PHONY: run test deps build build-asan test-unit test-asan test-fuzz clean

deps:
	./scripts/install-deps.sh
	./scripts/kafka.sh fetch
	./scripts/event-ruler.sh fetch

build: deps
	cmake -S . -B $(BUILD) -G Ninja -DSLUICE_WERROR=ON $(CMAKE_FLAGS)
	cmake --build $(BUILD) -j $(JOBS)

run: build
	./scripts/run.sh $(BUILD)

test: build
	ctest --test-dir $(BUILD) --output-on-failure --timeout 900
	$(MAKE) --no-print-directory test-asan
	$(MAKE) --no-print-directory test-fuzz

test-asan:
	cmake -S . -B build-asan -G Ninja -DSLUICE_WERROR=ON -DSLUICE_SANITIZE=ON -DSLUICE_INTEGRATION=OFF
	cmake --build build-asan -j $(JOBS)
	ctest --test-dir build-asan -L unit --output-on-failure

test-fuzz:
	./scripts/run-fuzz.sh build-fuzz $(FUZZ_SECONDS)

clean:
	rm -rf build build-asan build-fuzz
