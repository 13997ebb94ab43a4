// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Runs the fuzz target over every file of the directories given, as a
 * TAP test, so that the kept corpus is replayed in every test run (with
 * the sanitizers of that build) without libFuzzer.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	if (!f)
		return -1;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc(n > 0 ? (size_t)n : 1);
	if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		free(buf);
		return -1;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, (size_t)n);
	free(buf);
	return 0;
}

int main(int argc, char **argv)
{
	int count = 0, failed = 0;

	for (int i = 1; i < argc; i++) {
		DIR *d = opendir(argv[i]);
		struct dirent *de;

		while (d && (de = readdir(d))) {
			char path[4096];

			if (de->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", argv[i],
				 de->d_name);
			count++;
			if (replay(path) < 0) {
				failed++;
				printf("not ok %d - %s\n", count, de->d_name);
			} else {
				printf("ok %d - %s\n", count, de->d_name);
			}
			fflush(stdout);
		}
		if (d)
			closedir(d);
	}
	printf("1..%d\n", count);
	return failed ? 1 : 0;
}
