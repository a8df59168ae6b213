/* The security stage of netrootd's iSCSI logins (server/iscsi_chap.c):
 * CHAP value encodings, a whole CHAP exchange with responses computed
 * independently (Python's hashlib: MD5(id || secret || challenge)),
 * mutual CHAP, and every way an initiator can get it wrong: a wrong
 * secret or name, None where CHAP is required, another algorithm, keys out
 * of order, a reflected challenge, leaving the stage early. */
#include "check.h"
#include "iscsi_chap.h"

#include <stdlib.h>
#include <string.h>

static uint8_t kvbuf[4096];
static struct wbuf out;
static char why[512];

/* The keys as an initiator sends them ("k=v" NUL-separated) into n; this
 * PDU's answer in out. */
static int step(struct iscsi_nego *n, const struct iscsi_chap_acct *a, const char *keys, const uint8_t *rnd)
{
	uint8_t buf[4096];
	size_t len = 0;
	static const uint8_t zero[ISCSI_CHAP_RANDOM];

	for (const char *p = keys; *p; p += strlen(p) + 1) {
		memcpy(buf + len, p, strlen(p) + 1);
		len += strlen(p) + 1;
	}
	out = wb_init(kvbuf, sizeof(kvbuf));
	why[0] = '\0';
	n->ak.got = 0;
	if (iscsi_negotiate(n, buf, len, &out, why, sizeof(why)) < 0)
		return 99;
	return iscsi_auth_step(n, a, rnd ? rnd : zero, &out, why, sizeof(why));
}

/* The answer's pairs, ";"-joined. */
static const char *answer(void)
{
	static char s[4096];
	size_t o = 0;

	for (size_t i = 0; i < out.len && o < sizeof(s) - 1; i++)
		s[o++] = kvbuf[i] ? (char)kvbuf[i] : ';';
	s[o] = '\0';
	return s;
}

int main(void)
{
	uint8_t b[64], rnd[ISCSI_CHAP_RANDOM];
	struct iscsi_chap_acct acct = { "pi3-user", "pi3-secret-0123", "", "" };
	struct iscsi_chap_acct mutual = { "pi3-user", "pi3-secret-0123", "netroot-target", "target-secret-4567" };
	struct iscsi_nego n;

	for (int i = 0; i < ISCSI_CHAP_RANDOM; i++)
		rnd[i] = (uint8_t)(0x40 + i);

	/* encodings */
	CHECK_INT(iscsi_chap_decode("0x0102ff", b, sizeof(b)), 3, "hex");
	CHECK(b[0] == 1 && b[2] == 0xff, "hex bytes");
	CHECK_INT(iscsi_chap_decode("0X102", b, sizeof(b)), 2, "odd hex: the first byte has one digit");
	CHECK(b[0] == 1 && b[1] == 2, "odd hex bytes");
	CHECK_INT(iscsi_chap_decode("0b//4AAQ==", b, sizeof(b)), 4, "base64");
	CHECK(b[0] == 0xff && b[1] == 0xfe && b[2] == 0 && b[3] == 1, "base64 bytes");
	CHECK_INT(iscsi_chap_decode("0x0g", b, sizeof(b)), -1, "not hex");
	CHECK_INT(iscsi_chap_decode("1234", b, sizeof(b)), -1, "no prefix");
	CHECK_INT(iscsi_chap_decode("0x", b, sizeof(b)), -1, "empty");
	CHECK_INT(iscsi_chap_decode("0b//4A=AQ=", b, sizeof(b)), -1, "base64 with '=' inside");
	CHECK_INT(iscsi_chap_decode("0x010203", b, 2), -1, "longer than the room");

	/* no CHAP on the target: None */
	iscsi_nego_init(&n);
	CHECK_INT(step(&n, NULL, "AuthMethod=CHAP,None\0", NULL), ISCSI_AUTH_OK, "discovery: CHAP,None");
	CHECK_STR(answer(), "AuthMethod=None;", "answered None");
	CHECK_INT(iscsi_auth_may_leave(&n, NULL, why, sizeof(why)), 1, "and may leave the stage");
	iscsi_nego_init(&n);
	CHECK_INT(step(&n, NULL, "AuthMethod=CHAP\0", NULL), ISCSI_AUTH_FAIL, "CHAP only, on a target without it");
	CHECK_STR(answer(), "AuthMethod=Reject;", "answered Reject");
	iscsi_nego_init(&n);
	CHECK_INT(iscsi_auth_may_leave(&n, NULL, why, sizeof(why)), 1, "no AuthMethod at all: None implied");

	/* CHAP: the whole exchange */
	iscsi_nego_init(&n);
	CHECK_INT(step(&n, &acct, "InitiatorName=iqn.x:pi3\0AuthMethod=CHAP,None\0", NULL), ISCSI_AUTH_OK,
		  "AuthMethod=CHAP,None");
	CHECK_STR(answer(), "AuthMethod=CHAP;", "CHAP chosen over None");
	CHECK_INT(iscsi_auth_may_leave(&n, &acct, why, sizeof(why)), 0, "no leaving before the response");
	CHECK_INT(step(&n, &acct, "CHAP_A=7,5\0", rnd), ISCSI_AUTH_OK, "CHAP_A=7,5");
	CHECK_STR(answer(), "CHAP_A=5;CHAP_I=64;CHAP_C=0x4142434445464748494a4b4c4d4e4f50;",
		  "MD5 chosen, the id and challenge from the random bytes");
	CHECK_INT(step(&n, &acct, "CHAP_N=pi3-user\0CHAP_R=0x478f1a4a83bad1aad88a8e12dc869b5c\0", NULL), ISCSI_AUTH_OK,
		  "the right response (%s)", why);
	CHECK_STR(answer(), "", "nothing to answer (one-way)");
	CHECK_INT(iscsi_auth_may_leave(&n, &acct, why, sizeof(why)), 1, "the stage may end");
	CHECK_INT(step(&n, &acct, "CHAP_N=pi3-user\0", NULL), ISCSI_AUTH_BAD, "CHAP keys after the end");

	/* the same response as base64, upper-case hex */
	iscsi_nego_init(&n);
	step(&n, &acct, "AuthMethod=CHAP\0", NULL);
	step(&n, &acct, "CHAP_A=5\0", rnd);
	CHECK_INT(step(&n, &acct, "CHAP_N=pi3-user\0CHAP_R=0X478F1A4A83BAD1AAD88A8E12DC869B5C\0", NULL), ISCSI_AUTH_OK,
		  "upper-case hex");

	/* wrong secret, wrong name, wrong length */
	static const char *bad[] = {
		"CHAP_N=pi3-user\0CHAP_R=0x478f1a4a83bad1aad88a8e12dc869b5d\0",
		"CHAP_N=pi3-usr\0CHAP_R=0x478f1a4a83bad1aad88a8e12dc869b5c\0",
		"CHAP_N=pi3-user\0CHAP_R=0x478f1a4a83bad1aad88a8e12dc869b\0",
		"CHAP_N=pi3-user\0CHAP_R=0x478f1a4a83bad1aad88a8e12dc869b5c00\0",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		iscsi_nego_init(&n);
		step(&n, &acct, "AuthMethod=CHAP\0", NULL);
		step(&n, &acct, "CHAP_A=5\0", rnd);
		CHECK_INT(step(&n, &acct, bad[i], NULL), ISCSI_AUTH_FAIL, "a wrong response %zu refused", i);
		CHECK(strstr(why, "wrong user name or secret") && !strstr(why, "pi3-secret"),
		      "said why, without the secret (%s)", why);
		CHECK_INT(iscsi_auth_may_leave(&n, &acct, why, sizeof(why)), 0, "and not done");
	}

	/* the ways to skip or bend CHAP */
	iscsi_nego_init(&n);
	CHECK_INT(step(&n, &acct, "AuthMethod=None\0", NULL), ISCSI_AUTH_FAIL, "None on a CHAP target");
	CHECK_STR(answer(), "AuthMethod=Reject;", "answered Reject");
	CHECK(strstr(why, "requires CHAP") != NULL, "said why (%s)", why);
	iscsi_nego_init(&n);
	CHECK_INT(iscsi_auth_may_leave(&n, &acct, why, sizeof(why)), ISCSI_AUTH_FAIL, "no AuthMethod on a CHAP target");
	iscsi_nego_init(&n);
	step(&n, &acct, "AuthMethod=CHAP\0", NULL);
	CHECK_INT(step(&n, &acct, "CHAP_A=7\0", rnd), ISCSI_AUTH_FAIL, "CHAP_A without MD5");
	CHECK_STR(answer(), "CHAP_A=Reject;", "answered Reject");
	iscsi_nego_init(&n);
	CHECK_INT(step(&n, &acct, "CHAP_A=5\0", rnd), ISCSI_AUTH_BAD, "CHAP_A before AuthMethod");
	iscsi_nego_init(&n);
	step(&n, &acct, "AuthMethod=CHAP\0", NULL);
	CHECK_INT(step(&n, &acct, "CHAP_N=pi3-user\0CHAP_R=0x00\0", NULL), ISCSI_AUTH_BAD, "CHAP_R before the challenge");
	iscsi_nego_init(&n);
	step(&n, &acct, "AuthMethod=CHAP\0", NULL);
	step(&n, &acct, "CHAP_A=5\0", rnd);
	CHECK_INT(step(&n, &acct, "CHAP_R=0x478f1a4a83bad1aad88a8e12dc869b5c\0", NULL), ISCSI_AUTH_BAD, "CHAP_R without CHAP_N");
	CHECK_INT(step(&n, &acct, "AuthMethod=CHAP\0", NULL), ISCSI_AUTH_BAD, "AuthMethod a second time");

	/* mutual CHAP */
	iscsi_nego_init(&n);
	step(&n, &mutual, "AuthMethod=CHAP\0", NULL);
	step(&n, &mutual, "CHAP_A=5\0", rnd);
	CHECK_INT(step(&n, &mutual, "CHAP_N=pi3-user\0CHAP_R=0x478f1a4a83bad1aad88a8e12dc869b5c\0CHAP_I=7\0"
		       "CHAP_C=0x0102030405060708090a\0", NULL), ISCSI_AUTH_OK, "mutual: the initiator's challenge");
	CHECK_STR(answer(), "CHAP_N=netroot-target;CHAP_R=0x8005d90fca8ff1f83ddcde9cbb9e4920;",
		  "the target's name and its response");
	iscsi_nego_init(&n);
	step(&n, &acct, "AuthMethod=CHAP\0", NULL);
	step(&n, &acct, "CHAP_A=5\0", rnd);
	CHECK_INT(step(&n, &acct, "CHAP_N=pi3-user\0CHAP_R=0x478f1a4a83bad1aad88a8e12dc869b5c\0CHAP_I=7\0"
		       "CHAP_C=0x0102030405060708090a\0", NULL), ISCSI_AUTH_FAIL,
		  "mutual asked of a target without its own account");
	CHECK(strstr(why, "iscsi-chap-target-secret") != NULL, "said what to set (%s)", why);
	iscsi_nego_init(&n);
	step(&n, &mutual, "AuthMethod=CHAP\0", NULL);
	step(&n, &mutual, "CHAP_A=5\0", rnd);
	CHECK_INT(step(&n, &mutual, "CHAP_N=pi3-user\0CHAP_R=0x478f1a4a83bad1aad88a8e12dc869b5c\0CHAP_I=7\0"
		       "CHAP_C=0x4142434445464748494a4b4c4d4e4f50\0", NULL), ISCSI_AUTH_FAIL,
		  "our own challenge sent back: a reflection, refused");
	CHECK_STR(answer(), "", "and no response given");
	iscsi_nego_init(&n);
	step(&n, &mutual, "AuthMethod=CHAP\0", NULL);
	step(&n, &mutual, "CHAP_A=5\0", rnd);
	CHECK_INT(step(&n, &mutual, "CHAP_N=pi3-user\0CHAP_R=0x478f1a4a83bad1aad88a8e12dc869b5c\0CHAP_I=300\0"
		       "CHAP_C=0x01\0", NULL), ISCSI_AUTH_BAD, "CHAP_I out of 0-255");
	iscsi_nego_init(&n);
	step(&n, &mutual, "AuthMethod=CHAP\0", NULL);
	step(&n, &mutual, "CHAP_A=5\0", rnd);
	CHECK_INT(step(&n, &mutual, "CHAP_N=pi3-user\0CHAP_R=0x478f1a4a83bad1aad88a8e12dc869b5c\0CHAP_I=7\0", NULL),
		  ISCSI_AUTH_BAD, "CHAP_I without CHAP_C");

	/* a login's names cannot change once said: a CHAP proof for one
	 * target never carries over to another */
	iscsi_nego_init(&n);
	CHECK_INT(step(&n, &acct, "InitiatorName=iqn.x:pi3\0TargetName=iqn.t:pi3\0SessionType=Normal\0", NULL), 0, "names");
	CHECK_INT(step(&n, &acct, "TargetName=iqn.t:pi3\0InitiatorName=iqn.x:pi3\0", NULL), 0, "the same names again");
	CHECK_INT(step(&n, &acct, "TargetName=iqn.t:pi4\0", NULL), 99, "another TargetName: malformed");
	CHECK(strstr(why, "TargetName changed") != NULL, "said why (%s)", why);
	CHECK_INT(step(&n, &acct, "InitiatorName=iqn.x:pi4\0", NULL), 99, "another InitiatorName: malformed");
	CHECK_INT(step(&n, &acct, "SessionType=Discovery\0", NULL), 99, "another SessionType: malformed");
	CHECK_INT(step(&n, NULL, "CHAP_N=u\0CHAP_R=0x00\0", NULL), ISCSI_AUTH_BAD, "a CHAP response with no account");
	n.auth = AUTH_WANT_R;
	CHECK_INT(step(&n, NULL, "CHAP_N=u\0CHAP_R=0x00\0", NULL), ISCSI_AUTH_BAD,
		  "a CHAP response with no account, even in the state that waits for one");

	/* a value longer than CHAP allows is malformed, not truncated */
	{
		static char big[8192];
		size_t o = 0;

		o += (size_t)snprintf(big, sizeof(big), "CHAP_C=0x");
		while (o < 2060)
			big[o++] = 'a';
		big[o] = '\0';
		iscsi_nego_init(&n);
		CHECK_INT(step(&n, &mutual, big, NULL), 99, "a 1025-byte CHAP_C: malformed");
	}
	return check_done();
}
