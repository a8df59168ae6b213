/* netroot-init: /init of a netroot initramfs.
 *
 * As PID 1 it boots: pseudo-filesystems, the kernel command line, modules,
 * the network, the root, switch_root. Run as an ordinary command it explains
 * what it would do:  netroot-init --explain [CMDLINE] [--json]  */
#include "init.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "nbd_netlink.h"
#include "rootstore.h"

static struct boot_config cfg;
static struct boot_plan plan;
static struct net_result net;

static void report_diagnostics(void)
{
	int i;

	for (i = 0; i < plan.ndiag; i++) {
		if (plan.diag[i].level == DIAG_ERROR)
			log_err("cmdline: %s", plan.diag[i].msg);
		else if (plan.diag[i].level == DIAG_WARN)
			log_warn("cmdline: %s", plan.diag[i].msg);
		else
			log_info("cmdline: %s", plan.diag[i].msg);
	}
	if (cfg.ndiag_dropped)
		log_warn("cmdline: %d more diagnostics not shown", cfg.ndiag_dropped);
}

/* The root-storage daemon of an earlier attempt, if one is serving. */
static pid_t rootstore_pid;

static bool rootstore_alive(void)
{
	return rootstore_pid > 0 && waitpid(rootstore_pid, NULL, WNOHANG) == 0 &&
	       access("/sys/block/nbd0/pid", F_OK) == 0;
}

static int attach_root(void)
{
	struct stat a, b;
	int r;

	/* A retry after a rescue shell: the earlier attempt may have mounted
	 * the root already. */
	if (stat("/", &a) == 0 && stat(NEWROOT, &b) == 0 && a.st_dev != b.st_dev) {
		log_info("mount: %s is still mounted from the last attempt; unmounting it", NEWROOT);
		if (umount2(NEWROOT, 0) != 0)
			umount2(NEWROOT, MNT_DETACH);
	}
	if (plan.root_kind == ROOT_NFS)
		return nfsroot_mount(&cfg, &plan, &net, NEWROOT);
	if (cfg.iscsi.any || plan.root_kind == ROOT_ISCSI) {
		if (rootstore_alive()) {
			/* Never attach again under a live daemon: that would
			 * clear /dev/nbd0 while it serves it. */
			log_info("iscsi: reusing the root-storage daemon (pid %d) already serving /dev/nbd0",
				 (int)rootstore_pid);
		} else {
			/* Left connected by an attempt whose daemon is gone:
			 * free it, or the attach would find it busy. */
			if (access("/sys/block/nbd0/pid", F_OK) == 0) {
				log_warn("iscsi: /dev/nbd0 is still connected but no daemon serves it; disconnecting it");
				nbd_nl_disconnect(0);
			}
			r = iscsi_attach(&cfg, "/dev/nbd0", true, &rootstore_pid);
			if (r < 0)
				return r;
		}
		iscsi_mark_interface(net.device);
		return blockroot_mount(&cfg, &plan, "/dev/nbd0");
	}
	return blockroot_mount(&cfg, &plan, NULL);
}

/* One boot attempt. Returns only on failure (failure is filled in). */
static int boot(void)
{
	static char text[CMDLINE_MAX_LEN + 1];
	char init[PATH_LEN];
	char *argv[INIT_MAX_ARGS + 2];
	int len, r, i;

	phase_begin("early");
	r = early_mounts();
	if (r < 0)
		return r;
	console_setup();
	len = read_cmdline(text, sizeof(text));
	if (len < 0)
		return len;
	if (cmdline_parse(text, (size_t)len, &cfg) == -E2BIG)
		return fail(E2BIG, "shorten cmdline.txt", "the kernel command line is longer than %d bytes",
			    CMDLINE_MAX_LEN);
	log_setup(LOG_TO_CONSOLE | LOG_TO_KMSG, cfg.debug, cfg.quiet);
	log_info("netroot-init starting as PID 1");
	r = bootplan_build(&cfg, &plan);
	report_diagnostics();
	if (r < 0)
		return fail(EINVAL, "fix the arguments named above in cmdline.txt; "
			    "`netroot-init --explain \"<cmdline>\"` checks a line before you reboot",
			    "the kernel command line cannot be used as it is");
	phase_end();

	phase_begin("modules");
	r = modules_load(MODULE_LIST, cfg.nr.modules);
	if (r < 0)
		return r;
	phase_end();

	if (plan.net != NET_NONE) {
		static const struct net_opts opts = { "/run", true };

		r = network_setup(&cfg, &plan, &opts, &net);
		if (r < 0)
			return r;
		report_start(&cfg, &plan, &net);   /* the phases so far to the server, then one per phase */
	}

	phase_begin("mount");
	r = attach_root();
	if (r < 0)
		return r;
	phase_end();

	phase_begin("switch_root");
	r = find_init(NEWROOT, plan.init, init, sizeof(init));
	if (r < 0)
		return r;
	argv[0] = init;
	for (i = 0; i < cfg.init_argc && i < INIT_MAX_ARGS; i++)
		argv[i + 1] = cfg.init_argv[i];
	argv[i + 1] = NULL;
	if (cfg.nr.dry_run) {
		phase_end();
		phase_summary();
		return fail(ECANCELED, "remove netroot.dry_run to boot", "netroot.dry_run: stopping before switch_root to %s",
			    init);
	}
	report_up();            /* sent as switch_root's phase ends, just before the real init */
	net_close();
	return switch_root(NEWROOT, init, argv);
}

/* The kernel hands every unknown KEY=value of its command line to init as
 * an environment variable: ISCSI_PASSWORD=... would reach the real init and
 * everything it starts. The command line is read from /proc/cmdline, so
 * these copies are of no use here: gone. */
static void scrub_secrets_from_environment(void)
{
	extern char **environ;
	char name[64];
	size_t i = 0;

	while (environ && environ[i]) {
		const char *eq = strchr(environ[i], '=');
		size_t n = eq ? (size_t)(eq - environ[i]) : strlen(environ[i]);

		const char *pw = strcasestr(environ[i], "password");
		const char *val = eq ? eq + 1 : "";

		/* A name with "password" in it, or a value with iSCSI
		 * credentials in it (a dracut-style netroot=iscsi:user:pass@...). */
		if (n < sizeof(name) && ((pw && (size_t)(pw - environ[i]) < n) ||
					 (!strncasecmp(val, "iscsi:", 6) && strchr(val, '@')))) {
			memcpy(name, environ[i], n);
			name[n] = 0;
			unsetenv(name);     /* shifts the rest down: look at i again */
			continue;
		}
		i++;
	}
}

static int usage(void)
{
	fprintf(stderr,
		"usage: netroot-init --explain [CMDLINE] [--json]\n"
		"       netroot-init --network CMDLINE [--run-dir DIR]\n"
		"       netroot-init --attach-iscsi CMDLINE [--secrets FILE|-]\n"
		"  Prints the boot plan netroot-init would follow for CMDLINE (default:\n"
		"  /proc/cmdline): interface and addressing, root, server, path or target,\n"
		"  mount options, fsck policy, init, and warnings about the arguments.\n"
		"  --network runs only the network step of that plan (ip=, BOOTIF=, timeouts)\n"
		"  in the current network namespace, as a test or to try DHCP on a machine.\n"
		"  --attach-iscsi logs in to the iSCSI target the line names and serves the LUN\n"
		"  as the next free /dev/nbdN (the same root-storage daemon a boot starts);\n"
		"  CHAP passwords come from FILE or standard input (ISCSI_PASSWORD=... lines,\n"
		"  as in /etc/iscsi/iscsi.initramfs), never from the command line.\n"
		"  As PID 1 (the initramfs /init) it boots that plan.\n");
	return 2;
}

int main(int argc, char **argv)
{
	/* The '@' daemon, re-executed by rootstore_start(). Never PID 1: the
	 * kernel hands unknown command-line words to init as arguments, and a
	 * stray "--rootstore" there must not stop the boot. */
	if (getpid() != 1 && argc >= 2 && argv[0][0] == '@' && !strcmp(argv[1], "--rootstore"))
		return rootstore_main(argc, argv);
	if (getpid() != 1 && argc >= 2 && argv[0][0] == '@' && !strcmp(argv[1], "--rootstore-standby"))
		return rootstore_standby_main(argc, argv);
	if (getpid() != 1) {
		if (argc >= 2 && !strcmp(argv[1], "--explain"))
			return explain_main(argc - 2, argv + 2);
		if (argc >= 2 && !strcmp(argv[1], "--network"))
			return network_main(argc - 2, argv + 2);
		if (argc >= 2 && !strcmp(argv[1], "--attach-iscsi"))
			return attach_main(argc - 2, argv + 2);
		return usage();
	}

	/* PID 1 from here on: never exit. */
	scrub_secrets_from_environment();
	signal(SIGPIPE, SIG_IGN);
	log_setup(LOG_TO_CONSOLE | LOG_TO_KMSG, 0, 0);
	for (;;) {
		cmdline_defaults(&cfg);
		phase_reset();
		boot();
		report_failed();
		rescue(&cfg);
		log_info("retrying the boot");
	}
}
