/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the children of ct-spawn.c (a container's init) and ct-exec.c (a
 * command entering a running container) both do after their clone, with
 * system calls only (the parent may have threads): private to src/ct.
 */
#ifndef NIDO_CT_CT_CHILD_H
#define NIDO_CT_CT_CHILD_H

#include "ct/ct.h"

/* Becomes uid and gid 0 of the user namespace, with no supplementary
 * groups: raw system calls, so that no other thread is asked to. */
int ct_child_become_root(void);
/* Bounds the capabilities as @s says: the bounding set, the permitted,
 * effective and inheritable ones, and the ambient set cleared. */
int ct_child_drop_caps(const struct ct_sec *s);
/* Every signal to its default, none blocked. */
void ct_child_reset_signals(void);

#endif
