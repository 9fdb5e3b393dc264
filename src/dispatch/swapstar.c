/* swapstar.c — SWAP* (Vidal 2022): exchange u in R with v in S where each
 * goes to its best position in the other route, not necessarily the place
 * the other left.  The three best insertion positions of every client are
 * preprocessed with exact time-window costs; the chosen exchange is then
 * re-evaluated exactly before it is applied.  Only route pairs whose polar
 * sectors overlap are tried. */
#include "dispatch/ls_internal.h"

#include <math.h>

static inline int pmod(int a) { return ((a % 65536) + 65536) % 65536; }

void dsp_ls_angles(dsp_ls *ls)
{
	const dsp_instance *in = ls->in;
	int d = in->veh[0].start;
	for (int v = 0; v < in->nnodes; v++) {
		double a = atan2(in->y[v] - in->y[d], in->x[v] - in->x[d]);
		ls->angle[v] = pmod((int)(32768.0 * a / M_PI));
	}
}

/* Smallest circular sector holding all clients of route r. */
void dsp_ls_sector(dsp_ls *ls, int r)
{
	const lroute *rt = &ls->routes[r];
	if (!rt->len)
		return;
	int lo = ls->angle[rt->nodes[1]], hi = lo;
	for (int k = 2; k <= rt->len; k++) {
		int a = ls->angle[rt->nodes[k]];
		if (pmod(a - lo) <= pmod(hi - lo))
			continue;
		if (pmod(a - hi) <= pmod(lo - a))
			hi = a;
		else
			lo = a;
	}
	ls->sector_lo[r] = lo;
	ls->sector_hi[r] = hi;
}

int dsp_ls_overlap(const dsp_ls *ls, int R, int S)
{
	if (!ls->in->homogeneous)
		return 1; /* depots differ: angles mean little, try every pair */
	int l1 = ls->sector_lo[R], h1 = ls->sector_hi[R];
	int l2 = ls->sector_lo[S], h2 = ls->sector_hi[S];
	return pmod(l2 - l1) <= pmod(h1 - l1) || pmod(l1 - l2) <= pmod(h2 - l2);
}

static inline void add(piece *pc, int *np, int r, int a, int b)
{
	if (a <= b)
		pc[(*np)++] = (piece){r, a, b};
}

/* Route R without position i, with (S, j) inserted after position p
 * (p == i - 1: in u's place). */
static int build(piece *pc, int R, int L, int i, int S, int j, int p)
{
	int np = 0;
	if (p == i - 1) {
		add(pc, &np, R, 0, i - 1);
		add(pc, &np, S, j, j);
		add(pc, &np, R, i + 1, L + 1);
	} else if (p < i) {
		add(pc, &np, R, 0, p);
		add(pc, &np, S, j, j);
		add(pc, &np, R, p + 1, i - 1);
		add(pc, &np, R, i + 1, L + 1);
	} else {
		add(pc, &np, R, 0, i - 1);
		add(pc, &np, R, i + 1, p);
		add(pc, &np, S, j, j);
		add(pc, &np, R, p + 1, L + 1);
	}
	return np;
}

/* Removal costs of R's clients and the three best insertions of each into S. */
static void preprocess(dsp_ls *ls, int R, int S)
{
	lroute *rr = &ls->routes[R], *rs = &ls->routes[S];
	int LR = rr->len, LS = rs->len;
	piece pc[3];
	for (int i = 1; i <= LR; i++) {
		int u = rr->nodes[i], np = 0;
		add(pc, &np, R, 0, i - 1);
		add(pc, &np, R, i + 1, LR + 1);
		ls->rem_cost[u] = dsp_ls_eval_route(ls, rr->veh, pc, np) - rr->cost;
		double *bc = &ls->ins_cost[3 * u];
		int *bp = &ls->ins_pos[3 * u];
		bc[0] = bc[1] = bc[2] = 1e300;
		bp[0] = bp[1] = bp[2] = -1;
		for (int p = 0; p <= LS; p++) {
			pc[0] = (piece){S, 0, p};
			pc[1] = (piece){R, i, i};
			pc[2] = (piece){S, p + 1, LS + 1};
			double c = dsp_ls_eval_route(ls, rs->veh, pc, 3) - rs->cost;
			if (c >= bc[2])
				continue;
			int q = 2;
			while (q > 0 && bc[q - 1] > c) {
				bc[q] = bc[q - 1];
				bp[q] = bp[q - 1];
				q--;
			}
			bc[q] = c;
			bp[q] = p;
		}
	}
}

/* Best place for client at (S, j) in R once position i is removed. */
static double best_insert(dsp_ls *ls, int R, int i, int S, int j, int *pos)
{
	lroute *rr = &ls->routes[R];
	int v = ls->routes[S].nodes[j], u = rr->nodes[i];
	piece pc[4];
	int np = build(pc, R, rr->len, i, S, j, i - 1);
	double best = dsp_ls_eval_route(ls, rr->veh, pc, np) - (rr->cost + ls->rem_cost[u]);
	*pos = i - 1;
	for (int q = 0; q < 3; q++) {
		int p = ls->ins_pos[3 * v + q];
		if (p < 0)
			break;
		if (p == i - 1 || p == i)
			continue;
		if (ls->ins_cost[3 * v + q] < best) {
			best = ls->ins_cost[3 * v + q];
			*pos = p;
		}
		break; /* sorted: the first admissible one is the best */
	}
	return best;
}

int dsp_ls_swap_star(dsp_ls *ls, int R, int S)
{
	lroute *rr = &ls->routes[R], *rs = &ls->routes[S];
	int LR = rr->len, LS = rs->len;
	preprocess(ls, R, S);
	preprocess(ls, S, R);
	double best = -EPS;
	int bi = -1, bj = -1, bpu = 0, bpv = 0;
	for (int i = 1; i <= LR; i++) {
		int u = rr->nodes[i];
		for (int j = 1; j <= LS; j++) {
			int v = rs->nodes[j];
			double rem = ls->rem_cost[u] + ls->rem_cost[v];
			if (rem >= best)
				continue; /* insertions rarely pay: prune on removal gain */
			int pv, pu;
			double d = rem + best_insert(ls, R, i, S, j, &pv);
			if (d >= best)
				continue;
			d += best_insert(ls, S, j, R, i, &pu);
			if (d < best) {
				best = d;
				bi = i;
				bj = j;
				bpv = pv;
				bpu = pu;
			}
		}
	}
	if (bi < 0)
		return 0;
	piece pr[4], ps[4];
	int nr = build(pr, R, LR, bi, S, bj, bpv);
	int ns = build(ps, S, LS, bj, R, bi, bpu);
	return dsp_ls_try_rewrite(ls, R, pr, nr, S, ps, ns);
}
