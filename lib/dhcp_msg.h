/* The DHCPv4 message codec (RFC 2131/2132), shared by the client in init/
 * and the server: pure code, no sockets, no globals, no logging.
 *
 * dhcp_msg_parse() reads a BOOTP/DHCP payload through the bounded cursor:
 * the fixed header, the magic cookie, then the options field and, when
 * option 52 says so, the file and sname fields (in that order, RFC 3396).
 * Repeated options are concatenated (RFC 3396). Every option keeps its raw
 * value (struct dhcp_opt, known or not, so the server can read any of them);
 * the well-known ones are also decoded, each under a length rule (exact N,
 * at least N, a multiple of N). A broken rule drops that option (it is
 * flagged in invalid[]), except for 52/53/54, which reject the message.
 * Lists longer than we keep (3, 6, 42, 119), and option 121 after a
 * malformed entry, keep their first entries and are flagged in truncated[].
 *
 * The builder writes a header, then options (split into 255-byte fragments
 * when longer, RFC 3396), then END. The IPv4 + UDP framing a raw packet
 * socket needs is in dhcp_ipudp.h. */
#ifndef NETROOT_DHCP_MSG_H
#define NETROOT_DHCP_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "ipv4.h"
#include "nr_limits.h"

#define DHCP_SERVER_PORT        67
#define DHCP_CLIENT_PORT        68
#define DHCP_MAGIC_COOKIE       0x63825363u
#define DHCP_SNAME_LEN          64
#define DHCP_FILE_LEN           128
#define DHCP_CHADDR_LEN         16
#define DHCP_FIXED_LEN          236     /* BOOTP header up to the options field */
#define DHCP_MIN_LEN            (DHCP_FIXED_LEN + 4)   /* with the magic cookie */
#define DHCP_BOOTP_MIN_LEN      300     /* RFC 1542 2.1: relays may drop shorter messages */
#define DHCP_IPUDP_HDR_LEN      28      /* IPv4 header without options + UDP header */
#define DHCP_MSG_MAX            (DHCP_PKT_MAX - DHCP_IPUDP_HDR_LEN)
#define DHCP_FLAG_BROADCAST     0x8000

enum dhcp_op { BOOTREQUEST = 1, BOOTREPLY = 2 };

enum dhcp_type {
	DHCPDISCOVER = 1, DHCPOFFER, DHCPREQUEST, DHCPDECLINE,
	DHCPACK, DHCPNAK, DHCPRELEASE, DHCPINFORM,
};

enum dhcp_option {
	DHO_PAD = 0,
	DHO_SUBNET_MASK = 1,
	DHO_ROUTER = 3,
	DHO_DNS = 6,
	DHO_HOSTNAME = 12,
	DHO_DOMAIN = 15,
	DHO_ROOT_PATH = 17,
	DHO_MTU = 26,
	DHO_BROADCAST = 28,
	DHO_NTP = 42,
	DHO_REQUESTED_ADDR = 50,
	DHO_LEASE_TIME = 51,
	DHO_OVERLOAD = 52,
	DHO_MESSAGE_TYPE = 53,
	DHO_SERVER_ID = 54,
	DHO_PARAM_REQUEST = 55,
	DHO_MESSAGE = 56,
	DHO_MAX_MSG_SIZE = 57,
	DHO_T1 = 58,
	DHO_T2 = 59,
	DHO_VENDOR_CLASS = 60,
	DHO_CLIENT_ID = 61,
	DHO_TFTP_SERVER = 66,
	DHO_BOOTFILE = 67,
	DHO_VENDOR_OPTS = 43,
	DHO_RAPID_COMMIT = 80,
	DHO_RELAY_AGENT = 82,
	DHO_CLIENT_ARCH = 93,
	DHO_CLIENT_NDI = 94,
	DHO_CLIENT_GUID = 97,
	DHO_DOMAIN_SEARCH = 119,
	DHO_CLASSLESS_ROUTES = 121,
	DHO_END = 255,
};

/* One option as received: its value (all fragments concatenated) is
 * m->optdata[off .. off + len). */
struct dhcp_opt {
	uint8_t code;
	bool invalid;           /* broke its length/value rule: dhcp_msg_opt() hides it */
	uint16_t off, len;
};

/* A classless static route (option 121). dst has its host bits cleared. */
struct dhcp_route {
	in4_t dst;
	int prefix;             /* 0..32; 0 with dst 0 is a default route */
	in4_t gw;
};

/* The fixed BOOTP header; addresses in network byte order. */
struct dhcp_hdr {
	uint8_t op, htype, hlen, hops;
	uint32_t xid;
	uint16_t secs, flags;
	in4_t ciaddr, yiaddr, siaddr, giaddr;
	uint8_t chaddr[DHCP_CHADDR_LEN];
	char sname[DHCP_SNAME_LEN + 1];  /* raw text up to the first NUL, "" when it holds options */
	char file[DHCP_FILE_LEN + 1];    /* same; neither is checked: escape before printing */
};

struct dhcp_msg {
	struct dhcp_hdr h;
	uint8_t overload;                /* option 52: 1 file, 2 sname, 3 both hold options */

	/* Every option except PAD/END, in order of first appearance. */
	struct dhcp_opt opt[DHCP_MAX_OPTIONS];
	int nopt;
	uint8_t optdata[DHCP_MSG_MAX];
	size_t optdata_len;

	/* Decoded options: valid only when dhcp_msg_has(m, code). */
	uint8_t type;                    /* 53; 0 = absent (plain BOOTP); a bad one fails the parse */
	in4_t server_id;                 /* 54 */
	in4_t requested_addr;            /* 50 */
	in4_t netmask;                   /* 1, contiguous */
	in4_t broadcast;                 /* 28 */
	in4_t routers[DHCP_MAX_ROUTERS]; /* 3 */
	int nrouters;
	in4_t dns[DHCP_MAX_DNS];         /* 6 */
	int ndns;
	in4_t ntp[DHCP_MAX_NTP];         /* 42 */
	int nntp;
	struct dhcp_route routes[DHCP_MAX_ROUTES]; /* 121 */
	int nroutes;
	const char *routes_cut;          /* 121 truncated: why the entries after routes[] were
	                                  * not read (a static string), else NULL */
	uint32_t lease_secs, t1_secs, t2_secs;     /* 51, 58, 59 */
	uint16_t mtu;                    /* 26, >= 68 */
	uint16_t max_msg_size;           /* 57, >= 576 */
	char hostname[HOSTNAME_LEN];     /* 12: letters, digits, '-', '_', '.' */
	char domain[DHCP_DOMAIN_LEN];    /* 15: same characters */
	char search[DHCP_SEARCH_LEN];    /* 119: names separated by one space */
	char rootpath[PATH_LEN];         /* 17: printable ASCII */
	char bootfile[PATH_LEN];         /* 67: printable ASCII (may be longer than the file field) */
	bool rapid_commit;               /* 80 */

	/* What a server reads from a client. 50, 57 and 61 are above or raw
	 * (dhcp_msg_opt); 60 is raw too (dhcp_msg_vendor_class_is). */
	uint8_t requested[32];           /* 55 as a bitmap: the codes the client asked for */
	uint16_t arch[DHCP_MAX_ARCH];    /* 93: client architectures (RFC 4578), in order */
	int narch;
	uint8_t guid[16];                /* 97: type 0 + 16 bytes (RFC 4578 2.2) */
	struct dhcp_span {               /* 82 (RFC 3046): sub-options 1 and 2 as spans of */
		uint16_t off, len;       /* optdata; len 0: absent. Echo the whole option */
	} circuit_id, remote_id;         /* back raw (dhcp_msg_opt). */

	uint8_t present[32];             /* bitmap: valid and decoded (or unknown and kept) */
	uint8_t invalid[32];             /* bitmap: present but broke its rule, ignored */
	uint8_t truncated[32];           /* bitmap: a list longer than we keep; the first entries kept */

	const char *error;               /* after a failed parse: why (a static string) */
	uint8_t error_opt;               /* ... about which option (error then reads after
	                                  * "option N "), 0 if none */
};

static inline bool dhcp_bit(const uint8_t map[32], uint8_t code)
{
	return (map[code >> 3] >> (code & 7)) & 1;
}

/* Parse a DHCP payload (what follows the UDP header). Returns 0, or
 * -EMSGSIZE (longer than DHCP_MSG_MAX), -E2BIG (more than DHCP_MAX_OPTIONS
 * fragments) or -EBADMSG, with m->error saying why. */
int dhcp_msg_parse(const uint8_t *data, size_t len, struct dhcp_msg *m);

/* Present and valid (known options), or present (unknown ones). */
static inline bool dhcp_msg_has(const struct dhcp_msg *m, uint8_t code)
{
	return dhcp_bit(m->present, code);
}

/* The concatenated value of an option, or NULL if absent or invalid. */
const uint8_t *dhcp_msg_opt(const struct dhcp_msg *m, uint8_t code, size_t *len);

/* Option 60 starts with prefix ("PXEClient", "U-Boot."). */
bool dhcp_msg_vendor_class_is(const struct dhcp_msg *m, const char *prefix);

/* The bytes of a span of m (option 82's sub-options); NULL when absent. */
static inline const uint8_t *dhcp_msg_span(const struct dhcp_msg *m, struct dhcp_span s, size_t *len)
{
	*len = s.len;
	return s.len ? m->optdata + s.off : NULL;
}

/* A Raspberry Pi's serial number from option 97, when the Pi put it there:
 * the EEPROM's default GUID ("RPi4"/"RPi5" FourCC, board revision, MAC low
 * bytes, serial) or DHCP_OPTION97=0 / the 3B+ ROM (the serial four times).
 * 0 and *serial set, or -ENOENT. */
int dhcp_msg_pi_serial(const struct dhcp_msg *m, uint32_t *serial);

/* Names for log lines: "OFFER", "server-id"; "?" or "option" if unknown. */
const char *dhcp_type_name(uint8_t type);
const char *dhcp_opt_name(uint8_t code);

/* Building: dhcp_msg_begin() writes the header and the cookie; dhcp_opt_put*() append
 * options; dhcp_msg_end() writes END and pads to DHCP_BOOTP_MIN_LEN. Each
 * returns 0 or the wbuf's sticky -ENOSPC. The buffer should be capped at
 * DHCP_MSG_MAX. */
int dhcp_msg_begin(struct wbuf *w, const struct dhcp_hdr *h);
int dhcp_opt_put(struct wbuf *w, uint8_t code, const void *val, size_t len);
int dhcp_opt_put_u8(struct wbuf *w, uint8_t code, uint8_t v);
int dhcp_opt_put_be16(struct wbuf *w, uint8_t code, uint16_t v);
int dhcp_opt_put_be32(struct wbuf *w, uint8_t code, uint32_t v);
int dhcp_opt_put_in4(struct wbuf *w, uint8_t code, in4_t a);
int dhcp_opt_put_str(struct wbuf *w, uint8_t code, const char *s);
int dhcp_msg_end(struct wbuf *w);

/* Rebuild a parsed message: header and every option from the table (raw,
 * invalid ones included, without 52: nothing is overloaded). */
int dhcp_msg_build(const struct dhcp_msg *m, struct wbuf *w);

#endif
