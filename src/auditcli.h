/*
 * auditcli: `dindgate audit`, reading audit files for admins.
 *
 *   dindgate audit [filters] [--json] [--follow] FILE...
 *   dindgate audit summary [filters] FILE...
 *   dindgate audit verify FILE...
 */
#ifndef DINDGATE_AUDITCLI_H
#define DINDGATE_AUDITCLI_H

/* argv[0] is "audit".  Returns the process exit status. */
int	auditcli_main(int argc, char *argv[]);

#endif
