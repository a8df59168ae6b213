/* Reading netrootd's configuration files (server/conf_load.c). */
#ifndef NETROOT_SERVER_CONF_LOAD_H
#define NETROOT_SERVER_CONF_LOAD_H

#include "conf.h"

/* The main file at path, then every NAME.conf in its clients directory (a
 * missing directory means no boards yet), sorted by name and checked
 * against each other. *clients is malloc'd. 0, or < 0 with err naming the
 * file and line. */
int nrd_load(const char *path, struct nrd_conf *c, struct nrd_client **clients, int *nclients,
	     struct conf_error *err);

#endif
