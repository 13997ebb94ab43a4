// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A stand-in for systemd-machined on a private bus (machined.sh): it
 * owns org.freedesktop.machine1, answers the Manager's calls nidod
 * makes (RegisterMachine, RegisterMachineWithNetwork, GetMachine,
 * UnregisterMachine, TerminateMachine) as machined does, keeps the
 * machines registered, and appends one line per call to LOG:
 *
 *   RegisterMachineWithNetwork name=N uuid=HEX service=S class=C
 *     leader=PID root=DIR ifindices=1,2
 *   GetMachine name=N found=yes|no
 *   UnregisterMachine name=N found=yes|no
 *   TerminateMachine name=N found=yes|no
 *
 * Usage: mock-machined ADDRESS LOG [--fail-register|--hostile]. With
 * --fail-register every registration is refused (machined's
 * org.freedesktop.DBus.Error.AccessDenied); with --hostile too, with an
 * error text of 100 kB holding a forged log line. Prints "ready" once it
 * owns the name.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>

#define MAX_MACHINES 64

static char *machines[MAX_MACHINES];
static FILE *log_file;
static int fail_register;

static int find(const char *name)
{
	for (int i = 0; i < MAX_MACHINES; i++)
		if (machines[i] && !strcmp(machines[i], name))
			return i;
	return -1;
}

static int machine_path(sd_bus_message *m, const char *name)
{
	char *path = NULL;
	int r = sd_bus_path_encode("/org/freedesktop/machine1/machine", name,
				   &path);

	if (r < 0)
		return r;
	r = sd_bus_reply_method_return(m, "o", path);
	free(path);
	return r;
}

/* Both registrations: the first six arguments, and the interfaces when
 * @netif. */
static int do_register(sd_bus_message *m, int netif, sd_bus_error *err)
{
	const char *name, *service, *class, *root;
	const void *id;
	const int32_t *ifs = NULL;
	size_t n_id, n_ifs = 0;
	uint32_t leader;
	int r, slot = -1;

	r = sd_bus_message_read(m, "s", &name);
	if (r >= 0)
		r = sd_bus_message_read_array(m, 'y', &id, &n_id);
	if (r >= 0)
		r = sd_bus_message_read(m, "ssus", &service, &class, &leader,
					&root);
	if (r >= 0 && netif)
		r = sd_bus_message_read_array(m, 'i', (const void **)&ifs,
					      &n_ifs);
	if (r < 0)
		return r;
	fprintf(log_file, "%s name=%s uuid=",
		netif ? "RegisterMachineWithNetwork" : "RegisterMachine", name);
	for (size_t i = 0; i < n_id; i++)
		fprintf(log_file, "%02x", ((const unsigned char *)id)[i]);
	fprintf(log_file,
		" service=%s class=%s leader=%u root=%s ifindices=", service,
		class, leader, root);
	for (size_t i = 0; i < n_ifs / sizeof(int32_t); i++)
		fprintf(log_file, "%s%d", i ? "," : "", ifs[i]);
	fprintf(log_file, "\n");
	fflush(log_file);
	if (fail_register == 2) {
		/* a forged log line, then 100 kB */
		static char words[100 * 1024];

		memset(words, 'x', sizeof(words) - 1);
		memcpy(words, "hostile\nnidod: error: forged", 28);
		return sd_bus_error_set(err, SD_BUS_ERROR_ACCESS_DENIED, words);
	}
	if (fail_register)
		return sd_bus_error_set(err, SD_BUS_ERROR_ACCESS_DENIED,
					"refused by the test");
	/* machined's own checks */
	if (n_id != 0 && n_id != 16)
		return sd_bus_error_set(err, SD_BUS_ERROR_INVALID_ARGS,
					"Invalid UUID");
	if (strcmp(class, "vm") && strcmp(class, "container"))
		return sd_bus_error_set(err, SD_BUS_ERROR_INVALID_ARGS,
					"Invalid machine class parameter");
	if (leader <= 1 || kill((pid_t)leader, 0) < 0)
		return sd_bus_error_set(err, SD_BUS_ERROR_INVALID_ARGS,
					"Invalid leader PID");
	if (find(name) >= 0)
		return sd_bus_error_setf(
			err, "org.freedesktop.machine1.MachineExists",
			"Machine '%s' already exists", name);
	for (int i = 0; i < MAX_MACHINES && slot < 0; i++)
		if (!machines[i])
			slot = i;
	if (slot < 0)
		return sd_bus_error_set(err, SD_BUS_ERROR_LIMITS_EXCEEDED,
					"too many machines");
	machines[slot] = strdup(name);
	return machine_path(m, name);
}

static int m_register(sd_bus_message *m, void *u, sd_bus_error *err)
{
	return do_register(m, 0, err);
}

static int m_register_net(sd_bus_message *m, void *u, sd_bus_error *err)
{
	return do_register(m, 1, err);
}

/* GetMachine, UnregisterMachine, TerminateMachine: by name. */
static int by_name(sd_bus_message *m, sd_bus_error *err, int drop)
{
	const char *name;
	int r = sd_bus_message_read(m, "s", &name), i;

	if (r < 0)
		return r;
	i = find(name);
	fprintf(log_file, "%s name=%s found=%s\n", sd_bus_message_get_member(m),
		name, i >= 0 ? "yes" : "no");
	fflush(log_file);
	if (i < 0)
		return sd_bus_error_setf(
			err, "org.freedesktop.machine1.NoSuchMachine",
			"No machine '%s' known", name);
	if (!drop)
		return machine_path(m, name);
	free(machines[i]);
	machines[i] = NULL;
	return sd_bus_reply_method_return(m, NULL);
}

static int m_get(sd_bus_message *m, void *u, sd_bus_error *err)
{
	return by_name(m, err, 0);
}

static int m_drop(sd_bus_message *m, void *u, sd_bus_error *err)
{
	return by_name(m, err, 1);
}

static const sd_bus_vtable manager[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_METHOD("RegisterMachine", "sayssus", "o", m_register, 0),
	SD_BUS_METHOD("RegisterMachineWithNetwork", "sayssusai", "o",
		      m_register_net, 0),
	SD_BUS_METHOD("GetMachine", "s", "o", m_get, 0),
	SD_BUS_METHOD("UnregisterMachine", "s", "", m_drop, 0),
	SD_BUS_METHOD("TerminateMachine", "s", "", m_drop, 0),
	SD_BUS_VTABLE_END,
};

int main(int argc, char **argv)
{
	sd_bus *bus = NULL;
	int r;

	if (argc < 3) {
		fprintf(stderr,
			"usage: mock-machined ADDRESS LOG [--fail-register]\n");
		return 2;
	}
	fail_register = argc > 3 && !strcmp(argv[3], "--fail-register") ? 1
			: argc > 3 && !strcmp(argv[3], "--hostile")	? 2
									: 0;
	log_file = fopen(argv[2], "a");
	if (!log_file) {
		perror(argv[2]);
		return 1;
	}
	r = sd_bus_new(&bus);
	if (r >= 0)
		r = sd_bus_set_address(bus, argv[1]);
	if (r >= 0)
		r = sd_bus_set_bus_client(bus, 1);
	if (r >= 0)
		r = sd_bus_start(bus);
	if (r >= 0)
		r = sd_bus_add_object_vtable(
			bus, NULL, "/org/freedesktop/machine1",
			"org.freedesktop.machine1.Manager", manager, NULL);
	if (r >= 0)
		r = sd_bus_request_name(bus, "org.freedesktop.machine1", 0);
	if (r < 0) {
		fprintf(stderr, "mock-machined: %s\n", strerror(-r));
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		r = sd_bus_process(bus, NULL);
		if (r < 0)
			break;
		if (r == 0 && sd_bus_wait(bus, UINT64_MAX) < 0)
			break;
	}
	sd_bus_unref(bus);
	return r < 0 ? 1 : 0;
}
