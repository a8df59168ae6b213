/* libFuzzer target for the kernel command-line parser (lib/cmdline*.c).
 * The input is the raw command line, not NUL-terminated. Every invariant the
 * rest of netroot relies on is checked; a violation aborts. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cmdline.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct boot_config cfg, shown;
static char masked[CMDLINE_MASKED_MAX];

#define ARRAY_STR_OK(a) (memchr((a), '\0', sizeof(a)) != NULL)

static void need(int cond)
{
	if (!cond)
		abort();
}

static void check_printable(const char *s, size_t cap)
{
	size_t i;

	need(memchr(s, '\0', cap) != NULL);
	for (i = 0; s[i]; i++)
		need((unsigned char)s[i] >= 0x20 && (unsigned char)s[i] <= 0x7e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *end = cfg.storage + sizeof(cfg.storage);
	int i, rc;

	rc = cmdline_parse((const char *)data, size, &cfg);
	need(cfg.ndiag >= 0 && cfg.ndiag <= CMDLINE_MAX_DIAG && cfg.ndiag_dropped >= 0);
	for (i = 0; i < cfg.ndiag; i++) {
		need(cfg.diag[i].level >= DIAG_INFO && cfg.diag[i].level <= DIAG_ERROR);
		need(cfg.diag[i].msg[0] != '\0');
		check_printable(cfg.diag[i].msg, sizeof(cfg.diag[i].msg));
	}
	if (size > CMDLINE_MAX_LEN) {
		need(rc == -E2BIG);
		return 0;
	}
	need(rc == 0);

	need(cfg.nip >= 0 && cfg.nip <= IP_MAX_SPECS);
	need(!(cfg.ip_off && cfg.nip > 0));
	for (i = 0; i < cfg.nip; i++) {
		const struct ip_spec *s = &cfg.ip[i];

		need(s->arg && (!strcmp(s->arg, "ip") || !strcmp(s->arg, "nfsaddrs")));
		need(s->form >= IP_FORM_KERNEL && s->form <= IP_FORM_DRACUT);
		need(s->autoconf >= AUTOCONF_UNSET && s->autoconf <= AUTOCONF_DHCP6);
		need(ARRAY_STR_OK(s->hostname) && ARRAY_STR_OK(s->device) && ARRAY_STR_OK(s->client_id));
		need(!s->has_client_id || s->client_id[0] != '\0');
		need(s->mtu == 0 || (s->mtu >= 68 && s->mtu <= 65535));
		need(strlen(autoconf_name(s->autoconf)) > 0);
	}
	need(ARRAY_STR_OK(cfg.dhcpclass) && ARRAY_STR_OK(cfg.root) && ARRAY_STR_OK(cfg.nfs_path) &&
	     ARRAY_STR_OK(cfg.nfs_options) && ARRAY_STR_OK(cfg.rootfstype) && ARRAY_STR_OK(cfg.rootflags) &&
	     ARRAY_STR_OK(cfg.init) && ARRAY_STR_OK(cfg.nr.modules));
	need(cfg.root_kind >= ROOT_NONE && cfg.root_kind <= ROOT_NFS_DIRECT);
	need(strcmp(root_kind_name(cfg.root_kind), "?") != 0);
	need(cfg.root_kind != ROOT_NONE || cfg.root[0] == '\0');
	need(!cfg.has_nfsroot || cfg.root_kind != ROOT_NONE);
	need(cfg.ro >= -1 && cfg.ro <= 1);
	need(cfg.rootwait_secs >= -1 && cfg.rootdelay >= 0);
	need(cfg.fsck_mode <= FSCK_SKIP && cfg.fsck_repair <= FSCK_NO);
	need(cfg.nr.rescue >= RESCUE_DEFAULT && cfg.nr.rescue <= RESCUE_HALT);
	need(cfg.nr.device_timeout >= -1 && cfg.nr.device_timeout <= 3600);
	need(cfg.nr.carrier_timeout >= -1 && cfg.nr.carrier_timeout <= 3600);
	need(cfg.nr.dhcp_timeout >= -1 && cfg.nr.dhcp_timeout <= 3600);
	need(cfg.nr.mount_timeout >= -1 && cfg.nr.mount_timeout <= 3600);

	need(cfg.init_argc >= 0 && cfg.init_argc <= INIT_MAX_ARGS);
	need(cfg.init_argv[cfg.init_argc] == NULL);
	for (i = 0; i < cfg.init_argc; i++) {
		const char *a = cfg.init_argv[i];

		need(a >= cfg.storage && a < end);
		need(memchr(a, '\0', (size_t)(end - a)) != NULL);
	}

	need(cfg.iscsi.nportals >= 0 && cfg.iscsi.nportals <= ISCSI_MAX_PORTALS);
	need(cfg.iscsi.nportals == 0 || cfg.iscsi.any);
	for (i = 0; i < cfg.iscsi.nportals; i++) {
		need(ARRAY_STR_OK(cfg.iscsi.portal[i].host) && cfg.iscsi.portal[i].host[0] != '\0');
		need(cfg.iscsi.portal[i].port <= 65535);
	}
	need(ARRAY_STR_OK(cfg.iscsi.initiator) && ARRAY_STR_OK(cfg.iscsi.target) &&
	     ARRAY_STR_OK(cfg.iscsi.username) && ARRAY_STR_OK(cfg.iscsi.password) &&
	     ARRAY_STR_OK(cfg.iscsi.in_username) && ARRAY_STR_OK(cfg.iscsi.in_password));
	need(cfg.iscsi.group >= 0 && cfg.iscsi.group <= 65535 && cfg.iscsi.lun <= 65535);

	/* The line --explain shows: bounded, and read back by the parser it
	 * holds no password but the mask. */
	{
		size_t n = cmdline_mask((const char *)data, size, masked, sizeof(masked));

		need(n < sizeof(masked) && masked[n] == '\0');
		if (n <= CMDLINE_MAX_LEN) {
			need(cmdline_parse(masked, n, &shown) == 0);
			need(!shown.iscsi.password[0] || !strcmp(shown.iscsi.password, CMDLINE_MASK));
			need(!shown.iscsi.in_password[0] || !strcmp(shown.iscsi.in_password, CMDLINE_MASK));
		}
	}
	return 0;
}
