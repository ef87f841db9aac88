/* bench_table.c - pfs_bench's result table: rows with their samples and
 * baselines, medians and ratios, the printed table and bench-results.json. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "bench_suite.h"
#include "pfs.h"

struct bench_row *bench_row_get(struct bench_table *t, const char *name,
				const char *prov, const char *unit,
				const char *base0, const char *base1)
{
	struct bench_row *r;

	for (int i = 0; i < t->n; i++)
		if (!strcmp(t->rows[i].name, name))
			return &t->rows[i];
	if (t->n == BENCH_ROWS_MAX)
		return NULL;
	r = &t->rows[t->n++];
	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "%s", name);
	snprintf(r->provider, sizeof(r->provider), "%s", prov ? prov : "-");
	snprintf(r->unit, sizeof(r->unit), "%s", unit);
	if (base0)
		snprintf(r->base[0], sizeof(r->base[0]), "%s", base0);
	if (base1)
		snprintf(r->base[1], sizeof(r->base[1]), "%s", base1);
	return r;
}

/* Row name for a provider: tcp rows carry the plain name, others a suffix. */
const char *bench_nm(char *buf, size_t len, const char *name, const char *prov)
{
	if (!prov || !strcmp(prov, "tcp"))
		snprintf(buf, len, "%s", name);
	else
		snprintf(buf, len, "%s-%s", name, prov);
	return buf;
}

void bench_add(struct bench_table *t, const char *name, const char *prov,
	       const char *unit, const char *base0, const char *base1, double v)
{
	struct bench_row *r = bench_row_get(t, name, prov, unit, base0, base1);

	if (r && r->n < BENCH_RUNS_MAX)
		r->v[r->n++] = v;
}

void bench_fail(struct bench_table *t, const char *name, const char *prov,
		const char *unit, const char *msg)
{
	struct bench_row *r = bench_row_get(t, name, prov, unit, NULL, NULL);

	t->errors++;
	fprintf(stderr, "pfs_bench: %s: %s\n", name, msg);
	if (r && !r->err[0])
		snprintf(r->err, sizeof(r->err), "%s", msg);
}

static double bench_median(const struct bench_row *r, double *lo, double *hi)
{
	double v[BENCH_RUNS_MAX];

	if (!r || !r->n)
		return 0;
	memcpy(v, r->v, sizeof(double) * (size_t)r->n);
	qsort(v, (size_t)r->n, sizeof(double), bench_cmp_double);
	if (lo)
		*lo = v[0];
	if (hi)
		*hi = v[r->n - 1];
	return r->n % 2 ? v[r->n / 2] : (v[r->n / 2 - 1] + v[r->n / 2]) / 2;
}

static const struct bench_row *bench_find(const struct bench_table *t, const char *name)
{
	for (int i = 0; i < t->n; i++)
		if (!strcmp(t->rows[i].name, name) && t->rows[i].n)
			return &t->rows[i];
	return NULL;
}

/* The baseline row a row is judged against: of its candidates, the one
 * with the smaller median (the goal is a fraction of the tighter bound). */
static const struct bench_row *bench_base(const struct bench_table *t, const struct bench_row *r)
{
	const struct bench_row *a = r->base[0][0] ? bench_find(t, r->base[0]) : NULL;
	const struct bench_row *b = r->base[1][0] ? bench_find(t, r->base[1]) : NULL;

	if (a && b)
		return bench_median(b, NULL, NULL) < bench_median(a, NULL, NULL) ? b : a;
	return a ? a : b;
}

static void bench_fmt(char *buf, size_t len, double v)
{
	if (v == 0)
		snprintf(buf, len, "0");
	else if (v >= 100000)
		snprintf(buf, len, "%.0f", v);
	else if (v >= 100)
		snprintf(buf, len, "%.0f", v);
	else if (v >= 10)
		snprintf(buf, len, "%.1f", v);
	else if (v >= 0.1)
		snprintf(buf, len, "%.2f", v);
	else
		snprintf(buf, len, "%.3g", v);
}

void bench_print(const struct bench_table *t, FILE *out)
{
	fprintf(out, "%-28s %-4s %10s %-19s %-9s %-30s %10s %6s\n", "row", "prov", "median",
		"min-max", "unit", "baseline (same run)", "base", "ratio");
	for (int i = 0; i < t->n; i++) {
		const struct bench_row *r = &t->rows[i], *b = bench_base(t, r);
		char med[32], lo[32], hi[32], mm[80], bv[32] = "-", ratio[32] = "-";
		double l = 0, h = 0, m = bench_median(r, &l, &h);

		if (!r->n) {
			fprintf(out, "%-28s %-4s %10s   FAILED: %s\n", r->name, r->provider, "-",
				r->err);
			continue;
		}
		bench_fmt(med, sizeof(med), m);
		bench_fmt(lo, sizeof(lo), l);
		bench_fmt(hi, sizeof(hi), h);
		snprintf(mm, sizeof(mm), "%s-%s", lo, hi);
		if (b) {
			double bm = bench_median(b, NULL, NULL);

			bench_fmt(bv, sizeof(bv), bm);
			if (bm > 0)
				snprintf(ratio, sizeof(ratio), "%.2f", m / bm);
		}
		fprintf(out, "%-28s %-4s %10s %-19s %-9s %-30s %10s %6s\n", r->name, r->provider,
			med, mm, r->unit, b ? b->name : "-", bv, ratio);
	}
}

static void bench_json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

int bench_write_json(const struct bench_table *t, const struct bench_opts *o,
		     const char *path)
{
	char tmp[600];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f)
		return -errno;
	fprintf(f, "[\n");
	for (int i = 0; i < t->n; i++) {
		const struct bench_row *r = &t->rows[i], *b = bench_base(t, r);
		double l = 0, h = 0, m = bench_median(r, &l, &h);

		fprintf(f, "  {\"name\": ");
		bench_json_str(f, r->name);
		fprintf(f, ", \"provider\": ");
		bench_json_str(f, r->provider);
		if (r->n)
			fprintf(f, ", \"value\": %.6g, \"min\": %.6g, \"max\": %.6g, \"runs\": %d",
				m, l, h, r->n);
		else
			fprintf(f, ", \"value\": null, \"runs\": 0, \"error\": \"%s\"",
				"failed; see the log");
		fprintf(f, ", \"unit\": ");
		bench_json_str(f, r->unit);
		if (b && r->n) {
			double bm = bench_median(b, NULL, NULL);

			fprintf(f, ", \"baseline\": ");
			bench_json_str(f, b->name);
			fprintf(f, ", \"baseline_value\": %.6g", bm);
			if (bm > 0)
				fprintf(f, ", \"ratio\": %.4g", m / bm);
			else
				fprintf(f, ", \"ratio\": null");
		} else {
			fprintf(f, ", \"baseline\": null, \"baseline_value\": null, \"ratio\": null");
		}
		if (r->storage) {
			fprintf(f, ", \"storage\": ");
			bench_json_str(f, r->storage);
		}
		fprintf(f, ", \"mode\": \"%s\"}%s\n", o->mode, i + 1 < t->n ? "," : "");
	}
	fprintf(f, "]\n");
	if (fclose(f))
		return -errno;
	return rename(tmp, path) ? -errno : 0;
}
