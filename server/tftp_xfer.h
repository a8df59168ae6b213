/* One TFTP read transfer as a state machine (server/tftp_xfer.c): pure
 * over (its state, the event, the time). It says which blocks to send; the
 * socket layer sends them (tftpd.c).
 *
 * Blocks are counted in 32 bits here and sent as the low 16 (rollover to 0
 * after 65535, as tftp-hpa, dnsmasq and the Pi EEPROM since 2025-09 do), so
 * a file of any size goes through. An ACK is matched to the one block in
 * flight with its low 16 bits; anything else — a duplicate of an ACK
 * already seen, a stale one — is ignored: a duplicate ACK never causes a
 * resend (the sorcerer's apprentice, RFC 1123 4.2.3.1); only the timeout
 * does, up to `retries` times. With a window (RFC 7440) an ACK of a block
 * inside the window restarts the window after it. */
#ifndef NETROOT_SERVER_TFTP_XFER_H
#define NETROOT_SERVER_TFTP_XFER_H

#include <stdbool.h>
#include <stdint.h>

struct tftp_xfer {
	uint64_t size;                  /* bytes of the file */
	uint32_t blksize, window;
	uint32_t timeout_ms;
	uint32_t retries_max;
	uint32_t last;                  /* the last block's number (size / blksize + 1) */
	uint32_t base;                  /* the first block not yet acknowledged */
	uint32_t sent;                  /* the highest block sent (base - 1 when none of the window) */
	bool oack;                      /* an OACK is out, waiting for ACK 0 */
	uint32_t retries;               /* timeouts in a row */
	int64_t deadline_ms;            /* when to resend */
	uint32_t resent;                /* blocks sent again, for the log */
};

/* What to send now: the OACK (again), or blocks first..first+count-1. */
struct tftp_send {
	bool oack;
	uint32_t first, count;
};

enum tftp_step {
	TFTP_STEP_NONE = 0,             /* nothing to do (a duplicate or stale ACK) */
	TFTP_STEP_SEND,                 /* send what *s says, then wait */
	TFTP_STEP_DONE,                 /* the last block is acknowledged */
	TFTP_STEP_FAIL,                 /* retries used up: the client is gone */
};

/* A new transfer; with oack, the first step sends the OACK and waits for
 * ACK 0, else block 1 (window) at once. */
enum tftp_step tftp_xfer_start(struct tftp_xfer *x, uint64_t size, uint32_t blksize, uint32_t window,
			       uint32_t timeout_ms, uint32_t retries_max, bool oack, int64_t now_ms,
			       struct tftp_send *s);

/* An ACK with the 16-bit block number blk. */
enum tftp_step tftp_xfer_ack(struct tftp_xfer *x, uint16_t blk, int64_t now_ms, struct tftp_send *s);

/* The deadline passed with no ACK: resend from the first unacknowledged
 * block (or the OACK), or give up after retries_max. */
enum tftp_step tftp_xfer_timeout(struct tftp_xfer *x, int64_t now_ms, struct tftp_send *s);

/* Block n's bytes: its offset in the file and its length (0 for the empty
 * last block of a size that is a multiple of blksize). */
static inline uint64_t tftp_block_off(const struct tftp_xfer *x, uint32_t n)
{
	return (uint64_t)(n - 1) * x->blksize;
}
static inline uint32_t tftp_block_len(const struct tftp_xfer *x, uint32_t n)
{
	uint64_t off = tftp_block_off(x, n);

	return off >= x->size ? 0 : x->size - off < x->blksize ? (uint32_t)(x->size - off) : x->blksize;
}

#endif
