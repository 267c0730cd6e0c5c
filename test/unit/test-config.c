/* config.c: criu's configuration file syntax, on fixtures and inline text. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "tap.h"

static const char *fixture(const char *name)
{
	static char path[4096];
	const char *dir = getenv("CRL_FIXTURES");

	snprintf(path, sizeof(path), "%s/%s", dir ? dir : "fixtures", name);
	return path;
}

static int has(const struct config *c, size_t i, unsigned int line, const char *name,
	       const char *value)
{
	const struct config_entry *e;

	if (i >= c->n)
		return 0;
	e = &c->v[i];
	if (e->line != line || strcmp(e->name, name))
		return 0;
	if (!value || !e->value)
		return value == e->value;
	return !strcmp(e->value, value);
}

static void test_good(void)
{
	struct config c;
	char err[256] = "";
	int ret = config_read(fixture("config-good.conf"), &c, err, sizeof(err));

	ok(ret == 0, "config-good.conf parses (%s)", err);
	if (ret)
		return;
	ok(c.n == 9, "nine options, comments and blank lines skipped (got %zu)", c.n);
	ok(has(&c, 0, 2, "tcp-established", NULL), "a bare option has no value");
	ok(has(&c, 1, 5, "tree", "42"), "'name value'");
	ok(has(&c, 2, 6, "images-dir", "/var/lib/ckpt"), "'name=value'");
	ok(has(&c, 3, 7, "work-dir", "/home/u/my \"work\" dir"),
	   "a quoted value keeps blanks and \\\" is a quote");
	ok(has(&c, 4, 8, "no-restore-sibling", NULL), "a comment after an option");
	ok(has(&c, 5, 9, "log-file", ""), "\"\" is an empty value");
	ok(has(&c, 6, 10, "manage-cgroups", "soft"), "'=' form for an optional argument");
	ok(has(&c, 7, 11, "external", "mnt[]:sm"), "brackets and colons are plain text");
	ok(has(&c, 8, 12, "verbosity", "4"), "tabs separate words too");
	ok(!strcmp(c.path, fixture("config-good.conf")), "the entries remember their file");
	config_fini(&c);
}

static void test_bad(const char *name, const char *want)
{
	struct config c;
	char err[256] = "";
	int ret = config_read(fixture(name), &c, err, sizeof(err));

	ok(ret == -EINVAL && strstr(err, want), "%s refused: %s", name, err);
	ok(c.n == 0 && !c.v, "%s: nothing is left after a failure", name);
	config_fini(&c);
}

static void test_inline(void)
{
	struct config c;
	char err[256] = "";
	const char nul[] = "tree 1\0x";

	ok(config_parse("", 0, &c, err, sizeof(err)) == 0 && c.n == 0, "empty text: no options");
	config_fini(&c);
	ok(config_parse("a\n#b\nc", 6, &c, err, sizeof(err)) == 0 && c.n == 2 &&
		   has(&c, 1, 3, "c", NULL),
	   "last line without a newline");
	config_fini(&c);
	ok(config_parse("x a#b\n", 6, &c, err, sizeof(err)) == 0 && has(&c, 0, 1, "x", "a#b"),
	   "'#' inside a word is not a comment");
	config_fini(&c);
	ok(config_parse("x \"a\\b\"\n", 8, &c, err, sizeof(err)) == 0 && has(&c, 0, 1, "x", "a\\b"),
	   "other backslashes are literal");
	config_fini(&c);
	ok(config_parse("x \"a\"b\n", 7, &c, err, sizeof(err)) == -EINVAL,
	   "text glued to a closing quote is refused: %s", err);
	ok(config_parse(nul, sizeof(nul) - 1, &c, err, sizeof(err)) == -EINVAL,
	   "a NUL byte is refused: %s", err);
	ok(config_read(fixture("no-such.conf"), &c, err, sizeof(err)) == -ENOENT,
	   "a missing file is -ENOENT");
	ok(config_read(getenv("CRL_FIXTURES") ? getenv("CRL_FIXTURES") : ".", &c, err,
		       sizeof(err)) == -EINVAL,
	   "a directory is refused: %s", err);
}

int main(void)
{
	test_good();
	test_bad("config-bad-quote.conf", "line 2: unterminated quote");
	test_bad("config-bad-dashes.conf", "line 2: '--leave-running': write the option name");
	test_bad("config-bad-two-values.conf", "line 1: 'tree' has more than one value");
	test_bad("config-bad-eq-value.conf", "line 1: 'tree=42' has a value twice");
	test_inline();
	return tap_done();
}
