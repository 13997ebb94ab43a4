/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A machine's devices that share the host with the guest
 * (domain_conf_devmisc.c, domain_conf_vfs.c): <tpm> (an emulated TPM
 * run by swtpm, the host's own, or a swtpm the user runs), <shmem>
 * (ivshmem: memory shared with the host and other guests), a machine's
 * <filesystem> (a host directory over virtio-9p or virtiofs) and <vsock>.
 * They hang off struct domain_def as @misc (NULL: none of them), which
 * domain_conf.c parses, formats and frees through these functions; what
 * the qemu driver runs of them is driver-qemu-devmisc.c's to say.
 */
#ifndef NIDO_DAEMON_DOMAIN_CONF_DEVMISC_H
#define NIDO_DAEMON_DOMAIN_CONF_DEVMISC_H

#include <stdio.h>

#include "daemon/domain_conf.h"

/* <tpm model=>. */
enum tpm_model { TPM_MODEL_TIS, TPM_MODEL_CRB };
/* <backend type=>. */
enum tpm_backend {
	TPM_BACKEND_PASSTHROUGH, /* the host's TPM (<device path=>) */
	TPM_BACKEND_EMULATOR,	 /* a swtpm nidod starts */
	TPM_BACKEND_EXTERNAL,	 /* a swtpm's socket the user gives */
};
/* <backend version=>: 0 not given. */
enum tpm_version { TPM_VERSION_ABSENT, TPM_VERSION_1_2, TPM_VERSION_2_0 };

/* <active_pcr_banks>' children, as bits. */
#define TPM_PCR_SHA1   (1u << 0)
#define TPM_PCR_SHA256 (1u << 1)
#define TPM_PCR_SHA384 (1u << 2)
#define TPM_PCR_SHA512 (1u << 3)
extern const char *const tpm_pcr_bank_names[]; /* sha1, sha256, ... */

struct domain_tpm {
	enum tpm_model model;
	enum tpm_backend backend;
	char *device;		     /* passthrough: <device path=> */
	enum tpm_version version;    /* emulator */
	enum domain_tristate pstate; /* emulator: persistent_state= */
	char *secret;		     /* emulator: <encryption secret=> */
	unsigned pcr_banks;	     /* emulator: TPM_PCR_*; 0: none */
	char *socket;		     /* external: <source path=> */
};

/* <shmem><model type=>: 0 not given (libvirt's legacy 'ivshmem'). */
enum shmem_model { SHMEM_IVSHMEM, SHMEM_PLAIN, SHMEM_DOORBELL };
extern const char *const shmem_model_names[];

struct domain_shmem {
	char *name;	  /* a file of /dev/shm, or the server's */
	int role;	  /* 0 not given, 1 master, 2 peer */
	bool model_given; /* <model> was written */
	enum shmem_model model;
	uint64_t size_kib;		/* <size>; 0: not given */
	bool server;			/* <server> */
	char *server_path;		/* <server path=>; NULL: the default */
	bool msi;			/* <msi> */
	unsigned vectors;		/* <msi vectors=>; 0: not given */
	enum domain_tristate ioeventfd; /* <msi ioeventfd=> */
	struct dev_pci_addr pci;
};

/* A machine's <filesystem><driver type=>: 9p's 'path' (the default),
 * 9p's removed 'handle', or virtiofs. */
enum vfs_driver { VFS_DRIVER_PATH, VFS_DRIVER_HANDLE, VFS_DRIVER_VIRTIOFS };
/* accessmode=: 0 not given (passthrough). */
enum vfs_access {
	VFS_ACCESS_ABSENT,
	VFS_ACCESS_PASSTHROUGH,
	VFS_ACCESS_MAPPED,
	VFS_ACCESS_SQUASH
};
/* multidevs=: 0 not given. */
enum vfs_multidevs {
	VFS_MULTIDEVS_ABSENT,
	VFS_MULTIDEVS_DEFAULT,
	VFS_MULTIDEVS_REMAP,
	VFS_MULTIDEVS_FORBID,
	VFS_MULTIDEVS_WARN
};

/* A host directory the guest mounts by its tag (domain_conf_vfs.c). */
struct domain_vfs {
	enum vfs_driver driver;
	bool driver_given; /* <driver type=> was written */
	enum vfs_access access;
	bool wrpolicy; /* <driver wrpolicy='immediate'> */
	char *source;  /* <source dir=>; NULL with @socket */
	char *socket;  /* virtiofs: <source socket=> (a virtiofsd's) */
	char *target;  /* <target dir=>: the mount tag */
	bool readonly;
	int fmode, dmode; /* fmode=, dmode=; -1: not given */
	enum vfs_multidevs multidevs;
	unsigned queue; /* virtiofs: <driver queue=>; 0: not given */
	enum domain_tristate ats, iommu, packed; /* <driver ...='on|off'> */
	char *binary;		    /* virtiofs: <binary path=>; NULL: none */
	enum domain_tristate xattr; /* <binary xattr=> */
	int cache;		    /* <cache mode=>: 0, 1 none, 2 always */
	int sandbox;		    /* <sandbox mode=>: 0, 1 namespace, 2
				     * chroot */
	enum domain_tristate posix_lock, flock; /* <lock posix= flock=> */
	unsigned thread_pool; /* <thread_pool size=>; 0: not given */
	struct dev_pci_addr pci;
};

/* <vsock model='virtio'><cid auto= address=/>. */
struct domain_vsock {
	enum domain_tristate cid_auto; /* <cid auto=> */
	unsigned cid;		       /* <cid address=>; 0: not given */
	struct dev_pci_addr pci;
};

/* <memory model=>: a memory device (domain_conf_memdev.c). */
enum memdev_model {
	MEMDEV_DIMM,	    /* pc-dimm */
	MEMDEV_NVDIMM,	    /* nvdimm on a host file */
	MEMDEV_VIRTIO_PMEM, /* virtio-pmem-pci on a host file */
	MEMDEV_VIRTIO_MEM,  /* virtio-mem-pci */
};
extern const char *const memdev_model_names[];

struct domain_memdev {
	enum memdev_model model;
	int access;		      /* access=: 0, 1 shared, 2 private */
	enum domain_tristate discard; /* discard='yes|no' */
	char *nodemask;		      /* <source><nodemask>: host nodes */
	uint64_t pagesize_kib;	      /* <source><pagesize>; 0: none */
	char *path;		      /* <source><path>: nvdimm, virtio-pmem */
	bool pmem;		      /* <source><pmem/> */
	uint64_t align_kib;	      /* <source><alignsize>; 0: none */
	uint64_t size_kib;	      /* <target><size> */
	int node;		      /* <target><node>; -1: none */
	uint64_t label_kib;	      /* nvdimm: <target><label><size> */
	bool readonly;		      /* nvdimm: <target><readonly/> */
	uint64_t block_kib;	      /* virtio-mem: <target><block> */
	uint64_t requested_kib;	      /* virtio-mem: <target><requested> */
	bool dimm_addr;		      /* <address type='dimm'> */
	unsigned slot;		      /* ... slot= */
	uint64_t base;		      /* ... base=; 0: not given */
	struct dev_pci_addr pci;      /* virtio-*: <address type='pci'> */
};

#define DOMAIN_MAX_MEMDEVS 32

/* A <memory model=> device into @m (zeroed; domain_conf_memdev.c);
 * libvirt's rules against <maxMemory> and the NUMA cells are
 * domain_memdevs_check()'s (the qemu driver's validate calls it): 0 or
 * -EINVAL with @e. */
int domain_parse_memdev(const xmlNode *c, struct domain_memdev *m,
			struct xml_warnings *w, struct err **e);
int domain_memdevs_check(const struct domain_def *d, struct err **e);
void domain_format_memdev(FILE *f, const struct domain_memdev *m);
/* The memory devices' sizes, summed (KiB): part of <memory>, as
 * libvirt counts it. */
uint64_t domain_memdevs_kib(const struct domain_def *d);
void domain_memdev_clear(struct domain_memdev *m);

#define DOMAIN_MAX_SHMEMS 16
#define DOMAIN_MAX_VFS	  16

struct domain_devmisc {
	struct domain_tpm *tpm; /* NULL: none */
	struct domain_shmem *shmems;
	size_t n_shmems;
	struct domain_vfs *vfs;
	size_t n_vfs;
	struct domain_vsock *vsock; /* NULL: none */
	struct domain_memdev *memdevs;
	size_t n_memdevs;
};

/*
 * <tpm>, <shmem>, a machine's <filesystem>, <vsock>, <memory model=>: 1
 * when @c is one of
 * them and was read into @d->misc (made when NULL), 0 when it is another
 * device, -errno with @e filled when it is invalid.
 */
int domain_parse_devmisc(const xmlNode *c, struct domain_def *d,
			 struct xml_warnings *w, struct err **e);
/* A machine's <filesystem> into @fs (zeroed; domain_conf_vfs.c). */
int domain_parse_vfs(const xmlNode *c, struct domain_vfs *fs,
		     struct xml_warnings *w, struct err **e);
void domain_format_vfs(FILE *f, const struct domain_vfs *fs);
void domain_vfs_clear(struct domain_vfs *fs);

/* The machine's filesystems, where libvirt writes them (after the
 * controllers' place: with the container's). */
void domain_format_devmisc_fs(FILE *f, const struct domain_def *d);
/* <tpm>, <shmem>, <vsock>, in libvirt's order near <devices>' end. */
void domain_format_devmisc(FILE *f, const struct domain_def *d);
/* Frees @m; accepts NULL. */
void domain_devmisc_free(struct domain_devmisc *m);
/* The first of these devices @d has, as "<tpm>" etc., for the drivers
 * that run none of them; NULL: none. */
const char *domain_devmisc_first(const struct domain_def *d);

#endif
