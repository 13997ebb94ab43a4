// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * <rng model='virtio'> (domain_conf_chardev.h): its backend, a host file
 * (model='random'), QEMU's own getrandom() (model='builtin') or an EGD
 * daemon on a character device (model='egd' type='tcp|unix|...', its
 * <source> read as a serial port's), its <rate> and PCI <address>.
 */
#include <errno.h>
#include <inttypes.h>

#include "daemon/domain_conf_chardev.h"
#include "daemon/domain_conf_hw.h"
#include "daemon/domain_conf_virtio.h"

static const char *const backend_names[] = {"random", "egd", "builtin", NULL};

static int parse_backend(const xmlNode *b, struct domain_rng *rng,
			 struct xml_warnings *w, struct err **e)
{
	_cleanup_free_ char *model = xml_attr(b, "model");
	int v;

	if ((v = xml_enum(b, "rng backend", model ? model : "", backend_names,
			  e)) < 0)
		return v;
	rng->model = v;
	switch (rng->model) {
	case RNG_BACKEND_RANDOM:
		xml_check_known(b, (const char *const[]){"model", NULL}, NULL,
				w);
		rng->backend = xml_text(b);
		if (*rng->backend && rng->backend[0] != '/')
			return xml_err(e, b,
				       "rng source '%s' must be an absolute "
				       "path",
				       rng->backend);
		return 0;
	case RNG_BACKEND_EGD:
		xml_check_known(
			b, (const char *const[]){"model", "type", NULL},
			(const char *const[]){"source", "protocol", NULL}, w);
		if (domain_chardev_parse_source(b, &rng->egd_type, &rng->egd, w,
						e) < 0)
			return -EINVAL;
		if (rng->egd_type >= CHARDEV_SPICEVMC)
			return xml_err(e, b,
				       "an EGD backend of type '%s' not "
				       "supported (a display's client is no "
				       "entropy daemon)",
				       chardev_type_names[rng->egd_type]);
		return 0;
	default:
		xml_check_known(b, (const char *const[]){"model", NULL}, NULL,
				w);
		return 0;
	}
}

static int parse_rate(const xmlNode *n, struct domain_rng *rng,
		      struct xml_warnings *w, struct err **e)
{
	_cleanup_free_ char *bytes = xml_attr(n, "bytes");
	_cleanup_free_ char *period = xml_attr(n, "period");

	xml_check_known(n, (const char *const[]){"bytes", "period", NULL}, NULL,
			w);
	if (xml_uint(n, "rate bytes", bytes, 1, UINT32_MAX, &rng->rate_bytes,
		     e) < 0 ||
	    (period && xml_uint(n, "rate period", period, 1, UINT32_MAX,
				&rng->rate_period_ms, e) < 0))
		return -EINVAL;
	return 0;
}

int domain_parse_rng(const xmlNode *node, struct domain_rng *rng,
		     struct xml_warnings *w, struct err **e)
{
	_cleanup_free_ char *model = xml_attr(node, "model");
	const xmlNode *b = xml_child(node, "backend"), *n;

	xml_check_known(node, (const char *const[]){"model", NULL},
			(const char *const[]){"backend", "rate", "alias",
					      "address", "driver", NULL},
			w);
	if (!model || !streq(model, "virtio"))
		return xml_err(e, node,
			       "rng model '%s' not supported "
			       "(expected virtio)",
			       model ? model : "");
	if (b && parse_backend(b, rng, w, e) < 0)
		return -EINVAL;
	if (rng->model == RNG_BACKEND_RANDOM &&
	    (!rng->backend || !*rng->backend)) {
		free(rng->backend);
		rng->backend = xstrdup("/dev/urandom");
	}
	if ((n = xml_child(node, "rate")) && parse_rate(n, rng, w, e) < 0)
		return -EINVAL;
	if (domain_virtio_driver_parse(node, &rng->virtio, w, e) < 0)
		return -EINVAL;
	return domain_parse_address(node, &rng->pci, NULL, e);
}

void domain_format_rng(FILE *f, const struct domain_rng *r)
{
	fputs("    <rng model='virtio'>\n", f);
	if (r->rate_bytes) {
		fprintf(f, "      <rate bytes='%" PRIu64 "'", r->rate_bytes);
		if (r->rate_period_ms)
			fprintf(f, " period='%" PRIu64 "'", r->rate_period_ms);
		fputs("/>\n", f);
	}
	switch (r->model) {
	case RNG_BACKEND_RANDOM:
		fputs("      <backend model='random'>", f);
		xml_escape_text(f, r->backend);
		fputs("</backend>\n", f);
		break;
	case RNG_BACKEND_EGD:
		fprintf(f, "      <backend model='egd' type='%s'>\n",
			chardev_type_names[r->egd_type]);
		domain_chardev_format_source(f, 8, r->egd_type, &r->egd);
		fputs("      </backend>\n", f);
		break;
	case RNG_BACKEND_BUILTIN:
		fputs("      <backend model='builtin'/>\n", f);
		break;
	}
	domain_virtio_driver_format(f, 6, &r->virtio);
	domain_format_pci_address(f, 6, &r->pci);
	fputs("    </rng>\n", f);
}

void domain_rng_clear(struct domain_rng *r)
{
	free(r->backend);
	domain_chardev_source_clear(&r->egd);
}
