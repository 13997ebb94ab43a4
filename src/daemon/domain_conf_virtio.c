// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libvirt's virtio options (domain_conf_virtio.h): <driver iommu='on'
 * ats='off' packed='on' page_per_vq='on'/> on any virtio device, read,
 * written back and checked in one place.
 */
#include <errno.h>
#include <stddef.h>

#include "daemon/domain_conf_virtio.h"

const char *const domain_virtio_opt_names[] = {"iommu", "ats", "packed",
					       "page_per_vq", NULL};
static const char *const on_off[] = {"on", "off", NULL};

/* Where option @i of domain_virtio_opt_names is in the struct. */
static const size_t opt_offsets[] = {
	offsetof(struct domain_virtio_opts, iommu),
	offsetof(struct domain_virtio_opts, ats),
	offsetof(struct domain_virtio_opts, packed),
	offsetof(struct domain_virtio_opts, page_per_vq),
};

static enum domain_tristate *opt_at(struct domain_virtio_opts *o, size_t i)
{
	return (enum domain_tristate *)((char *)o + opt_offsets[i]);
}

static enum domain_tristate opt_get(const struct domain_virtio_opts *o,
				    size_t i)
{
	return *(const enum domain_tristate *)((const char *)o +
					       opt_offsets[i]);
}

int domain_virtio_opts_parse(const xmlNode *drv, struct domain_virtio_opts *o,
			     struct err **e)
{
	for (size_t i = 0; domain_virtio_opt_names[i]; i++) {
		_cleanup_free_ char *v =
			xml_attr(drv, domain_virtio_opt_names[i]);
		_cleanup_free_ char *what = NULL;
		int r;

		if (!v)
			continue;
		what = xasprintf("%s value", domain_virtio_opt_names[i]);
		if ((r = xml_enum(drv, what, v, on_off, e)) < 0)
			return r;
		*opt_at(o, i) =
			r == 0 ? DOMAIN_TRISTATE_ON : DOMAIN_TRISTATE_OFF;
	}
	return 0;
}

int domain_virtio_driver_parse(const xmlNode *dev, struct domain_virtio_opts *o,
			       struct xml_warnings *w, struct err **e)
{
	const xmlNode *drv = xml_child(dev, "driver");

	if (!drv)
		return 0;
	xml_check_known(drv, domain_virtio_opt_names, NULL, w);
	return domain_virtio_opts_parse(drv, o, e);
}

bool domain_virtio_opts_any(const struct domain_virtio_opts *o)
{
	return o->iommu || o->ats || o->packed || o->page_per_vq;
}

void domain_virtio_opts_format(FILE *f, const struct domain_virtio_opts *o)
{
	for (size_t i = 0; domain_virtio_opt_names[i]; i++)
		if (opt_get(o, i))
			fprintf(f, " %s='%s'", domain_virtio_opt_names[i],
				on_off[opt_get(o, i) - 1]);
}

void domain_virtio_driver_format(FILE *f, int indent,
				 const struct domain_virtio_opts *o)
{
	if (!domain_virtio_opts_any(o))
		return;
	fprintf(f, "%*s<driver", indent, "");
	domain_virtio_opts_format(f, o);
	fputs("/>\n", f);
}

/* The first option of @o given (@on: turned on), or NULL. */
static const char *first_opt(const struct domain_virtio_opts *o, bool on)
{
	for (size_t i = 0; domain_virtio_opt_names[i]; i++)
		if (opt_get(o, i) &&
		    (!on || opt_get(o, i) == DOMAIN_TRISTATE_ON))
			return domain_virtio_opt_names[i];
	return NULL;
}

int domain_virtio_opts_absent(const struct domain_virtio_opts *o,
			      const char *dev, struct err **e)
{
	const char *name = first_opt(o, false);

	if (!name)
		return 0;
	return err_set(e, ENOTSUP,
		       "%s: <driver %s=>: a virtio option, on a device that "
		       "is not a virtio one",
		       dev, name);
}

int domain_virtio_opts_only_off(const struct domain_virtio_opts *o,
				const char *dev, const char *who,
				struct err **e)
{
	const char *name = first_opt(o, true);

	if (!name)
		return 0;
	return err_set(e, ENOTSUP,
		       "%s: <driver %s='on'> not supported by %s (it offers "
		       "the guest no such virtio feature)",
		       dev, name, who);
}
