// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * <metadata> (domain_conf_metadata.c): applications' elements kept as
 * given, each standing alone with its namespace, through define and
 * dumpxml; an element in no namespace, or a second of one namespace,
 * warned about and not kept, as libvirt keeps them.
 */
#include "daemon/domain_conf.h"
#include "test.h"

static char *define(const char *meta, char **warned)
{
	_cleanup_free_ char *text = xasprintf(
		"<domain type='qemu' xmlns:top='urn:top'><name>m</name>"
		"<metadata>%s</metadata><memory unit='MiB'>64</memory><os>"
		"<type arch='x86_64' machine='pc'>hvm</type></os></domain>",
		meta);
	struct domain_def *d = NULL;
	_cleanup_err_ struct err *e = NULL;
	struct xml_warnings w = {0};
	char *out = NULL, *ws = NULL;
	size_t len = 0;
	FILE *f;

	if (domain_def_parse(text, strlen(text), &d, &w, &e) < 0) {
		TEST_FAIL("refused: %s", err_msg(e));
		return NULL;
	}
	f = open_memstream(&ws, &len);
	for (size_t i = 0; i < w.n; i++)
		fprintf(f, "%s%s", i ? "|" : "", w.msgs[i]);
	fclose(f);
	xml_warnings_clear(&w);
	out = domain_def_format(d);
	domain_def_free(d);
	*warned = ws;
	return out;
}

static void kept_as_given(void)
{
	_cleanup_free_ char *w = NULL, *w2 = NULL;
	/* the prefix declared on <domain>: the element gets it itself */
	_cleanup_free_ char *def =
		define("<app1:foo xmlns:app1='http://foo.org/'>fooish &amp; "
		       "<![CDATA[<raw>]]></app1:foo>\n<top:bar maman='baz'>"
		       "<top:x/></top:bar>",
		       &w);
	struct domain_def *d = NULL;
	_cleanup_err_ struct err *e = NULL;
	_cleanup_free_ char *again = NULL;

	if (!def)
		return;
	CHECK_STR_EQ(w, "");
	CHECK_STR_CONTAINS(def, "  <metadata>\n    <app1:foo "
				"xmlns:app1=\"http://foo.org/\">fooish &amp; "
				"<![CDATA[<raw>]]></app1:foo>\n    <top:bar "
				"xmlns:top=\"urn:top\" maman=\"baz\"><top:x/>"
				"</top:bar>\n  </metadata>\n");
	/* formatted, it parses to the same again */
	CHECK(domain_def_parse(def, strlen(def), &d, NULL, &e) == 0);
	if (d) {
		again = domain_def_format(d);
		CHECK_STR_EQ(again, def);
		domain_def_free(d);
	}
	free(define("<x/>", &w2));
	CHECK_STR_CONTAINS(w2, "<metadata><x>: not kept");
}

static void second_of_a_namespace_not_kept(void)
{
	_cleanup_free_ char *w = NULL;
	_cleanup_free_ char *def =
		define("<a:one xmlns:a='urn:a'>1</a:one><b:two "
		       "xmlns:b='urn:a'>2</b:two>",
		       &w);

	if (!def)
		return;
	CHECK_STR_CONTAINS(def, ">1</a:one>\n  </metadata>");
	CHECK_STR_CONTAINS(w, "<metadata><b:two>: not kept, an element of "
			      "namespace 'urn:a' is already there");
}

int main(void)
{
	RUN(kept_as_given);
	RUN(second_of_a_namespace_not_kept);
	return test_done();
}
