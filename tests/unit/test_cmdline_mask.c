/* Unit tests for cmdline_mask() and cmdline_secret_key() (lib/cmdline.c):
 * the command line as --explain echoes it, with every secret replaced by
 * CMDLINE_MASK — split into words exactly as cmdline_parse() splits them, so
 * a quoted password is hidden whole — and the parser's diagnostics, which
 * must never quote a credential either. */
#include <string.h>

#include "check.h"
#include "cmdline.h"

static char out[CMDLINE_MASKED_MAX];

static const char *mask(const char *s)
{
	size_t n = cmdline_mask(s, strlen(s), out, sizeof(out));

	CHECK(n == strlen(out), "length returned for '%s'", s);
	return out;
}

static void same(const char *in, const char *want, const char *what)
{
	CHECK_STR(mask(in), want, "%s", what);
}

static void test_keys(void)
{
	static const struct { const char *key; size_t len; bool secret; const char *what; } t[] = {
		{ "ISCSI_PASSWORD", 14, true, "ISCSI_PASSWORD" },
		{ "iscsi_in_password", 17, true, "iscsi_in_password" },
		{ "ISCSI_IN_PASSWORD", 17, true, "ISCSI_IN_PASSWORD" },
		{ "rd.iscsi.password", 17, true, "dracut's rd.iscsi.password" },
		{ "Iscsi_Password", 14, true, "any case" },
		{ "ISCSI_USERNAME", 14, false, "a user name is not a secret" },
		{ "passwords", 9, false, "only a key ending in password" },
		{ "ISCSI_PASSWORD", 5, false, "the length is the key's" },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		CHECK(cmdline_secret_key(t[i].key, t[i].len) == t[i].secret, "%s", t[i].what);
}

static void test_values(void)
{
	same("root=UUID=1 ISCSI_PASSWORD=hunter2 rw", "root=UUID=1 ISCSI_PASSWORD=******** rw", "plain value");
	same("iscsi_password=hunter2", "iscsi_password=********", "lowercase, last word");
	same("ISCSI_PASSWORD=\"a b c\" rw", "ISCSI_PASSWORD=\"********\" rw", "quoted value, hidden whole");
	same("\"iscsi_in_password=a b\" rw", "\"iscsi_in_password=********\" rw", "quoted word, hidden whole");
	same("iscsi_password=x\"q r\"y rw", "iscsi_password=******** rw", "quotes inside the value");
	same("ISCSI_IN_PASSWORD=\"unterminated rw ro", "ISCSI_IN_PASSWORD=\"********\"",
	     "an open quote runs to the end, as in the parser (and is closed)");
	same("ISCSI_PASSWORD=\"v\"w rw", "ISCSI_PASSWORD=\"********\" rw", "quotes stay balanced");
	same("a\"bPASSWORD=x c\" rw", "a\"bPASSWORD=********\" rw", "a quote in the key: balanced");
	same("root=iscsi:u:\"p q@h::::t\" rw", "root=iscsi:********\"@h::::t\" rw",
	     "RFC 4173: the mask stands for a hidden quote, so the words stay the same");
	same("ISCSI_PASSWORD= rw", "ISCSI_PASSWORD= rw", "an empty value has nothing to hide");
	same("ISCSI_PASSWORD rw", "ISCSI_PASSWORD rw", "a flag has nothing to hide");
	same("a=\"b c\" ISCSI_PASSWORD=d", "a=\"b c\" ISCSI_PASSWORD=********", "words split like the parser");
	same("a  b\tc\n", "a  b\tc\n", "separators kept");
	same("init=/bin/sh -- x ISCSI_PASSWORD=y", "init=/bin/sh -- x ISCSI_PASSWORD=********",
	     "arguments for init too");
	same("rd.iscsi.password=x", "rd.iscsi.password=********", "dracut's key");
}

static void test_rfc4173(void)
{
	same("root=iscsi:u:p@10.0.0.1::3260:1:iqn.x:y rw", "root=iscsi:********@10.0.0.1::3260:1:iqn.x:y rw",
	     "user:password");
	same("root=iscsi:u:p:iu:ip@10.0.0.1::::iqn.x", "root=iscsi:********@10.0.0.1::::iqn.x",
	     "mutual CHAP: in-user:in-password too");
	same("root=iscsi:u:p@ss@10.0.0.1::::iqn.x", "root=iscsi:********@10.0.0.1::::iqn.x",
	     "a password with '@': up to the last one, as the parser reads it");
	same("root=\"iscsi:u:p q@h::::t\"", "root=\"iscsi:********@h::::t\"", "quoted value");
	same("\"root=iscsi:u:p q@h::::t\" rw", "\"root=iscsi:********@h::::t\" rw", "quoted word");
	same("root=iscsi:u:p:x@h::::t", "root=iscsi:********@h::::t", "malformed credentials hidden too");
	same("root=ISCSI:u:p@h::::t", "root=ISCSI:********@h::::t", "any case of the prefix");
	same("netroot=iscsi:u:p@h::::t", "netroot=iscsi:********@h::::t", "dracut's netroot=");
	same("root=iscsi:@h::::t", "root=iscsi:@h::::t", "no credentials");
	same("root=iscsi:h::3260::t", "root=iscsi:h::3260::t", "no '@'");
	same("root=x:u:p@h", "root=********@h", "an unknown root= with '@': all before it");
	same("root=/dev/nfs nfsroot=10.0.0.1:/x", "root=/dev/nfs nfsroot=10.0.0.1:/x", "nothing secret");
}

static void test_bounds(void)
{
	static char line[CMDLINE_MAX_LEN + 1];
	char small[20];
	size_t n, i;

	n = cmdline_mask("ISCSI_PASSWORD=secretvalue", 26, small, sizeof(small));
	CHECK(n < sizeof(small) && n == strlen(small) && !strstr(small, "secret"),
	      "cut short: no part of the secret (\"%s\")", small);
	n = cmdline_mask("root=iscsi:user:secretvalue@h::::t", 34, small, sizeof(small));
	CHECK(n < sizeof(small) && !strstr(small, "secret") && !strstr(small, "user"),
	      "cut short, RFC 4173 (\"%s\")", small);
	CHECK_INT(cmdline_mask("abc", 3, small, 0), 0, "no room at all");

	/* The worst case: the shortest secret words, back to back. */
	for (i = 0; i + 11 <= CMDLINE_MAX_LEN; i += 11)
		memcpy(line + i, "PASSWORD=a ", 11);
	line[i] = '\0';
	n = cmdline_mask(line, i, out, sizeof(out));
	CHECK(n == i / 11 * 18 && out[n - 2] == '*', "the longest output fits CMDLINE_MASKED_MAX (%zu)", n);
	CHECK(!strstr(out, "=a"), "every one masked");

	n = cmdline_mask("a\0ISCSI_PASSWORD=s", 18, out, sizeof(out));
	CHECK(n == 25 && out[1] == '\0' && !memcmp(out + 2, "ISCSI_PASSWORD=********", 23),
	      "a NUL separates words, as in the parser, and is kept for the caller to escape");
}

/* The parser's own messages quote values; never a credential. */
static void test_diagnostics(void)
{
	static struct boot_config cfg;
	char line[600];
	int i;
	bool leaked = false;

	memset(line, 0, sizeof(line));
	memcpy(line, "root=iscsi:", 11);
	memset(line + 11, 'W', 300);
	strcpy(line + 311, ":pw:XXXXXXXXXXXX:secret@10.0.0.1::::iqn.x:y");
	cmdline_parse(line, strlen(line), &cfg);
	for (i = 0; i < cfg.ndiag; i++)
		leaked = leaked || strstr(cfg.diag[i].msg, "WWWW") || strstr(cfg.diag[i].msg, "XXXX") ||
			 strstr(cfg.diag[i].msg, "secret");
	CHECK(cfg.ndiag > 0 && !leaked, "an over-long RFC 4173 user name is not quoted (%s)",
	      cfg.ndiag ? cfg.diag[0].msg : "no diagnostic");
	memset(line + 11, 'W', 10);
	memcpy(line + 21, ":pw:", 4);
	memset(line + 25, 'X', 300);
	strcpy(line + 325, ":secret@10.0.0.1::::iqn.x:y");
	cmdline_parse(line, strlen(line), &cfg);
	leaked = false;
	for (i = 0; i < cfg.ndiag; i++)
		leaked = leaked || strstr(cfg.diag[i].msg, "XXXX") || strstr(cfg.diag[i].msg, "secret");
	CHECK(cfg.ndiag > 0 && !leaked, "an over-long RFC 4173 in-user name is not quoted (%s)",
	      cfg.ndiag ? cfg.diag[0].msg : "no diagnostic");
}

int main(void)
{
	test_keys();
	test_values();
	test_rfc4173();
	test_bounds();
	test_diagnostics();
	return check_done();
}
