/* Which file a TFTP name means (server/tftp_path.c).
 *
 * The rule (docs/netrootd.md, "TFTP: names and directories"):
 *  - A name is refused before any lookup when it is absolute, has a
 *    backslash, a '%', a control byte, an empty, "." or ".." component, or
 *    ends in '/'.
 *  - The entries at the top of the TFTP root are the administrator's: a
 *    symbolic link there is followed wherever it leads (the seeds'
 *    tftpboot/b8-27-eb-42-32-c8 -> ../system/<serial>/boot).
 *  - Below a top-level directory everything resolves beneath it
 *    (openat2 RESOLVE_BENEATH): a symbolic link inside a client's
 *    directory that leads out of it is refused, so a board that can write
 *    its own /boot over NFS cannot read the server's files through a link.
 *  - A file missing beneath a top-level directory ("SERIAL/overlays/x.dtbo")
 *    is looked up again at the top without that first component
 *    ("overlays/x.dtbo") when fallback is on: a client's directory need
 *    only hold what differs.
 *  - With a client key (unique-root = mac or ip: "dc-a6-32-01-36-c2" or
 *    "10.77.0.100"), a name is first looked up beneath the top-level
 *    directory of that name, then as above.
 *  - Only regular files are served. */
#ifndef NETROOT_SERVER_TFTP_PATH_H
#define NETROOT_SERVER_TFTP_PATH_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

/* Pure: 0 when name may be looked up, else a TFTP error code, why filled. */
int tftp_name_check(const char *name, char *why, size_t whylen);

/* Opens name under rootfd by the rule above: 0 with *fd (O_RDONLY) and *st
 * filled and served naming what was found ("KEY/name", "name (fallback)"),
 * or a TFTP error code with why filled. */
int tftp_open(int rootfd, const char *name, const char *key, bool fallback, int *fd, struct stat *st,
	      char *served, size_t servedlen, char *why, size_t whylen);

/* path beneath dirfd (RESOLVE_BENEATH: no "..", no link leading out),
 * opened O_RDONLY. fd or -errno (-EXDEV: it would leave dirfd). */
int tftp_open_beneath(int dirfd, const char *path);

/* For a write request (write = yes): the directory name is to be created
 * in, by the same rule (the top-level component's link followed, the rest
 * beneath it), and the last component into base. 0 with *dirfd (O_PATH),
 * or a TFTP error code with why filled: error 6 when name exists already
 * (a write never replaces a file), 1 when its directory does not exist. */
int tftp_create_dir(int rootfd, const char *name, int *dirfd, char *base, size_t baselen, char *why, size_t whylen);

#endif
