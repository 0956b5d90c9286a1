/*
 * bare-fuse-server: the least a FUSE server can do, as a yardstick for mount-bench.sh. It mounts
 * a read-only directory of two files that live in memory and answers the kernel with nothing
 * between the transport and the reply: no library, no locks, no allocation per request.
 *
 *   bare-fuse-server [--io-uring] [--threads N] [--depth D] [--ring-flags F] MOUNTPOINT
 *
 *   MOUNTPOINT/fstat-target   empty file (the fstat row opens it and calls fstat(2) in a loop)
 *   MOUNTPOINT/fio.dat        512 MiB file (the fio rows read it), all of it in memory: a read
 *                             copies from where the file's bytes are, as any server's would
 *
 * Over /dev/fuse (the default) one thread per CPU (--threads) sleeps in read(2) on its own cloned
 * descriptor, handles the request and writes the reply with one writev(2) from the file's memory.
 *
 * With --io-uring the connection asks for FUSE over io_uring in FUSE_INIT; once the kernel has
 * taken the INIT reply, one thread per possible CPU, pinned to that CPU, makes its own ring,
 * registers D entries (--depth, default 16) for the queue of that CPU and then answers what
 * arrives: every reply of a batch is committed with the fetch of the entry's next request
 * (FUSE_IO_URING_CMD_COMMIT_AND_FETCH), all in the io_uring_enter(2) that waits for the next
 * batch. --ring-flags gives io_uring_setup's flags as a number (default SINGLE_ISSUER |
 * DEFER_TASKRUN; SQE128 is always added). FUSE_INIT, forgets and interrupts still come over
 * /dev/fuse, to one thread.
 *
 * Everything not needed to open, stat and read those files is answered ENOSYS (FORGET and
 * INTERRUPT get no answer). Attributes and names are not cached by the kernel (timeouts 0), as
 * mount-bench.sh runs every server. The process ends when the file system is unmounted.
 *
 * Written from the kernel's <linux/fuse.h> (protocol 7.42 or later for FUSE over io_uring).
 * Build: gcc -O2 -pthread -o bare-fuse-server bare-fuse-server.c -luring
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <linux/fuse.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#define MAX_WRITE (1u << 20)          /* offered max_write; also the largest READ */
#define READ_BUFFER (MAX_WRITE + 4096) /* a /dev/fuse request buffer */
#define FIO_SIZE (512ull << 20)        /* the content of fio.dat, in memory */

#ifndef FUSE_OVER_IO_URING
#define URING_BUILT 0
#else
#define URING_BUILT 1
#endif

enum { ROOT = FUSE_ROOT_ID, FSTAT_TARGET = 2, FIO_DAT = 3 };

static unsigned char *data;
static int session_fd;
static int use_uring;
static int depth = 16;
static unsigned ring_flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
static volatile int uring_granted;

static void die(const char *what) {
    fprintf(stderr, "bare-fuse-server: %s: %s\n", what, strerror(errno));
    exit(1);
}

/* A reply body: none, or one piece of memory (the small reply below, or the file's bytes). */
struct body {
    struct iovec iov[1];
    int count;
    union { /* room for the small replies */
        struct fuse_init_out init;
        struct fuse_entry_out entry;
        struct fuse_attr_out attr;
        struct fuse_open_out open;
        struct fuse_statfs_out statfs;
    } small;
};

static void set_small(struct body *b, size_t size) {
    b->iov[0].iov_base = &b->small;
    b->iov[0].iov_len = size;
    b->count = 1;
}

static int fill_attr(uint64_t ino, struct fuse_attr *a) {
    memset(a, 0, sizeof *a);
    a->ino = ino;
    a->blksize = 4096;
    a->nlink = 1;
    switch (ino) {
    case ROOT: a->mode = S_IFDIR | 0755; a->nlink = 2; break;
    case FSTAT_TARGET: a->mode = S_IFREG | 0644; break;
    case FIO_DAT: a->mode = S_IFREG | 0644; a->size = FIO_SIZE; a->blocks = FIO_SIZE / 512; break;
    default: return -ENOENT;
    }
    return 0;
}

static int reply_init(const struct fuse_init_in *in, struct body *b) {
    struct fuse_init_out *out = &b->small.init;
    memset(out, 0, sizeof *out);
    out->major = FUSE_KERNEL_VERSION;
    out->minor = in->minor < FUSE_KERNEL_MINOR_VERSION ? in->minor : FUSE_KERNEL_MINOR_VERSION;
    if (in->major != FUSE_KERNEL_VERSION) {
        set_small(b, sizeof *out); /* the kernel asks again with our major */
        return 0;
    }
    out->max_readahead = in->max_readahead;
    uint32_t want = FUSE_ASYNC_READ | FUSE_BIG_WRITES | FUSE_MAX_PAGES | FUSE_PARALLEL_DIROPS | FUSE_ASYNC_DIO
        | FUSE_INIT_EXT;
    out->flags = in->flags & want;
#if URING_BUILT
    if (use_uring && (in->flags & FUSE_INIT_EXT) && (in->flags2 & (FUSE_OVER_IO_URING >> 32))) {
        out->flags2 = FUSE_OVER_IO_URING >> 32;
        uring_granted = 1;
    }
#endif
    out->max_background = 64;
    out->congestion_threshold = 48;
    out->max_write = MAX_WRITE;
    out->time_gran = 1;
    out->max_pages = MAX_WRITE / 4096;
    set_small(b, out->minor < 23 ? FUSE_COMPAT_22_INIT_OUT_SIZE : sizeof *out);
    return 0;
}

static int reply_lookup(uint64_t parent, const char *name, struct body *b) {
    if (parent != ROOT) return -ENOENT;
    uint64_t ino;
    if (strcmp(name, "fstat-target") == 0) ino = FSTAT_TARGET;
    else if (strcmp(name, "fio.dat") == 0) ino = FIO_DAT;
    else return -ENOENT;
    struct fuse_entry_out *e = &b->small.entry;
    memset(e, 0, sizeof *e);
    e->nodeid = ino;
    fill_attr(ino, &e->attr);
    set_small(b, sizeof *e);
    return 0;
}

static int reply_read(uint64_t ino, const struct fuse_read_in *in, struct body *b) {
    if (ino != FIO_DAT) return ino == FSTAT_TARGET ? (b->count = 0, 0) : -EISDIR;
    uint64_t size = in->size > MAX_WRITE ? MAX_WRITE : in->size;
    if (in->offset >= FIO_SIZE) size = 0;
    else if (size > FIO_SIZE - in->offset) size = FIO_SIZE - in->offset;
    b->iov[0].iov_base = data + (size ? in->offset : 0);
    b->iov[0].iov_len = size;
    b->count = 1;
    return 0;
}

/*
 * Handles one request: its header, the operation's own header (op) and what follows it (rest,
 * or NULL when it directly follows op). Returns 1 with *error and the body set, or 0 when the
 * request gets no reply.
 */
static int handle(const struct fuse_in_header *in, const void *op, const char *rest, int *error, struct body *b) {
    b->count = 0;
    *error = 0;
    switch (in->opcode) {
    case FUSE_INIT:
        *error = reply_init(op, b);
        return 1;
    case FUSE_LOOKUP:
        *error = reply_lookup(in->nodeid, rest ? rest : (const char *) op, b);
        return 1;
    case FUSE_GETATTR:
        *error = fill_attr(in->nodeid, &b->small.attr.attr);
        b->small.attr.attr_valid = 0;
        b->small.attr.attr_valid_nsec = 0;
        b->small.attr.dummy = 0;
        set_small(b, sizeof b->small.attr);
        return 1;
    case FUSE_OPEN:
    case FUSE_OPENDIR:
        memset(&b->small.open, 0, sizeof b->small.open);
        set_small(b, sizeof b->small.open);
        return 1;
    case FUSE_READ:
        *error = reply_read(in->nodeid, op, b);
        return 1;
    case FUSE_READDIR:   /* an empty listing: mount-bench never lists this directory */
    case FUSE_RELEASE:
    case FUSE_RELEASEDIR:
    case FUSE_FLUSH:
    case FUSE_DESTROY:
        return 1;
    case FUSE_STATFS:
        memset(&b->small.statfs, 0, sizeof b->small.statfs);
        b->small.statfs.st.bsize = 4096;
        b->small.statfs.st.frsize = 4096;
        b->small.statfs.st.namelen = 255;
        set_small(b, sizeof b->small.statfs);
        return 1;
    case FUSE_FORGET:
    case FUSE_BATCH_FORGET:
    case FUSE_INTERRUPT:
        return 0;
    default:
        *error = -ENOSYS;
        return 1;
    }
}

static void *ring_queue(void *arg);

/* After the INIT reply went in: FUSE over io_uring starts one pinned ring thread per possible CPU. */
static void start_rings(void) {
    long cpus = sysconf(_SC_NPROCESSORS_CONF);
    for (long qid = 0; qid < cpus; qid++) {
        pthread_t t;
        if (pthread_create(&t, NULL, ring_queue, (void *) qid) != 0) die("pthread_create");
        pthread_detach(t);
    }
}

/* One /dev/fuse thread: read, handle, writev, until the connection goes away. */
static void *device_worker(void *arg) {
    int fd = (int) (intptr_t) arg;
    char *buffer = aligned_alloc(4096, READ_BUFFER);
    struct body b;
    if (!buffer) die("aligned_alloc");
    for (;;) {
        ssize_t n = read(fd, buffer, READ_BUFFER);
        if (n < 0) {
            if (errno == ENOENT || errno == EINTR || errno == EAGAIN) continue; /* interrupted request */
            if (errno == ENODEV) exit(0);                                       /* unmounted */
            die("read /dev/fuse");
        }
        if ((size_t) n < sizeof(struct fuse_in_header)) continue;
        const struct fuse_in_header *in = (const void *) buffer;
        int error;
        if (!handle(in, buffer + sizeof *in, NULL, &error, &b)) continue;
        struct fuse_out_header out = { .unique = in->unique, .error = error };
        struct iovec iov[2] = { { &out, sizeof out } };
        int count = 1;
        if (!error) {
            for (int i = 0; i < b.count; i++) iov[count++] = b.iov[i];
        }
        out.len = 0;
        for (int i = 0; i < count; i++) out.len += iov[i].iov_len;
        int init = in->opcode == FUSE_INIT;
        if (writev(fd, iov, count) < 0 && errno != ENOENT) {
            if (errno == ENODEV) exit(0);
            die("writev /dev/fuse");
        }
        if (init && uring_granted) start_rings(); /* the kernel has taken the INIT reply */
    }
    return NULL;
}

#if URING_BUILT
struct ring_entry {
    struct fuse_uring_req_header *header;
    char *payload;
    struct iovec iov[2];
};

static void queue_command(struct io_uring *ring, struct ring_entry *e, int index, int command, uint64_t commit_id,
                          int qid) {
    struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
    if (!sqe) {
        fprintf(stderr, "bare-fuse-server: submission ring full\n");
        exit(1);
    }
    io_uring_prep_rw(IORING_OP_URING_CMD, sqe, session_fd, e->iov, 2, 0);
    sqe->cmd_op = command;
    struct fuse_uring_cmd_req *req = (struct fuse_uring_cmd_req *) sqe->cmd;
    memset(req, 0, sizeof *req);
    req->commit_id = commit_id;
    req->qid = qid;
    io_uring_sqe_set_data64(sqe, index);
}

/* Answers the request in entry e: the reply's header into the entry's header, its body into the payload. */
static void answer(struct ring_entry *e, struct body *b) {
    struct fuse_uring_req_header *h = e->header;
    const struct fuse_in_header *in = (const void *) h->in_out;
    struct fuse_in_header request = *in;
    int error;
    uint32_t size = 0;
    if (!handle(&request, h->op_in, e->payload, &error, b)) error = -EIO; /* the kernel waits for an answer */
    if (!error) {
        for (int i = 0; i < b->count; i++) {
            memcpy(e->payload + size, b->iov[i].iov_base, b->iov[i].iov_len);
            size += b->iov[i].iov_len;
        }
    }
    struct fuse_out_header *out = (void *) h->in_out;
    out->len = sizeof *out + size;
    out->error = error;
    out->unique = request.unique;
    h->ring_ent_in_out.payload_sz = size;
}

static void *ring_queue(void *arg) {
    int qid = (int) (intptr_t) arg;
    cpu_set_t cpu;
    CPU_ZERO(&cpu);
    CPU_SET(qid, &cpu);
    if (sched_setaffinity(0, sizeof cpu, &cpu) != 0) fprintf(stderr, "bare-fuse-server: queue %d unpinned\n", qid);
    struct io_uring ring;
    struct io_uring_params params = { .flags = ring_flags | IORING_SETUP_SQE128 };
    int rc = io_uring_queue_init_params(2 * depth, &ring, &params);
    if (rc < 0) {
        errno = -rc;
        die("io_uring_queue_init");
    }
    struct ring_entry *entries = calloc(depth, sizeof *entries);
    struct body b;
    for (int i = 0; i < depth; i++) {
        entries[i].header = aligned_alloc(64, sizeof(struct fuse_uring_req_header));
        entries[i].payload = mmap(NULL, MAX_WRITE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (!entries[i].header || entries[i].payload == MAP_FAILED) die("ring buffers");
        entries[i].iov[0] = (struct iovec) { entries[i].header, sizeof(struct fuse_uring_req_header) };
        entries[i].iov[1] = (struct iovec) { entries[i].payload, MAX_WRITE };
        queue_command(&ring, &entries[i], i, FUSE_IO_URING_CMD_REGISTER, 0, qid);
    }
    for (;;) {
        rc = io_uring_submit_and_wait(&ring, 1);
        if (rc < 0 && rc != -EINTR) {
            errno = -rc;
            die("io_uring_submit_and_wait");
        }
        struct io_uring_cqe *cqe;
        unsigned head, seen = 0;
        io_uring_for_each_cqe(&ring, head, cqe) {
            seen++;
            int index = (int) cqe->user_data;
            struct ring_entry *e = &entries[index];
            if (cqe->res == -EAGAIN) { /* registered before the kernel finished INIT: again */
                queue_command(&ring, e, index, FUSE_IO_URING_CMD_REGISTER, 0, qid);
                continue;
            }
            if (cqe->res < 0) {
                if (cqe->res == -ENOTCONN || cqe->res == -ECONNABORTED || cqe->res == -ECANCELED) return NULL;
                fprintf(stderr, "bare-fuse-server: queue %d entry %d: %s\n", qid, index, strerror(-cqe->res));
                exit(1);
            }
            answer(e, &b);
            queue_command(&ring, e, index, FUSE_IO_URING_CMD_COMMIT_AND_FETCH, e->header->ring_ent_in_out.commit_id,
                          qid);
        }
        io_uring_cq_advance(&ring, seen);
    }
}
#else
static void *ring_queue(void *arg) {
    (void) arg;
    return NULL;
}
#endif

int main(int argc, char **argv) {
    int threads = (int) sysconf(_SC_NPROCESSORS_ONLN);
    const char *mountpoint = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--io-uring") == 0) use_uring = 1;
        else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc) threads = atoi(argv[++i]);
        else if (strcmp(argv[i], "--depth") == 0 && i + 1 < argc) depth = atoi(argv[++i]);
        else if (strcmp(argv[i], "--ring-flags") == 0 && i + 1 < argc) ring_flags = strtoul(argv[++i], NULL, 0);
        else if (argv[i][0] != '-' && !mountpoint) mountpoint = argv[i];
        else {
            fprintf(stderr, "usage: %s [--io-uring] [--threads N] [--depth D] [--ring-flags F] MOUNTPOINT\n", argv[0]);
            return 2;
        }
    }
    if (!mountpoint || threads < 1 || depth < 1 || depth > 4096) {
        fprintf(stderr, "usage: %s [--io-uring] [--threads N] [--depth D] [--ring-flags F] MOUNTPOINT\n", argv[0]);
        return 2;
    }
    if (use_uring && !URING_BUILT) {
        fprintf(stderr, "bare-fuse-server: built without FUSE over io_uring (<linux/fuse.h> older than 7.42)\n");
        return 2;
    }
    if (use_uring) threads = 1; /* /dev/fuse carries only INIT, forgets and interrupts */
    data = malloc(FIO_SIZE);
    if (!data) die("malloc");
    for (uint64_t i = 0; i < FIO_SIZE; i += 8) { /* every page touched: the memory is there before the first read */
        uint64_t word = i * 0x9E3779B97F4A7C15ull;
        memcpy(data + i, &word, 8);
    }

    session_fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
    if (session_fd < 0) die("open /dev/fuse");
    char options[128];
    snprintf(options, sizeof options, "fd=%d,rootmode=40000,user_id=0,group_id=0,allow_other", session_fd);
    if (mount("bare-fuse", mountpoint, "fuse.bare", MS_NOSUID | MS_NODEV, options) != 0) die("mount");

    pthread_t worker;
    for (int i = 1; i < threads; i++) {
        int fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
        uint32_t session = session_fd;
        if (fd < 0 || ioctl(fd, FUSE_DEV_IOC_CLONE, &session) != 0) die("FUSE_DEV_IOC_CLONE");
        if (pthread_create(&worker, NULL, device_worker, (void *) (intptr_t) fd) != 0) die("pthread_create");
    }
    device_worker((void *) (intptr_t) session_fd); /* exits the process when unmounted */
    return 0;
}
