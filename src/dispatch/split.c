/* split.c — optimal segmentation of a giant tour into routes (Prins 2004),
 * with penalised time windows and load so infeasible children stay usable.
 * The unlimited version is O(n^2); the fleet-limited one adds a layer per
 * vehicle, which also serves heterogeneous fleets (route k -> vehicle k). */
#include "dispatch/dsp_internal.h"

#include <stdlib.h>

/* Whether extending a route further can still be useful. */
static int too_long(const dsp_instance *in, int v, const dsp_seg *s)
{
	const dsp_vehicle *vh = &in->veh[v];
	return s->load > vh->capacity + vh->capacity / 2;
}

static double route_cost_from(const dsp_instance *in, int v, const dsp_seg *seq,
			      int64_t ac, const dsp_penalty *p)
{
	dsp_seg e = dsp_seg_node(in, in->veh[v].end);
	dsp_seg full = dsp_seg_merge(in, in->veh[v].prof, seq, &e);
	return dsp_route_cost(in, v, &full, ac, p);
}

static int split_unlimited(const dsp_instance *in, const dsp_penalty *p,
			   const int *giant, dsp_indiv *out)
{
	int n = in->n;
	double *pot = malloc((size_t)(n + 1) * sizeof(double));
	int *prv = malloc((size_t)(n + 1) * sizeof(int));
	if (!pot || !prv) {
		free(pot);
		free(prv);
		return DSP_ENOMEM;
	}
	pot[0] = 0;
	for (int j = 1; j <= n; j++)
		pot[j] = 1e300;
	for (int i = 0; i < n; i++) {
		dsp_seg s = dsp_seg_node(in, in->veh[0].start);
		for (int j = i + 1; j <= n; j++) {
			dsp_seg c = dsp_seg_node(in, giant[j - 1]);
			s = dsp_seg_merge(in, in->veh[0].prof, &s, &c);
			double cost = pot[i] + route_cost_from(in, 0, &s, 0, p);
			if (cost < pot[j]) {
				pot[j] = cost;
				prv[j] = i;
			}
			if (too_long(in, 0, &s))
				break;
		}
	}
	/* Walk back: routes come out reversed, so count first. */
	int nr = 0;
	for (int j = n; j > 0; j = prv[j])
		nr++;
	out->nroutes = nr;
	int r = nr;
	for (int j = n; j > 0; j = prv[j]) {
		r--;
		out->rstart[r] = prv[j];
	}
	out->rstart[nr] = n;
	for (int q = 0; q < nr; q++)
		out->rveh[q] = q;
	for (int k = 0; k < n; k++)
		out->tour[k] = giant[k];
	free(pot);
	free(prv);
	return 0;
}

static int split_limited(const dsp_instance *in, const dsp_penalty *p,
			 const int *giant, int maxr, dsp_indiv *out)
{
	int n = in->n, K = maxr;
	size_t w = (size_t)n + 1;
	double *pot = malloc((size_t)(K + 1) * w * sizeof(double));
	int *prv = malloc((size_t)(K + 1) * w * sizeof(int));
	if (!pot || !prv) {
		free(pot);
		free(prv);
		return DSP_ENOMEM;
	}
	for (size_t q = 0; q < (size_t)(K + 1) * w; q++)
		pot[q] = 1e300;
	pot[0] = 0;
	for (int k = 0; k < K; k++) {
		int v = in->homogeneous ? 0 : k;
		double *cur = pot + (size_t)k * w, *nxt = cur + w;
		int *np = prv + (size_t)(k + 1) * w;
		for (int i = 0; i <= n; i++) {
			if (cur[i] >= 1e299)
				continue;
			if (cur[i] < nxt[i]) { /* vehicle k stays home */
				nxt[i] = cur[i];
				np[i] = i;
			}
			dsp_seg s = dsp_seg_node(in, in->veh[v].start);
			int64_t ac = 0;
			for (int j = i + 1; j <= n; j++) {
				dsp_seg c = dsp_seg_node(in, giant[j - 1]);
				s = dsp_seg_merge(in, in->veh[v].prof, &s, &c);
				if (in->acost)
					ac += in->acost[(size_t)giant[j - 1] * (size_t)in->nveh + (size_t)v];
				double cost = cur[i] + route_cost_from(in, v, &s, ac, p);
				if (cost < nxt[j]) {
					nxt[j] = cost;
					np[j] = i;
				}
				if (too_long(in, v, &s))
					break;
			}
		}
	}
	if (pot[(size_t)K * w + (size_t)n] >= 1e299) {
		free(pot);
		free(prv);
		return DSP_EINVAL; /* cannot happen unless one route overflows 1.5 cap */
	}
	/* Walk back through the layers. */
	int nr = 0, j = n;
	for (int k = K; k > 0; k--) {
		int i = prv[(size_t)k * w + (size_t)j];
		if (i < j)
			nr++;
		j = i;
	}
	out->nroutes = nr;
	int r = nr;
	j = n;
	for (int k = K; k > 0; k--) {
		int i = prv[(size_t)k * w + (size_t)j];
		if (i < j) {
			r--;
			out->rstart[r] = i;
			out->rveh[r] = k - 1;
		}
		j = i;
	}
	out->rstart[nr] = n;
	for (int k = 0; k < n; k++)
		out->tour[k] = giant[k];
	free(pot);
	free(prv);
	return 0;
}

int dsp_split(const dsp_instance *in, const dsp_penalty *p, const int *giant,
	      int maxr, dsp_indiv *out)
{
	int ret;
	if (in->homogeneous) {
		ret = split_unlimited(in, p, giant, out);
		if (ret || out->nroutes <= maxr)
			goto done;
	}
	ret = split_limited(in, p, giant, maxr, out);
	if (ret == DSP_EINVAL) {
		/* Capacity cut-off left no path: relax by splitting greedily. */
		ret = 0;
		int per = (in->n + maxr - 1) / maxr;
		out->nroutes = 0;
		for (int k = 0; k < in->n; k += per) {
			out->rstart[out->nroutes] = k;
			out->rveh[out->nroutes] = out->nroutes;
			out->nroutes++;
		}
		out->rstart[out->nroutes] = in->n;
		for (int k = 0; k < in->n; k++)
			out->tour[k] = giant[k];
	}
done:
	if (!ret)
		dsp_indiv_eval(out, in, p);
	return ret;
}
