# Hormiga — the two commands a newcomer needs:
#   make run    set up, build and start Hormiga (the desktop application)
#   make check  set up, build and pass the whole test suite (plain, then ASan+UBSan)

BUILD      ?= build
BUILD_SAN  ?= build-asan
BUILD_FUZZ ?= build-fuzz
WERROR     ?= 0
MESON_OPTS ?=
FUZZ_SECONDS ?= 60

ifeq ($(WERROR),1)
  MESON_OPTS += -Dwerror=true
endif

.PHONY: all deps build run demo check test test-asan bench fuzz clean

all: build

deps:
	@./build-aux/install-deps.sh

$(BUILD)/build.ninja:
	meson setup $(BUILD) --buildtype=debugoptimized $(MESON_OPTS)

build: deps $(BUILD)/build.ninja
	meson compile -C $(BUILD)

# The desktop application, from the build tree: its settings schema and
# translations are read from there. It joins the hormiguero in its settings
# (ws://127.0.0.1:8710/ws by default) or, if none answers, a built-in one.
run: build
	@if [ -x $(BUILD)/src/app/hormiga ]; then \
	  echo "GSETTINGS_SCHEMA_DIR=$(BUILD)/data $(BUILD)/src/app/hormiga"; \
	  GSETTINGS_SCHEMA_DIR=$(BUILD)/data HORMIGA_LOCALEDIR=$(abspath $(BUILD))/po $(BUILD)/src/app/hormiga; \
	else \
	  echo "The GTK application is not built (no GTK 4 or libadwaita): starting hormiguero"; \
	  $(BUILD)/src/server/hormiguero --listen 127.0.0.1:8710; \
	fi

# A living network on this machine: a hormiguero on a free loopback port,
# DEMO_NODES headless nodes (each in its own directory under a temporary
# one, named "Hormiga N", each told to look up the next, so that they
# connect), then the
# application joined to them. Everything stops when the application exits.
DEMO_NODES ?= 5

demo: build
	@set -e; \
	dir=$$(mktemp -d "$${TMPDIR:-/tmp}/hormiga-demo.XXXXXX"); \
	pids=""; \
	cleanup () { \
	  for pid in $$pids; do kill $$pid 2>/dev/null || true; done; \
	  wait 2>/dev/null || true; \
	  rm -rf "$$dir"; \
	}; \
	trap cleanup EXIT; \
	trap 'exit 130' INT TERM; \
	$(BUILD)/src/server/hormiguero --listen 127.0.0.1:0 > "$$dir/hormiguero.log" 2>&1 & \
	pids="$$pids $$!"; \
	url=""; \
	for i in $$(seq 50); do \
	  url=$$(sed -n 's/^hormiguero listening on //p' "$$dir/hormiguero.log"); \
	  [ -n "$$url" ] && break; sleep 0.1; \
	done; \
	[ -n "$$url" ] || { cat "$$dir/hormiguero.log"; echo "hormiguero did not start"; exit 1; }; \
	echo "hormiguero: $$url (logs in $$dir)"; \
	for i in $$(seq $(DEMO_NODES)); do \
	  mkdir -p "$$dir/node$$i"; \
	  $(BUILD)/src/cli/hormiga-node --data-dir "$$dir/node$$i" id > "$$dir/node$$i/id"; \
	  mkfifo "$$dir/node$$i/stdin"; \
	  $(BUILD)/src/cli/hormiga-node --data-dir "$$dir/node$$i" --server "$$url" \
	    --ice-address 127.0.0.1 --name "Hormiga $$i" run < "$$dir/node$$i/stdin" \
	    > "$$dir/node$$i/log" 2>&1 & \
	  pids="$$pids $$!"; \
	  sleep 1000000 > "$$dir/node$$i/stdin" & \
	  pids="$$pids $$!"; \
	  echo "node $$i: $$(cat "$$dir/node$$i/id")"; \
	done; \
	sleep 2; \
	for i in $$(seq $(DEMO_NODES)); do \
	  next=$$(( i % $(DEMO_NODES) + 1 )); \
	  echo "find $$(cat "$$dir/node$$next/id")" > "$$dir/node$$i/stdin"; \
	done; \
	sleep 1; \
	echo "hormiga --server $$url"; \
	GSETTINGS_SCHEMA_DIR=$(BUILD)/data HORMIGA_LOCALEDIR=$(abspath $(BUILD))/po \
	  HORMIGA_DATA_DIR="$$dir/app" $(BUILD)/src/app/hormiga --server "$$url" \
	  --ice-address 127.0.0.1 || true

test: build
	meson test -C $(BUILD) --print-errorlogs --num-processes 2

$(BUILD_SAN)/build.ninja:
	meson setup $(BUILD_SAN) --buildtype=debug -Db_sanitize=address,undefined -Db_lundef=false $(MESON_OPTS)

test-asan: deps $(BUILD_SAN)/build.ninja
	meson compile -C $(BUILD_SAN)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:fast_unwind_on_malloc=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  meson test -C $(BUILD_SAN) --print-errorlogs --num-processes 2 --timeout-multiplier 3

check: test test-asan

bench: build
	$(BUILD)/bench/hormiga-bench signaling
	$(BUILD)/bench/hormiga-bench datachannel
	$(BUILD)/bench/hormiga-bench dht
	$(BUILD)/bench/hormiga-bench transfer
	$(BUILD)/bench/hormiga-bench contingency
	$(BUILD)/bench/hormiga-bench ui

$(BUILD_FUZZ)/build.ninja:
	CC=clang meson setup $(BUILD_FUZZ) --buildtype=debugoptimized -Dfuzzing=true -Dapp=disabled

fuzz: deps $(BUILD_FUZZ)/build.ninja
	meson compile -C $(BUILD_FUZZ)
	./build-aux/run-fuzzers.sh $(BUILD_FUZZ) $(FUZZ_SECONDS)

clean:
	rm -rf $(BUILD) $(BUILD_SAN) $(BUILD_FUZZ)
