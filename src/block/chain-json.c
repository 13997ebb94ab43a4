// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A chain of open image files as JSON, for the process that receives
 * the fds (nidod -> nido-vmm's configuration):
 *   [ {"fd": 4, "kind": "top", "path": "...", "name": "...",
 *      "format": "qcow2", "rdwr": true}, {"fd": 5, "kind": "backing", ...} ]
 * The fd numbers are those the receiver has.
 */
#include <errno.h>
#include <fcntl.h>

#include "block/chain.h"
#include "lib/json.h"

static const char *const kind_names[] = {
	[BLOCK_REF_TOP] = "top",
	[BLOCK_REF_BACKING] = "backing",
	[BLOCK_REF_EXTENT] = "extent",
};

struct json_object *block_chain_to_json(const struct block_chain *c,
					int first_fd)
{
	struct json_object *arr = json_object_new_array();

	for (int i = 0; i < c->n; i++) {
		const struct block_chain_file *f = &c->files[i];
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "fd",
				       json_object_new_int(first_fd + i));
		json_object_object_add(
			o, "kind", json_object_new_string(kind_names[f->kind]));
		json_object_object_add(o, "path",
				       json_object_new_string(f->path));
		json_object_object_add(o, "name",
				       json_object_new_string(f->name));
		if (f->format)
			json_object_object_add(
				o, "format", json_object_new_string(f->format));
		json_object_object_add(o, "rdwr",
				       json_object_new_boolean(f->rdwr));
		json_object_array_add(arr, o);
	}
	return arr;
}

static int file_from_json(struct json_object *o, struct block_chain_file *f,
			  struct err **e)
{
	const char *kind, *path, *name, *format = NULL;
	int64_t fd;
	bool rdwr = false;
	int k;

	if (!json_object_is_type(o, json_type_object))
		return err_set(e, EINVAL, "a chain entry is not an object");
	if (json_get_int64(o, "fd", &fd, e) < 0 ||
	    json_get_string(o, "kind", &kind, e) < 0 ||
	    json_get_string(o, "path", &path, e) < 0 ||
	    json_get_string(o, "name", &name, e) < 0 ||
	    json_get_string_opt(o, "format", &format, e) < 0 ||
	    json_get_bool_opt(o, "rdwr", &rdwr, e) < 0)
		return -EINVAL;
	for (k = 0; k < 3 && !streq(kind, kind_names[k]); k++)
		;
	if (k == 3)
		return err_set(e, EINVAL, "chain entry kind '%s' unknown",
			       kind);
	if (fd < 3 || fd > INT32_MAX || fcntl((int)fd, F_GETFD) < 0)
		return err_set(e, EBADF,
			       "chain entry '%s': fd %lld is not open", path,
			       (long long)fd);
	*f = (struct block_chain_file){
		.kind = (enum block_ref_kind)k,
		.fd = (int)fd,
		.path = xstrdup(path),
		.name = xstrdup(name),
		.format = format ? xstrdup(format) : NULL,
		.rdwr = rdwr,
	};
	return 0;
}

int block_chain_from_json(struct json_object *arr, struct block_chain *c,
			  struct err **e)
{
	size_t n;

	*c = (struct block_chain){0};
	if (!json_object_is_type(arr, json_type_array))
		return err_set(e, EINVAL, "a chain is not an array");
	n = json_object_array_length(arr);
	if (n == 0 || n > 4 * BLOCK_MAX_CHAIN)
		return err_set(e, EINVAL, "a chain of %zu files", n);
	c->files = xcalloc(n, sizeof(*c->files));
	for (size_t i = 0; i < n; i++) {
		int r = file_from_json(json_object_array_get_idx(arr, i),
				       &c->files[i], e);

		if (r < 0) {
			block_chain_clear(c);
			return r;
		}
		c->n++;
	}
	return 0;
}
