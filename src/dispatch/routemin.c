/* routemin.c — route minimisation for the hierarchical objective, after
 * the ejection-pool heuristic of Nagata & Bräysy (2009): dissolve a route,
 * then put its visits back one at a time — feasible insertion, else a
 * penalised "squeeze" followed by local search, else insert and eject the
 * visits that are cheapest by how often they have failed before.  Random
 * feasible moves between steps keep the search from cycling.  The genetic
 * search alone lowers the fleet slowly; this gets the counts of the
 * best-known Solomon solutions within seconds on most instances. */
#include "dispatch/ls_internal.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
	dsp_ls *ls;
	int m;          /* active route slots 0..m-1 */
	int *ep, nep;   /* ejection pool, used as a stack */
	long *fails;    /* how often each visit could not be inserted */
	dsp_rng *rng;
	dsp_indiv snap;
} rm_t;

static inline void add(piece *pc, int *np, int r, int a, int b)
{
	if (a <= b)
		pc[(*np)++] = (piece){r, a, b};
}

static int all_feasible(const rm_t *rm)
{
	for (int r = 0; r < rm->m; r++)
		if (rm->ls->routes[r].pen > 1e-9)
			return 0;
	return 1;
}

/* Insert at the least penalised place and let the local search repair. */
static int squeeze(rm_t *rm, int c)
{
	dsp_ls *ls = rm->ls;
	double best = 1e300;
	int br = 0, bp = 0;
	for (int r = 0; r < rm->m; r++) {
		lroute *rt = &ls->routes[r];
		for (int p = 0; p <= rt->len; p++) {
			piece pc[3] = {{r, 0, p}, {-1, c, c}, {r, p + 1, rt->len + 1}};
			double d = dsp_ls_eval_route(ls, rt->veh, pc, 3) - rt->cost;
			if (d < best) {
				best = d;
				br = r;
				bp = p;
			}
		}
	}
	dsp_ls_store(ls, &rm->snap, rm->m);
	piece pc[3] = {{br, 0, bp}, {-1, c, c}, {br, bp + 1, ls->routes[br].len + 1}};
	dsp_ls_apply(ls, br, pc, 3, -1, NULL, 0);
	dsp_ls_optimise(ls, rm->m, rm->rng);
	if (all_feasible(rm))
		return 1;
	dsp_ls_load(ls, &rm->snap, rm->m);
	return 0;
}

/* Route r with positions rem[0..k-1] (sorted) removed and c after p. */
static int eject_pieces(piece *pc, int r, int L, const int *rem, int k, int c, int p)
{
	int np = 0, start = 0;
	for (int q = 0; q <= k; q++) {
		int stop = q < k ? rem[q] - 1 : L + 1;
		if (start <= p && p <= stop) {
			add(pc, &np, r, start, p);
			pc[np++] = (piece){-1, c, c};
			add(pc, &np, r, p + 1, stop);
		} else {
			add(pc, &np, r, start, stop);
		}
		start = stop + 2;
	}
	return np;
}

/* Insert c and eject up to three visits of one route, minimising the sum
 * of their failure counts. */
static int eject(rm_t *rm, int c)
{
	dsp_ls *ls = rm->ls;
	long best = LONG_MAX;
	int br = -1, bp = -1, bk = 0, brem[3] = {0, 0, 0};
	piece pc[12];
	for (int r = 0; r < rm->m; r++) {
		lroute *rt = &ls->routes[r];
		int L = rt->len, kmax = L <= 12 ? 3 : L <= 35 ? 2 : 1;
		const int *nd = rt->nodes;
		for (int p = 0; p <= L; p++) {
			int rem[3];
			for (int i = 1; i <= L; i++) {
				long s1 = rm->fails[nd[i]];
				if (s1 >= best)
					continue;
				rem[0] = i;
				if (i != p) {
					int np = eject_pieces(pc, r, L, rem, 1, c, p);
					if (dsp_ls_route_feasible(ls, rt->veh, pc, np)) {
						best = s1; br = r; bp = p; bk = 1;
						memcpy(brem, rem, sizeof(rem));
						continue;
					}
				}
				for (int j = i + 1; kmax >= 2 && j <= L; j++) {
					long s2 = s1 + rm->fails[nd[j]];
					if (s2 >= best)
						continue;
					rem[1] = j;
					if (i != p && j != p) {
						int np = eject_pieces(pc, r, L, rem, 2, c, p);
						if (dsp_ls_route_feasible(ls, rt->veh, pc, np)) {
							best = s2; br = r; bp = p; bk = 2;
							memcpy(brem, rem, sizeof(rem));
							continue;
						}
					}
					for (int k = j + 1; kmax >= 3 && k <= L; k++) {
						long s3 = s2 + rm->fails[nd[k]];
						if (s3 >= best || k == p || i == p || j == p)
							continue;
						rem[2] = k;
						int np = eject_pieces(pc, r, L, rem, 3, c, p);
						if (dsp_ls_route_feasible(ls, rt->veh, pc, np)) {
							best = s3; br = r; bp = p; bk = 3;
							memcpy(brem, rem, sizeof(rem));
						}
					}
				}
			}
		}
	}
	if (br < 0)
		return 0;
	int out[3];
	for (int q = 0; q < bk; q++)
		out[q] = ls->routes[br].nodes[brem[q]];
	int np = eject_pieces(pc, br, ls->routes[br].len, brem, bk, c, bp);
	dsp_ls_apply(ls, br, pc, np, -1, NULL, 0);
	for (int q = 0; q < bk; q++) {
		ls->route_of[out[q]] = -1;
		rm->ep[rm->nep++] = out[q];
	}
	return 1;
}

/* Random feasible relocations and swaps between routes. */
static void perturb(rm_t *rm, int tries)
{
	dsp_ls *ls = rm->ls;
	for (int t = 0; t < tries; t++) {
		int u = 1 + dsp_rand_int(rm->rng, ls->n);
		if (ls->route_of[u] < 0 || ls->nneigh[u] == 0)
			continue;
		int v = ls->neigh[(size_t)u * GRANULAR + (size_t)dsp_rand_int(rm->rng, ls->nneigh[u])];
		int R = ls->route_of[u], S = ls->route_of[v];
		if (S < 0 || S == R)
			continue;
		int i = ls->pos_of[u], j = ls->pos_of[v];
		int LR = ls->routes[R].len, LS = ls->routes[S].len;
		piece pr[3], ps[3];
		int nr = 0, ns = 0;
		if (dsp_rand_int(rm->rng, 2)) { /* relocate u after v */
			if (LR == 1)
				continue;
			add(pr, &nr, R, 0, i - 1);
			add(pr, &nr, R, i + 1, LR + 1);
			add(ps, &ns, S, 0, j);
			add(ps, &ns, R, i, i);
			add(ps, &ns, S, j + 1, LS + 1);
		} else { /* swap u and v */
			add(pr, &nr, R, 0, i - 1);
			add(pr, &nr, S, j, j);
			add(pr, &nr, R, i + 1, LR + 1);
			add(ps, &ns, S, 0, j - 1);
			add(ps, &ns, R, i, i);
			add(ps, &ns, S, j + 1, LS + 1);
		}
		if (dsp_ls_route_feasible(ls, ls->routes[R].veh, pr, nr) &&
		    dsp_ls_route_feasible(ls, ls->routes[S].veh, ps, ns))
			dsp_ls_apply(ls, R, pr, nr, S, ps, ns);
	}
}

int dsp_routemin(dsp_ls *ls, const dsp_indiv *x, const dsp_penalty *pen,
		 dsp_rng *rng, int (*stop)(void *), void *ctx, dsp_indiv *out)
{
	const dsp_instance *in = ls->in;
	rm_t rm;
	int ret = DSP_ENOMEM, ok = 0;
	memset(&rm, 0, sizeof(rm));
	rm.ls = ls;
	rm.rng = rng;
	rm.ep = malloc((size_t)(in->n + 1) * sizeof(int));
	rm.fails = calloc((size_t)in->n + 1, sizeof(long));
	if (!rm.ep || !rm.fails || dsp_indiv_init(&rm.snap, in))
		goto fail;
	/* Drop one route at random; the others move to slots 0..m-1. */
	dsp_indiv_copy(out, x);
	int drop = dsp_rand_int(rng, x->nroutes), q = 0, k = 0;
	for (int r = 0; r < x->nroutes; r++) {
		if (r == drop) {
			for (int i = x->rstart[r]; i < x->rstart[r + 1]; i++)
				rm.ep[rm.nep++] = x->tour[i];
			continue;
		}
		out->rstart[q] = k;
		out->rveh[q] = q;
		for (int i = x->rstart[r]; i < x->rstart[r + 1]; i++)
			out->tour[k++] = x->tour[i];
		q++;
	}
	out->rstart[q] = k;
	out->nroutes = q;
	rm.m = q;
	for (int c = 1; c <= in->n; c++)
		rm.fails[c] = 1;
	ls->pen = *pen;
	if ((ret = dsp_ls_load(ls, out, rm.m)))
		goto fail;
	ret = 0;
	while (rm.nep > 0 && !stop(ctx)) {
		int c = rm.ep[--rm.nep];
		if (dsp_ls_insert_feasible(rm.ls, c, rm.m) || squeeze(&rm, c))
			continue;
		rm.fails[c]++;
		if (!eject(&rm, c)) {
			rm.ep[rm.nep++] = c; /* cannot happen with a feasible route set */
			break;
		}
		perturb(&rm, 100);
	}
	if (rm.nep == 0) {
		dsp_ls_store(ls, out, rm.m);
		dsp_indiv_eval(out, in, pen);
		ok = out->feasible;
	}
fail:
	free(rm.ep);
	free(rm.fails);
	dsp_indiv_free(&rm.snap);
	return ret ? ret : ok;
}
