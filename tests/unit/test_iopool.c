/* netrootd's I/O workers (server/iopool.c): every job runs once and comes
 * back on its own queue's done list with the eventfd signalled; one
 * queue's long backlog does not hold up another queue's job (round robin);
 * quiescing waits for running jobs and, asked to, cancels waiting ones. */
#include "check.h"
#include "iopool.h"

#include <poll.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

struct tj {
	struct iojob base;
	int q, n, ran, sleep_ms;
	int seq;                        /* the order jobs started in, all queues */
};

static atomic_int started;

static void run(struct iojob *j)
{
	struct tj *t = (struct tj *)j;

	t->seq = atomic_fetch_add(&started, 1);
	t->ran++;
	if (t->sleep_ms) {
		struct timespec ts = { 0, t->sleep_ms * 1000000L };

		nanosleep(&ts, NULL);
	}
}

/* Takes done jobs from q until n have come back (5 s at most). */
static int collect(struct iopool *p, struct ioq *q, int n, struct tj **out)
{
	int got = 0;
	struct pollfd pf = { .fd = q->efd, .events = POLLIN };

	for (int waited = 0; got < n && waited < 5000; waited += 10) {
		if (poll(&pf, 1, 10) > 0)
			for (struct iojob *j = ioq_take_done(p, q); j; j = j->next)
				out[got++] = (struct tj *)j;
	}
	return got;
}

int main(void)
{
	static struct iopool p4, p1;
	static struct ioq q[3];
	static struct tj jobs[3][200];
	static struct tj *back[600];
	int once = 1, n;

	CHECK(iopool_start(&p4, 4) == 0, "4 workers");
	CHECK(iopool_start(&p1, 1) == 0, "1 worker");
	CHECK(iopool_start(&p1, 0) < 0, "0 workers: refused");
	for (int i = 0; i < 3; i++)
		CHECK(ioq_init(&q[i]) == 0, "queue %d", i);

	/* 3 queues x 200 jobs on 4 workers */
	for (int k = 0; k < 200; k++)
		for (int i = 0; i < 3; i++) {
			jobs[i][k].base.run = run;
			jobs[i][k].q = i;
			iopool_submit(&p4, &q[i], &jobs[i][k].base);
		}
	for (int i = 0; i < 3; i++) {
		n = collect(&p4, &q[i], 200, back);
		CHECK_INT(n, 200, "queue %d: its 200 jobs came back to it", i);
		for (int k = 0; k < n; k++)
			once &= back[k]->q == i;
	}
	for (int i = 0; i < 3; i++)
		for (int k = 0; k < 200; k++)
			once &= jobs[i][k].ran == 1;
	CHECK(once, "every job ran exactly once, and came back on its own queue");
	CHECK_INT(ioq_busy(&p4, &q[0]), 0, "nothing left on queue 0");

	/* round robin: queue 0 has 20 jobs of 5 ms waiting on 1 worker; queue
	 * 1's one job, submitted after, runs within the first two */
	atomic_store(&started, 0);
	for (int k = 0; k < 20; k++) {
		jobs[0][k] = (struct tj){ .base.run = run, .q = 0, .sleep_ms = 5 };
		iopool_submit(&p1, &q[0], &jobs[0][k].base);
	}
	jobs[1][0] = (struct tj){ .base.run = run, .q = 1 };
	iopool_submit(&p1, &q[1], &jobs[1][0].base);
	n = collect(&p1, &q[1], 1, back);
	CHECK(n == 1 && jobs[1][0].seq <= 2, "another queue's job is not held up by a backlog (started %dth of 21)",
	      jobs[1][0].seq + 1);
	ioq_quiesce(&p1, &q[0], false);
	n = collect(&p1, &q[0], 20, back);
	CHECK_INT(n, 20, "quiesce: all 20 of the backlog ran and came back");

	/* quiesce with cancel: the waiting ones never run */
	for (int k = 0; k < 50; k++) {
		jobs[2][k] = (struct tj){ .base.run = run, .q = 2, .sleep_ms = 2 };
		iopool_submit(&p1, &q[2], &jobs[2][k].base);
	}
	usleep(5000);
	ioq_quiesce(&p1, &q[2], true);
	{
		int ran = 0, cancelled = 0, both = 0;

		n = 0;
		for (struct iojob *j = ioq_take_done(&p1, &q[2]); j; j = j->next) {
			struct tj *t = (struct tj *)j;

			n++;
			ran += t->ran;
			cancelled += j->cancelled;
			both += t->ran && j->cancelled;
		}
		CHECK(n == 50 && ran + cancelled == 50 && !both && cancelled > 0,
		      "cancel: %d ran, %d cancelled and never run, all 50 back", ran, cancelled);
	}
	CHECK_INT(ioq_busy(&p1, &q[2]), 0, "and nothing left running");
	for (int i = 0; i < 3; i++)
		ioq_destroy(&q[i]);
	return check_done();
}
