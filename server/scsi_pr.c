#include "scsi_pr.h"

#include <string.h>

#include "buf.h"
#include "scsi_cmd.h"
#include "text.h"

enum { PR_WE = 1, PR_EA = 3, PR_WERO = 5, PR_EARO = 6, PR_WEAR = 7, PR_EAAR = 8 };

#define STATUS_CONFLICT 0x18

void scsi_pr_init(struct scsi_pr *pr)
{
	memset(pr, 0, sizeof(*pr));
	pthread_mutex_init(&pr->mu, NULL);
}

static int find(const struct scsi_pr *pr, const char *nexus)
{
	for (int i = 0; i < pr->nregs; i++)
		if (!strcmp(pr->regs[i].nexus, nexus))
			return i;
	return -1;
}

static bool all_registrants(uint8_t type)
{
	return type == PR_WEAR || type == PR_EAAR;
}

static bool holds(const struct scsi_pr *pr, const char *nexus)
{
	return pr->reserved && (all_registrants(pr->type) ? find(pr, nexus) >= 0 : !strcmp(pr->holder, nexus));
}

static void drop(struct scsi_pr *pr, int i)
{
	bool was_holder = pr->reserved && !all_registrants(pr->type) && !strcmp(pr->holder, pr->regs[i].nexus);

	pr->regs[i] = pr->regs[--pr->nregs];
	if (was_holder || (pr->reserved && all_registrants(pr->type) && pr->nregs == 0))
		pr->reserved = false;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)(v >> 32));
	put32(p + 4, (uint32_t)v);
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/* READ FULL STATUS: a descriptor per registration, its iSCSI TransportID
 * ("name,i,0xISID", format 01b) included. */
static void full_status(struct scsi_pr *pr, uint8_t *out, uint32_t cap, uint32_t *len)
{
	uint8_t d[8 + PR_MAX_REGS * (28 + PR_NEXUS_LEN + 4)];
	uint32_t n = 8;

	memset(d, 0, sizeof(d));
	pthread_mutex_lock(&pr->mu);
	put32(d, pr->gen);
	for (int i = 0; i < pr->nregs; i++) {
		uint8_t *e = d + n;
		uint32_t tl = (uint32_t)strlen(pr->regs[i].nexus) + 1;

		tl = (tl + 3) & ~3u;
		if (tl < 20)
			tl = 20;
		put64(e, pr->regs[i].key);
		if (holds(pr, pr->regs[i].nexus)) {
			e[12] = 0x01;           /* R_HOLDER */
			e[13] = pr->type;
		}
		e[19] = 1;                      /* relative target port 1 */
		put32(e + 20, 4 + tl);
		e[24] = 0x45;                   /* format 01b, protocol 5 (iSCSI) */
		e[26] = (uint8_t)(tl >> 8);
		e[27] = (uint8_t)tl;
		memcpy(e + 28, pr->regs[i].nexus, strlen(pr->regs[i].nexus));
		n += 28 + tl;
	}
	put32(d + 4, n - 8);
	pthread_mutex_unlock(&pr->mu);
	*len = n < cap ? n : cap;
	memcpy(out, d, *len);
}

void scsi_pr_in(struct scsi_pr *pr, const uint8_t *cdb, uint8_t *out, uint32_t cap, uint32_t *len,
		struct scsi_status *st)
{
	uint8_t d[8 + 8 * PR_MAX_REGS + 16];
	uint32_t n = 8;

	memset(d, 0, sizeof(d));
	pthread_mutex_lock(&pr->mu);
	put32(d, pr->gen);
	switch (cdb[1] & 0x1f) {
	case 0x00:      /* READ KEYS */
		for (int i = 0; i < pr->nregs; i++, n += 8)
			put64(d + n, pr->regs[i].key);
		put32(d + 4, n - 8);
		break;
	case 0x01:      /* READ RESERVATION */
		if (pr->reserved) {
			int h = all_registrants(pr->type) ? -1 : find(pr, pr->holder);

			put64(d + 8, h >= 0 ? pr->regs[h].key : 0);
			d[8 + 13] = pr->type;
			n += 16;
		}
		put32(d + 4, n - 8);
		break;
	case 0x02:      /* REPORT CAPABILITIES */
		memset(d, 0, 8);
		d[1] = 8;
		d[3] = 0x80;                            /* TMV: the type mask is valid */
		d[4] = 0x80 | 0x40 | 0x20 | 0x08 | 0x02;        /* WR_EX_AR, EX_AC_RO, WR_EX_RO, EX_AC, WR_EX */
		d[5] = 0x01;                            /* EX_AC_AR */
		break;
	case 0x03:      /* READ FULL STATUS */
		pthread_mutex_unlock(&pr->mu);
		full_status(pr, out, cap, len);
		return;
	default:
		pthread_mutex_unlock(&pr->mu);
		scsi_sense(st, 0x05, 0x2400);
		return;
	}
	pthread_mutex_unlock(&pr->mu);
	*len = n < cap ? n : cap;
	memcpy(out, d, *len);
}

void scsi_pr_out(struct scsi_pr *pr, const char *nexus, const uint8_t *cdb, const uint8_t *param, uint32_t plen,
		 struct scsi_status *st)
{
	uint8_t sa = cdb[1] & 0x1f, type = cdb[2] & 0x0f, scope = cdb[2] >> 4;
	uint64_t key, sakey;
	int me;

	if (plen != 24) {
		scsi_sense(st, 0x05, 0x1a00);   /* PARAMETER LIST LENGTH ERROR */
		return;
	}
	key = get64(param);
	sakey = get64(param + 8);
	if (param[20] & 0x0d) {                 /* SPEC_I_PT, ALL_TG_PT, APTPL: not offered */
		scsi_sense(st, 0x05, 0x2600);   /* INVALID FIELD IN PARAMETER LIST */
		return;
	}
	pthread_mutex_lock(&pr->mu);
	me = find(pr, nexus);
	switch (sa) {
	case 0x00:      /* REGISTER */
	case 0x06:      /* REGISTER AND IGNORE EXISTING KEY */
		if (sa == 0x00 && (me < 0 ? key != 0 : key != pr->regs[me].key)) {
			st->status = STATUS_CONFLICT;
			break;
		}
		if (me < 0) {
			if (sakey == 0)
				break;
			if (pr->nregs == PR_MAX_REGS) {
				scsi_sense(st, 0x05, 0x5504);   /* INSUFFICIENT REGISTRATION RESOURCES */
				break;
			}
			text_copy(pr->regs[pr->nregs].nexus, PR_NEXUS_LEN, nexus);
			pr->regs[pr->nregs++].key = sakey;
		} else if (sakey == 0) {
			drop(pr, me);
		} else {
			pr->regs[me].key = sakey;
		}
		pr->gen++;
		break;
	case 0x01:      /* RESERVE */
		if (me < 0 || key != pr->regs[me].key) {
			st->status = STATUS_CONFLICT;
			break;
		}
		if (scope || (type != PR_WE && type != PR_EA && type != PR_WERO && type != PR_EARO && type != PR_WEAR &&
			      type != PR_EAAR)) {
			scsi_sense(st, 0x05, 0x2400);
			break;
		}
		if (pr->reserved) {
			if (!holds(pr, nexus) || pr->type != type)
				st->status = STATUS_CONFLICT;
			break;
		}
		pr->reserved = true;
		pr->type = type;
		text_copy(pr->holder, PR_NEXUS_LEN, nexus);
		break;
	case 0x02:      /* RELEASE */
		if (me < 0 || key != pr->regs[me].key) {
			st->status = STATUS_CONFLICT;
			break;
		}
		if (!pr->reserved || !holds(pr, nexus))
			break;
		if (pr->type != type || scope) {
			scsi_sense(st, 0x05, 0x2604);   /* INVALID RELEASE OF PERSISTENT RESERVATION */
			break;
		}
		pr->reserved = false;
		break;
	case 0x03:      /* CLEAR */
		if (me < 0 || key != pr->regs[me].key) {
			st->status = STATUS_CONFLICT;
			break;
		}
		pr->nregs = 0;
		pr->reserved = false;
		pr->gen++;
		break;
	case 0x04:      /* PREEMPT */
	case 0x05:      /* PREEMPT AND ABORT (nothing is queued here to abort) */
		if (me < 0 || key != pr->regs[me].key) {
			st->status = STATUS_CONFLICT;
			break;
		}
		{
			bool all = pr->reserved && all_registrants(pr->type), hold;
			int h = pr->reserved && !all ? find(pr, pr->holder) : -1, removed = 0;
			char mine[PR_NEXUS_LEN];

			if (sakey == 0 && !all) {
				scsi_sense(st, 0x05, 0x2600);   /* key 0 preempts only all-registrants */
				break;
			}
			hold = all ? sakey == 0 : h >= 0 && pr->regs[h].key == sakey;
			text_copy(mine, sizeof(mine), nexus);
			/* remove the registrations the key names (all others for
			 * key 0), never the preempting one */
			for (int i = pr->nregs - 1; i >= 0; i--) {
				if (!strcmp(pr->regs[i].nexus, mine) || (sakey && pr->regs[i].key != sakey))
					continue;
				pr->regs[i] = pr->regs[--pr->nregs];
				removed++;
			}
			if (hold) {
				pr->reserved = true;
				pr->type = type;
				text_copy(pr->holder, PR_NEXUS_LEN, mine);
			} else if (!removed) {
				st->status = STATUS_CONFLICT;   /* no registrant holds that key */
				break;
			}
			pr->gen++;
		}
		break;
	default:
		scsi_sense(st, 0x05, 0x2400);
		break;
	}
	pthread_mutex_unlock(&pr->mu);
}

bool scsi_pr_allows(struct scsi_pr *pr, const char *nexus, bool write)
{
	bool ok;

	pthread_mutex_lock(&pr->mu);
	if (!pr->reserved || holds(pr, nexus)) {
		ok = true;
	} else {
		bool registered = find(pr, nexus) >= 0;

		switch (pr->type) {
		case PR_WE:
			ok = !write;
			break;
		case PR_EA:
			ok = false;
			break;
		case PR_WERO:
		case PR_WEAR:
			ok = !write || registered;
			break;
		case PR_EARO:
		case PR_EAAR:
			ok = registered;
			break;
		default:
			ok = false;
			break;
		}
	}
	pthread_mutex_unlock(&pr->mu);
	return ok;
}
