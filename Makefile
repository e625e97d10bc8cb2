# Thin wrapper around CMake. The two commands a new machine needs:
#   make scan [TARGET=/path]   set up, build, scan TARGET with the bundled database
#   make test                  set up, build, run the whole ctest suite
BUILD ?= build
ASAN_BUILD ?= build-asan
RELEASE_BUILD ?= build-release
TARGET ?= /usr/bin
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=
ifeq ($(CI),true)
CMAKE_FLAGS += -DVG_WERROR=ON
endif

.PHONY: all deps test-deps build build-asan build-release scan test test-fast test-asan fuzz bench clean

all: build

deps:
	@scripts/setup-deps.sh build

test-deps:
	@scripts/setup-deps.sh test

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS)

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

$(ASAN_BUILD)/CMakeCache.txt:
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DVG_SANITIZE=ON $(CMAKE_FLAGS)

build-asan: deps $(ASAN_BUILD)/CMakeCache.txt
	cmake --build $(ASAN_BUILD) -j $(JOBS)

# What a package ships: optimised, without the test-only hooks.
$(RELEASE_BUILD)/CMakeCache.txt:
	cmake -S . -B $(RELEASE_BUILD) -DCMAKE_BUILD_TYPE=Release -DVG_TESTING_HOOKS=OFF $(CMAKE_FLAGS)

build-release: deps $(RELEASE_BUILD)/CMakeCache.txt
	cmake --build $(RELEASE_BUILD) -j $(JOBS)

scan: build
	$(BUILD)/vigil scan -r $(TARGET); rc=$$?; [ $$rc -le 1 ] || exit $$rc

# The whole suite, then again under ASan+UBSan (the label "slow" holds the
# cases that would only re-measure the same code more slowly).
test: test-deps build build-asan
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -LE 'fuzz-long|bench'
	cd $(ASAN_BUILD) && ctest --output-on-failure -j $(JOBS) -LE 'fuzz-long|bench|no-asan'

test-fast: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -LE 'fuzz-long|bench|slow'

fuzz:
	CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVG_FUZZ=ON
	cmake --build build-fuzz -j $(JOBS)

bench: build
	bench/run.sh

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(RELEASE_BUILD) build-fuzz
