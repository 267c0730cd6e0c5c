/* stats-dump: how long the tree was frozen and how memory dumping went (microseconds). */
#include <stdint.h>

#include "dump.h"
#include "log.h"
#include "stats.pb-c.h"

static uint32_t us32(uint64_t v)
{
	return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

int dump_write_stats(struct dump_ctx *ctx)
{
	StatsEntry se = STATS_ENTRY__INIT;
	DumpStatsEntry ds = DUMP_STATS_ENTRY__INIT;
	const struct dump_stats *s = &ctx->st;
	uint64_t thawed = s->t_thawed ? s->t_thawed : dump_now_us();

	ds.freezing_time = us32(s->freezing_us);
	ds.frozen_time = us32(s->t_frozen ? thawed - s->t_frozen : 0);
	ds.memdump_time = us32(s->memdump_us);
	ds.memwrite_time = us32(s->memwrite_us);
	ds.pages_scanned = s->pages_scanned;
	ds.pages_skipped_parent = s->pages_skipped_parent;
	ds.pages_written = s->pages_written;
	ds.pages_lazy = 0;
	ds.has_shpages_scanned = ds.has_shpages_written = true;
	ds.shpages_scanned = s->shpages_scanned;
	ds.shpages_written = s->shpages_written;
	se.dump = &ds;
	pr_info("dump: frozen %u us (freezing %u us), memory read %u us, written %u us, "
		"%llu pages written",
		ds.frozen_time, ds.freezing_time, ds.memdump_time, ds.memwrite_time,
		(unsigned long long)ds.pages_written);
	return img_write_one(&ctx->dir, IMG_STATS_DUMP, 0, &se.base);
}
