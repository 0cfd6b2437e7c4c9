/*
 * testutil: helpers shared by the cmocka programs in tests/unit/.
 *
 * The expect_* functions compare without stopping: a mismatch is printed
 * with print_error() and counted in `failures', so one run lists every
 * wrong row.  A test sets failures to 0, runs its rows and ends with
 * assert_int_equal(failures, 0).
 *
 * Include after <cmocka.h> and its prerequisites.
 */
#ifndef DINDGATE_TESTUTIL_H
#define DINDGATE_TESTUTIL_H

#include <stdbool.h>
#include <stddef.h>

struct diag;

/* Mismatches since the test last set it to 0. */
extern int	failures;

/* "[row] what: got 1, want 2" */
void	expect_int(const char *row, const char *what, long long got,
	    long long want);
/* The same, with both values in hex as well: for flags. */
void	expect_xint(const char *row, const char *what, long long got,
	    long long want);
/* Strings (NULL allowed) on one line: "[row] what: got \"a\", want \"b\"" */
void	expect_qstr(const char *row, const char *what, const char *got,
	    const char *want);
/* Multi-line text (NULL allowed): got and want each between --- lines. */
void	expect_str(const char *row, const char *what, const char *got,
	    const char *want);
/* got[0..glen), which may hold no NUL, against the string want. */
void	expect_mem(const char *row, const char *what, const char *got,
	    size_t glen, const char *want);

/* All diagnostics, one a line, as dindgate -t prints them, into buf. */
char	*diag_text_buf(const struct diag *, char *buf, size_t len);
/* The same in a malloc'd buffer large enough for all of them. */
char	*diag_text(const struct diag *);

/* The whole file, NUL-terminated and malloc'd; NULL (errno) if unopenable. */
char	*read_file(const char *path);

/* $top_srcdir, or "." when unset or empty. */
const char *top_srcdir(void);
/*
 * chdir to top_srcdir() so that file names in diagnostics are the same
 * relative names in every build tree.  On failure prints
 * "prog: dir: reason" and returns -1.
 */
int	enter_top_srcdir(const char *prog);

/*
 * The names in dir that start with prefix and end in suffix (and are
 * longer than suffix), at most max of them, sorted; returns how many.
 * Each is strdup'd.
 */
size_t	dir_names(const char *dir, const char *prefix, const char *suffix,
	    char **names, size_t max);
/*
 * Golden diagnostics: each dir/names[i] (i < n) must fail to load, and
 * its diagnostics must equal the file next to it with suffix replaced
 * by ".err".  load() loads path, frees what it loaded and returns
 * whether it loaded.  Mismatches count in failures; frees the names.
 */
void	golden_errors(const char *dir, const char *suffix, char **names,
	    size_t n, bool (*load)(char *path, struct diag *));
/* A load() for golden_errors(): path alone as a policy set, API >= 1.40. */
bool	golden_load_policy(char *path, struct diag *);

#endif
