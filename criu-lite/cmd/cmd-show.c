#include <stdio.h>

#include "cmd.h"
#include "img-show.h"
#include "log.h"

int cmd_show(const struct opts *o)
{
	if (!o->show_file) {
		pr_err("show: no image file given (criu-lite show FILE)");
		return 1;
	}
	return img_show(o->show_file, o->json, stdout) ? 1 : 0;
}
