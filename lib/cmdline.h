/* The kernel command line, parsed into a boot configuration.
 *
 * Pure code: no I/O, no globals, no logging. cmdline_parse() never fails on
 * a malformed argument: it records a diagnostic naming the argument and goes
 * on, so --explain can show every problem at once and PID 1 can report them.
 *
 * Grammar (see docs/cmdline.md for the full reference and sources):
 *   ip= / nfsaddrs=   kernel 10-field form, shorthand autoconf word, klibc
 *                     "static"/"all", dracut <iface>:<autoconf>[:mtu[:mac]];
 *                     several ip= give one spec per interface (klibc).
 *   BOOTIF=01-aa-bb-cc-dd-ee-ff, hwaddr=aa:bb:..
 *   root=             /dev/nfs, UUID=, LABEL=, PARTUUID=, PARTLABEL=, /dev/..,
 *                     maj:min, iscsi:[u:p[:iu:ip]@]host:proto:port:lun:target
 *   nfsroot=          [server:]path[,options], %s = hostname
 *   rootfstype= rootflags= rootwait[=N] rootdelay=N ro rw init= -- args
 *   fsck.mode= fsck.repair= fastboot forcefsck fsckfix
 *   panic=N quiet debug dhcpclass= carrier_timeout=
 *   ISCSI_* / iscsi_* keys (open-iscsi initramfs), iscsi_auto
 *   netroot.*         our own options (see struct netroot_opts)
 */
#ifndef NETROOT_CMDLINE_H
#define NETROOT_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nr_limits.h"

#include "ipv4.h"

enum ip_autoconf {
	AUTOCONF_UNSET = 0,  /* field empty: kernel default "any" */
	AUTOCONF_OFF,        /* off, none, static (klibc), unknown word in field 6 */
	AUTOCONF_DHCP,       /* dhcp, dhcp,<type>,<id> */
	AUTOCONF_BOOTP,
	AUTOCONF_RARP,
	AUTOCONF_ANY,        /* on, any, both */
	AUTOCONF_DHCP6,      /* dracut dhcp6/auto6/either6: recorded, not supported */
};

enum ip_form {
	IP_FORM_KERNEL = 0,  /* <client>:<server>:<gw>:<mask>:<host>:<dev>:<autoconf>:... */
	IP_FORM_SHORTHAND,   /* ip=dhcp */
	IP_FORM_DRACUT,      /* ip=<iface>:<autoconf>[:mtu[:mac]] */
};

struct ip_spec {
	enum ip_form form;
	const char *arg;            /* which argument this came from, e.g. "ip" or "nfsaddrs" */
	in4_t client, server, gateway, netmask;
	char hostname[HOSTNAME_LEN];
	char device[IFNAME_LEN];    /* "" = any Ethernet device; "all" (klibc) = every device */
	enum ip_autoconf autoconf;
	in4_t dns[2];
	in4_t ntp;
	unsigned mtu;               /* 0 = not given (dracut form) */
	uint8_t mac[6];             /* dracut form: set the address of the device */
	bool has_mac;
	bool has_client_id;         /* ip=...:dhcp,<type>,<id> */
	uint8_t client_id_type;
	char client_id[DHCP_CLIENT_ID_MAX + 1];
};

enum root_kind {
	ROOT_NONE = 0,       /* root= absent */
	ROOT_NFS,            /* root=/dev/nfs, or nfsroot= given without root= */
	ROOT_UUID,
	ROOT_LABEL,
	ROOT_PARTUUID,
	ROOT_PARTLABEL,
	ROOT_DEVPATH,        /* /dev/sda2, /dev/nbd0p2 */
	ROOT_MAJMIN,         /* 259:2 */
	ROOT_ISCSI,          /* root=iscsi:... (RFC 4173) */
	ROOT_NFS_DIRECT,     /* root=nfs:server:/path[:opts] and root=server:/path (dracut) */
};

enum fsck_mode { FSCK_AUTO = 0, FSCK_FORCE, FSCK_SKIP };
enum fsck_repair { FSCK_PREEN = 0, FSCK_YES, FSCK_NO };

struct iscsi_portal {
	char host[ISCSI_ADDR_LEN];  /* IPv4 literal (IPv6 in [] accepted, recorded) */
	unsigned port;              /* 0 = default 3260 */
};

struct iscsi_conf {
	bool any;                   /* some iSCSI key was given */
	bool auto_ibft;             /* iscsi_auto / ISCSI_AUTO=true */
	char initiator[ISCSI_NAME_LEN];
	char target[ISCSI_NAME_LEN];
	struct iscsi_portal portal[ISCSI_MAX_PORTALS];
	int nportals;
	int group;                  /* 0 = default 1 */
	unsigned lun;
	char username[ISCSI_SECRET_LEN], password[ISCSI_SECRET_LEN];
	char in_username[ISCSI_SECRET_LEN], in_password[ISCSI_SECRET_LEN];
};

/* Our own options: netroot.<name>=<value>. Times in seconds; -1 = forever. */
struct netroot_opts {
	int device_timeout;         /* netroot.device_timeout=, wait for the NIC (default 180) */
	int carrier_timeout;        /* netroot.carrier_timeout= or carrier_timeout= (default 120) */
	int dhcp_timeout;           /* netroot.dhcp_timeout= (default 90) */
	int mount_timeout;          /* netroot.mount_timeout=, total NFS mount retries (default 120) */
	int rescue;                 /* netroot.rescue=shell|reboot|halt: what to do on failure */
	bool dry_run;               /* netroot.dry_run: stop before switch_root (tests) */
	char modules[ROOTFLAGS_LEN];/* netroot.modules=a,b: extra modules to load */
	bool report_off;            /* netroot.report=off: no fleet report (lib/report.h) */
	in4_t report_addr;          /* netroot.report=IP[:PORT]: where it goes; 0 = the server booted from */
	unsigned report_port;       /* 0 = NETROOT_REPORT_PORT */
};

enum rescue_action { RESCUE_DEFAULT = 0, RESCUE_SHELL, RESCUE_REBOOT, RESCUE_HALT };

enum diag_level { DIAG_INFO = 0, DIAG_WARN, DIAG_ERROR };

struct cmdline_diag {
	enum diag_level level;
	char msg[CMDLINE_DIAG_LEN];   /* names the argument: "ip=: field 4 (netmask) ..." */
};

struct boot_config {
	struct ip_spec ip[IP_MAX_SPECS];
	int nip;
	bool ip_off;                /* ip=off / ip=none / ip= (empty): no network setup */
	uint8_t bootif[6];          /* BOOTIF=01-aa-.. or hwaddr= */
	bool has_bootif;
	char dhcpclass[DHCP_CLASS_MAX + 1];

	enum root_kind root_kind;
	char root[PATH_LEN];        /* value after the prefix: the UUID, the /dev path, ... */

	bool has_nfsroot;           /* nfsroot= given */
	in4_t nfs_server;           /* from nfsroot=<ip>:... or root=nfs:<ip>:...; 0 = not given */
	char nfs_path[PATH_LEN];    /* may still hold %s; "" = default /tftpboot/%s */
	char nfs_options[NFS_OPTIONS_LEN]; /* user options, comma separated, as given */

	char rootfstype[ROOTFSTYPE_LEN]; /* comma list, "" = probe */
	char rootflags[ROOTFLAGS_LEN];
	bool rootwait;
	int rootwait_secs;          /* rootwait=N; -1 = forever (plain rootwait) */
	int rootdelay;              /* seconds, 0 = none */
	int ro;                     /* 1 = ro, 0 = rw, -1 = not given (kernel default ro) */

	char init[PATH_LEN];        /* init=, "" = /sbin/init then fallbacks */
	char *init_argv[INIT_MAX_ARGS + 1]; /* words after "--", pointing into storage below */
	int init_argc;

	enum fsck_mode fsck_mode;
	enum fsck_repair fsck_repair;

	int panic;                  /* panic=N seconds; 0 = wait forever; <0 = reboot at once */
	bool has_panic;
	bool quiet, debug;

	struct iscsi_conf iscsi;
	struct netroot_opts nr;

	struct cmdline_diag diag[CMDLINE_MAX_DIAG];
	int ndiag;
	int ndiag_dropped;          /* diagnostics beyond CMDLINE_MAX_DIAG */

	char storage[CMDLINE_MAX_LEN + 1]; /* backing store for init_argv */
};

/* Parse a command line (not necessarily NUL-terminated; len bytes). Quoting
 * follows the kernel: "double quotes" group words, and are removed.
 * Returns 0, or -E2BIG if the text is longer than CMDLINE_MAX_LEN (nothing is
 * parsed then) — every other problem is a diagnostic in cfg->diag. */
int cmdline_parse(const char *text, size_t len, struct boot_config *cfg);

/* The command line as it may be shown (--explain, logs): the value of every
 * key ending in "password" (any case: ISCSI_PASSWORD, iscsi_in_password,
 * rd.iscsi.password) and the credentials of root=iscsi:<creds>@... (RFC
 * 4173, mutual CHAP included) replaced by CMDLINE_MASK, everything else as
 * written. Words are split as cmdline_parse() splits them, so a quoted value
 * is hidden whole. Writes at most size bytes with the NUL; a line that does
 * not fit is cut between two pieces, never inside a secret's place.
 * CMDLINE_MASKED_MAX holds any line of up to CMDLINE_MAX_LEN bytes. NUL bytes
 * are kept (they separate words): escape the result with its length.
 * Returns the length written. */
#define CMDLINE_MASK "********"
#define CMDLINE_MASKED_MAX (2 * CMDLINE_MAX_LEN + 1)
size_t cmdline_mask(const char *text, size_t len, char *out, size_t size);
/* True for a key whose value is a secret (ends in "password", any case). */
bool cmdline_secret_key(const char *key, size_t klen);

/* Defaults applied by cmdline_parse() before it reads anything. */
void cmdline_defaults(struct boot_config *cfg);

/* Helpers shared with the explain/plan code. */
int parse_mac(const char *s, char sep, uint8_t mac[6]);     /* "aa:bb:.." or "aa-bb-.." */
const char *autoconf_name(enum ip_autoconf a);
const char *root_kind_name(enum root_kind k);

#endif
