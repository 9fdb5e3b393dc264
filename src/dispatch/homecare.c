/* homecare.c — the home-care model as an instance of the routing core.
 *
 * Caregivers become vehicles that start and end at home (one depot node
 * each, window = shift, maximum route duration = maximum working time);
 * visits become clients; a break becomes a client only its caregiver may
 * serve, taken at home, so the same time-warp arithmetic covers it.
 * Skills and continuity of care are assignment costs: a missing skill is
 * forbidden (and makes a solution infeasible), a caregiver other than the
 * preferred one costs the configured travel-time equivalent.  Travel time is
 * great-circle distance x detour / speed of the caregiver's mode, and the
 * objective is total travel time plus continuity costs.  Internal unit:
 * seconds. */
#include "dispatch/dsp_internal.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define HC_SCALE 60.0 /* internal units per minute */

void dsp_homecare_params_default(dsp_homecare_params *p)
{
	p->detour = 1.3;
	p->walk_kmh = 4.5;
	p->ebike_kmh = 15.0;
	p->continuity_minutes = 10;
}

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* Haversine on the mean Earth radius, km. */
static double great_circle_km(double lat1, double lon1, double lat2, double lon2)
{
	const double r = 6371.0088, rad = M_PI / 180.0;
	double dlat = (lat2 - lat1) * rad, dlon = (lon2 - lon1) * rad;
	double a = sin(dlat / 2) * sin(dlat / 2) +
		   cos(lat1 * rad) * cos(lat2 * rad) * sin(dlon / 2) * sin(dlon / 2);
	return 2 * r * asin(fmin(1.0, sqrt(a)));
}

static int valid_minute(int m) { return m >= 0 && m <= 48 * 60; }

static int check_input(const dsp_caregiver *cg, int ncg, const dsp_visit *v, int nv,
		       const dsp_homecare_params *hp, char *err, size_t errlen)
{
	if (ncg < 1 || nv < 0 || ncg > 1000 || nv > 20000) {
		set_err(err, errlen, "need 1..1000 caregivers and 0..20000 visits");
		return DSP_EINVAL;
	}
	if (!(hp->detour >= 1.0) || !(hp->walk_kmh > 0) || !(hp->ebike_kmh > 0) ||
	    hp->continuity_minutes < 0) {
		set_err(err, errlen, "detour must be >= 1, speeds > 0, continuity >= 0");
		return DSP_EINVAL;
	}
	for (int k = 0; k < ncg; k++) {
		const dsp_caregiver *c = &cg[k];
		if (!valid_minute(c->shift_start) || !valid_minute(c->shift_end) ||
		    c->shift_start >= c->shift_end) {
			set_err(err, errlen, "caregiver %d: shift must satisfy 0 <= start < end", k);
			return DSP_EINVAL;
		}
		if (c->mode != DSP_WALK && c->mode != DSP_EBIKE) {
			set_err(err, errlen, "caregiver %d: unknown travel mode", k);
			return DSP_EINVAL;
		}
		if (c->max_work < 0 || c->break_len < 0 ||
		    (c->break_len > 0 && (c->break_start < c->shift_start ||
					  c->break_end < c->break_start ||
					  c->break_end + c->break_len > c->shift_end))) {
			set_err(err, errlen, "caregiver %d: break must lie within the shift", k);
			return DSP_EINVAL;
		}
		if (fabs(c->lat) > 90 || fabs(c->lon) > 180) {
			set_err(err, errlen, "caregiver %d: bad coordinates", k);
			return DSP_EINVAL;
		}
	}
	for (int i = 0; i < nv; i++) {
		const dsp_visit *x = &v[i];
		if (!valid_minute(x->tw_start) || !valid_minute(x->tw_end) ||
		    x->tw_start > x->tw_end || x->duration < 0) {
			set_err(err, errlen, "visit %d: window must satisfy start <= end, duration >= 0", i);
			return DSP_EINVAL;
		}
		if (x->preferred < -1 || x->preferred >= ncg || x->priority < 0) {
			set_err(err, errlen, "visit %d: bad preferred caregiver or priority", i);
			return DSP_EINVAL;
		}
		if (fabs(x->lat) > 90 || fabs(x->lon) > 180) {
			set_err(err, errlen, "visit %d: bad coordinates", i);
			return DSP_EINVAL;
		}
	}
	return 0;
}

int dsp_homecare_instance(const dsp_caregiver *cg, int ncg, const dsp_visit *v,
			  int nv, const dsp_homecare_params *hp,
			  dsp_instance **out, char *err, size_t errlen)
{
	dsp_instance *in = NULL;
	int ret, nbreak = 0, nprof = 1, prof_of_mode[2] = {0, 0};
	double speed[2] = {hp->walk_kmh, hp->ebike_kmh};

	*out = NULL;
	if ((ret = check_input(cg, ncg, v, nv, hp, err, errlen)))
		return ret;
	for (int k = 0; k < ncg; k++)
		nbreak += cg[k].break_len > 0;
	/* One travel profile per mode in use: a single profile keeps the
	 * local search's cheap distance bounds. */
	int used[2] = {0, 0};
	for (int k = 0; k < ncg; k++)
		used[cg[k].mode] = 1;
	if (used[0] && used[1]) {
		nprof = 2;
		prof_of_mode[1] = 1;
	}
	int n = nv + nbreak, nnodes = n + 1 + ncg;
	if (n == 0) {
		set_err(err, errlen, "nothing to plan");
		return DSP_EINVAL;
	}
	if ((ret = dsp_instance_alloc(n, nnodes, ncg, nprof, &in)))
		return ret;
	in->homogeneous = 0;
	in->objective = DSP_OBJ_DISTANCE;
	in->scale = HC_SCALE;
	in->ncg = ncg;
	snprintf(in->name, sizeof(in->name), "homecare-%dcg-%dv", ncg, nv);
	in->acost = calloc((size_t)nnodes * (size_t)ncg, sizeof(int64_t));
	in->visit_of = malloc((size_t)nnodes * sizeof(int));
	in->priority = calloc((size_t)nnodes, sizeof(int));
	if (!in->acost || !in->visit_of || !in->priority) {
		ret = DSP_ENOMEM;
		goto fail;
	}
	/* Node 0 is unused by this model; give it caregiver 0's home. */
	in->x[0] = cg[0].lon;
	in->y[0] = cg[0].lat;
	in->late[0] = (int64_t)(48 * 60 * HC_SCALE);
	in->visit_of[0] = -1;
	for (int i = 0; i < nv; i++) {
		int c = i + 1;
		in->x[c] = v[i].lon;
		in->y[c] = v[i].lat;
		in->early[c] = (int64_t)(v[i].tw_start * HC_SCALE);
		in->late[c] = (int64_t)(v[i].tw_end * HC_SCALE);
		in->service[c] = (int64_t)(v[i].duration * HC_SCALE);
		in->skill[c] = v[i].skill;
		in->ext_id[c] = i;
		in->visit_of[c] = i;
		in->priority[c] = v[i].priority;
		for (int k = 0; k < ncg; k++) {
			int64_t a = 0;
			if (v[i].skill & ~cg[k].skills)
				a = DSP_FORBID;
			else if (v[i].preferred >= 0 && v[i].preferred != k)
				a = (int64_t)(hp->continuity_minutes * HC_SCALE);
			in->acost[(size_t)c * (size_t)ncg + (size_t)k] = a;
		}
	}
	int c = nv;
	for (int k = 0; k < ncg; k++) {
		int d = n + 1 + k;
		in->x[d] = cg[k].lon;
		in->y[d] = cg[k].lat;
		in->early[d] = (int64_t)(cg[k].shift_start * HC_SCALE);
		in->late[d] = (int64_t)(cg[k].shift_end * HC_SCALE);
		in->ext_id[d] = -1;
		in->visit_of[d] = -1;
		dsp_vehicle *vh = &in->veh[k];
		vh->start = vh->end = d;
		vh->capacity = INT64_MAX / 4;
		vh->max_dur = cg[k].max_work > 0 ? (int64_t)(cg[k].max_work * HC_SCALE) : INT64_MAX / 4;
		vh->prof = prof_of_mode[cg[k].mode];
		vh->skills = cg[k].skills;
		if (cg[k].break_len > 0) {
			c++;
			in->x[c] = cg[k].lon; /* taken at home */
			in->y[c] = cg[k].lat;
			in->early[c] = (int64_t)(cg[k].break_start * HC_SCALE);
			in->late[c] = (int64_t)(cg[k].break_end * HC_SCALE);
			in->service[c] = (int64_t)(cg[k].break_len * HC_SCALE);
			in->ext_id[c] = -1 - k;
			in->visit_of[c] = -1 - k;
			for (int q = 0; q < ncg; q++)
				in->acost[(size_t)c * (size_t)ncg + (size_t)q] = q == k ? 0 : DSP_FORBID;
		}
	}
	for (int p = 0; p < nprof; p++) {
		int mode = nprof == 2 ? p : (used[1] ? 1 : 0);
		double sec_per_km = 3600.0 / speed[mode];
		for (int i = 0; i < nnodes; i++)
			for (int j = 0; j < nnodes; j++) {
				double km = great_circle_km(in->y[i], in->x[i], in->y[j], in->x[j]) * hp->detour;
				double t = km * sec_per_km;
				if (t > 1e9) {
					set_err(err, errlen, "locations too far apart");
					ret = DSP_EINVAL;
					goto fail;
				}
				size_t k = (size_t)i * (size_t)nnodes + (size_t)j;
				in->tmat[p][k] = (int32_t)ceil(t);
				in->dmat[p][k] = in->tmat[p][k];
			}
	}
	dsp_instance_finish(in);
	*out = in;
	return 0;
fail:
	dsp_instance_free(in);
	return ret;
}

int dsp_homecare_schedule(const dsp_instance *in, const dsp_solution *s,
			  dsp_schedule_item *items, int nitems)
{
	int k = 0;
	if (!in->visit_of)
		return DSP_EINVAL;
	for (int r = 0; r < s->nroutes; r++) {
		int vk = s->route_vehicle[r];
		const dsp_vehicle *vh = &in->veh[vk];
		int prof = vh->prof;
		/* Leave as late as the whole route allows, to avoid idle time. */
		dsp_seg seg = dsp_seg_node(in, vh->start);
		for (int i = s->route_start[r]; i < s->route_start[r + 1]; i++) {
			dsp_seg t = dsp_seg_node(in, s->visits[i]);
			seg = dsp_seg_merge(in, prof, &seg, &t);
		}
		dsp_seg e = dsp_seg_node(in, vh->end);
		seg = dsp_seg_merge(in, prof, &seg, &e);
		int64_t t = seg.late, prev = vh->start;
		for (int i = s->route_start[r]; i < s->route_start[r + 1]; i++) {
			int c = s->visits[i];
			t += in->tmat[prof][(size_t)prev * (size_t)in->nnodes + (size_t)c];
			if (t < in->early[c])
				t = in->early[c];
			if (k >= nitems)
				return DSP_EINVAL;
			items[k].visit = in->visit_of[c];
			items[k].caregiver = vk;
			items[k].start = (int)floor((double)t / HC_SCALE + 1e-9);
			k++;
			t += in->service[c];
			prev = c;
		}
	}
	return k;
}
