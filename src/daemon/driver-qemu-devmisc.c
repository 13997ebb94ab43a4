// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The qemu driver's <tpm>, <shmem>, machine <filesystem> and <vsock>
 * (driver-qemu.h), as libvirt runs them: a TPM on -tpmdev (passthrough,
 * or emulator on a swtpm's control channel) behind tpm-tis or tpm-crb;
 * ivshmem-plain on a memory-backend-file of /dev/shm/NAME shared with
 * whoever maps it, ivshmem-doorbell on an ivshmem-server's socket;
 * virtio-9p-pci on -fsdev local; vhost-user-fs-pci on a virtiofsd's
 * socket; vhost-vsock-pci.
 */
#include <errno.h>
#include <inttypes.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <unistd.h>

#include "daemon/domain_conf_devmisc.h"
#include "daemon/driver-qemu.h"
#include "lib/json.h"

static void add_str(struct json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v));
}

static void add_bool(struct json_object *o, const char *k, bool v)
{
	json_object_object_add(o, k, json_object_new_boolean(v));
}

/* ats, iommu_platform, packed of <driver>. */
static void add_virtio_opts(struct json_object *o, const struct domain_vfs *fs)
{
	if (fs->ats)
		add_bool(o, "ats", fs->ats == DOMAIN_TRISTATE_ON);
	if (fs->iommu)
		add_bool(o, "iommu_platform", fs->iommu == DOMAIN_TRISTATE_ON);
	if (fs->packed)
		add_bool(o, "packed", fs->packed == DOMAIN_TRISTATE_ON);
}

/* @s into @f as a value of QEMU's key=value options: commas doubled. */
static void put_opt_value(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == ',')
			fputc(',', f);
		fputc(*s, f);
	}
}

/* -fsdev local and its virtio-9p-pci. */
static void fs9p_args(struct qemu_argv *a, const struct domain_def *def,
		      size_t i)
{
	/* accessmode: passthrough (QEMU's own ids), mapped (owners in
	 * xattrs), squash (none) */
	static const char *const model[] = {"passthrough", "passthrough",
					    "mapped", "none"};
	static const char *const multidevs[] = {"", "default", "remap",
						"forbid", "warn"};
	const struct domain_vfs *fs = &def->misc->vfs[i];
	struct json_object *dev = json_object_new_object();
	_cleanup_free_ char *id = xasprintf("fs%zu", i);
	_cleanup_free_ char *fsdev = xasprintf("fsdev-fs%zu", i);
	_cleanup_free_ char *opt = NULL;
	size_t len;
	FILE *f = open_memstream(&opt, &len);

	if (!f)
		abort();
	fprintf(f, "local,security_model=%s", model[fs->access]);
	if (fs->wrpolicy)
		fputs(",writeout=immediate", f);
	if (fs->readonly)
		fputs(",readonly=on", f);
	if (fs->fmode >= 0)
		fprintf(f, ",fmode=%04o", (unsigned)fs->fmode);
	if (fs->dmode >= 0)
		fprintf(f, ",dmode=%04o", (unsigned)fs->dmode);
	if (fs->multidevs)
		fprintf(f, ",multidevs=%s", multidevs[fs->multidevs]);
	fprintf(f, ",id=%s,path=", fsdev);
	put_opt_value(f, fs->source);
	fclose(f);
	qemu_arg(a, "-fsdev");
	qemu_arg(a, opt);
	add_str(dev, "driver", "virtio-9p-pci");
	add_virtio_opts(dev, fs);
	add_str(dev, "id", id);
	add_str(dev, "fsdev", fsdev);
	add_str(dev, "mount_tag", fs->target);
	qemu_json_pci(dev, def, QEMU_PCI_FS, i);
	qemu_arg_json(a, "-device", dev);
}

/* -chardev socket,id=@id,path=@path (QEMU 7.2's -chardev has no JSON
 * form). */
static void socket_chardev(struct qemu_argv *a, const char *id,
			   const char *path)
{
	_cleanup_free_ char *opt = NULL;
	size_t len;
	FILE *f = open_memstream(&opt, &len);

	if (!f)
		abort();
	fprintf(f, "socket,id=%s,path=", id);
	put_opt_value(f, path);
	fclose(f);
	qemu_arg(a, "-chardev");
	qemu_arg(a, opt);
}

/* vhost-user-fs-pci on a virtiofsd's socket: the user's, or nidod's
 * virtiofsd's on QEMU's fd @fd (-1: a placeholder path). */
static void virtiofs_args(struct qemu_argv *a, const struct domain_def *def,
			  size_t i, int fd)
{
	const struct domain_vfs *fs = &def->misc->vfs[i];
	struct json_object *dev = json_object_new_object();
	_cleanup_free_ char *id = xasprintf("fs%zu", i);
	_cleanup_free_ char *chr = xasprintf("chr-vu-fs%zu", i);
	_cleanup_free_ char *opt = NULL;

	if (fs->socket || fd < 0) {
		socket_chardev(a, chr,
			       fs->socket ? fs->socket
					  : "<virtiofsd's socket>");
	} else {
		opt = xasprintf("socket,id=%s,fd=%d", chr, fd);
		qemu_arg(a, "-chardev");
		qemu_arg(a, opt);
	}
	add_str(dev, "driver", "vhost-user-fs-pci");
	add_virtio_opts(dev, fs);
	add_str(dev, "id", id);
	add_str(dev, "chardev", chr);
	if (fs->queue)
		json_object_object_add(dev, "queue-size",
				       json_object_new_int((int)fs->queue));
	add_str(dev, "tag", fs->target);
	qemu_json_pci(dev, def, QEMU_PCI_FS, i);
	qemu_arg_json(a, "-device", dev);
}

/* The device's model: the legacy 'ivshmem' (QEMU has it no more) is
 * the one of the two that replaced it it behaves as. */
static enum shmem_model shmem_model(const struct domain_shmem *s)
{
	if (s->model != SHMEM_IVSHMEM)
		return s->model;
	return s->server ? SHMEM_DOORBELL : SHMEM_PLAIN;
}

static void shmem_args(struct qemu_argv *a, const struct domain_def *def,
		       size_t i)
{
	const struct domain_shmem *s = &def->misc->shmems[i];
	struct json_object *dev = json_object_new_object();
	_cleanup_free_ char *id = xasprintf("shmem%zu", i);
	_cleanup_free_ char *mem = xasprintf("shmmem-%s", s->name);
	_cleanup_free_ char *chr = xasprintf("charshmem%zu", i);

	if (shmem_model(s) == SHMEM_PLAIN) {
		struct json_object *o = json_object_new_object();
		_cleanup_free_ char *path = xasprintf("/dev/shm/%s", s->name);

		add_str(o, "qom-type", "memory-backend-file");
		add_str(o, "id", mem);
		add_str(o, "mem-path", path);
		json_object_object_add(
			o, "size",
			json_object_new_uint64(
				(s->size_kib ? s->size_kib : 4096) * 1024));
		add_bool(o, "share", true);
		qemu_arg_json(a, "-object", o);
		add_str(dev, "driver", "ivshmem-plain");
		add_str(dev, "memdev", mem);
	} else {
		_cleanup_free_ char *path =
			s->server_path ? xstrdup(s->server_path)
				       : xasprintf(QEMU_SHMEM_SERVER_DIR
						   "/shmem-%s-sock",
						   s->name);

		socket_chardev(a, chr, path);
		add_str(dev, "driver", "ivshmem-doorbell");
		add_str(dev, "chardev", chr);
		if (s->vectors)
			json_object_object_add(
				dev, "vectors",
				json_object_new_int((int)s->vectors));
		add_bool(dev, "ioeventfd", s->ioeventfd != DOMAIN_TRISTATE_OFF);
	}
	add_str(dev, "id", id);
	if (s->role)
		add_bool(dev, "master", s->role == 1);
	qemu_json_pci(dev, def, QEMU_PCI_SHMEM, i);
	qemu_arg_json(a, "-device", dev);
}

static void vsock_args(struct qemu_argv *a, const struct domain_def *def)
{
	const struct domain_vsock *v = def->misc->vsock;
	struct json_object *dev = json_object_new_object();

	add_str(dev, "driver", "vhost-vsock-pci");
	add_str(dev, "id", "vsock0");
	/* auto='yes' without an address: the first guest CID */
	json_object_object_add(dev, "guest-cid",
			       json_object_new_int64(v->cid ? v->cid : 3));
	qemu_json_pci(dev, def, QEMU_PCI_VSOCK, 0);
	qemu_arg_json(a, "-device", dev);
}

void qemu_argv_devmisc(struct qemu_argv *a, const struct domain_def *def)
{
	const struct domain_devmisc *m = def->misc;

	if (!m)
		return;
	for (size_t i = 0; i < m->n_vfs; i++) {
		if (m->vfs[i].driver != VFS_DRIVER_VIRTIOFS)
			fs9p_args(a, def, i);
		else if (!qemu_virtiofsd_needed(&m->vfs[i]))
			virtiofs_args(a, def, i, -1);
	}
	for (size_t i = 0; i < m->n_shmems; i++)
		shmem_args(a, def, i);
	if (m->vsock)
		vsock_args(a, def);
	qemu_argv_memdevs(a, def);
}

void qemu_argv_virtiofs(struct qemu_argv *a, const struct domain_def *def,
			int first_fd)
{
	const struct domain_devmisc *m = def->misc;
	int fd = first_fd;

	for (size_t i = 0; m && i < m->n_vfs; i++)
		if (qemu_virtiofsd_needed(&m->vfs[i]))
			virtiofs_args(a, def, i, first_fd < 0 ? -1 : fd++);
}

void qemu_argv_tpm(struct qemu_argv *a, const struct domain_def *def,
		   int tpm_fd)
{
	const struct domain_tpm *t = def->misc ? def->misc->tpm : NULL;
	struct json_object *dev;
	_cleanup_free_ char *s = NULL;

	if (!t)
		return;
	if (t->backend == TPM_BACKEND_PASSTHROUGH) {
		_cleanup_free_ char *base =
			xstrdup(strrchr(t->device, '/') + 1);

		s = xasprintf("passthrough,id=tpm-tpm0,path=%s,cancel-path="
			      "/sys/class/tpm/%s/device/cancel",
			      t->device, base);
	} else {
		if (t->backend == TPM_BACKEND_EXTERNAL || tpm_fd < 0)
			socket_chardev(a, "chrtpm",
				       t->socket ? t->socket
						 : "<swtpm's control socket>");
		else {
			s = xasprintf("socket,id=chrtpm,fd=%d", tpm_fd);
			qemu_arg(a, "-chardev");
			qemu_arg(a, s);
			free(steal_ptr(s));
		}
		s = xstrdup("emulator,id=tpm-tpm0,chardev=chrtpm");
	}
	qemu_arg(a, "-tpmdev");
	qemu_arg(a, s);
	dev = json_object_new_object();
	add_str(dev, "driver",
		t->model == TPM_MODEL_CRB ? "tpm-crb" : "tpm-tis");
	add_str(dev, "tpmdev", "tpm-tpm0");
	add_str(dev, "id", "tpm0");
	qemu_arg_json(a, "-device", dev);
}

/* Whether guest RAM is shared with other processes (a vhost-user
 * device's need): <access mode='shared'>, or every cell's memAccess. */
static bool memory_shared(const struct domain_def *d)
{
	const struct domain_mem *m = &d->hw.mem;

	if (!m->n_cells)
		return m->access == 1;
	for (size_t i = 0; i < m->n_cells; i++) {
		int acc = m->cells[i].mem_access ? m->cells[i].mem_access
						 : m->access;

		if (acc != 1)
			return false;
	}
	return true;
}

int qemu_check_devmisc(const struct domain_def *d, struct xml_warnings *w,
		       struct err **e)
{
	const struct domain_devmisc *m = d->misc;

	if (domain_memdevs_check(d, e) < 0)
		return -EINVAL;
	for (size_t i = 0; m && i < m->n_vfs; i++) {
		const struct domain_vfs *fs = &m->vfs[i];

		if (fs->driver == VFS_DRIVER_HANDLE)
			return err_set(e, ENOTSUP,
				       "filesystem '%s': driver 'handle' is "
				       "gone from QEMU (use type='path')",
				       fs->target);
		if (fs->driver == VFS_DRIVER_VIRTIOFS && !memory_shared(d))
			return err_set(e, ENOTSUP,
				       "filesystem '%s': virtiofs needs guest "
				       "memory shared with virtiofsd "
				       "(<memoryBacking><access "
				       "mode='shared'/>, or each NUMA cell's "
				       "memAccess='shared')",
				       fs->target);
	}
	for (size_t i = 0; m && i < m->n_shmems; i++) {
		const struct domain_shmem *s = &m->shmems[i];

		if (s->model == SHMEM_IVSHMEM && s->server && !s->msi)
			xml_warn_def(w,
				     "<shmem name='%s'>: interrupts as MSI, "
				     "QEMU's ivshmem-doorbell (which "
				     "replaced 'ivshmem') has no other",
				     s->name);
	}
	return 0;
}

/* A path that must exist on the host, of type @mode (S_IFDIR, ...). */
static int need(const char *what, const char *path, mode_t mode, struct err **e)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return err_sys(e, errno, "%s '%s'", what, path);
	if ((st.st_mode & S_IFMT) != mode)
		return err_set(e, ENOTSUP, "%s '%s': not a %s", what, path,
			       mode == S_IFDIR	  ? "directory"
			       : mode == S_IFCHR  ? "character device"
			       : mode == S_IFSOCK ? "socket"
						  : "file");
	return 0;
}

static int check_tpm_host(const struct domain_tpm *t, struct err **e)
{
	switch (t->backend) {
	case TPM_BACKEND_PASSTHROUGH:
		return need("TPM device", t->device, S_IFCHR, e);
	case TPM_BACKEND_EXTERNAL:
		return need("TPM socket", t->socket, S_IFSOCK, e);
	case TPM_BACKEND_EMULATOR:
		if (t->secret)
			return err_set(e, ENOTSUP,
				       "<tpm><encryption secret='%s'>: nido "
				       "keeps no secrets (no secret-define): "
				       "the TPM's state cannot be encrypted",
				       t->secret);
		return qemu_swtpm_check(e);
	}
	return 0;
}

int qemu_devmisc_check_host(const struct domain_def *def, struct err **e)
{
	const struct domain_devmisc *m = def->misc;
	int r;

	if (!m)
		return 0;
	if (m->tpm && (r = check_tpm_host(m->tpm, e)) < 0)
		return r;
	/* libvirt defines it and QEMU refuses it: said before QEMU runs */
	for (size_t i = 0; i < m->n_memdevs; i++)
		if (m->memdevs[i].model <= MEMDEV_NVDIMM && !def->hw.acpi)
			return err_set(
				e, ENOTSUP,
				"memory device %zu (%s): QEMU plugs DIMMs "
				"through ACPI (<features><acpi/>)",
				i, memdev_model_names[m->memdevs[i].model]);
	for (size_t i = 0; i < m->n_vfs; i++) {
		const struct domain_vfs *fs = &m->vfs[i];

		if (fs->socket)
			r = need("virtiofs socket", fs->socket, S_IFSOCK, e);
		else
			r = need("filesystem source", fs->source, S_IFDIR, e);
		if (r == 0 && qemu_virtiofsd_needed(fs) &&
		    access(fs->binary && *fs->binary
				   ? fs->binary
				   : "/usr/lib/qemu/virtiofsd",
			   X_OK) < 0 &&
		    access("/usr/libexec/virtiofsd", X_OK) < 0)
			r = err_sys(e, errno, "filesystem '%s': virtiofsd",
				    fs->target);
		if (r < 0)
			return r;
	}
	if (m->vsock)
		return need("vsock device", "/dev/vhost-vsock", S_IFCHR, e);
	return 0;
}
