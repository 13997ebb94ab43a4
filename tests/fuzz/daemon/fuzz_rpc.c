// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target: one line a client could send to nidod. The request
 * parser, the response formatting (which quotes what the client sent)
 * and, when the request carries "xml", the domain XML parser. Nothing
 * may crash, leak, or produce a response that is not one valid JSON
 * line; a definition accepted must format to XML that parses back (with
 * the generic rules, as the store reloads it) and formats the same.
 */
#include <stdint.h>
#include <stdlib.h>

#include "daemon/domain_conf.h"
#include "daemon/rpc.h"
#include "lib/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_line(char *line, const size_t *lenp)
{
	struct json_object *o = NULL;
	size_t len = *lenp;

	if (!len || line[len - 1] != '\n' || memchr(line, '\n', len - 1) ||
	    json_decode(line, len, &o, NULL) < 0 || !o)
		abort();
	json_object_put(o);
	free(line);
}

/* What the store does on a restart: parse what was written, write again. */
static void check_reloads(const struct domain_def *def)
{
	struct domain_def *back = NULL;
	char *text = domain_def_format(def);
	char *again;

	if (domain_def_parse_with(text, strlen(text), NULL, &back, NULL, NULL) <
	    0)
		abort();
	again = domain_def_format(back);
	if (strcmp(text, again))
		abort();
	free(again);
	free(text);
	text = domain_def_format_active(back, 1);
	free(text);
	domain_def_free(back);
}

static void try_xml(struct json_object *params)
{
	struct domain_def *def = NULL;
	struct xml_warnings w = {0};
	const char *xml;

	if (json_get_string_opt(params, "xml", &xml, NULL) <= 0)
		return;
	if (domain_def_parse(xml, strlen(xml), &def, &w, NULL) == 0)
		check_reloads(def);
	domain_def_free(def);
	xml_warnings_clear(&w);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rpc_request req;
	struct json_object *id = NULL, *result;
	struct err *e = NULL;
	size_t len;
	int code;

	if (size > RPC_MAX_REQUEST)
		return 0;
	code = rpc_request_parse((const char *)data, size, &req, &id, &e);
	if (code < 0) {
		check_line(rpc_response_error(id, code, err_msg(e), &len),
			   &len);
		json_object_put(id);
		err_free(e);
		return 0;
	}
	try_xml(req.params);
	result = json_object_new_int(1);
	check_line(rpc_response_result(req.id, result, &len), &len);
	json_object_put(result);
	check_line(rpc_response_error(req.id, 22, req.method, &len), &len);
	rpc_request_release(&req);
	json_object_put(id);
	return 0;
}
