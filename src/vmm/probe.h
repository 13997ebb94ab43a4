/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The host check (`nido-vmm --probe`, later `nido host validate`): is
 * KVM there and usable, with which capabilities; hardware virtualization
 * flags, nesting, hugepages, KSM; and whether this KVM can run an
 * unmodified guest kernel. Collects facts; the caller prints them.
 */
#ifndef NIDO_VMM_PROBE_H
#define NIDO_VMM_PROBE_H

enum probe_status {
	PROBE_OK,
	PROBE_INFO,
	PROBE_WARN,
	PROBE_FAIL,
};

struct probe_item {
	char *name;  /* owned */
	char *value; /* owned */
	enum probe_status status;
};

struct probe_report {
	struct probe_item *items; /* owned */
	unsigned n;
	int kvm_usable;		/* nido-vmm can run guests here */
	int runs_stock_kernels; /* an unmodified Linux guest boots */
};

/* Runs every check against @kvm_path (normally "/dev/kvm"). */
void probe_run(const char *kvm_path, struct probe_report *r);

void probe_report_release(struct probe_report *r);

/* "ok", "info", "warning", "FAIL". */
const char *probe_status_name(enum probe_status s);

#endif
