/* /dev/nbdN through the kernel's generic-netlink nbd interface; see
 * nbd_netlink.c. */
#ifndef NETROOT_NBD_NETLINK_H
#define NETROOT_NBD_NETLINK_H

#include <stdint.h>

struct nbd_nl_params {
	int index;                      /* N of /dev/nbdN */
	uint64_t size, block_size;      /* bytes */
	uint64_t server_flags;          /* NBD_FLAG_* */
	uint64_t dead_conn_timeout;     /* seconds new requests wait for a new socket */
};

/* Connects /dev/nbd<index> to sockfd (the kernel takes its own reference:
 * close ours afterwards). 0 or -errno (-EBUSY: the device is in use). */
int nbd_nl_connect(const struct nbd_nl_params *p, int sockfd);

/* Gives a connected device whose socket died a new one (kernel_end; ours
 * is our_end of the same pair). Closes kernel_end. 0, -EAGAIN when the
 * kernel had not yet seen the old socket die (try again shortly with a new
 * pair), -EINVAL when the device is not connected at all, or -errno. */
int nbd_nl_reconfigure(const struct nbd_nl_params *p, int kernel_end, int our_end);

/* Disconnects /dev/nbd<index> (the kernel fails what it still holds). */
int nbd_nl_disconnect(int index);

#endif
