/* construct.c — greedy construction: visits by increasing due date, each
 * inserted where it adds least distance without breaking a time window,
 * capacity or shift; a new route is opened when none can take it.  It
 * gives the search one reasonable starting point and the CLI a fallback. */
#include "dispatch/dsp_internal.h"

#include <stdlib.h>
#include <string.h>

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

static int feasible_seg(const dsp_instance *in, int v, const dsp_seg *s)
{
	const dsp_vehicle *vh = &in->veh[v];
	return s->tw == 0 && s->load <= vh->capacity && s->dur <= vh->max_dur;
}

int dsp_construct_greedy(const dsp_instance *in, dsp_indiv *out)
{
	int n = in->n, K = in->nveh, ret = DSP_ENOMEM;
	int64_t *order = malloc((size_t)n * sizeof(int64_t));
	int *rlen = calloc((size_t)K, sizeof(int));
	int *nodes = malloc((size_t)K * (size_t)(n + 2) * sizeof(int));
	dsp_seg *pre = malloc((size_t)(n + 2) * sizeof(dsp_seg));
	dsp_seg *suf = malloc((size_t)(n + 2) * sizeof(dsp_seg));
	int *spill = malloc((size_t)n * sizeof(int));
	int nspill = 0;
	if (!order || !rlen || !nodes || !pre || !suf || !spill)
		goto fail;
	/* key = due date, then id: deterministic without a sort context */
	for (int i = 0; i < n; i++)
		order[i] = in->late[i + 1] * (int64_t)(n + 1) + i + 1;
	qsort(order, (size_t)n, sizeof(int64_t), cmp_i64);
	for (int q = 0; q < n; q++) {
		int c = (int)(order[q] % (n + 1)), best_r = -1, best_p = -1;
		int64_t best = INT64_MAX;
		dsp_seg cs = dsp_seg_node(in, c);
		for (int r = 0; r < K; r++) {
			int *rn = nodes + (size_t)r * (size_t)(n + 2);
			int L = rlen[r], prof = in->veh[r].prof;
			if (L == 0 && best_r >= 0 && in->homogeneous)
				continue; /* a new route only when nothing else fits */
			rn[0] = in->veh[r].start;
			rn[L + 1] = in->veh[r].end;
			pre[0] = dsp_seg_node(in, rn[0]);
			for (int i = 1; i <= L + 1; i++) {
				dsp_seg t = dsp_seg_node(in, rn[i]);
				pre[i] = dsp_seg_merge(in, prof, &pre[i - 1], &t);
			}
			suf[L + 1] = dsp_seg_node(in, rn[L + 1]);
			for (int i = L; i >= 0; i--) {
				dsp_seg t = dsp_seg_node(in, rn[i]);
				suf[i] = dsp_seg_merge(in, prof, &t, &suf[i + 1]);
			}
			for (int p = 0; p <= L; p++) {
				dsp_seg s = dsp_seg_merge(in, prof, &pre[p], &cs);
				s = dsp_seg_merge(in, prof, &s, &suf[p + 1]);
				if (!feasible_seg(in, r, &s))
					continue;
				int64_t add = s.dist - pre[L + 1].dist;
				if (in->acost)
					add += in->acost[(size_t)c * (size_t)K + (size_t)r];
				if (L == 0 && in->homogeneous)
					add += in->maxdist * 4; /* prefer filling open routes */
				if (add < best) {
					best = add;
					best_r = r;
					best_p = p;
				}
			}
		}
		if (best_r < 0) {
			spill[nspill++] = c;
			continue;
		}
		int *rn = nodes + (size_t)best_r * (size_t)(n + 2);
		memmove(&rn[best_p + 2], &rn[best_p + 1], (size_t)(rlen[best_r] - best_p) * sizeof(int));
		rn[best_p + 1] = c;
		rlen[best_r]++;
	}
	/* Visits no route can take go to the shortest route; the search then
	 * repairs the violation under penalties. */
	for (int q = 0; q < nspill; q++) {
		int r = 0;
		for (int k = 1; k < K; k++)
			if (rlen[k] < rlen[r])
				r = k;
		nodes[(size_t)r * (size_t)(n + 2) + (size_t)(++rlen[r])] = spill[q];
	}
	int k = 0;
	out->nroutes = 0;
	for (int r = 0; r < K; r++) {
		if (!rlen[r])
			continue;
		out->rstart[out->nroutes] = k;
		out->rveh[out->nroutes++] = r;
		for (int i = 1; i <= rlen[r]; i++)
			out->tour[k++] = nodes[(size_t)r * (size_t)(n + 2) + (size_t)i];
	}
	out->rstart[out->nroutes] = k;
	dsp_penalty p = {1, 1};
	dsp_indiv_eval(out, in, &p);
	ret = 0;
fail:
	free(order);
	free(rlen);
	free(nodes);
	free(pre);
	free(suf);
	free(spill);
	return ret;
}
