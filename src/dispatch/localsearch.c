/* localsearch.c — granular local search with O(1) move evaluation.
 *
 * Every route keeps a matrix of time-warp segments for all sub-sequences
 * (forward for i <= j, reversed for i > j).  A move rewrites each touched
 * route as at most five pieces of existing routes, so its exact penalised
 * cost is a handful of segment merges whatever the route length.  The
 * matrix is rebuilt (O(L^2)) only for the routes a move changes, which is
 * rare compared with the number of moves evaluated. */
#include "dispatch/ls_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef DSP_CHECK_DELTAS
static int64_t check_dd = INT64_MIN; /* debug build: verify the filter */
#endif

/* Assignment cost of positions a..b (either order) of route r for vehicle v. */
static inline int64_t piece_acost(dsp_ls *ls, const piece *p, int v)
{
	if (p->r < 0)
		return ls->in->acost[(size_t)p->a * (size_t)ls->in->nveh + (size_t)v];
	const lroute *rt = &ls->routes[p->r];
	int lo = p->a < p->b ? p->a : p->b, hi = p->a < p->b ? p->b : p->a;
	const int64_t *c = rt->acum + (size_t)v * (size_t)(ls->n + 2);
	return c[hi] - (lo > 0 ? c[lo - 1] : 0);
}

/* Lower bound on the route's cost: penalties on time are non-negative.
 * Uses the compact prefix arrays, not the segment matrices. */
static double bound_route(dsp_ls *ls, int v, const piece *pc, int np)
{
	const dsp_instance *in = ls->in;
	int64_t dist = 0, load = 0, ac = 0;
	int prev = -1;
	if (in->nprof > 1)
		return -1e300; /* pieces change speed between routes: no cheap bound */
	for (int k = 0; k < np; k++) {
		if (pc[k].r < 0) { /* a client outside every route */
			int c = pc[k].a;
			load += in->demand[c];
			if (prev >= 0)
				dist += in->dmat[0][(size_t)prev * (size_t)in->nnodes + (size_t)c];
			prev = c;
			if (in->acost)
				ac += piece_acost(ls, &pc[k], v);
			continue;
		}
		const lroute *rt = &ls->routes[pc[k].r];
		int a = pc[k].a, b = pc[k].b, first = rt->nodes[a];
		if (a <= b) {
			dist += rt->cd[b] - rt->cd[a];
			load += rt->cl[b] - (a > 0 ? rt->cl[a - 1] : 0);
		} else {
			dist += rt->rcd[a] - rt->rcd[b];
			load += rt->cl[a] - (b > 0 ? rt->cl[b - 1] : 0);
		}
		if (prev >= 0)
			dist += in->dmat[0][(size_t)prev * (size_t)in->nnodes + (size_t)first];
		prev = rt->nodes[b];
		if (in->acost)
			ac += piece_acost(ls, &pc[k], v);
	}
	int64_t over = dsp_max64(load - in->veh[v].capacity, 0);
	return (double)(dist + ac) + ls->pen.load * (double)over;
}

double dsp_ls_eval_route(dsp_ls *ls, int v, const piece *pc, int np)
{
	const dsp_instance *in = ls->in;
	int prof = in->veh[v].prof;
	dsp_seg s = *piece_seg(ls, prof, &pc[0]);
	for (int k = 1; k < np; k++)
		s = dsp_seg_merge(in, prof, &s, piece_seg(ls, prof, &pc[k]));
	int64_t ac = 0;
	if (in->acost)
		for (int k = 0; k < np; k++)
			ac += piece_acost(ls, &pc[k], v);
	ls->evals++;
	return dsp_route_cost(in, v, &s, ac, &ls->pen);
}

static int route_update(dsp_ls *ls, int r)
{
	const dsp_instance *in = ls->in;
	lroute *rt = &ls->routes[r];
	int L = rt->len + 2;
	/* Grow with slack, and give memory back when a route shrinks a lot,
	 * so the footprint follows the current solution instead of the
	 * largest route each slot ever held (flat memory over long runs). */
	if (L > rt->stride || (rt->stride > 16 && 2 * (L + L / 2 + 2) < rt->stride)) {
		int ns = L + L / 2 + 2;
		dsp_seg *m[DSP_MAXPROF] = {NULL};
		for (int p = 0; p < in->nprof; p++) {
			m[p] = malloc((size_t)ns * (size_t)ns * sizeof(dsp_seg));
			if (!m[p]) {
				for (int q = 0; q < p; q++)
					free(m[q]);
				return DSP_ENOMEM; /* old matrices stay valid */
			}
		}
		for (int p = 0; p < in->nprof; p++) {
			free(rt->mat[p]);
			rt->mat[p] = m[p];
		}
		rt->stride = ns;
	}
	size_t st = (size_t)rt->stride;
	for (int p = 0; p < in->nprof; p++) {
		dsp_seg *m = rt->mat[p];
		for (int i = 0; i < L; i++) {
			dsp_seg *row = m + (size_t)i * st;
			row[i] = ls->nodeseg[rt->nodes[i]];
			for (int j = i + 1; j < L; j++)
				row[j] = dsp_seg_merge(in, p, &row[j - 1], &ls->nodeseg[rt->nodes[j]]);
			/* Reversed sub-sequences of clients, for 2-opt and (x,u) moves. */
			if (i >= 1 && i <= rt->len)
				for (int j = i - 1; j >= 1; j--)
					row[j] = dsp_seg_merge(in, p, &row[j + 1], &ls->nodeseg[rt->nodes[j]]);
		}
	}
	for (int k = 1; k <= rt->len; k++) {
		ls->route_of[rt->nodes[k]] = r;
		ls->pos_of[rt->nodes[k]] = k;
	}
	dsp_ls_sector(ls, r);
	rt->cd[0] = rt->rcd[0] = 0;
	rt->cl[0] = in->demand[rt->nodes[0]];
	for (int k = 1; k < L; k++) {
		size_t nn = (size_t)in->nnodes, a = (size_t)rt->nodes[k - 1], b = (size_t)rt->nodes[k];
		const int32_t *dm = in->dmat[in->veh[rt->veh].prof];
		rt->cd[k] = rt->cd[k - 1] + dm[a * nn + b];
		rt->rcd[k] = rt->rcd[k - 1] + dm[b * nn + a];
		rt->cl[k] = rt->cl[k - 1] + in->demand[b];
	}
	dsp_seg full = *seg_at(ls, in->veh[rt->veh].prof, r, 0, L - 1);
	int64_t ac = 0;
	if (in->acost) {
		for (int v = 0; v < in->nveh; v++) {
			int64_t *c = rt->acum + (size_t)v * (size_t)(ls->n + 2);
			c[0] = 0;
			for (int k = 1; k < L; k++) {
				int node = rt->nodes[k];
				c[k] = c[k - 1] + (k <= rt->len ?
					in->acost[(size_t)node * (size_t)in->nveh + (size_t)v] : 0);
			}
		}
		ac = rt->acum[(size_t)rt->veh * (size_t)(ls->n + 2) + (size_t)rt->len];
	}
	rt->cost = dsp_route_cost(in, rt->veh, &full, ac, &ls->pen);
	rt->dist = full.dist;
	rt->pen = rt->cost - (double)(full.dist + ac);
	rt->mod = ls->nmoves;
	return 0;
}

static int materialise(dsp_ls *ls, const piece *pc, int np, int *out)
{
	int k = 0;
	for (int q = 0; q < np; q++) {
		if (pc[q].r < 0) {
			out[k++] = pc[q].a;
			continue;
		}
		const int *nodes = ls->routes[pc[q].r].nodes;
		if (pc[q].a <= pc[q].b)
			for (int i = pc[q].a; i <= pc[q].b; i++)
				out[k++] = nodes[i];
		else
			for (int i = pc[q].a; i >= pc[q].b; i--)
				out[k++] = nodes[i];
	}
	return k;
}

void dsp_ls_apply(dsp_ls *ls, int R, const piece *pr, int npr, int S,
		  const piece *ps, int nps)
{
	int kr = materialise(ls, pr, npr, ls->buf1);
	int ks = S >= 0 ? materialise(ls, ps, nps, ls->buf2) : 0;
	ls->nmoves++;
	memcpy(ls->routes[R].nodes, ls->buf1, (size_t)kr * sizeof(int));
	ls->routes[R].len = kr - 2;
	route_update(ls, R);
	if (S >= 0) {
		memcpy(ls->routes[S].nodes, ls->buf2, (size_t)ks * sizeof(int));
		ls->routes[S].len = ks - 2;
		route_update(ls, S);
	}
}

/* Evaluates the rewrite of R (and S if >= 0); applies it if it improves. */
int dsp_ls_try_rewrite(dsp_ls *ls, int R, const piece *pr, int npr, int S,
		       const piece *ps, int nps)
{
	int vr = ls->routes[R].veh, vs = S >= 0 ? ls->routes[S].veh : 0;
	double old = ls->routes[R].cost + (S >= 0 ? ls->routes[S].cost : 0);
#ifdef DSP_CHECK_DELTAS
	if (check_dd != INT64_MIN) {
		double sl = ls->pen.load;
		ls->pen.load = 0;
		double dl = bound_route(ls, vr, pr, npr) + (S >= 0 ? bound_route(ls, vs, ps, nps) : 0) -
			    (double)ls->routes[R].dist - (S >= 0 ? (double)ls->routes[S].dist : 0);
		ls->pen.load = sl;
		if (dl != (double)check_dd) {
			fprintf(stderr, "delta mismatch %f vs %ld\n", dl, (long)check_dd);
			abort();
		}
		check_dd = INT64_MIN;
	}
#endif
	double lbs = S >= 0 ? bound_route(ls, vs, ps, nps) : 0;
	double lb = bound_route(ls, vr, pr, npr) + lbs;
	if (lb - old > -EPS)
		return 0;
	double nc = dsp_ls_eval_route(ls, vr, pr, npr);
	if (nc + lbs - old > -EPS)
		return 0;
	if (S >= 0)
		nc += dsp_ls_eval_route(ls, vs, ps, nps);
	if (nc - old > -EPS)
		return 0;
	dsp_ls_apply(ls, R, pr, npr, S, ps, nps);
	return 1;
}

static inline int64_t D(const dsp_ls *ls, int a, int b)
{
	return ls->in->dmat[0][(size_t)a * (size_t)ls->in->nnodes + (size_t)b];
}

/* Internal distance of positions a..b (a <= b), forward or reversed. */
static inline int64_t inner(const lroute *rt, int a, int b, int rev)
{
	return rev ? rt->rcd[b] - rt->rcd[a] : rt->cd[b] - rt->cd[a];
}

/* Cheap filter from the distance delta alone: a move can at best remove
 * all current penalties of the routes it touches.  Not used with
 * assignment costs, where the filter would need more terms. */
static inline int hopeless(const dsp_ls *ls, int64_t ddist, int R, int S)
{
#ifdef DSP_CHECK_DELTAS
	check_dd = ddist;
	return 0;
#endif
	if (ls->in->acost)
		return 0;
	double pen = ls->routes[R].pen + (S >= 0 && S != R ? ls->routes[S].pen : 0);
	return (double)ddist >= pen - EPS;
}

static inline void add(piece *pc, int *np, int r, int a, int b)
{
	if (a <= b)
		pc[(*np)++] = (piece){r, a, b};
}

static inline void add_rev(piece *pc, int *np, int r, int a, int b)
{
	if (a <= b)
		pc[(*np)++] = (piece){r, b, a};
}

/* Moves block a..b of R (reversed if rev) after position p of S != R. */
static int relocate_inter(dsp_ls *ls, int R, int a, int b, int rev, int S, int p)
{
	piece pr[4], ps[4];
	int nr = 0, ns = 0, LR = ls->routes[R].len, LS = ls->routes[S].len;
	const lroute *rr = &ls->routes[R], *rs = &ls->routes[S];
	int f = rr->nodes[a], l = rr->nodes[b], bef = rr->nodes[a - 1], aft = rr->nodes[b + 1];
	int v = rs->nodes[p], y = rs->nodes[p + 1];
	int64_t dd = D(ls, bef, aft) - D(ls, bef, f) - D(ls, l, aft) - inner(rr, a, b, 0) +
		     D(ls, v, rev ? l : f) + inner(rr, a, b, rev) + D(ls, rev ? f : l, y) - D(ls, v, y);
	if (hopeless(ls, dd, R, S))
		return 0;
	add(pr, &nr, R, 0, a - 1);
	add(pr, &nr, R, b + 1, LR + 1);
	add(ps, &ns, S, 0, p);
	if (rev)
		add_rev(ps, &ns, R, a, b);
	else
		add(ps, &ns, R, a, b);
	add(ps, &ns, S, p + 1, LS + 1);
	return dsp_ls_try_rewrite(ls, R, pr, nr, S, ps, ns);
}

static int relocate_intra(dsp_ls *ls, int R, int a, int b, int rev, int p)
{
	piece pr[5];
	int nr = 0, L = ls->routes[R].len;
	if (p < a - 1 || p > b) {
		const lroute *rr = &ls->routes[R];
		int f = rr->nodes[a], l = rr->nodes[b], bef = rr->nodes[a - 1], aft = rr->nodes[b + 1];
		int v = rr->nodes[p], y = rr->nodes[p + 1];
		int64_t dd = D(ls, bef, aft) - D(ls, bef, f) - D(ls, l, aft) - inner(rr, a, b, 0) +
			     D(ls, v, rev ? l : f) + inner(rr, a, b, rev) + D(ls, rev ? f : l, y) -
			     D(ls, v, y);
		if (hopeless(ls, dd, R, -1))
			return 0;
	}
	if (p < a) {
		add(pr, &nr, R, 0, p);
		if (rev) add_rev(pr, &nr, R, a, b); else add(pr, &nr, R, a, b);
		add(pr, &nr, R, p + 1, a - 1);
		add(pr, &nr, R, b + 1, L + 1);
	} else {
		add(pr, &nr, R, 0, a - 1);
		add(pr, &nr, R, b + 1, p);
		if (rev) add_rev(pr, &nr, R, a, b); else add(pr, &nr, R, a, b);
		add(pr, &nr, R, p + 1, L + 1);
	}
	return dsp_ls_try_rewrite(ls, R, pr, nr, -1, NULL, 0);
}

static int swap_inter(dsp_ls *ls, int R, int a1, int b1, int S, int a2, int b2)
{
	piece pr[3], ps[3];
	int nr = 0, ns = 0, LR = ls->routes[R].len, LS = ls->routes[S].len;
	const lroute *rr = &ls->routes[R], *rs = &ls->routes[S];
	int f1 = rr->nodes[a1], l1 = rr->nodes[b1], p1 = rr->nodes[a1 - 1], n1 = rr->nodes[b1 + 1];
	int f2 = rs->nodes[a2], l2 = rs->nodes[b2], p2 = rs->nodes[a2 - 1], n2 = rs->nodes[b2 + 1];
	int64_t dd = D(ls, p1, f2) + D(ls, l2, n1) - D(ls, p1, f1) - D(ls, l1, n1) +
		     D(ls, p2, f1) + D(ls, l1, n2) - D(ls, p2, f2) - D(ls, l2, n2);
	if (hopeless(ls, dd, R, S))
		return 0;
	add(pr, &nr, R, 0, a1 - 1);
	add(pr, &nr, S, a2, b2);
	add(pr, &nr, R, b1 + 1, LR + 1);
	add(ps, &ns, S, 0, a2 - 1);
	add(ps, &ns, R, a1, b1);
	add(ps, &ns, S, b2 + 1, LS + 1);
	return dsp_ls_try_rewrite(ls, R, pr, nr, S, ps, ns);
}

static int swap_intra(dsp_ls *ls, int R, int a1, int b1, int a2, int b2)
{
	piece pr[5];
	int nr = 0, L = ls->routes[R].len;
	if (a1 > a2) {
		int t = a1; a1 = a2; a2 = t;
		t = b1; b1 = b2; b2 = t;
	}
	if (b1 >= a2)
		return 0;
	if (b1 + 1 < a2) {
		const lroute *rr = &ls->routes[R];
		int f1 = rr->nodes[a1], l1 = rr->nodes[b1], p1 = rr->nodes[a1 - 1], n1 = rr->nodes[b1 + 1];
		int f2 = rr->nodes[a2], l2 = rr->nodes[b2], p2 = rr->nodes[a2 - 1], n2 = rr->nodes[b2 + 1];
		int64_t dd = D(ls, p1, f2) + D(ls, l2, n1) - D(ls, p1, f1) - D(ls, l1, n1) +
			     D(ls, p2, f1) + D(ls, l1, n2) - D(ls, p2, f2) - D(ls, l2, n2);
		if (hopeless(ls, dd, R, -1))
			return 0;
	}
	add(pr, &nr, R, 0, a1 - 1);
	add(pr, &nr, R, a2, b2);
	add(pr, &nr, R, b1 + 1, a2 - 1);
	add(pr, &nr, R, a1, b1);
	add(pr, &nr, R, b2 + 1, L + 1);
	return dsp_ls_try_rewrite(ls, R, pr, nr, -1, NULL, 0);
}

/* 2-opt*: exchange the tails after positions i of R and j of S. */
static int two_opt_star(dsp_ls *ls, int R, int i, int S, int j)
{
	piece pr[3], ps[3];
	int nr = 0, ns = 0, LR = ls->routes[R].len, LS = ls->routes[S].len;
	if (i == LR && j == LS)
		return 0;
	const lroute *rr = &ls->routes[R], *rs = &ls->routes[S];
	int64_t dd = rr->cd[i] + D(ls, rr->nodes[i], rs->nodes[j + 1]) +
		     (rs->cd[LS] - rs->cd[j + 1]) + D(ls, rs->nodes[LS], rr->nodes[LR + 1]) +
		     rs->cd[j] + D(ls, rs->nodes[j], rr->nodes[i + 1]) +
		     (rr->cd[LR] - rr->cd[i + 1]) + D(ls, rr->nodes[LR], rs->nodes[LS + 1]) -
		     rr->dist - rs->dist;
	if (j + 1 > LS) /* S's tail is empty: R goes straight home */
		dd = rr->cd[i] + D(ls, rr->nodes[i], rr->nodes[LR + 1]) + rs->cd[j] +
		     D(ls, rs->nodes[j], rr->nodes[i + 1]) + (rr->cd[LR] - rr->cd[i + 1]) +
		     D(ls, rr->nodes[LR], rs->nodes[LS + 1]) - rr->dist - rs->dist;
	else if (i + 1 > LR)
		dd = rr->cd[i] + D(ls, rr->nodes[i], rs->nodes[j + 1]) +
		     (rs->cd[LS] - rs->cd[j + 1]) + D(ls, rs->nodes[LS], rr->nodes[LR + 1]) +
		     rs->cd[j] + D(ls, rs->nodes[j], rs->nodes[LS + 1]) - rr->dist - rs->dist;
	if (hopeless(ls, dd, R, S))
		return 0;
	add(pr, &nr, R, 0, i);
	add(pr, &nr, S, j + 1, LS);
	add(pr, &nr, R, LR + 1, LR + 1);
	add(ps, &ns, S, 0, j);
	add(ps, &ns, R, i + 1, LR);
	add(ps, &ns, S, LS + 1, LS + 1);
	return dsp_ls_try_rewrite(ls, R, pr, nr, S, ps, ns);
}

static int two_opt_intra(dsp_ls *ls, int R, int i, int j)
{
	piece pr[3];
	int nr = 0, L = ls->routes[R].len;
	int lo = i < j ? i : j, hi = i < j ? j : i;
	if (hi < lo + 2)
		return 0;
	const lroute *rr = &ls->routes[R];
	int64_t dd = D(ls, rr->nodes[lo], rr->nodes[hi]) + D(ls, rr->nodes[lo + 1], rr->nodes[hi + 1]) -
		     D(ls, rr->nodes[lo], rr->nodes[lo + 1]) - D(ls, rr->nodes[hi], rr->nodes[hi + 1]) +
		     inner(rr, lo + 1, hi, 1) - inner(rr, lo + 1, hi, 0);
	if (hopeless(ls, dd, R, -1))
		return 0;
	add(pr, &nr, R, 0, lo);
	add_rev(pr, &nr, R, lo + 1, hi);
	add(pr, &nr, R, hi + 1, L + 1);
	return dsp_ls_try_rewrite(ls, R, pr, nr, -1, NULL, 0);
}

/* All moves between client u and position j of route S (j = 0: depot). */
static int try_pair(dsp_ls *ls, int u, int S, int j)
{
	int R = ls->route_of[u], i = ls->pos_of[u];
	int LR = ls->routes[R].len, LS = ls->routes[S].len;
	int xcl = i + 1 <= LR, vcl = j >= 1, ycl = j + 1 <= LS;
	if (R != S) {
		if (relocate_inter(ls, R, i, i, 0, S, j))
			return 1;
		if (xcl && (relocate_inter(ls, R, i, i + 1, 0, S, j) ||
			    relocate_inter(ls, R, i, i + 1, 1, S, j)))
			return 1;
		if (vcl) {
			if (swap_inter(ls, R, i, i, S, j, j))
				return 1;
			if (xcl && swap_inter(ls, R, i, i + 1, S, j, j))
				return 1;
			if (xcl && ycl && swap_inter(ls, R, i, i + 1, S, j, j + 1))
				return 1;
		}
		return two_opt_star(ls, R, i, S, j);
	}
	if (j != i && j != i - 1 && relocate_intra(ls, R, i, i, 0, j))
		return 1;
	if (xcl) {
		if ((j < i - 1 || j > i + 1) && relocate_intra(ls, R, i, i + 1, 0, j))
			return 1;
		if (j != i && j != i + 1 && relocate_intra(ls, R, i, i + 1, 1, j))
			return 1;
	}
	if (vcl) {
		if (j != i && swap_intra(ls, R, i, i, j, j))
			return 1;
		if (xcl && j != i && j != i + 1 && swap_intra(ls, R, i, i + 1, j, j))
			return 1;
		if (xcl && ycl && (j >= i + 2 || j <= i - 2) &&
		    swap_intra(ls, R, i, i + 1, j, j + 1))
			return 1;
	}
	return two_opt_intra(ls, R, i, j);
}

static int neighbour_cmp_key(const void *pa, const void *pb)
{
	const double *a = pa, *b = pb;
	return (a[0] > b[0]) - (a[0] < b[0]);
}

/* Granular neighbourhood: closeness in space and time (Vidal et al. 2013). */
static int build_neighbours(dsp_ls *ls)
{
	const dsp_instance *in = ls->in;
	int n = in->n;
	double *keys = malloc((size_t)n * 2 * sizeof(double));
	if (!keys)
		return DSP_ENOMEM;
	for (int u = 1; u <= n; u++) {
		int k = 0;
		for (int v = 1; v <= n; v++) {
			if (v == u)
				continue;
			double best = 1e300;
			for (int dir = 0; dir < 2; dir++) {
				int a = dir ? u : v, b = dir ? v : u; /* a then b */
				size_t ab = (size_t)a * (size_t)in->nnodes + (size_t)b;
				double t = in->tmat[0][ab];
				double wait = (double)in->early[b] - t - (double)in->service[a] -
					      (double)in->late[a];
				double warp = (double)in->early[a] + (double)in->service[a] + t -
					      (double)in->late[b];
				double g = in->dmat[0][ab] + 0.2 * (wait > 0 ? wait : 0) +
					   1.0 * (warp > 0 ? warp : 0);
				if (g < best)
					best = g;
			}
			keys[2 * k] = best;
			keys[2 * k + 1] = v;
			k++;
		}
		qsort(keys, (size_t)k, 2 * sizeof(double), neighbour_cmp_key);
		int m = k < GRANULAR ? k : GRANULAR;
		for (int q = 0; q < m; q++)
			ls->neigh[(size_t)u * GRANULAR + (size_t)q] = (int)keys[2 * q + 1];
		ls->nneigh[u] = m;
	}
	free(keys);
	return 0;
}

int dsp_ls_new(const dsp_instance *in, dsp_ls **out)
{
	int ret = DSP_ENOMEM, n = in->n;
	dsp_ls *ls = calloc(1, sizeof(*ls));
	if (!ls)
		return DSP_ENOMEM;
	ls->in = in;
	ls->n = n;
	ls->nslots = in->nveh;
	ls->routes = calloc((size_t)in->nveh, sizeof(lroute));
	ls->route_of = calloc((size_t)in->nnodes, sizeof(int));
	ls->pos_of = calloc((size_t)in->nnodes, sizeof(int));
	ls->neigh = calloc((size_t)(n + 1) * GRANULAR, sizeof(int));
	ls->nneigh = calloc((size_t)n + 1, sizeof(int));
	ls->order = calloc((size_t)n, sizeof(int));
	ls->last_tested = calloc((size_t)n + 1, sizeof(long));
	ls->nodeseg = calloc((size_t)in->nnodes, sizeof(dsp_seg));
	ls->buf1 = calloc((size_t)n + 4, sizeof(int));
	ls->buf2 = calloc((size_t)n + 4, sizeof(int));
	ls->ins_cost = calloc((size_t)(n + 1) * 3, sizeof(double));
	ls->ins_pos = calloc((size_t)(n + 1) * 3, sizeof(int));
	ls->rem_cost = calloc((size_t)n + 1, sizeof(double));
	ls->swap_tested = calloc((size_t)in->nveh, sizeof(long));
	ls->sector_lo = calloc((size_t)in->nveh, sizeof(int));
	ls->sector_hi = calloc((size_t)in->nveh, sizeof(int));
	ls->angle = calloc((size_t)in->nnodes, sizeof(int));
	if (!ls->routes || !ls->route_of || !ls->pos_of || !ls->neigh || !ls->nneigh ||
	    !ls->order || !ls->last_tested || !ls->nodeseg || !ls->buf1 || !ls->buf2 ||
	    !ls->ins_cost || !ls->ins_pos || !ls->rem_cost || !ls->swap_tested ||
	    !ls->sector_lo || !ls->sector_hi || !ls->angle)
		goto fail;
	dsp_ls_angles(ls);
	/* SWAP* measured slower to converge on the Solomon and 200-customer
	 * sets (time windows leave it few feasible exchanges): off unless
	 * DSP_SWAPSTAR is set, for experiments. */
	ls->no_swapstar = getenv("DSP_SWAPSTAR") == NULL;
	for (int v = 0; v < in->nnodes; v++)
		ls->nodeseg[v] = dsp_seg_node(in, v);
	for (int r = 0; r < in->nveh; r++) {
		lroute *rt = &ls->routes[r];
		rt->nodes = calloc((size_t)n + 2, sizeof(int));
		rt->cd = calloc((size_t)n + 2, sizeof(int64_t));
		rt->rcd = calloc((size_t)n + 2, sizeof(int64_t));
		rt->cl = calloc((size_t)n + 2, sizeof(int64_t));
		if (!rt->nodes || !rt->cd || !rt->rcd || !rt->cl)
			goto fail;
		if (in->acost) {
			rt->acum = calloc((size_t)in->nveh * (size_t)(n + 2), sizeof(int64_t));
			if (!rt->acum)
				goto fail;
		}
	}
	ret = build_neighbours(ls);
	if (ret)
		goto fail;
	*out = ls;
	return 0;
fail:
	dsp_ls_free(ls);
	return ret;
}

void dsp_ls_free(dsp_ls *ls)
{
	if (!ls)
		return;
	if (ls->routes)
		for (int r = 0; r < ls->nslots; r++) {
			free(ls->routes[r].nodes);
			free(ls->routes[r].cd);
			free(ls->routes[r].rcd);
			free(ls->routes[r].cl);
			free(ls->routes[r].acum);
			for (int p = 0; p < DSP_MAXPROF; p++)
				free(ls->routes[r].mat[p]);
		}
	free(ls->routes);
	free(ls->route_of);
	free(ls->pos_of);
	free(ls->neigh);
	free(ls->nneigh);
	free(ls->order);
	free(ls->last_tested);
	free(ls->nodeseg);
	free(ls->buf1);
	free(ls->buf2);
	free(ls->ins_cost);
	free(ls->ins_pos);
	free(ls->rem_cost);
	free(ls->swap_tested);
	free(ls->sector_lo);
	free(ls->sector_hi);
	free(ls->angle);
	free(ls);
}

long dsp_ls_evaluations(const dsp_ls *ls) { return ls->evals; }

int dsp_ls_load(dsp_ls *ls, const dsp_indiv *x, int maxr)
{
	const dsp_instance *in = ls->in;
	/* Clients of a partial solution (route minimisation) stay at -1. */
	for (int u = 1; u <= ls->n; u++)
		ls->route_of[u] = -1;
	for (int r = 0; r < maxr; r++) {
		ls->routes[r].len = 0;
		ls->routes[r].veh = r;
	}
	for (int q = 0; q < x->nroutes; q++) {
		lroute *rt = &ls->routes[x->rveh[q]];
		int k = 0;
		for (int i = x->rstart[q]; i < x->rstart[q + 1]; i++)
			rt->nodes[++k] = x->tour[i];
		rt->len = k;
	}
	for (int r = 0; r < maxr; r++) {
		lroute *rt = &ls->routes[r];
		rt->nodes[0] = in->veh[r].start;
		rt->nodes[rt->len + 1] = in->veh[r].end;
		if (route_update(ls, r))
			return DSP_ENOMEM;
	}
	return 0;
}

void dsp_ls_store(dsp_ls *ls, dsp_indiv *x, int maxr)
{
	int k = 0, q = 0;
	for (int r = 0; r < maxr; r++) {
		lroute *rt = &ls->routes[r];
		if (!rt->len)
			continue;
		x->rstart[q] = k;
		x->rveh[q] = r;
		for (int i = 1; i <= rt->len; i++)
			x->tour[k++] = rt->nodes[i];
		q++;
	}
	x->rstart[q] = k;
	x->nroutes = q;
}

void dsp_ls_optimise(dsp_ls *ls, int maxr, dsp_rng *rng)
{
	const dsp_instance *in = ls->in;
	int n = ls->n;
	for (int u = 1; u <= n; u++) {
		ls->order[u - 1] = u;
		ls->last_tested[u] = -1;
	}
	for (int r = 0; r < maxr; r++)
		ls->swap_tested[r] = -1;
	dsp_shuffle(rng, ls->order, n);
	/* Reshuffle a few neighbour lists so ties in move order do not always
	 * resolve the same way. */
	for (int u = 1; u <= n; u++)
		if (dsp_rand_int(rng, GRANULAR) == 0)
			dsp_shuffle(rng, ls->neigh + (size_t)u * GRANULAR, ls->nneigh[u]);
	int improved = 1;
	for (int loop = 0; improved; loop++) {
		improved = 0;
		for (int k = 0; k < n; k++) {
			int u = ls->order[k];
			if (ls->route_of[u] < 0)
				continue;
			long last = ls->last_tested[u];
			ls->last_tested[u] = ls->nmoves;
			const int *nb = ls->neigh + (size_t)u * GRANULAR;
			for (int q = 0; q < ls->nneigh[u]; q++) {
				int v = nb[q];
				int R = ls->route_of[u], S = ls->route_of[v];
				if (S < 0)
					continue;
				if (loop > 0 && ls->routes[R].mod <= last && ls->routes[S].mod <= last)
					continue;
				if (try_pair(ls, u, S, ls->pos_of[v])) {
					improved = 1;
					continue;
				}
				/* v first in its route: also try u at the route's head. */
				if (ls->pos_of[v] == 1 && try_pair(ls, u, S, 0))
					improved = 1;
			}
			if (loop == 0)
				continue;
			/* Opening a new route: one empty slot stands for all when the
			 * fleet is homogeneous. */
			for (int r = 0; r < maxr; r++) {
				if (ls->routes[r].len)
					continue;
				if (try_pair(ls, u, r, 0))
					improved = 1;
				if (in->homogeneous)
					break;
			}
		}
		/* SWAP* between routes whose polar sectors overlap. */
		for (int R = 0; R < (ls->no_swapstar ? 0 : maxr); R++) {
			long last = ls->swap_tested[R];
			ls->swap_tested[R] = ls->nmoves;
			if (!ls->routes[R].len)
				continue;
			for (int S = R + 1; S < maxr; S++) {
				if (!ls->routes[S].len || !dsp_ls_overlap(ls, R, S))
					continue;
				if (loop > 0 && ls->routes[R].mod <= last && ls->routes[S].mod <= last)
					continue;
				if (dsp_ls_swap_star(ls, R, S))
					improved = 1;
			}
		}
	}
}

void dsp_ls_run(dsp_ls *ls, dsp_indiv *x, const dsp_penalty *p, int maxr,
		dsp_rng *rng)
{
	if (maxr > ls->nslots)
		maxr = ls->nslots;
	ls->pen = *p;
	ls->nmoves = 1;
	if (dsp_ls_load(ls, x, maxr))
		return; /* out of memory: leave the individual as it was */
	dsp_ls_optimise(ls, maxr, rng);
	dsp_ls_store(ls, x, maxr);
	dsp_indiv_eval(x, ls->in, p);
}
