# dispatch.mk — stand-alone plan driver, feasibility checker and the
# bench-dispatch target (included by the top-level Makefile).
#   make bench-dispatch            representative subset, writes docs/BENCHMARKS-dispatch.md
#   make bench-dispatch FULL=1     all 56 Solomon + 60 GH200 + hierarchical

.PHONY: bench-dispatch dispatch-driver

DSP_CFLAGS := -std=gnu17 -Wall -Wextra -Werror -Wno-unused-parameter -Wshadow \
              -Wstrict-prototypes -O2 -g -Isrc -D_GNU_SOURCE
DSP_SRC    := $(wildcard src/dispatch/*.c)
DSP_HDR    := $(wildcard src/dispatch/*.h)

dispatch-driver: build/dispatch/dsp-plan

# Own build so the benchmark does not depend on the rest of the server.
build/dispatch/dsp-plan: bench/dispatch/plan_main.c $(DSP_SRC) $(DSP_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(DSP_CFLAGS) -o $@ bench/dispatch/plan_main.c $(DSP_SRC) -lm

build/dispatch/dsp-homecare-bench: bench/dispatch/homecare_bench.c $(DSP_SRC) $(DSP_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(DSP_CFLAGS) -o $@ bench/dispatch/homecare_bench.c $(DSP_SRC) -lm

bench-dispatch: build/dispatch/dsp-plan build/dispatch/dsp-homecare-bench
	bash bench/dispatch/run.sh $(if $(FULL),--full,)
