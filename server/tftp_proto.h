/* TFTP on the wire (server/tftp_proto.c): the packet codec of netrootd's
 * TFTP server, pure (bytes in, structures out; no sockets, no files).
 *
 * RFC 1350 (RRQ/WRQ, DATA, ACK, ERROR), RFC 2347 option negotiation (OACK),
 * RFC 2348 blksize, RFC 2349 timeout and tsize, RFC 7440 windowsize. Every
 * byte is read through lib/buf.h's bounded cursor. */
#ifndef NETROOT_SERVER_TFTP_PROTO_H
#define NETROOT_SERVER_TFTP_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum tftp_op { TFTP_RRQ = 1, TFTP_WRQ, TFTP_DATA, TFTP_ACK, TFTP_ERROR, TFTP_OACK };

/* RFC 1350 5 and RFC 2347 error codes. */
enum tftp_err {
	TFTP_EUNDEF = 0,        /* not defined, see the message */
	TFTP_ENOTFOUND = 1,
	TFTP_EACCESS = 2,       /* access violation */
	TFTP_EDISKFULL = 3,
	TFTP_EBADOP = 4,        /* illegal TFTP operation */
	TFTP_EBADID = 5,        /* unknown transfer ID */
	TFTP_EEXISTS = 6,
	TFTP_ENOUSER = 7,
	TFTP_EOPTION = 8,       /* option negotiation refused */
};

#define TFTP_NAME_MAX     255           /* bytes of a requested file name */
#define TFTP_BLKSIZE_DEF  512
#define TFTP_BLKSIZE_MIN  8             /* RFC 2348 */
#define TFTP_BLKSIZE_MAX  65464         /* RFC 2348's upper bound */
#define TFTP_TIMEOUT_MAX  255           /* RFC 2349, seconds */
#define TFTP_WINDOW_MAX   65535         /* RFC 7440 */
#define TFTP_PKT_MAX      (4 + TFTP_BLKSIZE_MAX)
#define TFTP_REQ_MAX      1024          /* a request longer than this is refused */

/* A read or write request, as parsed. */
struct tftp_req {
	uint16_t op;                    /* TFTP_RRQ or TFTP_WRQ */
	char name[TFTP_NAME_MAX + 1];
	bool netascii;                  /* mode "netascii" (else "octet") */
	/* options the client asked for (RFC 2347: names case-insensitive) */
	bool has_blksize, has_tsize, has_timeout, has_window;
	uint32_t blksize, timeout, window;
	uint64_t tsize;
	char why[96];                   /* when refused: what was wrong */
};

/* Parses a request. 0, or the TFTP error code to answer with (why says
 * what, for the ERROR packet and the log): a name that is missing, too
 * long or carries control bytes; an unknown mode; a known option with a
 * value out of its range or not a number. Unknown options are ignored. */
int tftp_parse_req(const uint8_t *p, size_t len, struct tftp_req *r);

/* ACK (0 with *block) or ERROR (1 with *code, msg escaped into msgbuf);
 * -1 for anything else (or malformed). */
int tftp_parse_ack(const uint8_t *p, size_t len, uint16_t *block, uint16_t *code, char *msgbuf, size_t msgcap);

/* DATA: 0 with *block, *data and *len (<= TFTP_BLKSIZE_MAX) set; -1 for
 * anything else. */
int tftp_parse_data(const uint8_t *p, size_t len, uint16_t *block, const uint8_t **data, size_t *dlen);

/* Builders: the packet's length, or 0 when it does not fit cap. */
size_t tftp_build_error(uint8_t *out, size_t cap, uint16_t code, const char *msg);
size_t tftp_build_ack(uint8_t *out, size_t cap, uint16_t block);

/* The OACK for what was agreed: only the options the client asked for and
 * the server accepted (blksize/timeout/windowsize as agreed, tsize the
 * file's size). */
struct tftp_agreed {
	bool blksize, tsize, timeout, window;
	uint32_t blksize_v, timeout_v, window_v;
	uint64_t tsize_v;
};
size_t tftp_build_oack(uint8_t *out, size_t cap, const struct tftp_agreed *a);

#endif
