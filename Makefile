# Shequ build: plain GNU make + pkg-config.
#   make            release build of build/release/shequ
#   make demo       install what is missing, build, create demo.db, serve on 127.0.0.1:8080
#   make test       sanitizer build, unit tests, API tests; ends with "N passed, N failed"
#   make test-pg    the API tests against a PostgreSQL the script starts in a temporary directory
#   make bench      speed figures beside their references, written to docs/BENCHMARKS.md
#   make soak       30 minutes of mixed load at 70 % of capacity: no 5xx, flat memory, stable p99 (mk/soak.mk)
#   make cluster-demo  two servers on one private PostgreSQL behind haproxy on 127.0.0.1:8080 (mk/cluster.mk)

PKGS      := libmicrohttpd jansson sqlite3 libpq libsodium xlsxwriter libzip expat libqrencode
CC        ?= cc
CSTD      := -std=gnu17
WARN      := -Wall -Wextra -Werror -Wno-unused-parameter -Wno-missing-field-initializers -Wno-format-truncation -Wshadow -Wstrict-prototypes
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lcsv -lpthread -lm

MODE ?= release
ifeq ($(MODE),asan)
  OPT := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
  LDOPT := -fsanitize=address,undefined
else
  OPT := -O2 -g -fno-omit-frame-pointer
  LDOPT :=
endif

B        := build/$(MODE)
CFLAGS   := $(CSTD) $(WARN) $(OPT) -Isrc -I$(B)/gen $(PKG_CFLAGS) -D_GNU_SOURCE
LDFLAGS  := $(LDOPT)

APP_SRC      := $(filter-out src/main.c,$(wildcard src/*.c))
DISPATCH_SRC := $(wildcard src/dispatch/*.c)
GEN_SRC      := $(B)/gen/gbt2260_codes.c $(B)/gen/divisions.c $(B)/gen/migrations.c
APP_OBJ      := $(APP_SRC:src/%.c=$(B)/obj/%.o) $(GEN_SRC:$(B)/gen/%.c=$(B)/obj/gen/%.o)
DISPATCH_OBJ := $(DISPATCH_SRC:src/dispatch/%.c=$(B)/obj/dispatch/%.o)
UNIT_SRC     := $(wildcard tests/unit/test_*.c)
UNIT_BIN     := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)

.PHONY: all build web demo test test-pg test-unit test-api bench clean deps

all: build
build: $(B)/shequ web

# The console: .vue components compiled to ES modules, libraries copied from node_modules
# (scripts/build-web.mjs); served from build/web by `shequ serve`.
WEB_SRC := $(shell find web -type f 2>/dev/null)
web: build/web/.built
build/web/.built: $(WEB_SRC) scripts/build-web.mjs package-lock.json
	@node scripts/build-web.mjs web build/web && touch $@

deps:
	@bash scripts/deps.sh

$(B)/shequ: $(B)/obj/main.o $(B)/libshequ.a $(B)/libdispatch.a
	@echo "  LD      $@"; $(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(B)/libshequ.a: $(APP_OBJ)
	@rm -f $@; ar rcs $@ $^

$(B)/libdispatch.a: $(DISPATCH_OBJ)
	@rm -f $@; ar rcs $@ $^ $(if $(DISPATCH_OBJ),,)

$(B)/obj/%.o: src/%.c $(wildcard src/*.h) | $(GEN_SRC)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"; $(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

$(B)/obj/dispatch/%.o: src/dispatch/%.c $(wildcard src/dispatch/*.h)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"; $(CC) $(CFLAGS) -c -o $@ $<

$(B)/obj/gen/%.o: $(B)/gen/%.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"; $(CC) $(CFLAGS) -c -o $@ $<

# Reference data compiled into the binary, so a deployed shequ needs no data files.
$(B)/gen/gbt2260_codes.c: data/gbt2260-all-codes.tsv scripts/gen-data.sh
	@mkdir -p $(dir $@)
	@bash scripts/gen-data.sh gbt2260 $< > $@
$(B)/gen/divisions.c: data/divisions-zhengzhou.csv scripts/gen-data.sh
	@mkdir -p $(dir $@)
	@bash scripts/gen-data.sh divisions $< > $@
# Each engine's schema: db/migrations/ (SQLite), db/migrations/pg/ (PostgreSQL), kept in step
# (test_schema compares their tables and columns).
MIGRATIONS_SQLITE := $(sort $(wildcard db/migrations/*.sql))
MIGRATIONS_PG     := $(sort $(wildcard db/migrations/pg/*.sql))
$(B)/gen/migrations.c: $(MIGRATIONS_SQLITE) $(MIGRATIONS_PG) scripts/gen-data.sh
	@mkdir -p $(dir $@)
	@{ bash scripts/gen-data.sh migrations migrations_sqlite $(MIGRATIONS_SQLITE) && \
	   bash scripts/gen-data.sh migrations migrations_pg $(MIGRATIONS_PG); } > $@

$(B)/tests/%: tests/unit/%.c $(B)/libshequ.a $(B)/libdispatch.a
	@mkdir -p $(dir $@)
	@echo "  LD      $@"; $(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) -lcmocka

.deps-ok: scripts/deps.sh
	@bash scripts/deps.sh

demo: .deps-ok
	@$(MAKE) --no-print-directory build
	@rm -f demo.db demo.db-wal demo.db-shm
	$(B)/shequ demo --db sqlite:demo.db --password "$${SHEQU_DEMO_PASSWORD:-shequ2026}"
	$(B)/shequ serve --db sqlite:demo.db --listen 127.0.0.1:8080

unit-bins: $(UNIT_BIN)

test: .deps-ok
	@$(MAKE) --no-print-directory MODE=asan build unit-bins
	@bash scripts/test.sh build/asan

test-pg: .deps-ok
	@$(MAKE) --no-print-directory MODE=asan build
	@bash scripts/test-pg.sh build/asan

bench: .deps-ok
	@$(MAKE) --no-print-directory build
	@bash bench/run.sh build/release

clean:
	rm -rf build

-include $(wildcard $(B)/obj/*.d)
-include mk/*.mk
