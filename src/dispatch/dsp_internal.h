/* dsp_internal.h — data shared by the solver's files (not part of the API).
 *
 * All times, distances and loads are scaled integers: the distance
 * convention is exact in tenths, the hierarchical one uses 1e-5 units with
 * travel times rounded up so that anything feasible here is feasible in
 * double precision. */
#ifndef SHEQU_DSP_INTERNAL_H
#define SHEQU_DSP_INTERNAL_H

#include "dispatch/dispatch.h"

#include <stdint.h>

#define DSP_MAXPROF 2
/* Assignment cost that marks a forbidden caregiver (missing skill, another
 * caregiver's break): large enough to dominate, small enough to add up. */
#define DSP_FORBID ((int64_t)1 << 40)

typedef struct {
	int start, end;     /* depot nodes */
	int64_t capacity;
	int64_t max_dur;    /* maximum route duration, INT64_MAX/4 if none */
	int prof;           /* travel-time profile */
	uint32_t skills;
} dsp_vehicle;

struct dsp_instance {
	char name[64];
	int n;              /* clients are nodes 1..n */
	int nnodes;         /* node 0 and nodes > n are depots */
	int nveh;           /* vehicle slots = maximum number of routes */
	int homogeneous;    /* all vehicles interchangeable (split applies) */
	int objective;
	double scale;       /* internal units per model unit */
	int nprof;
	int32_t *tmat[DSP_MAXPROF]; /* travel time, nnodes^2 */
	int32_t *dmat[DSP_MAXPROF]; /* travel cost, nnodes^2 */
	int64_t *early, *late, *service, *demand;
	uint32_t *skill;
	double *x, *y;
	int *ext_id;        /* id in the input file */
	dsp_vehicle *veh;
	int64_t *acost;     /* [client * nveh + v] assignment cost, or NULL */
	int64_t maxdist;    /* largest travel cost, for penalty scaling */
	/* home-care extras, NULL for benchmark instances */
	int *visit_of;      /* node -> visit index, < 0 for break nodes */
	int *priority;      /* node -> priority (postponing order), or NULL */
	int ncg;
};

/* Time-warp segment (Vidal et al. 2013): summary of a visit sequence that
 * lets two sequences be joined in O(1). */
typedef struct {
	int64_t dist, dur, tw, early, late, load;
	int32_t first, last;
} dsp_seg;

static inline int64_t dsp_max64(int64_t a, int64_t b) { return a > b ? a : b; }
static inline int64_t dsp_min64(int64_t a, int64_t b) { return a < b ? a : b; }

static inline dsp_seg dsp_seg_node(const dsp_instance *in, int v)
{
	dsp_seg s;
	s.dist = 0;
	s.dur = in->service[v];
	s.tw = 0;
	s.early = in->early[v];
	s.late = in->late[v];
	s.load = in->demand[v];
	s.first = s.last = v;
	return s;
}

static inline dsp_seg dsp_seg_merge(const dsp_instance *in, int prof,
				    const dsp_seg *a, const dsp_seg *b)
{
	dsp_seg r;
	size_t k = (size_t)a->last * (size_t)in->nnodes + (size_t)b->first;
	int64_t edge = in->tmat[prof][k];
	int64_t delta = a->dur - a->tw + edge;
	int64_t wait = dsp_max64(b->early - delta - a->late, 0);
	int64_t warp = dsp_max64(a->early + delta - b->late, 0);
	r.dist = a->dist + b->dist + in->dmat[prof][k];
	r.dur = a->dur + b->dur + edge + wait;
	r.tw = a->tw + b->tw + warp;
	r.early = dsp_max64(b->early - delta, a->early) - wait;
	r.late = dsp_min64(b->late - delta, a->late) + warp;
	r.load = a->load + b->load;
	r.first = a->first;
	r.last = b->last;
	return r;
}

/* Penalty weights of the infeasible-space search. */
typedef struct {
	double load, tw;
} dsp_penalty;

/* Penalised cost of a complete route (depot to depot) for vehicle v. */
static inline double dsp_route_cost(const dsp_instance *in, int v,
				    const dsp_seg *s, int64_t acost,
				    const dsp_penalty *p)
{
	const dsp_vehicle *vh = &in->veh[v];
	int64_t over = dsp_max64(s->load - vh->capacity, 0);
	int64_t warp = s->tw + dsp_max64(s->dur - vh->max_dur, 0);
	return (double)(s->dist + acost) + p->load * (double)over +
	       p->tw * (double)warp;
}

/* splitmix64 seeding a xoshiro-style generator: fast and reproducible. */
typedef struct {
	uint64_t s;
} dsp_rng;

static inline uint64_t dsp_rand(dsp_rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline int dsp_rand_int(dsp_rng *r, int n)
{
	return (int)(dsp_rand(r) % (uint64_t)n);
}

static inline double dsp_rand_unit(dsp_rng *r)
{
	return (double)(dsp_rand(r) >> 11) * (1.0 / 9007199254740992.0);
}

void dsp_shuffle(dsp_rng *r, int *a, int n);

/* instance.c */
int dsp_instance_alloc(int n, int nnodes, int nveh, int nprof, dsp_instance **out);
void dsp_instance_finish(dsp_instance *in);

/* Individual: routes as consecutive runs in tour[]; route r belongs to
 * vehicle rveh[r].  Only non-empty routes are stored. */
typedef struct {
	int n, nroutes;
	int *tour;       /* n clients */
	int *rstart;     /* nroutes + 1 */
	int *rveh;       /* nroutes */
	int *succ, *pred; /* by node, 0 = depot (for diversity) */
	double pcost;    /* penalised cost under the penalties it was built with */
	int64_t dist, acost, overload, warp;
	int feasible;
	double fitness;  /* biased fitness in its subpopulation */
} dsp_indiv;

int dsp_indiv_init(dsp_indiv *x, const dsp_instance *in);
void dsp_indiv_free(dsp_indiv *x);
void dsp_indiv_copy(dsp_indiv *dst, const dsp_indiv *src);
/* Recompute costs and successor arrays from tour/rstart/rveh. */
void dsp_indiv_eval(dsp_indiv *x, const dsp_instance *in, const dsp_penalty *p);
double dsp_indiv_pcost(const dsp_indiv *x, const dsp_penalty *p);
double dsp_indiv_distance(const dsp_indiv *a, const dsp_indiv *b);

/* split.c: giant tour -> routes, at most maxr routes. */
int dsp_split(const dsp_instance *in, const dsp_penalty *p, const int *giant,
	      int maxr, dsp_indiv *out);

/* localsearch.c */
typedef struct dsp_ls dsp_ls;
int dsp_ls_new(const dsp_instance *in, dsp_ls **out);
void dsp_ls_free(dsp_ls *ls);
void dsp_ls_run(dsp_ls *ls, dsp_indiv *x, const dsp_penalty *p, int maxr,
		dsp_rng *rng);
/* Number of move evaluations so far (for the tests). */
long dsp_ls_evaluations(const dsp_ls *ls);

/* routemin.c: x with one route fewer in out (1), or 0 if stop() came
 * first; negative on error. */
int dsp_routemin(dsp_ls *ls, const dsp_indiv *x, const dsp_penalty *pen,
		 dsp_rng *rng, int (*stop)(void *), void *ctx, dsp_indiv *out);

/* postpone.c: least infeasible x -> feasible plan without dropped[]
 * (client nodes), lowest priority first. */
int dsp_postpone(dsp_ls *ls, dsp_indiv *x, const dsp_penalty *pen, dsp_rng *rng,
		 int *dropped, int *ndropped);

/* construct.c: greedy time-oriented insertion. */
int dsp_construct_greedy(const dsp_instance *in, dsp_indiv *out);

/* crossover.c */
void dsp_crossover_ox(const dsp_instance *in, const dsp_indiv *a,
		      const dsp_indiv *b, int *giant, dsp_rng *rng, int *scratch);
/* Giant tour of an individual, routes ordered by polar angle. */
void dsp_giant_tour(const dsp_instance *in, const dsp_indiv *x, int *giant);

#endif
