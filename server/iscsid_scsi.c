#include "iscsid_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

/* ---- SCSI ------------------------------------------------------------------------ */

static int scsi_response(struct conn *c, uint32_t itt, const struct scsi_status *st, uint8_t ovun, uint32_t resid,
			 uint32_t expdatasn)
{
	uint8_t b[ISCSI_BHS_LEN], sd[2 + sizeof(st->sense)];
	uint32_t len = 0;

	if (st->status == 2) {
		sd[0] = 0;
		sd[1] = sizeof(st->sense);
		memcpy(sd + 2, st->sense, sizeof(st->sense));
		len = sizeof(sd);
	}
	iscsi_bhs_init(b, ISCSI_OP_SCSI_RSP, (uint8_t)(0x80 | ovun), len, itt);
	b[3] = st->status;
	iscsid_sns(c, b, true);
	iscsi_put32(b + 36, expdatasn);
	iscsi_put32(b + 44, resid);
	return iscsid_send_pdu(c, b, sd, len);
}

/* What a read returned, as Data-In PDUs of at most the initiator's
 * MaxRecvDataSegmentLength, a sequence at most MaxBurstLength; the status
 * rides on the last (S bit). */
static int data_in(struct conn *c, uint32_t itt, const uint8_t *lun, const uint8_t *buf, uint32_t n, uint8_t ovun,
		   uint32_t resid)
{
	uint32_t seg = c->n.p.send_seg_max, off = 0, datasn = 0, burst = 0;

	while (off < n) {
		uint8_t b[ISCSI_BHS_LEN];
		uint32_t k = n - off < seg ? n - off : seg;
		bool last = off + k == n, fin;

		if (burst + k > c->n.p.max_burst)
			k = c->n.p.max_burst - burst;
		last = off + k == n;
		fin = last || burst + k == c->n.p.max_burst;
		iscsi_bhs_init(b, ISCSI_OP_DATA_IN, (uint8_t)((fin ? 0x80 : 0) | (last ? 0x01 | ovun : 0)), k, itt);
		memcpy(b + 8, lun, 8);
		iscsi_put32(b + 20, ISCSI_RSVD_TAG);
		iscsid_sns(c, b, last);
		iscsi_put32(b + 36, datasn++);
		iscsi_put32(b + 40, off);
		if (last)
			iscsi_put32(b + 44, resid);
		if (iscsid_send_pdu(c, b, buf + off, k) < 0)
			return -1;
		off += k;
		burst = fin ? 0 : burst + k;
	}
	return 0;
}

/* A read's answer: its data and status, or the status alone. */
static int read_done(struct conn *c, uint32_t itt, const uint8_t *lun, const uint8_t *buf, uint32_t len, uint32_t edtl,
		     bool partial, uint32_t inlen, const struct scsi_status *st)
{
	uint8_t ovun = 0;
	uint32_t resid = 0;

	if (st->status != 0)
		return scsi_response(c, itt, st, edtl ? 0x02 : 0, edtl, 0);
	if (partial && len > edtl) {
		ovun = 0x04;    /* the blocks asked for did not fit the transfer */
		resid = len - edtl;
	} else if (edtl > inlen) {
		ovun = 0x02;
		resid = edtl - inlen;
	}
	if (!inlen)
		return scsi_response(c, itt, st, ovun, resid, 0);
	return data_in(c, itt, lun, buf, inlen, ovun, resid);
}

static void job_run(struct iojob *ij)
{
	struct job *j = (struct job *)ij;

	scsi_exec(&j->c->tgt->lu, j->c->nexus, j->cdb, j->dir == SCSI_OUT ? j->buf : NULL, j->outlen,
		  j->dir == SCSI_IN ? j->buf : NULL, j->cap, &j->inlen, &j->st);
}

void iscsid_job_free(struct conn *c, struct job *j)
{
	c->job_bytes -= j->dir == SCSI_IN ? j->cap : j->outlen;
	free(j->buf);
	free(j);
}

/* A job back from the workers: its answer (none if cancelled or
 * aborted). 0, or -1 when the connection failed. */
static int job_done(struct conn *c, struct job *j, bool answer)
{
	int r = 0;

	if (answer && !j->base.cancelled) {
		if (j->dir == SCSI_IN)
			r = read_done(c, j->itt, j->lun, j->buf, j->len, j->edtl, j->partial, j->inlen, &j->st);
		else if (j->dir == SCSI_OUT)
			r = scsi_response(c, j->itt, &j->st, j->ovun, j->resid, j->r2tsn);
		else
			r = scsi_response(c, j->itt, &j->st, j->edtl ? 0x02 : 0, j->edtl, 0);
	}
	iscsid_job_free(c, j);
	return r;
}

/* Answers every job the workers finished. 0 or -1. */
int iscsid_jobs_answer(struct conn *c)
{
	struct iojob *l = ioq_take_done(&c->d->pool, &c->q);
	int r = 0;

	while (l) {
		struct iojob *next = l->next;

		if (job_done(c, (struct job *)l, r == 0) < 0)
			r = -1;
		l = next;
	}
	return r;
}

/* Waits for every job of the connection and answers them, except those
 * abort() picks (an aborted task gets no answer). 0 or -1. */
int iscsid_jobs_settle(struct conn *c, bool (*abort)(const struct job *j, uint32_t itt), uint32_t itt)
{
	struct iojob *l;
	int r = 0;

	ioq_quiesce(&c->d->pool, &c->q, false);
	l = ioq_take_done(&c->d->pool, &c->q);
	while (l) {
		struct iojob *next = l->next;
		struct job *j = (struct job *)l;

		if (job_done(c, j, r == 0 && !(abort && abort(j, itt))) < 0)
			r = -1;
		l = next;
	}
	return r;
}

/* Runs a command's store I/O off this thread: a read into its own room, a
 * write with buf (taken over). Past the connection's buffer budget, or
 * without memory, -2: the caller runs it here instead (back-pressure). */
static int job_submit(struct conn *c, uint32_t itt, const uint8_t *lun, const uint8_t *cdb, enum scsi_dir dir,
		      uint32_t len, uint32_t edtl, bool partial, uint8_t *buf, uint32_t outlen, uint32_t cap,
		      uint8_t ovun, uint32_t resid, uint32_t r2tsn)
{
	uint32_t bytes = dir == SCSI_IN ? cap : outlen;
	struct job *j;

	if (c->job_bytes + bytes > JOB_BYTES_MAX)
		return -2;
	j = calloc(1, sizeof(*j));
	if (!j)
		return -2;
	if (dir == SCSI_IN && !(j->buf = malloc(cap ? cap : 1))) {
		free(j);
		return -2;
	}
	if (dir == SCSI_OUT)
		j->buf = buf;
	j->base.run = job_run;
	j->c = c;
	j->itt = itt;
	j->edtl = edtl;
	j->len = len;
	memcpy(j->lun, lun, 8);
	memcpy(j->cdb, cdb, 16);
	j->dir = dir;
	j->partial = partial;
	j->outlen = outlen;
	j->cap = cap;
	j->ovun = ovun;
	j->resid = resid;
	j->r2tsn = r2tsn;
	c->job_bytes += bytes;
	iopool_submit(&c->d->pool, &c->q, &j->base);
	return 0;
}

static int run_write(struct conn *c, struct wtask *t)
{
	struct scsi_status st;
	uint32_t inlen, resid = 0;
	uint8_t ovun = 0;
	int r;

	/* RFC 7143 11.4.5.1: fewer bytes than the command takes: overflow;
	 * more: underflow (only what the command takes is used) */
	if (t->len < t->need) {
		ovun = 0x04;
		resid = t->need - t->len;
	} else if (t->len > t->need) {
		ovun = 0x02;
		resid = t->len - t->need;
	}
	if (t->len < t->need && !t->partial) {
		memset(&st, 0, sizeof(st));
		st.status = 2;
		st.sense[0] = 0x70;
		st.sense[2] = 0x05;     /* ILLEGAL REQUEST */
		st.sense[7] = 10;
		st.sense[12] = 0x24;    /* INVALID FIELD IN CDB: less data than the command takes */
	} else {
		uint32_t n = t->len < t->need ? t->len : t->need;
		enum scsi_io_class cls = scsi_io_class(t->cdb);

		if (cls == SCSI_IO_NONE || !t->simple) {
			scsi_exec(&c->tgt->lu, c->nexus, t->cdb, t->buf, n, NULL, 0, &inlen, &st);
		} else if (cls == SCSI_IO_WAIT ||
			   scsi_exec_nowait(&c->tgt->lu, c->nexus, t->cdb, t->buf, n, NULL, 0, &inlen, &st)) {
			if (job_submit(c, t->itt, t->lun, t->cdb, SCSI_OUT, t->need, t->len, t->partial, t->buf, n, 0, ovun,
				       resid, t->r2tsn) == 0) {
				memset(t, 0, sizeof(*t));       /* the buffer is the job's now */
				return 0;
			}
			scsi_exec(&c->tgt->lu, c->nexus, t->cdb, t->buf, n, NULL, 0, &inlen, &st);
		}
	}
	r = scsi_response(c, t->itt, &st, ovun, resid, t->r2tsn);
	free(t->buf);
	memset(t, 0, sizeof(*t));
	return r;
}

/* Asks for the next MaxBurstLength of a write's data. */
static int r2t(struct conn *c, struct wtask *t, const uint8_t *lun)
{
	uint8_t b[ISCSI_BHS_LEN];
	uint32_t k = t->len - t->got < c->n.p.max_burst ? t->len - t->got : c->n.p.max_burst;

	if (t->ttt == ISCSI_RSVD_TAG)   /* after the unsolicited part: a tag of our own */
		t->ttt = c->next_ttt++ & 0x7fffffff;
	iscsi_bhs_init(b, ISCSI_OP_R2T, 0x80, 0, t->itt);
	memcpy(b + 8, lun, 8);
	iscsi_put32(b + 20, t->ttt);
	iscsid_sns(c, b, false);
	iscsi_put32(b + 36, t->r2tsn++);
	iscsi_put32(b + 40, t->got);
	iscsi_put32(b + 44, k);
	t->r2t_end = t->got + k;
	t->datasn = 0;
	return iscsid_send_pdu(c, b, NULL, 0);
}

int iscsid_scsi_cmd(struct conn *c, const struct iscsi_bhs *h)
{
	struct scsi_status st;
	enum scsi_dir dir = SCSI_NONE;
	uint32_t len = 0, edtl = h->w20, inlen = 0;
	bool partial = false, simple, unsol;
	enum scsi_io_class cls;

	if (!iscsid_cmdsn(c, h))
		return 0;
	if (c->n.discovery)
		return iscsid_reject(c, 0x05);
	if (memcmp(h->lun, "\0\0\0\0\0\0\0\0", 8)) {
		memset(&st, 0, sizeof(st));
		st.status = 2;
		st.sense[0] = 0x70;
		st.sense[2] = 0x05;
		st.sense[7] = 10;
		st.sense[12] = 0x25;    /* LOGICAL UNIT NOT SUPPORTED */
		if (h->cdb[0] != 0xa0)
			return scsi_response(c, h->itt, &st, edtl ? 0x02 : 0, edtl, 0);
	}
	/* ORDERED, HEAD OF QUEUE, ACA: after everything before it, alone */
	simple = (h->flags & 7) <= 1;
	if (!simple && iscsid_jobs_settle(c, NULL, 0) < 0)
		return -1;
	if (scsi_plan(&c->tgt->lu, c->nexus, h->cdb, &dir, &len, &partial, &st) < 0)
		return scsi_response(c, h->itt, &st, edtl ? 0x02 : 0, edtl, 0);
	cls = scsi_io_class(h->cdb);
	if (dir == SCSI_OUT) {
		struct wtask *t = NULL;

		if (edtl > TASK_BUF_MAX || h->data_len > edtl) {
			log_warn("iSCSI %s: a write of %u bytes (%u immediate): closing the connection", c->who, edtl,
				 h->data_len);
			return -1;
		}
		for (int i = 0; i < MAX_TASKS && !t; i++)
			if (!c->tasks[i].used)
				t = &c->tasks[i];
		if (!t) {
			log_warn("iSCSI %s: more than %d writes waiting for their data: closing the connection", c->who,
				 MAX_TASKS);
			return -1;
		}
		t->buf = malloc(edtl ? edtl : 1);
		if (!t->buf)
			return -1;
		t->used = true;
		t->itt = h->itt;
		/* InitialR2T=No and no F bit: unsolicited Data-Out (TTT ffffffff)
		 * follows, up to FirstBurstLength with the immediate data */
		unsol = !c->n.p.initial_r2t && !(h->flags & 0x80) && h->data_len < edtl;
		t->ttt = unsol ? ISCSI_RSVD_TAG : (c->next_ttt++ & 0x7fffffff);
		memcpy(t->cdb, h->cdb, 16);
		t->len = edtl;
		t->need = len;
		t->partial = partial;
		t->simple = simple;
		memcpy(t->lun, h->lun, 8);
		memcpy(t->buf, c->data, h->data_len);
		t->got = h->data_len;
		if (t->got == t->len)
			return run_write(c, t);
		if (unsol) {
			uint32_t fb = c->n.p.first_burst < t->len ? c->n.p.first_burst : t->len;

			if (t->got < fb) {
				t->r2t_end = fb;
				t->datasn = 0;
				return 0;
			}
			/* the immediate data was the whole first burst: R2T for the rest */
		}
		return r2t(c, t, h->lun);
	}
	if (dir == SCSI_IN) {
		uint32_t cap = len < edtl ? len : edtl;

		bool done = false;

		if (cls == SCSI_IO_NONE || !simple) {
			scsi_exec(&c->tgt->lu, c->nexus, h->cdb, NULL, 0, c->in, cap, &inlen, &st);
			done = true;
		} else if (cls == SCSI_IO_TRY) {  /* in memory: answered at once, no worker */
			done = scsi_exec_nowait(&c->tgt->lu, c->nexus, h->cdb, NULL, 0, c->in, cap, &inlen, &st) == 0;
		}
		if (!done) {
			if (job_submit(c, h->itt, h->lun, h->cdb, SCSI_IN, len, edtl, partial, NULL, 0, cap, 0, 0, 0) == 0)
				return 0;       /* answered when a worker has read it */
			scsi_exec(&c->tgt->lu, c->nexus, h->cdb, NULL, 0, c->in, cap, &inlen, &st);
		}
		return read_done(c, h->itt, h->lun, c->in, len, edtl, partial, inlen, &st);
	}
	if (cls != SCSI_IO_NONE && simple &&
	    job_submit(c, h->itt, h->lun, h->cdb, SCSI_NONE, len, edtl, false, NULL, 0, 0, 0, 0, 0) == 0)
		return 0;       /* SYNCHRONIZE CACHE and the like: answered when done */
	scsi_exec(&c->tgt->lu, c->nexus, h->cdb, NULL, 0, NULL, 0, &inlen, &st);
	return scsi_response(c, h->itt, &st, edtl ? 0x02 : 0, edtl, 0);
}

int iscsid_data_out(struct conn *c, const struct iscsi_bhs *h)
{
	struct wtask *t = NULL;
	uint32_t off = h->w40;

	for (int i = 0; i < MAX_TASKS && !t; i++)
		if (c->tasks[i].used && c->tasks[i].itt == h->itt && c->tasks[i].ttt == h->w20)
			t = &c->tasks[i];
	if (!t) {
		log_warn("iSCSI %s: Data-Out for no write waiting (ITT %08x TTT %08x): closing the connection", c->who,
			 h->itt, h->w20);
		return -1;
	}
	/* A sequence error fails the write, not the session: its data is
	 * taken in and dropped to the end of the sequence, then the command
	 * ends in CHECK CONDITION (nothing of it written), and the initiator
	 * retries it. */
	if (!t->bad_asc && h->w36 != t->datasn) {
		log_warn("iSCSI %s: Data-Out with DataSN %u where %u was due: that write fails (ABORTED COMMAND), "
			 "nothing of it written", c->who, h->w36, t->datasn);
		t->bad_asc = 0x4b00;    /* DATA PHASE ERROR */
	}
	if (!t->bad_asc && (off != t->got || off + h->data_len > t->r2t_end)) {
		log_warn("iSCSI %s: Data-Out at %u+%u where %u..%u was asked: that write fails (ABORTED COMMAND), "
			 "nothing of it written", c->who, off, h->data_len, t->got, t->r2t_end);
		t->bad_asc = 0x4b05;    /* DATA OFFSET ERROR */
	}
	t->datasn++;
	if (t->bad_asc) {
		struct scsi_status st;
		int r;

		if (!(h->flags & 0x80))
			return 0;
		memset(&st, 0, sizeof(st));
		scsi_sense(&st, 0x0b, t->bad_asc);
		r = scsi_response(c, t->itt, &st, 0, 0, t->r2tsn);
		free(t->buf);
		memset(t, 0, sizeof(*t));
		return r;
	}
	memcpy(t->buf + off, c->data, h->data_len);
	t->got += h->data_len;
	if (!(h->flags & 0x80))
		return 0;
	if (t->got == t->len)
		return run_write(c, t);
	if (t->got < t->r2t_end) {
		log_warn("iSCSI %s: a Data-Out sequence ended %u bytes short: closing the connection", c->who,
			 t->r2t_end - t->got);
		return -1;
	}
	return r2t(c, t, h->lun);
}
