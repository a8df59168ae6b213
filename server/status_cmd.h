/* `netrootd status` (server/status_cmd.c). */
#ifndef NETROOT_SERVER_STATUS_CMD_H
#define NETROOT_SERVER_STATUS_CMD_H

#include <stdbool.h>

/* argv[0] is "status": [-c FILE] [--json] [NAME]. The exit status. */
int status_main(int argc, char **argv);

/* The same with conf as the configuration unless -c says otherwise
 * (`netrootd -c FILE status ...`). */
int status_run_args(const char *conf, int argc, char **argv);

/* The same with the options read: conf, JSON or text, one board or all. */
int status_run(const char *conf, bool json, const char *only);

#endif
