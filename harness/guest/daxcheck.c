/*
 * daxcheck: guest-side checks and timings of a virtio-fs DAX mount (harness/workloads/dax.sh).
 *
 *   daxcheck verify FILE              read() and mmap() of FILE agree, byte for byte
 *   daxcheck mwrite FILE OFF LEN SEED writes LEN pseudo-random bytes at OFF through a shared
 *                                     mapping, then msync(MS_SYNC); prints their checksum
 *   daxcheck sum FILE OFF LEN         checksum of LEN bytes at OFF, by read()
 *   daxcheck copy SRC DST             copy_file_range(2) of all of SRC into a new DST: the file
 *                                     system copies from its own view of SRC
 *   daxcheck fsx FILE OPS SEED MAXLEN a small fsx: random pwrite, read, mmap read, mmap write
 *                                     (msync), truncate, each checked against a model
 *   daxcheck pages FILE               reads FILE through mmap one page at a time; prints MB/s
 *   daxcheck odirect SRC DST          O_DIRECT writes to DST from a buffer that is a shared
 *                                     mapping of SRC (on a DAX mount: guest memory in the
 *                                     window), then O_DIRECT reads back into one; both must match
 *
 * Exit status 0 when the check holds; failures say what differed and where.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int die(const char *what) {
    fprintf(stderr, "daxcheck: %s: %s\n", what, strerror(errno));
    return 2;
}

static uint64_t next(uint64_t *state) {
    uint64_t x = *state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *state = x;
}

static uint64_t checksum(const unsigned char *p, size_t n) {
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) {
        h = (h ^ p[i]) * 1099511628211ULL;
    }
    return h;
}

static int read_all(int fd, unsigned char *buf, size_t len, off_t off) {
    size_t done = 0;
    while (done < len) {
        ssize_t n = pread(fd, buf + done, len - done, off + done);
        if (n < 0) {
            return -1;
        }
        if (n == 0) {
            break;
        }
        done += n;
    }
    return (int) (done == len ? 0 : 1);
}

static int verify(const char *path) {
    int fd = open(path, O_RDONLY);
    if (fd < 0) return die("open");
    struct stat st;
    if (fstat(fd, &st) != 0) return die("fstat");
    size_t len = st.st_size;
    if (len == 0) { printf("verify bytes=0\n"); return 0; }
    unsigned char *buf = malloc(len);
    if (read_all(fd, buf, len, 0) != 0) return die("read");
    unsigned char *map = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
    if (map == MAP_FAILED) return die("mmap");
    for (size_t i = 0; i < len; i++) {
        if (map[i] != buf[i]) {
            printf("verify MISMATCH at %zu: read 0x%02x, mmap 0x%02x\n", i, buf[i], map[i]);
            return 1;
        }
    }
    printf("verify bytes=%zu sum=%016llx mmap_equals_read=1\n", len, (unsigned long long) checksum(buf, len));
    munmap(map, len);
    free(buf);
    close(fd);
    return 0;
}

static int mwrite(const char *path, off_t off, size_t len, uint64_t seed) {
    int fd = open(path, O_RDWR);
    if (fd < 0) return die("open");
    long page = sysconf(_SC_PAGESIZE);
    off_t base = off & ~(off_t) (page - 1);
    size_t span = len + (off - base);
    unsigned char *map = mmap(NULL, span, PROT_READ | PROT_WRITE, MAP_SHARED, fd, base);
    if (map == MAP_FAILED) return die("mmap");
    unsigned char *p = map + (off - base);
    uint64_t state = seed | 1;
    for (size_t i = 0; i < len; i++) {
        p[i] = (unsigned char) next(&state);
    }
    if (msync(map, span, MS_SYNC) != 0) return die("msync");
    printf("mwrite off=%lld len=%zu sum=%016llx\n", (long long) off, len, (unsigned long long) checksum(p, len));
    munmap(map, span);
    if (fsync(fd) != 0) return die("fsync");
    close(fd);
    return 0;
}

static int sum(const char *path, off_t off, size_t len) {
    int fd = open(path, O_RDONLY);
    if (fd < 0) return die("open");
    unsigned char *buf = malloc(len);
    if (read_all(fd, buf, len, off) != 0) return die("read");
    printf("sum off=%lld len=%zu sum=%016llx\n", (long long) off, len, (unsigned long long) checksum(buf, len));
    free(buf);
    close(fd);
    return 0;
}

static int copy(const char *src, const char *dst) {
    int in = open(src, O_RDONLY);
    if (in < 0) return die("open source");
    int out = open(dst, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (out < 0) return die("open target");
    struct stat st;
    if (fstat(in, &st) != 0) return die("fstat");
    off_t left = st.st_size;
    while (left > 0) {
        ssize_t n = copy_file_range(in, NULL, out, NULL, left, 0);
        if (n < 0) return die("copy_file_range");
        if (n == 0) break;
        left -= n;
    }
    printf("copy bytes=%lld\n", (long long) st.st_size);
    close(in);
    close(out);
    return 0;
}

static int fsx(const char *path, long ops, uint64_t seed, size_t maxlen) {
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) return die("open");
    unsigned char *model = calloc(maxlen, 1);
    unsigned char *buf = malloc(maxlen);
    size_t size = 0;
    uint64_t state = seed | 1;
    long counts[5] = {0};
    for (long op = 0; op < ops; op++) {
        int kind = next(&state) % 5;
        size_t off = next(&state) % maxlen;
        size_t len = 1 + next(&state) % (maxlen / 8);
        if (off + len > maxlen) len = maxlen - off;
        counts[kind]++;
        switch (kind) {
        case 0: /* pwrite */
            for (size_t i = 0; i < len; i++) buf[i] = (unsigned char) next(&state);
            if (pwrite(fd, buf, len, off) != (ssize_t) len) return die("pwrite");
            memcpy(model + off, buf, len);
            if (off + len > size) size = off + len;
            break;
        case 1: /* read */
        case 2: /* mmap read */
            if (size == 0) break;
            off %= size;
            if (off + len > size) len = size - off;
            if (kind == 1) {
                if (read_all(fd, buf, len, off) != 0) return die("pread");
            } else {
                long page = sysconf(_SC_PAGESIZE);
                size_t base = off & ~(size_t) (page - 1);
                unsigned char *map = mmap(NULL, len + off - base, PROT_READ, MAP_SHARED, fd, base);
                if (map == MAP_FAILED) return die("mmap read");
                memcpy(buf, map + off - base, len);
                munmap(map, len + off - base);
            }
            if (memcmp(buf, model + off, len) != 0) {
                for (size_t i = 0; i < len; i++) {
                    if (buf[i] != model[off + i]) {
                        printf("fsx MISMATCH op %ld (%s) at %zu: got 0x%02x, want 0x%02x (size %zu)\n", op,
                               kind == 1 ? "read" : "mmap read", off + i, buf[i], model[off + i], size);
                        return 1;
                    }
                }
            }
            break;
        case 3: { /* mmap write inside the file */
            if (size == 0) break;
            off %= size;
            if (off + len > size) len = size - off;
            long page = sysconf(_SC_PAGESIZE);
            size_t base = off & ~(size_t) (page - 1);
            unsigned char *map = mmap(NULL, len + off - base, PROT_READ | PROT_WRITE, MAP_SHARED, fd, base);
            if (map == MAP_FAILED) return die("mmap write");
            for (size_t i = 0; i < len; i++) {
                unsigned char b = (unsigned char) next(&state);
                map[off - base + i] = b;
                model[off + i] = b;
            }
            if (msync(map, len + off - base, MS_SYNC) != 0) return die("msync");
            munmap(map, len + off - base);
            break;
        }
        case 4: /* truncate */
            if (ftruncate(fd, off) != 0) return die("ftruncate");
            if (off < size) memset(model + off, 0, size - off);
            size = off;
            break;
        }
    }
    struct stat st;
    if (fstat(fd, &st) != 0) return die("fstat");
    if ((size_t) st.st_size != size) {
        printf("fsx MISMATCH size %lld, want %zu\n", (long long) st.st_size, size);
        return 1;
    }
    printf("fsx ok ops=%ld pwrite=%ld read=%ld mmap_read=%ld mmap_write=%ld truncate=%ld size=%zu\n", ops,
           counts[0], counts[1], counts[2], counts[3], counts[4], size);
    close(fd);
    return 0;
}

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static int pages(const char *path) {
    int fd = open(path, O_RDONLY);
    if (fd < 0) return die("open");
    struct stat st;
    if (fstat(fd, &st) != 0) return die("fstat");
    long page = sysconf(_SC_PAGESIZE);
    double start = now();
    unsigned char *map = mmap(NULL, st.st_size, PROT_READ, MAP_SHARED, fd, 0);
    if (map == MAP_FAILED) return die("mmap");
    uint64_t acc = 0;
    for (off_t i = 0; i < st.st_size; i += page) {
        acc += map[i];
    }
    double secs = now() - start;
    printf("pages bytes=%lld secs=%.3f mb_s=%.1f acc=%llu\n", (long long) st.st_size, secs,
           st.st_size / 1048576.0 / secs, (unsigned long long) acc);
    munmap(map, st.st_size);
    close(fd);
    return 0;
}

static int odirect(const char *src, const char *dst) {
    int in = open(src, O_RDWR);
    if (in < 0) return die("open source");
    struct stat st;
    if (fstat(in, &st) != 0) return die("fstat");
    size_t len = st.st_size & ~(size_t) 4095;
    if (len > (8u << 20)) len = 8u << 20;
    unsigned char *map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, in, 0);
    if (map == MAP_FAILED) return die("mmap");
    int out = open(dst, O_RDWR | O_CREAT | O_TRUNC | O_DIRECT, 0644);
    if (out < 0) return die("open O_DIRECT");
    ssize_t n = pwrite(out, map, len, 0);
    if (n != (ssize_t) len) { printf("odirect write=%zd of %zu errno=%d\n", n, len, n < 0 ? errno : 0); return 1; }
    uint64_t want = checksum(map, len);
    memset(map, 0, len);
    n = pread(out, map, len, 0);
    if (n != (ssize_t) len) { printf("odirect read=%zd of %zu errno=%d\n", n, len, n < 0 ? errno : 0); return 1; }
    uint64_t got = checksum(map, len);
    printf("odirect bytes=%zu same=%d\n", len, got == want);
    munmap(map, len);
    close(in);
    close(out);
    return got == want ? 0 : 1;
}

int main(int argc, char **argv) {
    if (argc >= 4 && strcmp(argv[1], "odirect") == 0) return odirect(argv[2], argv[3]);
    if (argc >= 3 && strcmp(argv[1], "verify") == 0) return verify(argv[2]);
    if (argc >= 6 && strcmp(argv[1], "mwrite") == 0)
        return mwrite(argv[2], atoll(argv[3]), atoll(argv[4]), strtoull(argv[5], NULL, 0));
    if (argc >= 5 && strcmp(argv[1], "sum") == 0) return sum(argv[2], atoll(argv[3]), atoll(argv[4]));
    if (argc >= 4 && strcmp(argv[1], "copy") == 0) return copy(argv[2], argv[3]);
    if (argc >= 6 && strcmp(argv[1], "fsx") == 0)
        return fsx(argv[2], atol(argv[3]), strtoull(argv[4], NULL, 0), atoll(argv[5]));
    if (argc >= 3 && strcmp(argv[1], "pages") == 0) return pages(argv[2]);
    fprintf(stderr, "usage: daxcheck verify|mwrite|sum|copy|fsx|pages ...\n");
    return 2;
}
