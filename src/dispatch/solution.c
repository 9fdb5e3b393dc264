/* solution.c — evaluation and CVRPLIB output of a solution. */
#include "dispatch/dsp_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void dsp_solution_free(dsp_solution *s)
{
	free(s->route_start);
	free(s->visits);
	free(s->route_vehicle);
	free(s->unassigned);
	memset(s, 0, sizeof(*s));
}

int dsp_solution_evaluate(const dsp_instance *in, dsp_solution *s)
{
	int64_t dist = 0, ac = 0;
	double exact = 0;
	int feasible = 1, nvis = 0;
	char *seen = calloc((size_t)in->nnodes, 1);
	if (!seen)
		return DSP_ENOMEM;
	for (int r = 0; r < s->nroutes; r++) {
		int v = s->route_vehicle[r];
		if (v < 0 || v >= in->nveh) {
			free(seen);
			return DSP_EINVAL;
		}
		const dsp_vehicle *vh = &in->veh[v];
		dsp_seg a = dsp_seg_node(in, vh->start);
		int prev = vh->start;
		for (int k = s->route_start[r]; k < s->route_start[r + 1]; k++) {
			int c = s->visits[k];
			if (c < 1 || c > in->n || seen[c]) {
				free(seen);
				return DSP_EINVAL;
			}
			seen[c] = 1;
			nvis++;
			dsp_seg t = dsp_seg_node(in, c);
			a = dsp_seg_merge(in, vh->prof, &a, &t);
			if (in->acost)
				ac += in->acost[(size_t)c * (size_t)in->nveh + (size_t)v];
			exact += hypot(in->x[c] - in->x[prev], in->y[c] - in->y[prev]);
			prev = c;
		}
		dsp_seg e = dsp_seg_node(in, vh->end);
		a = dsp_seg_merge(in, vh->prof, &a, &e);
		exact += hypot(in->x[vh->end] - in->x[prev], in->y[vh->end] - in->y[prev]);
		dist += a.dist;
		if (a.tw > 0 || a.load > vh->capacity || a.dur > vh->max_dur)
			feasible = 0;
	}
	free(seen);
	s->feasible = feasible && nvis + s->nunassigned == in->n && ac < DSP_FORBID;
	/* Hierarchical benchmark figures are quoted in double precision. */
	if (in->objective == DSP_OBJ_HIERARCHICAL && !in->visit_of)
		s->distance = exact;
	else
		s->distance = (double)dist / in->scale;
	s->cost = s->distance + (double)ac / in->scale;
	return 0;
}

int dsp_solution_write(FILE *f, const dsp_instance *in, const dsp_solution *s)
{
	int k = 1;
	for (int r = 0; r < s->nroutes; r++) {
		if (s->route_start[r] == s->route_start[r + 1])
			continue;
		fprintf(f, "Route #%d:", k++);
		for (int i = s->route_start[r]; i < s->route_start[r + 1]; i++)
			fprintf(f, " %d", in->ext_id[s->visits[i]]);
		fputc('\n', f);
	}
	if (in->objective == DSP_OBJ_HIERARCHICAL)
		fprintf(f, "Cost %.2f\n", s->cost);
	else
		fprintf(f, "Cost %.1f\n", s->cost);
	return ferror(f) ? DSP_EIO : 0;
}
