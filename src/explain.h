/*
 * explain: `dindgate explain`, the policy decision for one request made
 * up on the command line, without an engine and without a network.  It
 * calls the same policy_eval() the daemon calls.
 */
#ifndef DINDGATE_EXPLAIN_H
#define DINDGATE_EXPLAIN_H

/* argv[0] is "explain".  Returns the process exit status. */
int	explain_main(int argc, char *argv[], const char *default_conf);

#endif
