/* Every size limit netroot enforces, in one place.
 * A limit is checked where the memory is allocated or the bytes are copied;
 * input beyond it is rejected with a message, never truncated silently. */
#ifndef NETROOT_NR_LIMITS_H
#define NETROOT_NR_LIMITS_H

/* Kernel command line. COMMAND_LINE_SIZE is 2048 on arm64 and x86; the
 * Raspberry Pi firmware appends its own arguments, so allow twice that. */
#define CMDLINE_MAX_LEN         4096
#define CMDLINE_MAX_ARGS        512   /* words on the command line */
#define CMDLINE_MAX_DIAG        32    /* warnings/errors kept for --explain */
#define CMDLINE_DIAG_LEN        200   /* one diagnostic message */

/* ip=: klibc semantics, one spec per interface. */
#define IP_MAX_SPECS            8
#define IFNAME_LEN              16    /* IFNAMSIZ, with the NUL */
#define HOSTNAME_LEN            65    /* HOST_NAME_MAX + 1 */
#define DHCP_CLIENT_ID_MAX      64
#define DHCP_CLASS_MAX          252   /* kernel dhcpclass= limit */

/* root=, nfsroot=, init= and friends. */
#define PATH_LEN                256
#define NFS_OPTIONS_LEN         512   /* user text from nfsroot= */
#define MOUNT_DATA_LEN          1024  /* text options passed to mount(2) */
#define ROOTFSTYPE_LEN          128
#define ROOTFLAGS_LEN           512
#define INIT_MAX_ARGS           32    /* arguments after "--" for init */

/* iSCSI (open-iscsi / RFC 4173 keys). */
#define ISCSI_NAME_LEN          224   /* RFC 3720: iSCSI names up to 223 bytes */
#define ISCSI_SECRET_LEN        256
#define ISCSI_MAX_PORTALS       8
#define ISCSI_ADDR_LEN          64

/* The root-storage daemon (init/rootstore*.c): the iSCSI LUN as /dev/nbdN.
 * Nothing here turns a slow or silent target into an I/O error: a dead path
 * is detected and the session logged in again, for as long as it takes. */
#define RS_NBD_MAX_REQUEST      (32u << 20) /* the nbd protocol's (and driver's) largest request */
#define RS_MAX_INFLIGHT         256   /* requests held at once (the kernel queues 128 per connection) */
#define RS_BATCH                32    /* requests taken from the kernel per wake-up */
#define RS_SOCK_BUF             (4 << 20)  /* send buffer of each end of the socketpair with the kernel */
#define RS_MEM_MIN              (16u << 20)  /* bytes of request buffers in flight, at least ... */
#define RS_MEM_MAX              (256u << 20) /* ... and at most; between: MemTotal / 16 (memory is locked) */
#define RS_NOP_INTERVAL_S       5     /* a NOP-Out to the target this often ... */
#define RS_NOP_TIMEOUT_S        15    /* ... and unanswered this long: the path is dead, log in again */
#define RS_TCP_USER_TIMEOUT_MS  20000 /* unacknowledged data this long: the kernel drops the connection */
#define RS_BUSY_DELAY_MIN_MS    10    /* BUSY / TASK SET FULL / TASK ABORTED: send again after this, */
#define RS_BUSY_DELAY_MAX_MS    1000  /* doubling up to this, for as long as the target says so */
#define RS_MAX_UNIT_ATTENTIONS  3     /* UNIT ATTENTIONs in a row before a request fails */
#define RS_MAX_ABORTED          16    /* ABORTED COMMANDs for one request before it fails */
#define RS_MAX_SESSION_LOSSES   16    /* sessions one request may see die under it (a command the
                                       * target rejects every time) before it fails */
#define RS_RELOGIN_DELAY_MAX_S  10    /* between login attempts once the path is back */
#define RS_STANDBY_POLL_S       1     /* a standby checks this often whether the supervisor is gone */
#define RS_DEAD_CONN_TIMEOUT_S  86400 /* the kernel holds new requests this long for a restarted
                                       * daemon (nbd netlink DEAD_CONN_TIMEOUT), then fails them */

/* The initramfs module list written by the builder. */
#define MODULES_MAX             256
#define MODULE_LIST_LEN         65536

/* DHCPv4: the codec (lib/dhcp_msg.c, shared by the client and the server)
 * and the client (init/dhcpc.c). An option that breaks its length rule or a
 * limit below is dropped whole (names); the address lists and the classless
 * routes keep their first entries and flag the rest, so the caller can say
 * what it ignored. */
#define DHCP_PKT_MAX            1500  /* IPv4 packet sent or received, IP+UDP headers included;
                                       * also the maximum message size (option 57) we announce */
#define DHCP_MAX_OPTIONS        128   /* option fragments in one message; legitimate ones carry < 40 */
#define DHCP_MAX_ROUTERS        8     /* option 3 entries kept */
#define DHCP_MAX_DNS            8     /* option 6 entries kept */
#define DHCP_MAX_NTP            8     /* option 42 entries kept */
#define DHCP_MAX_ROUTES         16    /* option 121 (RFC 3442) entries kept; the rest flagged */
#define DHCP_DOMAIN_LEN         256   /* option 15, with the NUL */
#define DHCP_SEARCH_LEN         256   /* option 119 decoded as "a.example b.example", with the NUL
                                       * (the classic resolv.conf search limit) */
#define DHCP_MAX_ARCH           8     /* option 93 (RFC 4578) architectures kept */
#define DHCP_MAX_SEARCH         6     /* names kept from option 119 (resolv.conf's classic limit) */
#define DHCP_NAME_MAX_PTRS      128   /* compression pointers followed in one option 119 name */
#define DHCP_LEASE_ROUTERS      4     /* option 3 routers a lease keeps (the first is the gateway) */
#define DHCP_LEASE_DNS          3     /* DNS servers a lease keeps: resolv.conf's MAXNS */
#define DHCP_LEASE_NTP          3     /* NTP servers a lease keeps */
#define DHCP_LEASE_NOTES        8     /* what a lease says it did not keep (lib/dhcp_lease.h) */
#define DHCP_LEASE_NOTE_LEN     160   /* one such note */
#define DHCP_MAX_IFACES         8     /* interfaces one dhcp_acquire() runs in parallel */
#define DHCP_RX_BURST           32    /* packets read from one socket per poll wake-up, so a
                                       * flooded interface cannot starve the others */
/* Client timing (RFC 2131 4.1, scaled down for a boot loader): the first
 * retransmission after ~1 s, doubling to a cap, each +-0.5 s of jitter. */
#define DHCP_RETRANS_FIRST_MS   1000
#define DHCP_RETRANS_MAX_MS     8000
#define DHCP_RETRANS_JITTER_MS  500
#define DHCP_REQUEST_TRIES      4     /* REQUESTs sent before starting over with DISCOVER */
#define DHCP_RESTART_DELAY_MS   1000  /* pause before DISCOVER again after a NAK or unanswered
                                       * REQUESTs, so a confused server cannot make us spin */

/* The fleet report (lib/report.h): one datagram to the server per boot
 * phase, failure and switch_root. */
#define REPORT_MAX_LEN          1024  /* bytes of one datagram, built or accepted */
#define REPORT_MAX_PHASES       16    /* phases one report carries (init has about 10) */
#define REPORT_NAME_LEN         16    /* a phase's name or the root kind, with the NUL */
#define REPORT_KERNEL_LEN       65    /* uname -r, with the NUL */
#define REPORT_BOOT_LEN         17    /* the boot attempt's 16 hex digits, with the NUL */
#define REPORT_FAILED_LEN       256   /* the FAILED: text, with the NUL (init's failure.what) */

#endif
