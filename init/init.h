/* The steps of netroot-init, in boot order. Each returns 0 or -errno; on
 * failure it has called fail() to say what failed and what to check, and
 * main() hands that to rescue(). */
#ifndef NETROOT_INIT_H
#define NETROOT_INIT_H

#include <sys/types.h>

#include "bootplan.h"
#include "cmdline.h"
#include "fileio.h"
#include "netconf.h"

#define NEWROOT "/root"                 /* where the real root is mounted */
#define MODULE_LIST "/lib/netroot/modules"

/* failure.c: the one failure record PID 1 reports. */
struct failure {
	char what[256];                 /* "mount 10.0.0.1:/x on /root failed: No such file" */
	char check[512];                /* "check the export path ..." */
	bool final;                     /* the initramfs is deleted: no retry can help */
};
extern struct failure failure;
int fail(int err, const char *check, const char *what_fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* util.c */
void sleep_s(double s);                 /* through EINTR */
void sleep_ms(int ms);

/* Phase timing, printed as one summary line before switch_root. */
void phase_begin(const char *name);
void phase_end(void);
void phase_summary(void);
void phase_reset(void);         /* a new attempt: its own phases only */
/* The phases so far (at most max): name, start (s since the kernel
 * started), duration (s; < 0: still running). Returns how many. */
int phase_times(const char **names, double *start, double *secs, int max);
/* Called after each phase_end() (report.c sets it once it can send). */
extern void (*phase_end_hook)(void);

/* report.c: the fleet report to the server the board booted from
 * (lib/report.h). Never slows or stops the boot: one non-blocking send
 * per event, errors logged at debug level. */
void report_dhcp_server(in4_t server_id);       /* network.c: the lease's server */
void report_start(const struct boot_config *cfg, const struct boot_plan *plan, const struct net_result *net);
void report_failed(void);                       /* the boot failed (failure.what) */
void report_up(void);                           /* switch_root next: its phase's end reports "up" */

/* early.c */
int early_mounts(void);
int console_setup(void);
int read_cmdline(char *buf, size_t n);

/* modules.c */
int modules_load(const char *list, const char *extra);

/* netdev.c: the interface, through rtnetlink (libnl-route). */
struct netif {
	char name[IFNAME_LEN];
	int ifindex;
	uint8_t mac[6];
	bool reused;                    /* the kernel had configured it already */
};
int net_open(void);
void net_close(void);
int net_wait_device(const struct boot_config *cfg, const struct boot_plan *plan,
		    struct netif *nif);
int net_link_up(struct netif *nif, unsigned mtu);
int net_wait_carrier(const struct netif *nif, int timeout);
int net_find_address(const struct netif *nif, in4_t *addr, int *prefix);
int net_find_gateway(const struct netif *nif, in4_t *gw);
int net_add_address(const struct netif *nif, in4_t addr, int prefix, in4_t brd);
int net_add_default_route(const struct netif *nif, in4_t gw);
int net_add_route(const struct netif *nif, in4_t dst, int prefix, in4_t gw);  /* gw 0: on-link */
int net_link_down(const struct netif *nif);
int net_has_carrier(const struct netif *nif);       /* 1, 0, or -errno */
int net_list_ether(struct netif *out, int max);     /* physical Ethernet devices now present */

/* network.c: the network step as a whole. */
struct net_opts {
	const char *run_dir;            /* where net-<dev>.conf etc. go: "/run" at boot */
	bool boot;                      /* PID 1: also write /etc/resolv.conf, set the hostname */
};
int network_setup(const struct boot_config *cfg, const struct boot_plan *plan,
		  const struct net_opts *opts, struct net_result *res);
int network_main(int argc, char **argv);   /* netroot-init --network CMDLINE */

/* nfsroot.c */
int nfsroot_mount(const struct boot_config *cfg, const struct boot_plan *plan,
		  const struct net_result *net, const char *target);

/* iscsiroot.c: the LUN as dev (/dev/nbd0), served by the root-storage daemon. */
int iscsi_attach(const struct boot_config *cfg, const char *dev, bool from_pid1, pid_t *pid);
void iscsi_mark_interface(const char *ifname);
int attach_main(int argc, char **argv);    /* netroot-init --attach-iscsi CMDLINE */
/* The ISCSI_*=value lines of iscsi.initramfs (text is modified): 0 or
 * -E2BIG. report.c reads the secrets too, to keep them out of reports. */
#define ISCSI_INITRAMFS "/etc/iscsi/iscsi.initramfs"
int iscsi_conf_from_text(char *text, struct iscsi_conf *out);

/* blockroot.c: find (rootwait), fsck and mount a block root on NEWROOT.
 * disk: the iSCSI disk for root=iscsi: without a filesystem root=, or NULL. */
int blockroot_mount(const struct boot_config *cfg, const struct boot_plan *plan, const char *disk);

/* switchroot.c: only returns on failure. */
int switch_root(const char *newroot, const char *init, char *const argv[]);
int find_init(const char *newroot, const char *wanted, char *out, size_t n);

/* rescue.c: never returns unless the user asked for a retry. */
void rescue(const struct boot_config *cfg);

/* explain.c: `netroot-init --explain [CMDLINE] [--json]` */
int explain_main(int argc, char **argv);

#endif
