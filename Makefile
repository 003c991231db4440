# Lars in Rust — build, test and run.
#   make all    release binaries into bin/, and `make cpp`
#   make cpp    liblars (C ABI) into bin/lib/, the C++ example tools into bin/cpp/
#   make test   every test of the workspace (starts MariaDB and installs
#               Chromium for the web console's browser test if needed), then
#               the loom models of the shared-memory protocol (target/loom),
#               the Python client's tests in a venv (target/venv)
#   make run    the whole stack on the embedded SQLite store, with a demo
#               and the web console (lars-web) while it runs
#   make bench  the QPS and micro benchmarks (scripts/bench-agent.sh: agent QPS)
#   make lint   clippy, and the crate layering and rust-version checks
#   make fuzz   the fuzz targets (tests/fuzz) with a million cases each

CARGO ?= cargo
PYTHON ?= python3
VENV := target/venv
BINS := lars-dns lars-reporter lars-agent lars lars-web

.PHONY: all build cpp test test-loom test-python lint fmt bench fuzz run clean

all: build cpp
	@mkdir -p bin
	@for b in $(BINS); do \
	  if [ -f target/release/$$b ]; then cp target/release/$$b bin/; fi; \
	done
	@ls bin

build:
	$(CARGO) build --release --workspace

# liblars.a / liblars.so (header: api/capi/include/lars.h, C++ wrapper:
# api/cpp/lars_client.hpp) and the C++ tools, linked with liblars.a.
cpp:
	$(CARGO) build --release -p lars-capi
	@mkdir -p bin/lib
	cp target/release/liblars.a target/release/liblars.so bin/lib/
	$(MAKE) -C api/cpp/example LIBDIR=$(CURDIR)/target/release OUT=$(CURDIR)/bin/cpp

test:
	./scripts/ensure-mariadb.sh
	./scripts/ensure-chromium.sh
	$(CARGO) build --workspace --bins
	$(CARGO) test --workspace
	$(MAKE) test-loom
	$(MAKE) test-python

# The shared-memory fast path's seqlock, report ring and pick counters,
# model-checked by loom (every interleaving), in their own target dir.
test-loom:
	RUSTFLAGS="--cfg loom" CARGO_TARGET_DIR=target/loom $(CARGO) test -p lars-shm --release --test loom

# api/python against the daemons of target/debug (built by `make test`).
test-python:
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q -e 'api/python[test]'
	cd api/python && timeout 600 $(CURDIR)/$(VENV)/bin/python -m pytest

lint:
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	./scripts/check-layers.sh

fmt:
	$(CARGO) fmt --all

bench:
	./scripts/ensure-mariadb.sh
	$(CARGO) bench --workspace

# The frame decoder and the daemons' handlers on random input: 1000000
# cases per target (CI runs 50000 each in `make test`).
fuzz:
	LARS_FUZZ_CASES=1000000 $(CARGO) test --release -p lars-fuzz -- --nocapture

run: all
	./scripts/demo.sh

clean:
	$(CARGO) clean
	rm -rf bin data
