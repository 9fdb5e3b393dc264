/* instance.c — allocation and shared accessors of dsp_instance. */
#include "dispatch/dsp_internal.h"

#include <stdlib.h>
#include <string.h>

int dsp_instance_alloc(int n, int nnodes, int nveh, int nprof, dsp_instance **out)
{
	dsp_instance *in = calloc(1, sizeof(*in));
	size_t nn = (size_t)nnodes;
	if (!in)
		return DSP_ENOMEM;
	in->n = n;
	in->nnodes = nnodes;
	in->nveh = nveh;
	in->nprof = nprof;
	in->homogeneous = 1;
	for (int p = 0; p < nprof; p++) {
		in->tmat[p] = calloc(nn * nn, sizeof(int32_t));
		in->dmat[p] = calloc(nn * nn, sizeof(int32_t));
		if (!in->tmat[p] || !in->dmat[p])
			goto fail;
	}
	in->early = calloc(nn, sizeof(int64_t));
	in->late = calloc(nn, sizeof(int64_t));
	in->service = calloc(nn, sizeof(int64_t));
	in->demand = calloc(nn, sizeof(int64_t));
	in->skill = calloc(nn, sizeof(uint32_t));
	in->x = calloc(nn, sizeof(double));
	in->y = calloc(nn, sizeof(double));
	in->ext_id = calloc(nn, sizeof(int));
	in->veh = calloc((size_t)(nveh > 0 ? nveh : 1), sizeof(dsp_vehicle));
	if (!in->early || !in->late || !in->service || !in->demand ||
	    !in->skill || !in->x || !in->y || !in->ext_id || !in->veh)
		goto fail;
	*out = in;
	return 0;
fail:
	dsp_instance_free(in);
	return DSP_ENOMEM;
}

/* Derived figures the search needs (penalty scaling). */
void dsp_instance_finish(dsp_instance *in)
{
	size_t nn = (size_t)in->nnodes;
	int64_t m = 1;
	for (int p = 0; p < in->nprof; p++)
		for (size_t k = 0; k < nn * nn; k++)
			if (in->dmat[p][k] > m)
				m = in->dmat[p][k];
	in->maxdist = m;
}

void dsp_instance_free(dsp_instance *in)
{
	if (!in)
		return;
	for (int p = 0; p < DSP_MAXPROF; p++) {
		free(in->tmat[p]);
		free(in->dmat[p]);
	}
	free(in->early);
	free(in->late);
	free(in->service);
	free(in->demand);
	free(in->skill);
	free(in->x);
	free(in->y);
	free(in->ext_id);
	free(in->veh);
	free(in->acost);
	free(in->visit_of);
	free(in->priority);
	free(in);
}

int dsp_instance_clients(const dsp_instance *in) { return in->n; }
const char *dsp_instance_name(const dsp_instance *in) { return in->name; }
int dsp_instance_client_id(const dsp_instance *in, int i) { return in->ext_id[i]; }

void dsp_shuffle(dsp_rng *r, int *a, int n)
{
	for (int i = n - 1; i > 0; i--) {
		int j = dsp_rand_int(r, i + 1);
		int t = a[i];
		a[i] = a[j];
		a[j] = t;
	}
}
