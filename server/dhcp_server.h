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

struct dhcpd {
	const struct nrd_conf *conf;
	const struct nrd_client *clients;
	int nclients;
	struct lease_table *leases;
};

/* What to send, where, and a line for the log. */
struct dhcpd_reply {
	uint8_t msg[DHCP_MSG_MAX];
	size_t len;
	in4_t dst;                      /* 255.255.255.255: broadcast */
	uint16_t dport;                 /* 68, or 67 to a relay */
	uint32_t delay_ms;              /* wait this long first (Pi 3 ROM) */
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
 * is to be dropped (out->log says why when it is worth a line). */
int dhcpd_handle(const struct dhcpd *d, const struct dhcpd_iface *ifc, const uint8_t *pkt, size_t len,
		 int64_t now, struct dhcpd_reply *out);

/* The Raspberry Pi PXE menu of option 43, as dnsmasq's pxe-service line
 * builds it: discovery control 3, prompt "PXE" with timeout 0, one menu
 * item of type 0 holding text, END. Returns its length (<= cap), or 0. */
size_t dhcpd_pi_menu(uint8_t *out, size_t cap, const char *text);

#endif
