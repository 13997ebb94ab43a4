// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The definition life cycle shared by kinds (daemon/object.h), driven
 * through a kind that is not a domain: a "widget" whose definition is
 * <widget name='N' uuid='U'>TEXT</widget>, kept in the store like any
 * other kind.
 */
#include <errno.h>
#include <stdio.h>

#include "daemon/object.h"
#include "daemon/store.h"
#include "lib/file.h"
#include "test.h"

struct widget_def {
	char *name;
	uint8_t uuid[16];
	bool uuid_generated;
	char *text;
};

struct widget {
	struct object obj;
	bool active;
};

static int parse(const char *xml, size_t len, bool driver, void **def,
		 struct xml_warnings *w, struct err **e)
{
	char name[64], text[4096] = "";
	unsigned u;
	struct widget_def *d;

	if (sscanf(xml, "<widget name='%63[a-z0-9]' uuid='%u'>%4095[^<]", name,
		   &u, text) < 2)
		return err_setk(e, ERR_XML_ERROR, EINVAL, "bad widget");
	d = xcalloc(1, sizeof(*d));
	d->name = xstrdup(name);
	d->uuid_generated = u == 0;
	d->uuid[15] = (uint8_t)(u ? u : 200 + (unsigned)rand() % 50);
	d->text = xstrdup(text);
	*def = d;
	return 0;
}

static char *format(const void *p)
{
	const struct widget_def *d = p;

	return xasprintf("<widget name='%s' uuid='%u'>%s</widget>", d->name,
			 d->uuid[15], d->text);
}

static void def_free(void *p)
{
	struct widget_def *d = p;

	if (!d)
		return;
	free(d->name);
	free(d->text);
	free(d);
}

static const char *def_name(const void *p)
{
	return ((const struct widget_def *)p)->name;
}

static uint8_t *def_uuid(void *p)
{
	return ((struct widget_def *)p)->uuid;
}

static bool def_uuid_generated(const void *p)
{
	return ((const struct widget_def *)p)->uuid_generated;
}

static const struct object_kind widget_kind;

static struct object *obj_new(void *def)
{
	struct widget *w = xcalloc(1, sizeof(*w));

	w->obj.kind = &widget_kind;
	w->obj.def = def;
	return &w->obj;
}

static void obj_free(struct object *o)
{
	def_free(o->def);
	def_free(o->newdef);
	free(o);
}

static bool is_active(const struct object *o)
{
	return ((const struct widget *)o)->active;
}

static const struct object_kind widget_kind = {
	.name = "widget",
	.dir = "widgets",
	.err_missing = ERR_NO_NETWORK,
	.err_exists = ERR_OPERATION_FAILED,
	.parse = parse,
	.format = format,
	.def_free = def_free,
	.def_name = def_name,
	.def_uuid = def_uuid,
	.def_uuid_generated = def_uuid_generated,
	.obj_new = obj_new,
	.obj_free = obj_free,
	.is_active = is_active,
};

static char dir[] = "/tmp/nido-test-object.XXXXXX";
static struct store st;

static void *widget(const char *xml)
{
	void *d = NULL;

	parse(xml, strlen(xml), true, &d, NULL, NULL);
	return d; /* a NULL is caught by the define that takes it */
}

static bool stored(const char *rel)
{
	_cleanup_free_ char *p = xasprintf("%s/widgets/%s", dir, rel);

	return access(p, F_OK) == 0;
}

static const char *text_of(const void *def)
{
	return ((const struct widget_def *)def)->text;
}

static void define_replace_and_conflicts(void)
{
	struct object_list l = {.kind = &widget_kind};
	_cleanup_err_ struct err *e = NULL;
	struct object *a = NULL, *again = NULL;

	CHECK_INT_EQ(object_define(&l, &st,
				   widget("<widget name='a' "
					  "uuid='1'>one</widget>"),
				   &a, NULL),
		     0);
	CHECK(a && a->persistent && stored("a.xml") && l.n == 1);
	/* no uuid: the object's is kept; inactive: replaced at once */
	CHECK_INT_EQ(object_define(&l, &st,
				   widget("<widget name='a' uuid='0'>two</"
					  "widget>"),
				   &again, NULL),
		     0);
	CHECK(again == a && object_uuid(a)[15] == 1);
	CHECK_STR_EQ(text_of(a->def), "two");
	/* the same name with another UUID, or a UUID taken */
	CHECK_INT_EQ(object_define(&l, &st,
				   widget("<widget name='a' uuid='9'/>"),
				   &again, &e),
		     -EEXIST);
	CHECK_INT_EQ(err_kind(e), ERR_OPERATION_FAILED);
	CHECK_STR_CONTAINS(err_msg(e), "widget 'a' already exists with UUID");
	CHECK_INT_EQ(object_define(&l, &st,
				   widget("<widget name='b' uuid='1'/>"),
				   &again, NULL),
		     -EEXIST);
	CHECK(l.n == 1 && !stored("b.xml"));
	CHECK(object_list_lookup(&l, "b", &e) == NULL);
	CHECK_INT_EQ(err_kind(e), ERR_NO_NETWORK);
	CHECK_STR_EQ(err_msg(e), "widget 'b' not found");
	object_list_clear(&l);
}

/* Defined while active: the next start's; undefined while active: it
 * goes when it stops. */
static void active_objects(void)
{
	struct object_list l = {.kind = &widget_kind};
	_cleanup_err_ struct err *e = NULL;
	struct object *a = NULL;

	object_define(&l, &st, widget("<widget name='c' uuid='3'>old</widget>"),
		      &a, NULL);
	((struct widget *)a)->active = true;
	CHECK_INT_EQ(object_define(&l, &st,
				   widget("<widget name='c' uuid='3'>new</"
					  "widget>"),
				   &a, NULL),
		     0);
	CHECK_STR_EQ(text_of(a->def), "old");
	CHECK_STR_EQ(text_of(object_xml_def(a, true)), "new");
	CHECK_STR_EQ(text_of(object_xml_def(a, false)), "old");
	CHECK_INT_EQ(object_set_autostart(&st, a, true, NULL), 0);
	CHECK(stored("autostart/c") && a->autostart);
	CHECK_INT_EQ(object_undefine(&l, &st, a, NULL), 0);
	CHECK(!stored("c.xml") && !stored("autostart/c"));
	CHECK(!a->persistent && !a->autostart && !a->newdef && l.n == 1);
	CHECK_INT_EQ(object_undefine(&l, &st, a, &e), -EINVAL);
	CHECK_INT_EQ(err_kind(e), ERR_OPERATION_INVALID);
	CHECK_INT_EQ(object_set_autostart(&st, a, true, &e), -EINVAL);
	CHECK_STR_EQ(err_msg(e), "cannot set autostart for transient widget");
	((struct widget *)a)->active = false;
	object_apply_newdef(a);
	CHECK(object_drop_transient(&l, a));
	CHECK_INT_EQ(l.n, 0);
	object_list_clear(&l);
}

static int warnings;

static void count_warning(const char *msg)
{
	warnings++;
}

static void load_back_and_undefine(void)
{
	struct object_list l = {.kind = &widget_kind};
	struct object *a = NULL;

	object_define(&l, &st,
		      widget("<widget name='d' uuid='4'>kept</widget>"), &a,
		      NULL);
	object_set_autostart(&st, a, true, NULL);
	object_list_clear(&l);
	CHECK_INT_EQ(store_objects_load(&st, &l, count_warning), 2); /* a, d */
	CHECK_INT_EQ(warnings, 0);
	a = object_list_find_name(&l, "d");
	CHECK(a && a->persistent && a->autostart);
	CHECK_STR_EQ(text_of(a->def), "kept");
	CHECK(!object_list_find_name(&l, "a")->autostart);
	CHECK_INT_EQ(object_undefine(&l, &st, a, NULL), 1);
	CHECK(l.n == 1 && !stored("d.xml"));
	object_list_clear(&l);
}

int main(void)
{
	_cleanup_free_ char *run = NULL, *cmd = NULL;

	srand(1);
	if (!mkdtemp(dir))
		return 1;
	run = xasprintf("%s/run", dir);
	if (store_open(&st, dir, run,
		       (const struct object_kind *const[]){&widget_kind}, 1,
		       NULL) < 0)
		return 1;
	RUN(define_replace_and_conflicts);
	RUN(active_objects);
	RUN(load_back_and_undefine);
	store_close(&st);
	cmd = xasprintf("rm -rf '%s'", dir);
	(void)!system(cmd);
	return test_done();
}
