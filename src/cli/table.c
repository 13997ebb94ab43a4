// SPDX-License-Identifier: GPL-2.0-or-later
/* virsh-shaped tables (table.h). */
#include "cli/table.h"
#include "lib/util.h"

struct table {
	size_t ncols, nrows;
	char **cells; /* row-major, the header first */
};

struct table *table_new(const char *const *header)
{
	struct table *t = xcalloc(1, sizeof(*t));

	while (header[t->ncols])
		t->ncols++;
	table_add(t, header);
	return t;
}

void table_add(struct table *t, const char *const *cells)
{
	t->cells = xreallocarray(t->cells, (t->nrows + 1) * t->ncols,
				 sizeof(*t->cells));
	for (size_t i = 0; i < t->ncols; i++)
		t->cells[t->nrows * t->ncols + i] = xstrdup(cells[i]);
	t->nrows++;
}

/* Columns a cell takes: its UTF-8 characters (a title may have some). */
static size_t text_width(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

static void print_row(const struct table *t, size_t r, const size_t *w, FILE *f)
{
	for (size_t c = 0; c < t->ncols; c++) {
		const char *s = t->cells[r * t->ncols + c];

		if (c + 1 < t->ncols)
			fprintf(f, " %s%*s  ", s, (int)(w[c] - text_width(s)),
				"");
		else
			fprintf(f, " %s\n", s);
	}
}

void table_print(const struct table *t, bool header, FILE *f)
{
	_cleanup_free_ size_t *w = xcalloc(t->ncols, sizeof(*w));
	size_t total = 0;

	/* virsh -q leaves the header out of the widths too */
	for (size_t r = header ? 0 : 1; r < t->nrows; r++)
		for (size_t c = 0; c < t->ncols; c++)
			w[c] = MAX(w[c],
				   text_width(t->cells[r * t->ncols + c]));
	for (size_t c = 0; c < t->ncols; c++)
		total += w[c] + 3;
	if (header) {
		print_row(t, 0, w, f);
		for (size_t i = 0; i < total; i++)
			fputc('-', f);
		fputc('\n', f);
	}
	for (size_t r = 1; r < t->nrows; r++)
		print_row(t, r, w, f);
}

void table_free(struct table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t);
}
