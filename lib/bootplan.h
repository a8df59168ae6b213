/* The boot plan: what netroot-init will do for a given command line.
 *
 * cmdline.c says what the user wrote; bootplan.c decides what that means:
 * which interface and addressing, which root and where, the exact mount
 * options, the fsck policy, which init — and warns about arguments that are
 * ignored or contradict each other. Pure code (no I/O), so --explain, the
 * unit tests and PID 1 all use the very same decisions.
 *
 * Some facts are only known at boot (a DHCP lease, the kernel having already
 * configured the NIC); the plan records what is known and init fills the rest
 * in through the *_runtime helpers. */
#ifndef NETROOT_BOOTPLAN_H
#define NETROOT_BOOTPLAN_H

#include "cmdline.h"

enum net_method {
	NET_NONE = 0,     /* no network (block root without ip=, or ip=off) */
	NET_STATIC,       /* ip= with an address and autoconf off */
	NET_DHCP,         /* ip=dhcp/on/any/bootp, or no ip= with a network root */
};

struct nfs_plan {
	in4_t server;                   /* 0 = not known until DHCP */
	char path[PATH_LEN];            /* template, may hold %s */
	int vers_major;                 /* 0 = not given: default/negotiated */
	int vers_minor;                 /* -1 = not given */
	bool udp;                       /* proto=udp / udp asked for */
	char extra[NFS_OPTIONS_LEN];    /* user options passed to the kernel as given */
	int ro_in_options;              /* ro/rw inside nfsroot= options: 1, 0, -1 = none */
};

struct boot_plan {
	enum net_method net;
	struct ip_spec ip;              /* the interface spec used (copy; defaults filled) */
	int nip_ignored;                /* further ip= specs not used by this build */
	int prefix;                     /* prefix length of ip.netmask, -1 if unset */
	in4_t broadcast;

	enum root_kind root_kind;
	struct nfs_plan nfs;
	bool ro;                        /* mount the root read-only */
	bool iscsi_disk_first;          /* UUID=/LABEL=/PARTUUID=/PARTLABEL= with an iSCSI disk:
	                                 * looked for on that disk and its partitions first,
	                                 * so a local disk cloned from the same image (an SD
	                                 * card with the same UUID) cannot be taken for it */

	char init[PATH_LEN];            /* "" = search /sbin/init /etc/init /bin/init /bin/sh */
	const char *fsck_args;          /* "-a" preen, "-y", "-n", plus -f when forced; NULL = skip */
	bool fsck_force;

	bool fatal;                     /* an ERROR makes this plan unbootable */
	struct cmdline_diag diag[CMDLINE_MAX_DIAG];
	int ndiag;
};

/* Decide the plan. Copies every parser diagnostic into plan->diag, adds its
 * own, and sets plan->fatal when the boot cannot proceed. Returns 0, or
 * -EINVAL when plan->fatal is set. */
int bootplan_build(const struct boot_config *cfg, struct boot_plan *plan);

/* %s in an NFS path becomes the node name: the hostname, or the client
 * address in dotted form when there is none (kernel nfsroot semantics).
 * Returns 0 or -ENAMETOOLONG. */
int nfs_path_expand(const char *tmpl, const char *nodename, char *out, size_t n);

/* The text options for mount(2) of the NFS root: our defaults first
 * (vers, proto=tcp, nolock for v2/v3), then the user's options, then the
 * mandatory addr= (and clientaddr= for v4). vers_major/minor choose the
 * version for this attempt (minor -1 = plain "vers=4").
 * Returns the length, or -ENOSPC. */
int nfs_mount_data(const struct nfs_plan *nfs, int vers_major, int vers_minor,
		   in4_t server, in4_t client, char *out, size_t n);

/* DHCP option 17 (root-path) as the NFS root when nfsroot= is absent:
 * "[nfs:|nfs4:][<server-ip>:]<path>[,<options>]". Fills in what it names
 * (the server only if given). Returns 0, or -EINVAL for a root-path that
 * cannot be used (a host name, a relative path, bad options). */
int nfs_plan_from_rootpath(struct nfs_plan *nfs, const char *rootpath);

/* Whether the block device name (as in /sys/class/block: "nbd0p2", "sda1")
 * is disk ("/dev/nbd0" or "nbd0") or one of its partitions. The kernel names
 * partitions <disk><N>, or <disk>p<N> when the disk's name ends in a digit,
 * so "nbd01" and "sdab" are other disks. False when disk is NULL or "". */
bool block_on_disk(const char *name, const char *disk);

#endif
