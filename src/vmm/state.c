// SPDX-License-Identifier: GPL-2.0-or-later
/* Saving a paused VM and starting one from the files (state.h). */
#include "vmm/state.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "lib/file.h"
#include "lib/log.h"
#include "vmm/hw/devices.h"
#include "vmm/state_kvm.h"
#include "vmm/vcpu.h"
#include "vmm/virtio/virtio.h"
#include "vmm/vm.h"

#define MEM_CHUNK    (1u << 20) /* zero chunks stay holes in the file */
#define MEM_NAME_MAX 4096

/*
 * A vCPU that left KVM_RUN for port or MMIO I/O has the access half
 * done: KVM finishes it (an IN's value into the register) on the next
 * KVM_RUN. One with immediate_exit set finishes it and returns at once,
 * so the registers saved are whole (KVM's API documentation).
 */
static void finish_pending_io(struct vm *vm)
{
	for (unsigned i = 0; i < vm->n_vcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];

		if (!v->run)
			continue;
		v->run->immediate_exit = 1;
		if (ioctl(v->fd, KVM_RUN, 0) == 0 || errno != EINTR)
			log_debug("vCPU %u: completing its I/O: %s", i,
				  strerror(errno));
	}
}

static void save_memory_layout(struct state_wr *w, const struct guest_mem *m,
			       const char *mem_name)
{
	uint64_t off = 0;

	state_wr_begin(w, STATE_SEC_MEMORY, 0, STATE_SEC_REQUIRED);
	state_put_u64(w, m->size);
	state_put_u32(w, m->n_regions);
	state_put_u32(w, 0);
	for (unsigned i = 0; i < m->n_regions; i++) {
		state_put_u64(w, m->regions[i].gpa);
		state_put_u64(w, m->regions[i].size);
		state_put_u64(w, off);
		off += m->regions[i].size;
	}
	state_put_u32(w, (uint32_t)strlen(mem_name));
	state_put_bytes(w, mem_name, strlen(mem_name));
	state_wr_end(w);
}

static void save_config(struct state_wr *w, const struct vm_config *c)
{
	_cleanup_free_ char *json = config_to_json(c);

	state_wr_begin(w, STATE_SEC_CONFIG, 0, STATE_SEC_REQUIRED);
	state_put_bytes(w, json, strlen(json));
	state_wr_end(w);
}

/* Devices first: draining them writes guest memory and raises interrupts
 * that KVM's state, saved after, then holds. */
static void build_state(struct vm *vm, struct state_wr *w, const char *mem_name)
{
	save_config(w, vm->cfg);
	for (unsigned i = 0; i < vm->n_virtio; i++)
		virtio_dev_save(vm->virtio[i], i, w);
	serial_save(vm->serial, w);
	i8042_save(vm->i8042, w);
	rtc_save(vm->rtc, w);
	pm_save(vm->pm, w);
	boottimer_save(vm->boottimer, w);
	if (vm->cpuhp)
		cpuhp_save(vm->cpuhp, w);
	finish_pending_io(vm);
	for (unsigned i = 0; i < vm->n_vcpus; i++)
		state_save_vcpu(w, &vm->vcpus[i]);
	state_save_vm(w, vm);
	save_memory_layout(w, &vm->mem, mem_name);
	state_wr_finish(w);
}

static bool all_zero(const uint8_t *p, size_t n)
{
	return n == 0 || (p[0] == 0 && memcmp(p, p + 1, n - 1) == 0);
}

/*
 * The next range of @fd holding data at or after @off (below @end), in
 * [*@from, *@to). Returns false when there is none. Where the file
 * system cannot say, all of the rest is data.
 */
static bool next_data(int fd, uint64_t off, uint64_t end, uint64_t *from,
		      uint64_t *to)
{
	off_t d, h;

	if (off >= end)
		return false;
	d = lseek(fd, (off_t)off, SEEK_DATA);
	if (d < 0 && errno == ENXIO)
		return false;
	h = d < 0 ? -1 : lseek(fd, d, SEEK_HOLE);
	if (d < 0 || h < 0) {
		*from = off;
		*to = end;
		return true;
	}
	*from = (uint64_t)d;
	*to = MIN((uint64_t)h, end);
	return *from < end;
}

/* Writes [@from, @to) of RAM at @base of @fd; chunks of zeros stay
 * holes. */
static int write_range(const struct guest_mem *m, int fd, uint64_t base,
		       uint64_t from, uint64_t to, uint64_t *written,
		       struct err **e)
{
	for (uint64_t off = from; off < to; off += MEM_CHUNK) {
		size_t n = (size_t)MIN((uint64_t)MEM_CHUNK, to - off);

		if (all_zero(m->base + off, n))
			continue;
		if (pwrite_full(fd, m->base + off, n, (off_t)(base + off)) < 0)
			return err_sys(e, errno, "writing the memory file");
		*written += n;
	}
	return 0;
}

/* pagemap entries' bits (the kernel's admin-guide/mm/pagemap.rst) */
#define PM_PRESENT (1ULL << 63)
#define PM_SWAPPED (1ULL << 62)
#define PM_WINDOW  512u /* pages per read of the pagemap: 2 MiB of RAM */

/*
 * Sets @data[i] for each page i of the @n at @off of RAM that may hold
 * data: present in its page tables or swapped out, or, on a private
 * mapping of a memory file, held in that file (a page the guest never
 * touched reads from it). A page never touched is zero and needs no
 * look: reading it would only fault in the zero page.
 */
static int window_data(const struct guest_mem *m, int pagemap_fd, uint64_t off,
		       size_t n, bool *data, struct err **e)
{
	uint64_t pm[PM_WINDOW], from, to;
	uint64_t at = m->fd_offset + off, end = at + n * 4096;
	ssize_t got = pread_full(
		pagemap_fd, pm, n * sizeof(pm[0]),
		(off_t)((uintptr_t)(m->base + off) / 4096 * sizeof(pm[0])));

	if (got != (ssize_t)(n * sizeof(pm[0])))
		return err_sys(e, got < 0 ? (int)-got : EIO,
			       "reading /proc/self/pagemap");
	for (size_t i = 0; i < n; i++)
		data[i] = pm[i] & (PM_PRESENT | PM_SWAPPED);
	while (m->private_map && next_data(m->fd, at, end, &from, &to)) {
		for (uint64_t p = (from - m->fd_offset - off) / 4096;
		     p < n && p * 4096 < to - m->fd_offset - off; p++)
			data[p] = true;
		at = to;
	}
	return 0;
}

/* Writes the pages of RAM that may hold data (window_data()), by runs. */
static int write_mapped(const struct guest_mem *m, int pagemap_fd, int fd,
			uint64_t base, uint64_t *written, struct err **e)
{
	bool data[PM_WINDOW];

	for (uint64_t off = 0; off < m->size; off += PM_WINDOW * 4096ULL) {
		size_t n = (size_t)MIN((uint64_t)PM_WINDOW,
				       (m->size - off) / 4096);
		int r = window_data(m, pagemap_fd, off, n, data, e);

		for (size_t i = 0, j; r == 0 && i < n; i = j) {
			for (j = i; j < n && data[j] == data[i]; j++)
				;
			if (data[i])
				r = write_range(m, fd, base, off + i * 4096,
						off + j * 4096, written, e);
		}
		if (r < 0)
			return r;
	}
	return 0;
}

/*
 * RAM, region after region, as one image at @base of @fd. Of a memfd
 * only the ranges that hold data are read (never-touched RAM is a hole
 * in it); of anonymous RAM and of a lazily restored guest's private
 * mapping, the pages the pagemap (or the mapped file) says may hold
 * data; all of it where there is no pagemap.
 */
static int write_memory(const struct guest_mem *m, int pagemap_fd, int fd,
			uint64_t base, uint64_t *written, struct err **e)
{
	/* RAM that is no memfd of its own: anonymous, or a private map */
	bool mapped = m->private_map || m->fd < 0;
	uint64_t off = 0, from, to;
	int r = 0;

	if (ftruncate(fd, (off_t)base) < 0 ||
	    ftruncate(fd, (off_t)(base + m->size)) < 0)
		return err_sys(e, errno, "sizing the memory file");
	*written = 0;
	if (mapped && pagemap_fd >= 0)
		r = write_mapped(m, pagemap_fd, fd, base, written, e);
	else if (mapped)
		r = write_range(m, fd, base, 0, m->size, written, e);
	else
		while (r == 0 && next_data(m->fd, off, m->size, &from, &to)) {
			r = write_range(m, fd, base, from, to, written, e);
			off = to;
		}
	if (r == 0 && fdatasync(fd) < 0)
		r = err_sys(e, errno, "syncing the memory file");
	return r;
}

/* Offsets a save may use: page-aligned, far from overflowing. */
static int check_offsets(const struct state_files *f, int state_fd, int mem_fd,
			 uint64_t mem_size, struct err **e)
{
	struct stat a, b;

	if (f->offset % 4096 || f->mem_offset % 4096 ||
	    f->offset > (1ULL << 60) || f->mem_offset > (1ULL << 60))
		return err_set(e, EINVAL,
			       "offsets must be multiples of 4096 below 2^60");
	if (fstat(state_fd, &a) < 0 || fstat(mem_fd, &b) < 0)
		return err_sys(e, errno, "the save's files");
	if (!S_ISREG(a.st_mode) || !S_ISREG(b.st_mode))
		return err_set(e, EINVAL, "the save's files must be files");
	/* One file for both: the state goes after RAM (written last, it
	 * ends the file). */
	if (a.st_dev == b.st_dev && a.st_ino == b.st_ino &&
	    f->offset < f->mem_offset + mem_size)
		return err_set(e, EINVAL,
			       "state and memory in one file: the state's "
			       "offset must be past the memory's end");
	return 0;
}

int state_save(struct vm *vm, int state_fd, int mem_fd,
	       const struct state_files *f, struct state_save_info *info,
	       struct err **e)
{
	uint64_t t0 = vm_now_ns();
	struct state_wr w;
	int r = check_offsets(f, state_fd, mem_fd, vm->mem.size, e);

	if (r < 0)
		return r;
	state_wr_init(&w);
	build_state(vm, &w, f->mem_path);
	r = write_memory(&vm->mem, vm->pagemap_fd, mem_fd, f->mem_offset,
			 &info->memory_written, e);
	if (r == 0 &&
	    (pwrite_full(state_fd, w.b.data, w.b.len, (off_t)f->offset) < 0 ||
	     ftruncate(state_fd, (off_t)(f->offset + w.b.len)) < 0 ||
	     fdatasync(state_fd) < 0))
		r = err_sys(e, errno, "writing the state file");
	info->state_bytes = w.b.len;
	info->memory_bytes = vm->mem.size;
	info->duration_us = (vm_now_ns() - t0) / 1000;
	state_wr_release(&w);
	return r;
}

void state_restore_free(struct vm_restore *r)
{
	if (!r)
		return;
	free(r->path);
	free(r->data);
	free(r->mem_path);
	close_safe(r->mem_fd);
	free(r);
}

/* The memory file's name as the state file records it (or NULL). */
static char *recorded_mem_name(const struct state_sec *s)
{
	struct state_rd r;
	uint32_t n, len;
	const uint8_t *p;

	state_rd_init(&r, s);
	state_get_u64(&r);
	n = state_get_u32(&r);
	state_get_u32(&r);
	if (n > 2 || !state_get_ptr(&r, 24ULL * n))
		return NULL;
	len = state_get_u32(&r);
	p = len && len < MEM_NAME_MAX ? state_get_ptr(&r, len) : NULL;
	return p && state_rd_done(&r) ? xstrndup((const char *)p, len) : NULL;
}

/* The state from @f's offset to the end of its file, parsed. */
static int read_state_file(const struct state_files *f, struct vm_restore *rs,
			   struct err **e)
{
	_cleanup_close_ int fd = open(f->path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	uint64_t len;

	if (fd < 0)
		return err_sys(e, errno, "state file '%s'", f->path);
	if (fstat(fd, &st) < 0)
		return err_sys(e, errno, "state file '%s'", f->path);
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size < f->offset)
		return err_set(e, EINVAL,
			       "state file '%s' is not a file of at least "
			       "%llu bytes",
			       f->path, (unsigned long long)f->offset);
	len = (uint64_t)st.st_size - f->offset;
	if (len > STATE_FILE_MAX)
		return err_set(e, EFBIG, "state file '%s' is too large",
			       f->path);
	rs->data = xmalloc(len ? len : 1);
	rs->len = len;
	if (pread_full(fd, rs->data, len, (off_t)f->offset) != (ssize_t)len)
		return err_sys(e, EIO, "state file '%s': short read", f->path);
	return state_parse(rs->data, rs->len, f->path, &rs->file, e);
}

static int open_memory(struct vm_restore *rs, const struct state_files *f,
		       struct err **e)
{
	const struct state_sec *s = state_find(&rs->file, STATE_SEC_MEMORY, 0);
	struct stat st;

	if (!s)
		return err_set(e, EINVAL,
			       "state file '%s' has no 'memory' "
			       "section",
			       rs->path);
	rs->mem_path =
		f->mem_path ? xstrdup(f->mem_path) : recorded_mem_name(s);
	if (!rs->mem_path)
		return err_set(e, EINVAL,
			       "state file '%s': section 'memory' is "
			       "malformed",
			       rs->path);
	if (f->mem_offset % 4096 || f->mem_offset > (1ULL << 60))
		return err_set(e, EINVAL,
			       "memory offset %llu: a multiple of 4096 "
			       "below 2^60",
			       (unsigned long long)f->mem_offset);
	rs->mem_offset = f->mem_offset;
	rs->mem_fd = open(rs->mem_path, O_RDONLY | O_CLOEXEC);
	if (rs->mem_fd < 0)
		return err_sys(e, errno, "memory file '%s'", rs->mem_path);
	if (fstat(rs->mem_fd, &st) < 0 || !S_ISREG(st.st_mode))
		return err_set(e, EINVAL, "memory file '%s' is not a file",
			       rs->mem_path);
	return 0;
}

/*
 * --config with --restore: the configuration given must be the
 * machine's the state file describes (what the guest sees: vCPUs, RAM,
 * devices in their order); only its host ends (files, taps, console,
 * sockets, sandbox) are the caller's.
 */
static int same_machine(const struct vm_config *c, const struct vm_config *s,
			const char *path, struct err **e)
{
	const char *what = NULL;

	/* the vCPUs hot-added or removed since the start count in @c's:
	 * the maximum is the machine's */
	if (config_max_cpus(c) != config_max_cpus(s))
		what = "the number of vCPUs";
	else if (c->mem_size != s->mem_size)
		what = "the memory size";
	else if (c->n_disks != s->n_disks)
		what = "the number of disks";
	else if (c->n_nets != s->n_nets)
		what = "the number of network interfaces";
	else if (!c->virtio_rng != !s->virtio_rng)
		what = "the rng device";
	else if (!c->virtio_console != !s->virtio_console)
		what = "the virtio console";
	else if (c->balloon != s->balloon)
		what = "the balloon device";
	else if (c->n_channels != s->n_channels)
		what = "the number of channels";
	for (unsigned i = 0; !what && i < c->n_channels; i++)
		if (!streq(c->channels[i].name, s->channels[i].name))
			what = "a channel's name";
	for (unsigned i = 0; !what && i < c->n_disks; i++)
		if (c->disks[i].readonly != s->disks[i].readonly ||
		    c->disks[i].format != s->disks[i].format)
			what = "a disk's format or read-only flag";
	for (unsigned i = 0; !what && i < c->n_nets; i++)
		if (c->nets[i].has_mac != s->nets[i].has_mac ||
		    memcmp(c->nets[i].mac, s->nets[i].mac, 6))
			what = "a network interface's MAC address";
	if (what)
		return err_set(e, EINVAL,
			       "the configuration given is not the machine "
			       "state file '%s' holds: %s differs",
			       path, what);
	return 0;
}

/* The config section, over @c (which holds only host ends), or checked
 * against @c (@f->host_config). */
static int load_config(struct vm_restore *rs, const struct state_files *f,
		       struct vm_config *c, struct err **e)
{
	const struct state_sec *s = state_find(&rs->file, STATE_SEC_CONFIG, 0);
	_cleanup_free_ char *json = NULL;
	_cleanup_free_ char *what = NULL;
	struct vm_config saved;
	int r;

	if (!s)
		return err_set(e, EINVAL,
			       "state file '%s' has no 'config' "
			       "section",
			       rs->path);
	if (memchr(s->data, 0, s->len))
		return err_set(e, EINVAL,
			       "state file '%s': section 'config' is not text",
			       rs->path);
	json = xstrndup((const char *)s->data, s->len);
	what = xasprintf("%s: section 'config'", rs->path);
	if (!f->host_config)
		return config_load_json_text(json, what, c, e);
	config_init(&saved);
	r = config_load_json_text(json, what, &saved, e);
	if (r == 0)
		r = same_machine(c, &saved, rs->path, e);
	if (r == 0) { /* the machine's: those present come from 'cpuhp' */
		c->cpus = saved.cpus;
		c->max_cpus = saved.max_cpus;
	}
	config_release(&saved);
	return r;
}

int state_restore_open(const struct state_files *f, struct vm_config *c,
		       struct err **e)
{
	struct vm_restore *rs = xcalloc(1, sizeof(*rs));
	int r;

	rs->path = xstrdup(f->path);
	rs->mem_fd = -1;
	rs->copy = f->copy;
	r = read_state_file(f, rs, e);
	if (r == 0)
		r = load_config(rs, f, c, e);
	if (r == 0)
		r = open_memory(rs, f, e);
	if (r < 0) {
		state_restore_free(rs);
		return r;
	}
	state_restore_free(c->restore);
	c->restore = rs;
	return 0;
}

/*
 * Checks the recorded layout against the one the configuration makes
 * (@m, filled by mem_layout()) and the memory file's size.
 */
static int check_layout(const struct vm_restore *rs, const struct guest_mem *m,
			struct err **e)
{
	const struct state_sec *s = state_find(&rs->file, STATE_SEC_MEMORY, 0);
	struct state_rd r;
	uint64_t off = 0;
	struct stat st;
	uint32_t n;

	state_rd_init(&r, s);
	if (state_get_u64(&r) != m->size)
		return err_set(e, EINVAL,
			       "section 'memory': size differs from "
			       "the configuration's");
	n = state_get_u32(&r);
	state_get_u32(&r);
	if (n != m->n_regions)
		return err_set(e, EINVAL,
			       "section 'memory': %u regions, "
			       "expected %u",
			       n, m->n_regions);
	for (unsigned i = 0; i < n; i++) {
		uint64_t gpa = state_get_u64(&r), size = state_get_u64(&r);

		if (gpa != m->regions[i].gpa || size != m->regions[i].size ||
		    state_get_u64(&r) != off || r.bad)
			return err_set(e, EINVAL,
				       "section 'memory': region %u is not "
				       "where this nido-vmm puts it",
				       i);
		off += size;
	}
	/* alone in its file, RAM is the whole file; after an offset
	 * (nidod's save file) the state may follow it */
	if (fstat(rs->mem_fd, &st) < 0 ||
	    (rs->mem_offset ? (uint64_t)st.st_size < rs->mem_offset + m->size
			    : (uint64_t)st.st_size != m->size))
		return err_set(e, EINVAL,
			       "memory file '%s' is %lld bytes, the state "
			       "file needs %llu from offset %llu",
			       rs->mem_path, (long long)st.st_size,
			       (unsigned long long)m->size,
			       (unsigned long long)rs->mem_offset);
	return 0;
}

/* Copies the memory file's data into fresh guest RAM (holes stay
 * unallocated: fresh RAM reads as zeros). */
static int copy_memory(struct vm *vm, const struct vm_restore *rs,
		       struct err **e)
{
	struct guest_mem *m = &vm->mem;
	uint64_t at = 0, from, to;

	uint64_t base = rs->mem_offset;

	while (next_data(rs->mem_fd, base + at, base + m->size, &from, &to)) {
		from -= base;
		to -= base;
		for (uint64_t off = from; off < to; off += 64 * MEM_CHUNK) {
			size_t n = (size_t)MIN(64ULL * MEM_CHUNK, to - off);
			ssize_t got = pread_full(rs->mem_fd, m->base + off, n,
						 (off_t)(base + off));

			if (got != (ssize_t)n)
				return err_sys(e, got < 0 ? (int)-got : EIO,
					       "reading memory file '%s'",
					       rs->mem_path);
		}
		at = to;
	}
	return 0;
}

/*
 * Lazy: the memory file mapped MAP_PRIVATE: pages are read from the
 * file when the guest first touches them and copied on its first write;
 * the file is never written.
 */
static int map_memory(struct vm *vm, struct vm_restore *rs, struct err **e)
{
	struct guest_mem *m = &vm->mem;
	void *p = mmap(NULL, m->size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_NORESERVE, rs->mem_fd,
		       (off_t)rs->mem_offset);

	if (p == MAP_FAILED)
		return err_sys(e, errno, "mapping memory file '%s'",
			       rs->mem_path);
	mem_set_base(m, p);
	m->fd = steal_fd(rs->mem_fd);
	m->private_map = true;
	m->fd_offset = rs->mem_offset;
	/* the pages the guest writes are anonymous copies KSM may merge */
	if (!vm->cfg->no_mem_merge)
		madvise(p, m->size, MADV_MERGEABLE);
	madvise(p, m->size, MADV_DONTDUMP);
	madvise(p, m->size, MADV_DONTFORK);
	return 0;
}

int state_restore_memory(struct vm *vm, struct err **e)
{
	struct vm_restore *rs = vm->cfg->restore;
	struct guest_mem *m = &vm->mem;
	int r;

	mem_layout(m, vm->cfg->mem_size, VM_GAP_START, VM_GAP_END);
	r = check_layout(rs, m, e);
	if (r == 0 && rs->copy) {
		r = mem_create(m, vm->cfg->mem_size, VM_GAP_START, VM_GAP_END,
			       config_mem_flags(vm->cfg), e);
		if (r == 0)
			r = copy_memory(vm, rs, e);
	} else if (r == 0) {
		if (vm->cfg->hugepages)
			log_info("restoring memory by mapping its file: no "
				 "hugepages (--restore-mode copy keeps them)");
		r = map_memory(vm, rs, e);
	}
	if (r == 0)
		r = mem_register(m, vm->vm_fd, e);
	return r < 0 ? err_prefix(e, "state file '%s'", rs->path) : 0;
}

static int restore_vcpus(struct vm *vm, const struct state_file *f,
			 struct err **e)
{
	vm_alloc_vcpus(vm);
	for (unsigned i = 0; i < vm->n_vcpus; i++) {
		const struct state_sec *s = state_find(f, STATE_SEC_VCPU, i);
		int r;

		if (!s)
			return err_set(e, EINVAL, "no section 'vcpu%u'", i);
		r = vcpu_create(vm, i, &vm->vcpus[i], e);
		if (r == 0)
			r = state_load_vcpu(&vm->vcpus[i], s, e);
		if (r < 0)
			return r;
	}
	return 0;
}

/* The legacy devices: each must be in the file. */
static int restore_legacy(struct vm *vm, const struct state_file *f,
			  struct err **e)
{
	const struct state_sec *s;
	int r = 0;

	if ((s = state_find(f, STATE_SEC_SERIAL, 0)) != NULL)
		r = serial_load(vm->serial, s, e);
	if (r == 0 && (s = state_find(f, STATE_SEC_I8042, 0)) != NULL)
		r = i8042_load(vm->i8042, s, e);
	if (r == 0 && (s = state_find(f, STATE_SEC_RTC, 0)) != NULL)
		r = rtc_load(vm->rtc, s, e);
	if (r == 0 && (s = state_find(f, STATE_SEC_PM, 0)) != NULL)
		r = pm_load(vm->pm, s, e);
	if (r == 0 && (s = state_find(f, STATE_SEC_BOOTTIMER, 0)) != NULL)
		r = boottimer_load(vm->boottimer, s, e);
	return r;
}

/* Every section must belong to this VM: no vCPU or device it lacks. */
static int check_sections(struct vm *vm, const struct state_file *f,
			  struct err **e)
{
	for (unsigned i = 0; i < f->n; i++) {
		const struct state_sec *s = &f->secs[i];

		if ((s->kind == STATE_SEC_VCPU && s->instance >= vm->n_vcpus) ||
		    (s->kind == STATE_SEC_VIRTIO &&
		     s->instance >= vm->n_virtio))
			return err_set(e, EINVAL,
				       "section '%s' has no match in the "
				       "configuration (%u vCPUs, %u virtio "
				       "devices)",
				       s->name, vm->n_vcpus, vm->n_virtio);
	}
	return 0;
}

/* How many vCPUs the guest had: the configuration's, or more when some
 * were hot-added (section 'cpuhp', there whenever the VM may add). */
static int restore_cpuhp(struct vm *vm, const struct state_file *f,
			 struct err **e)
{
	const struct state_sec *s = state_find(f, STATE_SEC_CPUHP, 0);

	if (s && !vm->cpuhp)
		return err_set(e, EINVAL,
			       "section 'cpuhp' has no match in the "
			       "configuration (no vCPU hotplug)");
	if (!s && vm->cpuhp)
		return err_set(e, EINVAL, "no section 'cpuhp'");
	return s ? cpuhp_load(vm->cpuhp, s, e) : 0;
}

int state_restore_vm(struct vm *vm, struct err **e)
{
	struct vm_restore *rs = vm->cfg->restore;
	const struct state_file *f = &rs->file;
	const struct state_sec *s;
	int r = restore_cpuhp(vm, f, e);

	if (r == 0)
		r = check_sections(vm, f, e);

	for (unsigned i = 0; r == 0 && i < vm->n_virtio; i++) {
		s = state_find(f, STATE_SEC_VIRTIO, (uint16_t)i);
		if (!s)
			r = err_set(e, EINVAL, "no section 'virtio%u'", i);
		else
			r = virtio_dev_load(vm->virtio[i], s, e);
	}
	if (r == 0)
		r = restore_legacy(vm, f, e);
	if (r == 0)
		r = restore_vcpus(vm, f, e);
	if (r == 0 && (s = state_find(f, STATE_SEC_VM, 0)) != NULL)
		r = state_load_vm(vm, s, e);
	else if (r == 0)
		r = err_set(e, EINVAL, "no section 'vm'");
	for (unsigned i = 0; r == 0 && i < vm->n_virtio; i++)
		virtio_dev_resume_queues(vm->virtio[i]);
	return r < 0 ? err_prefix(e, "state file '%s'", rs->path) : 0;
}
