#include "dhcp_reply.h"

#include <errno.h>
#include <string.h>

#include "dhcp_int.h"
#include "dhcp_ipudp.h"

/* Bytes an option takes on the wire: 2 per 255-byte fragment, and its
 * value (a zero-length option is one fragment). */
static size_t wire_len(size_t len)
{
	size_t frags = len ? (len + 254) / 255 : 1;

	return 2 * frags + len;
}

size_t dhcp_reply_room(const struct dhcp_msg *req)
{
	size_t max = 576;

	if (req && dhcp_msg_has(req, DHO_MAX_MSG_SIZE) && req->max_msg_size > max)
		max = req->max_msg_size;
	if (max > DHCP_PKT_MAX)
		max = DHCP_PKT_MAX;
	return max - DHCP_IPUDP_HDR_LEN;
}

int dhcp_reply_build(struct wbuf *w, const struct dhcp_hdr *h, const struct dhcp_msg *req,
		     const struct dhcp_reply_opt *opts, int nopts, uint8_t dropped[32])
{
	const int none = -1;
	uint8_t seen[32], order[255];
	int idx[256], norder = 0, i;
	size_t room = dhcp_reply_room(req), used = DHCP_MIN_LEN + 1;   /* header, cookie, END */
	const uint8_t *prl = NULL;
	size_t nprl = 0;

	if (dropped)
		memset(dropped, 0, 32);
	memset(seen, 0, sizeof(seen));
	for (i = 0; i < 256; i++)
		idx[i] = none;
	for (i = 0; i < nopts; i++) {
		uint8_t c = opts[i].code;

		if (c == DHO_PAD || c == DHO_END || idx[c] != none || opts[i].len > DHCP_MSG_MAX)
			return -EINVAL;
		idx[c] = i;
	}
	if (req)
		prl = dhcp_msg_opt(req, DHO_PARAM_REQUEST, &nprl);

	/* The order: mandatory, listed, always, then (no list) the rest. */
	for (i = 0; i < nopts; i++)
		if (opts[i].flags & DHCP_RO_MANDATORY)
			order[norder++] = opts[i].code;
	for (size_t k = 0; prl && k < nprl; k++)
		if (idx[prl[k]] != none && !(opts[idx[prl[k]]].flags & DHCP_RO_MANDATORY) &&
		    !dhcp_bit(seen, prl[k])) {
			dhcp_set_bit(seen, prl[k]);
			order[norder++] = prl[k];
		}
	for (i = 0; i < nopts; i++)
		if (!(opts[i].flags & DHCP_RO_MANDATORY) && !dhcp_bit(seen, opts[i].code) &&
		    ((opts[i].flags & DHCP_RO_ALWAYS) || !prl)) {
			dhcp_set_bit(seen, opts[i].code);
			order[norder++] = opts[i].code;
		}

	if (dhcp_msg_begin(w, h) < 0)
		return -ENOSPC;
	for (i = 0; i < norder; i++) {
		const struct dhcp_reply_opt *o = &opts[idx[order[i]]];
		size_t n = wire_len(o->len);

		if (used + n > room) {
			if (o->flags & DHCP_RO_MANDATORY)
				return -EMSGSIZE;
			if (dropped)
				dhcp_set_bit(dropped, o->code);
			continue;
		}
		if (dhcp_opt_put(w, o->code, o->val, o->len) < 0)
			return -ENOSPC;
		used += n;
	}
	return dhcp_msg_end(w) < 0 ? -ENOSPC : 0;
}
