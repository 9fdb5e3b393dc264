/* individual.c — a solution as the genetic search stores it, its cost and
 * the broken-pairs distance used for population diversity. */
#include "dispatch/dsp_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int dsp_indiv_init(dsp_indiv *x, const dsp_instance *in)
{
	memset(x, 0, sizeof(*x));
	x->n = in->n;
	x->tour = calloc((size_t)in->n, sizeof(int));
	x->rstart = calloc((size_t)in->n + 2, sizeof(int));
	x->rveh = calloc((size_t)in->n + 1, sizeof(int));
	x->succ = calloc((size_t)in->n + 1, sizeof(int));
	x->pred = calloc((size_t)in->n + 1, sizeof(int));
	if (!x->tour || !x->rstart || !x->rveh || !x->succ || !x->pred) {
		dsp_indiv_free(x);
		return DSP_ENOMEM;
	}
	return 0;
}

void dsp_indiv_free(dsp_indiv *x)
{
	free(x->tour);
	free(x->rstart);
	free(x->rveh);
	free(x->succ);
	free(x->pred);
	memset(x, 0, sizeof(*x));
}

void dsp_indiv_copy(dsp_indiv *dst, const dsp_indiv *src)
{
	int n = src->n;
	memcpy(dst->tour, src->tour, (size_t)n * sizeof(int));
	memcpy(dst->rstart, src->rstart, (size_t)(src->nroutes + 1) * sizeof(int));
	memcpy(dst->rveh, src->rveh, (size_t)src->nroutes * sizeof(int));
	memcpy(dst->succ, src->succ, (size_t)(n + 1) * sizeof(int));
	memcpy(dst->pred, src->pred, (size_t)(n + 1) * sizeof(int));
	dst->nroutes = src->nroutes;
	dst->pcost = src->pcost;
	dst->dist = src->dist;
	dst->acost = src->acost;
	dst->overload = src->overload;
	dst->warp = src->warp;
	dst->feasible = src->feasible;
	dst->fitness = src->fitness;
}

double dsp_indiv_pcost(const dsp_indiv *x, const dsp_penalty *p)
{
	return (double)(x->dist + x->acost) + p->load * (double)x->overload +
	       p->tw * (double)x->warp;
}

void dsp_indiv_eval(dsp_indiv *x, const dsp_instance *in, const dsp_penalty *p)
{
	x->dist = x->acost = x->overload = x->warp = 0;
	for (int r = 0; r < x->nroutes; r++) {
		int v = x->rveh[r];
		const dsp_vehicle *vh = &in->veh[v];
		dsp_seg s = dsp_seg_node(in, vh->start);
		int prev = 0;
		for (int k = x->rstart[r]; k < x->rstart[r + 1]; k++) {
			int c = x->tour[k];
			dsp_seg t = dsp_seg_node(in, c);
			s = dsp_seg_merge(in, vh->prof, &s, &t);
			if (in->acost)
				x->acost += in->acost[(size_t)c * (size_t)in->nveh + (size_t)v];
			x->pred[c] = prev;
			if (prev)
				x->succ[prev] = c;
			prev = c;
		}
		if (prev)
			x->succ[prev] = 0;
		dsp_seg e = dsp_seg_node(in, vh->end);
		s = dsp_seg_merge(in, vh->prof, &s, &e);
		x->dist += s.dist;
		x->overload += dsp_max64(s.load - vh->capacity, 0);
		x->warp += s.tw + dsp_max64(s.dur - vh->max_dur, 0);
	}
	x->feasible = x->overload == 0 && x->warp == 0 && x->acost < DSP_FORBID;
	x->pcost = dsp_indiv_pcost(x, p);
}

/* Broken-pairs distance, normalised to [0, 1]. */
double dsp_indiv_distance(const dsp_indiv *a, const dsp_indiv *b)
{
	int diff = 0;
	for (int j = 1; j <= a->n; j++) {
		if (a->succ[j] != b->succ[j] && a->succ[j] != b->pred[j])
			diff++;
		if (a->pred[j] == 0 && b->pred[j] != 0 && b->succ[j] != 0)
			diff++;
	}
	return (double)diff / (double)a->n;
}

typedef struct {
	double key;
	int r;
} rkey_t;

static int cmp_rkey(const void *pa, const void *pb)
{
	const rkey_t *a = pa, *b = pb;
	if (a->key < b->key)
		return -1;
	if (a->key > b->key)
		return 1;
	return a->r - b->r;
}

/* Routes sorted by the polar angle of their barycentre, so that the split
 * of a crossover child sees neighbouring routes next to each other. */
void dsp_giant_tour(const dsp_instance *in, const dsp_indiv *x, int *giant)
{
	rkey_t stackbuf[64];
	rkey_t *keys = x->nroutes <= 64 ? stackbuf : malloc((size_t)x->nroutes * sizeof(rkey_t));
	int k = 0;
	if (!keys) { /* out of memory: the unsorted order is still valid */
		memcpy(giant, x->tour, (size_t)x->n * sizeof(int));
		return;
	}
	for (int r = 0; r < x->nroutes; r++) {
		double sx = 0, sy = 0;
		int c = 0, d = in->veh[x->rveh[r]].start;
		for (int i = x->rstart[r]; i < x->rstart[r + 1]; i++, c++) {
			sx += in->x[x->tour[i]];
			sy += in->y[x->tour[i]];
		}
		keys[r].key = c ? atan2(sy / c - in->y[d], sx / c - in->x[d]) : 0;
		keys[r].r = r;
	}
	qsort(keys, (size_t)x->nroutes, sizeof(rkey_t), cmp_rkey);
	for (int q = 0; q < x->nroutes; q++) {
		int r = keys[q].r;
		for (int i = x->rstart[r]; i < x->rstart[r + 1]; i++)
			giant[k++] = x->tour[i];
	}
	if (keys != stackbuf)
		free(keys);
}
