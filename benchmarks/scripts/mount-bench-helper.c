/*
 * mount-bench-helper: the metadata measurements of mount-bench.sh, one system call loop each,
 * timed with CLOCK_MONOTONIC and printed as one number (operations or entries per second).
 *
 *   mount-bench-helper fstat DIR SECONDS          fstat(2) of one open file, in a loop
 *   mount-bench-helper populate DIR COUNT         creates DIR/f00000.. (empty files)
 *   mount-bench-helper readdir DIR SECONDS BUF    open, getdents64 with a BUF-byte buffer to the
 *                                                 end, close; repeated; prints entries/s
 *   mount-bench-helper create-unlink DIR SECONDS  open(O_CREAT|O_EXCL) + close + unlink
 *
 * Single-threaded on purpose: each loop is one client waiting on one request at a time, so the
 * number is the file system's round-trip rate, not the client's parallelism. With the environment
 * variable MOUNT_BENCH_COUNTS set to a file name, the timed loops also write "COUNT SECONDS" there
 * (what was done and how long it took), for counting costs per operation.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Prints the rate of count operations in elapsed seconds; and both to $MOUNT_BENCH_COUNTS, if set. */
static void report(double count, double elapsed) {
    const char *file = getenv("MOUNT_BENCH_COUNTS");
    if (file) {
        FILE *out = fopen(file, "w");
        if (out) {
            fprintf(out, "%.0f %.6f\n", count, elapsed);
            fclose(out);
        }
    }
    printf("%.0f\n", count / elapsed);
}

static void die(const char *what, const char *path) {
    fprintf(stderr, "mount-bench-helper: %s %s: %s\n", what, path, strerror(errno));
    exit(1);
}

static int bench_fstat(const char *dir, double seconds) {
    char path[4096];
    snprintf(path, sizeof path, "%s/fstat-target", dir);
    int fd = open(path, O_RDWR | O_CREAT, 0644);
    if (fd < 0) die("open", path);
    struct stat st;
    long n = 0;
    double start = now(), end = start + seconds, t;
    do {
        for (int i = 0; i < 256; i++) {
            if (fstat(fd, &st) != 0) die("fstat", path);
        }
        n += 256;
    } while ((t = now()) < end);
    close(fd);
    unlink(path);
    report(n, t - start);
    return 0;
}

static int populate(const char *dir, long count) {
    char path[4096];
    for (long i = 0; i < count; i++) {
        snprintf(path, sizeof path, "%s/f%05ld", dir, i);
        int fd = open(path, O_WRONLY | O_CREAT, 0644);
        if (fd < 0) die("create", path);
        close(fd);
    }
    return 0;
}

static int bench_readdir(const char *dir, double seconds, long bufsize) {
    char *buf = malloc(bufsize);
    if (buf == NULL) die("malloc", "buffer");
    long entries = 0, listings = 0, per_listing = -1;
    double start = now(), end = start + seconds, t;
    do {
        int fd = open(dir, O_RDONLY | O_DIRECTORY);
        if (fd < 0) die("open", dir);
        long count = 0;
        for (;;) {
            long got = syscall(SYS_getdents64, fd, buf, bufsize);
            if (got < 0) die("getdents64", dir);
            if (got == 0) break;
            for (long off = 0; off < got;) {
                struct dirent64 *d = (struct dirent64 *) (buf + off);
                count++;
                off += d->d_reclen;
            }
        }
        close(fd);
        if (per_listing >= 0 && count != per_listing) {
            fprintf(stderr, "mount-bench-helper: %s listed %ld entries, before %ld\n", dir, count, per_listing);
            return 1;
        }
        per_listing = count;
        entries += count;
        listings++;
    } while ((t = now()) < end);
    free(buf);
    fprintf(stderr, "readdir %s: %ld listings of %ld entries\n", dir, listings, per_listing);
    report(entries, t - start);
    return 0;
}

static int bench_create_unlink(const char *dir, double seconds) {
    char path[4096];
    snprintf(path, sizeof path, "%s/create-unlink", dir);
    long n = 0;
    double start = now(), end = start + seconds, t;
    do {
        for (int i = 0; i < 16; i++) {
            int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
            if (fd < 0) die("create", path);
            close(fd);
            if (unlink(path) != 0) die("unlink", path);
        }
        n += 16;
    } while ((t = now()) < end);
    report(n, t - start);
    return 0;
}

int main(int argc, char **argv) {
    if (argc >= 4 && strcmp(argv[1], "fstat") == 0) return bench_fstat(argv[2], atof(argv[3]));
    if (argc >= 4 && strcmp(argv[1], "populate") == 0) return populate(argv[2], atol(argv[3]));
    if (argc >= 5 && strcmp(argv[1], "readdir") == 0) return bench_readdir(argv[2], atof(argv[3]), atol(argv[4]));
    if (argc >= 4 && strcmp(argv[1], "create-unlink") == 0) return bench_create_unlink(argv[2], atof(argv[3]));
    fprintf(stderr, "usage: mount-bench-helper fstat DIR SECONDS | populate DIR COUNT | "
                    "readdir DIR SECONDS BUFSIZE | create-unlink DIR SECONDS\n");
    return 2;
}
