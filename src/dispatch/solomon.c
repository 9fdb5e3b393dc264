/* solomon.c — reader for the Solomon / Gehring-Homberger text layout.
 *
 * Layout: name line, "VEHICLE", header, "NUMBER CAPACITY" values,
 * "CUSTOMER", header, then rows "id x y demand ready due service"; row 0 is
 * the depot.  Errors name the offending line so a user can fix the file. */
#include "dispatch/dsp_internal.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct {
	int id;
	double x, y, demand, ready, due, service;
	int line;
} row_t;

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* Splits a line into numbers; returns the count or -1 on a non-number. */
static int parse_numbers(const char *s, const char *end, double *v, int maxv)
{
	int k = 0;
	while (s < end) {
		while (s < end && isspace((unsigned char)*s))
			s++;
		if (s >= end)
			break;
		char buf[64];
		size_t l = 0;
		while (s < end && !isspace((unsigned char)*s) && l < sizeof(buf) - 1)
			buf[l++] = *s++;
		buf[l] = 0;
		char *ep;
		errno = 0;
		double d = strtod(buf, &ep);
		if (*ep || errno || !isfinite(d) || k >= maxv)
			return -1;
		v[k++] = d;
	}
	return k;
}

static int is_blank(const char *s, const char *e)
{
	for (; s < e; s++)
		if (!isspace((unsigned char)*s))
			return 0;
	return 1;
}

static int starts_word(const char *s, const char *e, const char *w)
{
	while (s < e && isspace((unsigned char)*s))
		s++;
	size_t l = strlen(w);
	return (size_t)(e - s) >= l && strncasecmp(s, w, l) == 0;
}

/* Fills travel matrices in the chosen convention. */
static int build_matrices(dsp_instance *in, char *err, size_t errlen)
{
	int nn = in->nnodes;
	double maxd = 0;
	for (int i = 0; i < nn; i++)
		for (int j = 0; j < nn; j++) {
			double d = hypot(in->x[i] - in->x[j], in->y[i] - in->y[j]);
			if (d > maxd)
				maxd = d;
		}
	if (in->objective == DSP_OBJ_HIERARCHICAL) {
		in->scale = 1e5;
		while (in->scale > 1 && maxd * in->scale > 1e9)
			in->scale /= 10;
	} else {
		in->scale = 10;
	}
	if (maxd * in->scale > 2e9) {
		set_err(err, errlen, "coordinates too large");
		return DSP_EPARSE;
	}
	for (int i = 0; i < nn; i++)
		for (int j = 0; j < nn; j++) {
			double d = hypot(in->x[i] - in->x[j], in->y[i] - in->y[j]);
			size_t k = (size_t)i * (size_t)nn + (size_t)j;
			if (in->objective == DSP_OBJ_HIERARCHICAL) {
				/* Times round up: feasible here => feasible in doubles. */
				in->dmat[0][k] = (int32_t)llround(d * in->scale);
				in->tmat[0][k] = (int32_t)ceil(d * in->scale);
			} else {
				/* Convention: floor(10 d) / 10, exact in tenths. */
				in->dmat[0][k] = (int32_t)floor(d * 10.0);
				in->tmat[0][k] = in->dmat[0][k];
			}
		}
	return 0;
}

int dsp_parse_solomon(const char *text, size_t len, int objective,
		      dsp_instance **out, char *err, size_t errlen)
{
	const char *p = text, *end = text + len;
	int line = 0, state = 0, ret = DSP_EPARSE;
	int nveh_file = 0;
	double cap = 0;
	char name[64] = "";
	row_t *rows = NULL;
	int nrows = 0, caprows = 0;
	dsp_instance *in = NULL;
	double v[16];

	*out = NULL;
	while (p < end) {
		const char *e = memchr(p, '\n', (size_t)(end - p));
		if (!e)
			e = end;
		const char *le = e;
		if (le > p && le[-1] == '\r')
			le--;
		line++;
		if (is_blank(p, le)) {
			p = e + 1;
			continue;
		}
		switch (state) {
		case 0: { /* instance name */
			while (p < le && isspace((unsigned char)*p))
				p++;
			size_t l = (size_t)(le - p);
			if (l >= sizeof(name))
				l = sizeof(name) - 1;
			memcpy(name, p, l);
			name[l] = 0;
			while (l > 0 && isspace((unsigned char)name[l - 1]))
				name[--l] = 0;
			state = 1;
			break;
		}
		case 1:
			if (!starts_word(p, le, "VEHICLE")) {
				set_err(err, errlen, "line %d: expected VEHICLE", line);
				goto fail;
			}
			state = 2;
			break;
		case 2:
			if (!starts_word(p, le, "NUMBER")) {
				set_err(err, errlen, "line %d: expected NUMBER CAPACITY header", line);
				goto fail;
			}
			state = 3;
			break;
		case 3:
			if (parse_numbers(p, le, v, 16) != 2 || v[0] < 1 || v[1] <= 0 ||
			    v[0] != floor(v[0])) {
				set_err(err, errlen, "line %d: expected vehicle number and capacity", line);
				goto fail;
			}
			nveh_file = (int)v[0];
			cap = v[1];
			state = 4;
			break;
		case 4:
			if (!starts_word(p, le, "CUSTOMER")) {
				set_err(err, errlen, "line %d: expected CUSTOMER", line);
				goto fail;
			}
			state = 5;
			break;
		case 5:
			if (!starts_word(p, le, "CUST")) {
				set_err(err, errlen, "line %d: expected customer column header", line);
				goto fail;
			}
			state = 6;
			break;
		default: {
			int k = parse_numbers(p, le, v, 16);
			if (k != 7) {
				set_err(err, errlen, "line %d: expected 7 numbers "
					"(id x y demand ready due service)", line);
				goto fail;
			}
			if (v[0] != floor(v[0]) || v[0] < 0 || v[0] > 1e8) {
				set_err(err, errlen, "line %d: bad customer id", line);
				goto fail;
			}
			if (v[3] < 0 || v[6] < 0 || v[4] < 0 || v[5] < v[4]) {
				set_err(err, errlen, "line %d: negative demand/service or "
					"due date before ready time", line);
				goto fail;
			}
			if (nrows == 0 && v[3] != 0) {
				set_err(err, errlen, "line %d: depot must have zero demand", line);
				goto fail;
			}
			if (v[3] > cap) {
				set_err(err, errlen, "line %d: demand exceeds vehicle capacity", line);
				goto fail;
			}
			for (int i = 0; i < nrows; i++)
				if (rows[i].id == (int)v[0]) {
					set_err(err, errlen, "line %d: duplicate customer id %d",
						line, (int)v[0]);
					goto fail;
				}
			if (nrows == caprows) {
				int nc = caprows ? caprows * 2 : 128;
				row_t *nr = realloc(rows, (size_t)nc * sizeof(*rows));
				if (!nr) {
					ret = DSP_ENOMEM;
					goto fail;
				}
				rows = nr;
				caprows = nc;
			}
			rows[nrows++] = (row_t){(int)v[0], v[1], v[2], v[3], v[4], v[5], v[6], line};
		}
		}
		p = e + 1;
	}
	if (state < 6 || nrows < 2) {
		set_err(err, errlen, "line %d: unexpected end of file (need a depot and "
			"at least one customer)", line);
		goto fail;
	}
	int n = nrows - 1;
	int nveh = objective == DSP_OBJ_HIERARCHICAL ? (nveh_file < n ? nveh_file : n) : n;
	ret = dsp_instance_alloc(n, n + 1, nveh, 1, &in);
	if (ret)
		goto fail;
	ret = DSP_EPARSE;
	in->objective = objective;
	snprintf(in->name, sizeof(in->name), "%s", name);
	for (int i = 0; i <= n; i++) {
		in->x[i] = rows[i].x;
		in->y[i] = rows[i].y;
		in->ext_id[i] = rows[i].id;
	}
	if (build_matrices(in, err, errlen))
		goto fail;
	for (int i = 0; i <= n; i++) {
		in->early[i] = llround(rows[i].ready * in->scale);
		in->late[i] = llround(rows[i].due * in->scale);
		in->service[i] = llround(rows[i].service * in->scale);
		in->demand[i] = llround(rows[i].demand);
	}
	/* Waiting at the depot is free; a route must be back by its due date. */
	in->service[0] = 0;
	for (int r = 0; r < nveh; r++) {
		in->veh[r].start = in->veh[r].end = 0;
		in->veh[r].capacity = llround(cap);
		in->veh[r].max_dur = INT64_MAX / 4;
		in->veh[r].prof = 0;
		in->veh[r].skills = ~0u;
	}
	for (int i = 1; i <= n; i++) {
		int64_t arrive = dsp_max64(in->early[0] + in->tmat[0][i], in->early[i]);
		int64_t back = arrive + in->service[i] + in->tmat[0][(size_t)i * (size_t)(n + 1)];
		if (arrive > in->late[i] || back > in->late[0]) {
			set_err(err, errlen, "line %d: customer %d cannot be served within its "
				"time window and the depot's horizon", rows[i].line, rows[i].id);
			goto fail;
		}
	}
	dsp_instance_finish(in);
	free(rows);
	*out = in;
	return 0;
fail:
	free(rows);
	dsp_instance_free(in);
	return ret;
}

int dsp_read_solomon(const char *path, int objective, dsp_instance **out,
		     char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int ret = DSP_EIO;
	if (!f) {
		set_err(err, errlen, "%s: %s", path, strerror(errno));
		return DSP_EIO;
	}
	for (;;) {
		if (cap - len < 65536) {
			size_t nc = cap ? cap * 2 : 65536;
			char *nb = realloc(buf, nc);
			if (!nb) {
				ret = DSP_ENOMEM;
				goto fail;
			}
			buf = nb;
			cap = nc;
		}
		size_t r = fread(buf + len, 1, cap - len, f);
		len += r;
		if (r == 0)
			break;
	}
	if (ferror(f)) {
		set_err(err, errlen, "%s: read error", path);
		goto fail;
	}
	char inner[200] = "";
	ret = dsp_parse_solomon(buf, len, objective, out, inner, sizeof(inner));
	if (ret)
		set_err(err, errlen, "%s: %s", path, inner);
fail:
	free(buf);
	fclose(f);
	return ret;
}
