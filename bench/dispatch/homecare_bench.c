/* homecare_bench.c — synthetic home-care days of growing size solved by the
 * dispatch library, each schedule re-checked here from the public output
 * only (own travel-time model, own rule checks; no solver internals).
 * usage: dsp-homecare-bench SECONDS > table.md */
#include "dispatch/dispatch.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LAT0 34.7466 /* Zhengzhou */
#define LON0 113.6254

static unsigned rnd(unsigned *s)
{
	*s = *s * 1103515245u + 12345u;
	return *s >> 16;
}

static double travel_min(const dsp_homecare_params *hp, int mode, double la1, double lo1,
			 double la2, double lo2)
{
	const double r = 6371.0088, rad = M_PI / 180.0;
	double a = pow(sin((la2 - la1) * rad / 2), 2) +
		   cos(la1 * rad) * cos(la2 * rad) * pow(sin((lo2 - lo1) * rad / 2), 2);
	double km = 2 * r * asin(fmin(1.0, sqrt(a))) * hp->detour;
	return km * 60.0 / (mode == DSP_WALK ? hp->walk_kmh : hp->ebike_kmh);
}

typedef struct {
	int ncg, nv;
} scenario;

static int run(const scenario *sc, double secs, unsigned seed)
{
	dsp_caregiver *cg = calloc((size_t)sc->ncg, sizeof(*cg));
	dsp_visit *v = calloc((size_t)sc->nv, sizeof(*v));
	dsp_schedule_item *it = calloc((size_t)(sc->nv + sc->ncg), sizeof(*it));
	dsp_homecare_params hp;
	dsp_homecare_params_default(&hp);
	unsigned s = seed;
	/* A community of about 3 x 3 km; a third of the caregivers on e-bikes. */
	for (int k = 0; k < sc->ncg; k++) {
		cg[k].lat = LAT0 + ((int)(rnd(&s) % 2000) - 1000) * 1.5e-5;
		cg[k].lon = LON0 + ((int)(rnd(&s) % 2000) - 1000) * 1.8e-5;
		cg[k].shift_start = 480 + 30 * (int)(rnd(&s) % 3);
		cg[k].shift_end = cg[k].shift_start + 540;
		cg[k].max_work = 480;
		cg[k].break_len = 30;
		cg[k].break_start = 690;
		cg[k].break_end = 780;
		cg[k].skills = 1u | (k % 3 == 0 ? 2u : 0) | (k % 4 == 0 ? 4u : 0);
		cg[k].mode = k % 3 == 0 ? DSP_EBIKE : DSP_WALK;
	}
	for (int i = 0; i < sc->nv; i++) {
		v[i].lat = LAT0 + ((int)(rnd(&s) % 2000) - 1000) * 1.5e-5;
		v[i].lon = LON0 + ((int)(rnd(&s) % 2000) - 1000) * 1.8e-5;
		int st = 480 + 15 * (int)(rnd(&s) % 36);
		v[i].tw_start = st;
		v[i].tw_end = st + 60 + 30 * (int)(rnd(&s) % 4);
		v[i].duration = 30 + 15 * (int)(rnd(&s) % 4);
		unsigned r = rnd(&s) % 10;
		v[i].skill = r == 0 ? 2u : r == 1 ? 4u : 1u;
		v[i].priority = 1 + (int)(rnd(&s) % 5);
		v[i].preferred = rnd(&s) % 2 ? (int)(rnd(&s) % (unsigned)sc->ncg) : -1;
	}
	dsp_instance *in = NULL;
	char err[256];
	if (dsp_homecare_instance(cg, sc->ncg, v, sc->nv, &hp, &in, err, sizeof(err))) {
		fprintf(stderr, "instance: %s\n", err);
		return 1;
	}
	dsp_params p;
	dsp_params_default(&p);
	p.time_limit = secs;
	p.cpu_time = 1; /* a shared machine: count our own CPU time */
	p.seed = seed;
	dsp_solution sol;
	if (dsp_solve(in, &p, &sol)) {
		fprintf(stderr, "solve failed\n");
		return 1;
	}
	int m = dsp_homecare_schedule(in, &sol, it, sc->nv + sc->ncg);
	/* Independent check of the schedule. */
	int errors = 0, served = 0, kept = 0, pref = 0;
	double travel = 0;
	int *seen = calloc((size_t)sc->nv, sizeof(int));
	for (int k = 0; k < sc->ncg; k++) {
		double t = -1, la = cg[k].lat, lo = cg[k].lon, left = -1;
		int brk = 0;
		for (int q = 0; q < m; q++) {
			if (it[q].caregiver != k)
				continue;
			int vi = it[q].visit;
			double dla = vi >= 0 ? v[vi].lat : cg[k].lat, dlo = vi >= 0 ? v[vi].lon : cg[k].lon;
			double tt = travel_min(&hp, cg[k].mode, la, lo, dla, dlo);
			if (t < 0)
				left = t = fmax(cg[k].shift_start, it[q].start - tt);
			travel += tt;
			/* Starts are whole minutes rounded down: allow one minute. */
			if (t + tt > it[q].start + 1.0 + 1e-9) {
				errors++; /* cannot arrive by the reported start */
				fprintf(stderr, "caregiver %d: late arrival at item %d\n", k, q);
			}
			int dur;
			if (vi >= 0) {
				seen[vi]++;
				served++;
				if ((v[vi].skill & ~cg[k].skills) || it[q].start < v[vi].tw_start ||
				    it[q].start > v[vi].tw_end) {
					errors++;
					fprintf(stderr, "visit %d: skill or window\n", vi);
				}
				if (v[vi].preferred >= 0) {
					pref++;
					kept += v[vi].preferred == k;
				}
				dur = v[vi].duration;
			} else {
				brk++;
				if (-1 - vi != k || it[q].start < cg[k].break_start ||
				    it[q].start > cg[k].break_end) {
					errors++;
					fprintf(stderr, "caregiver %d: break\n", k);
				}
				dur = cg[k].break_len;
			}
			t = it[q].start + dur;
			la = dla;
			lo = dlo;
		}
		if (t >= 0) {
			double back = travel_min(&hp, cg[k].mode, la, lo, cg[k].lat, cg[k].lon);
			travel += back;
			if (t + back > cg[k].shift_end + 1.0 || t + back - left > cg[k].max_work + 1.0) {
				errors++;
				fprintf(stderr, "caregiver %d: shift or working time (%.1f %.1f)\n", k,
					t + back, t + back - left);
			}
			if (brk != 1) {
				errors++;
				fprintf(stderr, "caregiver %d: %d breaks\n", k, brk);
			}
		}
	}
	for (int i = 0; i < sc->nv; i++)
		if (seen[i] > 1)
			errors++;
	if (served + sol.nunassigned != sc->nv || !sol.feasible) {
		errors++;
		fprintf(stderr, "served %d + postponed %d != %d or infeasible (%d)\n", served,
			sol.nunassigned, sc->nv, sol.feasible);
	}
	printf("| %d | %d | %.0f | %d | %d | %.0f %% | %.1f | %s |\n", sc->ncg, sc->nv, secs, served,
	       sol.nunassigned, pref ? 100.0 * kept / pref : 100.0, travel / served,
	       errors ? "FAILED" : "ok");
	free(seen);
	free(cg);
	free(v);
	free(it);
	dsp_solution_free(&sol);
	dsp_instance_free(in);
	return errors != 0;
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 10;
	scenario sc[] = {{5, 30}, {10, 60}, {20, 120}, {40, 240}};
	int bad = 0;
	printf("| caregivers | visits | seconds | served | postponed | preferred kept | travel min/visit | check |\n");
	printf("|---:|---:|---:|---:|---:|---:|---:|---|\n");
	for (size_t k = 0; k < sizeof(sc) / sizeof(sc[0]); k++)
		bad |= run(&sc[k], secs, 1 + (unsigned)k);
	return bad;
}
