/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `nido img`: qemu-img's verbs on the block layer. img.c dispatches and
 * holds create and info; img_check.c, img_convert.c and img_ops.c the
 * rest. Helpers shared by the verbs are declared here.
 */
#ifndef NIDO_CLI_IMG_H
#define NIDO_CLI_IMG_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "block/block.h"
#include "block/image.h"

int cmd_img(int argc, char **argv);

int img_cmd_amend(int argc, char **argv);
int img_cmd_bitmap(int argc, char **argv);
int img_cmd_check(int argc, char **argv);
int img_cmd_dd(int argc, char **argv);
int img_cmd_convert(int argc, char **argv);
int img_cmd_resize(int argc, char **argv);
int img_cmd_snapshot(int argc, char **argv);
int img_cmd_commit(int argc, char **argv);
int img_cmd_rebase(int argc, char **argv);
int img_cmd_map(int argc, char **argv);
int img_cmd_measure(int argc, char **argv);
int img_cmd_compare(int argc, char **argv);
int img_cmd_bench(int argc, char **argv);

/* Parses a size as qemu-img does (lib/size.h). Returns 0 or -errno. */
int img_parse_size(const char *s, uint64_t *out);
/* qemu-img's human size ("196 KiB", "1.26 MiB") in @buf (lib/size.h). */
const char *img_human_size(uint64_t v, char buf[32]);

/*
 * Opens @path for a verb; prints the error. Returns NULL on failure.
 * @flags are block_open()'s; with BLOCK_OPEN_RDWR, BLOCK_OPEN_SHARE_RW
 * (-U) is refused as qemu-img refuses it, and IMG_OPEN_SHARE_BACKING
 * shares the backing files only (what rebase -U and commit do).
 */
#define IMG_OPEN_SHARE_BACKING (1u << 30)
struct block *img_open(const char *path, const char *fmt, unsigned flags);

/*
 * -l of convert and measure: qemu-img's snapshot_param,
 * "snapshot.id=ID,snapshot.name=NAME" (either part; the last of a key
 * counts) or an id or name alone, loaded into @src (img_snapshot_load).
 * Returns 0, or -1 with qemu-img's words printed.
 */
int img_load_snapshot(struct block *src, const char *param);

/* Prints @o as qemu-img prints JSON (4-space indent) followed by \n. */
void img_print_json(json_object *o);

/* Prints the error, prefixed "nido img: ". */
void img_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Parses -o key=value,key=value into create options (string owned by
 * caller; @o's fields point into it). Returns 0 or -EINVAL (printed). */
int img_parse_create_opts(char *opts, struct img_create_opts *o);

#endif
