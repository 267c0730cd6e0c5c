/*
 * The fd kinds' three tables (dump, restore, show: docs/architecture.md,
 * "fd kinds") agree: every FileEntry type the dump can write has a restore
 * kind and a show entry, each type has one kind per side, every kind has its
 * mandatory hooks and a state slot, and every image with raw data after its
 * entries has a kind that knows its length.
 */
#include <stdio.h>
#include <string.h>

#include "dump-files.h"
#include "img-fd.h"
#include "img.h"
#include "restore-fd.h"
#include "tap.h"

static void dump_side(void)
{
	for (size_t i = 0; i < dump_fd_nr_kinds; i++) {
		const struct fd_dump_ops *k = dump_fd_kinds[i];
		int dup = 0;

		ok(k->name && k->match && k->dump, "dump kind '%s': match and dump", k->name);
		if (k->type == FD_TYPES__UND) {
			ok(!k->init, "dump kind '%s' (refusal): no state", k->name);
			continue;
		}
		ok(k->type < FD_KIND_SLOTS, "dump kind '%s': type %d has a state slot", k->name,
		   k->type);
		for (size_t j = 0; j < i; j++)
			dup += dump_fd_kinds[j]->type == k->type;
		ok(!dup, "dump kind '%s': the only one of type %d", k->name, k->type);
		ok(rst_fd_kind(k->type) != NULL, "dump kind '%s': restore has type %d", k->name,
		   k->type);
		ok(img_fd_show_kind(k->type) != NULL, "dump kind '%s': show has type %d", k->name,
		   k->type);
	}
}

static void restore_side(void)
{
	for (size_t i = 0; i < rst_fd_nr_kinds; i++) {
		const struct fd_rst_ops *k = rst_fd_kinds[i];

		ok(k->name && k->check && k->open, "restore kind '%s': check and open", k->name);
		ok(k->type > FD_TYPES__UND && k->type < FD_KIND_SLOTS,
		   "restore kind '%s': type %d has a state slot", k->name, k->type);
		ok(rst_fd_kind(k->type) == k, "restore kind '%s': the only one of type %d", k->name,
		   k->type);
		ok(!k->init == !k->fini, "restore kind '%s': init and fini together", k->name);
		ok(img_fd_show_kind(k->type) != NULL, "restore kind '%s': show has type %d",
		   k->name, k->type);
	}
}

/* Each image kind with data after its entries is some fd kind's or a namespace's. */
static void data_images(void)
{
	for (int i = 0; i < IMG_KIND_MAX; i++) {
		const struct img_kind_desc *d = img_kind_desc((enum img_kind)i);
		bool found = false;

		if (!d || d->payload == IMG_PAYLOAD_NONE)
			continue;
		for (size_t j = 0; j < img_fd_nr_kinds && !found; j++)
			for (const struct img_fd_data *x = img_fd_kinds[j].data; x->len; x++)
				found |= x->img == i;
		for (const struct img_fd_data *x = img_ns_data; x->len; x++)
			found |= x->img == i; /* a namespace's (ipcns-shm) */
		ok(found, "image '%s': its data length is known to an fd kind or a namespace",
		   d->label);
	}
}

int main(void)
{
	dump_side();
	restore_side();
	data_images();
	return tap_done();
}
