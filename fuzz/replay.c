/* SPDX-License-Identifier: MIT */
/* Replays a fuzz target's corpus as an ordinary test: every file in the directories (or
 * the files) named on the command line goes through LLVMFuzzerTestOneInput once. */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path, unsigned *count)
{
        char *data = NULL;
        size_t len = 0;
        int r = store_read_file(path, STORE_MAX_FILE_SIZE, &data, &len);
        if (r < 0) {
                fprintf(stderr, "%s: %s\n", path, strerror(-r));
                return r;
        }
        LLVMFuzzerTestOneInput((const uint8_t *)data, len);
        free(data);
        (*count)++;
        return 0;
}

int main(int argc, char **argv)
{
        unsigned count = 0;

        for (int i = 1; i < argc; i++) {
                struct stat st;
                if (stat(argv[i], &st) < 0) {
                        fprintf(stderr, "%s: %s\n", argv[i], strerror(errno));
                        return EXIT_FAILURE;
                }
                if (!S_ISDIR(st.st_mode)) {
                        if (replay_file(argv[i], &count) < 0)
                                return EXIT_FAILURE;
                        continue;
                }
                struct dirent **entries = NULL;
                int n = scandir(argv[i], &entries, NULL, alphasort);
                if (n < 0) {
                        fprintf(stderr, "%s: %s\n", argv[i], strerror(errno));
                        return EXIT_FAILURE;
                }
                int failed = 0;
                for (int j = 0; j < n; j++) {
                        if (entries[j]->d_name[0] != '.' && !failed) {
                                char path[4096];
                                snprintf(path, sizeof(path), "%s/%s", argv[i], entries[j]->d_name);
                                failed = replay_file(path, &count) < 0;
                        }
                        free(entries[j]);
                }
                free(entries);
                if (failed)
                        return EXIT_FAILURE;
        }
        if (count == 0) {
                fprintf(stderr, "no corpus files found\n");
                return EXIT_FAILURE;
        }
        printf("replayed %u inputs\n", count);
        return EXIT_SUCCESS;
}
