/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The daemon's verbs (virsh's): domain.c (life cycle and definitions),
 * domain-monitor.c (list, info, stats, tunables), edit.c, console.c,
 * install.c. main.c looks commands up in the tables below (ended by a
 * NULL name); helpers shared by those files are declared here.
 */
#ifndef NIDO_CLI_DOMAIN_H
#define NIDO_CLI_DOMAIN_H

#include <json-c/json.h>
#include <stdint.h>

#include "cli/cli.h"
#include "lib/err.h"

extern const struct cli_command domain_commands[];
extern const struct cli_command monitor_commands[];
extern const struct cli_command event_commands[];      /* event.c */
extern const struct cli_command iface_commands[];      /* domain-iface.c */
extern const struct cli_command screenshot_commands[]; /* screenshot.c */
extern const struct cli_command agent_commands[];      /* domain-agent.c */
extern const struct cli_command save_commands[];       /* domain-save.c */

/* Containers: exec.c, ct-template.c */
extern const struct cli_command exec_commands[];
extern const struct cli_command ct_template_commands[];

int cmd_console(const struct cli_args *a);
int cmd_edit(const struct cli_args *a);
int cmd_install(int argc, char **argv);
/* nido clone (domain-clone.c): virt-clone's options. */
int cmd_clone(int argc, char **argv);
/* setmem, dommemstat (domain-mem.c). */
extern const struct cli_command mem_commands[];
/* setvcpus, vcpucount (domain-vcpu.c). */
extern const struct cli_command vcpu_commands[];
/* --running and --paused as given, into @p (domain-save.c). */
void cli_add_state_flags(const struct cli_args *a, struct json_object *p);
/* snapshot-* (snapshot.c). */
extern const struct cli_command snapshot_commands[];
/* snapshot.c: snapshot @snap of @dom as snapshot-dumpxml gives it
 * (malloc'ed; NULL with @e); @xml redefined as @dom's snapshot @snap
 * (*@defined its name, malloc'ed). edit.c: snapshot-edit's edit. */
char *snapshot_xml_of(const char *dom, const char *snap, struct err **e);
int snapshot_redefine(const char *dom, const char *snap, const char *xml,
		      char **defined, struct err **e);
int edit_snapshot(const char *dom, const char *snap);
extern const struct cli_command blockjob_commands[];

/*
 * Connects the terminal to @name's serial console through the daemon
 * until Ctrl-] (or, on a non-terminal, the end of input and a quiet
 * guest); @force takes over a console another client holds. Returns
 * the exit status; errors are printed.
 */
int console_run(const char *name, bool force);

/* Prints the error of verb @what on domain @name as virsh does (an
 * unknown domain is "failed to get domain 'x'"). Returns 1. */
int domain_fail(const char *what, const char *name, const struct err *e);

/* Members of a JSON object; "", 0 or false when absent. */
const char *jstr(struct json_object *o, const char *key);
int64_t jint(struct json_object *o, const char *key);
bool jbool(struct json_object *o, const char *key);

/* "5", or "-" for an inactive domain (id < 1), in @buf. */
void domain_id_text(struct json_object *d, char buf[24]);

/* The XML the daemon would start @name with next (dumpxml --inactive);
 * malloc'ed, or NULL with @e filled. */
char *domain_xml_inactive(const char *name, struct err **e);

/*
 * What the verbs of every kind of object share (domain.c), @kind being
 * the API's name of it and its methods' prefix ("domain", "network"):
 * the daemon's warnings of a define or create, printed on stderr;
 * @kind.define of @xml (as domain_define_xml() below); @kind.xml
 * --inactive of @name (as domain_xml_inactive() above).
 */
void cli_print_warnings(struct json_object *res);
int cli_define_xml(const char *kind, const char *xml, bool validate,
		   char **name, struct err **e);
char *cli_xml_inactive(const char *kind, const char *name, struct err **e);

/*
 * define and create from the file of --file: @kind.define (--validate
 * honoured) or @kind.create with @params (taken over; NULL: none); prints
 * virsh's "Domain 'x' defined from FILE" ("created") or its error.
 * Returns 0 with *@name the object's name (malloc'ed), or 1.
 */
int cli_xml_from_file(const struct cli_args *a, const char *kind, bool create,
		      struct json_object *params, char **name);

/*
 * Defines a domain from @xml (domain.define; @validate: unknown
 * elements are errors). Prints the daemon's warnings. Returns 0 with
 * *@name the defined domain's name (malloc'ed), or -errno with @e.
 */
int domain_define_xml(const char *xml, bool validate, char **name,
		      struct err **e);

#endif
