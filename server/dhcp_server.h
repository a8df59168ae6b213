/* netrootd's DHCP server: one pure function from a request to a reply.
 *
 * dhcpd_handle() reads the configuration, the boards, the lease table, the
 * packet and the time it is given — no sockets, no clock, no globals — so
 * the unit tests and the fuzzer drive the real handler. The socket layer
 * (dhcpd_net.c) receives, calls it, and sends what it returns, after the
 * delay it asks for.
 *
 * Full mode hands out addresses from the interface's pool (or the board's
 * reserved one) and binds them in the lease table, which writes them to
 * its journal before the ACK exists. Proxy mode (beside the LAN's own DHCP
 * server) answers only PXE clients, with boot information and no address.
 * Raspberry Pis get what their bootloaders need
 * (../shared/docs/research/server-anchors.md §a.3): option 60
 * "PXEClient", the option 43 menu (three trailing blanks for the Pi 3
 * ROM), option 66 as a dotted quad with no NUL, siaddr, options 1 and 3
 * even unasked, no pad bytes. */
#ifndef NETROOT_SERVER_DHCP_SERVER_H
#define NETROOT_SERVER_DHCP_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "dhcp_msg.h"
#include "lease.h"

/* One served interface, as the socket layer found it. */
struct dhcpd_iface {
	char name[IFNAME_LEN];
	in4_t addr, netmask;            /* the interface's own address: our server id */
	const struct dhcp_pool *pool;   /* its [pool], or NULL */
};

/* Addresses the loop ARP-probed with no answer, each until a time (the
 * handler offers a new address only once it is here, when the
 * configuration asks for probes). A ring: the oldest goes first. */
#define DHCPD_PROBED_MAX 64
#define DHCPD_PROBED_KEEP_S 10  /* a probe's "no answer" holds this long (DISCOVER retries) */
struct dhcpd_probed {
	in4_t addr[DHCPD_PROBED_MAX];
	int64_t until[DHCPD_PROBED_MAX];
	unsigned next;
};

struct dhcpd {
	const struct nrd_conf *conf;
	const struct nrd_client *clients;
	int nclients;
	struct lease_table *leases;
	const struct dhcpd_probed *probed;      /* NULL: nothing probed yet */
};

/* What to send, where, and a line for the log. */
struct dhcpd_reply {
	uint8_t msg[DHCP_MSG_MAX];
	size_t len;
	in4_t dst;                      /* 255.255.255.255: broadcast */
	uint16_t dport;                 /* 68, or 67 to a relay */
	uint32_t delay_ms;              /* wait this long first (Pi 3 ROM) */
	in4_t probe;                    /* DHCPD_PROBE: the address to probe */
	char log[320];                  /* "DISCOVER from dc:a6:..(serial ..) -> OFFER 10.77.0.11" */
};

/* The client's kind, as its request shows it. */
enum dhcpd_kind {
	KIND_OTHER = 0,
	KIND_PI3_ROM,                   /* Raspberry Pi 3 boot ROM (B8:27:EB, PXEClient) */
	KIND_PI,                        /* Pi 4/5 EEPROM bootloader (PXEClient + Pi GUID or Pi OUI) */
	KIND_PXE_BIOS,                  /* PXEClient, option 93 = 0 */
	KIND_EFI_X64,                   /* 93 = 7 or 9 */
	KIND_EFI_ARM64,                 /* 93 = 11 */
	KIND_UBOOT,                     /* vendor class "U-Boot." */
};

enum dhcpd_kind dhcpd_kind_of(const struct dhcp_msg *m);

/* 1 with *out filled when there is something to send, 0 when the request
 * is to be dropped (out->log says why when it is worth a line), or
 * DHCPD_PROBE: ARP-probe out->probe, then give the same request again
 * (dhcpd_probed_add() when nobody answered, dhcpd_conflict() when a host
 * did). */
#define DHCPD_PROBE 2
int dhcpd_handle(const struct dhcpd *d, const struct dhcpd_iface *ifc, const uint8_t *pkt, size_t len,
		 int64_t now, struct dhcpd_reply *out);

/* Nobody answered a probe for a: it may be offered until `until`. */
void dhcpd_probed_add(struct dhcpd_probed *p, in4_t a, int64_t until);

/* The host with mac answered a probe for a: a is in use outside our
 * leases, held back like a DECLINEd address (journaled). 0 or -errno. */
int dhcpd_conflict(const struct dhcpd *d, in4_t a, const uint8_t mac[6], int64_t now);

/* The Raspberry Pi PXE menu of option 43, as dnsmasq's pxe-service line
 * builds it: discovery control 3, prompt "PXE" with timeout 0, one menu
 * item of type 0 holding text, END. Returns its length (<= cap), or 0. */
size_t dhcpd_pi_menu(uint8_t *out, size_t cap, const char *text);

#endif
