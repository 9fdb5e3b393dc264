/* plan_cli.c — the `shequ plan` subcommand: read a Solomon instance, solve,
 * print the CVRPLIB solution.  Exit 0 ok, 1 bad input, 2 usage, 3 no
 * feasible solution found (the best infeasible one is still printed). */
#include "dispatch/dispatch.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
	fputs("usage: shequ plan --solomon FILE [--time-limit S] [--seed N]\n"
	      "                  [--objective distance|hierarchical] [--iterations N] [--cpu-time]\n"
	      "                  [--trace]\n"
	      "\n"
	      "Plans routes for a vehicle routing problem with time windows given in the\n"
	      "Solomon text format and prints them in the CVRPLIB format\n"
	      "(\"Route #k: c1 c2 ...\", then \"Cost X\").\n"
	      "\n"
	      "  --solomon FILE      instance file\n"
	      "  --time-limit S      wall-clock seconds (default 10)\n"
	      "  --seed N            random seed (default 1); same seed, same search\n"
	      "  --objective distance      distances truncated to 0.1, minimise distance (default)\n"
	      "  --objective hierarchical  double precision, fewest vehicles, then distance\n"
	      "  --iterations N      stop after N genetic iterations instead of the time\n"
	      "                      limit: the answer is then bit-for-bit reproducible\n"
	      "  --cpu-time          count the time limit in CPU time of this process (for\n"
	      "                      benchmarks on a busy machine)\n"
	      "  --trace             print each improvement as \"t=SECONDS cost=X routes=R\"\n"
	      "                      on standard error\n", f);
}

static void trace(void *ctx, double t, double cost, int routes)
{
	(void)ctx;
	fprintf(stderr, "t=%.3f cost=%.2f routes=%d\n", t, cost, routes);
}

static int parse_num(const char *s, double lo, double hi, double *out)
{
	char *e;
	errno = 0;
	double d = strtod(s, &e);
	if (errno || *e || e == s || d < lo || d > hi)
		return -1;
	*out = d;
	return 0;
}

int dispatch_plan_main(int argc, char **argv)
{
	const char *file = NULL;
	dsp_params prm;
	dsp_instance *in = NULL;
	dsp_solution sol;
	char err[512];
	int ret = 2;
	double d;

	memset(&sol, 0, sizeof(sol));
	dsp_params_default(&prm);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(a, "--trace")) {
			prm.on_improve = trace;
			continue;
		} else if (!strcmp(a, "--cpu-time")) {
			prm.cpu_time = 1;
			continue;
		}
		if (!val) {
			fprintf(stderr, "plan: %s needs a value (or unknown option)\n", a);
			usage(stderr);
			return 2;
		}
		if (!strcmp(a, "--solomon")) {
			file = val;
		} else if (!strcmp(a, "--time-limit")) {
			if (parse_num(val, 0.001, 1e7, &d)) {
				fprintf(stderr, "plan: bad --time-limit '%s'\n", val);
				return 2;
			}
			prm.time_limit = d;
		} else if (!strcmp(a, "--seed")) {
			if (parse_num(val, 0, 1.8e19, &d)) {
				fprintf(stderr, "plan: bad --seed '%s'\n", val);
				return 2;
			}
			prm.seed = (uint64_t)d;
		} else if (!strcmp(a, "--iterations")) {
			if (parse_num(val, 1, 1e15, &d)) {
				fprintf(stderr, "plan: bad --iterations '%s'\n", val);
				return 2;
			}
			prm.max_iterations = (long)d;
		} else if (!strcmp(a, "--objective")) {
			if (!strcmp(val, "distance"))
				prm.objective = DSP_OBJ_DISTANCE;
			else if (!strcmp(val, "hierarchical"))
				prm.objective = DSP_OBJ_HIERARCHICAL;
			else {
				fprintf(stderr, "plan: --objective must be distance or hierarchical\n");
				return 2;
			}
		} else {
			fprintf(stderr, "plan: unknown option %s\n", a);
			usage(stderr);
			return 2;
		}
		i++;
	}
	if (!file) {
		fprintf(stderr, "plan: --solomon FILE is required\n");
		usage(stderr);
		return 2;
	}
	if (prm.max_iterations > 0)
		prm.time_limit = 0;
	if (dsp_read_solomon(file, prm.objective, &in, err, sizeof(err))) {
		fprintf(stderr, "plan: %s\n", err);
		return 1;
	}
	int r = dsp_solve(in, &prm, &sol);
	if (r) {
		fprintf(stderr, "plan: solver failed (%d)\n", r);
		ret = 1;
		goto fail;
	}
	if (dsp_solution_write(stdout, in, &sol)) {
		ret = 1;
		goto fail;
	}
	fflush(stdout);
	if (prm.on_improve)
		fprintf(stderr, "iterations=%ld\n", sol.iterations);
	ret = sol.feasible ? 0 : 3;
	if (!sol.feasible)
		fprintf(stderr, "plan: no feasible solution found\n");
fail:
	dsp_solution_free(&sol);
	dsp_instance_free(in);
	return ret;
}
