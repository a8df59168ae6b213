/* A board's own boot files, for TFTP (server/tftp_board.c): which board a
 * read request is for, and the file among its boot files — inside the FAT
 * partition of its own iSCSI disk (boot-files = image), or beneath its
 * boot directory (boot-files = DIR, an NFS root's boot/).
 *
 * The board:
 *  - a name whose first component is a board's Pi serial ("ab12cd34/
 *    start4.elf", the Pi's TFTP_PREFIX=0) or its MAC ("dc-a6-32-01-02-03/
 *    start4.elf", TFTP_PREFIX=2): that board, the rest of the name
 *    within its files;
 *  - else the board whose MAC is the requester's (U-Boot, UEFI, iPXE ask
 *    plain names): the whole name.
 * A prefix naming a board is honoured only when the request comes from
 * that board: from its MAC when its file has one, and never from another
 * board's MAC (a board's cmdline.txt holds its CHAP secret: one board
 * never reads another's files).
 *
 * The image is opened and its FAT parsed again on every request, so a
 * kernel or a cmdline.txt the board itself installed is what it gets next
 * (nothing to copy, nothing stale). The FAT is the board's bytes: every
 * read stays inside that partition of that image (server/fat.c). */
#ifndef NETROOT_SERVER_TFTP_BOARD_H
#define NETROOT_SERVER_TFTP_BOARD_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#include "conf.h"
#include "tftp_file.h"

/* Pure: the board name is for (mac: the requester's, NULL when unknown),
 * *rest the name within its boot files; NULL: no board's (the tree's
 * rules alone), or *refused set when a prefix names a board that is not
 * the requester. */
const struct nrd_client *tftp_board_find(const struct nrd_client *cl, int n, const char *name, const uint8_t *mac,
					 const char **rest, bool *refused);

/* Opens rest among board b's boot files: 0 with *fd and *st (a file of
 * its directory) or *fat (a file inside its disk's FAT; *fd -1), -ENOENT
 * when it has no file of that name (the tree's rules come next), or a
 * TFTP error code (> 0) with why filled. */
int tftp_board_open(const struct nrd_client *b, const char *rest, int *fd, struct stat *st, struct tftp_fatsrc **fat,
		    char *why, size_t whylen);

#endif
