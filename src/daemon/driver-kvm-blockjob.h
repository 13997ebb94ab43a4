/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The kvm driver's block jobs (driver-kvm-blockjob.c): virsh's
 * blockpull, blockcommit and blockjob on a guest nido-vmm runs, through
 * its control socket's block requests (docs/vmm-api.md). nidod learns
 * the disk's chain from nido-vmm, checks it against the chain it opens
 * itself by the rules of a guest's disk, and for a commit opens the
 * base for writing and moves the image locks (nido-vmm, sandboxed, may
 * neither open nor lock). The job's end comes as a "block-job" event:
 * the live and persistent definitions then name the new chain.
 */
#ifndef NIDO_DAEMON_DRIVER_KVM_BLOCKJOB_H
#define NIDO_DAEMON_DRIVER_KVM_BLOCKJOB_H

#include <json-c/json.h>

#include "daemon/driver.h"

struct daemon;
struct domain;
struct kvm_bjobs;

/* @dom's jobs; @api its control socket, @pidfd nido-vmm's (borrowed:
 * both outlive the jobs). */
struct kvm_bjobs *kvm_bjobs_new(struct daemon *dmn, struct domain *dom,
				const char *api, int pidfd);
void kvm_bjobs_free(struct kvm_bjobs *k); /* accepts NULL */

/* The driver's ->blockjob. */
int kvm_bjobs_op(struct kvm_bjobs *k, const struct driver_blockjob *req,
		 struct json_object *out, driver_done_fn done, void *opaque,
		 struct err **e);

/* nido-vmm's event @ev (borrowed): a job ready, completed, failed or
 * cancelled. Others are ignored. */
void kvm_bjobs_event(struct kvm_bjobs *k, struct json_object *ev);

#endif
