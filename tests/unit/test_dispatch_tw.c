/* test_dispatch_tw.c — time-warp segment arithmetic and the Solomon reader.
 * Segment merges are checked against a direct simulation of the route and
 * for associativity, which is what makes O(1) move evaluation valid. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dispatch/ls_internal.h"

/* n customers on a line, x = 3i, windows from a small generator. */
static dsp_instance *make_instance(int n, unsigned seed, int objective)
{
	char *buf = malloc(8192);
	int k = snprintf(buf, 8192, "T\n\nVEHICLE\nNUMBER CAPACITY\n 5 100\n\nCUSTOMER\n"
			 "CUST NO. XCOORD. YCOORD. DEMAND READY TIME DUE DATE SERVICE TIME\n\n"
			 "0 0 0 0 0 1000 0\n");
	for (int i = 1; i <= n; i++) {
		seed = seed * 1103515245u + 12345u;
		int ready = (int)(seed >> 16) % 200;
		seed = seed * 1103515245u + 12345u;
		int width = 5 + (int)(seed >> 16) % 60;
		k += snprintf(buf + k, (size_t)(8192 - k), "%d %d %d 1 %d %d 7\n", i, 3 * i,
			      (i * 7) % 11, ready, ready + width);
	}
	dsp_instance *in = NULL;
	char err[256];
	int r = dsp_parse_solomon(buf, (size_t)k, objective, &in, err, sizeof(err));
	free(buf);
	if (r)
		fail_msg("parse: %s", err);
	return in;
}

/* Route simulated from a given start time: total warp and duration. */
static void simulate(const dsp_instance *in, const int *seq, int len, int64_t start,
		     int64_t *warp, int64_t *dur)
{
	int64_t t = start, w = 0;
	for (int k = 0; k < len; k++) {
		if (k > 0)
			t += in->tmat[0][(size_t)seq[k - 1] * (size_t)in->nnodes + (size_t)seq[k]];
		if (t < in->early[seq[k]])
			t = in->early[seq[k]];
		if (t > in->late[seq[k]]) {
			w += t - in->late[seq[k]];
			t = in->late[seq[k]];
		}
		t += in->service[seq[k]];
	}
	*warp = w;
	*dur = t - start + w;
}

static void test_merge_matches_simulation(void **state)
{
	(void)state;
	for (unsigned s = 1; s <= 30; s++) {
		dsp_instance *in = make_instance(8, s, DSP_OBJ_DISTANCE);
		int seq[10], len = 0;
		seq[len++] = 0;
		for (int i = 1; i <= 8; i++)
			seq[len++] = 1 + (int)((s * 7 + (unsigned)i * 5) % 8);
		seq[len++] = 0;
		dsp_seg a = dsp_seg_node(in, seq[0]);
		for (int k = 1; k < len; k++) {
			dsp_seg b = dsp_seg_node(in, seq[k]);
			a = dsp_seg_merge(in, 0, &a, &b);
		}
		/* Time warp is that of the earliest start, duration the minimum
		 * over all start times (brute force on every tenth of a unit). */
		int64_t w0, d0, best_d = INT64_MAX, best_w = INT64_MAX;
		simulate(in, seq, len, in->early[0], &w0, &d0);
		for (int64_t st = in->early[0]; st <= in->late[0]; st++) {
			int64_t w, d;
			simulate(in, seq, len, st, &w, &d);
			if (w < best_w || (w == best_w && d < best_d)) {
				best_w = w;
				best_d = d;
			}
		}
		assert_int_equal(a.tw, w0);
		assert_int_equal(a.tw, best_w);
		assert_int_equal(a.dur, best_d);
		assert_int_equal(a.load, 8);
		dsp_instance_free(in);
	}
}

static void test_merge_associative(void **state)
{
	(void)state;
	dsp_instance *in = make_instance(8, 99, DSP_OBJ_DISTANCE);
	for (int cut1 = 1; cut1 < 9; cut1++)
		for (int cut2 = cut1 + 1; cut2 < 10; cut2++) {
			int seq[10] = {0, 3, 1, 4, 8, 5, 2, 7, 6, 0};
			dsp_seg p[3];
			int bounds[4] = {0, cut1, cut2, 10};
			for (int q = 0; q < 3; q++) {
				p[q] = dsp_seg_node(in, seq[bounds[q]]);
				for (int k = bounds[q] + 1; k < bounds[q + 1]; k++) {
					dsp_seg b = dsp_seg_node(in, seq[k]);
					p[q] = dsp_seg_merge(in, 0, &p[q], &b);
				}
			}
			dsp_seg l = dsp_seg_merge(in, 0, &p[0], &p[1]);
			l = dsp_seg_merge(in, 0, &l, &p[2]);
			dsp_seg r = dsp_seg_merge(in, 0, &p[1], &p[2]);
			r = dsp_seg_merge(in, 0, &p[0], &r);
			assert_int_equal(l.tw, r.tw);
			assert_int_equal(l.dur, r.dur);
			assert_int_equal(l.dist, r.dist);
			assert_int_equal(l.early, r.early);
			assert_int_equal(l.late, r.late);
		}
	dsp_instance_free(in);
}

/* A move evaluated from sub-sequence pieces (what the local search does,
 * O(1) per move) equals the cost recomputed node by node. */
static void test_piece_evaluation_exact(void **state)
{
	(void)state;
	dsp_instance *in = make_instance(8, 4242, DSP_OBJ_DISTANCE);
	dsp_ls *ls = NULL;
	assert_int_equal(dsp_ls_new(in, &ls), 0);
	dsp_indiv x;
	assert_int_equal(dsp_indiv_init(&x, in), 0);
	/* Two routes: 1 2 3 4 | 5 6 7 8 */
	x.nroutes = 2;
	x.rstart[0] = 0;
	x.rstart[1] = 4;
	x.rstart[2] = 8;
	x.rveh[0] = 0;
	x.rveh[1] = 1;
	for (int i = 0; i < 8; i++)
		x.tour[i] = i + 1;
	ls->pen = (dsp_penalty){3.0, 2.0};
	assert_int_equal(dsp_ls_load(ls, &x, 2), 0);
	dsp_rng rng = {77};
	for (int t = 0; t < 500; t++) {
		/* Random rewrite of route 0: prefix, a block of route 1 (maybe
		 * reversed), a middle part, then the suffix. */
		int i = 1 + dsp_rand_int(&rng, 4), j = 1 + dsp_rand_int(&rng, 4);
		int a = 1 + dsp_rand_int(&rng, 4), b = 1 + dsp_rand_int(&rng, 4);
		if (i > j) { int q = i; i = j; j = q; }
		piece pc[4];
		int np = 0;
		pc[np++] = (piece){0, 0, i - 1};
		pc[np++] = (piece){1, a, b};
		if (i <= j - 1)
			pc[np++] = (piece){0, i, j - 1};
		pc[np++] = (piece){0, j, 5};
		double fast = dsp_ls_eval_route(ls, 0, pc, np);
		/* Node by node. */
		int seq[16], k = 0;
		for (int q = 0; q < np; q++) {
			const int *nodes = ls->routes[pc[q].r].nodes;
			if (pc[q].a <= pc[q].b)
				for (int z = pc[q].a; z <= pc[q].b; z++) seq[k++] = nodes[z];
			else
				for (int z = pc[q].a; z >= pc[q].b; z--) seq[k++] = nodes[z];
		}
		dsp_seg s = dsp_seg_node(in, seq[0]);
		for (int z = 1; z < k; z++) {
			dsp_seg n1 = dsp_seg_node(in, seq[z]);
			s = dsp_seg_merge(in, 0, &s, &n1);
		}
		double slow = dsp_route_cost(in, 0, &s, 0, &ls->pen);
		assert_true(fabs(fast - slow) < 1e-9);
	}
	dsp_indiv_free(&x);
	dsp_ls_free(ls);
	dsp_instance_free(in);
}

static void test_waiting_and_warp(void **state)
{
	(void)state;
	/* depot (0,0); customer 1 at (10,0) window [50,60] service 5;
	 * customer 2 at (20,0) window [0,55] service 0. */
	const char *txt = "W\nVEHICLE\nNUMBER CAPACITY\n2 10\nCUSTOMER\nCUST NO.\n"
			  "0 0 0 0 0 200 0\n1 10 0 1 50 60 5\n2 20 0 1 0 65 0\n";
	dsp_instance *in = NULL;
	char err[128];
	assert_int_equal(dsp_parse_solomon(txt, strlen(txt), DSP_OBJ_DISTANCE, &in, err, sizeof(err)), 0);
	dsp_seg a = dsp_seg_node(in, 0), b = dsp_seg_node(in, 1), c = dsp_seg_node(in, 2);
	dsp_seg ab = dsp_seg_merge(in, 0, &a, &b);
	/* Leaving at 40 avoids the wait: duration 10 travel + 5 service. */
	assert_int_equal(ab.tw, 0);
	assert_int_equal(ab.dur, 150);
	assert_int_equal(ab.early, 400);
	dsp_seg abc = dsp_seg_merge(in, 0, &ab, &c);
	/* Earliest service end at 1 is 55, arrival at 2 is 65: exactly on time. */
	assert_int_equal(abc.tw, 0);
	dsp_seg cb = dsp_seg_merge(in, 0, &a, &c);
	cb = dsp_seg_merge(in, 0, &cb, &b);
	/* 2 then 1: leaving at 20 reaches 1 exactly at 50: no wait, 35 long. */
	assert_int_equal(cb.tw, 0);
	assert_int_equal(cb.dur, 350);
	dsp_instance_free(in);
}

static void test_distance_convention(void **state)
{
	(void)state;
	const char *txt = "D\nVEHICLE\nNUMBER CAPACITY\n2 10\nCUSTOMER\nCUST NO.\n"
			  "0 0 0 0 0 200 0\n1 1 1 1 0 100 0\n";
	dsp_instance *in = NULL;
	char err[128];
	assert_int_equal(dsp_parse_solomon(txt, strlen(txt), DSP_OBJ_DISTANCE, &in, err, sizeof(err)), 0);
	assert_int_equal(in->dmat[0][1], 14); /* floor(10 * 1.41421) */
	dsp_instance_free(in);
	assert_int_equal(dsp_parse_solomon(txt, strlen(txt), DSP_OBJ_HIERARCHICAL, &in, err, sizeof(err)), 0);
	assert_int_equal(in->dmat[0][1], 141421);
	assert_int_equal(in->tmat[0][1], 141422); /* rounded up: conservative */
	dsp_instance_free(in);
}

static void expect_error(const char *txt, const char *needle)
{
	dsp_instance *in = NULL;
	char err[256] = "";
	int r = dsp_parse_solomon(txt, strlen(txt), DSP_OBJ_DISTANCE, &in, err, sizeof(err));
	assert_int_equal(r, DSP_EPARSE);
	assert_null(in);
	if (!strstr(err, needle))
		fail_msg("error '%s' lacks '%s'", err, needle);
}

static void test_parse_errors_name_line(void **state)
{
	(void)state;
	expect_error("X\nVEHICLE\nNUMBER CAPACITY\n2 10\nCUSTOMER\nCUST NO.\n"
		     "0 0 0 0 0 200 0\n1 1 1 1 0 100\n", "line 8");
	expect_error("X\nVEHICLE\nNUMBER CAPACITY\n2 10\nCUSTOMER\nCUST NO.\n"
		     "0 0 0 0 0 200 0\n1 1 1 1 0 abc 0\n", "line 8");
	expect_error("X\nVEHICLES\n", "line 2");
	expect_error("X\nVEHICLE\nNUMBER CAPACITY\n2 10\nCUSTOMER\nCUST NO.\n"
		     "0 0 0 0 0 200 0\n1 1 1 1 50 40 0\n", "line 8");
	expect_error("X\nVEHICLE\nNUMBER CAPACITY\n2 10\nCUSTOMER\nCUST NO.\n"
		     "0 0 0 0 0 200 0\n1 1 1 11 0 100 0\n", "capacity");
	expect_error("X\nVEHICLE\nNUMBER CAPACITY\n2 10\nCUSTOMER\nCUST NO.\n"
		     "0 0 0 0 0 200 0\n1 1 1 1 0 100 0\n1 2 2 1 0 100 0\n", "duplicate");
	expect_error("X\nVEHICLE\nNUMBER CAPACITY\n2 10\nCUSTOMER\nCUST NO.\n"
		     "0 0 0 0 0 200 0\n1 150 0 1 0 100 0\n", "line 8");
	expect_error("X\nVEHICLE\nNUMBER CAPACITY\n2 10\nCUSTOMER\nCUST NO.\n"
		     "0 0 0 0 0 200 0\n", "end of file");
}

static void test_read_missing_file(void **state)
{
	(void)state;
	dsp_instance *in = NULL;
	char err[256];
	assert_int_equal(dsp_read_solomon("/nonexistent/x.txt", 0, &in, err, sizeof(err)), DSP_EIO);
	assert_non_null(strstr(err, "/nonexistent/x.txt"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_merge_matches_simulation),
		cmocka_unit_test(test_merge_associative),
		cmocka_unit_test(test_piece_evaluation_exact),
		cmocka_unit_test(test_waiting_and_warp),
		cmocka_unit_test(test_distance_convention),
		cmocka_unit_test(test_parse_errors_name_line),
		cmocka_unit_test(test_read_missing_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
