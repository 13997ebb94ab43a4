// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nido install: virt-install's job for nido. Writes the domain XML from
 * a few options, creates the disks that are given a size and do not
 * exist yet (through src/block, as `nido img create` does), defines the
 * domain and starts it.
 */
#include <errno.h>
#include <getopt.h>
#include <sys/stat.h>

#include "block/image.h"
#include "cli/client.h"
#include "cli/domain.h"
#include "lib/json.h"
#include "lib/size.h"

#define MAX_DISKS 16
#define MAX_NETS  8

struct install_disk {
	char *path;    /* NULL: NAME.qcow2 in the daemon's image directory */
	uint64_t size; /* 0: use the file as it is */
	const char *format;
	bool created; /* by this install: removed if it fails */
};

/* --network network=NAME|bridge=BR[,model=M][,mac=MAC]. */
struct install_net {
	const char *type; /* "network" or "bridge" */
	char *source, *model, *mac;
};

/*
 * --os-variant: a small table of sensible defaults, as virt-install takes
 * them from libosinfo: what a guest of that family runs well with. Given
 * options win.
 */
struct os_variant {
	const char *name;
	unsigned long memory_mib, vcpus;
	const char *disk_bus; /* virtio, or sata for guests without drivers */
	const char *net_model;
	bool efi, q35;
};

static const struct os_variant os_variants[] = {
	{"linux2022", 2048, 2, "virtio", "virtio", false, false},
	{"debian11", 2048, 2, "virtio", "virtio", false, false},
	{"debian12", 2048, 2, "virtio", "virtio", false, false},
	{"ubuntu22.04", 4096, 2, "virtio", "virtio", false, false},
	{"ubuntu24.04", 4096, 2, "virtio", "virtio", false, false},
	{"fedora40", 2048, 2, "virtio", "virtio", false, true},
	{"centos-stream9", 2048, 2, "virtio", "virtio", false, true},
	{"rhel9.4", 2048, 2, "virtio", "virtio", false, true},
	{"alpinelinux3.19", 1024, 1, "virtio", "virtio", false, false},
	{"freebsd14.0", 2048, 2, "virtio", "virtio", false, false},
	{"win10", 4096, 2, "sata", "e1000e", false, true},
	{"win2k22", 4096, 2, "sata", "e1000e", true, true},
	{"win11", 4096, 2, "sata", "e1000e", true, true},
};

/* Most devices in --boot: hd, cdrom, network, each once. */
#define MAX_BOOT 3

struct install {
	const char *name, *kernel, *initrd, *cmdline;
	char *cdrom;		    /* --cdrom: an installer's ISO (absolute) */
	const char *virt_type;	    /* --virt-type: kvm (default) or qemu */
	const char *boot[MAX_BOOT]; /* --boot: hd, cdrom, network */
	size_t n_boot;
	unsigned long memory_mib, vcpus;
	struct install_disk disks[MAX_DISKS];
	size_t n_disks;
	struct install_net nets[MAX_NETS];
	size_t n_nets;
	bool no_network;    /* --network none */
	bool network_given; /* any --network */
	const struct os_variant *os;
	bool efi;	  /* --boot uefi */
	char *vnc_listen; /* --graphics vnc: its address; NULL: none */
	long vnc_port;	  /* -1: autoport */
	bool print_xml, no_start;
};

static void usage(FILE *f)
{
	fputs("usage: nido install --name NAME (--kernel PATH | --cdrom ISO)\n"
	      "         [--initrd PATH] [--cmdline ARGS] [--memory MiB] "
	      "[--vcpus N]\n"
	      "         [--disk [PATH][,size=GiB][,format=raw|qcow2]]...\n"
	      "         [--network network=NAME|bridge=BR[,model=M][,mac=MAC]"
	      " | none]...\n"
	      "         [--graphics vnc[,listen=ADDR][,port=N] | none]\n"
	      "         [--os-variant NAME|list] [--boot "
	      "uefi,hd,cdrom,network]\n"
	      "         [--virt-type kvm|qemu] [--print-xml] [--no-start]\n"
	      "Writes the domain XML, creates disks given a size that do not "
	      "exist,\ndefines the domain and starts it. With --cdrom the "
	      "firmware boots the\ndisks, then the ISO (a new disk is blank "
	      "until the installer writes it).\n",
	      f);
}

/* Sizes as virt-install takes them: a number of GiB, or with a unit. */
static int parse_disk_size(const char *s, uint64_t *out, struct err **e)
{
	char *end;
	double g;

	errno = 0;
	g = strtod(s, &end);
	if (!errno && end != s && !*end && g > 0 && g < 1e9) {
		*out = (uint64_t)(g * 1024 * 1024 * 1024);
		*out = ALIGN_UP(*out, 512);
		return 0;
	}
	return size_parse(s, out, e);
}

static int parse_disk(const char *spec, struct install_disk *d, struct err **e)
{
	_cleanup_free_ char *copy = xstrdup(spec);
	char *save = NULL, *tok;
	bool first = true;

	d->format = "qcow2";
	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save), first = false) {
		if (str_has_prefix(tok, "path="))
			d->path = xstrdup(tok + 5);
		else if (str_has_prefix(tok, "size=")) {
			if (parse_disk_size(tok + 5, &d->size, e) < 0)
				return err_prefix(e, "--disk '%s'", spec);
		} else if (streq(tok, "format=raw"))
			d->format = "raw";
		else if (streq(tok, "format=qcow2"))
			d->format = "qcow2";
		else if (first && !strchr(tok, '='))
			d->path = xstrdup(tok);
		else
			return err_set(e, EINVAL,
				       "--disk '%s': unknown "
				       "option '%s'",
				       spec, tok);
	}
	if (!d->path && !d->size)
		return err_set(e, EINVAL,
			       "--disk '%s': no path, and no size for a new "
			       "image",
			       spec);
	return 0;
}

/* A MAC as libvirt writes it: six hex pairs, unicast. */
static bool mac_ok(const char *s)
{
	unsigned b[6];
	char end;

	return strlen(s) == 17 &&
	       sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2],
		      &b[3], &b[4], &b[5], &end) == 6 &&
	       !(b[0] & 1);
}

static int parse_net(const char *spec, struct install *in, struct err **e)
{
	_cleanup_free_ char *copy = xstrdup(spec);
	struct install_net *n;
	char *save = NULL;

	if (streq(spec, "none")) {
		in->no_network = true;
		return 0;
	}
	if (in->n_nets == MAX_NETS)
		return err_set(e, E2BIG, "at most %d --network", MAX_NETS);
	n = &in->nets[in->n_nets++];
	for (char *t = strtok_r(copy, ",", &save); t;
	     t = strtok_r(NULL, ",", &save)) {
		char **field = NULL;

		if (str_has_prefix(t, "network=") && !n->type) {
			n->type = "network";
			field = &n->source;
		} else if (str_has_prefix(t, "bridge=") && !n->type) {
			n->type = "bridge";
			field = &n->source;
		} else if (str_has_prefix(t, "model=") && !n->model)
			field = &n->model;
		else if (str_has_prefix(t, "mac=") && !n->mac)
			field = &n->mac;
		else
			return err_set(e, EINVAL,
				       "--network '%s': unknown or repeated "
				       "option '%s'",
				       spec, t);
		*field = xstrdup(strchr(t, '=') + 1);
		if (!**field)
			return err_set(e, EINVAL,
				       "--network '%s': '%s' is empty", spec,
				       t);
	}
	if (!n->type)
		return err_set(e, EINVAL,
			       "--network '%s': give network=NAME or bridge=BR",
			       spec);
	if (n->mac && !mac_ok(n->mac))
		return err_set(e, EINVAL,
			       "--network '%s': '%s' is not a unicast MAC",
			       spec, n->mac);
	return 0;
}

/* --graphics vnc[,listen=ADDR][,port=N] or none. */
static int parse_graphics(const char *spec, struct install *in, struct err **e)
{
	_cleanup_free_ char *copy = xstrdup(spec);
	char *save = NULL, *t = strtok_r(copy, ",", &save);

	free(in->vnc_listen);
	in->vnc_listen = NULL;
	in->vnc_port = -1;
	if (t && streq(t, "none") && !strtok_r(NULL, ",", &save))
		return 0;
	if (!t || !streq(t, "vnc"))
		return err_set(e, EINVAL,
			       "--graphics '%s': vnc or none (nido's qemu "
			       "driver has VNC only)",
			       spec);
	in->vnc_listen = xstrdup("127.0.0.1");
	while ((t = strtok_r(NULL, ",", &save))) {
		char *end;

		if (str_has_prefix(t, "listen=") && t[7]) {
			free(in->vnc_listen);
			in->vnc_listen = xstrdup(t + 7);
		} else if (str_has_prefix(t, "port=")) {
			errno = 0;
			in->vnc_port = strtol(t + 5, &end, 10);
			if (errno || end == t + 5 || *end ||
			    (in->vnc_port != -1 &&
			     (in->vnc_port < 5900 || in->vnc_port > 65535)))
				return err_set(e, EINVAL,
					       "--graphics '%s': port must be "
					       "5900 to 65535, or -1",
					       spec);
		} else
			return err_set(e, EINVAL,
				       "--graphics '%s': unknown option '%s'",
				       spec, t);
	}
	return 0;
}

static void list_os_variants(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(os_variants); i++)
		printf("%s\n", os_variants[i].name);
}

static int parse_os_variant(const char *name, struct install *in,
			    struct err **e)
{
	if (streq(name, "list")) {
		list_os_variants();
		exit(0);
	}
	for (size_t i = 0; i < ARRAY_SIZE(os_variants); i++)
		if (streq(os_variants[i].name, name) ||
		    (streq(name, "generic") && i == 0)) {
			in->os = &os_variants[i];
			return 0;
		}
	return err_set(e, EINVAL,
		       "--os-variant '%s': unknown (nido install --os-variant "
		       "list names those it knows)",
		       name);
}

static int parse_ulong(const char *opt, const char *s, unsigned long max,
		       unsigned long *out, struct err **e)
{
	char *end;

	errno = 0;
	*out = strtoul(s, &end, 10);
	if (errno || end == s || *end || *out == 0 || *out > max)
		return err_set(e, EINVAL, "%s '%s': expected 1 to %lu", opt, s,
			       max);
	return 0;
}

/* --boot hd,cdrom,network: virt-install's boot order. */
static int parse_boot(const char *list, struct install *in, struct err **e)
{
	static const char *const devs[] = {"hd", "cdrom", "network"};
	_cleanup_free_ char *copy = xstrdup(list);
	char *save = NULL;

	in->n_boot = 0;
	for (char *t = strtok_r(copy, ",", &save); t;
	     t = strtok_r(NULL, ",", &save)) {
		const char *dev = NULL;

		if (streq(t, "uefi")) {
			in->efi = true;
			continue;
		}
		for (size_t i = 0; i < ARRAY_SIZE(devs); i++)
			if (streq(t, devs[i]))
				dev = devs[i];
		for (size_t i = 0; dev && i < in->n_boot; i++)
			if (in->boot[i] == dev)
				dev = NULL;
		if (!dev)
			return err_set(e, EINVAL,
				       "--boot '%s': '%s' is not uefi, hd, "
				       "cdrom or network, or is given twice",
				       list, t);
		in->boot[in->n_boot++] = dev;
	}
	if (!in->n_boot && !in->efi)
		return err_set(e, EINVAL, "--boot '%s': no device", list);
	return 0;
}

/* Applies option @c with @arg; @opt is how the user spelled it. */
static int take_opt(int c, const char *arg, const char *opt, struct install *in,
		    struct err **e)
{
	switch (c) {
	case 'n':
		in->name = arg;
		return 0;
	case 'k':
		in->kernel = arg;
		return 0;
	case 'i':
		in->initrd = arg;
		return 0;
	case 'a':
		in->cmdline = arg;
		return 0;
	case 'C':
		/* the daemon resolves no path against our directory */
		free(in->cdrom);
		in->cdrom = realpath(arg, NULL);
		if (!in->cdrom)
			return err_sys(e, errno, "--cdrom '%s'", arg);
		return 0;
	case 'b':
		return parse_boot(arg, in, e);
	case 'v':
		if (!streq(arg, "kvm") && !streq(arg, "qemu"))
			return err_set(e, EINVAL,
				       "--virt-type '%s': expected kvm or qemu",
				       arg);
		in->virt_type = arg;
		return 0;
	case 'p':
		in->print_xml = true;
		return 0;
	case 's':
		in->no_start = true;
		return 0;
	case 'm':
		return parse_ulong("--memory", arg, 1ul << 22, &in->memory_mib,
				   e);
	case 'c':
		return parse_ulong("--vcpus", arg, 255, &in->vcpus, e);
	case 'N':
		in->network_given = true;
		return parse_net(arg, in, e);
	case 'g':
		return parse_graphics(arg, in, e);
	case 'o':
		return parse_os_variant(arg, in, e);
	case 'd':
		if (in->n_disks == MAX_DISKS)
			return err_set(e, E2BIG, "at most %d disks", MAX_DISKS);
		return parse_disk(arg, &in->disks[in->n_disks++], e);
	case 'h':
		usage(stdout);
		exit(0);
	default:
		return err_set(e, EINVAL,
			       "unknown option '%s' (see nido install --help)",
			       opt);
	}
}

static int parse_args(int argc, char **argv, struct install *in, struct err **e)
{
	static const struct option opts[] = {
		{"name", required_argument, NULL, 'n'},
		{"memory", required_argument, NULL, 'm'},
		{"vcpus", required_argument, NULL, 'c'},
		{"kernel", required_argument, NULL, 'k'},
		{"initrd", required_argument, NULL, 'i'},
		{"cmdline", required_argument, NULL, 'a'},
		{"extra-args", required_argument, NULL, 'a'},
		{"disk", required_argument, NULL, 'd'},
		{"cdrom", required_argument, NULL, 'C'},
		{"boot", required_argument, NULL, 'b'},
		{"network", required_argument, NULL, 'N'},
		{"graphics", required_argument, NULL, 'g'},
		{"os-variant", required_argument, NULL, 'o'},
		{"osinfo", required_argument, NULL, 'o'},
		{"virt-type", required_argument, NULL, 'v'},
		{"print-xml", no_argument, NULL, 'p'},
		{"no-start", no_argument, NULL, 's'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1)
		if (take_opt(c, optarg, argv[optind - 1], in, e) < 0)
			return -EINVAL;
	if (optind < argc)
		return err_set(e, EINVAL, "unexpected argument '%s'",
			       argv[optind]);
	if (!in->name || (!in->kernel && !in->cdrom))
		return err_set(e, EINVAL,
			       "--name and --kernel or --cdrom are required");
	if (in->kernel && in->cdrom)
		return err_set(e, EINVAL,
			       "--kernel and --cdrom: give one (a kernel "
			       "boots directly, an ISO through the firmware)");
	if (in->no_network && in->n_nets)
		return err_set(e, EINVAL,
			       "--network none with another --network");
	/* the variant's defaults where no option said */
	if (in->os && !in->memory_mib)
		in->memory_mib = in->os->memory_mib;
	if (in->os && !in->vcpus)
		in->vcpus = in->os->vcpus;
	if (in->os && in->os->efi)
		in->efi = true;
	if (!in->memory_mib)
		in->memory_mib = 256;
	if (!in->vcpus)
		in->vcpus = 1;
	return 0;
}

static void put_elem(FILE *f, const char *indent, const char *tag,
		     const char *value)
{
	fprintf(f, "%s<%s>", indent, tag);
	cli_xml_escape(f, value);
	fprintf(f, "</%s>\n", tag);
}

/*
 * <os>: a kernel booted directly, or the firmware's boot order. With an
 * ISO and no --boot, the disks come first: a new disk is blank, so the
 * firmware goes on to the ISO, and once the installer has written a
 * boot loader the installed system boots with no change to the
 * definition (virt-install gets there with a second definition after
 * the installer's reboot).
 */
static void put_os(FILE *f, const struct install *in)
{
	fprintf(f, "  <os%s>\n    <type arch='x86_64'%s>hvm</type>\n",
		in->efi ? " firmware='efi'" : "",
		in->os && in->os->q35 ? " machine='q35'" : "");
	if (in->kernel)
		put_elem(f, "    ", "kernel", in->kernel);
	if (in->initrd)
		put_elem(f, "    ", "initrd", in->initrd);
	if (in->cmdline)
		put_elem(f, "    ", "cmdline", in->cmdline);
	for (size_t i = 0; i < in->n_boot; i++)
		fprintf(f, "    <boot dev='%s'/>\n", in->boot[i]);
	if (!in->n_boot && in->cdrom)
		fputs("    <boot dev='hd'/>\n    <boot dev='cdrom'/>\n", f);
	fputs("  </os>\n", f);
}

static void put_net(FILE *f, const struct install *in,
		    const struct install_net *n)
{
	const char *model = n->model ? n->model
			    : in->os ? in->os->net_model
				     : "virtio";

	fprintf(f, "    <interface type='%s'>\n      <source %s='", n->type,
		n->type);
	cli_xml_escape(f, n->source);
	fputs("'/>\n", f);
	if (n->mac)
		fprintf(f, "      <mac address='%s'/>\n", n->mac);
	fputs("      <model type='", f);
	cli_xml_escape(f, model);
	fputs("'/>\n    </interface>\n", f);
}

/* VNC as virt-install sets it up: a display, a video card, a tablet. */
static void put_graphics(FILE *f, const struct install *in)
{
	if (!in->vnc_listen)
		return;
	fprintf(f, "    <graphics type='vnc' port='%ld' autoport='%s' listen='",
		in->vnc_port, in->vnc_port == -1 ? "yes" : "no");
	cli_xml_escape(f, in->vnc_listen);
	fputs("'/>\n    <video>\n      <model type='vga'/>\n    </video>\n"
	      "    <input type='tablet' bus='usb'/>\n",
	      f);
}

static char *make_xml(const struct install *in)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	bool q35 = in->os && in->os->q35;
	bool sata = in->os && streq(in->os->disk_bus, "sata");

	fprintf(f, "<domain type='%s'>\n",
		in->virt_type ? in->virt_type : "kvm");
	put_elem(f, "  ", "name", in->name);
	fprintf(f, "  <memory unit='MiB'>%lu</memory>\n", in->memory_mib);
	fprintf(f, "  <vcpu>%lu</vcpu>\n", in->vcpus);
	put_os(f, in);
	/* as virt-install writes it: without <acpi/> a full machine has no
	 * ACPI (libvirt's rule), and no shutdown through the power button */
	fputs("  <features>\n    <acpi/>\n    <apic/>\n  </features>\n", f);
	fputs("  <devices>\n", f);
	for (size_t i = 0; i < in->n_disks; i++) {
		fprintf(f,
			"    <disk type='file' device='disk'>\n"
			"      <driver name='qemu' type='%s'/>\n"
			"      <source file='",
			in->disks[i].format);
		cli_xml_escape(f, in->disks[i].path);
		fprintf(f,
			"'/>\n      <target dev='%s%c' bus='%s'/>\n    "
			"</disk>\n",
			sata ? "sd" : "vd", (char)('a' + i),
			sata ? "sata" : "virtio");
	}
	if (in->cdrom) {
		fputs("    <disk type='file' device='cdrom'>\n"
		      "      <driver name='qemu' type='raw'/>\n"
		      "      <source file='",
		      f);
		cli_xml_escape(f, in->cdrom);
		/* IDE is not on a Q35: a SATA cdrom there */
		if (q35)
			fprintf(f,
				"'/>\n      <target dev='sd%c' bus='sata'/>\n",
				(char)('a' + (sata ? in->n_disks : 0)));
		else
			fputs("'/>\n      <target dev='hdc' bus='ide'/>\n", f);
		fputs("      <readonly/>\n    </disk>\n", f);
	}
	for (size_t i = 0; i < in->n_nets; i++)
		put_net(f, in, &in->nets[i]);
	put_graphics(f, in);
	fputs("    <serial type='pty'/>\n    <console type='pty'/>\n"
	      "  </devices>\n</domain>\n",
	      f);
	fclose(f);
	return out;
}

static int create_disks(struct install *in, struct err **e)
{
	for (size_t i = 0; i < in->n_disks; i++) {
		struct install_disk *d = &in->disks[i];
		struct img_create_opts o = {.format = d->format,
					    .size = d->size};
		char human[SIZE_HUMAN_LEN];

		if (!d->size)
			continue;
		if (access(d->path, F_OK) == 0) {
			printf("Using existing disk '%s'\n", d->path);
			continue;
		}
		if (img_create(d->path, &o, e) < 0)
			return err_prefix(e, "creating disk '%s'", d->path);
		d->created = true;
		printf("Created disk '%s' (%s, %s)\n", d->path, d->format,
		       size_format_human(d->size, human));
	}
	return 0;
}

/*
 * What only the daemon knows: a disk given a size and no path is
 * NAME.qcow2 (NAME-1.qcow2, ... when taken) in the daemon's image
 * directory, <state>/images, as virt-install puts it in libvirt's; with
 * no --network, the guest is on the `default` network when there is one.
 */
static int resolve(struct nido_conn *c, struct install *in, struct err **e)
{
	_cleanup_json_ struct json_object *info = NULL;
	_cleanup_free_ char *dir = NULL;
	const char *state;
	unsigned n = 0;

	if (!in->network_given && !in->no_network) {
		struct json_object *p = json_object_new_object();
		_cleanup_err_ struct err *none = NULL;

		json_object_object_add(p, "network",
				       json_object_new_string("default"));
		if (client_call(c, "network.info", p, NULL, &none) == 0)
			in->nets[in->n_nets++] = (struct install_net){
				.type = "network",
				.source = xstrdup("default")};
	}
	for (size_t i = 0; i < in->n_disks; i++) {
		struct install_disk *d = &in->disks[i];

		if (d->path)
			continue;
		if (!dir) {
			if (client_call(c, "daemon.info", NULL, &info, e) < 0 ||
			    json_get_string(info, "state_dir", &state, e) < 0)
				return err_code(*e);
			dir = xasprintf("%s/images", state);
			if (mkdir(dir, 0711) < 0 && errno != EEXIST)
				return err_sys(e, errno, "'%s'", dir);
		}
		do {
			free(d->path);
			d->path = n ? xasprintf("%s/%s-%u.%s", dir, in->name, n,
						d->format)
				    : xasprintf("%s/%s.%s", dir, in->name,
						d->format);
			n++;
		} while (access(d->path, F_OK) == 0 && n < 1000);
	}
	return 0;
}

/* virt-install refuses a name in use rather than redefining it. */
static int check_free(struct nido_conn *c, const char *name, struct err **e)
{
	_cleanup_err_ struct err *e1 = NULL;

	if (client_call(c, "domain.info", client_domain_params(name), NULL,
			&e1) == 0)
		return err_set(e, EEXIST, "domain '%s' already exists", name);
	if (err_code(e1) != -ENOENT) {
		*e = steal_ptr(e1);
		return err_code(*e);
	}
	return 0;
}

/* virt-install's clean-up: the disks made for a domain not defined. */
static void remove_created(struct install *in)
{
	for (size_t i = 0; i < in->n_disks; i++)
		if (in->disks[i].created && unlink(in->disks[i].path) == 0)
			printf("Removed disk '%s'\n", in->disks[i].path);
}

static int define_and_start(struct nido_conn *c, struct install *in,
			    const char *xml, struct err **e)
{
	_cleanup_json_ struct json_object *res = NULL;
	struct json_object *p;

	if (create_disks(in, e) < 0) {
		remove_created(in);
		return err_code(*e);
	}
	p = json_object_new_object();
	json_object_object_add(p, "xml", json_object_new_string(xml));
	if (client_call(c, "domain.define", p, &res, e) < 0) {
		remove_created(in);
		return err_code(*e);
	}
	printf("Domain '%s' defined\n", in->name);
	if (in->no_start)
		return 0;
	if (client_call(c, "domain.start", client_domain_params(in->name), NULL,
			e) < 0)
		return err_code(*e);
	printf("Domain '%s' started\n", in->name);
	return 0;
}

/*
 * The daemon is asked first (a name in use, the image directory, the
 * default network); --print-xml asks it too, so that it prints what
 * would be defined.
 */
static int install(struct install *in, struct err **e)
{
	struct nido_conn *c = client_connect(e);
	_cleanup_free_ char *xml = NULL;
	int r;

	if (!c)
		return err_code(*e);
	r = in->print_xml ? 0 : check_free(c, in->name, e);
	if (r == 0)
		r = resolve(c, in, e);
	if (r == 0)
		xml = make_xml(in);
	if (r == 0 && in->print_xml)
		fputs(xml, stdout);
	else if (r == 0)
		r = define_and_start(c, in, xml, e);
	client_close(c);
	return r;
}

int cmd_install(int argc, char **argv)
{
	struct install in = {.vnc_port = -1};
	_cleanup_err_ struct err *e = NULL;
	int rc = 1;

	if (parse_args(argc, argv, &in, &e) < 0) {
		cli_error("install: %s", err_msg(e));
		goto out;
	}
	if (install(&in, &e) < 0) {
		cli_error("failed to install domain '%s': %s", in.name,
			  err_msg(e));
		goto out;
	}
	if (!in.print_xml)
		putchar('\n');
	rc = 0;
out:
	for (size_t i = 0; i < in.n_disks; i++)
		free(in.disks[i].path);
	for (size_t i = 0; i < in.n_nets; i++) {
		free(in.nets[i].source);
		free(in.nets[i].model);
		free(in.nets[i].mac);
	}
	free(in.vnc_listen);
	free(in.cdrom);
	return rc;
}
