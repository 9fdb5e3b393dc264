/* hgs.c — hybrid genetic search driver (Vidal et al. 2012/2022 scheme):
 * OX crossover + split, granular local search, penalised infeasible
 * search with adaptive penalties, repair, restarts.  In the hierarchical
 * objective the fleet limit is lowered each time a feasible solution with
 * fewer routes appears, then the distance is optimised at the best fleet. */
#include "dispatch/population.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MU 25
#define LAMBDA 40
#define TARGET_FEAS 0.2
#define RESTART_ITERS 20000

typedef struct {
	const dsp_instance *in;
	const dsp_params *prm;
	dsp_rng rng;
	dsp_ls *ls;
	dsp_pop *pop;
	dsp_penalty pen;
	dsp_indiv child, best;
	int have_best;
	int *giant, *scratch;
	int maxr;               /* current fleet limit */
	double t0;
	long iter;
	int nfeas_load, nfeas_tw, nsamples;
	double load_unit;
} hgs_t;

static double now(const dsp_params *p)
{
	struct timespec ts;
	clock_gettime(p->cpu_time ? CLOCK_PROCESS_CPUTIME_ID : CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double elapsed(const hgs_t *h) { return now(h->prm) - h->t0; }

static int out_of_budget(const hgs_t *h)
{
	if (h->prm->max_iterations > 0)
		return h->iter >= h->prm->max_iterations;
	return h->prm->time_limit > 0 && elapsed(h) >= h->prm->time_limit;
}

/* Hierarchical order when asked for, else plain cost. */
static int improves(const hgs_t *h, const dsp_indiv *x)
{
	if (!x->feasible)
		return 0;
	if (!h->have_best)
		return 1;
	double cx = (double)(x->dist + x->acost), cb = (double)(h->best.dist + h->best.acost);
	if (h->prm->objective == DSP_OBJ_HIERARCHICAL && x->nroutes != h->best.nroutes)
		return x->nroutes < h->best.nroutes;
	return cx < cb - 1e-9;
}

static void record(hgs_t *h, const dsp_indiv *x, int *improved)
{
	if (!improves(h, x))
		return;
	dsp_indiv_copy(&h->best, x);
	h->have_best = 1;
	*improved = 1;
	if (h->prm->on_improve) {
		double d = (double)(x->dist + x->acost) / h->in->scale;
		h->prm->on_improve(h->prm->ctx, elapsed(h), d, x->nroutes);
	}
}

static void manage_penalties(hgs_t *h)
{
	double fl = (double)h->nfeas_load / h->nsamples, ft = (double)h->nfeas_tw / h->nsamples;
	/* Far below target: adapt faster, short runs cannot wait. */
	if (fl < TARGET_FEAS - 0.05 && h->pen.load < 100000 * h->load_unit)
		h->pen.load *= fl < 0.05 ? 1.5 : 1.2;
	else if (fl > TARGET_FEAS + 0.05 && h->pen.load > 0.1 * h->load_unit)
		h->pen.load *= 0.85;
	if (ft < TARGET_FEAS - 0.05 && h->pen.tw < 100000)
		h->pen.tw *= ft < 0.05 ? 1.5 : 1.2;
	else if (ft > TARGET_FEAS + 0.05 && h->pen.tw > 0.1)
		h->pen.tw *= 0.85;
	h->nfeas_load = h->nfeas_tw = h->nsamples = 0;
	dsp_pop_repenalise(h->pop, &h->pen);
}

/* Local search, bookkeeping for the penalties, repair, insertion. */
static int educate_and_add(hgs_t *h, dsp_indiv *x, int *improved)
{
	dsp_ls_run(h->ls, x, &h->pen, h->maxr, &h->rng);
	h->nsamples++;
	h->nfeas_load += x->overload == 0;
	h->nfeas_tw += x->warp == 0;
	if (h->nsamples >= 100)
		manage_penalties(h);
	int ret = dsp_pop_add(h->pop, x);
	if (ret)
		return ret;
	record(h, x, improved);
	if (!x->feasible && dsp_rand_unit(&h->rng) < 0.5) {
		dsp_penalty strong = {h->pen.load * 10, h->pen.tw * 10};
		dsp_ls_run(h->ls, x, &strong, h->maxr, &h->rng);
		dsp_indiv_eval(x, h->in, &h->pen);
		if (x->feasible) {
			ret = dsp_pop_add(h->pop, x);
			record(h, x, improved);
		}
	}
	return ret;
}

static void random_giant(hgs_t *h)
{
	for (int i = 0; i < h->in->n; i++)
		h->giant[i] = i + 1;
	dsp_shuffle(&h->rng, h->giant, h->in->n);
}

/* Fresh population; seed (if any) is re-split into the fleet limit. */
static int initial_population(hgs_t *h, const dsp_indiv *seed)
{
	int improved = 0, ret;
	dsp_pop_clear(h->pop);
	if (seed) {
		dsp_giant_tour(h->in, seed, h->giant);
		if ((ret = dsp_split(h->in, &h->pen, h->giant, h->maxr, &h->child)))
			return ret;
		if ((ret = educate_and_add(h, &h->child, &improved)))
			return ret;
	} else {
		if ((ret = dsp_construct_greedy(h->in, &h->child)))
			return ret;
		dsp_indiv_eval(&h->child, h->in, &h->pen);
		record(h, &h->child, &improved);
		if (h->child.nroutes > h->maxr) {
			dsp_giant_tour(h->in, &h->child, h->giant);
			if ((ret = dsp_split(h->in, &h->pen, h->giant, h->maxr, &h->child)))
				return ret;
		}
		if ((ret = educate_and_add(h, &h->child, &improved)))
			return ret;
	}
	for (int k = 0; k < 4 * MU && !out_of_budget(h); k++) {
		random_giant(h);
		if ((ret = dsp_split(h->in, &h->pen, h->giant, h->maxr, &h->child)))
			return ret;
		if ((ret = educate_and_add(h, &h->child, &improved)))
			return ret;
		h->iter++;
	}
	return 0;
}

static int64_t total_demand(const dsp_instance *in)
{
	int64_t d = 0;
	for (int i = 1; i <= in->n; i++)
		d += in->demand[i];
	return d;
}

/* Budget of the route-minimisation phase (hierarchical objective). */
static int reduce_stop(void *ctx)
{
	hgs_t *h = ctx;
	if (h->prm->max_iterations > 0)
		return ++h->iter >= h->prm->max_iterations * 6 / 10;
	return out_of_budget(h) || elapsed(h) >= 0.6 * h->prm->time_limit;
}

/* Hierarchical objective: remove routes one at a time while the ejection
 * pool succeeds, then optimise distance at the best fleet size. */
static int reduce_fleet(hgs_t *h)
{
	const dsp_instance *in = h->in;
	int64_t cap = in->veh[0].capacity > 0 ? in->veh[0].capacity : 1;
	int lb = (int)((total_demand(in) + cap - 1) / cap), ret, improved = 0;
	if (lb < 1)
		lb = 1;
	while (h->have_best && h->best.nroutes - 1 >= lb && !reduce_stop(h)) {
		dsp_penalty strong = {fmax(h->pen.load, 1.0) * 10, fmax(h->pen.tw, 1.0) * 10};
		ret = dsp_routemin(h->ls, &h->best, &strong, &h->rng, reduce_stop, h, &h->child);
		if (ret < 0)
			return ret;
		if (ret == 0)
			break;
		dsp_indiv_eval(&h->child, in, &h->pen);
		record(h, &h->child, &improved);
	}
	if (h->have_best) {
		h->maxr = h->best.nroutes;
		return initial_population(h, &h->best);
	}
	return 0;
}

static int run(hgs_t *h)
{
	const dsp_instance *in = h->in;
	int ret, improved = 0;
	h->maxr = in->nveh;
	if ((ret = initial_population(h, NULL)))
		return ret;
	if (h->prm->objective == DSP_OBJ_HIERARCHICAL && in->homogeneous &&
	    (ret = reduce_fleet(h)))
		return ret;
	/* Restart after n^2/2 generations without improvement (at least 500,
	 * at most 20000): 5000 at 100 clients, where 20000 left runs of 10 s
	 * stuck for most of their time (R104, R210: 0.5-0.8 % -> 0-0.03 %),
	 * unchanged from 200 clients on, and soon enough on tiny instances,
	 * whose population collapses to one solution. */
	long restart_after = (long)in->n * in->n / 2;
	if (restart_after < 500)
		restart_after = 500;
	if (restart_after > RESTART_ITERS)
		restart_after = RESTART_ITERS;
	long since_improve = 0;
	while (!out_of_budget(h)) {
		const dsp_indiv *a = dsp_pop_tournament(h->pop, &h->rng);
		const dsp_indiv *b = dsp_pop_tournament(h->pop, &h->rng);
		dsp_crossover_ox(in, a, b, h->giant, &h->rng, h->scratch);
		if ((ret = dsp_split(in, &h->pen, h->giant, h->maxr, &h->child)))
			return ret;
		improved = 0;
		if ((ret = educate_and_add(h, &h->child, &improved)))
			return ret;
		h->iter++;
		since_improve = improved ? 0 : since_improve + 1;
		if (since_improve >= restart_after) {
			since_improve = 0;
			if ((ret = initial_population(h, NULL)))
				return ret;
		}
	}
	return 0;
}

void dsp_params_default(dsp_params *p)
{
	memset(p, 0, sizeof(*p));
	p->time_limit = 10;
	p->seed = 1;
	p->objective = DSP_OBJ_DISTANCE;
}

static int export_solution(const hgs_t *h, const dsp_indiv *x, dsp_solution *out)
{
	memset(out, 0, sizeof(*out));
	out->nroutes = x->nroutes;
	out->route_start = malloc((size_t)(x->nroutes + 1) * sizeof(int));
	out->visits = malloc((size_t)(h->in->n + 1) * sizeof(int));
	out->route_vehicle = malloc((size_t)(x->nroutes + 1) * sizeof(int));
	if (!out->route_start || !out->visits || !out->route_vehicle) {
		dsp_solution_free(out);
		return DSP_ENOMEM;
	}
	memcpy(out->route_start, x->rstart, (size_t)(x->nroutes + 1) * sizeof(int));
	memcpy(out->visits, x->tour, (size_t)h->in->n * sizeof(int));
	memcpy(out->route_vehicle, x->rveh, (size_t)x->nroutes * sizeof(int));
	out->iterations = h->iter;
	return dsp_solution_evaluate(h->in, out);
}

int dsp_solve(const dsp_instance *in, const dsp_params *prm, dsp_solution *out)
{
	hgs_t h;
	int ret = DSP_ENOMEM, *dropped = NULL, ndropped = 0;
	memset(&h, 0, sizeof(h));
	memset(out, 0, sizeof(*out));
	h.in = in;
	h.prm = prm;
	h.t0 = now(prm);
	h.rng.s = prm->seed * 0x9e3779b97f4a7c15ULL + 12345;
	int64_t maxdem = 1;
	for (int i = 1; i <= in->n; i++)
		if (in->demand[i] > maxdem)
			maxdem = in->demand[i];
	/* Loads are unscaled while distances are scaled: keep the usual
	 * bounds of the load penalty in distance-per-demand terms. */
	h.load_unit = in->scale / 10.0;
	h.pen.load = fmax(0.1 * h.load_unit, fmin(1000.0 * h.load_unit,
						(double)in->maxdist / (double)maxdem));
	h.pen.tw = 1.0;
	h.giant = malloc((size_t)in->n * sizeof(int));
	h.scratch = malloc((size_t)(3 * in->n + 1) * sizeof(int));
	if (!h.giant || !h.scratch)
		goto fail;
	if (dsp_indiv_init(&h.child, in) || dsp_indiv_init(&h.best, in))
		goto fail;
	if ((ret = dsp_ls_new(in, &h.ls)) || (ret = dsp_pop_new(in, MU, LAMBDA, &h.pop)))
		goto fail;
	if ((ret = run(&h)))
		goto fail;
	if (!h.have_best) {
		/* No feasible solution: the least infeasible one found; for home
		 * care, postpone low-priority visits until the rest is feasible. */
		const dsp_indiv *x = h.pop->nsub[1] ? &h.pop->ind[h.pop->sub[1][0]] : &h.child;
		dsp_indiv_copy(&h.best, x);
		if (in->visit_of) {
			dsp_penalty strong = {fmax(h.pen.load, 1.0) * 10, fmax(h.pen.tw, 1.0) * 10};
			dropped = malloc((size_t)in->n * sizeof(int));
			if (!dropped) {
				ret = DSP_ENOMEM;
				goto fail;
			}
			if ((ret = dsp_postpone(h.ls, &h.best, &strong, &h.rng, dropped, &ndropped)))
				goto fail;
		}
	}
	ret = export_solution(&h, &h.best, out);
	if (!ret && ndropped) {
		out->unassigned = malloc((size_t)ndropped * sizeof(int));
		if (!out->unassigned) {
			dsp_solution_free(out);
			ret = DSP_ENOMEM;
			goto fail;
		}
		for (int k = 0; k < ndropped; k++)
			out->unassigned[k] = in->ext_id[dropped[k]];
		out->nunassigned = ndropped;
		ret = dsp_solution_evaluate(in, out);
	}
fail:
	free(dropped);
	free(h.giant);
	free(h.scratch);
	dsp_indiv_free(&h.child);
	dsp_indiv_free(&h.best);
	dsp_ls_free(h.ls);
	dsp_pop_free(h.pop);
	return ret;
}
