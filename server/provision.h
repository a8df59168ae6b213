/* Client provisioning: `netrootd client ...` and `netrootd image ...`
 * (issue 12, docs/netrootd.md "Provisioning"). From a Raspberry Pi OS
 * style disk image to a board's root (an iSCSI disk cloned from it, or an
 * NFS tree) with its cmdline.txt, config.txt, initramfs, fstab, hostname
 * and network files edited, and its clients.d file written — nothing is
 * ever mounted, no loop device is used: the FAT partition is edited with
 * mtools, the ext4 one with debugfs, both run as child processes.
 *
 *   provision.c         the command line, the sequence, list/show/remove
 *   provision_disk.c    the image's MBR and superblock, clone, .xz input
 *   provision_tool.c    running a tool (posix_spawn), mtools and debugfs
 *   provision_edit.c    the files edited in the root and boot partitions
 *   provision_text.c    pure text edits (cmdline, config.txt, fstab, ...)
 *   provision_initrd.c  the netroot initramfs for the image's own kernels */
#ifndef NETROOT_SERVER_PROVISION_H
#define NETROOT_SERVER_PROVISION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "conf.h"

#define PROV_FILE_MAX   (64u << 20)     /* a file read out of an image (the initramfs is the largest) */
#define PROV_TEXT_MAX   (1u << 20)      /* a text file edited (fstab, config.txt, interfaces) */
#define PROV_MAX_KVERS  8               /* kernel versions looked at in /lib/modules */
#define PROV_SECRET_LEN 24              /* generated CHAP secrets */
#define PROV_NETDEV     "eth0"          /* the board's root link (Pi OS names it so) */

/* `netrootd [-c CONF] client|image ...`: argv[0] is "client" or "image".
 * Returns the exit status. */
int provision_main(int argc, char **argv);

/* ---- the disk image (provision_disk.c) ----------------------------------- */

struct prov_geom {
	uint64_t size;                  /* bytes of the image file */
	uint32_t disk_id;               /* MBR disk identifier: PARTUUIDs are %08x-01, -02 */
	uint8_t boot_type;
	uint64_t boot_off, boot_len;    /* partition 1: FAT */
	uint64_t root_off, root_len;    /* partition 2: ext4 */
	char uuid[37];                  /* the ext4 filesystem's UUID, text */
	char label[17];
};

/* Pure: the MBR (512 bytes) of an image of size bytes into g (partitions
 * 1 and 2). 0, or -EINVAL with why saying what is wrong. */
int prov_mbr_parse(const uint8_t *mbr, size_t len, uint64_t size, struct prov_geom *g, char *why, size_t wl);
/* Pure: the ext4 superblock (1024 bytes from the partition's byte 1024):
 * uuid and label into g. 0 or -EINVAL with why. */
int prov_ext4_parse(const uint8_t *sb, size_t len, struct prov_geom *g, char *why, size_t wl);

/* Reads and checks the image at path: MBR, partition 1 a FAT file system,
 * partition 2 ext4, both inside the file. 0 or -errno with why. */
int prov_image_check(const char *path, struct prov_geom *g, char *why, size_t wl);

/* dst (created, must not exist) as a copy of src: FICLONE where the file
 * system shares blocks, else a sparse copy (holes kept). *reflinked says
 * which. 0 or -errno with why. */
int prov_clone(const char *src, const char *dst, bool *reflinked, char *why, size_t wl);

/* dst (created) from src.xz through `xz -dc`, all-zero blocks left as
 * holes. 0 or -errno with why. */
int prov_unxz(const char *src, const char *dst, char *why, size_t wl);

/* Bytes allocated to path (st_blocks * 512), or 0. */
uint64_t prov_allocated(const char *path, uint64_t *size);

/* ---- tools (provision_tool.c) -------------------------------------------- */

/* Starts argv (argv[0] searched in PATH; a path is run as is) with stdin
 * from /dev/null, stdout to out_fd, stderr to err_fd, in the C locale and
 * MTOOLS_SKIP_CHECK=1. 0 or -errno. prov_wait: its exit status (0-255,
 * 128 + signal) or -errno. */
int prov_spawn(const char *const *argv, int out_fd, int err_fd, pid_t *pid);
int prov_wait(pid_t pid);

/* Runs argv with stdin from /dev/null, stdout
 * into *out (malloc'd, NUL-terminated, at most max bytes; out NULL:
 * discarded) and stderr into err. MTOOLS_SKIP_CHECK=1 is set. Returns the
 * exit status (0-255, 128+signal) or -errno when it could not run. */
int prov_run(const char *const *argv, char **out, size_t *outlen, size_t max, char *err, size_t errlen);

/* Where a board's two file systems are: partitions of an image, or (NFS)
 * a tree with boot/ inside it. */
struct prov_target {
	const char *image;              /* NULL: the tree */
	uint64_t boot_off, root_off;
	const char *tree;               /* NFS: STATE/nfs/NAME */
	const char *boot_dir;           /* NFS: where the boot files are in the tree ("/boot") */
	const char *scratch;            /* a private directory for temporary files */
};

struct prov_meta {
	unsigned mode;                  /* permission bits */
	unsigned uid, gid;
};

/* A file of the root (path absolute): 0 with *data malloc'd (NUL-terminated)
 * and meta, -ENOENT, or -errno with why. */
int prov_root_read(const struct prov_target *t, const char *path, char **data, size_t *len, struct prov_meta *meta,
		   char *why, size_t wl);
/* Writes a root file whole (replacing one), with meta. 0 or -errno. */
int prov_root_write(const struct prov_target *t, const char *path, const char *data, size_t len,
		    const struct prov_meta *meta, char *why, size_t wl);
/* 1 when path exists in the root (file or directory), 0 when not, -errno. */
int prov_root_exists(const struct prov_target *t, const char *path, char *why, size_t wl);
/* A directory of the root (its parent must exist): 0 or -errno. */
int prov_root_mkdir(const struct prov_target *t, const char *path, char *why, size_t wl);
/* The names in a directory of the root, one a line: 0 with *out malloc'd. */
int prov_root_list(const struct prov_target *t, const char *path, char **out, char *why, size_t wl);
/* The directory path of the root copied out into dir (debugfs rdump, or a
 * copy of the tree). 0 or -errno. */
int prov_root_dump(const struct prov_target *t, const char *path, const char *dir, char *why, size_t wl);
/* Several root files copied out at once: paths[i] into dests[i]. */
int prov_root_dump_files(const struct prov_target *t, const char *const *paths, const char *const *dests, int n,
			 char *why, size_t wl);

/* A boot-partition file (name without '/'): like prov_root_read. */
int prov_boot_read(const struct prov_target *t, const char *name, char **data, size_t *len, char *why, size_t wl);
int prov_boot_write(const struct prov_target *t, const char *name, const char *data, size_t len, char *why, size_t wl);

/* A whole local file (at most PROV_FILE_MAX bytes): 0 with *data malloc'd. */
int prov_read_whole(const char *path, char **data, size_t *len, char *why, size_t wl);

/* ---- the edits (provision_edit.c) ---------------------------------------- */

struct prov_initrd_opts {
	const char *init;               /* aarch64 netroot-init */
	const char *mkinitramfs;
	const char *e2fsck;             /* aarch64 static e2fsck; NULL: none */
	const char *modules;            /* extra, blank-separated */
	const char *kver;               /* only this kernel version; NULL: every arm64 one */
	bool nfs;
	const char *cache_dir;          /* built images kept by content (NULL: none) */
};

/* ---- the initramfs cache (provision_cache.c) ------------------------------ */

/* The SHA-256 (hex) of words and of the files' bytes: 0, or -errno (a file
 * unreadable). */
int prov_cache_key(const char *const *words, int nwords, const char *const *files, int nfiles, char hex[65]);
/* The image of key hex in dir copied to out: 0, -ENOENT (not there), -errno. */
int prov_cache_get(const char *dir, const char *hex, const char *out);
/* path kept in dir under hex (best effort: a failure only costs a build). */
void prov_cache_put(const char *dir, const char *hex, const char *path);

struct prov_edit_in {
	const char *cmdline;            /* the line, already checked */
	const char *hostname;
	const char *boot_src;           /* fstab's source for the boot partition (NULL: none) */
	struct prov_initrd_opts initrd;
};

/* Every edit, each file written only when it differs; *changed counts the
 * files written. Prints one line per file. 0 or -errno with why. */
int prov_edit_all(const struct prov_target *t, const struct prov_edit_in *in, int *changed, char *why, size_t wl);

/* ---- pure text edits (provision_text.c) ---------------------------------- */

struct prov_line_in {
	bool nfs;
	const char *old;                /* the image's cmdline.txt: its console= words are kept */
	/* iSCSI */
	const char *uuid, *initiator, *target, *server, *chap_user, *chap_secret;
	unsigned port;
	/* NFS */
	const char *nfs_path, *nfs_vers;
	const char *append;             /* the administrator's own words, last (NULL: none) */
	const char *ip;                 /* ip='s value: "dhcp" (NULL too) or the static form */
};

/* The board's cmdline.txt line (no newline) into out: 0 or -ENOSPC. */
int prov_cmdline(const struct prov_line_in *in, char *out, size_t n);

/* The edits below return a malloc'd NUL-terminated text (NULL: no
 * memory). Applied twice they give the same text. */

/* fstab: the "/" and "/boot*" partition lines dropped (PARTUUID=, UUID=,
 * LABEL=, /dev/...), everything else kept; boot_src (NULL: none) mounted
 * where the image mounted its boot partition; tmpfs for /tmp and /var/log
 * unless something else mounts them. */
char *prov_fstab_edit(const char *in, const char *boot_src);
/* config.txt: foreign "initramfs" lines disabled, then netroot's block:
 * the [all] file (may be NULL) and the [pi5] file (may be NULL). */
char *prov_config_edit(const char *in, const char *all_file, const char *pi5_file);
/* U-Boot's extlinux/extlinux.conf or pxelinux.cfg/default (the command
 * line file of a U-Boot board): every APPEND line's words become line,
 * every INITRD line names initrd (in the directory it named; NULL: INITRD
 * lines kept), the rest kept. */
char *prov_extlinux_edit(const char *in, const char *line, const char *initrd);
/* Its first APPEND line's words into out (the image's own command line,
 * when it has no cmdline.txt). false: none, or longer than outlen - 1. */
bool prov_extlinux_append(const char *in, char *out, size_t outlen);
/* /etc/network/interfaces: the stanzas for dev commented out. */
char *prov_interfaces_edit(const char *in, const char *dev);
/* dhcpcd.conf: "denyinterfaces dev" once. */
char *prov_dhcpcd_edit(const char *in, const char *dev);
/* /etc/hosts: the 127.0.1.1 line names host. */
char *prov_hosts_edit(const char *in, const char *host);

/* ---- the initramfs (provision_initrd.c) ---------------------------------- */

struct prov_initrd {
	char kver[PROV_MAX_KVERS][128];
	char file[PROV_MAX_KVERS][64];  /* its name in the boot partition */
	bool pi5[PROV_MAX_KVERS];       /* a -2712 kernel: [pi5] */
	int n;
};

/* Finds the default paths of the netroot files (next to this netrootd in
 * a build tree, else the installed ones). */
void prov_initrd_defaults(struct prov_initrd_opts *o);

/* Builds an initramfs for each arm64 kernel of the image's root into dir
 * (dir/<file>) and says which in out. 0 or -errno with why. */
int prov_initrd_build(const struct prov_target *t, const struct prov_initrd_opts *o, const char *dir,
		      struct prov_initrd *out, char *why, size_t wl);

#endif
