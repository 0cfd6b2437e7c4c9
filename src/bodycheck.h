/*
 * bodycheck: what request bodies and parameters may say.
 *
 * Owns: the allowlist schemas of the Engine API objects that can change
 * isolation (container create and update, exec create, volume and
 * network create), the query rules of build, image create and friends,
 * the policy settings that govern them (the "containers", "exec",
 * "build", "images" and "force" sections of a policy file), and the
 * canonical re-serialisation of what was checked.  Pure.
 *
 * Keys are matched the way Go's encoding/json matches them: ASCII case
 * folding.  Non-ASCII keys in struct positions, keys that collide under
 * folding, duplicate keys, unknown fields with a value, and anything
 * after the one JSON value are refused.  What is forwarded is a fresh
 * serialisation of the checked tree with canonical key names.
 */
#ifndef DINDGATE_BODYCHECK_H
#define DINDGATE_BODYCHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "facts.h"
#include "jsondoc.h"

struct decision;

/* A host path prefix a bind mount may use. */
struct body_bind {
	char	*prefix;		/* canonical absolute path */
	bool	 read_only;		/* the mount must be read-only */
};

/* Body and parameter rules of one policy.  Owned by struct policy. */
struct body_policy {
	/* containers */
	char			**images;	/* patterns; NULL: any */
	size_t			  nimages;
	char			**net_modes;	/* allowed network modes */
	size_t			  nnet;
	char			 *default_net;	/* what "" and "default" become */
	bool			  container_join; /* container:<id> modes */
	struct body_bind	 *binds;
	size_t			  nbinds;
	bool			  named_volumes;
	char			**vol_drivers;
	size_t			  nvoldrv;
	bool			  tmpfs;
	char			**cap_add;	/* capabilities that may be added */
	size_t			  ncap;
	char			**sysctls;
	size_t			  nsysctl;
	char			**runtimes;
	size_t			  nrt;
	char			**log_drivers;
	size_t			  nlog;
	char			**ulimits;
	size_t			  nulim;
	bool			  port_bindings;
	bool			  volumes_from;
	/* forced on every container create/update */
	int64_t			  f_memory;	/* bytes; 0: not forced */
	int64_t			  f_nano_cpus;
	int64_t			  f_pids;
	bool			  f_nnp;	/* no-new-privileges */
	bool			  f_cap_drop_all;
	char			**f_cap_keep;	/* added back after drop ALL */
	size_t			  nkeep;
	bool			  f_ro_rootfs;
	char			**f_labels;	/* "key=value" */
	size_t			  nlabels;
	/* exec */
	bool			  exec_user;	/* exec as another user */
	/* build */
	char			**build_net;
	size_t			  nbuildnet;
	bool			  build_extra_hosts;
	/* images */
	char			**pull;		/* patterns; NULL: any */
	size_t			  npull;
	bool			  import_body;	/* import a tar from the body */
	/* rollout */
	bool			  log_only;	/* the whole policy */
	char			**log_only_rules;
	size_t			  nlogonly;
};

/* Fill bp with the defaults of the sandbox (also for absent sections). */
void	bodycheck_policy_defaults(struct body_policy *);
/*
 * Read the body sections of a policy file (root is the policy object);
 * every problem goes to diag.
 */
void	bodycheck_policy_load(struct body_policy *, const struct jnode *root,
	    const char *file, struct diag *);
void	bodycheck_policy_clear(struct body_policy *);
/* Is key one of the body section names (for the policy's key check)? */
extern const char *const bodycheck_policy_keys[];

/* Does this route need its body seen before a decision? */
bool	bodycheck_needs_body(enum route_id);

/*
 * Check the query of f (and its body, when the route needs one and
 * f->body is set).  On refusal fills d (verdict, status, rule, reason);
 * on success may set d->body/d->bodylen to the body to forward and
 * d->changes to what was forced.  d->facts gets a short summary.
 */
void	bodycheck_eval(const struct body_policy *, const struct facts *,
	    struct decision *);

#endif
