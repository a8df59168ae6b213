/* netrootd's I/O workers (server/iopool.c): disk I/O that may block runs
 * here, never on a connection's own thread, so a connection keeps reading
 * commands and answering while its earlier ones wait for the disk, and
 * the disk sees them at once (an SSD or a RAID needs several in flight).
 *
 * Each connection has a queue (struct ioq); the workers take one job from
 * each queue with work in turn (round robin), so an initiator with 128
 * commands waiting delays another's next command by at most one job per
 * worker, never by its whole queue. A finished job goes to its queue's
 * done list and the queue's eventfd is signalled: the connection's thread
 * sends the answers, so only that thread ever writes to its socket. */
#ifndef NETROOT_SERVER_IOPOOL_H
#define NETROOT_SERVER_IOPOOL_H

#include <pthread.h>
#include <stdbool.h>

#define IOPOOL_THREADS_MAX 64

struct iojob {
	struct iojob *next;
	void (*run)(struct iojob *j);   /* on a worker */
	bool cancelled;                 /* never run (its connection closed first) */
};

struct ioq {
	struct iojob *head, *tail;      /* waiting */
	struct iojob *done, *done_tail; /* run (or cancelled), for the connection's thread */
	int running;
	bool ready;                     /* on the pool's ready list */
	struct ioq *next_ready;
	int efd;                        /* readable when done is not empty */
};

struct iopool {
	pthread_mutex_t mu;
	pthread_cond_t work, idle;
	struct ioq *ready_head, *ready_tail;
	int nthreads;
};

/* n workers (1..IOPOOL_THREADS_MAX). 0 or -errno. */
int iopool_start(struct iopool *p, int n);

/* A connection's queue: 0, or -errno (no eventfd). */
int ioq_init(struct ioq *q);

/* j into q, run on a worker in its turn. */
void iopool_submit(struct iopool *p, struct ioq *q, struct iojob *j);

/* Takes q's done list, oldest first (NULL: none); clears the eventfd. */
struct iojob *ioq_take_done(struct iopool *p, struct ioq *q);

/* Waits until q has nothing waiting or running (its jobs then in done);
 * with cancel, the waiting ones are not run but moved to done with
 * cancelled set. */
void ioq_quiesce(struct iopool *p, struct ioq *q, bool cancel);

/* Jobs of q not yet taken back (waiting, running or done). */
int ioq_busy(struct iopool *p, struct ioq *q);

/* After ioq_quiesce and ioq_take_done: closes the eventfd. */
void ioq_destroy(struct ioq *q);

#endif
