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

/* The initramfs module list written by the builder. */
#define MODULES_MAX             256
#define MODULE_LIST_LEN         65536

#endif
