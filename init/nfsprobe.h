/* Asking the NFS server with libnfs before mounting (see nfsprobe.c). */
#ifndef NETROOT_NFSPROBE_H
#define NETROOT_NFSPROBE_H

#include <stdbool.h>

#include "cmdline.h"

struct nfs_probe {
	char path[PATH_LEN];
	int v3, v4;                 /* 0 = mounted fine with libnfs at that version, else -errno */
	bool v3_probed, v4_probed;
	char v3_msg[160], v4_msg[160];  /* the server's or libnfs' words when it failed */
	bool server_up;             /* something answered */
	bool have_exports;          /* the MOUNT export list was read */
	bool path_exported;         /* the path is an export or beneath one */
	char exports[512];          /* "/export (everyone), /srv (10.0.0.0/24)", escaped */
};

/* Probes NFSv4 and/or v3 at `server` for `path`, each exchange bounded by
 * `timeout` seconds. Returns 0 if some version works, -EHOSTDOWN if none. */
int nfs_probe(in4_t server, const char *path, bool want_v3, bool want_v4, double timeout,
	      struct nfs_probe *out);

#endif
