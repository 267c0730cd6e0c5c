/*
 * Configuration files as criu reads them (criu(8), "CONFIGURATION FILES"):
 * one option per line without the leading dashes, "name value" or
 * "name=value", '#' starts a comment where a word would start, a value may be
 * double-quoted (\" inside is a quote, other backslashes are literal).
 * config_parse() is pure; config_read() reads a file and parses it.
 */
#ifndef CRL_CONFIG_H
#define CRL_CONFIG_H

#include <stddef.h>

struct config_entry {
	unsigned int line; /* 1-based, for messages */
	char *name;	   /* "tree", "no-restore-sibling" */
	char *value;	   /* NULL when the line has none */
};

struct config {
	char *path; /* the file, for messages ("(text)" for config_parse) */
	struct config_entry *v;
	size_t n;
};

/*
 * Parses @len bytes of @text into @c (which it initializes). 0, or -EINVAL
 * with "line N: what" in @err, or -ENOMEM. @c is empty after a failure.
 */
int config_parse(const char *text, size_t len, struct config *c, char *err, size_t errlen);
/*
 * Reads @path and parses it. 0; -ENOENT when it does not exist; another
 * -errno or -EINVAL with the reason in @err (which names neither the file nor
 * the caller: the caller adds them).
 */
int config_read(const char *path, struct config *c, char *err, size_t errlen);
void config_fini(struct config *c);

#endif
