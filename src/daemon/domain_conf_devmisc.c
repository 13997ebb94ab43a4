// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * <tpm>, <shmem> and <vsock> as libvirt reads them (domain_conf_devmisc.h),
 * with libvirt's rules: one TPM, TPM 1.2 not on CRB, PCR banks for TPM
 * 2.0 only; a shared memory's size a power of two of at least 1 MiB, a
 * server for ivshmem-doorbell and none for ivshmem-plain, <msi> with a
 * server only; a guest CID of at least 3. A machine's <filesystem> is
 * domain_conf_vfs.c's.
 */
#include <errno.h>
#include <inttypes.h>
#include <uuid/uuid.h>

#include "daemon/domain_conf_devmisc.h"
#include "daemon/domain_conf_hw.h"
#include "lib/size.h"

const char *const tpm_pcr_bank_names[] = {"sha1", "sha256", "sha384", "sha512",
					  NULL};
const char *const shmem_model_names[] = {"ivshmem", "ivshmem-plain",
					 "ivshmem-doorbell", NULL};
static const char *const tpm_model_names[] = {"tpm-tis", "tpm-crb", NULL};
static const char *const tpm_backend_names[] = {"passthrough", "emulator",
						"external", NULL};
static const char *const tpm_version_names[] = {"", "1.2", "2.0", NULL};
static const char *const on_off[] = {"", "on", "off", NULL};
static const char *const yes_no[] = {"", "yes", "no", NULL};
static const char *const role_names[] = {"", "master", "peer", NULL};

static struct domain_devmisc *misc_of(struct domain_def *d)
{
	if (!d->misc)
		d->misc = xcalloc(1, sizeof(*d->misc));
	return d->misc;
}

/* An absolute path of a sane length in attribute @attr of @n. */
static int parse_path(const xmlNode *n, const char *attr, const char *what,
		      char **out, struct err **e)
{
	*out = xml_attr(n, attr);
	if (!*out)
		return xml_err(e, n, "%s without %s", what, attr);
	if ((*out)[0] != '/' || strlen(*out) > 4096)
		return xml_err(e, n, "%s '%s': not an absolute path", what,
			       *out);
	return 0;
}

static int parse_pcr_banks(const xmlNode *n, struct domain_tpm *t,
			   struct xml_warnings *w, struct err **e)
{
	xml_check_known(n, NULL, tpm_pcr_bank_names, w);
	for (size_t i = 0; tpm_pcr_bank_names[i]; i++)
		if (xml_child(n, tpm_pcr_bank_names[i]))
			t->pcr_banks |= 1u << i;
	if (t->version == TPM_VERSION_1_2)
		return xml_err(e, n,
			       "<active_pcr_banks>: TPM 1.2 has none (they "
			       "are TPM 2.0's)");
	return 0;
}

/* <backend type='emulator' version= persistent_state=> and its
 * <encryption secret=>, <active_pcr_banks>. */
static int parse_emulator(const xmlNode *b, struct domain_tpm *t,
			  struct xml_warnings *w, struct err **e)
{
	const xmlNode *n;
	int r;

	xml_check_known(
		b,
		(const char *const[]){"type", "version", "persistent_state",
				      NULL},
		(const char *const[]){"encryption", "active_pcr_banks", NULL},
		w);
	if ((r = domain_attr_enum(b, "version", "TPM version",
				  tpm_version_names, e)) < 0)
		return r;
	t->version = (enum tpm_version)r;
	if ((r = domain_attr_enum(b, "persistent_state", "persistent_state",
				  yes_no, e)) < 0)
		return r;
	t->pstate = (enum domain_tristate)r;
	if ((n = xml_child(b, "encryption"))) {
		uuid_t u;

		xml_check_known(n, (const char *const[]){"secret", NULL}, NULL,
				w);
		t->secret = xml_attr(n, "secret");
		if (!t->secret || uuid_parse(t->secret, u) < 0)
			return xml_err(e, n,
				       "<encryption secret='%s'>: not a "
				       "secret's UUID",
				       t->secret ? t->secret : "");
	}
	if ((n = xml_child(b, "active_pcr_banks")) &&
	    parse_pcr_banks(n, t, w, e) < 0)
		return -EINVAL;
	return 0;
}

/* <backend type='external'><source type='unix' mode='connect' path=>. */
static int parse_external(const xmlNode *b, struct domain_tpm *t,
			  struct xml_warnings *w, struct err **e)
{
	const xmlNode *s = xml_child(b, "source");
	_cleanup_free_ char *type = NULL, *mode = NULL;

	xml_check_known(b, (const char *const[]){"type", NULL},
			(const char *const[]){"source", NULL}, w);
	if (!s)
		return xml_err(e, b,
			       "<backend type='external'> without <source>");
	xml_check_known(s, (const char *const[]){"type", "mode", "path", NULL},
			NULL, w);
	type = xml_attr(s, "type");
	mode = xml_attr(s, "mode");
	if (!type || !streq(type, "unix"))
		return xml_err(e, s,
			       "<source type='%s'>: an external TPM is a "
			       "unix socket (type='unix')",
			       type ? type : "");
	if (mode && !streq(mode, "connect"))
		return xml_err(e, s,
			       "<source mode='%s'>: QEMU connects to an "
			       "external TPM (mode='connect')",
			       mode);
	return parse_path(s, "path", "TPM <source>", &t->socket, e);
}

static int parse_backend(const xmlNode *b, struct domain_tpm *t,
			 struct xml_warnings *w, struct err **e)
{
	_cleanup_free_ char *type = xml_attr(b, "type");
	const xmlNode *dev;
	int r;

	if ((r = xml_enum(b, "TPM backend", type ? type : "", tpm_backend_names,
			  e)) < 0)
		return r;
	t->backend = (enum tpm_backend)r;
	switch (t->backend) {
	case TPM_BACKEND_PASSTHROUGH:
		xml_check_known(b, (const char *const[]){"type", NULL},
				(const char *const[]){"device", NULL}, w);
		if (!(dev = xml_child(b, "device"))) {
			t->device = xstrdup("/dev/tpm0");
			return 0;
		}
		xml_check_known(dev, (const char *const[]){"path", NULL}, NULL,
				w);
		return parse_path(dev, "path", "TPM <device>", &t->device, e);
	case TPM_BACKEND_EMULATOR:
		return parse_emulator(b, t, w, e);
	case TPM_BACKEND_EXTERNAL:
		return parse_external(b, t, w, e);
	}
	return 0;
}

static int parse_tpm(const xmlNode *c, struct domain_def *d,
		     struct xml_warnings *w, struct err **e)
{
	_cleanup_free_ char *model = xml_attr(c, "model");
	const xmlNode *b = xml_child(c, "backend");
	struct domain_tpm *t;
	int r = 0;

	xml_check_known(c, (const char *const[]){"model", NULL},
			(const char *const[]){"backend", "alias", NULL}, w);
	if (misc_of(d)->tpm)
		return xml_err(e, c, "a second <tpm>");
	t = d->misc->tpm = xcalloc(1, sizeof(*t));
	if (model &&
	    (r = xml_enum(c, "TPM model", model, tpm_model_names, e)) < 0)
		return r;
	t->model = model ? (enum tpm_model)r : TPM_MODEL_TIS;
	if (!b)
		return xml_err(e, c, "<tpm> without <backend>");
	if (parse_backend(b, t, w, e) < 0)
		return -EINVAL;
	if (t->model == TPM_MODEL_CRB && t->version == TPM_VERSION_1_2)
		return xml_err(e, c,
			       "TPM 1.2 on model 'tpm-crb': the CRB "
			       "interface is TPM 2.0's");
	return 0;
}

/* <size unit='M'>: bytes by default, as libvirt reads it; a power of
 * two of at least 1 MiB. */
static int parse_shmem_size(const xmlNode *n, struct domain_shmem *s,
			    struct xml_warnings *w, struct err **e)
{
	_cleanup_free_ char *text = xml_text(n);
	_cleanup_free_ char *unit = xml_attr(n, "unit");
	_cleanup_err_ struct err *why = NULL;
	uint64_t bytes;

	xml_check_known(n, (const char *const[]){"unit", NULL}, NULL, w);
	if (size_parse_unit(text, unit ? unit : "B", &bytes, &why) < 0)
		return xml_err(e, n, "shmem size: %s", err_msg(why));
	if (bytes & (bytes - 1) || !bytes)
		return xml_err(e, n,
			       "shmem '%s': size %" PRIu64
			       " bytes is not a power of two",
			       s->name, bytes);
	if (bytes < 1024 * 1024)
		return xml_err(e, n,
			       "shmem '%s': size %" PRIu64
			       " bytes is less than 1 MiB",
			       s->name, bytes);
	s->size_kib = bytes / 1024;
	return 0;
}

/* <msi vectors= ioeventfd=>. */
static int parse_msi(const xmlNode *n, struct domain_shmem *s,
		     struct xml_warnings *w, struct err **e)
{
	_cleanup_free_ char *vectors = xml_attr(n, "vectors");
	uint64_t v;
	int r;

	xml_check_known(
		n,
		(const char *const[]){"enabled", "vectors", "ioeventfd", NULL},
		NULL, w);
	s->msi = true;
	if (vectors) {
		if (xml_uint(n, "msi vectors", vectors, 1, 1024, &v, e) < 0)
			return -EINVAL;
		s->vectors = (unsigned)v;
	}
	if ((r = domain_attr_enum(n, "ioeventfd", "ioeventfd", on_off, e)) < 0)
		return r;
	s->ioeventfd = (enum domain_tristate)r;
	return 0;
}

/* A shared memory's name is a file of /dev/shm (or the server's). */
static int check_shmem_name(const xmlNode *c, const char *name, struct err **e)
{
	if (!name)
		return xml_err(e, c, "<shmem> without a name");
	if (!*name || strchr(name, '/') || streq(name, ".") ||
	    streq(name, "..") || strlen(name) > 200)
		return xml_err(e, c,
			       "shmem name '%s': not a file name (1 to 200 "
			       "characters, no '/')",
			       name);
	return 0;
}

/* libvirt's rules between model, server and msi. */
static int check_shmem(const xmlNode *c, const struct domain_shmem *s,
		       struct err **e)
{
	if (s->msi && !s->server)
		return xml_err(e, c,
			       "shmem '%s': <msi> needs a <server> (its "
			       "interrupts come from the server)",
			       s->name);
	if (s->model == SHMEM_PLAIN && s->server)
		return xml_err(e, c,
			       "shmem '%s': model 'ivshmem-plain' has no "
			       "<server> (use ivshmem-doorbell)",
			       s->name);
	if (s->model == SHMEM_DOORBELL && !s->server)
		return xml_err(e, c,
			       "shmem '%s': model 'ivshmem-doorbell' needs a "
			       "<server>",
			       s->name);
	return 0;
}

static int parse_shmem_parts(const xmlNode *c, struct domain_shmem *s,
			     struct xml_warnings *w, struct err **e)
{
	const xmlNode *n;
	_cleanup_free_ char *type = NULL;
	int r;

	if ((r = domain_attr_enum(c, "role", "shmem role", role_names, e)) < 0)
		return r;
	s->role = r;
	if ((n = xml_child(c, "model"))) {
		xml_check_known(n, (const char *const[]){"type", NULL}, NULL,
				w);
		type = xml_attr(n, "type");
		if ((r = xml_enum(n, "shmem model", type ? type : "",
				  shmem_model_names, e)) < 0)
			return r;
		s->model = (enum shmem_model)r;
		s->model_given = true;
	}
	if ((n = xml_child(c, "size")) && parse_shmem_size(n, s, w, e) < 0)
		return -EINVAL;
	if ((n = xml_child(c, "server"))) {
		xml_check_known(n, (const char *const[]){"path", NULL}, NULL,
				w);
		s->server = true;
		if (xmlHasProp(n, BAD_CAST "path") &&
		    parse_path(n, "path", "shmem <server>", &s->server_path,
			       e) < 0)
			return -EINVAL;
	}
	if ((n = xml_child(c, "msi")) && parse_msi(n, s, w, e) < 0)
		return -EINVAL;
	if (domain_parse_address(c, &s->pci, NULL, e) < 0)
		return -EINVAL;
	return check_shmem(c, s, e);
}

static int parse_shmem(const xmlNode *c, struct domain_def *d,
		       struct xml_warnings *w, struct err **e)
{
	struct domain_devmisc *m = misc_of(d);
	struct domain_shmem *s;

	xml_check_known(c, (const char *const[]){"name", "role", NULL},
			(const char *const[]){"model", "size", "server", "msi",
					      "alias", "address", NULL},
			w);
	if (m->n_shmems == DOMAIN_MAX_SHMEMS)
		return xml_err(e, c, "more than %d <shmem>", DOMAIN_MAX_SHMEMS);
	m->shmems =
		xreallocarray(m->shmems, m->n_shmems + 1, sizeof(*m->shmems));
	s = &m->shmems[m->n_shmems++];
	memset(s, 0, sizeof(*s));
	s->name = xml_attr(c, "name");
	if (check_shmem_name(c, s->name, e) < 0)
		return -EINVAL;
	for (size_t i = 0; i + 1 < m->n_shmems; i++)
		if (streq(m->shmems[i].name, s->name))
			return xml_err(e, c, "two <shmem> named '%s'", s->name);
	return parse_shmem_parts(c, s, w, e);
}

static int parse_vsock(const xmlNode *c, struct domain_def *d,
		       struct xml_warnings *w, struct err **e)
{
	_cleanup_free_ char *model = xml_attr(c, "model");
	_cleanup_free_ char *addr = NULL;
	const xmlNode *n = xml_child(c, "cid");
	struct domain_vsock *v;
	uint64_t u;
	int r;

	xml_check_known(c, (const char *const[]){"model", NULL},
			(const char *const[]){"cid", "alias", "address", NULL},
			w);
	if (misc_of(d)->vsock)
		return xml_err(e, c, "a second <vsock>");
	v = d->misc->vsock = xcalloc(1, sizeof(*v));
	if (model && !streq(model, "virtio"))
		return xml_err(e, c,
			       "vsock model '%s' not supported (expected "
			       "virtio)",
			       model);
	if (n) {
		xml_check_known(n,
				(const char *const[]){"auto", "address", NULL},
				NULL, w);
		if ((r = domain_attr_enum(n, "auto", "cid auto", yes_no, e)) <
		    0)
			return r;
		v->cid_auto = (enum domain_tristate)r;
		addr = xml_attr(n, "address");
		/* 0 to 2 are the hypervisor's, the reserved and the host's */
		if (addr && xml_uint(n, "vsock cid", addr, 3, UINT32_MAX - 1,
				     &u, e) < 0)
			return -EINVAL;
		v->cid = addr ? (unsigned)u : 0;
	}
	if (v->cid_auto != DOMAIN_TRISTATE_ON && !v->cid)
		return xml_err(e, c,
			       "<vsock> without a guest CID (<cid "
			       "address=> or auto='yes')");
	return domain_parse_address(c, &v->pci, NULL, e);
}

static int parse_memdev(const xmlNode *c, struct domain_def *d,
			struct xml_warnings *w, struct err **e)
{
	struct domain_devmisc *m = misc_of(d);

	if (m->n_memdevs == DOMAIN_MAX_MEMDEVS)
		return xml_err(e, c, "more than %d memory devices",
			       DOMAIN_MAX_MEMDEVS);
	m->memdevs = xreallocarray(m->memdevs, m->n_memdevs + 1,
				   sizeof(*m->memdevs));
	memset(&m->memdevs[m->n_memdevs], 0, sizeof(*m->memdevs));
	return domain_parse_memdev(c, &m->memdevs[m->n_memdevs++], w, e);
}

int domain_parse_devmisc(const xmlNode *c, struct domain_def *d,
			 struct xml_warnings *w, struct err **e)
{
	struct domain_devmisc *m;
	int r;

	if (xmlStrEqual(c->name, BAD_CAST "tpm"))
		r = parse_tpm(c, d, w, e);
	else if (xmlStrEqual(c->name, BAD_CAST "shmem"))
		r = parse_shmem(c, d, w, e);
	else if (xmlStrEqual(c->name, BAD_CAST "vsock"))
		r = parse_vsock(c, d, w, e);
	else if (xmlStrEqual(c->name, BAD_CAST "memory"))
		r = parse_memdev(c, d, w, e);
	else if (!xmlStrEqual(c->name, BAD_CAST "filesystem") ||
		 d->virt == DOMAIN_VIRT_LXC)
		return 0;
	else {
		m = misc_of(d);
		if (m->n_vfs == DOMAIN_MAX_VFS)
			return xml_err(e, c, "more than %d filesystems",
				       DOMAIN_MAX_VFS);
		m->vfs = xreallocarray(m->vfs, m->n_vfs + 1, sizeof(*m->vfs));
		memset(&m->vfs[m->n_vfs], 0, sizeof(*m->vfs));
		r = domain_parse_vfs(c, &m->vfs[m->n_vfs++], w, e);
		for (size_t i = 0; r == 0 && i + 1 < m->n_vfs; i++)
			if (streq(m->vfs[i].target,
				  m->vfs[m->n_vfs - 1].target))
				r = xml_err(e, c,
					    "two filesystems with target "
					    "dir '%s'",
					    m->vfs[i].target);
	}
	return r < 0 ? r : 1;
}

static void format_tpm_backend(FILE *f, const struct domain_tpm *t)
{
	fprintf(f, "      <backend type='%s'", tpm_backend_names[t->backend]);
	if (t->version)
		fprintf(f, " version='%s'", tpm_version_names[t->version]);
	if (t->pstate)
		fprintf(f, " persistent_state='%s'", yes_no[t->pstate]);
	if (t->backend == TPM_BACKEND_EMULATOR && !t->secret && !t->pcr_banks) {
		fputs("/>\n", f);
		return;
	}
	fputs(">\n", f);
	if (t->device) {
		fputs("        <device", f);
		xml_put_attr(f, "path", t->device);
		fputs("/>\n", f);
	}
	if (t->socket) {
		fputs("        <source type='unix' mode='connect'", f);
		xml_put_attr(f, "path", t->socket);
		fputs("/>\n", f);
	}
	if (t->secret)
		fprintf(f, "        <encryption secret='%s'/>\n", t->secret);
	if (t->pcr_banks) {
		fputs("        <active_pcr_banks>\n", f);
		for (size_t i = 0; tpm_pcr_bank_names[i]; i++)
			if (t->pcr_banks & (1u << i))
				fprintf(f, "          <%s/>\n",
					tpm_pcr_bank_names[i]);
		fputs("        </active_pcr_banks>\n", f);
	}
	fputs("      </backend>\n", f);
}

static void format_shmem(FILE *f, const struct domain_shmem *s)
{
	fputs("    <shmem", f);
	xml_put_attr(f, "name", s->name);
	if (s->role)
		fprintf(f, " role='%s'", role_names[s->role]);
	fputs(">\n", f);
	if (s->model_given)
		fprintf(f, "      <model type='%s'/>\n",
			shmem_model_names[s->model]);
	if (s->size_kib)
		fprintf(f, "      <size unit='M'>%" PRIu64 "</size>\n",
			s->size_kib / 1024);
	if (s->server) {
		fputs("      <server", f);
		xml_put_attr(f, "path", s->server_path);
		fputs("/>\n", f);
	}
	if (s->msi) {
		fputs("      <msi", f);
		if (s->vectors)
			fprintf(f, " vectors='%u'", s->vectors);
		if (s->ioeventfd)
			fprintf(f, " ioeventfd='%s'", on_off[s->ioeventfd]);
		fputs("/>\n", f);
	}
	domain_format_pci_address(f, 6, &s->pci);
	fputs("    </shmem>\n", f);
}

static void format_vsock(FILE *f, const struct domain_vsock *v)
{
	fputs("    <vsock model='virtio'>\n      <cid", f);
	if (v->cid_auto)
		fprintf(f, " auto='%s'", yes_no[v->cid_auto]);
	if (v->cid)
		fprintf(f, " address='%u'", v->cid);
	fputs("/>\n", f);
	domain_format_pci_address(f, 6, &v->pci);
	fputs("    </vsock>\n", f);
}

void domain_format_devmisc_fs(FILE *f, const struct domain_def *d)
{
	for (size_t i = 0; d->misc && i < d->misc->n_vfs; i++)
		domain_format_vfs(f, &d->misc->vfs[i]);
}

void domain_format_devmisc(FILE *f, const struct domain_def *d)
{
	const struct domain_devmisc *m = d->misc;

	if (!m)
		return;
	if (m->tpm) {
		fprintf(f, "    <tpm model='%s'>\n",
			tpm_model_names[m->tpm->model]);
		format_tpm_backend(f, m->tpm);
		fputs("    </tpm>\n", f);
	}
	for (size_t i = 0; i < m->n_shmems; i++)
		format_shmem(f, &m->shmems[i]);
	for (size_t i = 0; i < m->n_memdevs; i++)
		domain_format_memdev(f, &m->memdevs[i]);
	if (m->vsock)
		format_vsock(f, m->vsock);
}

void domain_devmisc_free(struct domain_devmisc *m)
{
	if (!m)
		return;
	if (m->tpm) {
		free(m->tpm->device);
		free(m->tpm->secret);
		free(m->tpm->socket);
		free(m->tpm);
	}
	for (size_t i = 0; i < m->n_shmems; i++) {
		free(m->shmems[i].name);
		free(m->shmems[i].server_path);
	}
	free(m->shmems);
	for (size_t i = 0; i < m->n_vfs; i++)
		domain_vfs_clear(&m->vfs[i]);
	free(m->vfs);
	for (size_t i = 0; i < m->n_memdevs; i++)
		domain_memdev_clear(&m->memdevs[i]);
	free(m->memdevs);
	free(m->vsock);
	free(m);
}

const char *domain_devmisc_first(const struct domain_def *d)
{
	const struct domain_devmisc *m = d->misc;

	if (!m)
		return NULL;
	return m->tpm	      ? "<tpm>"
	       : m->n_shmems  ? "<shmem>"
	       : m->n_vfs     ? "<filesystem> (virtio-9p, virtiofs)"
	       : m->vsock     ? "<vsock>"
	       : m->n_memdevs ? "<memory model>"
			      : NULL;
}
