#include "lease.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "fileio.h"

#define REC_MAGIC 0x4e524c53u   /* "NRLS" */
#define JOURNAL "leases.journal"
#define JOURNAL_NEW "leases.journal.new"

enum rec_op { REC_BIND = 1, REC_RELEASE, REC_DECLINE };

/* ---- CRC-32 (IEEE), for torn records ------------------------------------- */

static uint32_t crc32(const uint8_t *p, size_t n)
{
	uint32_t c = 0xffffffffu;

	while (n--) {
		c ^= *p++;
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
	}
	return ~c;
}

/* ---- the table ------------------------------------------------------------ */

uint32_t lease_hash_id(const uint8_t *cid, size_t len)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < len; i++)
		h = (h ^ cid[i]) * 16777619u;
	return h;
}

/* Every bit of the address into the low bits the buckets use (murmur3's
 * finaliser): addresses of one subnet differ only in their last bytes,
 * which a plain multiplication would leave out of the low bits. */
static uint32_t hash_addr(in4_t a)
{
	uint32_t h = a;

	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

static int rehash(struct lease_table *t, uint32_t nb)
{
	int32_t *bc = malloc(nb * sizeof(*bc)), *ba = malloc(nb * sizeof(*ba));

	if (!bc || !ba) {
		free(bc);
		free(ba);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < nb; i++)
		bc[i] = ba[i] = -1;
	for (int32_t i = 0; i < t->n; i++) {
		struct lease *l = &t->v[i];
		uint32_t hc, ha;

		if (!l->state)
			continue;
		hc = lease_hash_id(l->cid, l->cid_len) & (nb - 1);
		ha = hash_addr(l->addr) & (nb - 1);
		l->next_cid = bc[hc];
		bc[hc] = i;
		l->next_addr = ba[ha];
		ba[ha] = i;
	}
	free(t->by_cid);
	free(t->by_addr);
	t->by_cid = bc;
	t->by_addr = ba;
	t->nbuckets = nb;
	return 0;
}

int lease_init(struct lease_table *t)
{
	memset(t, 0, sizeof(*t));
	t->free_head = -1;
	t->dirfd = t->fd = -1;
	return rehash(t, 256);
}

struct lease *lease_by_cid(const struct lease_table *t, const uint8_t *cid, size_t len)
{
	int32_t i;

	if (len > LEASE_CID_MAX)
		return NULL;
	for (i = t->by_cid[lease_hash_id(cid, len) & (t->nbuckets - 1)]; i >= 0; i = t->v[i].next_cid)
		if (t->v[i].cid_len == len && !memcmp(t->v[i].cid, cid, len))
			return &t->v[i];
	return NULL;
}

struct lease *lease_by_addr(const struct lease_table *t, in4_t addr)
{
	int32_t i;

	for (i = t->by_addr[hash_addr(addr) & (t->nbuckets - 1)]; i >= 0; i = t->v[i].next_addr)
		if (t->v[i].addr == addr)
			return &t->v[i];
	return NULL;
}

static void unlink_entry(struct lease_table *t, int32_t idx)
{
	struct lease *l = &t->v[idx];
	int32_t *pp;

	for (pp = &t->by_cid[lease_hash_id(l->cid, l->cid_len) & (t->nbuckets - 1)]; *pp >= 0; pp = &t->v[*pp].next_cid)
		if (*pp == idx) {
			*pp = l->next_cid;
			break;
		}
	for (pp = &t->by_addr[hash_addr(l->addr) & (t->nbuckets - 1)]; *pp >= 0; pp = &t->v[*pp].next_addr)
		if (*pp == idx) {
			*pp = l->next_addr;
			break;
		}
	memset(l, 0, sizeof(*l));
	l->next_cid = t->free_head;
	l->next_addr = -1;
	t->free_head = idx;
	t->nlive--;
}

/* A new entry for (cid, addr), linked: its index, or -ENOMEM. */
static int32_t new_entry(struct lease_table *t, const uint8_t *cid, size_t len, in4_t addr)
{
	int32_t idx;
	struct lease *l;
	uint32_t hc, ha;

	if (t->nlive + 1 > t->nbuckets && rehash(t, t->nbuckets * 2) < 0)
		return -ENOMEM;
	if (t->free_head >= 0) {
		idx = t->free_head;
		t->free_head = t->v[idx].next_cid;
	} else {
		if (t->n == t->cap) {
			int32_t cap = t->cap ? t->cap * 2 : 256;
			struct lease *v = realloc(t->v, (size_t)cap * sizeof(*v));

			if (!v)
				return -ENOMEM;
			t->v = v;
			t->cap = cap;
		}
		idx = t->n++;
	}
	l = &t->v[idx];
	memset(l, 0, sizeof(*l));
	memcpy(l->cid, cid, len);
	l->cid_len = (uint8_t)len;
	l->addr = addr;
	hc = lease_hash_id(cid, len) & (t->nbuckets - 1);
	ha = hash_addr(addr) & (t->nbuckets - 1);
	l->next_cid = t->by_cid[hc];
	t->by_cid[hc] = idx;
	l->next_addr = t->by_addr[ha];
	t->by_addr[ha] = idx;
	t->nlive++;
	return idx;
}

/* The change, in memory only (journal replay and the public calls). */
static int apply(struct lease_table *t, enum rec_op op, const uint8_t *cid, size_t len, in4_t addr,
		 int64_t expires)
{
	struct lease *mine = lease_by_cid(t, cid, len), *holder;
	int32_t idx;

	if (len == 0 || len > LEASE_CID_MAX)
		return -EINVAL;
	if (op == REC_RELEASE) {
		if (mine)
			mine->state = LEASE_RELEASED;
		return 0;
	}
	/* bind or decline: this client's entry now says addr. */
	holder = lease_by_addr(t, addr);
	if (holder && holder != mine)
		unlink_entry(t, (int32_t)(holder - t->v));
	if (mine && mine->addr != addr) {
		unlink_entry(t, (int32_t)(mine - t->v));
		mine = NULL;
	}
	if (!mine) {
		idx = new_entry(t, cid, len, addr);
		if (idx < 0)
			return idx;
		mine = &t->v[idx];
	}
	mine->state = op == REC_BIND ? LEASE_BOUND : LEASE_DECLINED;
	mine->expires = expires;
	return 0;
}

bool lease_addr_free(const struct lease_table *t, in4_t addr, const uint8_t *cid, size_t len, int64_t now)
{
	const struct lease *l = lease_by_addr(t, addr);

	if (!l)
		return true;
	if (l->state == LEASE_DECLINED)
		return l->expires <= now;
	if (l->cid_len == len && !memcmp(l->cid, cid, len))
		return true;
	return l->state == LEASE_RELEASED || l->expires <= now;
}

/* ---- the journal ---------------------------------------------------------- */

static void encode(uint8_t rec[LEASE_REC_LEN], enum rec_op op, const uint8_t *cid, size_t len, in4_t addr,
		   int64_t expires)
{
	struct wbuf w = wb_init(rec, LEASE_REC_LEN);

	memset(rec, 0, LEASE_REC_LEN);
	wb_be32(&w, REC_MAGIC);
	wb_u8(&w, (uint8_t)op);
	wb_u8(&w, (uint8_t)len);
	wb_be16(&w, 0);
	wb_bytes(&w, &addr, 4);
	wb_be32(&w, (uint32_t)((uint64_t)expires >> 32));
	wb_be32(&w, (uint32_t)expires);
	wb_bytes(&w, cid, len);
	w.len = LEASE_REC_LEN - 4;
	wb_be32(&w, crc32(rec, LEASE_REC_LEN - 4));
}

/* One record: 0 applied, 1 not a valid record (torn or foreign). */
static int decode_apply(struct lease_table *t, const uint8_t rec[LEASE_REC_LEN])
{
	struct rbuf b = rb_init(rec, LEASE_REC_LEN);
	uint32_t magic = 0, hi = 0, lo = 0, crc = 0;
	uint8_t op = 0, len = 0;
	uint16_t rsv = 0;
	in4_t addr = 0;

	rb_be32(&b, &magic);
	rb_u8(&b, &op);
	rb_u8(&b, &len);
	rb_be16(&b, &rsv);
	rb_bytes(&b, &addr, 4);
	rb_be32(&b, &hi);
	rb_be32(&b, &lo);
	{
		struct rbuf c = rb_init(rec + LEASE_REC_LEN - 4, 4);

		rb_be32(&c, &crc);
	}
	if (magic != REC_MAGIC || crc != crc32(rec, LEASE_REC_LEN - 4) || op < REC_BIND || op > REC_DECLINE ||
	    len == 0 || len > LEASE_CID_MAX)
		return 1;
	return apply(t, (enum rec_op)op, rec + 20, len, addr, (int64_t)((uint64_t)hi << 32 | lo)) < 0 ? 1 : 0;
}

/* The records waiting in t->pend to the journal, in one write. */
static int write_pending(struct lease_table *t)
{
	int r;

	if (!t->npend)
		return 0;
	r = write_full(t->fd, t->pend, t->npend);
	if (r == 0 && t->sync && fdatasync(t->fd) != 0)
		r = -errno;
	if (r == 0)
		t->records += t->npend / LEASE_REC_LEN;
	t->npend = 0;
	return r;
}

static int append(struct lease_table *t, enum rec_op op, const uint8_t *cid, size_t len, in4_t addr,
		  int64_t expires)
{
	int r;

	if (t->fd < 0)
		return 0;
	if (t->npend + LEASE_REC_LEN > sizeof(t->pend) && (r = write_pending(t)) < 0)
		return r;
	encode(t->pend + t->npend, op, cid, len, addr, expires);
	t->npend += LEASE_REC_LEN;
	if (t->batching)
		return 0;
	return write_pending(t);
}

void lease_batch_begin(struct lease_table *t)
{
	t->batching = true;
}

/* The journal holds much more than the live leases: rewrite it. A failure
 * leaves the (longer) journal as it is. */
static void maybe_compact(struct lease_table *t)
{
	if (t->records > 1024 && t->records > 4 * t->nlive)
		lease_compact(t);
}

int lease_batch_end(struct lease_table *t)
{
	int r;

	t->batching = false;
	if (t->fd < 0)
		return 0;
	r = write_pending(t);
	if (r == 0)
		maybe_compact(t);
	return r;
}

static int change(struct lease_table *t, enum rec_op op, const uint8_t *cid, size_t len, in4_t addr,
		  int64_t expires)
{
	int r;

	if (len == 0 || len > LEASE_CID_MAX)
		return -EINVAL;
	/* On disk first: a record that did not reach the file must not be
	 * acted on (the server answers NAK or nothing). */
	r = append(t, op, cid, len, addr, expires);
	if (r < 0)
		return r;
	r = apply(t, op, cid, len, addr, expires);
	if (r == 0 && !t->batching)
		maybe_compact(t);
	return r;
}

int lease_bind(struct lease_table *t, const uint8_t *cid, size_t len, in4_t addr, int64_t expires)
{
	return change(t, REC_BIND, cid, len, addr, expires);
}

int lease_release(struct lease_table *t, const uint8_t *cid, size_t len)
{
	struct lease *l = lease_by_cid(t, cid, len);

	return l ? change(t, REC_RELEASE, cid, len, l->addr, l->expires) : 0;
}

int lease_decline(struct lease_table *t, const uint8_t *cid, size_t len, in4_t addr, int64_t until)
{
	return change(t, REC_DECLINE, cid, len, addr, until);
}

int lease_expire(struct lease_table *t, int64_t now, int64_t grace)
{
	int n = 0;

	for (int32_t i = 0; i < t->n; i++) {
		const struct lease *l = &t->v[i];

		if (!l->state)
			continue;
		if (l->state == LEASE_DECLINED ? l->expires <= now : l->expires + grace <= now) {
			unlink_entry(t, i);
			n++;
		}
	}
	return n;
}

int lease_compact(struct lease_table *t)
{
	uint8_t rec[LEASE_REC_LEN];
	uint64_t n = 0;
	int fd, r = 0;

	if (t->dirfd < 0)
		return 0;
	fd = openat(t->dirfd, JOURNAL_NEW, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (fd < 0)
		return -errno;
	for (int32_t i = 0; i < t->n && r == 0; i++) {
		const struct lease *l = &t->v[i];

		if (!l->state)
			continue;
		encode(rec, l->state == LEASE_BOUND ? REC_BIND : l->state == LEASE_DECLINED ? REC_DECLINE : REC_BIND,
		       l->cid, l->cid_len, l->addr, l->expires);
		r = write_full(fd, rec, sizeof(rec));
		if (r == 0 && l->state == LEASE_RELEASED) {
			encode(rec, REC_RELEASE, l->cid, l->cid_len, l->addr, l->expires);
			r = write_full(fd, rec, sizeof(rec));
			n++;
		}
		n++;
	}
	if (r == 0 && fsync(fd) != 0)
		r = -errno;
	if (r == 0 && renameat(t->dirfd, JOURNAL_NEW, t->dirfd, JOURNAL) != 0)
		r = -errno;
	if (r == 0)
		fsync(t->dirfd);        /* the rename itself */
	if (r < 0) {
		close(fd);
		unlinkat(t->dirfd, JOURNAL_NEW, 0);
		return r;
	}
	if (t->fd >= 0)
		close(t->fd);
	t->fd = fd;
	t->records = n;
	return 0;
}

int lease_open(struct lease_table *t, const char *dir, bool sync, char *msg, size_t msglen)
{
	uint8_t buf[LEASE_REC_LEN * 256];
	uint64_t bad = 0, total = 0;
	size_t have = 0;
	int r, fd;

	msg[0] = '\0';
	r = lease_init(t);
	if (r < 0)
		return r;
	t->sync = sync;
	t->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (t->dirfd < 0) {
		r = -errno;
		snprintf(msg, msglen, "cannot open the state directory %s: %s", dir, strerror(-r));
		return r;
	}
	fd = openat(t->dirfd, JOURNAL, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	if (fd < 0) {
		r = -errno;
		snprintf(msg, msglen, "cannot open %s/%s: %s", dir, JOURNAL, strerror(-r));
		return r;
	}
	for (;;) {
		ssize_t k = read(fd, buf + have, sizeof(buf) - have);
		size_t off = 0;

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			r = -errno;
			close(fd);
			snprintf(msg, msglen, "cannot read %s/%s: %s", dir, JOURNAL, strerror(-r));
			return r;
		}
		have += (size_t)k;
		for (; have - off >= LEASE_REC_LEN; off += LEASE_REC_LEN, total++)
			bad += (uint64_t)decode_apply(t, buf + off);
		memmove(buf, buf + off, have - off);
		have -= off;
		if (k == 0)
			break;
	}
	close(fd);
	if (bad || have)
		snprintf(msg, msglen, "%s/%s: %llu of %llu records unreadable%s (a write cut by a crash is never "
			 "acknowledged; others mean the file was damaged)", dir, JOURNAL, (unsigned long long)bad,
			 (unsigned long long)total, have ? ", and a partial record at the end" : "");
	/* Start the new run from a clean file: no torn tail for the next
	 * append to follow. */
	r = lease_compact(t);
	if (r < 0) {
		snprintf(msg, msglen, "cannot rewrite %s/%s: %s", dir, JOURNAL, strerror(-r));
		return r;
	}
	/* Appends go at the end whatever the offset. */
	if (fcntl(t->fd, F_SETFL, O_APPEND) != 0)
		return -errno;
	return 0;
}

void lease_close(struct lease_table *t)
{
	if (t->fd >= 0)
		close(t->fd);
	if (t->dirfd >= 0)
		close(t->dirfd);
	free(t->v);
	free(t->by_cid);
	free(t->by_addr);
	memset(t, 0, sizeof(*t));
	t->fd = t->dirfd = -1;
}
