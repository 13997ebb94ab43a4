/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Domain definitions: the libvirt domain XML subset nido understands
 * (docs/xml.md), parsed into a struct domain_def and formatted back.
 * Round trip: what the subset covers survives parse then format.
 */
#ifndef NIDO_DAEMON_DOMAIN_CONF_H
#define NIDO_DAEMON_DOMAIN_CONF_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "daemon/domain_conf_net.h"
#include "daemon/network_conf.h"
#include "daemon/xml_util.h"
#include "lib/err.h"

enum domain_virt {
	DOMAIN_VIRT_KVM,  /* nido-vmm on KVM */
	DOMAIN_VIRT_QEMU, /* QEMU (TCG or KVM) */
	DOMAIN_VIRT_LXC,  /* a system container (the ct driver) */
};

/* What happens when the guest powers off, reboots or crashes. */
enum domain_lifecycle {
	DOMAIN_LIFECYCLE_DESTROY,
	DOMAIN_LIFECYCLE_RESTART,
	DOMAIN_LIFECYCLE_PRESERVE,
	DOMAIN_LIFECYCLE_RENAME_RESTART,
};

enum disk_format {
	DISK_FORMAT_RAW,
	DISK_FORMAT_QCOW2,
};

enum disk_device {
	DISK_DEVICE_DISK,
	DISK_DEVICE_CDROM,
	DISK_DEVICE_FLOPPY, /* on bus fdc (the qemu driver's) */
};

/* An optional on/off attribute: absent, on or off. */
enum domain_tristate {
	DOMAIN_TRISTATE_ABSENT,
	DOMAIN_TRISTATE_ON,
	DOMAIN_TRISTATE_OFF,
};

/* A virtio device's <driver iommu= ats= packed= page_per_vq=>
 * (domain_conf_virtio.h). */
struct domain_virtio_opts {
	enum domain_tristate iommu, ats, packed, page_per_vq;
};

/* <driver discard=>: absent (the driver's default), unmap or ignore. */
enum disk_discard {
	DISK_DISCARD_ABSENT,
	DISK_DISCARD_UNMAP,
	DISK_DISCARD_IGNORE,
};

/* <target bus=>, as disk_bus_names. */
enum disk_bus {
	DISK_BUS_VIRTIO,
	DISK_BUS_SCSI,
	DISK_BUS_SATA,
	DISK_BUS_IDE,
	DISK_BUS_USB,
	DISK_BUS_FDC, /* a floppy's */
};
extern const char *const disk_bus_names[];

/*
 * <address type='pci' domain='0x0000' bus='0x00' slot= function=
 * multifunction=>: where a device sits on the guest's PCI bus
 * (domain_conf_hw.c); @set when given, else the driver places it.
 */
struct dev_pci_addr {
	bool set;
	unsigned bus, slot, function;
	enum domain_tristate multifunction;
};

/* <address type='drive' controller= bus= target= unit=>: a disk's place
 * on its controller (domain_conf_hw.c); @set when given. */
struct disk_drive_addr {
	bool set;
	unsigned controller, bus, target, unit;
};

/* <driver error_policy= rerror_policy=>: as disk_error_names. */
enum disk_error_policy {
	DISK_ERROR_ABSENT,
	DISK_ERROR_STOP,
	DISK_ERROR_REPORT,
	DISK_ERROR_IGNORE,
	DISK_ERROR_ENOSPACE, /* error_policy only */
};

/* <geometry trans=>: as disk_trans_names. */
enum disk_trans {
	DISK_TRANS_ABSENT,
	DISK_TRANS_NONE,
	DISK_TRANS_LBA,
	DISK_TRANS_AUTO,
};

/* <source startupPolicy=>: as disk_startup_names. */
enum disk_startup {
	DISK_STARTUP_ABSENT, /* mandatory, libvirt's default */
	DISK_STARTUP_MANDATORY,
	DISK_STARTUP_REQUISITE,
	DISK_STARTUP_OPTIONAL,
};

/* <target tray=> of a cdrom or floppy: as disk_tray_names. */
enum disk_tray {
	DISK_TRAY_ABSENT,
	DISK_TRAY_CLOSED,
	DISK_TRAY_OPEN,
};

/*
 * The machine's small platform features (domain_conf_machine.c):
 * <genid>, <features><vmcoreinfo/><vmport/><smm><tseg>, <os><bios
 * rebootTimeout=> and the root PCI controller's <pcihole64>.
 */
struct domain_machine_opts {
	bool genid;		/* <genid>: the VM generation ID below */
	uint8_t genid_uuid[16]; /* given, or made for an empty <genid/> */
	enum domain_tristate vmcoreinfo; /* <vmcoreinfo state=> */
	enum domain_tristate vmport;	 /* <vmport state=> */
	bool tseg;			 /* <smm><tseg> given */
	uint64_t tseg_mib;		 /* ... its size */
	bool reboot_timeout_set;	 /* <bios rebootTimeout=> given */
	int reboot_timeout;		 /* ms; -1: no reboot */
	bool pcihole64;			 /* <pcihole64> given */
	uint64_t pcihole64_kib;		 /* ... its size; 0: none */
};

/*
 * What a <disk> tells the device beyond its image
 * (domain_conf_disk_opts.c): <driver error_policy= rerror_policy=
 * copy_on_read= ioeventfd= event_idx=>, <geometry>, <vendor>,
 * <product> and <target tray=>.
 */
struct disk_opts {
	enum disk_error_policy error_policy, rerror_policy;
	enum domain_tristate copy_on_read, ioeventfd, event_idx;
	unsigned cyls, heads, secs; /* <geometry>; 0: absent */
	enum disk_trans trans;
	char *vendor, *product; /* SCSI's; NULL: absent */
	enum disk_tray tray;
	enum disk_startup startup; /* what a start does without the source */
	/* <iotune>'s tunables beyond the six of struct domain_disk's
	 * iotune[]: [k - 6] is domain_iotune_all_names[k] (bursts, their
	 * lengths, size_iops_sec; 0: not set), but for group_name's slot,
	 * unused: the group is @iotune_group (NULL: none) */
	uint64_t iotune_ext[14];
	char *iotune_group;
	uint64_t metadata_cache; /* <driver><metadata_cache> bytes; 0 */
};

/* One image of a disk's <backingStore> chain: declared by the
 * definition, so a VM may open it (docs/security.md, "Images"). */
struct disk_backing {
	char *path;   /* <source file=> */
	char *format; /* <format type=>, NULL: the image records it */
	uint64_t metadata_cache; /* its <metadata_cache> bytes; 0: none */
};

/* <source protocol=> of a <disk type='network'>, as
 * disk_protocol_names. */
enum disk_protocol {
	DISK_PROTO_NBD,
	DISK_PROTO_ISCSI,
	DISK_PROTO_RBD,
	DISK_PROTO_GLUSTER,
	DISK_PROTO_HTTP,
	DISK_PROTO_HTTPS,
	DISK_PROTO_FTP,
	DISK_PROTO_FTPS,
	DISK_PROTO_NFS,
};
extern const char *const disk_protocol_names[];

/* A <source><host name= port=/> or <host transport='unix' socket=/>. */
struct disk_host {
	char *name;    /* NULL for a unix socket */
	char *socket;  /* transport='unix': its path; NULL otherwise */
	unsigned port; /* 0: not given (the protocol's default) */
};

#define DISK_MAX_HOSTS 16

/*
 * A <disk type='network'>'s source (domain_conf_disk.c): what QEMU
 * reaches itself through its block driver of the protocol.
 */
struct disk_net {
	enum disk_protocol protocol;
	char *name; /* <source name=>: export, IQN[/LUN], pool/image, ... */
	struct disk_host *hosts;
	size_t n_hosts;
	char *snapshot;			 /* rbd: <snapshot name=> */
	char *config;			 /* rbd: <config file=> */
	uint64_t timeout_s, readahead;	 /* curl's; 0: not given */
	enum domain_tristate ssl_verify; /* <ssl verify='yes|no'> (ON, OFF) */
	unsigned reconnect_s;		 /* nbd: <reconnect delay=>; 0 */
	/* rbd, of a volume of an rbd pool (never from a disk's XML, where
	 * <auth> is refused): the pool's <auth username>, or no
	 * authentication when the pool has no <auth> */
	char *user;
	bool auth_none;
};

/* Most images a <backingStore> chain declares. */
#define DOMAIN_MAX_BACKING 64

struct domain_disk {
	enum disk_device device;
	enum disk_bus bus;
	enum disk_format format;
	bool block; /* <disk type='block'>: @source is a host block device */
	/*
	 * The file path (<source file=>, or dev= for a block). For a
	 * <disk type='volume'> (@pool set), NULL until the domain starts:
	 * then the volume's path (domain_disks_resolve(), pool.c), with
	 * @block telling a block device.
	 */
	char *source;
	/* <disk type='network'>: what QEMU reaches (and @source a name for
	 * people: "nbd://host:port/export"); NULL: not one */
	struct disk_net *net;
	char *pool;   /* <source pool= volume=>: type='volume'; NULL: not */
	char *volume; /* with @pool */
	/* <transient/>: the guest writes to an overlay thrown away when it
	 * stops (disk-open.h), never to @source */
	bool transient;
	bool share_backing; /* <transient shareBacking='yes'/> */
	char *target;	    /* "vda" */
	bool readonly;
	bool shareable; /* <shareable/>: other VMs may write it too */
	/* <iotune>: per second, 0: no limit; indexed as domain_iotune_names */
	uint64_t iotune[6];
	char *serial; /* NULL: none */
	enum disk_discard discard;
	char *cache; /* <driver cache=>, one of libvirt's; NULL: absent */
	char *io;    /* <driver io=>, one of libvirt's; NULL: absent */
	char *detect_zeroes; /* <driver detect_zeroes=>: on, off, unmap */
	unsigned queues, queue_size;	/* <driver queues= queue_size=>; 0 */
	unsigned rotation_rate;		/* <target rotation_rate=>; 0: none */
	enum domain_tristate removable; /* <target removable=> (usb) */
	char *wwn;	   /* <wwn>: 16 hex digits as written (0x allowed) */
	unsigned iothread; /* <driver iothread=>: its id; 0: none */
	struct disk_backing *backing; /* <backingStore>, top down */
	size_t n_backing;
	bool backing_end; /* the chain ends with an empty <backingStore/> */
	/* @backing is the chain the running domain opened (live XML:
	 * formatted with index=, domain_disks_show_chains()) */
	bool backing_live;
	unsigned
		boot_order; /* <boot order=>; 0: none (domain_conf_devices.c) */
	struct disk_drive_addr drive;	  /* <address type='drive'> */
	struct dev_pci_addr pci;	  /* <address type='pci'>, virtio */
	struct domain_virtio_opts virtio; /* <driver iommu= ...>, virtio */
	struct disk_opts opts;		  /* domain_conf_disk_opts.c's */
};

enum net_type {
	NET_TYPE_ETHERNET,  /* a tap device of the host (target dev) */
	NET_TYPE_BRIDGE,    /* a tap added to a host bridge */
	NET_TYPE_NETWORK,   /* a nido virtual network */
	NET_TYPE_USER,	    /* QEMU's user-mode network (slirp): no tap */
	NET_TYPE_SERVER,    /* a socket QEMU listens on for one client */
	NET_TYPE_CLIENT,    /* a socket QEMU connects to a server */
	NET_TYPE_MCAST,	    /* a multicast group of QEMUs */
	NET_TYPE_UDP,	    /* UDP datagrams between two QEMUs */
	NET_TYPE_VHOSTUSER, /* a vhost-user backend's unix socket */
	NET_TYPE_VDPA,	    /* a host vhost-vdpa device */
	NET_TYPE_HOSTDEV,   /* an SR-IOV VF through VFIO (a host device) */
};

/*
 * An <interface> (domain_conf_iface.c). The generated MAC is part of the
 * definition from its first parse on, as libvirt keeps it.
 */
struct domain_net {
	enum net_type type;
	uint8_t mac[6];
	char *source;	 /* bridge or network name; NULL for ethernet */
	char *portgroup; /* <source portgroup=> of a network; NULL: none */
	char *tap;	 /* <target dev>, NULL: chosen at start (@ifname) */
	char *guest_dev; /* a container's <guest dev>: its name inside */
	char *model;	 /* <model type=>, "virtio" by default */
	struct network_virtualport virtualport; /* openvswitch or none */
	struct network_bandwidth bandwidth;	/* per interface */
	struct network_vlan vlan;		/* <vlan>, OVS only */
	bool has_vlan;
	enum domain_tristate link; /* <link state=>: ON up, OFF down */
	struct dev_pci_addr pci;   /* <address type='pci'> */
	/* domain_conf_net.h */
	struct net_driver driver;   /* <driver>, virtio only */
	struct net_rom rom;	    /* <rom> */
	unsigned acpi_index;	    /* <acpi index=>; 0: none */
	struct net_socket sock;	    /* server, client, mcast, udp */
	struct net_vhostuser vhost; /* vhostuser */
	struct net_user_ip user_ip; /* user: <ip> */
	struct net_hostdev hostdev; /* hostdev */
	unsigned boot_order;	    /* <boot order=>; 0: none */
	struct net_host host;	    /* ethernet: <source><ip>, <route> */
	/* <alias name='ua-...'>, a user's name for it (libvirt's run-time
	 * names are not kept); NULL: none */
	char *alias;
	/* <teaming type='persistent'> (1), or type='transient' (2) with
	 * persistent= naming the other's alias */
	int teaming;
	char *teaming_persistent;
	/* ethernet: <script path=>, run with the tap's name once it is
	 * made; <downscript path=> when it goes; NULL: none */
	char *script, *downscript;
	bool tap_unmanaged; /* <target managed='no'>: the tap must exist */
	int port_isolated;  /* <port isolated=>: enum domain_tristate */
	/* While running, the tap nidod named for it when @tap is NULL:
	 * shown as <target dev> in the live XML only; NULL otherwise. */
	char *ifname;
	/* While running as an Open vSwitch port with no interfaceid of its
	 * own (a network's port, no <virtualport>): the one nidod made, its
	 * iface-id; in the live XML only, as libvirt shows it. */
	char *port_interfaceid;
};

/* A chardev's type=, and what each type's <source> says
 * (domain_conf_chardev.c). */
enum chardev_type {
	CHARDEV_PTY,
	CHARDEV_NULL, /* nothing: output dropped, no input */
	CHARDEV_VC,   /* QEMU's own text console (its display) */
	CHARDEV_FILE, /* output appended or written to a file */
	CHARDEV_DEV,  /* a host character device (a tty) */
	CHARDEV_UNIX, /* a unix socket, listened on or connected to */
	CHARDEV_TCP,  /* a TCP socket, listened on or connected to */
	CHARDEV_UDP,  /* UDP datagrams to (and from) a host and port */
	/* the SPICE server's agent channel (a <channel> only) */
	CHARDEV_SPICEVMC,
	CHARDEV_SPICEPORT, /* a SPICE port channel, named by src.path */
	/* QEMU's own SPICE agent (a <channel> only), for VNC */
	CHARDEV_QEMU_VDAGENT,
	CHARDEV_DBUS, /* a channel of the D-Bus display, named by src.path */
};
#define CHARDEV_TYPES (CHARDEV_DBUS + 1)
extern const char *const chardev_type_names[];

struct chardev_source {
	char *path;    /* file, dev, unix; spiceport, dbus: <source channel=> */
	bool listen;   /* unix, tcp: <source mode='bind'> */
	char *host;    /* tcp, udp (its connect side); NULL: none */
	char *service; /* tcp, udp: the port */
	char *bind_host; /* udp: the local side; NULL: none */
	char *bind_service;
	bool telnet;	/* tcp: <protocol type='telnet'> */
	bool tls_no;	/* tcp: <source tls='no'> given */
	bool raw_given; /* unix: <protocol type='raw'> (its only one) */
	enum domain_tristate append; /* file: <source append=> */
	/* qemu-vdagent: <clipboard copypaste=> (ON: yes), <mouse mode=>
	 * (ON: client) */
	enum domain_tristate clipboard, mouse;
};

/* A serial port's device: <target type=>. */
enum serial_target {
	SERIAL_TARGET_ISA, /* isa-serial: the PC's COM ports */
	SERIAL_TARGET_PCI, /* pci-serial: QEMU's PCI 16550 */
};

/* What a <console> is: an alias of a serial port, or a virtio console. */
enum console_target {
	CONSOLE_TARGET_SERIAL,
	CONSOLE_TARGET_VIRTIO,
	CONSOLE_TARGET_LXC, /* a container's /dev/console */
};

/* A <serial> or a <console>. */
struct domain_chardev {
	enum chardev_type type;
	struct chardev_source src;
	unsigned port;			  /* <target port=> */
	enum serial_target serial_target; /* serials only */
	struct dev_pci_addr pci;	  /* a pci-serial's <address> */
	unsigned iobase, irq;	    /* an isa-serial's <address type='isa'>; 0:
				     * the port's own */
	enum console_target target; /* consoles only */
	char *log_file;		    /* <log file=>: NULL: none */
	enum domain_tristate log_append; /* <log append=> */
};

/* <rng><backend model=>: where the guest's entropy comes from. */
enum rng_backend {
	RNG_BACKEND_RANDOM,  /* a host file (/dev/urandom) QEMU reads */
	RNG_BACKEND_EGD,     /* the EGD protocol on a chardev */
	RNG_BACKEND_BUILTIN, /* QEMU's own getrandom() */
};

/* <rng model='virtio'> and its backend (domain_conf_rng.c). */
struct domain_rng {
	enum rng_backend model;
	char *backend; /* random: the host's source, "/dev/urandom" by
			* default; NULL for the others */
	enum chardev_type egd_type;	  /* egd: <backend type=> */
	struct chardev_source egd;	  /* ... and its <source> */
	struct dev_pci_addr pci;	  /* <address> */
	uint64_t rate_bytes;		  /* <rate bytes=>; 0: no limit */
	uint64_t rate_period_ms;	  /* <rate period=>; 0: absent */
	struct domain_virtio_opts virtio; /* <driver iommu= ...> */
};

/*
 * A <channel> (domain_conf_channel.c): a virtio-serial port named
 * <target name=> on a character device. The guest agent's is the unix
 * one named DOMAIN_AGENT_CHANNEL, on a socket nidod binds and talks to.
 */
#define DOMAIN_AGENT_CHANNEL "org.qemu.guest_agent.0"
/* A <channel type='spicevmc'>'s port without a name of its own. */
#define DOMAIN_SPICE_AGENT_CHANNEL "com.redhat.spice.0"
#define DOMAIN_MAX_CHANNELS	   32
struct domain_channel {
	enum chardev_type type;
	/* the host side; the agent's src.path NULL: nidod picks
	 * (docs/xml.md) */
	struct chardev_source src;
	char *name; /* <target name=>; NULL: none */
	/* <address type='virtio-serial' controller= bus='0' port=>: the
	 * controller's index (0 when not given) and the port (port_set
	 * when given; else the next free one) */
	bool addr_set, port_set;
	unsigned controller, port;
	/* While running: ON when the guest has the port open, OFF when
	 * not, ABSENT when not known (the live XML's state=) */
	enum domain_tristate state_live;
};

/* <os><boot dev=>: where the firmware looks for a system, in order. */
enum boot_dev {
	BOOT_DEV_HD,
	BOOT_DEV_CDROM,
	BOOT_DEV_NETWORK,
	BOOT_DEV_FD,
};
extern const char *const boot_dev_names[];
#define DOMAIN_MAX_BOOT 4 /* each device once */

/* <os firmware=>: absent (the driver's default: SeaBIOS), bios or efi. */
enum os_firmware {
	OS_FIRMWARE_NONE,
	OS_FIRMWARE_BIOS,
	OS_FIRMWARE_EFI,
};

/* <loader type=>: absent, rom (replaces the BIOS) or pflash (UEFI). */
enum loader_type {
	LOADER_TYPE_NONE,
	LOADER_TYPE_ROM,
	LOADER_TYPE_PFLASH,
};

/*
 * The firmware (domain_conf_devices.c): <os firmware='efi'> with
 * <firmware><feature enabled= name='secure-boot|enrolled-keys'/>, and
 * <loader readonly= secure= type=>PATH</loader>, <nvram
 * template=>PATH</nvram>. The qemu driver fills what is not given from
 * QEMU's firmware descriptors when the domain is defined.
 */
struct domain_firmware {
	enum os_firmware kind;
	enum domain_tristate secure_boot, enrolled_keys;
	char *loader; /* NULL: none (chosen when kind is efi) */
	enum loader_type type;
	enum domain_tristate readonly, secure;
	enum domain_tristate stateless; /* <loader stateless=>: ON: no
					 * variable store at all */
	char *nvram;			/* the domain's own variable store */
	bool nvram_source;    /* given as <nvram type='file'><source> */
	char *nvram_template; /* what it is copied from on first start */
};

/* <video><model type=>: as video_model_names. */
enum video_model {
	VIDEO_ABSENT, /* no <video>: none, or libvirt's default with graphics */
	VIDEO_VGA,
	VIDEO_CIRRUS,
	VIDEO_VIRTIO,
	VIDEO_NONE,
	VIDEO_QXL,
	VIDEO_BOCHS,
	VIDEO_RAMFB, /* not on PCI */
};

/* One <video> card (domain_conf_display.c); sizes in KiB, 0: not
 * given (QEMU's default). */
struct domain_video {
	enum video_model model;
	unsigned ram, vram, vram64, vgamem; /* <model ram= vram= ...> */
	unsigned heads;			    /* <model heads=>; 0: not given */
	enum domain_tristate primary;	    /* <model primary=> */
	/* virtio: <acceleration accel3d=> (virgl, with an OpenGL display) */
	enum domain_tristate accel3d;
	struct dev_pci_addr pci;	  /* its <address> */
	struct domain_virtio_opts virtio; /* a virtio card's <driver> */
};

/* <graphics type='spice'> (domain_conf_display.c). The channels, in
 * spice_channel_names' order: main, display, inputs, cursor, playback,
 * record, smartcard, usbredir. */
#define SPICE_CHANNELS 8
enum spice_mode { SPICE_MODE_ANY, SPICE_MODE_SECURE, SPICE_MODE_INSECURE };
/* What a VNC or SPICE <graphics> says of its password and clients
 * (domain_conf_graphics.c). */
struct graphics_passwd {
	char *valid_to;		 /* passwdValidTo= as given; NULL: none */
	unsigned char connected; /* connected=: graphics_connected_names */
};

struct domain_spice {
	int port;      /* port=: 0 none (no TCP), -1 nidod picks one */
	int tls_port;  /* tlsPort=: 0 none, -1 nidod picks one */
	bool autoport; /* autoport='yes' */
	int port_live; /* the ports a running domain has; 0 */
	int tls_port_live;
	char *listen;	  /* an address; NULL: 127.0.0.1 (with a port) */
	char *socket;	  /* <listen type='socket' socket=>: a path */
	bool listen_none; /* <listen type='none'> */
	char *passwd;	  /* NULL: none (set through QMP, never argv) */
	struct graphics_passwd pw;
	char *rendernode;	      /* <gl rendernode=>; NULL: any */
	enum spice_mode default_mode; /* defaultMode= */
	enum spice_mode channel[SPICE_CHANNELS]; /* <channel name= mode=> */
	/* <image compression=>, <jpeg>, <zlib>, <playback>, <streaming
	 * mode=>, <clipboard copypaste=>, <filetransfer enable=>, <mouse
	 * mode=>, <gl enable=>: indexes into their name tables, 0 not
	 * given */
	unsigned char image, jpeg, zlib, playback, streaming;
	unsigned char copypaste, filetransfer, mouse, gl;
};

/* <controller type='usb' model=>: as usb_model_names. */
enum usb_model {
	USB_ABSENT, /* the machine's default when a USB device needs one */
	USB_PIIX3_UHCI,
	USB_QEMU_XHCI,
	USB_NEC_XHCI,
	USB_NONE,
	USB_ICH9_EHCI1, /* a USB 2 EHCI, its USB 1 companions beside it */
	USB_ICH9_UHCI1, /* the companions: <master startport=> */
	USB_ICH9_UHCI2,
	USB_ICH9_UHCI3,
};

/* A USB controller beyond index 0's own (domain_conf_usb.c): an ICH9
 * EHCI's UHCI companion (of any index) or the controller of another
 * index. */
struct domain_usb_ctl {
	enum usb_model model;
	unsigned index;
	unsigned startport; /* a companion's <master startport=> */
	unsigned ports;	    /* an xHCI's ports=; 0: default */
	struct dev_pci_addr pci;
};

/* A USB device's <address type='usb' bus= port=>: @set when given; @bus
 * the index of its controller; @port "1", "1.2" (behind a hub on port
 * 1), "" none: QEMU's first free port. */
#define USB_PORT_LEN 16
struct usb_addr {
	bool set;
	unsigned bus;
	char port[USB_PORT_LEN];
};

/* <input type= bus=> on USB or virtio (domain_conf_display.c); PS/2's
 * pair is the machine's own. A host's input device
 * (domain_conf_hostdev.c): given to the guest through virtio
 * (type='passthrough' bus='virtio') or read by QEMU for the guest's PS/2
 * or USB devices (type='evdev', no bus). */
enum input_type {
	INPUT_MOUSE,
	INPUT_KEYBOARD,
	INPUT_TABLET,
	INPUT_PASSTHROUGH,
	INPUT_EVDEV,
};
enum input_bus { INPUT_BUS_USB, INPUT_BUS_VIRTIO, INPUT_BUS_NONE };
struct domain_input {
	enum input_type type;
	enum input_bus bus;
	struct usb_addr usb;
	struct dev_pci_addr pci;	  /* a virtio one's <address> */
	struct domain_virtio_opts virtio; /* a virtio one's <driver> */
	/* passthrough: <source evdev=>; evdev: <source dev=>; else NULL */
	char *evdev;
	/* evdev: <source grab='all'>, grabToggle= (an index into
	 * input_grab_toggle_names, 0: not given), repeat= */
	bool grab_all;
	unsigned char grab_toggle;
	enum domain_tristate repeat;
};

/* <sound model=>: as sound_model_names (domain_conf_display.c). */
enum sound_model {
	SOUND_PCSPK,
	SOUND_ES1370,
	SOUND_SB16,
	SOUND_AC97,
	SOUND_ICH6,
	SOUND_ICH9,
	SOUND_USB,
};
#define SOUND_CODECS 4
struct domain_sound {
	enum sound_model model;
	/* an HDA's <codec type=>s, as 1 + index in sound_codec_names;
	 * none: libvirt's one duplex codec */
	unsigned char codecs[SOUND_CODECS];
	unsigned audio_id; /* <audio id=>: its backend; 0: the first one */
	struct dev_pci_addr pci;
	struct usb_addr usb; /* model usb's */
};

/* <smartcard> (domain_conf_display.c): a CCID reader on USB with one
 * card: the host's (through NSS), three certificates of an NSS
 * database, or passed through a character device. */
enum smartcard_mode {
	SMARTCARD_HOST,
	SMARTCARD_CERTIFICATES,
	SMARTCARD_PASSTHROUGH,
};
enum smartcard_chr { SMARTCARD_TCP, SMARTCARD_UNIX, SMARTCARD_SPICEVMC };
struct domain_smartcard {
	enum smartcard_mode mode;
	char *certs[3], *database; /* host-certificates; database NULL:
				    * /etc/pki/nssdb */
	enum smartcard_chr type;   /* passthrough: */
	bool bind;		   /* <source mode='bind'> (a server) */
	char *host, *service;	   /* tcp */
	char *path;		   /* unix */
	bool ccid_address;	   /* <address type='ccid' controller='0'
				    * slot='0'> given */
};

/* <redirdev bus='usb' type=> (domain_conf_usb.c): a USB device of a
 * client's, through usbredir on a character device: TCP or a unix
 * socket, or SPICE's usbredir channel. */
struct domain_redirdev {
	bool spicevmc;		/* type='spicevmc' */
	enum chardev_type type; /* tcp or unix, when not spicevmc */
	struct chardev_source src;
	struct usb_addr usb;
	unsigned boot_order; /* <boot order=>; 0: none */
};

/* <redirfilter><usbdev class= vendor= product= version= allow=>: -1
 * for any; @version a BCD (0x0110: "1.10"). */
struct domain_redir_rule {
	int class, vendor, product, version;
	bool allow;
};
#define DOMAIN_MAX_REDIRDEVS   16
#define DOMAIN_MAX_REDIR_RULES 32

/*
 * What a person sees and types with (domain_conf_devices.c,
 * domain_conf_display.c): VNC and SPICE <graphics>, <video> cards,
 * <input> devices, the USB controller.
 */
/* <graphics type='sdl'>, 'egl-headless' and 'dbus': QEMU's -display
 * (domain_conf_graphics.c). Tristates: ABSENT when not given. */
struct domain_local_display {
	bool sdl, egl, dbus;
	char *sdl_display, *sdl_xauth; /* display=, xauth= */
	enum domain_tristate sdl_fullscreen, sdl_gl;
	char *egl_rendernode; /* <gl rendernode=>; NULL: any */
	char *dbus_address;   /* address=; NULL: none */
	enum domain_tristate dbus_p2p, dbus_gl;
	char *dbus_rendernode;
	unsigned dbus_audio; /* <audio id=>; 0: none */
};

struct domain_display {
	bool vnc; /* <graphics type='vnc'> */
	/* VNC's sharePolicy= (graphics_share_names, 0: not given),
	 * powerControl=, websocket= (a port; 0 none) */
	unsigned char vnc_share;
	enum domain_tristate vnc_power;
	int vnc_websocket;
	unsigned vnc_audio; /* <audio id=>: what VNC clients hear; 0 none */
	struct graphics_passwd vnc_pw;
	struct domain_local_display local;
	char *vnc_passwd; /* <graphics passwd=>: NULL: none (set through QMP) */
	int vnc_port;	  /* <graphics port=>: -1 autoport */
	int vnc_port_live;	/* the port QEMU took (a running domain); 0 */
	char *vnc_listen;	/* an address; NULL: none given (127.0.0.1) */
	char *vnc_socket;	/* <listen type='socket' socket=>; NULL none */
	bool vnc_listen_none;	/* <listen type='none'>: no listener */
	enum video_model video; /* the primary card's model */
	struct domain_video *videos; /* the <video> cards, in their order */
	size_t n_videos;
	struct domain_spice *spice;  /* <graphics type='spice'>; NULL: none */
	struct domain_input *inputs; /* <input> on USB and virtio */
	size_t n_inputs;
	struct usb_addr *hubs; /* <hub type='usb'>: each one's address */
	size_t n_hubs;
	struct domain_smartcard *smartcard; /* NULL: none */
	struct domain_sound *sounds; /* <sound> devices, in their order */
	size_t n_sounds;
	bool ps2_mouse;	    /* <input type='mouse' bus='ps2'>, implicit */
	bool ps2_keyboard;  /* <input type='keyboard' bus='ps2'>, implicit */
	enum usb_model usb; /* <controller type='usb' model=> */
	struct dev_pci_addr usb_pci; /* its <address> */
	unsigned usb_ports; /* an xHCI's <controller ports=>; 0: default */
	struct domain_usb_ctl *usb_more; /* the other USB controllers */
	size_t n_usb_more;
	struct domain_redirdev *redirdevs; /* domain_conf_usb.c */
	size_t n_redirdevs;
	struct domain_redir_rule *redir_rules; /* <redirfilter> */
	size_t n_redir_rules;
	bool redirfilter; /* <redirfilter> given (perhaps empty) */
};

/* <controller type=>: the ones domain_conf_hw.c reads (USB is the
 * display's). */
enum controller_type {
	CONTROLLER_PCI,
	CONTROLLER_IDE,
	CONTROLLER_SATA,
	CONTROLLER_SCSI,
	CONTROLLER_VIRTIO_SERIAL, /* the channels' and virtio consoles' */
};

/* <controller model=>, as controller_model_names: the PCI ones
 * (CONTROLLER_MODEL_PCI_ROOT to _PCIE_EXPANDER_BUS), then the SCSI
 * ones. */
enum controller_model {
	CONTROLLER_MODEL_NONE, /* not given (ide, sata) */
	CONTROLLER_MODEL_PCI_ROOT,
	CONTROLLER_MODEL_PCIE_ROOT,
	CONTROLLER_MODEL_PCI_BRIDGE,
	CONTROLLER_MODEL_DMI_TO_PCI_BRIDGE,
	CONTROLLER_MODEL_PCIE_ROOT_PORT,
	CONTROLLER_MODEL_PCIE_SWITCH_UPSTREAM_PORT,
	CONTROLLER_MODEL_PCIE_SWITCH_DOWNSTREAM_PORT,
	CONTROLLER_MODEL_PCI_EXPANDER_BUS,
	CONTROLLER_MODEL_PCIE_EXPANDER_BUS,
	CONTROLLER_MODEL_VIRTIO_SCSI,
	CONTROLLER_MODEL_LSILOGIC,
	CONTROLLER_MODEL_LSISAS1068,
	CONTROLLER_MODEL_LSISAS1078,
	CONTROLLER_MODEL_VMPVSCSI,
	CONTROLLER_MODEL_AM53C974,
	CONTROLLER_MODEL_DC390,
	CONTROLLER_MODEL_VIRTIO_TRANSITIONAL,
	CONTROLLER_MODEL_VIRTIO_NON_TRANSITIONAL,
};
#define CONTROLLER_MODEL_IS_PCI(m)           \
	((m) >= CONTROLLER_MODEL_PCI_ROOT && \
	 (m) <= CONTROLLER_MODEL_PCIE_EXPANDER_BUS)

/* A PCI controller's <model name=>: QEMU's device, as
 * controller_device_names (0: the model's default). */
enum controller_device {
	CONTROLLER_DEVICE_DEFAULT,
	CONTROLLER_DEVICE_PCI_BRIDGE,
	CONTROLLER_DEVICE_I82801B11_BRIDGE,
	CONTROLLER_DEVICE_IOH3420,
	CONTROLLER_DEVICE_PCIE_ROOT_PORT,
	CONTROLLER_DEVICE_X3130_UPSTREAM,
	CONTROLLER_DEVICE_XIO3130_DOWNSTREAM,
	CONTROLLER_DEVICE_PXB,
	CONTROLLER_DEVICE_PXB_PCIE,
};

/* A virtio controller's <driver> (domain_conf_ctl.c): 0 or absent for
 * what is not given. */
struct controller_driver {
	unsigned queues, cmd_per_lun, max_sectors, iothread;
	enum domain_tristate ioeventfd, iommu, ats, packed, page_per_vq;
};

struct domain_controller {
	enum controller_type type;
	unsigned index;
	bool index_auto; /* no index=: libvirt's lowest free one */
	bool implicit;	 /* added as libvirt adds it (domain_conf_ctl.c) */
	enum controller_model model;
	struct dev_pci_addr pci;
	unsigned ports, vectors; /* virtio-serial: ports=, vectors= (0:
				  * QEMU's default) */
	/* a PCI controller's <model name=> and <target chassisNr=
	 * chassis= port= hotplug= busNr=><node>: -1 where not given */
	enum controller_device device;
	int chassis_nr, chassis, port, bus_nr, node;
	enum domain_tristate hotplug;
	struct controller_driver driver;
};
/* A virtio-serial controller's ports, at most (QEMU's default). */
#define VIRTIO_SERIAL_PORTS 31

/* <memballoon model=>: absent is libvirt's default, a virtio balloon. */
enum balloon_model {
	BALLOON_ABSENT,
	BALLOON_VIRTIO,
	BALLOON_NONE,
};

/* <watchdog model=>. */
enum watchdog_model {
	WATCHDOG_NONE,
	WATCHDOG_I6300ESB,
	WATCHDOG_IB700,
};

/* <watchdog action=>, as QEMU's -action watchdog= names them. */
enum watchdog_action {
	WATCHDOG_ACTION_RESET,
	WATCHDOG_ACTION_SHUTDOWN,
	WATCHDOG_ACTION_POWEROFF,
	WATCHDOG_ACTION_PAUSE,
	WATCHDOG_ACTION_NONE,
	WATCHDOG_ACTION_INJECT_NMI,
};

/* <clock offset=>: absent (UTC), utc or localtime. */
enum clock_offset {
	CLOCK_ABSENT,
	CLOCK_UTC,
	CLOCK_LOCALTIME,
	CLOCK_VARIABLE, /* UTC (or local time) plus an adjustment */
	CLOCK_ABSOLUTE, /* a fixed start, whenever the guest starts */
	CLOCK_TIMEZONE, /* the local time of a named time zone */
};
/* The furthest an RTC's start may be (9999-12-31T23:59:59 UTC), and
 * the largest <clock adjustment=> either way. */
#define CLOCK_MAX_SECONDS 253402300799LL

/* <cpu mode=>: absent is libvirt's default, a custom model or none. */
enum cpu_mode {
	CPU_MODE_CUSTOM,
	CPU_MODE_HOST_PASSTHROUGH,
	CPU_MODE_HOST_MODEL,
	CPU_MODE_MAXIMUM,
};

/* <feature policy= name=>: policies as cpu_policy_names. */
struct cpu_feature {
	char *name;
	int policy; /* force, require, optional, disable, forbid */
};

#define DOMAIN_MAX_CPU_FEATURES 64

/*
 * <cpu> (domain_conf_cpu.c): the model the guest sees and the topology
 * of its vCPUs. The attributes that only steer libvirt's own checks
 * (match, check, fallback, migratable) are kept as written.
 */
struct domain_cpu {
	bool given;
	enum cpu_mode mode;
	char *match, *check, *migratable;	/* NULL: absent */
	char *model;				/* <model>: NULL: none */
	char *fallback;				/* <model fallback=> */
	unsigned sockets, dies, cores, threads; /* 0: no <topology> */
	struct cpu_feature *features;
	size_t n_features;
	/* <cache level= mode=>: cpu_cache_mode_names; level 0: absent */
	int cache_mode; /* 0: no <cache> */
	unsigned cache_level;
	/* <maxphysaddr mode= bits=>: cpu_physaddr_mode_names; bits 0:
	 * absent */
	int physaddr_mode; /* 0: no <maxphysaddr> */
	unsigned physaddr_bits;
};

/* <iommu model='intel'> and its <driver> (domain_conf_platform.c): QEMU's
 * emulated VT-d. */
struct domain_iommu {
	bool present;
	enum domain_tristate intremap, caching_mode, eim, iotlb;
	unsigned aw_bits; /* 0: QEMU's default */
};

/* <sysinfo>'s sections: SMBIOS structures of types 0, 1, 2, 3 and 11,
 * and fw_cfg's files (sysinfo_section_names). */
enum sysinfo_section {
	SYSINFO_BIOS,
	SYSINFO_SYSTEM,
	SYSINFO_BASEBOARD,
	SYSINFO_CHASSIS,
	SYSINFO_OEM,
	SYSINFO_FWCFG,
};

/* One <entry>: @name NULL for an OEM string. */
struct sysinfo_entry {
	enum sysinfo_section section;
	char *name, *value;
};

/*
 * <sysinfo type='smbios'|'fwcfg'> and <os><smbios mode=>
 * (domain_conf_sysinfo.c): what the firmware tables tell the guest of
 * its machine, and named strings for it through fw_cfg.
 */
struct domain_sysinfo {
	int smbios_mode; /* sysinfo_smbios_modes; 0: no <smbios> */
	bool smbios;	 /* a <sysinfo type='smbios'> */
	bool fwcfg;	 /* a <sysinfo type='fwcfg'> */
	struct sysinfo_entry *entries; /* in their sections' order */
	size_t n_entries;
};

/* <iothreads> and <iothreadids> (domain_conf_cpu.c): QEMU's I/O
 * threads, by id; ids not given are the smallest free ones, as libvirt
 * fills them. */
#define DOMAIN_MAX_IOTHREADS 64

struct domain_iothreads {
	unsigned *ids;
	size_t n;
	size_t n_given; /* the first n_given came from <iothreadids> */
};

/* <features><hyperv>'s switches, in libvirt's order (hyperv_names). */
enum hyperv_feature {
	HV_RELAXED,
	HV_VAPIC,
	HV_SPINLOCKS,
	HV_VPINDEX,
	HV_RUNTIME,
	HV_SYNIC,
	HV_STIMER,
	HV_RESET,
	HV_VENDOR_ID,
	HV_FREQUENCIES,
	HV_REENLIGHTENMENT,
	HV_TLBFLUSH,
	HV_IPI,
	HV_EVMCS,
	HV_AVIC,
	HV_N,
};

/* <features><kvm>'s switches (kvm_feature_names). */
enum kvm_feature {
	KVMF_HIDDEN,
	KVMF_HINT_DEDICATED,
	KVMF_POLL_CONTROL,
	KVMF_PV_IPI,
	KVMF_DIRTY_RING,
	KVMF_N,
};

/*
 * The <features> that shape the vCPUs (domain_conf_cpufeat.c): Hyper-V
 * enlightenments, KVM's paravirtual features, the PMU and paravirtual
 * spinlocks. QEMU gives them as -cpu properties.
 */
struct domain_cpu_features {
	bool hyperv;		 /* a <hyperv> element */
	bool hyperv_passthrough; /* <hyperv mode='passthrough'> */
	enum domain_tristate hv[HV_N];
	unsigned hv_retries; /* <spinlocks retries=>; 0: none */
	char *hv_vendor_id;  /* <vendor_id value=> */
	enum domain_tristate hv_stimer_direct; /* <stimer><direct state=> */
	bool kvm;			       /* a <kvm> element */
	enum domain_tristate kvm_f[KVMF_N];
	unsigned dirty_ring_size;	 /* <dirty-ring size=>; 0: none */
	enum domain_tristate pmu;	 /* <pmu state=> */
	enum domain_tristate pvspinlock; /* <pvspinlock state=> */
	int ioapic; /* <ioapic driver=>: 0 absent, 1 kvm, 2 qemu */
};

/* <audio type=>: the backends QEMU's -audiodev has on Linux. */
enum audio_type {
	AUDIO_NONE,
	AUDIO_ALSA,
	AUDIO_JACK,
	AUDIO_OSS,
	AUDIO_PULSEAUDIO,
	AUDIO_SDL,
	AUDIO_FILE,
	AUDIO_SPICE, /* to the SPICE server's clients */
	AUDIO_DBUS,  /* to the D-Bus display's clients */
};

/* One attribute of an <audio>, its <input>/<output> or their
 * <settings>: @key indexes domain_audio_keys (domain_conf_audio.h). */
struct audio_opt {
	unsigned key;
	unsigned dir; /* 0: <audio>; 1: <input>; 2: <output> */
	char *value;  /* as written (checked); owned */
};

/* <audio id= type=> (domain_conf_audio.c): QEMU's -audiodev audioN. */
struct domain_audio {
	unsigned id;
	enum audio_type type;
	struct audio_opt *opts;
	size_t n_opts;
};

/* <numa><cell>'s <distances><sibling id= value=>. */
struct numa_sibling {
	unsigned id, value;
};

/* Most NUMA cells of a guest (QEMU's MAX_NODES is 128). */
#define DOMAIN_MAX_NUMA_CELLS 128

/* <cpu><numa><cell> (domain_conf_mem.c): a guest NUMA node. */
struct numa_cell {
	unsigned id;
	char *cpus; /* vCPU list as written ("0-3,8-11"); NULL */
	uint64_t memory_kib;
	int mem_access; /* memAccess: 0 default, 1 shared, 2 private */
	int discard;	/* discard=: 0 not given, 1 yes, 2 no */
	struct numa_sibling *siblings;
	size_t n_siblings;
};

/* <memoryBacking><hugepages><page size= nodeset=>. */
struct hugepage {
	uint64_t size_kib;
	char *nodeset; /* NULL: every node without its own page */
};

/* <numatune> modes: where QEMU's memory policy binds guest RAM (mbind). */
enum numa_mode {
	NUMA_MODE_NONE,
	NUMA_MODE_STRICT,
	NUMA_MODE_PREFERRED,
	NUMA_MODE_INTERLEAVE
};

/* <numatune><memnode cellid= mode= nodeset=>. */
struct numa_memnode {
	unsigned cellid;
	enum numa_mode mode;
	char *nodeset; /* host NUMA nodes, as written */
};

/*
 * <memoryBacking> and the guest's NUMA cells (domain_conf_mem.c): where
 * guest RAM comes from and how QEMU holds it.
 */
struct domain_mem {
	struct numa_cell *cells;
	size_t n_cells;
	bool backing;	/* a <memoryBacking> */
	bool hugepages; /* <hugepages>, with @pages or none (the default) */
	struct hugepage *pages;
	size_t n_pages;
	bool nosharepages, locked;
	int source; /* <source type=>: 0 none, 1 anonymous, 2 memfd, 3 file */
	int access; /* <access mode=>: 0 none, 1 shared, 2 private */
	int allocation; /* <allocation mode=>: 0, 1 immediate, 2 ondemand */
	unsigned alloc_threads;	  /* <allocation threads=>; 0: not given */
	bool discard;		  /* <discard/> */
	enum numa_mode tune_mode; /* <numatune><memory mode= nodeset=> */
	char *tune_nodeset;
	struct numa_memnode *memnodes;
	size_t n_memnodes;
	/* <maxMemory slots=>: what memory hotplug may reach; 0: none */
	uint64_t max_kib;
	unsigned max_slots;
};

/* <clock><timer name=> the qemu driver acts on. */
enum timer_name { TIMER_RTC, TIMER_PIT, TIMER_HPET, TIMER_KVMCLOCK, TIMER_N };

/* One <timer> (domain_conf_hw.c); values index the names there, 0 for
 * not given: present (yes, no), tickpolicy (delay, catchup, discard),
 * track (guest, wall, realtime). */
struct domain_timer {
	bool given;
	int present, tickpolicy, track;
};

/* Most controllers of the kinds domain_conf_hw.c reads. */
#define DOMAIN_MAX_CONTROLLERS 256

/*
 * The machine around the guest (domain_conf_hw.c): its controllers, the
 * balloon, the watchdog, the panic device, the clock, <features> and
 * the boot menu, as libvirt reads them.
 */
/*
 * A DAC <seclabel> (domain_conf_seclabel.c): who QEMU runs as. dynamic
 * (model='dac', or no model: this host's only model) is nidod's
 * per-VM identity; static names a 'user:group' QEMU runs as instead.
 */
enum seclabel_dac_type {
	SECLABEL_DAC_ABSENT,
	SECLABEL_DAC_DYNAMIC,
	SECLABEL_DAC_STATIC
};
struct domain_seclabel_dac {
	enum seclabel_dac_type type;
	bool model_given;	      /* model='dac' written */
	enum domain_tristate relabel; /* relabel= */
	char *label;		      /* static: <label>user:group</label> */
};

struct domain_hw {
	struct domain_machine_opts mach; /* domain_conf_machine.c */
	struct domain_controller *controllers;
	size_t n_controllers;
	enum balloon_model balloon;
	enum domain_tristate balloon_autodeflate;
	enum domain_tristate balloon_free_page_reporting; /* the guest
							   * hands back freed
							   * pages */
	struct dev_pci_addr balloon_pci;
	struct domain_virtio_opts balloon_virtio; /* its <driver> */
	unsigned balloon_period; /* <stats period>: seconds; 0: no polling */
	enum watchdog_model watchdog;
	enum watchdog_action watchdog_action;
	struct dev_pci_addr watchdog_pci;
	bool panic; /* <panic model='isa'>: QEMU's pvpanic */
	bool ccid;  /* <controller type='ccid' index='0'/>: the smartcard's
		     * USB CCID reader */
	enum clock_offset clock;
	long long clock_adjustment; /* variable: seconds from the basis */
	bool clock_basis_local;	    /* variable: basis='localtime' */
	long long clock_start;	    /* absolute: start= (seconds since
				     * the epoch, UTC) */
	char *clock_tz;		    /* timezone: timezone= */
	struct domain_timer timers[TIMER_N]; /* <clock><timer> */
	bool features; /* a <features> element: then acpi, apic, pae */
	bool acpi, apic, pae;
	enum domain_tristate apic_eoi; /* <apic eoi=> */
	enum domain_tristate smm;      /* <smm state=> */
	enum domain_tristate s3, s4;   /* <pm><suspend-to-mem|disk enabled> */
	enum domain_tristate bootmenu; /* <bootmenu enable=> */
	unsigned bootmenu_timeout_ms;  /* <bootmenu timeout=>; 0: none */
	/* <seclabel type='none'/>: no security label: 1; with
	 * model='none': 2; 0: none given */
	int seclabel_none;
	struct domain_seclabel_dac dac; /* domain_conf_seclabel.c */
	struct domain_mem mem;		/* domain_conf_mem.c */
	struct domain_audio *audios;	/* <audio>: domain_conf_audio.c */
	size_t n_audios;
	struct domain_cpu cpu;
	struct domain_cpu_features cpufeat;
	struct domain_iommu iommu;
	struct domain_sysinfo sysinfo;
	struct domain_iothreads iothreads;
};

/* <vcpu placement=>: static (the default) or auto (numad decides). */
enum vcpu_placement {
	VCPU_PLACEMENT_STATIC,
	VCPU_PLACEMENT_AUTO,
};

/* <vcpusched>/<iothreadsched>: the threads of @ids (a list as
 * "0-3,^2") get @policy (sched_policy_names) at @priority (1..99 for
 * fifo and rr, else 0). */
struct sched_rule {
	char *ids;
	int policy;
	unsigned priority;
};

/* <vcpupin vcpu= cpuset=>: where one vCPU's thread runs. */
struct vcpu_pin {
	unsigned vcpu;
	char *cpuset;
};

/*
 * Resource limits (libvirt's <memtune> and <cputune>), applied to the
 * VM's cgroup; 0 means not set.
 */
struct domain_tune {
	uint64_t hard_limit_kib;      /* memory.max / memory.limit_in_bytes */
	uint64_t soft_limit_kib;      /* memory.high / soft_limit_in_bytes */
	uint64_t swap_hard_limit_kib; /* memory + swap */
	uint64_t shares;	      /* cpu.shares (2..262144) / cpu.weight */
	uint64_t period_us;	      /* per vCPU: CFS period (1000..1000000) */
	int64_t quota_us;	      /* per vCPU: quota per period; -1: none */
	uint64_t global_period_us;    /* the whole VM: period */
	int64_t global_quota_us;      /* the whole VM: quota; -1: none */
	/* <vcpupin>, <emulatorpin> (domain_conf_cpu.c): host CPU lists as
	 * given, checked */
	struct vcpu_pin *vcpupins;
	size_t n_vcpupins;
	char *emulatorpin; /* NULL: none */
	/* <iothreadpin iothread= cpuset=>: vcpu holds the iothread's id */
	struct vcpu_pin *iothreadpins;
	size_t n_iothreadpins;
	struct sched_rule *vcpusched, *iothreadsched;
	size_t n_vcpusched, n_iothreadsched;
};

/* A container's <filesystem type=>. */
enum domain_fs_type {
	DOMAIN_FS_MOUNT, /* a host directory bound in (also type='bind') */
	DOMAIN_FS_RAM,	 /* a tmpfs */
	DOMAIN_FS_FILE,	 /* an image file's file system (a loop device) */
	DOMAIN_FS_BLOCK, /* a block device's file system */
	/* a storage pool's volume: an image file or a block device */
	DOMAIN_FS_VOLUME,
};

struct domain_fs {
	enum domain_fs_type type;
	char *source;	  /* <source dir=>, file=, dev=; NULL for ram */
	char *target;	  /* <target dir=>, absolute */
	uint64_t ram_kib; /* type='ram': a tmpfs of <source usage=> */
	char *driver;	  /* type='file': <driver type=> (loop); NULL */
	char *format;	  /* type='file': <driver format=> (raw); NULL */
	bool readonly;
	/* type='volume': <source pool= volume=>; @source is NULL until the
	 * domain starts, then the volume's path (domain_disks_resolve()),
	 * @block telling a block device */
	char *pool, *volume;
	bool block;
};

/* One <uid> or <gid> line of <idmap>. */
struct domain_idmap {
	uint32_t start, target, count;
};

/* The values of a <blkiotune><device>, in libvirt's order. */
enum domain_blkio_value {
	BLKIO_WEIGHT,	  /* <weight> 10..1000 */
	BLKIO_READ_BPS,	  /* <read_bytes_sec> */
	BLKIO_WRITE_BPS,  /* <write_bytes_sec> */
	BLKIO_READ_IOPS,  /* <read_iops_sec> */
	BLKIO_WRITE_IOPS, /* <write_iops_sec> */
	BLKIO_N,
};

/* A <blkiotune><device>: limits on one host block device; 0: not set. */
struct domain_blkio_dev {
	char *path; /* <path>, a block device's node */
	uint64_t v[BLKIO_N];
};

/* <blkiotune> (a container's: the blkio or io cgroup): 0, none: unset. */
struct domain_blkiotune {
	uint64_t weight; /* 10..1000 */
	struct domain_blkio_dev *devs;
	size_t n_devs;
};
#define DOMAIN_MAX_BLKIO_DEVS 16

#define DOMAIN_MAX_FS	    16
#define DOMAIN_MAX_IDMAP    5
#define DOMAIN_MAX_INITARGS 64

/* What a container's definition adds (domain_conf_ct.c, docs/containers.md). */
struct domain_ct {
	char *init;	 /* <os><init>: NULL: none */
	char **initargs; /* <initarg>, in order */
	size_t n_initargs;
	char **initenv; /* NAME=VALUE, from <initenv name=> */
	size_t n_initenv;
	char *initdir;	      /* <initdir>: NULL: / */
	char *inituser;	      /* <inituser>: a name or uid; NULL: root */
	char *initgroup;      /* <initgroup>: a name or gid; NULL: root */
	bool seclabel_none;   /* <seclabel type='none'/>: as nido is */
	struct domain_fs *fs; /* <filesystem type='mount'> */
	size_t n_fs;
	struct domain_idmap uid[DOMAIN_MAX_IDMAP], gid[DOMAIN_MAX_IDMAP];
	size_t n_uid, n_gid; /* 0: no <idmap>, the default range */
	uint64_t pids_max;   /* <pids max=> (nido's): 0 no limit */
	bool privileged;     /* <privileged/> (nido's): no user namespace */
	struct domain_blkiotune blkio; /* <blkiotune> */
};

/* <hostdev mode='subsystem' type=>: the kinds the qemu driver passes. */
enum hostdev_type {
	HOSTDEV_PCI,	   /* vfio-pci */
	HOSTDEV_USB,	   /* usb-host */
	HOSTDEV_MDEV,	   /* a mediated device: vfio-pci sysfsdev= */
	HOSTDEV_SCSI,	   /* a SCSI LUN of the host's: scsi-generic */
	HOSTDEV_SCSI_HOST, /* a vhost-scsi target: vhost-scsi-pci */
};

/* <source guestReset=> of a USB host device (0: not given). */
enum hostdev_guest_reset {
	HOSTDEV_RESET_ABSENT,
	HOSTDEV_RESET_OFF,
	HOSTDEV_RESET_UNINITIALIZED,
	HOSTDEV_RESET_ON,
};

/*
 * A host device given to the guest (domain_conf_hostdev.c): a PCI
 * function through VFIO or a USB device. The host's device is named by
 * its address (PCI: domain, bus, slot, function; USB: bus and device
 * numbers) or, for USB, by vendor and product ids.
 */
struct domain_hostdev {
	enum hostdev_type type;
	enum domain_tristate managed; /* managed='yes|no' (ON, OFF) */
	bool driver_vfio;	      /* <driver name='vfio'/> written */
	unsigned domain, bus, slot, function; /* PCI: the host's address */
	/* USB: <address bus= device=> when @usb_addr; <vendor id=>,
	 * <product id=> when @usb_ids */
	bool usb_addr, usb_ids;
	unsigned usb_bus, usb_device, vendor, product;
	enum hostdev_guest_reset guest_reset;
	bool startup_optional;	      /* <source startupPolicy='optional'> */
	enum domain_tristate rom_bar; /* <rom bar=> */
	enum domain_tristate rom_enabled; /* <rom enabled='yes|no'> */
	char *rom_file;			  /* <rom file=>; NULL: none */
	unsigned boot_order;		  /* <boot order=>; 0: none */
	bool unassigned;		  /* <address type='unassigned'/> */
	/* 1 + the index of the <interface type='hostdev'> it is (made by
	 * the parser, written as that interface); 0: a <hostdev> */
	unsigned net;
	struct dev_pci_addr pci; /* the guest's <address type='pci'> */
	struct usb_addr usb;	 /* USB: the guest's <address type='usb'> */
	/* mdev (model='vfio-pci'): <source><address uuid=>, display=,
	 * ramfb= */
	char mdev_uuid[37];
	enum domain_tristate display, ramfb;
	/* scsi: <source><adapter name='scsi_hostN'/><address bus= target=
	 * unit=/>, <readonly/>, <shareable/>, the guest's <address
	 * type='drive'> (not set: nido's pick, driver-qemu-usb.c) */
	unsigned scsi_host, scsi_bus, scsi_target;
	unsigned long long scsi_unit;
	bool readonly, shareable;
	struct disk_drive_addr drive;
	/* scsi_host: <source protocol='vhost' wwpn=>, model= (0: not
	 * given, 1: virtio, 2: virtio-transitional, 3:
	 * virtio-non-transitional) */
	char wwpn[24];
	unsigned char vhost_model;
};

#define DOMAIN_MAX_HOSTDEVS 32

/*
 * A definition as the generic parser understands it: the document's
 * shape and libvirt's meaning. What a driver can run is the driver's
 * business (driver_ops.validate): the parser keeps what it reads, so that
 * dumpxml shows it and the driver can refuse it by name.
 */
struct domain_devmisc;

struct domain_def {
	enum domain_virt virt;
	char *name;
	uint8_t uuid[16];
	bool uuid_generated; /* no <uuid> in the XML: a random one */
	char *title;	     /* NULL: none */
	char *description;   /* NULL: none */
	/* <metadata>'s elements as given, one a line (domain_conf_metadata.c);
	 * NULL: none */
	char *metadata;
	uint64_t memory_kib;
	enum domain_tristate dump_core; /* <memory dumpCore=> */
	uint64_t current_memory_kib;
	unsigned vcpus;		/* the maximum */
	unsigned vcpus_current; /* <vcpu current=>, <= vcpus */
	char *cpuset;		/* <vcpu cpuset=>: NULL: none */
	enum vcpu_placement placement;
	char *os_type;			     /* "hvm" */
	char *arch;			     /* "x86_64" */
	char *machine;			     /* <type machine=>: NULL: none */
	char *kernel;			     /* NULL: none */
	char *initrd;			     /* NULL: none */
	char *cmdline;			     /* NULL: none */
	enum boot_dev boot[DOMAIN_MAX_BOOT]; /* <boot dev=>, in order */
	size_t n_boot;
	struct domain_firmware fw;
	char *emulator; /* <devices><emulator>: NULL: the driver's pick */
	enum domain_lifecycle on_poweroff, on_reboot, on_crash;
	struct domain_disk *disks;
	size_t n_disks;
	struct domain_net *nets;
	size_t n_nets;
	struct domain_chardev *serials;
	size_t n_serials;
	struct domain_chardev *consoles; /* the first may alias a serial */
	size_t n_consoles;
	struct domain_chardev *parallels; /* qemu: isa-parallel ports */
	size_t n_parallels;
	struct domain_rng *rngs;
	size_t n_rngs;
	struct domain_channel *channels; /* the guest agent's, at most one */
	size_t n_channels;
	bool fdc; /* <controller type='fdc' index='0'/> (domain_conf_disk.c) */
	struct domain_hostdev *hostdevs; /* domain_conf_hostdev.c */
	size_t n_hostdevs;
	/* <tpm>, <shmem>, a machine's <filesystem>, <vsock>
	 * (domain_conf_devmisc.h); NULL: none */
	struct domain_devmisc *misc;
	struct domain_display display;
	struct domain_hw hw;
	struct domain_tune tune;
	struct domain_ct ct;
};

/*
 * total_bytes_sec, read_bytes_sec, write_bytes_sec, total_iops_sec, ...:
 * six names and a NULL (for xml_check_known).
 */
extern const char *const domain_iotune_names[7];
/* libvirt's full list (the six above first); DOMAIN_IOTUNE_GROUP is the
 * one string. */
#define DOMAIN_IOTUNE_ALL   20
#define DOMAIN_IOTUNE_GROUP 13
extern const char *const domain_iotune_all_names[DOMAIN_IOTUNE_ALL + 1];

/* Upper bounds the parser enforces. */
#define DOMAIN_MAX_VCPUS    255
#define DOMAIN_MAX_DISKS    64
#define DOMAIN_MAX_NETS	    32
#define DOMAIN_NAME_MAX	    64
#define DOMAIN_MAX_CHARDEVS 16 /* serials, and consoles */
#define DOMAIN_MAX_RNGS	    8

/*
 * What a driver adds to the generic checks: 0 when it can run @def
 * (it may add warnings about what it does not act on), or -errno with @e
 * filled naming what it cannot run and why.
 */
typedef int (*domain_validate_fn)(const struct domain_def *def,
				  struct xml_warnings *w, struct err **e);

/*
 * The drivers' checks (driver-NAME-conf.c), reached through their
 * driver_ops.validate.
 */
int driver_kvm_validate(const struct domain_def *def, struct xml_warnings *w,
			struct err **e);
int driver_ct_validate(const struct domain_def *def, struct xml_warnings *w,
		       struct err **e);
int driver_qemu_validate(const struct domain_def *def, struct xml_warnings *w,
			 struct err **e);
/* The unit of an IDE or SATA disk from its name (hdc: 2); -1: none. */
int driver_qemu_disk_index(const char *target);

/*
 * Finds the check of the driver that runs @def (docs/drivers.md: its
 * type, its <emulator>, what it asks for): 0 with *@fn set (NULL when
 * the driver has none), or -errno with @e filled when no driver runs it.
 */
typedef int (*domain_driver_lookup_fn)(const struct domain_def *def,
				       domain_validate_fn *fn, struct err **e);

/*
 * Parses @len bytes of domain XML (untrusted: see xml_parse()). A
 * missing <uuid> gets a random one. Unknown elements and attributes are
 * added to @warnings (may be NULL); an invalid value is an error naming
 * its line. When @lookup is not NULL, the definition is then checked by
 * the driver it finds, which may refuse it or add warnings; without it,
 * only the document and libvirt's rules are checked (what the store
 * reloads). Returns 0 with *@out set (free with domain_def_free), or
 * -errno with @e filled.
 */
int domain_def_parse_with(const char *xml, size_t len,
			  domain_driver_lookup_fn lookup,
			  struct domain_def **out,
			  struct xml_warnings *warnings, struct err **e);

/*
 * domain_def_parse_with() with the daemon's drivers (driver_for()): what
 * define and create accept is what a driver can run.
 */
int domain_def_parse(const char *xml, size_t len, struct domain_def **out,
		     struct xml_warnings *warnings, struct err **e);

/*
 * Formats @d as domain XML, in libvirt's element order; a malloc'ed
 * string the caller frees. domain_def_format_active() is the form of a
 * running domain: <domain ... id='@id'>.
 */
char *domain_def_format(const struct domain_def *d);
char *domain_def_format_active(const struct domain_def *d, int id);

/* Frees @d; accepts NULL. */
void domain_def_free(struct domain_def *d);

/* Checks a domain name: 1 to 64 of [A-Za-z0-9_.+-], not starting with
 * '.' or '-'. Returns 0 or -EINVAL with @e filled. */
int domain_name_check(const char *name, struct err **e);

/* Lower-case names used in XML and output: "destroy", "qcow2", ... */
const char *domain_lifecycle_name(enum domain_lifecycle l);
const char *disk_format_name(enum disk_format f);

/*
 * Guest interfaces (domain_conf_iface.c). domain_net_parse() reads one
 * <interface> into @net (zeroed by the caller; cleared with
 * domain_net_clear() also on failure); domain_net_format() writes it back,
 * with the run-time tap name when @active.
 */
int domain_net_parse(const xmlNode *iface, struct domain_net *net,
		     struct xml_warnings *w, struct err **e);
void domain_net_format(FILE *f, const struct domain_net *n, bool active);
void domain_net_clear(struct domain_net *n);
/* domain_conf_net.c: the parts of domain_conf_net.h; @net's type is
 * set. The source of the types that are not a tap; the rest. */
int domain_net_parse_source_more(const xmlNode *iface, struct domain_net *net,
				 struct xml_warnings *w, struct err **e);
int domain_net_parse_more(const xmlNode *iface, struct domain_net *net,
			  struct xml_warnings *w, struct err **e);
void domain_net_format_source_more(FILE *f, const struct domain_net *n);
void domain_net_format_more(FILE *f, const struct domain_net *n);
void domain_net_more_clear(struct domain_net *n);
/* An <interface type='hostdev'> @i of @d (@c) is also a PCI host device:
 * appended to @d's hostdevs (->net = i + 1), so that the drivers run it
 * as one; written back as the interface only. */
int domain_net_add_hostdev(const xmlNode *c, struct domain_def *d, size_t i,
			   struct err **e);
/* An ethernet interface's <source> (@src): its <ip> and <route>. */
int domain_net_parse_host(const xmlNode *src, struct domain_net *net,
			  struct xml_warnings *w, struct err **e);
/* Whether @n is a tap on the host (ethernet, bridge, network). */
bool domain_net_is_tap(const struct domain_net *n);
/* The first of <driver>, <rom>, <acpi index>, <ip> @n has (what only
 * the qemu driver runs), or NULL. */
const char *domain_net_qemu_only(const struct domain_net *n);
/* The queues of @n: <driver queues=>, 1 when absent. */
unsigned domain_net_queues(const struct domain_net *n);
/* "ethernet", "bridge", "network"; NULL-terminated. */
extern const char *const domain_net_type_names[];
/* The tap of @n: its <target dev>, else the one chosen at start, or NULL. */
const char *domain_net_tap(const struct domain_net *n);
/* Checks a <target dev> name (docs/xml.md); 0 or -EINVAL with @e. */
int domain_net_target_check(const char *name, struct err **e);

/*
 * Containers' elements (domain_conf_ct.c): <os>'s <init>, <initarg>,
 * <initenv>, <initdir>; <devices>' <filesystem> (1 when @c is one,
 * parsed; 0 when not); <idmap> and <pids> at the top. Their formatters
 * write them back in libvirt's places; domain_ct_clear frees them.
 */
int domain_os_parse_ct(const xmlNode *os, struct domain_def *d,
		       struct xml_warnings *w, struct err **e);
int domain_parse_fs_device(const xmlNode *c, struct domain_def *d,
			   struct xml_warnings *w, struct err **e);
int domain_parse_ct_top(const xmlNode *root, struct domain_def *d,
			struct xml_warnings *w, struct err **e);
void domain_os_format_ct(FILE *f, const struct domain_def *d);
void domain_format_filesystems(FILE *f, const struct domain_def *d);
void domain_format_ct_top(FILE *f, const struct domain_def *d);
void domain_ct_clear(struct domain_ct *ct);

/* The guest agent's channel of @d (writable: its live state), or NULL
 * (domain_conf_channel.c). */
struct domain_channel *domain_agent_channel(const struct domain_def *d);

#endif
