/*
 * fsops: the system calls behind the newer FUSE requests, one check each, in a directory of a
 * virtio-fs share (harness/workloads/protocol.sh runs it in the guest). Built static by
 * lib/build-initramfs.sh.
 *
 * usage: fsops DIR
 *        fsops flock-fd FD     take LOCK_EX|LOCK_NB on inherited descriptor FD (the lock stays
 *                              with its open file description after fsops exits); exit 0 if taken
 *        fsops flock-try FILE  open FILE and try LOCK_EX|LOCK_NB: exit 0 if taken (then released),
 *                              1 if another holds it (EWOULDBLOCK), 2 on any other error
 *        (busybox has no flock; harness/workloads/migration.sh holds one across migrations)
 *        fsops hold DIR N      create DIR/h.0 .. h.N-1, each holding its number, keep all open,
 *                              print "HOLDING N", wait for SIGTERM, then read every one back
 *                              through its descriptor: "HOLD ok N" and exit 0, or exit 1
 * Prints "PASS name" or "FAIL name: why" per check and "fsops: N passed, N failed"; exits 1 if
 * any failed. The checks: statx with the birth time (FUSE_STATX), copy_file_range
 * (FUSE_COPY_FILE_RANGE or _64), fallocate and lseek SEEK_DATA/SEEK_HOLE (FUSE_FALLOCATE,
 * FUSE_LSEEK), O_TMPFILE and linkat (FUSE_TMPFILE), renameat2 with RENAME_EXCHANGE and
 * RENAME_NOREPLACE (FUSE_RENAME2), user xattrs (FUSE_SETXATTR with SETXATTR_EXT and friends),
 * flock and OFD locks (FUSE_SETLK/GETLK), utimensat with nanoseconds, a shared mapping written and
 * read back, O_DIRECT, mknod of a fifo, syncfs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <linux/stat.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

static int passed, failed;

static void pass(const char *name) { passed++; printf("PASS %s\n", name); }

static void fail(const char *name, const char *what) {
    failed++;
    printf("FAIL %s: %s (errno %d %s)\n", name, what, errno, strerror(errno));
}

static int fill(int fd, size_t size, unsigned seed) {
    char *buf = malloc(size);
    if (!buf) return -1;
    for (size_t i = 0; i < size; i++) buf[i] = (char) ((i * 31 + seed) & 0xff);
    ssize_t n = pwrite(fd, buf, size, 0);
    free(buf);
    return n == (ssize_t) size ? 0 : -1;
}

static void check_statx(void) {
    struct statx sx;
    int fd = open("statx.f", O_CREAT | O_RDWR | O_TRUNC, 0644);
    if (fd < 0) { fail("statx", "create"); return; }
    close(fd);
    memset(&sx, 0, sizeof sx);
    if (statx(AT_FDCWD, "statx.f", AT_STATX_FORCE_SYNC, STATX_BASIC_STATS | STATX_BTIME, &sx) != 0) {
        fail("statx", "statx");
        return;
    }
    if (!(sx.stx_mask & STATX_BTIME) || sx.stx_btime.tv_sec == 0) {
        errno = 0;
        fail("statx", "no birth time in the reply");
        return;
    }
    if ((sx.stx_mode & S_IFMT) != S_IFREG || sx.stx_size != 0) {
        errno = 0;
        fail("statx", "wrong mode or size");
        return;
    }
    pass("statx-btime");
}

static void check_copy_file_range(void) {
    const size_t size = 1 << 20;
    int src = open("cfr.src", O_CREAT | O_RDWR | O_TRUNC, 0644);
    int dst = open("cfr.dst", O_CREAT | O_RDWR | O_TRUNC, 0644);
    if (src < 0 || dst < 0 || fill(src, size, 7) != 0) { fail("copy_file_range", "setup"); return; }
    loff_t in = 4096, out = 0;
    size_t want = 512 * 1024;
    size_t done = 0;
    while (done < want) {
        ssize_t n = copy_file_range(src, &in, dst, &out, want - done, 0);
        if (n <= 0) { fail("copy_file_range", "copy_file_range"); close(src); close(dst); return; }
        done += (size_t) n;
    }
    char a[4096], b[4096];
    for (size_t off = 0; off < want; off += sizeof a) {
        if (pread(src, a, sizeof a, 4096 + off) != (ssize_t) sizeof a || pread(dst, b, sizeof b, off) != (ssize_t) sizeof b
            || memcmp(a, b, sizeof a) != 0) {
            errno = 0;
            fail("copy_file_range", "the copy differs");
            close(src); close(dst);
            return;
        }
    }
    struct stat st;
    fstat(dst, &st);
    if (st.st_size != (off_t) want) { errno = 0; fail("copy_file_range", "wrong size"); } else pass("copy_file_range");
    close(src);
    close(dst);
}

static void check_fallocate_seek(void) {
    int fd = open("holes", O_CREAT | O_RDWR | O_TRUNC, 0644);
    if (fd < 0 || fill(fd, 256 * 1024, 3) != 0) { fail("fallocate", "setup"); return; }
    if (fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 64 * 1024, 64 * 1024) != 0) {
        fail("fallocate-punch", "fallocate");
    } else {
        char c = 1;
        if (pread(fd, &c, 1, 100 * 1024) != 1 || c != 0) { errno = 0; fail("fallocate-punch", "not zero"); }
        else pass("fallocate-punch");
    }
    off_t hole = lseek(fd, 0, SEEK_HOLE);
    off_t data = lseek(fd, 64 * 1024, SEEK_DATA);
    if (hole < 0 || data < 0) fail("lseek-data-hole", "lseek");
    else if (hole > 64 * 1024 || data < 128 * 1024) {
        errno = 0;
        char why[96];
        snprintf(why, sizeof why, "hole at %lld, data at %lld", (long long) hole, (long long) data);
        fail("lseek-data-hole", why);
    } else pass("lseek-data-hole");
    if (fallocate(fd, 0, 0, 1024 * 1024) != 0) fail("fallocate-extend", "fallocate");
    else {
        struct stat st;
        fstat(fd, &st);
        if (st.st_size != 1024 * 1024) { errno = 0; fail("fallocate-extend", "size"); } else pass("fallocate-extend");
    }
    close(fd);
}

static void check_tmpfile(void) {
    int fd = open(".", O_TMPFILE | O_RDWR, 0600);
    if (fd < 0) { fail("o_tmpfile", "open O_TMPFILE"); return; }
    if (write(fd, "tmp", 3) != 3) { fail("o_tmpfile", "write"); close(fd); return; }
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    if (linkat(AT_FDCWD, path, AT_FDCWD, "tmp.linked", AT_SYMLINK_FOLLOW) != 0) { fail("o_tmpfile", "linkat"); close(fd); return; }
    close(fd);
    struct stat st;
    if (stat("tmp.linked", &st) != 0 || st.st_size != 3) fail("o_tmpfile", "stat of the link");
    else pass("o_tmpfile-linkat");
}

static void check_rename2(void) {
    int a = open("r.a", O_CREAT | O_WRONLY | O_TRUNC, 0644), b = open("r.b", O_CREAT | O_WRONLY | O_TRUNC, 0644);
    if (a < 0 || b < 0 || write(a, "a", 1) != 1 || write(b, "bb", 2) != 2) { fail("renameat2", "setup"); return; }
    close(a);
    close(b);
    if (renameat2(AT_FDCWD, "r.a", AT_FDCWD, "r.b", RENAME_EXCHANGE) != 0) fail("renameat2-exchange", "renameat2");
    else {
        struct stat st;
        if (stat("r.a", &st) != 0 || st.st_size != 2) { errno = 0; fail("renameat2-exchange", "not exchanged"); }
        else pass("renameat2-exchange");
    }
    if (renameat2(AT_FDCWD, "r.a", AT_FDCWD, "r.b", RENAME_NOREPLACE) == 0 || errno != EEXIST)
        fail("renameat2-noreplace", "want EEXIST");
    else pass("renameat2-noreplace");
}

static void check_xattr(void) {
    int fd = open("x.f", O_CREAT | O_RDWR | O_TRUNC, 0644);
    if (fd < 0) { fail("xattr", "create"); return; }
    close(fd);
    if (setxattr("x.f", "user.vfj", "value", 5, XATTR_CREATE) != 0) { fail("xattr", "setxattr"); return; }
    char buf[64];
    ssize_t n = getxattr("x.f", "user.vfj", buf, sizeof buf);
    char list[256];
    ssize_t l = listxattr("x.f", list, sizeof list);
    if (n != 5 || memcmp(buf, "value", 5) != 0) { fail("xattr", "getxattr"); return; }
    if (l < 0 || memmem(list, (size_t) l, "user.vfj", 9) == NULL) { fail("xattr", "listxattr"); return; }
    if (removexattr("x.f", "user.vfj") != 0) { fail("xattr", "removexattr"); return; }
    if (getxattr("x.f", "user.vfj", buf, sizeof buf) >= 0 || errno != ENODATA) { fail("xattr", "still there"); return; }
    pass("xattr");
}

static void check_locks(void) {
    int fd = open("lock.f", O_CREAT | O_RDWR, 0644);
    int fd2 = open("lock.f", O_RDWR);
    if (fd < 0 || fd2 < 0) { fail("locks", "open"); return; }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) fail("flock", "flock");
    else if (flock(fd2, LOCK_EX | LOCK_NB) == 0 || errno != EWOULDBLOCK) fail("flock", "second flock got the lock");
    else pass("flock");
    flock(fd, LOCK_UN);
    struct flock lk = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 100 };
    if (fcntl(fd, F_OFD_SETLK, &lk) != 0) { fail("ofd-lock", "F_OFD_SETLK"); close(fd); close(fd2); return; }
    struct flock probe = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 50, .l_len = 10 };
    if (fcntl(fd2, F_OFD_GETLK, &probe) != 0) fail("ofd-lock", "F_OFD_GETLK");
    else if (probe.l_type != F_WRLCK) { errno = 0; fail("ofd-lock", "the conflict was not reported"); }
    else pass("ofd-lock");
    close(fd);
    close(fd2);
}

static void check_times(void) {
    int fd = open("t.f", O_CREAT | O_RDWR, 0644);
    if (fd < 0) { fail("utimensat", "create"); return; }
    close(fd);
    struct timespec ts[2] = { { 1000000000, 123456789 }, { 1100000000, 987654321 } };
    if (utimensat(AT_FDCWD, "t.f", ts, 0) != 0) { fail("utimensat", "utimensat"); return; }
    struct stat st;
    if (stat("t.f", &st) != 0 || st.st_mtim.tv_sec != 1100000000 || st.st_mtim.tv_nsec != 987654321
        || st.st_atim.tv_nsec != 123456789) { errno = 0; fail("utimensat", "times not kept"); return; }
    pass("utimensat-ns");
}

static void check_mmap(void) {
    const size_t size = 64 * 1024;
    int fd = open("m.f", O_CREAT | O_RDWR | O_TRUNC, 0644);
    if (fd < 0 || ftruncate(fd, size) != 0) { fail("mmap-shared", "setup"); return; }
    char *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) { fail("mmap-shared", "mmap"); close(fd); return; }
    for (size_t i = 0; i < size; i++) p[i] = (char) (i & 0x7f);
    if (msync(p, size, MS_SYNC) != 0) { fail("mmap-shared", "msync"); munmap(p, size); close(fd); return; }
    munmap(p, size);
    close(fd);
    fd = open("m.f", O_RDONLY | O_DIRECT);
    void *buf;
    if (fd < 0 || posix_memalign(&buf, 4096, size) != 0) { fail("mmap-shared", "reopen"); return; }
    ssize_t n = pread(fd, buf, size, 0);
    int bad = n != (ssize_t) size;
    for (size_t i = 0; !bad && i < size; i++) bad = ((char *) buf)[i] != (char) (i & 0x7f);
    if (bad) { errno = 0; fail("mmap-shared", "read back (O_DIRECT) differs"); } else pass("mmap-shared-odirect");
    free(buf);
    close(fd);
}

static void check_fifo_and_sync(void) {
    if (mknod("fifo", S_IFIFO | 0644, 0) != 0) fail("mknod-fifo", "mknod");
    else {
        struct stat st;
        if (lstat("fifo", &st) != 0 || !S_ISFIFO(st.st_mode)) { errno = 0; fail("mknod-fifo", "not a fifo"); }
        else pass("mknod-fifo");
    }
    int fd = open(".", O_RDONLY | O_DIRECTORY);
    if (fd < 0 || syncfs(fd) != 0) fail("syncfs", "syncfs"); else pass("syncfs");
    if (fd >= 0) close(fd);
}

static volatile sig_atomic_t release_held;
static void on_term(int sig) { (void) sig; release_held = 1; }

static int hold_mode(const char *dir, int n) {
    int *fds = calloc((size_t) n, sizeof(int));
    char path[4096], want[32], got[32];
    if (!fds) return 1;
    signal(SIGTERM, on_term);
    for (int i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s/h.%d", dir, i);
        fds[i] = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
        int len = snprintf(want, sizeof want, "%d\n", i);
        if (fds[i] < 0 || write(fds[i], want, (size_t) len) != len) { perror(path); return 1; }
    }
    printf("HOLDING %d\n", n);
    fflush(stdout);
    while (!release_held) pause();
    for (int i = 0; i < n; i++) {
        int len = snprintf(want, sizeof want, "%d\n", i);
        memset(got, 0, sizeof got);
        if (pread(fds[i], got, sizeof got - 1, 0) != len || memcmp(got, want, (size_t) len) != 0) {
            printf("HOLD FAIL h.%d read back '%s'\n", i, got);
            return 1;
        }
        close(fds[i]);
    }
    printf("HOLD ok %d\n", n);
    return 0;
}

static int flock_mode(const char *mode, const char *arg) {
    if (strcmp(mode, "flock-fd") == 0) {
        if (flock(atoi(arg), LOCK_EX | LOCK_NB) != 0) { perror("flock"); return 1; }
        return 0;
    }
    int fd = open(arg, O_RDWR);
    if (fd < 0) { perror("open"); return 2; }
    if (flock(fd, LOCK_EX | LOCK_NB) == 0) { flock(fd, LOCK_UN); close(fd); return 0; }
    int busy = errno == EWOULDBLOCK;
    if (!busy) perror("flock");
    close(fd);
    return busy ? 1 : 2;
}

int main(int argc, char **argv) {
    if (argc == 4 && strcmp(argv[1], "hold") == 0) {
        return hold_mode(argv[2], atoi(argv[3]));
    }
    if (argc == 3 && (strcmp(argv[1], "flock-fd") == 0 || strcmp(argv[1], "flock-try") == 0)) {
        return flock_mode(argv[1], argv[2]);
    }
    if (argc != 2 || chdir(argv[1]) != 0) {
        fprintf(stderr, "usage: fsops DIR (an existing directory)\n");
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    check_statx();
    check_copy_file_range();
    check_fallocate_seek();
    check_tmpfile();
    check_rename2();
    check_xattr();
    check_locks();
    check_times();
    check_mmap();
    check_fifo_and_sync();
    printf("fsops: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
