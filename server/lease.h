/* netrootd's leases: the table in memory and its journal on disk.
 *
 * Crash-safe and cheap: every change that hands out an address (a bind, a
 * renewal) or takes one back (release, decline) is one fixed-size record
 * appended to `leases.journal` with a single write() BEFORE the server
 * answers. Once write() returns the record is in the kernel's page cache,
 * so a netrootd killed at any instant (kill -9) finds it at the next start;
 * the server never ACKs an address whose record did not reach the file.
 * (A power cut needs fsync: `lease_sync()` after each write when the
 * configuration asks for it; off by default, as in Kea's memfile.) Each
 * record carries a CRC: a record torn by the crash is dropped at load, and
 * it was never ACKed. When the journal holds much more than the live
 * leases, it is compacted: the live leases written to a new file, fsync'd,
 * renamed over the old one.
 *
 * dnsmasq rewrites its whole lease file on every change (≈190 changes/s
 * measured); one 64-byte append costs a few microseconds.
 *
 * The table is pure over its inputs (times are given, never read), and a
 * table with no directory keeps no journal at all (tests, fuzzing). */
#ifndef NETROOT_SERVER_LEASE_H
#define NETROOT_SERVER_LEASE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ipv4.h"

#define LEASE_CID_MAX 32        /* client identifier bytes kept (option 61, or 1 + MAC) */
#define LEASE_REC_LEN 64        /* bytes of one journal record */

enum lease_state {
	LEASE_BOUND = 1,        /* ACKed; valid until `expires` */
	LEASE_RELEASED,         /* the client gave it back: free, still remembered for it */
	LEASE_DECLINED,         /* the client found it in use (DECLINE): not offered until `expires` */
};

struct lease {
	uint8_t cid[LEASE_CID_MAX];
	uint8_t cid_len;
	uint8_t state;
	in4_t addr;
	int64_t expires;                /* seconds since the epoch */
	int32_t next_cid, next_addr;    /* hash chains (indices), -1 ends */
};

struct lease_table {
	struct lease *v;
	int32_t n, cap;                 /* entries used / allocated */
	int32_t *by_cid, *by_addr;      /* bucket heads */
	uint32_t nbuckets;              /* a power of two */
	int32_t free_head;              /* reusable entries, chained through next_cid */
	int dirfd;                      /* state directory, -1: no journal */
	int fd;                         /* leases.journal, -1: none */
	uint64_t records;               /* records in the journal now */
	uint64_t nlive;                 /* entries in use */
	bool sync;                      /* fsync after each record */
	bool batching;                  /* lease_batch_begin(): records wait in pend */
	uint8_t pend[LEASE_REC_LEN * 64];
	size_t npend;
};

/* The hash of a client identifier (FNV-1a) the table files it under; also
 * where a client starts its search of a pool, and its rate-limit slot. */
uint32_t lease_hash_id(const uint8_t *id, size_t len);

/* An empty table with no journal. */
int lease_init(struct lease_table *t);

/* The table kept in dir (leases.journal, created if absent): loads every
 * record, drops a torn last one, compacts. 0, or -errno with msg filled. */
int lease_open(struct lease_table *t, const char *dir, bool sync, char *msg, size_t msglen);

void lease_close(struct lease_table *t);

struct lease *lease_by_cid(const struct lease_table *t, const uint8_t *cid, size_t len);
struct lease *lease_by_addr(const struct lease_table *t, in4_t addr);

/* Records that cid holds addr until `expires` (a bind or a renewal). The
 * address's previous holder, if another client, loses it. Journaled before
 * return: 0, or -errno (the server must not ACK). -EINVAL: cid too long. */
int lease_bind(struct lease_table *t, const uint8_t *cid, size_t len, in4_t addr, int64_t expires);

/* RELEASE (the client's lease becomes free) and DECLINE (addr is in use by
 * someone else: held back until `until`). Journaled. 0 or -errno. */
int lease_release(struct lease_table *t, const uint8_t *cid, size_t len);
int lease_decline(struct lease_table *t, const uint8_t *cid, size_t len, in4_t addr, int64_t until);

/* Whether addr may be offered to cid at time now: no lease, or its own, or
 * another's that expired or was released (a declined address waits its
 * time out). */
bool lease_addr_free(const struct lease_table *t, in4_t addr, const uint8_t *cid, size_t len, int64_t now);

/* Forgets leases that ended more than grace seconds before now (bound or
 * released ones) and declined addresses whose hold is over, so the table
 * does not grow for ever; a client coming back within grace still finds
 * its old address. Nothing is journaled: a forgotten lease read back at
 * the next start is as ended then. Returns how many were forgotten. */
int lease_expire(struct lease_table *t, int64_t now, int64_t grace);

/* Batches: between lease_batch_begin() and lease_batch_end() the records
 * of every change wait in memory and go to the journal in one write() at
 * the end (or sooner, when 64 are waiting). The rule stays: the caller
 * sends no reply of the batch before lease_batch_end() returned 0; on an
 * error it sends none of them. */
void lease_batch_begin(struct lease_table *t);
int lease_batch_end(struct lease_table *t);

/* Writes the live leases to a new journal and replaces the old one
 * (fsync, rename). 0 or -errno. Called by lease_open and when the journal
 * holds more than 4x the live entries. */
int lease_compact(struct lease_table *t);

#endif
