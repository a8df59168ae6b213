/* iSCSI login with libiscsi: portals in order, bounded retries, CHAP and
 * mutual CHAP, the LUN found or checked, and every failure sorted into what
 * a user can act on: target unreachable, no such target, authentication
 * failed, initiator not allowed, no such LUN. Passwords are never logged.
 * Runs inside the root-storage daemon (rootstore.c). */
#include "iscsi_login.h"
#include "init.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <iscsi/iscsi.h>
#include <iscsi/scsi-lowlevel.h>

#include "log.h"
#include "scsi_vpd.h"
#include "text.h"

#define DEFAULT_PORT 3260

static const char *const kind_names[] = {
	[ISCSI_OK] = "ok",
	[ISCSI_ERR_UNREACHABLE] = "target unreachable",
	[ISCSI_ERR_NO_TARGET] = "no such target",
	[ISCSI_ERR_AUTH] = "authentication failed",
	[ISCSI_ERR_NOT_ALLOWED] = "initiator not allowed",
	[ISCSI_ERR_NO_LUN] = "no such LUN",
	[ISCSI_ERR_CONFIG] = "configuration",
	[ISCSI_ERR_OTHER] = "iSCSI error",
};

const char *iscsi_err_name(enum iscsi_err_kind k)
{
	return (unsigned)k < sizeof(kind_names) / sizeof(kind_names[0]) && kind_names[k] ? kind_names[k] : "?";
}

/* What to check, per kind: the line a user reads after FAILED. */
const char *iscsi_err_check(enum iscsi_err_kind k)
{
	switch (k) {
	case ISCSI_ERR_UNREACHABLE:
		return "is the target (tgtd, targetcli, the NAS) running and listening on that address and port "
		       "(ISCSI_TARGET_IP/iscsi_target_ip, ISCSI_TARGET_PORT), and is the network path open?";
	case ISCSI_ERR_NO_TARGET:
		return "compare ISCSI_TARGET_NAME/iscsi_target_name with the target's IQN (tgtadm --mode target --op show)";
	case ISCSI_ERR_AUTH:
		return "check iscsi_username/iscsi_password (and iscsi_in_username/iscsi_in_password for mutual CHAP) "
		       "against the target's CHAP accounts; CHAP secrets must be 12-16 characters for many targets";
	case ISCSI_ERR_NOT_ALLOWED:
		return "the target's ACL must allow this initiator name (ISCSI_INITIATOR or /etc/initiatorname.iscsi) or this address";
	case ISCSI_ERR_NO_LUN:
		return "check the LUN number (root=iscsi:...:<lun>:... or ISCSI_ROOT_LUN) against the target's LUNs";
	case ISCSI_ERR_CONFIG:
		return "give ISCSI_TARGET_NAME and ISCSI_TARGET_IP (or root=iscsi:<ip>::<port>:<lun>:<target>) and an initiator name";
	default:
		return "check the target's logs";
	}
}

void iscsi_one_line(char *s)
{
	size_t n = strlen(s);

	for (; *s; s++)
		if ((unsigned char)*s < 0x20)
			*s = ' ';
	while (n > 0 && s[-1] == ' ') {
		*--s = 0;
		n--;
	}
}

/* libiscsi reports login failures as text ("Failed to log in to target.
 * Status: Authentication failure(513)"); the status names are RFC 3720's. */
static enum iscsi_err_kind classify(const char *err, bool connected)
{
	if (!connected)
		return ISCSI_ERR_UNREACHABLE;
	if (strstr(err, "Authentication failure"))
		return ISCSI_ERR_AUTH;
	if (strstr(err, "Authorization failure"))
		return ISCSI_ERR_NOT_ALLOWED;
	if (strstr(err, "not found") || strstr(err, "Target removed") || strstr(err, "Target moved"))
		return ISCSI_ERR_NO_TARGET;
	if (strstr(err, "CHAP") || strstr(err, "chap"))
		return ISCSI_ERR_AUTH;
	return ISCSI_ERR_OTHER;
}

/* libiscsi's own messages (reconnects above all) into our log. */
static void libiscsi_log(int level, const char *msg)
{
	char esc[300];

	text_escape(esc, sizeof(esc), msg, strlen(msg));
	if (level <= 1)
		log_warn("libiscsi: %s", esc);
	else
		log_info("libiscsi: %s", esc);
}

static struct iscsi_context *new_context(const struct iscsi_conf *c, int timeout, int verbosity,
				       const struct iscsi_session_opts *so)
{
	struct iscsi_context *ctx = iscsi_create_context(c->initiator);

	if (!ctx)
		return NULL;
	/* One ISID for the whole boot: at a new login the target sees the
	 * same session (initiator name + ISID) and reinstates it, ending the
	 * old one and its queued commands (RFC 7143 §6.3.5) instead of
	 * running them after ours. */
	if (so && so->isid)
		iscsi_set_isid_random(ctx, so->isid & 0xffffff, 0);
	/* A path that goes silent with data unacknowledged errors out after
	 * this long instead of TCP's ~15 minutes (applied at connect). */
	if (so && so->tcp_user_timeout_ms > 0)
		iscsi_set_tcp_user_timeout(ctx, so->tcp_user_timeout_ms);
	iscsi_set_targetname(ctx, c->target);
	iscsi_set_session_type(ctx, ISCSI_SESSION_NORMAL);
	/* No header digest unless the target insists: TCP checksums cover
	 * the LAN and CRC32C in software costs a Pi real throughput. */
	iscsi_set_header_digest(ctx, ISCSI_HEADER_DIGEST_NONE_CRC32C);
	if (c->username[0])
		iscsi_set_initiator_username_pwd(ctx, c->username, c->password);
	if (c->in_username[0])
		iscsi_set_target_username_pwd(ctx, c->in_username, c->in_password);
	iscsi_set_timeout(ctx, timeout);
	/* Reconnecting is the root-storage daemon's job (rootstore.c): it
	 * logs in again with every setting (libiscsi 1.19's own reconnect
	 * can spin on a dead socket) and resends what was in flight. With
	 * this set, libiscsi cancels the tasks of a dead session instead. */
	iscsi_set_noautoreconnect(ctx, 1);
	iscsi_set_log_fn(ctx, libiscsi_log);
	iscsi_set_log_level(ctx, verbosity);
	return ctx;
}

/* The first disk LUN the target reports (tgt puts its controller at LUN 0
 * and the disk at LUN 1; others start at 0). */
static int find_disk_lun(struct iscsi_context *ctx, int *lun)
{
	struct scsi_task *t = iscsi_reportluns_sync(ctx, 0, 16 + 8 * 64);
	struct scsi_reportluns_list *list;
	uint32_t i;
	int found = -ENOENT;

	if (!t || t->status != SCSI_STATUS_GOOD) {
		if (t)
			scsi_free_scsi_task(t);
		*lun = 0;
		return 0;           /* no REPORT LUNS: LUN 0 it is */
	}
	list = scsi_datain_unmarshall(t);
	for (i = 0; list && i < list->num && found < 0; i++) {
		struct scsi_task *inq = iscsi_inquiry_sync(ctx, list->luns[i], 0, 0, 64);
		struct scsi_inquiry_standard *std;

		if (inq && inq->status == SCSI_STATUS_GOOD && (std = scsi_datain_unmarshall(inq)) != NULL &&
		    std->qualifier == SCSI_INQUIRY_PERIPHERAL_QUALIFIER_CONNECTED &&
		    std->device_type == SCSI_INQUIRY_PERIPHERAL_DEVICE_TYPE_DIRECT_ACCESS) {
			*lun = list->luns[i];
			found = 0;
		}
		if (inq)
			scsi_free_scsi_task(inq);
	}
	scsi_free_scsi_task(t);
	return found;
}

/* The disk's identity: the logical unit's designators of VPD 0x83, else
 * the unit serial number (VPD 0x80). */
static void read_identity(struct iscsi_context *ctx, int lun, struct iscsi_disk *d)
{
	struct scsi_task *t = iscsi_inquiry_sync(ctx, lun, 1, 0x83, 255);
	int n;

	d->ident_page = 0;
	d->ident_len = 0;
	if (t && t->status == SCSI_STATUS_GOOD && t->datain.size > 4 && t->datain.data[1] == 0x83 &&
	    (n = iscsi_lu_designators(t->datain.data, (size_t)t->datain.size, d->ident, sizeof(d->ident))) > 0) {
		d->ident_page = 0x83;
		d->ident_len = (uint16_t)n;
		scsi_free_scsi_task(t);
		return;
	}
	if (t)
		scsi_free_scsi_task(t);
	t = iscsi_inquiry_sync(ctx, lun, 1, 0x80, 255);
	if (t && t->status == SCSI_STATUS_GOOD && t->datain.size > 4 && t->datain.data[1] == 0x80) {
		size_t len = (size_t)t->datain.size;

		if (len > sizeof(d->ident))
			len = sizeof(d->ident);
		memcpy(d->ident, t->datain.data, len);
		d->ident_len = (uint16_t)len;
		d->ident_page = 0x80;
	}
	if (t)
		scsi_free_scsi_task(t);
}

/* Block limits (VPD 0xB0), when the target has the page. */
static void read_limits(struct iscsi_context *ctx, int lun, struct iscsi_disk *d)
{
	struct scsi_task *t = iscsi_inquiry_sync(ctx, lun, 1, SCSI_INQUIRY_PAGECODE_BLOCK_LIMITS, 64);
	struct scsi_inquiry_block_limits *bl;

	d->max_xfer_blocks = d->max_unmap_blocks = d->max_unmap_descriptors = 0;
	if (t && t->status == SCSI_STATUS_GOOD && (bl = scsi_datain_unmarshall(t)) != NULL) {
		d->max_xfer_blocks = bl->max_xfer_len;
		d->max_unmap_blocks = bl->max_unmap;
		d->max_unmap_descriptors = bl->max_unmap_bdc;
	}
	/* SBC-3: a MAXIMUM UNMAP LBA COUNT of zero means no UNMAP; anything
	 * else means it works, whatever READ CAPACITY(16) said of LBPME (tgt
	 * leaves LBPME clear on a thin LUN). */
	if (d->max_unmap_blocks)
		d->thin = true;
	if (t)
		scsi_free_scsi_task(t);
}

int iscsi_same_disk(const struct iscsi_disk *a, const struct iscsi_disk *b, char *why, size_t n)
{
	/* A LUN grown on the target is still the root (the device keeps
	 * its first size); a smaller one, or other blocks, is not. */
	if (b->blocks < a->blocks || a->block_size != b->block_size) {
		snprintf(why, n, "it has %llu blocks of %u bytes, the root had %llu blocks of %u bytes",
			 (unsigned long long)b->blocks, b->block_size, (unsigned long long)a->blocks, a->block_size);
		return -ESTALE;
	}
	if (a->ident_page != b->ident_page || a->ident_len != b->ident_len ||
	    memcmp(a->ident, b->ident, a->ident_len) != 0) {
		snprintf(why, n, "its device identifier (VPD page 0x%02x, %u bytes) is not the root's (VPD page 0x%02x, %u bytes)",
			 b->ident_page, b->ident_len, a->ident_page, a->ident_len);
		return -ESTALE;
	}
	return 0;
}

static int read_capacity(struct iscsi_context *ctx, int lun, struct iscsi_disk *d)
{
	struct scsi_task *t = iscsi_readcapacity16_sync(ctx, lun);
	struct scsi_readcapacity16 *rc16;
	struct scsi_readcapacity10 *rc10;

	if (t && t->status == SCSI_STATUS_GOOD && (rc16 = scsi_datain_unmarshall(t)) != NULL) {
		d->block_size = rc16->block_length;
		d->blocks = rc16->returned_lba + 1;
		d->thin = rc16->lbpme;
		scsi_free_scsi_task(t);
		return 0;
	}
	if (t)
		scsi_free_scsi_task(t);
	t = iscsi_readcapacity10_sync(ctx, lun, 0, 0);
	if (t && t->status == SCSI_STATUS_GOOD && (rc10 = scsi_datain_unmarshall(t)) != NULL) {
		d->block_size = rc10->block_size;
		d->blocks = (uint64_t)rc10->lba + 1;
		d->thin = false;
		scsi_free_scsi_task(t);
		return 0;
	}
	if (t)
		scsi_free_scsi_task(t);
	return -ENXIO;
}

int iscsi_login_disk(const struct iscsi_conf *c, int want_lun, double deadline, int attempt_timeout,
		     int verbosity, const struct iscsi_session_opts *so, struct iscsi_disk *d,
		     struct iscsi_login_error *e)
{
	double delay = 1;
	int attempt = 0, i;

	memset(d, 0, sizeof(*d));
	memset(e, 0, sizeof(*e));
	if (!c->target[0] || c->nportals == 0 || !c->initiator[0]) {
		e->kind = ISCSI_ERR_CONFIG;
		snprintf(e->msg, sizeof(e->msg), "incomplete iSCSI configuration:%s%s%s", !c->target[0] ? " no target name" : "",
			 c->nportals == 0 ? " no target address" : "", !c->initiator[0] ? " no initiator name" : "");
		return -EINVAL;
	}
	for (;;) {
		attempt++;
		for (i = 0; i < c->nportals; i++) {
			char portal[ISCSI_ADDR_LEN + 16];
			struct iscsi_context *ctx;
			bool connected;
			int lun = want_lun;

			snprintf(portal, sizeof(portal), strchr(c->portal[i].host, ':') ? "[%s]:%u" : "%s:%u",
				 c->portal[i].host, c->portal[i].port ? c->portal[i].port : DEFAULT_PORT);
			text_copy(e->portal, sizeof(e->portal), portal);
			ctx = new_context(c, attempt_timeout, verbosity, so);
			if (!ctx) {
				e->kind = ISCSI_ERR_OTHER;
				snprintf(e->msg, sizeof(e->msg), "cannot create an iSCSI context (initiator name invalid?)");
				return -ENOMEM;
			}
			log_info("iscsi: logging in to %s at %s as %s%s (attempt %d)", c->target, portal, c->initiator,
				 c->username[0] ? (c->in_username[0] ? " with mutual CHAP" : " with CHAP") : "", attempt);
			connected = iscsi_connect_sync(ctx, portal) == 0;
			if (!connected || iscsi_login_sync(ctx) != 0) {
				const char *err = iscsi_get_error(ctx);

				e->kind = classify(err ? err : "", connected);
				text_copy(e->msg, sizeof(e->msg), err && err[0] ? err : "no answer");
				iscsi_one_line(e->msg);
				log_warn("iscsi: %s: %s (%s)", portal, iscsi_err_name(e->kind), e->msg);
				iscsi_destroy_context(ctx);
				continue;
			}
			if (lun < 0 && find_disk_lun(ctx, &lun) < 0) {
				e->kind = ISCSI_ERR_NO_LUN;
				snprintf(e->msg, sizeof(e->msg), "the target reports no disk LUN");
			} else if (read_capacity(ctx, lun, d) < 0) {
				e->kind = ISCSI_ERR_NO_LUN;
				snprintf(e->msg, sizeof(e->msg), "LUN %d does not answer READ CAPACITY: %s", lun,
					 iscsi_get_error(ctx));
			} else if (d->block_size == 0 || d->block_size > 65536 || (d->block_size & (d->block_size - 1))) {
				e->kind = ISCSI_ERR_NO_LUN;
				snprintf(e->msg, sizeof(e->msg), "LUN %d has an unusable block size %u", lun, d->block_size);
			} else {
				int one = 1;

				/* Small command PDUs must not wait for Nagle. */
				setsockopt(iscsi_get_fd(ctx), IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
				read_identity(ctx, lun, d);
				read_limits(ctx, lun, d);
				/* The attempt's timeout bounded the login; on the
				 * serving session a slow or silent target must
				 * never turn a command into an error (the daemon
				 * detects a dead path by NOP-Out and logs in
				 * again). Applies to every command queued from
				 * now on. */
				iscsi_set_timeout(ctx, 0);
				d->ctx = ctx;
				d->lun = lun;
				text_copy(d->portal, sizeof(d->portal), portal);
				log_info("iscsi: logged in to %s at %s, LUN %d: %llu blocks of %u bytes (%.1f MiB)%s",
					 c->target, portal, lun, (unsigned long long)d->blocks, d->block_size,
					 (double)d->blocks * d->block_size / 1048576.0, d->thin ? ", thin" : "");
				return 0;
			}
			log_warn("iscsi: %s: %s (%s)", portal, iscsi_err_name(e->kind), e->msg);
			iscsi_destroy_context(ctx);
		}
		/* Unreachable portals may come up (a target that boots with
		 * the board, a switch port in spanning tree); a refusal will
		 * not change: it gets one more round only. */
		if (e->kind != ISCSI_ERR_UNREACHABLE && e->kind != ISCSI_ERR_OTHER && attempt >= 2)
			break;
		if (log_uptime() + delay > deadline)
			break;
		sleep_s(delay);
		delay = delay * 2 > 10 ? 10 : delay * 2;
	}
	return -EIO;
}
