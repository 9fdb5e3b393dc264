# soak.mk — make soak (included by the top-level Makefile).
#   make soak                  the release build under 70 % of its measured capacity of mixed reads
#                              and writes for 30 minutes on a fresh demo district: no 5xx, memory
#                              growth < 5 % after warm-up, p99 stable (bench/soak.sh says how each is
#                              judged); figures in docs/BENCHMARKS.md ("Soak")
#   make soak SOAK_MINUTES=5   a shorter run (also SOAK_SCALE, SOAK_LOAD, SOAK_CONN)

.PHONY: soak

soak: .deps-ok
	@$(MAKE) --no-print-directory build
	@SOAK_MINUTES=$(or $(SOAK_MINUTES),30) bash bench/soak.sh build/release
