# SPDX-License-Identifier: GPL-2.0-only
# Thin wrapper over CMake: the README commands and the builds they need.
#   make run      install what running needs, build the CLI only, run the default TD lifecycle
#   make check    install what testing needs, build everything, run the whole suite
#   make install  the CLI, the libraries, the headers, tdpmmu.pc and tdpmmu(1)
#                 under $(DESTDIR)$(PREFIX)
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
PREFIX ?= /usr/local
DESTDIR ?=
export JOBS

.PHONY: all deps deps-run build cli run check install bench plots clean format

all: build

deps-run:
	@sh scripts/deps.sh run

deps:
	@sh scripts/deps.sh check

# Everything: libraries, CLI, tests, layer check, man page.
build: deps-run
	@sh scripts/quiet-build.sh build build/build.log

# The CLI alone (what `make run` needs).
cli: deps-run
	@sh scripts/quiet-build.sh build build/build.log tdpmmu

run: cli
	./build/tdpmmu run

check: deps
	@sh scripts/check.sh

install: build
	@DESTDIR="$(DESTDIR)" cmake --install build --prefix "$(PREFIX)"

bench: cli
	./build/tdpmmu bench --quick

# Every benchmark drawn (cairo): docs/bench-NAME*.svg, from a --quick run.
plots: build
	./build/tdpmmu bench --quick --plot docs

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build build-asan build-tsan build-fuzz
