# SPDX-License-Identifier: GPL-2.0-only
# Thin wrapper: the two README commands and the builds they need.
#   make run    build and run the default TD lifecycle (tdpmmu run)
#   make check  build and run the whole test suite (plain, ASan+UBSan, TSan)
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: all deps build run check check-plain check-asan check-tsan bench plots clean format

all: build

deps:
	@sh scripts/deps.sh

build: deps
	@cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build build -j$(JOBS)

run: build
	./build/tdpmmu run

check: deps
	@sh scripts/check.sh

bench: build
	./build/tdpmmu bench --quick

# Every benchmark drawn (cairo): docs/bench-NAME*.svg, from a --quick run.
plots: build
	./build/tdpmmu bench --quick --plot docs

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build build-asan build-tsan build-fuzz
