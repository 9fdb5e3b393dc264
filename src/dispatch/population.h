/* population.h — population of the hybrid genetic search (internal). */
#ifndef SHEQU_DSP_POPULATION_H
#define SHEQU_DSP_POPULATION_H

#include "dispatch/dsp_internal.h"

typedef struct {
	const dsp_instance *in;
	int mu, lambda, nclose, nelite;
	int pool;             /* individuals owned, a free list hands them out */
	dsp_indiv *ind;
	int *freelist, nfree;
	double *bpd;          /* pool x pool broken-pairs distances */
	int *sub[2], nsub[2]; /* 0 feasible, 1 infeasible; sorted by cost */
	int dirty[2];
} dsp_pop;

int dsp_pop_new(const dsp_instance *in, int mu, int lambda, dsp_pop **out);
void dsp_pop_free(dsp_pop *p);
void dsp_pop_clear(dsp_pop *p);
int dsp_pop_add(dsp_pop *p, const dsp_indiv *x);
const dsp_indiv *dsp_pop_tournament(dsp_pop *p, dsp_rng *rng);
void dsp_pop_repenalise(dsp_pop *p, const dsp_penalty *pen);
int dsp_pop_size(const dsp_pop *p);

#endif
