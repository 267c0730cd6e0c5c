#ifndef CRL_IMG_SHOW_H
#define CRL_IMG_SHOW_H

#include <stdbool.h>
#include <stdio.h>

/* Prints every entry of the image at @path; returns 0 or -errno (logged). */
int img_show(const char *path, bool json, FILE *out);

#endif
