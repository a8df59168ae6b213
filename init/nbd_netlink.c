/* The kernel's nbd device through its generic-netlink interface ("nbd"
 * family, libnl-genl), not the old ioctls.
 *
 * Why: with NBD_SET_SOCK/NBD_DO_IT the device lives only as long as the
 * process blocked in NBD_DO_IT, and when the daemon's socket closes every
 * request fails with EIO and the device is cleared: a killed daemon is a
 * dead root. A device connected over netlink stays until it is explicitly
 * disconnected; when its only socket dies the kernel holds the requests in
 * flight, makes new ones wait up to the dead-connection timeout, and takes a
 * new socket with NBD_CMD_RECONFIGURE — so a restarted daemon re-attaches to
 * the same /dev/nbdN, size and partitions untouched (drivers/block/nbd.c,
 * nbd_reconnect_socket; what `nbd-client -persist` relies on). */
#include "nbd_netlink.h"

#include <errno.h>
#include <linux/nbd-netlink.h>
#include <poll.h>
#include <unistd.h>

#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

/* libnl's error codes, as errno values for our callers. */
static int nl_errno(int nlerr)
{
	switch (nlerr < 0 ? -nlerr : nlerr) {
	case 0:
		return 0;
	case NLE_NOMEM:
		return -ENOMEM;
	case NLE_PERM:
		return -EPERM;
	case NLE_EXIST:
		return -EEXIST;
	case NLE_INVAL:
		return -EINVAL;
	case NLE_RANGE:
		return -ERANGE;
	case NLE_BUSY:
		return -EBUSY;
	case NLE_OBJ_NOTFOUND:
	case NLE_NOADDR:
		return -ENOENT;
	case NLE_OPNOTSUPP:
		return -EOPNOTSUPP;
	case NLE_AGAIN:
		return -EAGAIN;
	default:
		return -EIO;
	}
}

/* One request to the nbd family, answered by an ACK or an error. */
static int nbd_request(int cmd, const struct nbd_nl_params *p, int sockfd)
{
	struct nl_sock *sk = nl_socket_alloc();
	struct nl_msg *m = NULL;
	struct nlattr *socks, *item;
	int fam, r, no_family = 0;

	if (!sk)
		return -ENOMEM;
	r = genl_connect(sk);
	if (r < 0)
		goto out_free;
	fam = genl_ctrl_resolve(sk, NBD_GENL_FAMILY_NAME);
	if (fam < 0) {
		no_family = 1;  /* the nbd module is not loaded */
		goto out_free;
	}
	m = nlmsg_alloc();
	if (!m || !genlmsg_put(m, NL_AUTO_PORT, NL_AUTO_SEQ, fam, 0, 0, (uint8_t)cmd, NBD_GENL_VERSION)) {
		r = -NLE_NOMEM;
		goto out_free;
	}
	if (cmd == NBD_CMD_DISCONNECT) {
		if (nla_put_u32(m, NBD_ATTR_INDEX, (uint32_t)p->index) < 0) {
			r = -NLE_NOMEM;
			goto out_free;
		}
		goto send;
	}
	if (nla_put_u32(m, NBD_ATTR_INDEX, (uint32_t)p->index) < 0 ||
	    (cmd == NBD_CMD_CONNECT &&
	     (nla_put_u64(m, NBD_ATTR_SIZE_BYTES, p->size) < 0 ||
	      nla_put_u64(m, NBD_ATTR_BLOCK_SIZE_BYTES, p->block_size) < 0 ||
	      nla_put_u64(m, NBD_ATTR_SERVER_FLAGS, p->server_flags) < 0 ||
	      nla_put_u64(m, NBD_ATTR_TIMEOUT, 0) < 0)) ||
	    /* Keep the device when disconnected, and never disconnect on a
	     * close: a mounted root is never closed anyway. */
	    nla_put_u64(m, NBD_ATTR_CLIENT_FLAGS, 0) < 0 ||
	    nla_put_u64(m, NBD_ATTR_DEAD_CONN_TIMEOUT, p->dead_conn_timeout) < 0) {
		r = -NLE_NOMEM;
		goto out_free;
	}
	socks = nla_nest_start(m, NBD_ATTR_SOCKETS);
	item = socks ? nla_nest_start(m, NBD_SOCK_ITEM) : NULL;
	if (!item || nla_put_u32(m, NBD_SOCK_FD, (uint32_t)sockfd) < 0) {
		r = -NLE_NOMEM;
		goto out_free;
	}
	nla_nest_end(m, item);
	nla_nest_end(m, socks);
send:
	r = nl_send_sync(sk, m);        /* frees m; waits for the ACK */
	m = NULL;
out_free:
	if (m)
		nlmsg_free(m);
	nl_socket_free(sk);
	return no_family ? -ENOENT : nl_errno(r);
}

int nbd_nl_connect(const struct nbd_nl_params *p, int sockfd)
{
	return nbd_request(NBD_CMD_CONNECT, p, sockfd);
}

/* The kernel takes the new socket only into a slot it has already marked
 * dead, and answers success even when it has none (the old socket's close
 * not seen yet) — then it never uses our socket. Which one happened shows on
 * our end: once we close our copy of the kernel's end, a socket the kernel
 * did not take hangs up at once. */
int nbd_nl_reconfigure(const struct nbd_nl_params *p, int kernel_end, int our_end)
{
	struct pollfd pf = { our_end, POLLRDHUP, 0 };
	int r = nbd_request(NBD_CMD_RECONFIGURE, p, kernel_end);

	close(kernel_end);              /* the kernel holds its own reference, if it took it */
	if (r < 0)
		return r;
	if (poll(&pf, 1, 200) > 0 && (pf.revents & (POLLRDHUP | POLLHUP)))
		return -EAGAIN;         /* not taken: try again with a new pair */
	return 0;
}

int nbd_nl_disconnect(int index)
{
	struct nbd_nl_params p = { .index = index };

	return nbd_request(NBD_CMD_DISCONNECT, &p, -1);
}
