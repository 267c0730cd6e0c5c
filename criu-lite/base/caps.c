/*
 * The tool's own capabilities through libcap (see caps.h). Both the kernel's
 * checks for what dump and restore need, /proc/PID/map_files and
 * clone3(set_tid), accept CAP_CHECKPOINT_RESTORE (Linux 5.9) or
 * CAP_SYS_ADMIN; nothing else is required for one's own processes.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <unistd.h>

#include "caps.h"
#include "log.h"

#define CAPS_BIT(cap) (1ULL << (cap))

const char *caps_name(unsigned int cap, char *buf, size_t len)
{
	char *name = cap_to_name((cap_value_t)cap);

	snprintf(buf, len, "%s", name ? name : "?");
	cap_free(name);
	return buf;
}

int caps_first(uint64_t mask)
{
	for (int cap = 0; cap < 64; cap++)
		if (mask & CAPS_BIT(cap))
			return cap;
	return -1;
}

/* One flag of every capability the kernel knows, as a bit mask. */
static uint64_t caps_mask(cap_t c, cap_flag_t flag, unsigned int last)
{
	uint64_t mask = 0;

	for (unsigned int cap = 0; cap <= last && cap < 64; cap++) {
		cap_flag_value_t v = CAP_CLEAR;

		if (!cap_get_flag(c, (cap_value_t)cap, flag, &v) && v == CAP_SET)
			mask |= CAPS_BIT(cap);
	}
	return mask;
}

int caps_self_read(struct caps_self *s)
{
	cap_value_t bits = cap_max_bits();
	cap_t c;

	memset(s, 0, sizeof(*s));
	c = cap_get_proc();
	if (!c || bits < 1) {
		int e = errno ? errno : EINVAL;

		pr_err("reading the tool's capabilities: %s", strerror(e));
		cap_free(c);
		return -e;
	}
	s->last = (unsigned int)bits - 1;
	s->eff = caps_mask(c, CAP_EFFECTIVE, s->last);
	s->prm = caps_mask(c, CAP_PERMITTED, s->last);
	s->inh = caps_mask(c, CAP_INHERITABLE, s->last);
	cap_free(c);
	for (unsigned int cap = 0; cap <= s->last && cap < 64; cap++)
		if (cap_get_bound((cap_value_t)cap) == 1)
			s->bnd |= CAPS_BIT(cap);
	s->secbits = cap_get_secbits();
	return 0;
}

/* --unprivileged: keep CAP_CHECKPOINT_RESTORE (when permitted) and nothing else. */
static int caps_drop_to_cr(void)
{
	cap_value_t cr = CAP_CHECKPOINT_RESTORE;
	cap_flag_value_t have = CAP_CLEAR;
	cap_t cur = cap_get_proc(), want = cap_init();
	int ret = 0;

	if (!cur || !want)
		ret = -ENOMEM;
	if (!ret && !cap_get_flag(cur, cr, CAP_PERMITTED, &have) && have == CAP_SET &&
	    (cap_set_flag(want, CAP_PERMITTED, 1, &cr, CAP_SET) ||
	     cap_set_flag(want, CAP_EFFECTIVE, 1, &cr, CAP_SET)))
		ret = -errno;
	if (!ret && cap_set_proc(want))
		ret = -errno;
	if (ret)
		pr_err("--unprivileged: dropping the tool's other capabilities: %s",
		       strerror(-ret));
	cap_free(cur);
	cap_free(want);
	return ret;
}

/* What dump and restore may do with the tool's current sets; NULL when they may run. */
static const char *caps_verdict(const struct caps_self *s, bool unprivileged)
{
	if (s->last < CAP_CHECKPOINT_RESTORE &&
	    (unprivileged || !(s->eff & CAPS_BIT(CAP_SYS_ADMIN))))
		return "this kernel has no cap_checkpoint_restore (Linux 5.9 added it): run "
		       "criu-lite as root";
	if (s->eff & CAPS_BIT(CAP_CHECKPOINT_RESTORE))
		return NULL;
	if (!unprivileged && (s->eff & CAPS_BIT(CAP_SYS_ADMIN)))
		return NULL;
	return "";
}

int caps_enter(const struct opts *o)
{
	return o->unprivileged ? caps_drop_to_cr() : 0;
}

int caps_require(const struct opts *o, const char *verb)
{
	const char *why;
	struct caps_self s;
	char exe[4096];
	ssize_t n;
	int ret;

	ret = caps_self_read(&s);
	if (ret)
		return ret;
	why = caps_verdict(&s, o->unprivileged);
	if (!why)
		return 0;
	if (*why) {
		pr_err("%s: %s", verb, why);
		return -EPERM;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = '\0';
	pr_err("%s needs cap_checkpoint_restore, which criu-lite lacks: run it as root or grant "
	       "it with 'setcap cap_checkpoint_restore+eip %s'",
	       verb, n > 0 ? exe : "criu-lite");
	return -EPERM;
}

/* Names of the capabilities in @mask, comma-separated. */
static void caps_names(uint64_t mask, unsigned int last, char *buf, size_t len)
{
	size_t used = 0;
	char name[64];

	buf[0] = '\0';
	for (unsigned int cap = 0; cap <= last && cap < 64 && used + 1 < len; cap++) {
		if (mask & CAPS_BIT(cap))
			used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? "," : "",
						 caps_name(cap, name, sizeof(name)));
	}
}

/* "none", "all", "all but cap_a,cap_b" or "cap_a,cap_b", whichever is shorter. */
static void caps_describe(uint64_t mask, unsigned int last, char *buf, size_t len)
{
	uint64_t all = last >= 63 ? ~0ULL : CAPS_BIT(last + 1) - 1;

	mask &= all;
	if (mask == all || !mask) {
		snprintf(buf, len, "%s", mask ? "all" : "none");
	} else if (__builtin_popcountll(mask) * 2 > __builtin_popcountll(all)) {
		snprintf(buf, len, "all but ");
		caps_names(all & ~mask, last, buf + 8, len - 8);
	} else {
		caps_names(mask, last, buf, len);
	}
}

bool caps_allowed(const struct opts *o)
{
	struct caps_self s;

	return !caps_self_read(&s) && !caps_verdict(&s, o->unprivileged);
}

void caps_print(const struct opts *o)
{
	struct caps_self s;
	char buf[1024];
	const char *why;

	if (caps_self_read(&s))
		return;
	printf("capabilities (kernel.cap_last_cap %u: %s)\n", s.last,
	       s.last >= CAP_CHECKPOINT_RESTORE ? "has cap_checkpoint_restore"
						: "no cap_checkpoint_restore, before Linux 5.9");
	caps_describe(s.eff, s.last, buf, sizeof(buf));
	printf("  effective   %s\n", buf);
	caps_describe(s.prm, s.last, buf, sizeof(buf));
	printf("  permitted   %s\n", buf);
	caps_describe(s.bnd, s.last, buf, sizeof(buf));
	printf("  bounding    %s\n", buf);
	for (int u = 0; u < 2; u++) {
		why = caps_verdict(&s, u || o->unprivileged);
		if (why && !*why)
			why = "needs cap_checkpoint_restore (setcap cap_checkpoint_restore+eip on "
			      "criu-lite, or run it as root)";
		printf("dump/restore%-15s %s%s\n", u ? " --unprivileged" : "",
		       why ? "refused: " : "allowed", why ? why : "");
	}
}
