/* The fleet table (server/status.c): every board's last boot as stages
 * with times — DHCP messages, TFTP files, the iSCSI login, and what the
 * board itself reports (lib/report.h: its phases, its FAILED text).
 *
 * Pure over (table, event, time): no sockets, no clock, no logging; the
 * loop hands each event in with the time. Every entry point takes the
 * table's mutex, because the iSCSI target calls from its own threads.
 *
 * A boot record starts at a board's first DHCP packet: a DISCOVER from
 * its firmware (PXE, U-Boot), or any DISCOVER once the last boot is over
 * (up or failed), or a TFTP transfer or report coming well after a
 * finished boot (a board that booted without our DHCP). The table is
 * written to STATE/status.json (status_json.c), which `netrootd status`
 * reads. */
#ifndef NETROOT_SERVER_STATUS_H
#define NETROOT_SERVER_STATUS_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "conf.h"
#include "report.h"

#define STATUS_MAX_STAGES 64            /* stages kept of one boot (a Pi 4 has ~30); more are counted */
#define STATUS_STAGE_NAME 48            /* a stage's name, with the NUL: a TFTP file name is cut */
#define STATUS_WHY_LEN 96               /* why an iSCSI login was refused */
#define STATUS_SILENT_S 120             /* a booting board with no news this long is "silent" */
#define STATUS_NEW_BOOT_GAP_S 60        /* news this long after a finished boot: a new boot */
#define STATUS_REPORT_BURST 30          /* reports one board may send at once, */
#define STATUS_REPORT_REFILL_MS 2000    /* and one more every this often */
#define STATUS_TOLD_SLOTS 64            /* senders whose dropped reports were logged lately */
#define STATUS_TOLD_EVERY_S 60          /* a dropped sender is logged at most this often */

enum st_state { ST_NEVER = 0, ST_BOOTING, ST_UP, ST_FAILED };
enum st_kind { STK_DHCP = 1, STK_TFTP, STK_ISCSI };

struct st_time {
	int64_t wall_ms;                /* CLOCK_REALTIME */
	int64_t mono_ms;                /* CLOCK_MONOTONIC */
};

struct st_stage {
	uint8_t kind;                   /* enum st_kind */
	bool ok;                        /* TFTP: completed; iSCSI: logged in; DHCP: not a NAK */
	uint16_t count;                 /* DHCP: the same message again (retransmissions) */
	char name[STATUS_STAGE_NAME];   /* "DISCOVER", "start4.elf", "login" */
	int64_t at_ms;                  /* since the boot's first packet */
	int64_t dur_ms;                 /* TFTP: the transfer; -1 otherwise */
	uint64_t bytes;                 /* TFTP */
	in4_t addr;                     /* DHCP: the address offered or acknowledged */
};

struct st_boot {
	enum st_state state;
	struct st_time start;           /* the first packet */
	struct st_time last;            /* the newest news */
	struct st_stage stage[STATUS_MAX_STAGES];
	int nstages;
	uint32_t ndropped;              /* stages beyond STATUS_MAX_STAGES */
	char iscsi_why[STATUS_WHY_LEN]; /* the last refused login's reason */
	/* the board's own reports */
	bool reported;
	char boot_id[REPORT_BOOT_LEN];
	uint32_t seq;
	int64_t kstart_ms;              /* its kernel's start, ms since start (from uptime) */
	uint64_t uptime_ms;             /* its uptime in the last report */
	enum report_event event;
	in4_t from;
	char host[HOSTNAME_LEN];
	char kernel[REPORT_KERNEL_LEN];
	char root[REPORT_NAME_LEN];
	struct report_phase phase[REPORT_MAX_PHASES];
	int nphases;
	char failed[REPORT_FAILED_LEN];
};

struct st_client {
	char name[NRD_NAME_LEN];
	uint8_t mac[6];
	bool has_mac;                   /* configured, or learned from its DHCP (a board known by serial) */
	uint32_t serial;
	bool has_serial;
	in4_t reserved;                 /* its configured address */
	in4_t addr;                     /* the address it was last seen with */
	struct st_boot boot;
	int64_t bucket_ms;              /* report rate limit: when tokens were last counted */
	uint32_t tokens;
};

/* What status_report() did with a report. */
enum st_verdict { ST_ACCEPTED = 0, ST_UNKNOWN_MAC, ST_WRONG_ADDR, ST_RATE_LIMITED, ST_STALE };

struct status {
	pthread_mutex_t mu;
	struct st_client *c;            /* one per board, in the configuration's order (by name) */
	int n;
	int32_t *by_mac;                /* open addressing: index into c, -1 empty */
	uint32_t nbuckets;
	int nserial_only;               /* boards with no MAC yet: their DHCP is looked at by serial */
	bool dirty;                     /* changed since status_snapshot() */
	uint64_t naccepted, nunknown, nwrong_addr, nrate, nstale, nmalformed;
	struct { in4_t addr; int64_t s; } told[STATUS_TOLD_SLOTS];
};

int status_init(struct status *s);
void status_free(struct status *s);

/* The boards (at start and on SIGHUP): a board keeps its record by name;
 * a new one is "never seen". 0 or -ENOMEM (the table is then unchanged). */
int status_set_clients(struct status *s, const struct nrd_client *cl, int n);

/* Whether a DHCP request from this hardware address may be a board's
 * (its MAC is known, or some board is known by serial only): the loop
 * parses the packet only then. */
bool status_wants(struct status *s, const uint8_t mac[6]);

/* A DHCP message of the board with this client hardware address (or Pi
 * serial, serial NULL: none): type (DHCPDISCOVER...), the address a reply
 * offers or acknowledges, whether it came from a firmware (PXE, U-Boot). */
void status_dhcp(struct status *s, const uint8_t mac[6], const uint32_t *serial, bool firmware, uint8_t type,
		 in4_t addr, struct st_time now);

/* A TFTP read ended (tftpd's on_done). */
void status_tftp(struct status *s, in4_t ip, const char *name, uint64_t bytes, int64_t ms, bool ok,
		 struct st_time now);

/* An iSCSI login to a board's target (iscsid's on_login): client is the
 * board's name. */
void status_iscsi(struct status *s, const char *client, in4_t ip, bool ok, const char *why, struct st_time now);

/* A board's report from address from. Accepted only when its MAC is a
 * board's and from is that board's: its reserved address, lease_addr (the
 * lease table's address for that MAC now, 0: none) or the address the
 * table saw it ACKed; at most STATUS_REPORT_BURST at once; not older than
 * one already taken (seq). name (NRD_NAME_LEN) gets the board's name. */
enum st_verdict status_report(struct status *s, const struct report *r, in4_t from, in4_t lease_addr,
			      struct st_time now, char *name);

/* The MAC index again, after boards were added or learned their MAC
 * (status_read_json). The caller holds the lock. */
void status_reindex(struct status *s);

/* A datagram that did not parse. */
void status_malformed(struct status *s);

/* Whether a dropped report from this sender is to be logged now (at most
 * once a STATUS_TOLD_EVERY_S per sender). */
bool status_tell(struct status *s, in4_t from, int64_t now_s);

/* Whether anything changed since the last snapshot. */
bool status_dirty(struct status *s);

/* ---- status_json.c: STATE/status.json and `netrootd status --json` -------- */

struct st_view {
	struct st_time now;
	int daemon;                     /* 1 running, 0 not (stale data), -1 unknown (the daemon itself) */
	int pid;                        /* the daemon's, 0: none */
	const char *only;               /* one board's name, NULL: all */
};

/* The table as JSON (docs/netrootd.md has the schema) into f, and clears
 * dirty. 0 or -EIO. */
int status_write_json(struct status *s, FILE *f, const struct st_view *v);

/* A state of a board, as shown ("silent" when booting and no news for
 * STATUS_SILENT_S): its name, and *silent_s. */
const char *status_state_name(const struct st_client *c, struct st_time now, int64_t *silent_s);

/* Records read back from status.json text into the table: a board's record
 * by name (add: boards the table lacks are added, else skipped). Counters
 * too. 0, or -EBADMSG when the text is not a status.json. */
int status_read_json(struct status *s, const char *text, size_t len, bool add);

#endif
