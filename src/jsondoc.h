/*
 * jsondoc: JSON-with-comments documents (config and policy files) read
 * with yajl into a small tree whose every node knows its line and column.
 *
 * Owns: the yajl glue.  It does not know what any key means; config.c
 * and policy.c walk the tree against their own schemas, with the helpers
 * below, so one machinery reports errors the same way for both.  Request
 * bodies are parsed (jsondoc_parse_body) and written back (jsondoc_gen)
 * here too; what their keys mean is bodycheck.c's business.
 * Pure: no I/O but jsondoc_load() reading the file.
 */
#ifndef DINDGATE_JSONDOC_H
#define DINDGATE_JSONDOC_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"

enum jtype {
	JT_NULL,		/* null */
	JT_BOOL,		/* true/false */
	JT_INT,			/* integer that fits long long */
	JT_DOUBLE,		/* any other number */
	JT_STRING,		/* string (NUL-free, valid UTF-8) */
	JT_ARRAY,		/* array: children in order */
	JT_OBJECT,		/* object: children carry their key */
	JT_NTYPES
};

/* One value.  Owned by its parent; the root by the caller (jsondoc_free). */
struct jnode {
	enum jtype	 type;
	unsigned	 line;		/* where the value starts */
	unsigned	 col;
	unsigned	 kline;		/* where its key starts (object members) */
	unsigned	 kcol;
	char		*key;		/* member name, NUL-terminated */
	union {
		bool		 b;
		long long	 i;
		double		 d;
		char		*s;	/* NUL-terminated, no inner NUL */
	} v;
	struct jnode	*child;		/* first child (array/object) */
	struct jnode	*last;
	struct jnode	*next;		/* next sibling */
	struct jnode	*parent;	/* borrowed */
	size_t		 nchild;
};

/*
 * Parse text (comments allowed) into a tree.  Every syntax error and
 * duplicate key is added to diag with file:line:col; returns NULL when
 * anything was wrong.
 */
struct jnode	*jsondoc_parse(const char *text, size_t len, const char *file,
		    struct diag *);
/*
 * A request body: strict JSON, exactly one value, no comments, no NUL in
 * strings, no duplicate keys.  NULL with a message in err on failure.
 */
struct jnode	*jsondoc_parse_body(const char *text, size_t len, char *err,
		    size_t errlen);
/* Serialise n with yajl_gen into a malloc'd buffer; 0 or -1. */
int		 jsondoc_gen(const struct jnode *n, char **out, size_t *len);
/* Build and edit trees (for values dindgate adds or changes). */
struct jnode	*jsondoc_new(enum jtype);
struct jnode	*jsondoc_new_string(const char *);
void		 jsondoc_append(struct jnode *parent, struct jnode *n);
void		 jsondoc_unlink(struct jnode *n);
/* Replace or add obj[key] = n (n is taken over, also on error); 0/-1. */
int		 jsondoc_set(struct jnode *obj, const char *key, struct jnode *n);
/* Read path and parse it; read errors land in diag. */
struct jnode	*jsondoc_load(const char *path, struct diag *);
void		 jsondoc_free(struct jnode *);

/* Member of an object by exact key, or NULL. */
struct jnode	*jsondoc_get(const struct jnode *obj, const char *key);
const char	*jsondoc_type_name(enum jtype);

/*
 * Check that every member of obj is one of the NULL-terminated names;
 * report the others, with a "did you mean" hint for a near name.
 * Returns the number of unknown keys.
 */
int	jsondoc_check_keys(const struct jnode *obj, const char *const *names,
	    const char *what, const char *file, struct diag *);
/* Report "what must be a T" when n is not of type t; returns n->type == t. */
bool	jsondoc_expect(const struct jnode *n, enum jtype t, const char *what,
	    const char *file, struct diag *);
/* Closest of names to s within a small edit distance, or NULL. */
const char *jsondoc_nearest(const char *s, const char *const *names);

#endif
