#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "array.h"
#include "config.h"

/* A config file is a handful of lines; refuse anything absurd before reading it. */
#define CONFIG_MAX_BYTES (1u << 20)

struct cursor {
	const char *p, *end;
	unsigned int line;
};

static bool is_blank(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\v' || ch == '\f';
}

/*
 * The next word of the current line into *@out (malloc'd), or *@out = NULL at
 * the end of the line or at a comment. 0, -EINVAL (reason in @err), -ENOMEM.
 */
static int next_word(struct cursor *cu, char **out, char *err, size_t errlen)
{
	const char *s;
	char *w, *q;

	*out = NULL;
	while (cu->p < cu->end && is_blank(*cu->p))
		cu->p++;
	if (cu->p == cu->end || *cu->p == '\n')
		return 0;
	if (*cu->p == '#') {
		while (cu->p < cu->end && *cu->p != '\n')
			cu->p++;
		return 0;
	}
	if (*cu->p != '"') {
		for (s = cu->p; cu->p < cu->end && *cu->p != '\n' && !is_blank(*cu->p); cu->p++)
			;
		*out = strndup(s, (size_t)(cu->p - s));
		return *out ? 0 : -ENOMEM;
	}
	/* Quoted: up to the next '"' not preceded by a backslash. */
	w = malloc((size_t)(cu->end - cu->p));
	if (!w)
		return -ENOMEM;
	q = w;
	for (cu->p++; cu->p < cu->end && *cu->p != '\n' && *cu->p != '"'; cu->p++) {
		if (*cu->p == '\\' && cu->p + 1 < cu->end && cu->p[1] == '"')
			cu->p++;
		*q++ = *cu->p;
	}
	*q = '\0';
	if (cu->p == cu->end || *cu->p != '"') {
		free(w);
		snprintf(err, errlen, "line %u: unterminated quote", cu->line);
		return -EINVAL;
	}
	cu->p++;
	if (cu->p < cu->end && *cu->p != '\n' && !is_blank(*cu->p)) {
		free(w);
		snprintf(err, errlen, "line %u: text right after a closing quote", cu->line);
		return -EINVAL;
	}
	*out = w;
	return 0;
}

static int add_entry(struct config *c, unsigned int line, char *name, char *value)
{
	if (ARRAY_GROW(c->v, c->n))
		return -ENOMEM;
	c->v[c->n].line = line;
	c->v[c->n].name = name;
	c->v[c->n].value = value;
	c->n++;
	return 0;
}

/* One line: "name", "name value" or "name=value"; 0 words is fine. */
static int parse_line(struct cursor *cu, struct config *c, char *err, size_t errlen)
{
	char *name = NULL, *value = NULL, *extra = NULL, *eq;
	int ret;

	ret = next_word(cu, &name, err, errlen);
	if (ret || !name)
		return ret;
	if (name[0] == '-' || name[0] == '=' || !name[0]) {
		snprintf(err, errlen,
			 "line %u: '%s': write the option name without leading dashes "
			 "(as 'tree 42' or 'tree=42')",
			 cu->line, name);
		ret = -EINVAL;
		goto out;
	}
	ret = next_word(cu, &value, err, errlen);
	if (ret)
		goto out;
	eq = strchr(name, '=');
	if (eq && value) {
		snprintf(err, errlen, "line %u: '%s' has a value twice", cu->line, name);
		ret = -EINVAL;
		goto out;
	}
	if (eq) {
		value = strdup(eq + 1);
		*eq = '\0';
		if (!value) {
			ret = -ENOMEM;
			goto out;
		}
	}
	if (value) {
		ret = next_word(cu, &extra, err, errlen);
		if (ret)
			goto out;
		if (extra) {
			snprintf(err, errlen,
				 "line %u: '%s' has more than one value ('%s', '%s'); "
				 "quote a value that holds blanks",
				 cu->line, name, value, extra);
			ret = -EINVAL;
			goto out;
		}
	}
	ret = add_entry(c, cu->line, name, value);
	if (!ret)
		return 0;
out:
	free(name);
	free(value);
	free(extra);
	return ret;
}

int config_parse(const char *text, size_t len, struct config *c, char *err, size_t errlen)
{
	struct cursor cu = {.p = text, .end = text + len, .line = 1};
	int ret;

	memset(c, 0, sizeof(*c));
	c->path = strdup("(text)");
	if (!c->path)
		return -ENOMEM;
	if (memchr(text, '\0', len)) {
		snprintf(err, errlen, "a NUL byte: not a text file");
		config_fini(c);
		return -EINVAL;
	}
	while (cu.p < cu.end) {
		ret = parse_line(&cu, c, err, errlen);
		if (ret) {
			config_fini(c);
			return ret;
		}
		while (cu.p < cu.end && *cu.p != '\n')
			cu.p++; /* only blanks or a comment remain */
		if (cu.p < cu.end) {
			cu.p++;
			cu.line++;
		}
	}
	return 0;
}

int config_read(const char *path, struct config *c, char *err, size_t errlen)
{
	struct stat st;
	char *buf = NULL;
	ssize_t n;
	size_t got = 0;
	int fd, ret;

	memset(c, 0, sizeof(*c));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "%s", strerror(errno));
		return ret;
	}
	if (fstat(fd, &st)) {
		ret = -errno;
		snprintf(err, errlen, "%s", strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode) || (size_t)st.st_size > CONFIG_MAX_BYTES) {
		snprintf(err, errlen, "not a regular file of at most %u bytes", CONFIG_MAX_BYTES);
		ret = -EINVAL;
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		ret = -ENOMEM;
		goto out;
	}
	while (got < (size_t)st.st_size) {
		n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			snprintf(err, errlen, "read: %s", strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	ret = config_parse(buf, got, c, err, errlen);
	if (!ret) {
		free(c->path);
		c->path = strdup(path);
		if (!c->path) {
			config_fini(c);
			ret = -ENOMEM;
		}
	}
out:
	free(buf);
	close(fd);
	return ret;
}

void config_fini(struct config *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->v[i].name);
		free(c->v[i].value);
	}
	free(c->v);
	free(c->path);
	memset(c, 0, sizeof(*c));
}
