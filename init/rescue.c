/* What PID 1 does when the boot cannot go on. It never exits (the kernel
 * would panic with a message nobody can act on) and never hangs silently:
 * it says what failed and what to check, then opens a shell if the image
 * has one (netroot.rescue=shell, the default when /bin/sh exists), or
 * reboots after panic=N seconds, or waits — repeating the message every
 * minute so a console opened later still shows it. */
#include "init.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/reboot.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define SHELL "/bin/sh"

static void say_failure(void)
{
	log_err("FAILED: %s", failure.what[0] ? failure.what : "the boot could not complete");
	if (failure.check[0])
		log_err("check: %s", failure.check);
}

static void do_reboot(void)
{
	sync();
	reboot(RB_AUTOBOOT);
	/* Only fails without CAP_SYS_BOOT; fall through to waiting. */
}

static void run_shell(void)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return;
	if (pid == 0) {
		char *const argv[] = { "sh", "-i", NULL };

		setsid();
		execv(SHELL, argv);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
}

void rescue(const struct boot_config *cfg)
{
	int action = cfg ? cfg->nr.rescue : RESCUE_DEFAULT;
	bool has_shell = access(SHELL, X_OK) == 0;

	say_failure();
	if (failure.final) {
		/* The initramfs is gone and the real root is mounted, served
		 * by its daemon: another attempt would tear down the root it
		 * runs on. Say so, then reboot or wait as panic= says. */
		log_err("the initramfs is already deleted: the boot cannot be tried again");
		has_shell = false;
		action = RESCUE_REBOOT;
	}
	if (action == RESCUE_DEFAULT)
		action = has_shell && !(cfg && cfg->has_panic && cfg->panic != 0) ? RESCUE_SHELL : RESCUE_REBOOT;

	if (action == RESCUE_SHELL && has_shell) {
		log_err("starting a shell on the console; leave it to try the boot again");
		run_shell();
		return;             /* main() retries the boot */
	}
	if (action == RESCUE_SHELL)
		log_err("netroot.rescue=shell, but the initramfs has no %s", SHELL);

	if (action == RESCUE_REBOOT && cfg && cfg->has_panic && cfg->panic != 0) {
		if (cfg->panic > 0) {
			log_err("rebooting in %d s (panic=%d)", cfg->panic, cfg->panic);
			sleep_s(cfg->panic);
		} else {
			log_err("rebooting now (panic=%d)", cfg->panic);
		}
		do_reboot();
	} else if (action == RESCUE_REBOOT) {
		log_err("no panic=N on the command line: waiting. Fix the problem and power-cycle, "
			"or add panic=10 to reboot automatically");
	}
	for (;;) {          /* halt: wait, and keep saying why */
		sleep_s(60);
		say_failure();
	}
}
