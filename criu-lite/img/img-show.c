/* Generic image printer: walks protobuf-c descriptors, prints text or JSON. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "img-fd.h"
#include "img-show.h"
#include "img.h"
#include "log.h"

struct printer {
	FILE *f;
	bool json;
};

static void indent(const struct printer *p, int depth)
{
	fprintf(p->f, "%*s", depth * 2, "");
}

static void print_bytes(const struct printer *p, const ProtobufCBinaryData *b)
{
	fputc('"', p->f);
	for (size_t i = 0; i < b->len; i++)
		fprintf(p->f, "%02x", b->data[i]);
	fputc('"', p->f);
}

static void print_string(const struct printer *p, const char *s)
{
	fputc('"', p->f);
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(p->f, "\\%c", c);
		else if (c < 0x20)
			fprintf(p->f, "\\u%04x", c);
		else
			fputc(c, p->f);
	}
	fputc('"', p->f);
}

static void print_msg(const struct printer *p, const ProtobufCMessage *m, int depth);

/* Prints one scalar or message value stored at @v. */
static void print_value(const struct printer *p, const ProtobufCFieldDescriptor *fd, const void *v,
			int depth)
{
	switch (fd->type) {
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
		fprintf(p->f, "%" PRId32, *(const int32_t *)v);
		break;
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32:
		fprintf(p->f, "%" PRIu32, *(const uint32_t *)v);
		break;
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
		fprintf(p->f, "%" PRId64, *(const int64_t *)v);
		break;
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
		/* Addresses read better in hex; JSON keeps plain numbers. */
		if (p->json)
			fprintf(p->f, "%" PRIu64, *(const uint64_t *)v);
		else
			fprintf(p->f, "0x%" PRIx64, *(const uint64_t *)v);
		break;
	case PROTOBUF_C_TYPE_FLOAT:
		fprintf(p->f, "%g", (double)*(const float *)v);
		break;
	case PROTOBUF_C_TYPE_DOUBLE:
		fprintf(p->f, "%g", *(const double *)v);
		break;
	case PROTOBUF_C_TYPE_BOOL:
		fprintf(p->f, "%s", *(const protobuf_c_boolean *)v ? "true" : "false");
		break;
	case PROTOBUF_C_TYPE_ENUM: {
		const ProtobufCEnumValue *ev =
			protobuf_c_enum_descriptor_get_value(fd->descriptor, *(const int *)v);
		if (ev)
			print_string(p, ev->name);
		else
			fprintf(p->f, "%d", *(const int *)v);
		break;
	}
	case PROTOBUF_C_TYPE_STRING:
		print_string(p, *(char *const *)v);
		break;
	case PROTOBUF_C_TYPE_BYTES:
		print_bytes(p, (const ProtobufCBinaryData *)v);
		break;
	case PROTOBUF_C_TYPE_MESSAGE:
		print_msg(p, *(ProtobufCMessage *const *)v, depth);
		break;
	}
}

static size_t value_size(const ProtobufCFieldDescriptor *fd)
{
	switch (fd->type) {
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
	case PROTOBUF_C_TYPE_DOUBLE:
		return 8;
	case PROTOBUF_C_TYPE_BOOL:
		return sizeof(protobuf_c_boolean);
	case PROTOBUF_C_TYPE_ENUM:
		return sizeof(int);
	case PROTOBUF_C_TYPE_STRING:
		return sizeof(char *);
	case PROTOBUF_C_TYPE_BYTES:
		return sizeof(ProtobufCBinaryData);
	case PROTOBUF_C_TYPE_MESSAGE:
		return sizeof(ProtobufCMessage *);
	default:
		return 4;
	}
}

/* Whether an optional field is present (proto2 has_ flags or non-NULL pointers). */
static bool field_present(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *fd)
{
	const char *base = (const char *)m;

	if (fd->label == PROTOBUF_C_LABEL_REQUIRED)
		return true;
	if (fd->label == PROTOBUF_C_LABEL_REPEATED)
		return *(const size_t *)(base + fd->quantifier_offset) > 0;
	if (fd->type == PROTOBUF_C_TYPE_MESSAGE || fd->type == PROTOBUF_C_TYPE_STRING)
		return *(void *const *)(base + fd->offset) != NULL;
	return *(const protobuf_c_boolean *)(base + fd->quantifier_offset);
}

static void print_msg(const struct printer *p, const ProtobufCMessage *m, int depth)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;
	bool first = true;

	fprintf(p->f, "{\n");
	for (unsigned int i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *fd = &d->fields[i];
		const char *base = (const char *)m;

		if (!field_present(m, fd))
			continue;
		if (!first && p->json)
			fprintf(p->f, ",\n");
		else if (!first)
			fprintf(p->f, "\n");
		first = false;
		indent(p, depth + 1);
		fprintf(p->f, p->json ? "\"%s\": " : "%s: ", fd->name);
		if (fd->label == PROTOBUF_C_LABEL_REPEATED) {
			size_t n = *(const size_t *)(base + fd->quantifier_offset);
			const char *arr = *(char *const *)(base + fd->offset);

			fprintf(p->f, "[");
			for (size_t j = 0; j < n; j++) {
				if (j)
					fprintf(p->f, ", ");
				print_value(p, fd, arr + j * value_size(fd), depth + 1);
			}
			fprintf(p->f, "]");
		} else {
			print_value(p, fd, base + fd->offset, depth + 1);
		}
	}
	fprintf(p->f, "\n");
	indent(p, depth);
	fprintf(p->f, "}");
}

/* Skips (and reports the size of) raw data that follows an entry. */
static int skip_payload(struct img *img, const ProtobufCMessage *m, uint64_t *len)
{
	char buf[4096];

	/* The fd kind that writes the image knows (img-fd.c). */
	*len = img->kind->payload == IMG_PAYLOAD_NONE ? 0 : img_fd_data_len(img->kind, m);
	for (uint64_t left = *len; left;) {
		size_t n = left > sizeof(buf) ? sizeof(buf) : (size_t)left;
		int ret = img_read_raw(img, buf, n);

		if (ret)
			return ret;
		left -= n;
	}
	return 0;
}

/* pages-N.img has no magic: it is recognised by name and summarised. */
static int show_raw_pages(const char *path, bool json, FILE *out)
{
	struct stat st;
	long psz = sysconf(_SC_PAGESIZE);

	if (stat(path, &st)) {
		int e = errno;

		pr_err("image '%s': %s", path, strerror(e));
		return -e;
	}
	if (json)
		fprintf(out, "{ \"magic\": \"PAGES\", \"bytes\": %lld, \"pages\": %lld }\n",
			(long long)st.st_size, (long long)(st.st_size / psz));
	else
		fprintf(out, "magic: PAGES (raw)\nbytes: %lld\npages: %lld\n",
			(long long)st.st_size, (long long)(st.st_size / psz));
	return 0;
}

int img_show(const char *path, bool json, FILE *out)
{
	struct printer p = {.f = out, .json = json};
	const char *base = strrchr(path, '/');
	struct img *img;
	int ret, n = 0;

	base = base ? base + 1 : path;
	if (!strncmp(base, "pages-", 6))
		return show_raw_pages(path, json, out);
	ret = img_open_path(path, &img);
	if (ret)
		return ret;
	fprintf(out, json ? "{\n  \"magic\": \"%s\",\n  \"entries\": [\n" : "magic: %s\n",
		img->kind->label);
	for (;;) {
		ProtobufCMessage *m;
		uint64_t extra;

		ret = img_read_msg(img, img_next_desc(img), &m);
		if (ret <= 0)
			break;
		ret = skip_payload(img, m, &extra);
		if (json) {
			fprintf(out, n ? ",\n    " : "    ");
			if (img->kind->payload != IMG_PAYLOAD_NONE)
				fprintf(out, "{ \"data_bytes\": %" PRIu64 ", \"entry\": ", extra);
			print_msg(&p, m, 2);
			if (img->kind->payload != IMG_PAYLOAD_NONE)
				fprintf(out, " }");
		} else {
			fprintf(out, "entry %d (%s): ", n, m->descriptor->name);
			print_msg(&p, m, 0);
			if (extra)
				fprintf(out, "\n  + %" PRIu64 " bytes of data", extra);
			fprintf(out, "\n");
		}
		img_free_msg(m);
		n++;
		if (ret)
			break;
	}
	if (json)
		fprintf(out, "\n  ]\n}\n");
	img_close(img);
	return ret < 0 ? ret : 0;
}
