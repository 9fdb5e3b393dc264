/* ls_internal.h — local-search state shared by localsearch.c and
 * swapstar.c (internal). */
#ifndef SHEQU_DSP_LS_INTERNAL_H
#define SHEQU_DSP_LS_INTERNAL_H

#include "dispatch/dsp_internal.h"

/* Neighbours per client: 20 measured better than 40 on the Solomon and
 * 200-customer sets at 5-15 s (faster descents, more generations). */
#define GRANULAR 20
#define EPS 1e-6

typedef struct {
	int r, a, b; /* positions a..b of route r; a > b means reversed */
} piece;

typedef struct {
	int *nodes;           /* depot, clients..., depot */
	int len;              /* number of clients */
	int stride;           /* allocated matrix dimension */
	dsp_seg *mat[DSP_MAXPROF];
	int64_t *acum;        /* [v * (n + 2) + pos] prefix assignment cost */
	int64_t *cd, *rcd, *cl; /* prefix distance, reversed distance, load: a
	                         * cache-friendly bound before the exact check */
	int veh;
	double cost;
	int64_t dist;         /* travel cost of the route */
	double pen;           /* cost - dist - assignment: what a move may save */
	long mod;             /* move counter when last changed */
} lroute;

struct dsp_ls {
	/* SWAP* preprocessing: three best insertions of each client */
	double *ins_cost; /* (n+1) * 3 */
	int *ins_pos;
	double *rem_cost; /* n+1 */
	long *swap_tested; /* per route slot */
	int *sector_lo, *sector_hi; /* polar sector of each route, 0..65535 */
	int no_swapstar;   /* SWAP* off unless DSP_SWAPSTAR is set */
	int *angle;        /* polar angle of each node around its depot */
	const dsp_instance *in;
	int n, nslots;
	lroute *routes;
	int *route_of, *pos_of;
	int *neigh;           /* n+1 rows of GRANULAR */
	int *nneigh;
	int *order;
	long *last_tested;
	long nmoves, evals;
	dsp_penalty pen;
	dsp_seg *nodeseg;
	int *buf1, *buf2;
};

static inline dsp_seg *seg_at(dsp_ls *ls, int prof, int r, int a, int b)
{
	lroute *rt = &ls->routes[r];
	return &rt->mat[prof][(size_t)a * (size_t)rt->stride + (size_t)b];
}

/* A piece with r < 0 is the single client a, outside every route. */
static inline const dsp_seg *piece_seg(dsp_ls *ls, int prof, const piece *p)
{
	return p->r < 0 ? &ls->nodeseg[p->a] : seg_at(ls, prof, p->r, p->a, p->b);
}

int dsp_ls_load(dsp_ls *ls, const dsp_indiv *x, int maxr);
void dsp_ls_store(dsp_ls *ls, dsp_indiv *x, int maxr);
void dsp_ls_optimise(dsp_ls *ls, int maxr, dsp_rng *rng);
void dsp_ls_apply(dsp_ls *ls, int R, const piece *pr, int npr, int S,
		  const piece *ps, int nps);
double dsp_ls_eval_route(dsp_ls *ls, int v, const piece *pc, int np);
/* 1 if the pieces make a feasible route for vehicle v (ls_insert.c). */
int dsp_ls_route_feasible(dsp_ls *ls, int v, const piece *pc, int np);
/* Cheapest insertion of client c into routes 0..m-1 keeping the route feasible; 1 if done. */
int dsp_ls_insert_feasible(dsp_ls *ls, int c, int m);
int dsp_ls_try_rewrite(dsp_ls *ls, int R, const piece *pr, int npr, int S,
		       const piece *ps, int nps);
void dsp_ls_angles(dsp_ls *ls);
void dsp_ls_sector(dsp_ls *ls, int r);
int dsp_ls_overlap(const dsp_ls *ls, int R, int S);
/* SWAP* between routes R and S (Vidal 2022): 1 if a move was applied. */
int dsp_ls_swap_star(dsp_ls *ls, int R, int S);

#endif
