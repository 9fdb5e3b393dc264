/* population.c — feasible and infeasible subpopulations with biased
 * fitness (cost rank plus diversity rank, Vidal et al. 2012), survivor
 * selection that removes clones first, and binary tournaments. */
#include "dispatch/population.h"

#include <stdlib.h>
#include <string.h>

int dsp_pop_new(const dsp_instance *in, int mu, int lambda, dsp_pop **out)
{
	dsp_pop *p = calloc(1, sizeof(*p));
	if (!p)
		return DSP_ENOMEM;
	p->in = in;
	p->mu = mu;
	p->lambda = lambda;
	p->nclose = 5;
	p->nelite = 4;
	p->pool = 2 * (mu + lambda + 1);
	p->ind = calloc((size_t)p->pool, sizeof(dsp_indiv));
	p->freelist = calloc((size_t)p->pool, sizeof(int));
	p->bpd = calloc((size_t)p->pool * (size_t)p->pool, sizeof(double));
	for (int s = 0; s < 2; s++)
		p->sub[s] = calloc((size_t)p->pool, sizeof(int));
	if (!p->ind || !p->freelist || !p->bpd || !p->sub[0] || !p->sub[1])
		goto fail;
	for (int k = 0; k < p->pool; k++) {
		if (dsp_indiv_init(&p->ind[k], in))
			goto fail;
		p->freelist[p->nfree++] = p->pool - 1 - k;
	}
	*out = p;
	return 0;
fail:
	dsp_pop_free(p);
	return DSP_ENOMEM;
}

void dsp_pop_free(dsp_pop *p)
{
	if (!p)
		return;
	if (p->ind)
		for (int k = 0; k < p->pool; k++)
			dsp_indiv_free(&p->ind[k]);
	free(p->ind);
	free(p->freelist);
	free(p->bpd);
	free(p->sub[0]);
	free(p->sub[1]);
	free(p);
}

void dsp_pop_clear(dsp_pop *p)
{
	for (int s = 0; s < 2; s++) {
		for (int k = 0; k < p->nsub[s]; k++)
			p->freelist[p->nfree++] = p->sub[s][k];
		p->nsub[s] = 0;
	}
}

static inline double *bpd(dsp_pop *p, int a, int b)
{
	return &p->bpd[(size_t)a * (size_t)p->pool + (size_t)b];
}

/* Biased fitness of every member of subpopulation s. */
static void update_fitness(dsp_pop *p, int s)
{
	int m = p->nsub[s];
	int *ids = p->sub[s];
	if (m == 0)
		return;
	if (m == 1) {
		p->ind[ids[0]].fitness = 0;
		return;
	}
	double div[256];
	int order[256];
	for (int a = 0; a < m; a++) {
		/* Average distance to the nclose nearest others (partial sort). */
		double best[8];
		int nb = 0, want = p->nclose < m - 1 ? p->nclose : m - 1;
		for (int b = 0; b < m; b++) {
			if (a == b)
				continue;
			double d = *bpd(p, ids[a], ids[b]);
			if (nb < want) {
				int q = nb++;
				while (q > 0 && best[q - 1] > d) {
					best[q] = best[q - 1];
					q--;
				}
				best[q] = d;
			} else if (d < best[want - 1]) {
				int q = want - 1;
				while (q > 0 && best[q - 1] > d) {
					best[q] = best[q - 1];
					q--;
				}
				best[q] = d;
			}
		}
		double sum = 0;
		for (int q = 0; q < nb; q++)
			sum += best[q];
		div[a] = sum / nb;
		order[a] = a;
	}
	/* Rank by diversity, largest first (insertion sort, m is small). */
	for (int a = 1; a < m; a++) {
		int t = order[a], q = a;
		while (q > 0 && div[order[q - 1]] < div[t]) {
			order[q] = order[q - 1];
			q--;
		}
		order[q] = t;
	}
	double w = 1.0 - (double)p->nelite / (double)m;
	for (int r = 0; r < m; r++) {
		int a = order[r]; /* ids are kept sorted by cost: a is the cost rank */
		double fit_rank = (double)a / (double)(m - 1);
		double div_rank = (double)r / (double)(m - 1);
		p->ind[ids[a]].fitness = fit_rank + w * div_rank;
	}
}

static int better(const dsp_indiv *a, const dsp_indiv *b)
{
	return a->pcost < b->pcost;
}

static void remove_at(dsp_pop *p, int s, int pos)
{
	int id = p->sub[s][pos];
	memmove(&p->sub[s][pos], &p->sub[s][pos + 1],
		(size_t)(p->nsub[s] - pos - 1) * sizeof(int));
	p->nsub[s]--;
	p->freelist[p->nfree++] = id;
}

/* Survivor selection: drop clones first, then the worst biased fitness. */
static void select_survivors(dsp_pop *p, int s)
{
	while (p->nsub[s] > p->mu) {
		int m = p->nsub[s], worst = -1, worst_clone = 0;
		double worst_fit = -1;
		update_fitness(p, s);
		for (int a = 1; a < m; a++) { /* never the best-cost one */
			int id = p->sub[s][a], clone = 0;
			for (int b = 0; b < m && !clone; b++)
				if (b != a && *bpd(p, id, p->sub[s][b]) < 1e-9)
					clone = 1;
			double f = p->ind[id].fitness;
			if ((clone && !worst_clone) || (clone == worst_clone && f > worst_fit)) {
				worst = a;
				worst_fit = f;
				worst_clone = clone;
			}
		}
		remove_at(p, s, worst);
	}
}

int dsp_pop_add(dsp_pop *p, const dsp_indiv *x)
{
	int s = x->feasible ? 0 : 1;
	if (p->nfree == 0)
		return DSP_ENOMEM;
	int id = p->freelist[--p->nfree];
	dsp_indiv_copy(&p->ind[id], x);
	for (int k = 0; k < p->nsub[s]; k++) {
		int o = p->sub[s][k];
		double d = dsp_indiv_distance(&p->ind[id], &p->ind[o]);
		*bpd(p, id, o) = *bpd(p, o, id) = d;
	}
	/* Keep the subpopulation sorted by penalised cost. */
	int pos = p->nsub[s];
	while (pos > 0 && better(&p->ind[id], &p->ind[p->sub[s][pos - 1]])) {
		p->sub[s][pos] = p->sub[s][pos - 1];
		pos--;
	}
	p->sub[s][pos] = id;
	p->nsub[s]++;
	if (p->nsub[s] >= p->mu + p->lambda)
		select_survivors(p, s);
	p->dirty[s] = 1;
	return 0;
}

const dsp_indiv *dsp_pop_tournament(dsp_pop *p, dsp_rng *rng)
{
	int tot = p->nsub[0] + p->nsub[1];
	for (int s = 0; s < 2; s++)
		if (p->dirty[s]) {
			update_fitness(p, s);
			p->dirty[s] = 0;
		}
	int a = dsp_rand_int(rng, tot), b = dsp_rand_int(rng, tot);
	const dsp_indiv *x = a < p->nsub[0] ? &p->ind[p->sub[0][a]] : &p->ind[p->sub[1][a - p->nsub[0]]];
	const dsp_indiv *y = b < p->nsub[0] ? &p->ind[p->sub[0][b]] : &p->ind[p->sub[1][b - p->nsub[0]]];
	return x->fitness <= y->fitness ? x : y;
}

/* New penalty weights: re-cost and re-sort the infeasible members. */
void dsp_pop_repenalise(dsp_pop *p, const dsp_penalty *pen)
{
	int m = p->nsub[1];
	for (int k = 0; k < m; k++)
		p->ind[p->sub[1][k]].pcost = dsp_indiv_pcost(&p->ind[p->sub[1][k]], pen);
	for (int a = 1; a < m; a++) {
		int t = p->sub[1][a], q = a;
		while (q > 0 && better(&p->ind[t], &p->ind[p->sub[1][q - 1]])) {
			p->sub[1][q] = p->sub[1][q - 1];
			q--;
		}
		p->sub[1][q] = t;
	}
	p->dirty[1] = 1;
}

int dsp_pop_size(const dsp_pop *p) { return p->nsub[0] + p->nsub[1]; }
