/* test_dispatch_homecare.c — the home-care model on the solver core:
 * travel model, constraints of a solved day (skills, windows, shifts,
 * breaks, working time), continuity of care, brute-force optimum on a tiny
 * day, and input validation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dispatch/dsp_internal.h"

#define LAT0 34.75
#define LON0 113.62
#define KM_LAT (1.0 / 111.195) /* degrees of latitude per km */

static void solve(const dsp_instance *in, long iters, dsp_solution *sol)
{
	dsp_params p;
	dsp_params_default(&p);
	p.max_iterations = iters;
	p.time_limit = 0;
	assert_int_equal(dsp_solve(in, &p, sol), 0);
}

static void test_travel_model(void **state)
{
	(void)state;
	dsp_caregiver cg[2] = {
		{LAT0, LON0, 480, 1020, 0, 0, 0, 0, 1, DSP_WALK},
		{LAT0, LON0, 480, 1020, 0, 0, 0, 0, 1, DSP_EBIKE},
	};
	dsp_visit v = {LAT0 + KM_LAT, LON0, 540, 600, 30, 0, 3, -1};
	dsp_homecare_params hp;
	dsp_homecare_params_default(&hp);
	dsp_instance *in = NULL;
	char err[128];
	assert_int_equal(dsp_homecare_instance(cg, 2, &v, 1, &hp, &in, err, sizeof(err)), 0);
	/* 1 km x 1.3 detour: walking 4.5 km/h = 1040 s, e-bike 15 km/h = 312 s. */
	int home = in->veh[0].start;
	size_t k = (size_t)home * (size_t)in->nnodes + 1;
	assert_true(labs((long)in->tmat[in->veh[0].prof][k] - 1040) <= 1);
	assert_true(labs((long)in->tmat[in->veh[1].prof][k] - 312) <= 1);
	dsp_instance_free(in);
}

/* A morning for three caregivers and fourteen visits. */
static void make_day(dsp_caregiver *cg, dsp_visit *v, int nv)
{
	dsp_caregiver c[3] = {
		{LAT0, LON0, 480, 960, 420, 30, 690, 780, 1u, DSP_WALK},
		{LAT0 + 0.01, LON0 + 0.01, 480, 1020, 0, 30, 700, 800, 1u | 2u, DSP_EBIKE},
		{LAT0 - 0.01, LON0, 540, 1020, 360, 0, 0, 0, 1u | 4u, DSP_WALK},
	};
	memcpy(cg, c, sizeof(c));
	unsigned s = 12345;
	for (int i = 0; i < nv; i++) {
		s = s * 1103515245u + 12345u;
		double dlat = ((int)(s >> 16) % 200 - 100) * 0.0002;
		s = s * 1103515245u + 12345u;
		double dlon = ((int)(s >> 16) % 200 - 100) * 0.0002;
		int start = 510 + (i * 37) % 360;
		v[i] = (dsp_visit){LAT0 + dlat, LON0 + dlon, start, start + 90, 30,
				   i % 5 == 0 ? 2u : i % 7 == 0 ? 4u : 1u, 1 + i % 5,
				   i % 3 == 0 ? i % 3 : -1};
	}
}

static void test_day_constraints(void **state)
{
	(void)state;
	enum { NV = 14 };
	dsp_caregiver cg[3];
	dsp_visit v[NV];
	make_day(cg, v, NV);
	dsp_homecare_params hp;
	dsp_homecare_params_default(&hp);
	dsp_instance *in = NULL;
	char err[128];
	assert_int_equal(dsp_homecare_instance(cg, 3, v, NV, &hp, &in, err, sizeof(err)), 0);
	dsp_solution sol;
	solve(in, 300, &sol);
	assert_true(sol.feasible);
	dsp_schedule_item it[NV + 3];
	int m = dsp_homecare_schedule(in, &sol, it, NV + 3);
	assert_int_equal(m, NV + 2); /* two caregivers take a break */
	int seen[NV] = {0}, breaks[3] = {0};
	for (int q = 0; q < m; q++) {
		const dsp_caregiver *c = &cg[it[q].caregiver];
		if (it[q].visit < 0) {
			assert_int_equal(-1 - it[q].visit, it[q].caregiver);
			assert_true(it[q].start >= c->break_start && it[q].start <= c->break_end);
			breaks[it[q].caregiver]++;
			continue;
		}
		const dsp_visit *x = &v[it[q].visit];
		seen[it[q].visit]++;
		assert_true((x->skill & ~c->skills) == 0);
		assert_true(it[q].start >= x->tw_start && it[q].start <= x->tw_end);
		assert_true(it[q].start >= c->shift_start && it[q].start + x->duration <= c->shift_end);
	}
	for (int i = 0; i < NV; i++)
		assert_int_equal(seen[i], 1);
	assert_int_equal(breaks[0], 1);
	assert_int_equal(breaks[1], 1);
	assert_int_equal(breaks[2], 0);
	dsp_solution_free(&sol);
	dsp_instance_free(in);
}

static void test_max_work_and_infeasible_skill(void **state)
{
	(void)state;
	/* One caregiver, two visits far apart in time: 4 h of work needed. */
	dsp_caregiver cg = {LAT0, LON0, 480, 1020, 120, 0, 0, 0, 1u, DSP_WALK};
	dsp_visit v[2] = {
		{LAT0 + 0.001, LON0, 540, 545, 20, 1u, 3, -1},
		{LAT0 + 0.001, LON0, 760, 765, 20, 1u, 3, -1},
	};
	dsp_homecare_params hp;
	dsp_homecare_params_default(&hp);
	dsp_instance *in = NULL;
	char err[128];
	assert_int_equal(dsp_homecare_instance(&cg, 1, v, 2, &hp, &in, err, sizeof(err)), 0);
	dsp_solution sol;
	solve(in, 50, &sol);
	/* 120 minutes of work are not enough for both: one is postponed. */
	assert_true(sol.feasible);
	assert_int_equal(sol.nunassigned, 1);
	dsp_solution_free(&sol);
	dsp_instance_free(in);
	cg.max_work = 300;
	v[1].skill = 2u; /* nobody has it */
	assert_int_equal(dsp_homecare_instance(&cg, 1, v, 2, &hp, &in, err, sizeof(err)), 0);
	solve(in, 50, &sol);
	assert_true(sol.feasible);
	assert_int_equal(sol.nunassigned, 1);
	assert_int_equal(sol.unassigned[0], 1); /* the visit nobody is skilled for */
	dsp_solution_free(&sol);
	dsp_instance_free(in);
	v[1].skill = 1u;
	assert_int_equal(dsp_homecare_instance(&cg, 1, v, 2, &hp, &in, err, sizeof(err)), 0);
	solve(in, 50, &sol);
	assert_true(sol.feasible);
	assert_int_equal(sol.nunassigned, 0);
	dsp_solution_free(&sol);
	dsp_instance_free(in);
}

/* Over-subscribed: three visits at the same time, one caregiver; the two
 * of lower priority are postponed. */
static void test_priority_postpones(void **state)
{
	(void)state;
	dsp_caregiver cg = {LAT0, LON0, 480, 1020, 0, 0, 0, 0, 1u, DSP_EBIKE};
	dsp_visit v[3] = {
		{LAT0 + 0.002, LON0, 540, 550, 60, 1u, 2, -1},
		{LAT0 - 0.002, LON0, 540, 550, 60, 1u, 5, -1},
		{LAT0, LON0 + 0.002, 540, 550, 60, 1u, 1, -1},
	};
	dsp_homecare_params hp;
	dsp_homecare_params_default(&hp);
	dsp_instance *in = NULL;
	char err[128];
	assert_int_equal(dsp_homecare_instance(&cg, 1, v, 3, &hp, &in, err, sizeof(err)), 0);
	dsp_solution sol;
	solve(in, 100, &sol);
	assert_true(sol.feasible);
	assert_int_equal(sol.nunassigned, 2);
	dsp_schedule_item it[3];
	assert_int_equal(dsp_homecare_schedule(in, &sol, it, 3), 1);
	assert_int_equal(it[0].visit, 1);
	dsp_solution_free(&sol);
	dsp_instance_free(in);
}

static void test_continuity(void **state)
{
	(void)state;
	/* Two identical caregivers; each visit prefers one of them. */
	dsp_caregiver cg[2] = {
		{LAT0, LON0, 480, 1020, 0, 0, 0, 0, 1u, DSP_EBIKE},
		{LAT0, LON0, 480, 1020, 0, 0, 0, 0, 1u, DSP_EBIKE},
	};
	dsp_visit v[4] = {
		{LAT0 + 0.002, LON0, 540, 600, 30, 1u, 3, 1},
		{LAT0 + 0.003, LON0, 600, 660, 30, 1u, 3, 0},
		{LAT0 - 0.002, LON0, 540, 600, 30, 1u, 3, 0},
		{LAT0 - 0.003, LON0, 620, 680, 30, 1u, 3, 1},
	};
	dsp_homecare_params hp;
	dsp_homecare_params_default(&hp);
	hp.continuity_minutes = 30;
	dsp_instance *in = NULL;
	char err[128];
	assert_int_equal(dsp_homecare_instance(cg, 2, v, 4, &hp, &in, err, sizeof(err)), 0);
	dsp_solution sol;
	solve(in, 200, &sol);
	assert_true(sol.feasible);
	dsp_schedule_item it[4];
	assert_int_equal(dsp_homecare_schedule(in, &sol, it, 4), 4);
	for (int q = 0; q < 4; q++)
		assert_int_equal(it[q].caregiver, v[it[q].visit].preferred);
	dsp_solution_free(&sol);
	dsp_instance_free(in);
}

/* ---- brute force on a tiny day: 2 caregivers, 5 visits -------------- */

static double tsec(const dsp_homecare_params *hp, int mode, double la1, double lo1,
		   double la2, double lo2)
{
	const double r = 6371.0088, rad = M_PI / 180.0;
	double a = pow(sin((la2 - la1) * rad / 2), 2) +
		   cos(la1 * rad) * cos(la2 * rad) * pow(sin((lo2 - lo1) * rad / 2), 2);
	double km = 2 * r * asin(fmin(1.0, sqrt(a))) * hp->detour;
	return ceil(km * 3600.0 / (mode == DSP_WALK ? hp->walk_kmh : hp->ebike_kmh));
}

/* Seconds of travel for caregiver k doing seq, or -1 if infeasible. */
static double day_cost(const dsp_caregiver *c, const dsp_visit *v, const int *seq, int len,
		       const dsp_homecare_params *hp)
{
	double t = c->shift_start * 60.0, travel = 0, la = c->lat, lo = c->lon;
	for (int q = 0; q < len; q++) {
		const dsp_visit *x = &v[seq[q]];
		double d = tsec(hp, c->mode, la, lo, x->lat, x->lon);
		travel += d;
		t = fmax(t + d, x->tw_start * 60.0);
		if (t > x->tw_end * 60.0)
			return -1;
		t += x->duration * 60.0;
		la = x->lat;
		lo = x->lon;
	}
	double d = tsec(hp, c->mode, la, lo, c->lat, c->lon);
	if (t + d > c->shift_end * 60.0)
		return -1;
	return travel + d;
}

static double best_order(const dsp_caregiver *c, const dsp_visit *v, int *seq, int k, int len,
			 const dsp_homecare_params *hp)
{
	if (k == len)
		return day_cost(c, v, seq, len, hp);
	double best = -1;
	for (int i = k; i < len; i++) {
		int t = seq[k]; seq[k] = seq[i]; seq[i] = t;
		double x = best_order(c, v, seq, k + 1, len, hp);
		if (x >= 0 && (best < 0 || x < best))
			best = x;
		t = seq[k]; seq[k] = seq[i]; seq[i] = t;
	}
	return best;
}

static void test_tiny_day_optimal(void **state)
{
	(void)state;
	dsp_homecare_params hp;
	dsp_homecare_params_default(&hp);
	int checked = 0;
	for (unsigned seed = 1; seed <= 6; seed++) {
		dsp_caregiver cg[2] = {
			{LAT0, LON0, 480, 780, 0, 0, 0, 0, 1u, DSP_WALK},
			{LAT0 + 0.004, LON0 + 0.004, 480, 780, 0, 0, 0, 0, 3u, DSP_EBIKE},
		};
		dsp_visit v[5];
		unsigned s = seed;
		for (int i = 0; i < 5; i++) {
			s = s * 1103515245u + 12345u;
			double dlat = ((int)(s >> 16) % 100) * 0.0001;
			s = s * 1103515245u + 12345u;
			double dlon = ((int)(s >> 16) % 100) * 0.0001;
			s = s * 1103515245u + 12345u;
			int st = 500 + (int)((s >> 16) % 150);
			v[i] = (dsp_visit){LAT0 + dlat, LON0 + dlon, st, st + 60, 20,
					   (s >> 20) % 4 == 0 ? 2u : 1u, 3, (int)((s >> 18) % 3) - 1};
		}
		/* Enumerate who does what, then the best order for each. */
		double best = -1;
		for (int mask = 0; mask < 32; mask++) {
			int a[5], b[5], na = 0, nb = 0;
			double cont = 0;
			int ok = 1;
			for (int i = 0; i < 5; i++) {
				int k = (mask >> i) & 1;
				if (v[i].skill & ~cg[k].skills)
					ok = 0;
				if (v[i].preferred >= 0 && v[i].preferred != k)
					cont += hp.continuity_minutes * 60.0;
				if (k)
					b[nb++] = i;
				else
					a[na++] = i;
			}
			if (!ok)
				continue;
			double ca = best_order(&cg[0], v, a, 0, na, &hp);
			double cb = best_order(&cg[1], v, b, 0, nb, &hp);
			if (ca < 0 || cb < 0)
				continue;
			if (best < 0 || ca + cb + cont < best)
				best = ca + cb + cont;
		}
		if (best < 0)
			continue;
		dsp_instance *in = NULL;
		char err[128];
		assert_int_equal(dsp_homecare_instance(cg, 2, v, 5, &hp, &in, err, sizeof(err)), 0);
		dsp_solution sol;
		solve(in, 400, &sol);
		assert_true(sol.feasible);
		if (fabs(sol.cost * 60.0 - best) > 1e-6)
			fail_msg("seed %u: solver %.1f s, brute force %.1f s", seed, sol.cost * 60, best);
		dsp_solution_free(&sol);
		dsp_instance_free(in);
		checked++;
	}
	assert_true(checked >= 4);
}

static void test_bad_input(void **state)
{
	(void)state;
	dsp_caregiver cg = {LAT0, LON0, 600, 500, 0, 0, 0, 0, 1u, DSP_WALK};
	dsp_visit v = {LAT0, LON0, 540, 600, 30, 1u, 3, -1};
	dsp_homecare_params hp;
	dsp_homecare_params_default(&hp);
	dsp_instance *in = NULL;
	char err[128] = "";
	assert_int_equal(dsp_homecare_instance(&cg, 1, &v, 1, &hp, &in, err, sizeof(err)), DSP_EINVAL);
	assert_non_null(strstr(err, "caregiver 0"));
	cg.shift_start = 480;
	v.preferred = 3;
	assert_int_equal(dsp_homecare_instance(&cg, 1, &v, 1, &hp, &in, err, sizeof(err)), DSP_EINVAL);
	assert_non_null(strstr(err, "visit 0"));
	assert_null(in);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_travel_model),
		cmocka_unit_test(test_day_constraints),
		cmocka_unit_test(test_max_work_and_infeasible_skill),
		cmocka_unit_test(test_continuity),
		cmocka_unit_test(test_priority_postpones),
		cmocka_unit_test(test_tiny_day_optimal),
		cmocka_unit_test(test_bad_input),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
