#include "iopool.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

static void ready_push(struct iopool *p, struct ioq *q)
{
	q->ready = true;
	q->next_ready = NULL;
	if (p->ready_tail)
		p->ready_tail->next_ready = q;
	else
		p->ready_head = q;
	p->ready_tail = q;
}

static void ready_remove(struct iopool *p, struct ioq *q)
{
	struct ioq **pp = &p->ready_head, *prev = NULL;

	while (*pp && *pp != q) {
		prev = *pp;
		pp = &(*pp)->next_ready;
	}
	if (!*pp)
		return;
	*pp = q->next_ready;
	if (p->ready_tail == q)
		p->ready_tail = prev;
	q->ready = false;
}

static void done_push(struct ioq *q, struct iojob *j)
{
	uint64_t one = 1;

	j->next = NULL;
	if (q->done_tail)
		q->done_tail->next = j;
	else
		q->done = j;
	q->done_tail = j;
	/* under the pool's lock: the queue cannot be destroyed meanwhile */
	(void)!write(q->efd, &one, sizeof(one));
}

static void *worker(void *arg)
{
	struct iopool *p = arg;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		struct ioq *q;
		struct iojob *j;

		while (!p->ready_head)
			pthread_cond_wait(&p->work, &p->mu);
		q = p->ready_head;
		p->ready_head = q->next_ready;
		if (!p->ready_head)
			p->ready_tail = NULL;
		q->ready = false;
		j = q->head;
		q->head = j->next;
		if (!q->head)
			q->tail = NULL;
		else
			ready_push(p, q);       /* its next job: after the others' (round robin) */
		q->running++;
		pthread_mutex_unlock(&p->mu);
		j->run(j);
		pthread_mutex_lock(&p->mu);
		q->running--;
		done_push(q, j);
		if (!q->running && !q->head)
			pthread_cond_broadcast(&p->idle);
	}
	return NULL;
}

int iopool_start(struct iopool *p, int n)
{
	memset(p, 0, sizeof(*p));
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->work, NULL);
	pthread_cond_init(&p->idle, NULL);
	if (n < 1 || n > IOPOOL_THREADS_MAX)
		return -EINVAL;
	for (int i = 0; i < n; i++) {
		pthread_t th;
		pthread_attr_t a;
		int r;

		pthread_attr_init(&a);
		pthread_attr_setstacksize(&a, 64 << 10);       /* a job is a call into the store */
		r = pthread_create(&th, &a, worker, p);
		pthread_attr_destroy(&a);
		if (r != 0)
			return -r;
		pthread_detach(th);
		p->nthreads++;
	}
	return 0;
}

int ioq_init(struct ioq *q)
{
	memset(q, 0, sizeof(*q));
	q->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	return q->efd < 0 ? -errno : 0;
}

void iopool_submit(struct iopool *p, struct ioq *q, struct iojob *j)
{
	j->next = NULL;
	j->cancelled = false;
	pthread_mutex_lock(&p->mu);
	if (q->tail)
		q->tail->next = j;
	else
		q->head = j;
	q->tail = j;
	if (!q->ready) {
		ready_push(p, q);
		pthread_cond_signal(&p->work);
	}
	pthread_mutex_unlock(&p->mu);
}

struct iojob *ioq_take_done(struct iopool *p, struct ioq *q)
{
	struct iojob *j;
	uint64_t n;

	pthread_mutex_lock(&p->mu);
	j = q->done;
	q->done = q->done_tail = NULL;
	(void)!read(q->efd, &n, sizeof(n));
	pthread_mutex_unlock(&p->mu);
	return j;
}

void ioq_quiesce(struct iopool *p, struct ioq *q, bool cancel)
{
	pthread_mutex_lock(&p->mu);
	if (cancel) {
		ready_remove(p, q);
		while (q->head) {
			struct iojob *j = q->head;

			q->head = j->next;
			j->cancelled = true;
			done_push(q, j);
		}
		q->tail = NULL;
	}
	while (q->running || q->head)
		pthread_cond_wait(&p->idle, &p->mu);
	pthread_mutex_unlock(&p->mu);
}

int ioq_busy(struct iopool *p, struct ioq *q)
{
	int n = 0;

	pthread_mutex_lock(&p->mu);
	for (struct iojob *j = q->head; j; j = j->next)
		n++;
	for (struct iojob *j = q->done; j; j = j->next)
		n++;
	n += q->running;
	pthread_mutex_unlock(&p->mu);
	return n;
}

void ioq_destroy(struct ioq *q)
{
	if (q->efd >= 0)
		close(q->efd);
	q->efd = -1;
}
