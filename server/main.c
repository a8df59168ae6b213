/* netrootd: the boot server for netroot's boards. main() reads as its
 * start-up sequence:
 *
 *   0. a subcommand (client, image, status) runs instead of the daemon;
 *   1. the command line;
 *   2. the configuration (netrootd.conf + clients.d), every error with
 *      file and line; --check stops here and prints what would be served;
 *   3. the lease table from the state directory (journal replayed);
 *   4. one socket per served interface (never all interfaces), and an
 *      ARP socket beside it when addresses are probed before offering;
 *      TFTP's port 69 there and its root directory when [tftp] has one;
 *      the iSCSI target's port and every client's disk image;
 *      the fleet view: a report socket on each served interface, the
 *      table of the last boots, STATE/netrootd.pid;
 *   5. privileges dropped to the configured user;
 *   6. the loop (loop.c) until SIGTERM; SIGHUP reloads the configuration
 *      and keeps every lease. */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf_load.h"
#include "dhcpd_net.h"
#include "iscsid.h"
#include "log.h"
#include "loop.h"
#include "provision.h"
#include "status_cmd.h"

#define DEFAULT_CONF "/etc/netroot/netrootd.conf"

static int usage(void)
{
	fprintf(stderr, "usage: netrootd [-c FILE] [-n|--check] [-v]\n"
		"  -c FILE      the configuration (default " DEFAULT_CONF ")\n"
		"  -n, --check  check the configuration and the client files, print what would be\n"
		"               served, and exit (0: valid)\n"
		"  -v           debug lines too\n"
		"       netrootd [-c FILE] status [--json] [NAME]   every board's last boot, stage by stage\n"
		"       netrootd client|image ...   provision boards (netrootd client add; docs/netrootd.md)\n");
	return 2;
}

static void print_plan(const struct nrd_conf *c, const struct nrd_client *cl, int n)
{
	static const char *const modes[] = { "off", "full", "proxy" };
	char a[IN4_STRLEN], b[IN4_STRLEN];

	printf("netrootd: configuration valid\n");
	printf("interfaces:");
	for (int i = 0; i < c->nifaces; i++)
		printf(" %s", c->ifaces[i]);
	printf("\nDHCP: %s%s", modes[c->dhcp_mode], c->rapid_commit ? ", rapid commit" : "");
	if (c->arp_probe_ms)
		printf(", new addresses ARP-probed for %u ms before they are offered", c->arp_probe_ms);
	printf("\n");
	for (int i = 0; i < c->npools; i++)
		printf("pool %s%s: %s - %s, lease %u s\n", c->pools[i].name, c->pools[i].relayed ? " (relayed)" : "",
		       in4_str(c->pools[i].start, a),
		       in4_str(c->pools[i].end, b), c->pools[i].p.lease_secs ? c->pools[i].p.lease_secs : c->dhcp.lease_secs);
	if (c->tftp.root[0])
		printf("TFTP: %s%s%s%s, at most %u transfers\n", c->tftp.root, c->tftp.single_port ? ", single port" : "",
		       c->tftp.unique_root == TFTP_UR_MAC ? ", a directory per MAC" :
		       c->tftp.unique_root == TFTP_UR_IP ? ", a directory per IP" : "",
		       c->tftp.fallback ? ", missing files from the top" : "", c->tftp.max_sessions);
	printf("Raspberry Pi menu: \"%s\"%s\n", c->boot.pi_menu,
	       c->boot.pi_reply_delay_ms ? " (Pi 3 ROM answered after a delay)" : "");
	printf("%d board%s:\n", n, n == 1 ? "" : "s");
	for (int i = 0; i < n; i++) {
		const uint8_t *m = cl[i].mac;

		printf("  %-20s", cl[i].name);
		if (cl[i].has_mac)
			printf(" mac %02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
		if (cl[i].has_serial)
			printf(" serial %08x", cl[i].serial);
		if (cl[i].address)
			printf(" address %s", in4_str(cl[i].address, a));
		if (cl[i].p.root_path[0])
			printf(" root-path %s", cl[i].p.root_path);
		if (cl[i].iscsi_image[0])
			printf(" iscsi %s (%s, initiator %s%s)", cl[i].iscsi_target, cl[i].iscsi_image, cl[i].iscsi_initiator,
			       cl[i].iscsi_readonly ? ", read-only" : "");
		printf("\n");
	}
}

static int drop_privileges(const char *user)
{
	struct passwd *pw;

	if (!user[0])
		return 0;
	pw = getpwnam(user);
	if (!pw) {
		log_err("user %s (from [netrootd] user) does not exist", user);
		return -ENOENT;
	}
	if (setgroups(0, NULL) != 0 || setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0) {
		log_err("cannot become user %s: %s", user, strerror(errno));
		return -errno;
	}
	return 0;
}

/* netrootd -c FILE client|image ...: the subcommand's own -c, first (a -c
 * after the subcommand still wins). */
static int provision_with_conf(const char *path, int argc, char **argv)
{
	static char c[] = "-c", conf[PATH_LEN];
	char *a[72];
	int n = 0;

	snprintf(conf, sizeof(conf), "%s", path);
	a[n++] = argv[0];
	a[n++] = c;
	a[n++] = conf;
	for (int k = 1; k < argc && n < 71; k++)
		a[n++] = argv[k];
	a[n] = NULL;
	return provision_main(n, a);
}

int main(int argc, char **argv)
{
	static struct loop L;
	static struct iscsid iscsi;
	const char *path = DEFAULT_CONF;
	struct conf_error err;
	bool check = false, verbose = false;
	char msg[320];
	int r;

	/* 0. the subcommands: each its own file's *_main(argc, argv) */
	if (argc > 1 && !strcmp(argv[1], "status"))
		return status_main(argc - 1, argv + 1);
	if (argc > 1 && (!strcmp(argv[1], "client") || !strcmp(argv[1], "image")))
		return provision_main(argc - 1, argv + 1);

	/* 1. the command line */
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-c") && i + 1 < argc)
			path = argv[++i];
		else if (!strcmp(argv[i], "-n") || !strcmp(argv[i], "--check"))
			check = true;
		else if (!strcmp(argv[i], "-v"))
			verbose = true;
		else if (!strcmp(argv[i], "status"))    /* netrootd -c FILE status ... */
			return status_run_args(path, argc - i, argv + i);
		else if (!strcmp(argv[i], "client") || !strcmp(argv[i], "image"))   /* netrootd -c FILE client ... */
			return provision_with_conf(path, argc - i, argv + i);
		else
			return usage();
	}
	log_setup(LOG_TO_STDERR, verbose, 0);

	/* 2. the configuration */
	L.conf_path = path;
	if (nrd_load(path, &L.conf, &L.clients, &L.nclients, &err) < 0) {
		log_err("%s%s%.0d: %s", err.file, err.line ? ":" : "", err.line, err.msg);
		return 1;
	}
	if (check) {
		print_plan(&L.conf, L.clients, L.nclients);
		return 0;
	}

	/* 3. the leases */
	r = lease_open(&L.leases, L.conf.state_dir, false, msg, sizeof(msg));
	if (msg[0])
		log_warn("leases: %s", msg);
	if (r < 0)
		return 1;
	log_info("leases: %llu from %s/leases.journal", (unsigned long long)L.leases.nlive, L.conf.state_dir);

	/* 4. the sockets: DHCP on each served interface, and ARP there when
	 *    new addresses are probed before they are offered */
	for (int i = 0; i < L.conf.nifaces; i++) {
		L.arps[i].fd = -1;
		if (dhcpd_net_open(&L.socks[i], L.conf.ifaces[i], L.conf.dhcp_mode != DHCP_MODE_OFF, msg, sizeof(msg)) < 0 ||
		    (L.conf.arp_probe_ms && arp_open(&L.arps[i], L.conf.ifaces[i], msg, sizeof(msg)) < 0)) {
			log_err("%s", msg);
			return 1;
		}
		L.nsocks++;
	}
	if (L.conf.tftp.root[0]) {
		in4_t addrs[NRD_MAX_IFACES];

		for (int i = 0; i < L.nsocks; i++)
			addrs[i] = L.socks[i].addr;
		if (tftpd_open(&L.tftp, &L.conf.tftp, L.conf.ifaces, addrs, L.nsocks, -1, msg, sizeof(msg)) < 0) {
			log_err("%s", msg);
			return 1;
		}
		L.tftp_on = true;
	}
	{
		in4_t addrs[NRD_MAX_IFACES];

		for (int i = 0; i < L.nsocks; i++)
			addrs[i] = L.socks[i].addr;
		iscsi.require_digests = L.conf.iscsi_require_digests;
		iscsi.io_threads = L.conf.iscsi_io_threads;
		if (iscsid_open(&iscsi, L.conf.iscsi_port, L.clients, L.nclients, addrs, L.nsocks, msg, sizeof(msg)) < 0) {
			log_err("%s", msg);
			return 1;
		}
	}

	L.iscsi = &iscsi;

	/* 4b. the fleet view: a socket for the boards' reports on each
	 *     interface, the iSCSI target's logins, and the pid file that
	 *     `netrootd status` and the provisioning command look for */
	if (loop_status_open(&L, msg, sizeof(msg)) < 0) {
		log_err("%s", msg);
		return 1;
	}
	iscsi.on_login = loop_iscsi_login;
	iscsi.ev_ctx = &L;
	if ((r = status_pid_write(L.conf.state_dir)) < 0)
		log_warn("cannot write %s/%s: %s", L.conf.state_dir, STATUS_PID_FILE, strerror(-r));

	/* 5. privileges */
	if (drop_privileges(L.conf.user) < 0)
		return 1;

	/* 6. serve: the iSCSI target's threads, then the loop. The signals
	 *    the loop reads (signalfd) are blocked first, so that no thread
	 *    started here can take one (a SIGHUP would end the process). */
	{
		sigset_t set;

		sigemptyset(&set);
		sigaddset(&set, SIGTERM);
		sigaddset(&set, SIGINT);
		sigaddset(&set, SIGHUP);
		sigprocmask(SIG_BLOCK, &set, NULL);
	}
	if (iscsid_start(&iscsi) < 0) {
		log_err("iSCSI: cannot start its threads");
		return 1;
	}
	if (iscsi.nt) {
		log_info("serving iSCSI on port %u: %d target%s", iscsi.port, iscsi.nt, iscsi.nt == 1 ? "" : "s");
	}
	return loop_run(&L);
}
