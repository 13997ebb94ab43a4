// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target: pool and volume XML a client could send
 * (pool-define, pool-create, vol-create, find-storage-pool-sources'
 * spec). Every input goes to the three parsers. Nothing may crash or leak; a
 * refusal always says why. A pool accepted must format to XML that parses back
 * and formats the same (what the store does on a restart), with an absolute
 * target free of
 * "." and ".." components. A volume accepted must have a name that is
 * one file name, and its vol-dumpxml form must read back as the same
 * name, format, capacity and backing store.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/pool_conf.h"
#include "storage/iscsi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_pool(const struct pool_def *def)
{
	struct pool_def *back = NULL;
	char *text = pool_def_format(def, NULL);
	char *again;

	/* an rbd pool's "target" is its Ceph pool, the volumes' POOL/ */
	if (def->type == POOL_RBD
		    ? !def->source_name || strcmp(def->target, def->source_name)
		    : def->target[0] != '/' || strstr(def->target, "/../") ||
			      strstr(def->target, "/./") ||
			      strstr(def->target, "//"))
		abort();
	if (pool_def_parse(text, strlen(text), &back, NULL, NULL) < 0)
		abort();
	again = pool_def_format(back, NULL);
	if (strcmp(text, again))
		abort();
	free(again);
	free(text);
	pool_def_free(back);
}

static void check_vol(const struct vol_def *d)
{
	struct storage_vol v = {
		.name = d->name,
		.format = d->format,
		.capacity = d->capacity,
		.backing = d->backing,
		.backing_format = d->backing_format,
		.mode = 0600,
	};
	struct vol_def *back = NULL;
	char *text;

	if (storage_vol_name_check(d->name, NULL) < 0 || strchr(d->name, '/'))
		abort();
	v.path = malloc(strlen(d->name) + 8);
	strcpy(v.path, "/pool/");
	strcat(v.path, d->name);
	text = vol_format_xml(&v);
	if (vol_def_parse(text, strlen(text), &back, NULL, NULL) < 0)
		abort();
	if (strcmp(back->name, d->name) || strcmp(back->format, d->format) ||
	    back->capacity != d->capacity || !back->backing != !d->backing ||
	    (d->backing && strcmp(back->backing, d->backing)))
		abort();
	vol_def_free(back);
	free(text);
	free(v.path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pool_def *pool = NULL;
	struct vol_def *vol = NULL;
	struct xml_warnings w = {0};
	struct err *e = NULL;

	struct pool_source_spec spec = {0};

	/* find-storage-pool-sources' spec: a host and initiator as a pool's */
	if (pool_source_spec_parse((const char *)data, size, &spec, &w, &e) ==
	    0) {
		if (!iscsi_host_ok(spec.host) || spec.port > 65535 ||
		    (spec.initiator && !iscsi_name_ok(spec.initiator)))
			abort();
		pool_source_spec_clear(&spec);
	} else if (!e || !err_msg(e)[0] || spec.host || spec.initiator) {
		abort();
	}
	err_free(e);
	e = NULL;
	xml_warnings_clear(&w);
	if (pool_def_parse((const char *)data, size, &pool, &w, &e) == 0)
		check_pool(pool);
	else if (!e || !err_msg(e)[0])
		abort();
	err_free(e);
	e = NULL;
	if (vol_def_parse((const char *)data, size, &vol, &w, &e) == 0)
		check_vol(vol);
	else if (!e || !err_msg(e)[0])
		abort();
	pool_def_free(pool);
	vol_def_free(vol);
	xml_warnings_clear(&w);
	err_free(e);
	return 0;
}
