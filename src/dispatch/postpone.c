/* postpone.c — an over-subscribed home-care day: when no plan serves every
 * visit, leave out few visits, lowest priority first.  Starting from the
 * least infeasible plan found, repeatedly drop the visit whose removal
 * relieves its route's violation most per unit of priority, re-optimise
 * the rest, then put back whatever now fits, highest priority first. */
#include "dispatch/ls_internal.h"

#include <stdlib.h>

static int route_ok(const dsp_ls *ls, int r)
{
	const lroute *rt = &ls->routes[r];
	double ac = rt->cost - (double)rt->dist - rt->pen;
	return rt->pen <= 1e-9 && ac < (double)DSP_FORBID;
}

static double weight(const dsp_instance *in, int c)
{
	return 1.0 + (in->priority ? in->priority[c] : 0);
}

int dsp_postpone(dsp_ls *ls, dsp_indiv *x, const dsp_penalty *pen, dsp_rng *rng,
		 int *dropped, int *ndropped)
{
	const dsp_instance *in = ls->in;
	int m = in->nveh, nd = 0;
	ls->pen = *pen;
	ls->nmoves = 1;
	if (dsp_ls_load(ls, x, m))
		return DSP_ENOMEM;
	dsp_ls_optimise(ls, m, rng);
	for (;;) {
		double best = 1e300;
		int br = -1, bi = -1;
		for (int r = 0; r < m; r++) {
			lroute *rt = &ls->routes[r];
			if (route_ok(ls, r))
				continue;
			for (int i = 1; i <= rt->len; i++) {
				int c = rt->nodes[i];
				if (in->visit_of && in->visit_of[c] < 0)
					continue; /* breaks are not optional */
				piece pc[2] = {{r, 0, i - 1}, {r, i + 1, rt->len + 1}};
				double gain = dsp_ls_eval_route(ls, rt->veh, pc, 2) - rt->cost;
				double score = gain / weight(in, c);
				if (score < best) {
					best = score;
					br = r;
					bi = i;
				}
			}
		}
		if (br < 0)
			break; /* feasible, or nothing left that may be dropped */
		lroute *rt = &ls->routes[br];
		int c = rt->nodes[bi];
		piece pc[2] = {{br, 0, bi - 1}, {br, bi + 1, rt->len + 1}};
		dsp_ls_apply(ls, br, pc, 2, -1, NULL, 0);
		ls->route_of[c] = -1;
		dropped[nd++] = c;
		dsp_ls_optimise(ls, m, rng);
	}
	/* Highest priority first (insertion sort: few visits). */
	for (int a = 1; a < nd; a++) {
		int t = dropped[a], q = a;
		while (q > 0 && weight(in, dropped[q - 1]) < weight(in, t)) {
			dropped[q] = dropped[q - 1];
			q--;
		}
		dropped[q] = t;
	}
	int kept = 0;
	for (int a = 0; a < nd; a++)
		if (!dsp_ls_insert_feasible(ls, dropped[a], m))
			dropped[kept++] = dropped[a];
	*ndropped = kept;
	dsp_ls_store(ls, x, m);
	dsp_indiv_eval(x, in, pen);
	return 0;
}
