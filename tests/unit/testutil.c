/*
 * testutil: helpers shared by the unit tests.  See testutil.h.
 */
#include "autoconf.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diag.h"
#include "policy.h"
#include "testutil.h"

int	failures;

void
expect_int(const char *row, const char *what, long long got, long long want)
{
	if (got != want) {
		print_error("[%s] %s: got %lld, want %lld\n", row, what, got,
		    want);
		failures++;
	}
}

void
expect_xint(const char *row, const char *what, long long got, long long want)
{
	if (got != want) {
		print_error("[%s] %s: got %lld (0x%llx), want %lld (0x%llx)\n",
		    row, what, got, got, want, want);
		failures++;
	}
}

static bool
str_differ(const char *got, const char *want)
{
	return (got == NULL) != (want == NULL) ||
	    (got != NULL && strcmp(got, want) != 0);
}

void
expect_qstr(const char *row, const char *what, const char *got,
    const char *want)
{
	if (str_differ(got, want)) {
		print_error("[%s] %s: got \"%s\", want \"%s\"\n", row, what,
		    got ? got : "(null)", want ? want : "(null)");
		failures++;
	}
}

void
expect_str(const char *row, const char *what, const char *got,
    const char *want)
{
	if (str_differ(got, want)) {
		print_error("[%s] %s:\n--- got\n%s\n--- want\n%s\n---\n", row,
		    what, got ? got : "(null)", want ? want : "(null)");
		failures++;
	}
}

void
expect_mem(const char *row, const char *what, const char *got, size_t glen,
    const char *want)
{
	if ((got == NULL) != (want == NULL) || (want != NULL &&
	    (glen != strlen(want) || memcmp(got, want, glen) != 0))) {
		print_error("[%s] %s: got \"%.*s\", want \"%s\"\n", row, what,
		    got ? (int)glen : 6, got ? got : "(null)",
		    want ? want : "(null)");
		failures++;
	}
}

/* Each formatted line is under DIAG_LINE bytes with its newline. */
#define DIAG_LINE	1400

char *
diag_text_buf(const struct diag *d, char *buf, size_t len)
{
	char	line[DIAG_LINE];
	size_t	i, o = 0;

	buf[0] = '\0';
	for (i = 0; i < d->n && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s\n",
		    diag_format(d, i, line, sizeof(line)));
	return buf;
}

char *
diag_text(const struct diag *d)
{
	size_t	len = 1 + d->n * DIAG_LINE;
	char	*buf;

	buf = malloc(len);
	assert_non_null(buf);
	return diag_text_buf(d, buf, len);
}

char *
read_file(const char *path)
{
	FILE	*fp;
	char	*buf;
	long	 n;

	if ((fp = fopen(path, "r")) == NULL)
		return NULL;
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
	buf[n] = '\0';
	fclose(fp);
	return buf;
}

const char *
top_srcdir(void)
{
	const char	*top = getenv("top_srcdir");

	if (top == NULL || *top == '\0')
		top = ".";
	return top;
}

int
enter_top_srcdir(const char *prog)
{
	const char	*top = top_srcdir();

	if (chdir(top) == -1) {
		fprintf(stderr, "%s: %s: %s\n", prog, top, strerror(errno));
		return -1;
	}
	return 0;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

size_t
dir_names(const char *dir, const char *prefix, const char *suffix,
    char **names, size_t max)
{
	struct dirent	*de;
	DIR		*dp;
	size_t		 n = 0, len, plen = strlen(prefix);
	size_t		 slen = strlen(suffix);

	dp = opendir(dir);
	assert_non_null(dp);
	while ((de = readdir(dp)) != NULL && n < max) {
		len = strlen(de->d_name);
		if (strncmp(de->d_name, prefix, plen) == 0 && len > slen &&
		    strcmp(de->d_name + len - slen, suffix) == 0)
			names[n++] = strdup(de->d_name);
	}
	closedir(dp);
	qsort(names, n, sizeof(names[0]), name_cmp);
	return n;
}

void
golden_errors(const char *dir, const char *suffix, char **names, size_t n,
    bool (*load)(char *path, struct diag *))
{
	char		 path[512], errpath[512], *got, *want;
	struct diag	 d;
	size_t		 i, slen = strlen(suffix);

	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		snprintf(errpath, sizeof(errpath), "%.*s.err",
		    (int)(strlen(path) - slen), path);
		diag_init(&d);
		if (load(path, &d)) {
			print_error("[%s] loaded without errors\n", path);
			failures++;
		}
		got = diag_text(&d);
		if ((want = read_file(errpath)) == NULL) {
			print_error("[%s] no %s: %s\n", path, errpath,
			    strerror(errno));
			failures++;
		} else
			expect_str(path, "diagnostics", got, want);
		free(want);
		free(got);
		diag_clear(&d);
		free(names[i]);
	}
}

bool
golden_load_policy(char *path, struct diag *d)
{
	char			*files[1];
	struct policyset	*ps;
	bool			 loaded;

	files[0] = path;
	ps = policyset_load(files, 1, 40, d);
	loaded = ps != NULL;
	policyset_free(ps);
	return loaded;
}
