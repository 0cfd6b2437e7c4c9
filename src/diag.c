/*
 * diag: collect parser diagnostics in compiler form.  See diag.h.
 */
#include "autoconf.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"

void
diag_init(struct diag *d)
{
	memset(d, 0, sizeof(*d));
}

void
diag_clear(struct diag *d)
{
	size_t	i;

	for (i = 0; i < d->n; i++) {
		free(d->v[i].file);
		free(d->v[i].msg);
	}
	free(d->v);
	diag_init(d);
}

/* Append one error; on allocation failure the entry is dropped but counted. */
void
diag_add(struct diag *d, const char *file, unsigned line, unsigned col,
    const char *fmt, ...)
{
	struct diag_entry	*e, *nv;
	va_list			 ap;
	char			 buf[1024];
	size_t			 ncap;

	if (d->n == d->cap) {
		ncap = d->cap ? d->cap * 2 : 8;
		nv = realloc(d->v, ncap * sizeof(*nv));
		if (nv == NULL)
			return;
		d->v = nv;
		d->cap = ncap;
	}
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	e = &d->v[d->n];
	e->file = strdup(file ? file : "-");
	e->msg = strdup(buf);
	e->line = line;
	e->col = col;
	if (e->file == NULL || e->msg == NULL) {
		free(e->file);
		free(e->msg);
		return;
	}
	d->n++;
}

char *
diag_format(const struct diag *d, size_t i, char *buf, size_t len)
{
	const struct diag_entry	*e = &d->v[i];

	if (e->line == 0)
		snprintf(buf, len, "%s: error: %s", e->file, e->msg);
	else
		snprintf(buf, len, "%s:%u:%u: error: %s", e->file, e->line,
		    e->col, e->msg);
	return buf;
}

void
diag_print(const struct diag *d, FILE *fp)
{
	char	buf[1400];
	size_t	i;

	for (i = 0; i < d->n; i++)
		fprintf(fp, "%s\n", diag_format(d, i, buf, sizeof(buf)));
}
