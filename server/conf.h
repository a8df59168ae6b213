/* netrootd's configuration: /etc/netroot/netrootd.conf and one file per
 * client in /etc/netroot/clients.d/ (docs/netrootd.md has the format).
 *
 * The parsers are pure: text in, structures out, no file access, no
 * logging, so a fuzzer drives them as they are. Every error names the file
 * and line and says what was expected. Reading the files and the
 * directory is conf_load.c's. */
#ifndef NETROOT_SERVER_CONF_H
#define NETROOT_SERVER_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ipv4.h"
#include "nr_limits.h"

#define NRD_MAX_IFACES    8     /* interfaces served */
#define NRD_MAX_ADDRS     4     /* routers, DNS or NTP servers given to a client */
#define NRD_MAX_CLIENTS   4096  /* files in clients.d */
#define NRD_NAME_LEN      64    /* a client's name: its file name without ".conf" */
#define NRD_TEXT_LEN      256   /* domain, search list, paths, menu text */
#define NRD_CONF_MAX      (1u << 20)  /* bytes of one configuration file */

/* Where parsing stopped: "netrootd.conf:12: ..." */
struct conf_error {
	char file[PATH_LEN];
	int line;               /* 0: about the file as a whole */
	char msg[256];
};

enum dhcp_mode { DHCP_MODE_OFF = 0, DHCP_MODE_FULL, DHCP_MODE_PROXY };

/* What a client is told, per pool and per client (a client's own value
 * wins; 0 / "" / n = 0: not set here). */
struct dhcp_params {
	in4_t netmask;
	in4_t router[NRD_MAX_ADDRS];
	int nrouter;
	in4_t dns[NRD_MAX_ADDRS];
	int ndns;
	in4_t ntp[NRD_MAX_ADDRS];
	int nntp;
	char domain[NRD_TEXT_LEN];
	char search[NRD_TEXT_LEN];      /* names separated by single spaces */
	char root_path[NRD_TEXT_LEN];   /* option 17: netroot-init reads it */
	char boot_file[NRD_TEXT_LEN];   /* option 67 */
	in4_t tftp_server;              /* option 66 and siaddr; 0: the interface's address */
	uint16_t mtu;                   /* option 26 */
	uint32_t lease_secs;            /* option 51 */
};

/* [pool NAME]: the addresses handed out on an interface (NAME is a served
 * interface) or, for boards behind a DHCP relay, in the relay's subnet
 * (NAME is any name; netmask required: the pool answers relays whose
 * giaddr is in the range's subnet). */
struct dhcp_pool {
	char name[IFNAME_LEN];
	bool relayed;                   /* NAME is not a served interface */
	in4_t start, end;               /* range, inclusive; network byte order */
	struct dhcp_params p;
	int line;                       /* where the section starts, for messages */
};

/* [boot]: boot files by client kind. */
struct boot_conf {
	char pi_menu[NRD_TEXT_LEN];     /* option 43 menu text; default "Raspberry Pi Boot" */
	uint32_t pi_reply_delay_ms;     /* dnsmasq's dhcp-reply-delay for the Pi 3 ROM */
	char pxe_bios[NRD_TEXT_LEN];    /* option 93 = 0 and not a Pi */
	char efi_x64[NRD_TEXT_LEN];     /* 93 = 7 or 9 */
	char efi_arm64[NRD_TEXT_LEN];   /* 93 = 11 */
	char uboot[NRD_TEXT_LEN];       /* vendor class "U-Boot." */
	char pxelinux_config[NRD_TEXT_LEN];   /* option 209 */
	char pxelinux_prefix[NRD_TEXT_LEN];   /* option 210 */
};

/* [tftp]: the TFTP server (off unless root is given). */
enum tftp_unique_root { TFTP_UR_OFF = 0, TFTP_UR_MAC, TFTP_UR_IP };
struct tftp_conf {
	char root[PATH_LEN];            /* "": no TFTP */
	bool single_port;               /* replies from port 69 (firewalls, NAT) */
	enum tftp_unique_root unique_root;
	bool fallback;                  /* a file missing in a client's directory: the top one */
	uint32_t max_sessions;
	uint32_t retries;               /* resends of one window before the client counts as gone */
	uint32_t retransmit_ms;         /* when the client gave no timeout option */
	uint32_t max_blksize;
	uint32_t max_window;
	bool write;                     /* write requests accepted (new files only) */
	uint32_t max_write_mib;         /* the largest file a write may leave */
};

struct nrd_conf {
	char ifaces[NRD_MAX_IFACES][IFNAME_LEN];
	int nifaces;
	char user[64];                  /* drop to this user after binding; "" keeps root */
	char state_dir[PATH_LEN];
	char clients_dir[PATH_LEN];

	enum dhcp_mode dhcp_mode;
	bool rapid_commit;
	uint32_t arp_probe_ms;          /* ARP-probe a new address this long before offering it; 0: off */
	struct dhcp_params dhcp;        /* [dhcp]: defaults for every pool */
	struct dhcp_pool pools[NRD_MAX_IFACES];
	int npools;
	struct boot_conf boot;
	struct tftp_conf tftp;
	uint16_t iscsi_port;            /* [iscsi] port: the target's TCP port */
	uint8_t iscsi_io_threads;       /* [iscsi] io-threads: disk I/O workers (0: the default) */
	uint8_t iscsi_require_digests;  /* [iscsi] require-digests: ISCSI_DIG_HEADER | ISCSI_DIG_DATA, or no login */
};

/* One board: clients.d/NAME.conf. Identified by its MAC and/or its Pi
 * serial number (at least one). */
struct nrd_client {
	char name[NRD_NAME_LEN];
	uint8_t mac[6];
	bool has_mac;
	uint32_t serial;
	bool has_serial;
	in4_t address;                  /* reserved address; 0: from the pool */
	char hostname[HOSTNAME_LEN];
	struct dhcp_params p;
	/* its root disk over iSCSI (netrootd's target): the image, the
	 * target's name, the one initiator allowed to log in */
	char iscsi_image[PATH_LEN];
	char iscsi_target[224];
	char iscsi_initiator[4 * 224];  /* blank-separated: up to 4 initiators allowed */
	bool iscsi_readonly;
	char iscsi_chap_user[224];      /* CHAP: the initiator's account ("": no CHAP) */
	char iscsi_chap_secret[256];
	char iscsi_chap_tuser[224];     /* mutual CHAP: the target's own account */
	char iscsi_chap_tsecret[256];
	/* boot-files: where TFTP finds this board's own boot files, before
	 * the tree's rules: the FAT partition inside its iSCSI disk (the
	 * default with iscsi-image), a directory (an NFS root's boot/), or
	 * nowhere but the tree */
	enum { BOOT_FILES_NONE = 0, BOOT_FILES_IMAGE, BOOT_FILES_DIR } boot_files;
	char boot_dir[PATH_LEN];
	bool boot_explicit;             /* boot-files = given (else image by default: a disk
					 * without a FAT partition leaves the board to the tree) */
};

/* Defaults, then the text of netrootd.conf (file: its name for messages).
 * 0, or -EINVAL with err filled. Also checks the whole: interfaces given,
 * each pool on a served interface, ranges ordered. */
void nrd_conf_defaults(struct nrd_conf *c);
int nrd_conf_parse(struct nrd_conf *c, const char *file, const char *text, size_t len, struct conf_error *err);

/* One client file; name is the file name without ".conf" (letters, digits,
 * '-', '_', '.'; it becomes the hostname when none is given). 0 or -EINVAL
 * with err filled. */
int nrd_client_parse(struct nrd_client *cl, const char *name, const char *file, const char *text, size_t len,
		     struct conf_error *err);

/* Clients against each other: no MAC, serial or address twice. The first
 * that breaks a rule: -EINVAL with err naming both files. (Whether a
 * reserved address lies in a served subnet needs the interfaces' addresses:
 * checked when they are known.) */
int nrd_clients_check(const struct nrd_conf *c, const struct nrd_client *cl, int n, struct conf_error *err);

#endif
