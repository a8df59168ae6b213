/* blkbench: read throughput and IOPS of a block device, with O_DIRECT.
 *
 *   blkbench [-s MIB] [-t SECONDS] [-q DEPTH] [-m seq|rand|both] DEVICE
 *
 * seq   reads the first MIB MiB (default 128, at most the device) in 1 MiB
 *       blocks, one at a time, and prints MB/s (10^6 bytes per second).
 * rand  reads 4 KiB blocks at random 4 KiB-aligned offsets over the whole
 *       device for SECONDS (default 10) and prints IOPS and the mean
 *       latency. DEPTH (default 1) threads each keep one read in flight,
 *       which is queue depth DEPTH for the device.
 *
 * O_DIRECT keeps the guest's page cache out of the numbers: every read goes
 * to the device's driver (the kernel's iSCSI initiator or the NBD client).
 * One line per measurement, "key=value" words, for scripts:
 *   blkbench: seq dev=/dev/nbd0 bytes=134217728 secs=2.345 MBps=57.2
 *   blkbench: rand dev=/dev/nbd0 qd=1 ios=12345 secs=10.001 iops=1234 lat_us=810
 * Exit status 0, or 1 with a message on stderr if a read fails. */
#include <errno.h>
#include <fcntl.h>
#include <sys/mount.h>   /* BLKGETSIZE64, without kernel headers */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define SEQ_BLOCK (1024 * 1024)
#define RAND_BLOCK 4096
#define MAX_DEPTH 64

static const char *dev;
static int fd;
static uint64_t dev_bytes;
static double rand_secs = 10;
static volatile int stop;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *aligned(size_t n)
{
	void *p = NULL;

	if (posix_memalign(&p, 4096, n) != 0) {
		fprintf(stderr, "blkbench: out of memory\n");
		exit(1);
	}
	memset(p, 0, n);
	return p;
}

static int seq(uint64_t want)
{
	char *buf = aligned(SEQ_BLOCK);
	uint64_t off = 0;
	double t0, t;

	if (want > dev_bytes)
		want = dev_bytes - dev_bytes % SEQ_BLOCK;
	t0 = now();
	while (off < want) {
		ssize_t n = pread(fd, buf, SEQ_BLOCK, (off_t)off);

		if (n <= 0) {
			fprintf(stderr, "blkbench: %s: read at %llu: %s\n", dev, (unsigned long long)off,
				n < 0 ? strerror(errno) : "end of device");
			free(buf);
			return -1;
		}
		off += (uint64_t)n;
	}
	t = now() - t0;
	printf("blkbench: seq dev=%s bytes=%llu secs=%.3f MBps=%.1f\n", dev, (unsigned long long)off, t,
	       (double)off / t / 1e6);
	free(buf);
	return 0;
}

struct worker {
	pthread_t th;
	uint64_t seed, ios;
	int err;
};

static void *rand_worker(void *arg)
{
	struct worker *w = arg;
	char *buf = aligned(RAND_BLOCK);
	uint64_t blocks = dev_bytes / RAND_BLOCK, x = w->seed;

	while (!stop) {
		/* xorshift64: cheap, and every thread walks its own sequence */
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		if (pread(fd, buf, RAND_BLOCK, (off_t)((x % blocks) * RAND_BLOCK)) != RAND_BLOCK) {
			w->err = errno ? errno : EIO;
			break;
		}
		w->ios++;
	}
	free(buf);
	return NULL;
}

static int rnd(int depth)
{
	struct worker w[MAX_DEPTH];
	uint64_t ios = 0;
	double t0, t;
	int i, err = 0;

	memset(w, 0, sizeof(w));
	stop = 0;
	t0 = now();
	for (i = 0; i < depth; i++) {
		w[i].seed = 0x9e3779b97f4a7c15ULL * (uint64_t)(i + 1);
		if (pthread_create(&w[i].th, NULL, rand_worker, &w[i]) != 0) {
			fprintf(stderr, "blkbench: cannot start thread %d\n", i);
			exit(1);
		}
	}
	while (now() - t0 < rand_secs)
		usleep(20000);
	stop = 1;
	for (i = 0; i < depth; i++) {
		pthread_join(w[i].th, NULL);
		ios += w[i].ios;
		if (w[i].err)
			err = w[i].err;
	}
	t = now() - t0;
	if (err) {
		fprintf(stderr, "blkbench: %s: random read failed: %s\n", dev, strerror(err));
		return -1;
	}
	printf("blkbench: rand dev=%s qd=%d ios=%llu secs=%.3f iops=%.0f lat_us=%.0f\n", dev, depth,
	       (unsigned long long)ios, t, (double)ios / t, ios ? t * 1e6 * depth / (double)ios : 0.0);
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: blkbench [-s MIB] [-t SECONDS] [-q DEPTH] [-m seq|rand|both] DEVICE\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *mode = "both";
	uint64_t mib = 128;
	int depth = 1, c, r = 0;
	struct stat st;

	while ((c = getopt(argc, argv, "s:t:q:m:")) != -1) {
		switch (c) {
		case 's': mib = strtoull(optarg, NULL, 10); break;
		case 't': rand_secs = strtod(optarg, NULL); break;
		case 'q': depth = atoi(optarg); break;
		case 'm': mode = optarg; break;
		default: usage();
		}
	}
	if (optind != argc - 1 || mib == 0 || rand_secs <= 0 || depth < 1 || depth > MAX_DEPTH)
		usage();
	if (strcmp(mode, "seq") && strcmp(mode, "rand") && strcmp(mode, "both"))
		usage();
	dev = argv[optind];
	fd = open(dev, O_RDONLY | O_DIRECT | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "blkbench: %s: %s\n", dev, strerror(errno));
		return 1;
	}
	/* A regular file works too (tests of the tool itself). */
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
		dev_bytes = (uint64_t)st.st_size;
	else if (ioctl(fd, BLKGETSIZE64, &dev_bytes) < 0)
		dev_bytes = 0;
	if (dev_bytes < SEQ_BLOCK) {
		fprintf(stderr, "blkbench: %s: not a block device (or file) of at least 1 MiB\n", dev);
		return 1;
	}
	if (strcmp(mode, "rand") != 0)
		r |= seq(mib * 1024 * 1024);
	if (r == 0 && strcmp(mode, "seq") != 0)
		r |= rnd(depth);
	close(fd);
	return r ? 1 : 0;
}
