# fuzz.mk — libFuzzer targets in tests/fuzz/ (included by the top-level Makefile).
#   make fuzz                         each target FUZZ_SECONDS (default 600) in turn; executions per
#                                     target written to docs/BENCHMARKS.md ("Fuzzing")
#   make fuzz FUZZ_SECONDS=60         a quick run
#   make fuzz FUZZ_TARGETS="idnum filter"
# The app is compiled again with Debian's clang into build/fuzz/ (MODE=fuzz): -fsanitize=fuzzer-no-link
# gives libFuzzer the coverage it steers by, ASan + UBSan turn silent memory and arithmetic errors
# into crashes; each target is linked with -fsanitize=fuzzer. make test does not fuzz (minutes per
# target), but it replays every committed corpus file through the gcc sanitizer build (replay.c).

.PHONY: fuzz fuzz-bins fuzz-replay-bins

FUZZ_NAMES   := request record_json import idnum filter
FUZZ_SUPPORT := tests/fuzz/fixture.c tests/fuzz/fuzz_util.c
FUZZ_HDR     := $(wildcard tests/fuzz/*.h)

fuzz: .deps-ok
	@$(MAKE) --no-print-directory MODE=fuzz fuzz-bins
	@FUZZ_SECONDS=$(or $(FUZZ_SECONDS),600) FUZZ_TARGETS="$(or $(FUZZ_TARGETS),$(FUZZ_NAMES))" bash scripts/fuzz.sh

ifeq ($(MODE),fuzz)
CC     := clang
CFLAGS := $(CSTD) $(filter-out -Wno-format-truncation,$(WARN)) -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined \
          -fno-sanitize-recover=undefined -Isrc -I$(B)/gen $(PKG_CFLAGS) -D_GNU_SOURCE

fuzz-bins: $(FUZZ_NAMES:%=$(B)/fuzz_%)

$(B)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_SUPPORT) $(FUZZ_HDR) $(B)/libshequ.a
	@echo "  LD      $@"; $(CC) $(CFLAGS) -Itests/fuzz -fsanitize=fuzzer -o $@ $< $(FUZZ_SUPPORT) $(B)/libshequ.a $(PKG_LIBS)
endif

# The replay programs: the same targets with replay.c's main instead of libFuzzer's, built with
# the test build's compiler and sanitizers; make test builds them with the unit tests.
unit-bins: fuzz-replay-bins
fuzz-replay-bins: $(FUZZ_NAMES:%=$(B)/fuzz-replay/fuzz_%)

$(B)/fuzz-replay/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/replay.c $(FUZZ_SUPPORT) $(FUZZ_HDR) $(B)/libshequ.a
	@mkdir -p $(dir $@)
	@echo "  LD      $@"; $(CC) $(CFLAGS) $(LDFLAGS) -Itests/fuzz -o $@ $< tests/fuzz/replay.c $(FUZZ_SUPPORT) $(B)/libshequ.a $(PKG_LIBS)
