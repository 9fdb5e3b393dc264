/* dispatch.h — public API of the visit-dispatch solver.
 *
 * The solver is a hybrid genetic search for routing with time windows
 * (VRPTW core) plus a home-care front end that builds the same kind of
 * instance from caregivers and visits.  It depends on libc and libm only,
 * so the server, the CLI and the unit tests all link the same library. */
#ifndef SHEQU_DISPATCH_H
#define SHEQU_DISPATCH_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Error codes: functions return 0 or one of these. */
#define DSP_OK 0
#define DSP_EINVAL (-1)
#define DSP_ENOMEM (-2)
#define DSP_EIO (-3)
#define DSP_EPARSE (-4)

enum dsp_objective {
	DSP_OBJ_DISTANCE = 0,     /* distances truncated to 0.1, minimise distance */
	DSP_OBJ_HIERARCHICAL = 1, /* double precision, vehicles first then distance */
};

typedef struct dsp_instance dsp_instance;

/* Solomon text format.  On a parse error, err names the line. */
int dsp_read_solomon(const char *path, int objective, dsp_instance **out,
		     char *err, size_t errlen);
int dsp_parse_solomon(const char *text, size_t len, int objective,
		      dsp_instance **out, char *err, size_t errlen);
void dsp_instance_free(dsp_instance *inst);
int dsp_instance_clients(const dsp_instance *inst);
const char *dsp_instance_name(const dsp_instance *inst);
/* External id (as in the input file) of client i, 1 <= i <= n. */
int dsp_instance_client_id(const dsp_instance *inst, int i);

typedef struct {
	double time_limit;    /* seconds; <= 0 means no limit */
	int cpu_time;         /* count the limit in process CPU time, not wall clock
	                       * (benchmarks on a shared machine) */
	long max_iterations;  /* genetic iterations; 0 = no limit (exact replay) */
	uint64_t seed;
	int objective;        /* enum dsp_objective */
	/* Called whenever a better feasible solution is found. */
	void (*on_improve)(void *ctx, double elapsed, double cost, int routes);
	void *ctx;
} dsp_params;

void dsp_params_default(dsp_params *p);

typedef struct {
	int nroutes;
	int *route_start;   /* nroutes + 1 offsets into visits */
	int *visits;        /* internal client indices 1..n */
	int *route_vehicle; /* vehicle slot of each route */
	double distance;    /* travel distance in the objective's convention */
	double cost;        /* distance plus model costs (continuity, ...) */
	int feasible;       /* every visit not listed below is served, all rules hold */
	long iterations;
	/* Home care only: visits left out because the day is over-subscribed
	 * (lowest priority first); ids as in the input (visit index). */
	int nunassigned;
	int *unassigned;
} dsp_solution;

int dsp_solve(const dsp_instance *inst, const dsp_params *p, dsp_solution *out);
void dsp_solution_free(dsp_solution *s);
/* Recomputes distance and feasibility from scratch (solver's own view). */
int dsp_solution_evaluate(const dsp_instance *inst, dsp_solution *s);
/* CVRPLIB format: "Route #k: ids", then "Cost X". */
int dsp_solution_write(FILE *f, const dsp_instance *inst, const dsp_solution *s);

/* ---- Home-care model --------------------------------------------------- */

enum dsp_travel_mode { DSP_WALK = 0, DSP_EBIKE = 1 };

typedef struct {
	double lat, lon;          /* home, where the shift starts and ends */
	int shift_start, shift_end; /* minutes since midnight */
	int max_work;             /* minutes from leaving home to coming back; 0 = shift */
	int break_len;            /* minutes; 0 = none */
	int break_start, break_end; /* window in which the break must start */
	uint32_t skills;          /* bit set */
	int mode;                 /* enum dsp_travel_mode */
} dsp_caregiver;

typedef struct {
	double lat, lon;
	int tw_start, tw_end;     /* minutes since midnight: start of service window */
	int duration;             /* minutes */
	uint32_t skill;           /* required skills (all bits) */
	int priority;             /* 1 (low) .. 5 (high): who is postponed last */
	int preferred;            /* caregiver index, -1 for none */
} dsp_visit;

typedef struct {
	double detour;            /* great-circle distance multiplier, e.g. 1.3 */
	double walk_kmh, ebike_kmh;
	int continuity_minutes;   /* travel-time equivalent of a preferred caregiver */
} dsp_homecare_params;

void dsp_homecare_params_default(dsp_homecare_params *p);
int dsp_homecare_instance(const dsp_caregiver *cg, int ncg, const dsp_visit *v,
			  int nv, const dsp_homecare_params *hp,
			  dsp_instance **out, char *err, size_t errlen);

/* Per-visit schedule of a solved home-care instance (minutes). */
typedef struct {
	int visit;        /* index into the visit array */
	int caregiver;
	int start;        /* service start */
} dsp_schedule_item;

int dsp_homecare_schedule(const dsp_instance *inst, const dsp_solution *s,
			  dsp_schedule_item *items, int nitems);

/* The `shequ plan` subcommand; argv[0] is "plan". */
int dispatch_plan_main(int argc, char **argv);

#endif
