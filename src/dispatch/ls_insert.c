/* ls_insert.c: cheapest insertion of one client that keeps its route feasible (no time warp, load
 * and duration within the vehicle's limits) - what route minimisation and postponing a visit both
 * need when they put a client back. */
#include "ls_internal.h"

int dsp_ls_route_feasible(dsp_ls *ls, int v, const piece *pc, int np)
{
	const dsp_instance *in = ls->in;
	int prof = in->veh[v].prof;
	dsp_seg s = *piece_seg(ls, prof, &pc[0]);
	for (int k = 1; k < np; k++)
		s = dsp_seg_merge(in, prof, &s, piece_seg(ls, prof, &pc[k]));
	const dsp_vehicle *vh = &in->veh[v];
	return s.tw == 0 && s.load <= vh->capacity && s.dur <= vh->max_dur;
}

int dsp_ls_insert_feasible(dsp_ls *ls, int c, int m)
{
	const dsp_instance *in = ls->in;
	double best = 1e300;
	int br = -1, bp = -1;
	for (int r = 0; r < m; r++) {
		lroute *rt = &ls->routes[r];
		/* a caregiver without the visit's skill never takes it */
		if (in->acost && in->acost[(size_t)c * (size_t)in->nveh + (size_t)rt->veh] >= DSP_FORBID)
			continue;
		for (int p = 0; p <= rt->len; p++) {
			piece pc[3] = {{r, 0, p}, {-1, c, c}, {r, p + 1, rt->len + 1}};
			if (!dsp_ls_route_feasible(ls, rt->veh, pc, 3))
				continue;
			double d = dsp_ls_eval_route(ls, rt->veh, pc, 3) - rt->cost;
			if (d < best) {
				best = d;
				br = r;
				bp = p;
			}
		}
	}
	if (br < 0)
		return 0;
	piece pc[3] = {{br, 0, bp}, {-1, c, c}, {br, bp + 1, ls->routes[br].len + 1}};
	dsp_ls_apply(ls, br, pc, 3, -1, NULL, 0);
	return 1;
}
