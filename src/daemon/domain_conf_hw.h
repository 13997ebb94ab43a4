/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The machine around a full guest, in libvirt's domain XML
 * (domain_conf_hw.c, domain_conf_ctl.c): <controller> of types pci,
 * ide, sata, scsi, virtio-serial and ccid,
 * <memballoon>, <watchdog>, <panic>, <clock>, <features>, <os><bootmenu>,
 * and devices' <address> (PCI and drive). domain_conf.c and
 * domain_conf_iface.c call them; what a driver runs of it is the
 * driver's to say.
 */
#ifndef NIDO_DAEMON_DOMAIN_CONF_HW_H
#define NIDO_DAEMON_DOMAIN_CONF_HW_H

#include <stdio.h>

#include "daemon/domain_conf.h"

/*
 * <controller type='pci|ide|sata|scsi'>, <memballoon>, <watchdog>,
 * <panic>: 1 when @c is one of them and was read into @d->hw, 0 when it
 * is another device, -errno with @e filled when it is invalid.
 */
int domain_parse_hw_device(const xmlNode *c, struct domain_def *d,
			   struct xml_warnings *w, struct err **e);

/* <clock> and <features> under @root, <bootmenu> under <os> (@os may be
 * NULL). */
int domain_parse_hw_top(const xmlNode *root, const xmlNode *os,
			struct domain_def *d, struct xml_warnings *w,
			struct err **e);

/*
 * A device's <address> child into @pci (type 'pci') or @drive (type
 * 'drive'); either may be NULL where that type makes no sense. Absent:
 * 0, nothing set.
 */
int domain_parse_address(const xmlNode *dev, struct dev_pci_addr *pci,
			 struct disk_drive_addr *drive, struct err **e);

/* An optional attribute @attr of @n out of @names (index 0 is "", for
 * absent): its index, 0 when absent, or -EINVAL with @e naming @what. */
int domain_attr_enum(const xmlNode *n, const char *attr, const char *what,
		     const char *const *names, struct err **e);

/* Writes the <address> of @pci or @drive (when set) at @indent spaces. */
void domain_format_pci_address(FILE *f, int indent,
			       const struct dev_pci_addr *pci);
void domain_format_drive_address(FILE *f, int indent,
				 const struct disk_drive_addr *drive);

/* <features> and <clock>, after <os> in libvirt's order. */
void domain_format_hw_top(FILE *f, const struct domain_def *d);
/* <bootmenu>, inside <os>. */
void domain_format_bootmenu(FILE *f, const struct domain_def *d);
/* The controllers, after the disks and before the interfaces. */
void domain_format_controllers(FILE *f, const struct domain_def *d);
/* <watchdog>, <memballoon>, <panic>, at the end of <devices>. */
void domain_format_hw_devices(FILE *f, const struct domain_def *d);

void domain_hw_clear(struct domain_hw *hw);

/*
 * The first element of @d that only the qemu driver runs (<audio>,
 * <timer>, <numa>, <memoryBacking>, <smm>, <pm>, ...), for the other
 * drivers to refuse by name; NULL when there is none.
 */
const char *domain_hw_qemu_only(const struct domain_def *d);

/* The elements under <domain> domain_parse_hw_top() reads beside
 * <features>, <clock> and <cpu>. */
#define DOMAIN_HW_TOP                                                          \
	"seclabel", "pm", "memoryBacking", "numatune", "sysinfo", "iothreads", \
		"iothreadids", "maxMemory", "launchSecurity", "genid",         \
		"blkiotune"

/* libvirt's names of enum timer_name and of struct domain_timer's
 * values (index 0: not given). */
extern const char *const domain_timer_names[];
extern const char *const domain_timer_present[];
extern const char *const domain_timer_tickpolicy[];
extern const char *const domain_timer_track[];

/* <cpu> under @root into @d->hw.cpu (domain_conf_cpu.c), and libvirt's
 * rule that its topology makes the vCPU count. */
int domain_parse_cpu(const xmlNode *root, struct domain_def *d,
		     struct xml_warnings *w, struct err **e);
/* <cpu>, after <features>. */
void domain_format_cpu(FILE *f, const struct domain_def *d);
void domain_cpu_clear(struct domain_cpu *cpu);
extern const char *const cpu_mode_names[];
extern const char *const cpu_policy_names[];
extern const char *const cpu_cache_mode_names[];
extern const char *const cpu_physaddr_mode_names[];

/* A host CPU list as libvirt writes it ("0-3,^2,8"), checked
 * (domain_conf_cpu.c). */
int domain_parse_cpuset(const xmlNode *n, const char *s, struct err **e);
/* <cputune>'s <vcpupin> and <emulatorpin> (@ct) into @d->tune
 * (domain_conf_cpu.c): each vCPU below the maximum, pinned once. */
int domain_parse_cputune_pins(const xmlNode *ct, struct domain_def *d,
			      struct err **e);
void domain_format_cputune_pins(FILE *f, const struct domain_tune *t);
/* <iothreads> and <iothreadids> under @root (domain_conf_cpu.c), and
 * them formatted, after <vcpu>. */
int domain_parse_iothreads(const xmlNode *root, struct domain_def *d,
			   struct xml_warnings *w, struct err **e);
void domain_format_iothreads(FILE *f, const struct domain_def *d);
void domain_tune_pins_clear(struct domain_tune *t);
/* Linux's policies: other, batch, idle, fifo, rr. */
extern const char *const sched_policy_names[];

/* <sysinfo> under @root and <smbios> under <os> (@os may be NULL) into
 * @d->hw.sysinfo (domain_conf_sysinfo.c); a <system> uuid is the
 * domain's (given it when it has none). */
int domain_parse_sysinfo(const xmlNode *root, const xmlNode *os,
			 struct domain_def *d, struct xml_warnings *w,
			 struct err **e);
/* <smbios mode=> inside <os>; <sysinfo>, after <cpu>. */
void domain_format_os_smbios(FILE *f, const struct domain_def *d);
void domain_format_sysinfo(FILE *f, const struct domain_def *d);
void domain_sysinfo_clear(struct domain_sysinfo *s);
extern const char *const sysinfo_smbios_modes[];
extern const char *const sysinfo_section_names[];

/* <iommu> (domain_conf_platform.c) into @d->hw.iommu; a second one is
 * refused. */
int domain_parse_iommu(const xmlNode *n, struct domain_def *d,
		       struct xml_warnings *w, struct err **e);
/* It, among <devices>. */
void domain_format_iommu(FILE *f, const struct domain_def *d);

/* <hyperv>, <kvm>, <pmu> and <pvspinlock> under <features> into
 * @hw->cpufeat (domain_conf_cpufeat.c). */
int domain_parse_cpu_features(const xmlNode *features, struct domain_hw *hw,
			      struct xml_warnings *w, struct err **e);
/* Them, inside <features>. */
void domain_format_cpu_features(FILE *f, const struct domain_hw *hw);
void domain_cpu_features_clear(struct domain_cpu_features *f);
extern const char *const hyperv_names[];
extern const char *const kvm_feature_names[];

/* "pci-root", "virtio-scsi", ...; "" for CONTROLLER_MODEL_NONE. */
extern const char *const controller_model_names[];
extern const char *const controller_type_names[];
/* "pci-bridge", "ioh3420", ...: enum controller_device's <model
 * name=>s, QEMU's device names. */
extern const char *const controller_device_names[];

/*
 * A controller's <model name=>, <target> and <driver>
 * (domain_conf_ctl.c), checked against its type and model.
 * domain_controllers_index(): after all of <devices>, libvirt's index
 * for each controller given none (the roots 0, the others the lowest
 * free one of their type), no two of a type with one index, and the
 * SCSI controllers libvirt adds for disks on a controller not given.
 * domain_controller_device(): the QEMU device of a PCI controller (its
 * <model name=> or its model's default). _has_extra(): whether
 * domain_format_controller_extra() writes anything.
 */
/* <controller model=> of a controller of @type: its index in
 * controller_model_names, 0 when absent, or -EINVAL naming the models
 * of that type. */
int domain_controller_model(const xmlNode *c, int type, struct err **e);
int domain_parse_controller_extra(const xmlNode *c,
				  struct domain_controller *ctl,
				  struct xml_warnings *w, struct err **e);
/* The controller of @type and @index of @d, or NULL. */
const struct domain_controller *domain_find_controller(
	const struct domain_def *d, enum controller_type type, unsigned index);
/* <controller type='ccid' index='0'/>: the smartcard's reader. */
int domain_parse_ccid_controller(const xmlNode *c, struct domain_def *d,
				 struct xml_warnings *w, struct err **e);
int domain_controllers_index(const xmlNode *devs, struct domain_def *d,
			     struct err **e);
enum controller_device domain_controller_device(
	const struct domain_controller *c);
bool domain_controller_has_extra(const struct domain_controller *c);
void domain_format_controller_extra(FILE *f, const struct domain_controller *c);
/* "reset", "shutdown", ...: QEMU's names for -action watchdog=. */
extern const char *const watchdog_action_names[];

#endif
