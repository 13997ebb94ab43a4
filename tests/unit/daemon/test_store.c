// SPDX-License-Identifier: GPL-2.0-or-later
/* Definitions and run-time records on disk (daemon/store.h). */
#include <errno.h>
#include <sys/stat.h>

#include "daemon/domain.h"
#include "daemon/store.h"
#include "lib/file.h"
#include "lib/json.h"
#include "test.h"

static char dir[] = "/tmp/nido-test-store.XXXXXX";
static struct store st;
static int warnings;

static void count_warning(const char *msg)
{
	warnings++;
}

static struct domain_def *def_named(const char *name)
{
	_cleanup_free_ char *xml = xasprintf(
		"<domain type='kvm'><name>%s</name><memory>1024</memory>"
		"<os><kernel>/k</kernel></os></domain>",
		name);
	struct domain_def *d = NULL;

	domain_def_parse(xml, strlen(xml), &d, NULL, NULL);
	return d;
}

static void write_file(const char *rel, const char *text)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", dir, rel);

	file_write_atomic(p, text, strlen(text), 0600, NULL);
}

static void store_saves_and_loads(void)
{
	struct domain_def *a = def_named("a"), *b = def_named("b");
	struct domain_list l = DOMAIN_LIST_INIT;

	CHECK(a && b);
	CHECK_INT_EQ(store_def_save(&st, &domain_kind, a, NULL), 0);
	CHECK_INT_EQ(store_def_save(&st, &domain_kind, b, NULL), 0);
	CHECK_INT_EQ(store_autostart_set(&st, &domain_kind, "b", true, NULL),
		     0);
	CHECK_INT_EQ(store_objects_load(&st, &l.l, count_warning), 2);
	CHECK(domain_list_find_name(&l, "a") && domain_list_find_name(&l, "b"));
	CHECK(domain_list_find_name(&l, "b")->autostart);
	CHECK(!domain_list_find_name(&l, "a")->autostart);
	CHECK(domain_list_find_name(&l, "a")->persistent);
	CHECK(domain_list_find_uuid(&l, a->uuid));
	domain_list_clear(&l);
	domain_def_free(a);
	domain_def_free(b);
}

static void store_skips_bad_files(void)
{
	struct domain_list l = DOMAIN_LIST_INIT;

	write_file("domains/broken.xml", "<domain><name>broken</name");
	write_file("domains/wrong.xml", "<domain type='kvm'><name>right"
					"</name><memory>1024</memory><os>"
					"<kernel>/k</kernel></os></domain>");
	write_file("domains/.hidden.xml", "x");
	write_file("domains/notes.txt", "x");
	warnings = 0;
	CHECK_INT_EQ(store_objects_load(&st, &l.l, count_warning), 2);
	CHECK_INT_EQ(warnings, 2);
	CHECK(!domain_list_find_name(&l, "right"));
	domain_list_clear(&l);
}

static void store_deletes(void)
{
	struct domain_list l = DOMAIN_LIST_INIT;

	CHECK_INT_EQ(store_def_delete(&st, &domain_kind, "b", NULL), 0);
	CHECK_INT_EQ(store_def_delete(&st, &domain_kind, "b", NULL), 0);
	CHECK_INT_EQ(store_objects_load(&st, &l.l, count_warning), 1);
	domain_list_clear(&l);
}

static bool exists(const char *rel)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", dir, rel);

	return access(p, F_OK) == 0;
}

/* kill -9 during define left .NAME.xml.tmp-XXXXXX files forever. */
static void store_removes_stale_temporary_files(void)
{
	static const char *const stale[] = {"domains/.a.xml.tmp-Ab3x9Q",
					    "domains/autostart/.a.tmp-000000"};
	static const char *const kept[] = {
		"domains/.a.xml.tmp-Ab3x9",	  /* not mkostemp's */
		"domains/.a.xml.tmp-Ab3x9!",	  /* not mkostemp's */
		"domains/a.xml.tmp-Ab3x9Q",	  /* not a dot file */
		"run/domains/.a.json.tmp-AAAAAA", /* new: nido-vmm's? */
	};
	struct domain_list l = DOMAIN_LIST_INIT;
	int before;

	warnings = 0;
	store_objects_load(&st, &l.l, count_warning);
	domain_list_clear(&l);
	before = warnings;
	for (size_t i = 0; i < ARRAY_SIZE(stale); i++)
		write_file(stale[i], "<domain");
	for (size_t i = 0; i < ARRAY_SIZE(kept); i++)
		write_file(kept[i], "x");
	store_objects_load(&st, &l.l, count_warning);
	domain_list_clear(&l);
	for (size_t i = 0; i < ARRAY_SIZE(stale); i++)
		CHECK(!exists(stale[i]));
	for (size_t i = 0; i < ARRAY_SIZE(kept); i++)
		CHECK(exists(kept[i]));
	/* the bad files again, and one line per directory cleaned */
	CHECK_INT_EQ(warnings - 2 * before, 2);
	for (size_t i = 0; i < ARRAY_SIZE(kept); i++) {
		_cleanup_free_ char *p = xasprintf("%s/%s", dir, kept[i]);

		unlink(p);
	}
}

/*
 * A definition too large once formatted is refused when saved, so that
 * every definition saved is read back; one exactly at the limit is.
 */
static void store_size_limit_is_checked_on_save(void)
{
	struct domain_def *d = def_named("big");
	_cleanup_free_ char *xml = NULL;
	_cleanup_err_ struct err *e = NULL;
	struct domain_list l = DOMAIN_LIST_INIT;
	size_t base;

	xml = domain_def_format(d);
	base = strlen(xml) + strlen("  <description></description>\n");
	d->description = xmalloc(STORE_MAX_FILE - base + 2);
	memset(d->description, 'x', STORE_MAX_FILE - base + 1);
	d->description[STORE_MAX_FILE - base + 1] = '\0';
	CHECK_INT_EQ(store_def_save(&st, &domain_kind, d, &e), -EFBIG);
	CHECK_STR_CONTAINS(err_msg(e),
			   "saving domain 'big': the definition of domain "
			   "'big' is 1048577 bytes as stored, more than the "
			   "limit of 1048576");
	CHECK(!exists("domains/big.xml"));
	d->description[STORE_MAX_FILE - base] = '\0';
	CHECK_INT_EQ(store_def_save(&st, &domain_kind, d, NULL), 0);
	CHECK_INT_EQ(store_objects_load(&st, &l.l, count_warning), 2);
	CHECK(domain_list_find_name(&l, "big"));
	domain_list_clear(&l);
	CHECK_INT_EQ(store_def_delete(&st, &domain_kind, "big", NULL), 0);
	domain_def_free(d);
}

static void store_runtime_records(void)
{
	struct json_object *rec = json_object_new_object(), *back = NULL;
	struct domain_def *a = def_named("a");
	void *live = NULL;
	char **names;
	int64_t pid = 0;

	json_object_object_add(rec, "pid", json_object_new_int(42));
	CHECK_INT_EQ(store_runtime_save(&st, &domain_kind, "a", rec, NULL), 0);
	CHECK_INT_EQ(store_live_save(&st, &domain_kind, a, NULL), 0);
	names = store_runtime_names(&st, &domain_kind);
	CHECK(names[0] && streq(names[0], "a") && !names[1]);
	store_names_free(names);
	CHECK_INT_EQ(store_runtime_load(&st, &domain_kind, "a", &back, NULL),
		     0);
	CHECK_INT_EQ(json_get_int64(back, "pid", &pid, NULL), 0);
	CHECK_INT_EQ(pid, 42);
	CHECK_INT_EQ(store_live_load(&st, &domain_kind, "a", &live, NULL), 0);
	CHECK_STR_EQ(((struct domain_def *)live)->name, "a");
	json_object_put(back);
	back = NULL;
	store_runtime_delete(&st, &domain_kind, "a");
	CHECK_INT_EQ(
		store_runtime_load(&st, &domain_kind, "a", &back, NULL) < 0, 1);
	json_object_put(rec);
	domain_def_free(a);
	domain_def_free(live);
}

static void store_refuses_garbage_records(void)
{
	struct json_object *rec = NULL;
	_cleanup_err_ struct err *e = NULL;
	_cleanup_free_ char *p = xasprintf("%s/run/domains/g.json", dir);

	file_write_atomic(p, "[1]", 3, 0600, NULL);
	CHECK_INT_EQ(store_runtime_load(&st, &domain_kind, "g", &rec, &e),
		     -EINVAL);
	CHECK_STR_CONTAINS(err_msg(e), "not a JSON object");
	store_runtime_delete(&st, &domain_kind, "g");
}

static void domain_lookup_by_name_id_uuid(void)
{
	struct domain_list l = DOMAIN_LIST_INIT;
	struct domain *d = domain_new(def_named("web"));
	_cleanup_err_ struct err *e = NULL;
	char text[64];

	domain_list_add(&l, d);
	d->id = 7;
	snprintf(text, sizeof(text),
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
		 "%02x%02x%02x%02x%02x%02x",
		 d->def->uuid[0], d->def->uuid[1], d->def->uuid[2],
		 d->def->uuid[3], d->def->uuid[4], d->def->uuid[5],
		 d->def->uuid[6], d->def->uuid[7], d->def->uuid[8],
		 d->def->uuid[9], d->def->uuid[10], d->def->uuid[11],
		 d->def->uuid[12], d->def->uuid[13], d->def->uuid[14],
		 d->def->uuid[15]);
	CHECK(domain_list_lookup(&l, "web", NULL) == d);
	CHECK(domain_list_lookup(&l, "7", NULL) == d);
	CHECK(domain_list_lookup(&l, text, NULL) == d);
	CHECK(domain_list_lookup(&l, "8", &e) == NULL);
	CHECK_STR_EQ(err_msg(e), "domain '8' not found");
	CHECK_INT_EQ(err_code(e), -ENOENT);
	domain_list_remove(&l, d);
	CHECK_INT_EQ(l.l.n, 0);
	domain_free(d);
	domain_list_clear(&l);
}

static void domain_state_names(void)
{
	CHECK_STR_EQ(domain_state_name(DOMAIN_SHUTOFF), "shut off");
	CHECK_STR_EQ(domain_reason_name(REASON_SHUTOFF_CRASHED), "crashed");
	CHECK_INT_EQ(domain_reason_state(REASON_PAUSED_USER), DOMAIN_PAUSED);
	CHECK_INT_EQ(domain_state_parse("paused"), DOMAIN_PAUSED);
	CHECK_INT_EQ(domain_state_parse("bogus"), -1);
	CHECK_INT_EQ(domain_reason_parse("booted"), REASON_RUNNING_BOOTED);
}

int main(void)
{
	_cleanup_free_ char *state = NULL, *run = NULL, *cmd = NULL;

	if (!mkdtemp(dir))
		return 1;
	state = xstrdup(dir);
	run = xasprintf("%s/run", dir);
	if (store_open(&st, state, run,
		       (const struct object_kind *const[]){&domain_kind}, 1,
		       NULL) < 0)
		return 1;
	RUN(store_saves_and_loads);
	RUN(store_skips_bad_files);
	RUN(store_deletes);
	RUN(store_removes_stale_temporary_files);
	RUN(store_size_limit_is_checked_on_save);
	RUN(store_runtime_records);
	RUN(store_refuses_garbage_records);
	RUN(domain_lookup_by_name_id_uuid);
	RUN(domain_state_names);
	store_close(&st);
	cmd = xasprintf("rm -rf '%s'", dir);
	if (system(cmd) != 0)
		return 1;
	return test_done();
}
