/* test_dispatch_solver.c — the solver against brute force on tiny
 * instances (both objectives), reproducibility, the CLI, and the local
 * search never worsening a solution. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dispatch/dsp_internal.h"

#define MAXN 8
#ifndef TINY_COUNT
#define TINY_COUNT 16   /* instances per objective; kept small for ASan */
#endif
#ifndef TINY_ITERS
#define TINY_ITERS 5000
#endif

typedef struct {
	int n, cap;
	int x[MAXN + 1], y[MAXN + 1], q[MAXN + 1], e[MAXN + 1], l[MAXN + 1], s[MAXN + 1];
} tiny_t;

static unsigned next(unsigned *st)
{
	*st = *st * 1103515245u + 12345u;
	return *st >> 16;
}

static void gen(tiny_t *t, int n, unsigned seed)
{
	t->n = n;
	t->cap = 15 + (int)(next(&seed) % 10);
	t->x[0] = t->y[0] = 25;
	t->e[0] = 0;
	t->l[0] = 400;
	t->q[0] = t->s[0] = 0;
	for (int i = 1; i <= n; i++) {
		t->x[i] = (int)(next(&seed) % 51);
		t->y[i] = (int)(next(&seed) % 51);
		t->q[i] = 1 + (int)(next(&seed) % 8);
		t->s[i] = 10;
		t->e[i] = 40 + (int)(next(&seed) % 200);
		t->l[i] = t->e[i] + 10 + (int)(next(&seed) % 80);
	}
}

static char *to_text(const tiny_t *t)
{
	char *b = malloc(4096);
	int k = snprintf(b, 4096, "TINY\n\nVEHICLE\nNUMBER CAPACITY\n %d %d\n\nCUSTOMER\nCUST NO.\n\n",
			 t->n, t->cap);
	for (int i = 0; i <= t->n; i++)
		k += snprintf(b + k, (size_t)(4096 - k), "%d %d %d %d %d %d %d\n", i, t->x[i], t->y[i],
			      t->q[i], t->e[i], t->l[i], t->s[i]);
	return b;
}

/* Travel in the distance convention (tenths), or exact doubles. */
static double tdist(const tiny_t *t, int a, int b, int hier)
{
	double d = hypot(t->x[a] - t->x[b], t->y[a] - t->y[b]);
	return hier ? d : floor(d * 10.0);
}

/* Cost of visiting seq[] in order, or -1 if infeasible. */
static double route_cost(const tiny_t *t, const int *seq, int len, int hier)
{
	double sc = hier ? 1 : 10, time = t->e[0] * sc, dist = 0;
	int prev = 0, load = 0;
	for (int k = 0; k < len; k++) {
		int c = seq[k];
		double d = tdist(t, prev, c, hier);
		dist += d;
		time = fmax(time + d, t->e[c] * sc);
		if (time > t->l[c] * sc + 1e-9)
			return -1;
		time += t->s[c] * sc;
		load += t->q[c];
		prev = c;
	}
	double d = tdist(t, prev, 0, hier);
	if (time + d > t->l[0] * sc + 1e-9 || load > t->cap)
		return -1;
	return dist + d;
}

static double best_perm(const tiny_t *t, int *seq, int k, int len, int hier)
{
	if (k == len)
		return route_cost(t, seq, len, hier);
	double best = -1;
	for (int i = k; i < len; i++) {
		int tmp = seq[k]; seq[k] = seq[i]; seq[i] = tmp;
		double c = best_perm(t, seq, k + 1, len, hier);
		if (c >= 0 && (best < 0 || c < best))
			best = c;
		tmp = seq[k]; seq[k] = seq[i]; seq[i] = tmp;
	}
	return best;
}

/* Optimum by enumeration: best route per subset, then best partition.
 * Hierarchical: lexicographic (routes, distance). */
static void brute_force(const tiny_t *t, int hier, int *routes_out, double *cost_out)
{
	int n = t->n, full = (1 << n) - 1;
	double *rc = malloc(sizeof(double) << n), *bc = malloc(sizeof(double) << n);
	int *br = malloc(sizeof(int) << n);
	for (int m = 1; m <= full; m++) {
		int seq[MAXN], len = 0;
		for (int i = 0; i < n; i++)
			if (m & (1 << i))
				seq[len++] = i + 1;
		rc[m] = best_perm(t, seq, 0, len, hier);
	}
	bc[0] = 0;
	br[0] = 0;
	for (int m = 1; m <= full; m++) {
		int low = m & -m;
		bc[m] = -1;
		br[m] = 0;
		for (int sub = m; sub; sub = (sub - 1) & m) {
			if (!(sub & low) || rc[sub] < 0 || bc[m ^ sub] < 0)
				continue;
			double c = rc[sub] + bc[m ^ sub];
			int r = 1 + br[m ^ sub];
			int better = bc[m] < 0 || (hier ? (r < br[m] || (r == br[m] && c < bc[m] - 1e-9))
							: c < bc[m] - 1e-9);
			if (better) {
				bc[m] = c;
				br[m] = r;
			}
		}
	}
	*routes_out = br[full];
	*cost_out = hier ? bc[full] : bc[full] / 10.0;
	free(rc);
	free(bc);
	free(br);
}

static void solve_tiny(const tiny_t *t, int hier, long iters, uint64_t seed, dsp_solution *sol)
{
	char *txt = to_text(t);
	dsp_instance *in = NULL;
	char err[256];
	int r = dsp_parse_solomon(txt, strlen(txt), hier, &in, err, sizeof(err));
	free(txt);
	if (r)
		fail_msg("parse: %s", err);
	dsp_params p;
	dsp_params_default(&p);
	p.objective = hier;
	p.max_iterations = iters;
	p.time_limit = 0;
	p.seed = seed;
	assert_int_equal(dsp_solve(in, &p, sol), 0);
	dsp_instance_free(in);
}

static void test_tiny_optimal(void **state)
{
	(void)state;
	int checked = 0;
	for (unsigned seed = 1; checked < TINY_COUNT; seed++) {
		tiny_t t;
		gen(&t, 5 + (int)(seed % 4), seed);
		/* Skip instances the parser rejects (unreachable customers). */
		char *txt = to_text(&t);
		dsp_instance *in = NULL;
		char err[256];
		int bad = dsp_parse_solomon(txt, strlen(txt), 0, &in, err, sizeof(err));
		free(txt);
		dsp_instance_free(in);
		if (bad)
			continue;
		for (int hier = 0; hier <= 1; hier++) {
			int bf_routes;
			double bf_cost;
			brute_force(&t, hier, &bf_routes, &bf_cost);
			assert_true(bf_cost >= 0);
			dsp_solution sol;
			solve_tiny(&t, hier, TINY_ITERS, seed, &sol);
			assert_true(sol.feasible);
			if (hier)
				assert_int_equal(sol.nroutes, bf_routes);
			if (fabs(sol.distance - bf_cost) > 1e-6)
				fail_msg("seed %u n %d hier %d: solver %.4f brute force %.4f", seed, t.n,
					 hier, sol.distance, bf_cost);
			dsp_solution_free(&sol);
		}
		checked++;
	}
}

static void test_same_seed_same_answer(void **state)
{
	(void)state;
	tiny_t t;
	gen(&t, 8, 7);
	dsp_solution a, b;
	solve_tiny(&t, 0, 60, 42, &a);
	solve_tiny(&t, 0, 60, 42, &b);
	assert_int_equal(a.nroutes, b.nroutes);
	assert_memory_equal(a.route_start, b.route_start, sizeof(int) * (size_t)(a.nroutes + 1));
	assert_memory_equal(a.visits, b.visits, sizeof(int) * 8);
	dsp_solution_free(&a);
	dsp_solution_free(&b);
}

/* A real instance with a short budget: feasible, near the best known. */
static void test_c101_short(void **state)
{
	(void)state;
	dsp_instance *in = NULL;
	char err[256];
	const char *path = "bench/dispatch/data/solomon/C101.txt";
	if (access(path, R_OK) != 0)
		skip();
	assert_int_equal(dsp_read_solomon(path, DSP_OBJ_DISTANCE, &in, err, sizeof(err)), 0);
	dsp_params p;
	dsp_params_default(&p);
	p.time_limit = 1;
	dsp_solution sol;
	assert_int_equal(dsp_solve(in, &p, &sol), 0);
	assert_true(sol.feasible);
	assert_true(sol.distance <= 827.3 * 1.01);
	dsp_solution_free(&sol);
	dsp_instance_free(in);
}

/* The local search must never return something worse than its input. */
static void test_local_search_monotone(void **state)
{
	(void)state;
	tiny_t t;
	gen(&t, 8, 3);
	char *txt = to_text(&t);
	dsp_instance *in = NULL;
	char err[256];
	assert_int_equal(dsp_parse_solomon(txt, strlen(txt), 0, &in, err, sizeof(err)), 0);
	free(txt);
	dsp_ls *ls = NULL;
	assert_int_equal(dsp_ls_new(in, &ls), 0);
	dsp_indiv x;
	assert_int_equal(dsp_indiv_init(&x, in), 0);
	dsp_penalty pen = {10, 5};
	dsp_rng rng = {5};
	int giant[8];
	for (int k = 0; k < 50; k++) {
		for (int i = 0; i < 8; i++)
			giant[i] = i + 1;
		dsp_shuffle(&rng, giant, 8);
		assert_int_equal(dsp_split(in, &pen, giant, in->nveh, &x), 0);
		double before = x.pcost;
		dsp_ls_run(ls, &x, &pen, in->nveh, &rng);
		assert_true(x.pcost <= before + 1e-9);
		/* every client exactly once */
		int seen[9] = {0};
		for (int i = 0; i < 8; i++)
			seen[x.tour[i]]++;
		for (int i = 1; i <= 8; i++)
			assert_int_equal(seen[i], 1);
	}
	assert_true(dsp_ls_evaluations(ls) > 0);
	dsp_indiv_free(&x);
	dsp_ls_free(ls);
	dsp_instance_free(in);
}

static void test_cli(void **state)
{
	(void)state;
	char *help[] = {"plan", "--help", NULL};
	FILE *saved = stdout;
	stdout = fopen("/dev/null", "w");
	int r = dispatch_plan_main(2, help);
	fclose(stdout);
	stdout = saved;
	assert_int_equal(r, 0);
	char *bad[] = {"plan", "--solomon", "/nonexistent.txt", NULL};
	assert_int_equal(dispatch_plan_main(3, bad), 1);
	char *usage[] = {"plan", "--objective", "speed", NULL};
	assert_int_equal(dispatch_plan_main(3, usage), 2);
	char *noarg[] = {"plan", NULL};
	assert_int_equal(dispatch_plan_main(1, noarg), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tiny_optimal),
		cmocka_unit_test(test_same_seed_same_answer),
		cmocka_unit_test(test_local_search_monotone),
		cmocka_unit_test(test_c101_short),
		cmocka_unit_test(test_cli),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
