/*
 * replay.c - runs a fuzz target over files and directories of inputs
 * without libFuzzer, so CTest replays the committed corpus (and any
 * crashing input kept in it) in every build, sanitizers included.
 */
#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

static int run_file(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long len;
	int rc = -1;

	if (!f)
		goto out;
	if (fseek(f, 0, SEEK_END) || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET))
		goto out;
	buf = malloc(len ? (size_t)len : 1);
	if (!buf || fread(buf, 1, (size_t)len, f) != (size_t)len)
		goto out;
	LLVMFuzzerTestOneInput(buf, (size_t)len);
	(*n)++;
	rc = 0;
out:
	if (rc)
		fprintf(stderr, "%s: %s\n", path, strerror(errno ? errno : EIO));
	free(buf);
	if (f)
		fclose(f);
	return rc;
}

static int run_path(const char *path, size_t *n)
{
	struct stat st;
	struct dirent *de;
	DIR *d;
	int rc = 0;

	if (stat(path, &st) != 0) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return run_file(path, n);
	d = opendir(path);
	if (!d)
		return -1;
	while ((de = readdir(d)) != NULL) {
		char sub[4096];
		if (de->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
		rc |= run_path(sub, n);
	}
	closedir(d);
	return rc;
}

int main(int argc, char **argv)
{
	size_t n = 0;
	int i, rc = 0;

	for (i = 1; i < argc; i++)
		rc |= run_path(argv[i], &n);
	printf("%zu inputs replayed without a crash\n", n);
	return rc || n == 0 ? 1 : 0;
}
