/* One TFTP write transfer, the receiving side, as a state machine
 * (server/tftp_recv.c): pure over (its state, the event, the time), like
 * tftp_xfer.c for reads. Lock-step (the server agrees to no windowsize on
 * a write): every DATA block n that is the next one is to be written and
 * ACKed; a repeat of the block before (our ACK was lost) is ACKed again,
 * not written twice; anything else is ignored. A block shorter than
 * blksize is the last. Blocks are counted in 32 bits and matched by their
 * low 16 (rollover). The size is bounded: a block that would take the
 * file past max_bytes ends the transfer (error 3, disk full). */
#ifndef NETROOT_SERVER_TFTP_RECV_H
#define NETROOT_SERVER_TFTP_RECV_H

#include <stdbool.h>
#include <stdint.h>

struct tftp_recv {
	uint32_t blksize, timeout_ms, retries_max, retries;
	uint64_t max_bytes, bytes;
	uint32_t next;                  /* the block wanted next (1 first) */
	bool oack;                      /* the last thing sent was the OACK */
	int64_t deadline_ms;
};

enum tftp_rstep {
	TFTP_R_NONE = 0,                /* ignore the packet */
	TFTP_R_WRITE,                   /* write the block's bytes at *off, then ACK *ack */
	TFTP_R_LAST,                    /* write the block's bytes at *off, ACK *ack: it was the last */
	TFTP_R_REACK,                   /* send ACK *ack again (or the OACK when oack) */
	TFTP_R_TOOBIG,                  /* past max_bytes: ERROR 3, end */
	TFTP_R_FAIL,                    /* no DATA after every resend: end */
};

/* Starts: the first thing to send is the OACK (oack) or ACK 0. */
void tftp_recv_start(struct tftp_recv *r, uint32_t blksize, uint64_t max_bytes, uint32_t timeout_ms,
		     uint32_t retries_max, bool oack, int64_t now_ms);

/* DATA with 16-bit block blk and len bytes of data. *ack: the 16-bit
 * number to ACK; *off: where the bytes go in the file. */
enum tftp_rstep tftp_recv_data(struct tftp_recv *r, uint16_t blk, uint32_t len, int64_t now_ms, uint16_t *ack,
			       uint64_t *off);

/* The deadline passed: the last ACK (or OACK) again, or give up. */
enum tftp_rstep tftp_recv_timeout(struct tftp_recv *r, int64_t now_ms, uint16_t *ack);

#endif
