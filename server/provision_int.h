/* Shared between provision.c (client add) and provision_cmd.c (the other
 * subcommands): the loaded configuration and the state directories. */
#ifndef NETROOT_SERVER_PROVISION_INT_H
#define NETROOT_SERVER_PROVISION_INT_H

#include <sys/types.h>

#include "conf.h"
#include "provision.h"

/* Comments in a client file that say what the board was made from: the
 * parser skips them, a re-run compares them. */
#define PROV_MARK_ROOT  "# netroot-root: "
#define PROV_MARK_IMAGE "# netroot-image: "

struct prov_ctx {
	const char *conf_path;
	struct nrd_conf conf;
	char images[PATH_LEN + 16];     /* STATE/images: golden images */
	char clients[PATH_LEN + 16];    /* STATE/clients: the boards' iSCSI disks */
	char nfs[PATH_LEN + 16];        /* STATE/nfs: the boards' NFS trees */
	char scratch[PATH_LEN + 32];    /* this run's temporary directory */
	uid_t uid;                      /* [netrootd] user, or -1 */
	gid_t gid;
};

/* The value of a PROV_MARK_* comment in a client file's text ("" when none). */
void prov_marker(const char *text, const char *mark, char *out, size_t n);

int prov_client_add(struct prov_ctx *x, int argc, char **argv);

/* Every parsable clients.d file but skip's (a broken one is a warning). */
int prov_load_clients(struct prov_ctx *x, struct nrd_client **out, int *n, const char *skip);
/* path and everything beneath it (never following links); quiet. */
void prov_rmtree(const char *path);
/* text written 0600 through a temporary file and a rename. */
int prov_write_private(const char *path, const char *text, char *why, size_t wl);
/* SIGHUP to the netrootd named by STATE/netrootd.pid, when it runs. */
void prov_tell_daemon(const struct prov_ctx *x);
/* Every file of the image's FAT partition into dir (made). */
int prov_boot_copy_all(const struct prov_target *t, const char *dir, char *why, size_t wl);

#endif
