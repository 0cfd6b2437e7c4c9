/*
 * diag: collected diagnostics for the config and policy parsers.
 *
 * Parsers never stop at the first problem: they append every error they
 * find here, as "file:line:col: error: message", and the caller decides
 * (exit 1 at start, keep the old generation on reload).  Pure: no I/O
 * except diag_print(), which writes to a caller-supplied stream.
 */
#ifndef DINDGATE_DIAG_H
#define DINDGATE_DIAG_H

#include <stddef.h>
#include <stdio.h>

/* One diagnostic.  Owned by struct diag; freed in diag_clear(). */
struct diag_entry {
	char		*file;		/* file the problem is in */
	unsigned	 line;		/* 1-based; 0 when not tied to a line */
	unsigned	 col;		/* 1-based */
	char		*msg;		/* the message, without prefix */
};

struct diag {
	struct diag_entry	*v;
	size_t			 n;
	size_t			 cap;
};

void	diag_init(struct diag *);
/* Frees every entry; the diag can be reused. */
void	diag_clear(struct diag *);
/* Appends one error.  line 0 prints "file: error: msg". */
void	diag_add(struct diag *, const char *file, unsigned line, unsigned col,
	    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Formats entry i into buf ("file:line:col: error: msg"); returns buf. */
char	*diag_format(const struct diag *, size_t i, char *buf, size_t len);
void	diag_print(const struct diag *, FILE *);

#endif
