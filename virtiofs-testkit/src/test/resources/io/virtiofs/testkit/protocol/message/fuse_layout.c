/*
 * Prints the layout and the bytes of every FUSE struct virtiofs-java encodes or decodes, as the C
 * compiler lays them out with the kernel's own header (KernelLayoutTest compiles and runs this).
 *
 * For each layout: "layout NAME SIZE", one line per member ("field|pad|str|data NAME OFFSET SIZE"),
 * then "bytes HEX" and "end". The buffer is first filled with position markers (byte i holds
 * i % 127 + 1), padding is zeroed, names and data are copied in, and a few members are set to
 * values the Java records accept (nanoseconds below 10^9, a lock type, counts that match). Host
 * byte order: the Java side checks it runs on a little-endian host.
 *
 * Structs newer than the installed header (FUSE 7.38) are declared here from the FUSE 7.45 field
 * lists, with a _745 suffix.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/fuse.h>

struct fuse_sx_time_745 {
	int64_t tv_sec;
	uint32_t tv_nsec;
	int32_t __reserved;
};

struct fuse_statx_745 {
	uint32_t mask;
	uint32_t blksize;
	uint64_t attributes;
	uint32_t nlink;
	uint32_t uid;
	uint32_t gid;
	uint16_t mode;
	uint16_t __spare0[1];
	uint64_t ino;
	uint64_t size;
	uint64_t blocks;
	uint64_t attributes_mask;
	struct fuse_sx_time_745 atime;
	struct fuse_sx_time_745 btime;
	struct fuse_sx_time_745 ctime;
	struct fuse_sx_time_745 mtime;
	uint32_t rdev_major;
	uint32_t rdev_minor;
	uint32_t dev_major;
	uint32_t dev_minor;
	uint64_t __spare2[14];
};

struct fuse_statx_in_745 {
	uint32_t getattr_flags;
	uint32_t reserved;
	uint64_t fh;
	uint32_t sx_flags;
	uint32_t sx_mask;
};

struct fuse_statx_out_745 {
	uint64_t attr_valid;
	uint32_t attr_valid_nsec;
	uint32_t flags;
	uint64_t spare[2];
	struct fuse_statx_745 stat;
};

struct fuse_init_out_745 {
	uint32_t major;
	uint32_t minor;
	uint32_t max_readahead;
	uint32_t flags;
	uint16_t max_background;
	uint16_t congestion_threshold;
	uint32_t max_write;
	uint32_t time_gran;
	uint16_t max_pages;
	uint16_t map_alignment;
	uint32_t flags2;
	uint32_t max_stack_depth;
	uint16_t request_timeout;
	uint16_t unused[11];
};

struct fuse_open_out_745 {
	uint64_t fh;
	uint32_t open_flags;
	int32_t backing_id;
};

struct fuse_copy_file_range_out_745 {
	uint64_t bytes_copied;
};

struct fuse_notify_prune_out_745 {
	uint32_t count;
	uint32_t padding;
	uint64_t spare;
};

/* FUSE_EXT_GROUPS (7.40). */
#define FUSE_EXT_GROUPS_745 32

struct fuse_supp_groups_745 {
	uint32_t nr_groups;
	uint32_t groups[];
};

/* Messages made of several parts, laid out as the driver concatenates them. */
struct __attribute__((packed)) batch_forget_msg { struct fuse_batch_forget_in in; struct fuse_forget_one one[2]; };
struct __attribute__((packed)) removemapping_msg { struct fuse_removemapping_in in; struct fuse_removemapping_one one[2]; };
struct __attribute__((packed)) lookup_msg { char name[6]; };
struct __attribute__((packed)) symlink_msg { char name[5]; char target[8]; };
struct __attribute__((packed)) mknod_msg { struct fuse_mknod_in in; char name[5]; };
struct __attribute__((packed)) mkdir_msg { struct fuse_mkdir_in in; char name[4]; };
struct __attribute__((packed)) rename_msg { struct fuse_rename_in in; char oldname[4]; char newname[4]; };
struct __attribute__((packed)) rename2_msg { struct fuse_rename2_in in; char oldname[4]; char newname[6]; };
struct __attribute__((packed)) link_msg { struct fuse_link_in in; char name[5]; };
struct __attribute__((packed)) create_msg { struct fuse_create_in in; char name[6]; };
struct __attribute__((packed)) tmpfile_msg { struct fuse_create_in in; char name[2]; };
struct __attribute__((packed)) write_msg { struct fuse_write_in in; char data[5]; };
struct __attribute__((packed)) setxattr_msg { struct fuse_setxattr_in in; char name[7]; char value[3]; };
struct __attribute__((packed)) getxattr_msg { struct fuse_getxattr_in in; char name[7]; };
struct __attribute__((packed)) removexattr_msg { char name[7]; };
struct __attribute__((packed)) ioctl_msg { struct fuse_ioctl_in in; char data[4]; };
struct __attribute__((packed)) notify_reply_msg { struct fuse_notify_retrieve_in in; char data[3]; };
struct __attribute__((packed)) create_out_msg { struct fuse_entry_out entry; struct fuse_open_out_745 open; };
struct __attribute__((packed)) ioctl_out_msg { struct fuse_ioctl_out out; char data[4]; };
struct __attribute__((packed)) inval_entry_msg { struct fuse_notify_inval_entry_out out; char name[5]; };
struct __attribute__((packed)) delete_msg { struct fuse_notify_delete_out out; char name[5]; };
struct __attribute__((packed)) store_msg { struct fuse_notify_store_out out; char data[3]; };
struct __attribute__((packed)) prune_msg { struct fuse_notify_prune_out_745 out; uint64_t nodeid[2]; };

static _Alignas(16) unsigned char buf[4096];
static size_t buf_size;

static void begin(const char *name, size_t size)
{
	if (size > sizeof buf) {
		fprintf(stderr, "%s: %zu bytes\n", name, size);
		exit(1);
	}
	memset(buf, 0, sizeof buf);
	for (size_t i = 0; i < size; i++)
		buf[i] = (unsigned char) (i % 127 + 1);
	buf_size = size;
	printf("layout %s %zu\n", name, size);
}

/* A member's name as the macros stringify it ("entry. attr. ino"), without the spaces. */
static const char *clean(const char *name)
{
	static char cleaned[256];
	size_t n = 0;
	for (; *name != '\0' && n < sizeof cleaned - 1; name++)
		if (*name != ' ')
			cleaned[n++] = *name;
	cleaned[n] = '\0';
	return cleaned;
}

static void field_at(const char *name, size_t offset, size_t size)
{
	printf("field %s %zu %zu\n", clean(name), offset, size);
}

static void pad_at(const char *name, size_t offset, size_t size)
{
	memset(buf + offset, 0, size);
	printf("pad %s %zu %zu\n", clean(name), offset, size);
}

static void bytes_at(const char *kind, const char *name, size_t offset, size_t size, const void *value)
{
	memcpy(buf + offset, value, size);
	printf("%s %s %zu %zu\n", kind, clean(name), offset, size);
}

/* A NUL-terminated string filling the member exactly. */
static void str_at(const char *name, size_t offset, size_t size, const char *value)
{
	if (strlen(value) + 1 != size) {
		fprintf(stderr, "str %s: %zu bytes for \"%s\"\n", name, size, value);
		exit(1);
	}
	bytes_at("str", name, offset, size, value);
}

/* Raw bytes without a NUL filling the member exactly. */
static void data_at(const char *name, size_t offset, size_t size, const char *value)
{
	if (strlen(value) != size) {
		fprintf(stderr, "data %s: %zu bytes for \"%s\"\n", name, size, value);
		exit(1);
	}
	bytes_at("data", name, offset, size, value);
}

static void end(void)
{
	printf("bytes ");
	for (size_t i = 0; i < buf_size; i++)
		printf("%02x", buf[i]);
	printf("\nend\n");
}

#define MEMBER_SIZE(f) sizeof(((T *) 0)->f)
#define F(f) field_at(#f, offsetof(T, f), MEMBER_SIZE(f))
#define P(f) pad_at(#f, offsetof(T, f), MEMBER_SIZE(f))
#define STR(f, s) str_at(#f, offsetof(T, f), MEMBER_SIZE(f), s)
#define DATA(f, s) data_at(#f, offsetof(T, f), MEMBER_SIZE(f), s)
#define SET(f, v) (((T *) buf)->f = (v))
#define GET(f) (((T *) buf)->f)
#define SIMPLE(name) begin(#name, sizeof(T))

#define ATTR(p) F(p.ino); F(p.size); F(p.blocks); F(p.atime); F(p.mtime); F(p.ctime); \
	F(p.atimensec); F(p.mtimensec); F(p.ctimensec); F(p.mode); F(p.nlink); F(p.uid); F(p.gid); \
	F(p.rdev); F(p.blksize); F(p.flags)
#define ATTR_VALUES(p) SET(p.atimensec, 100000001); SET(p.mtimensec, 200000002); SET(p.ctimensec, 300000003)
#define ENTRY_FIELDS(p) F(p nodeid); F(p generation); F(p entry_valid); F(p attr_valid); F(p entry_valid_nsec); \
	F(p attr_valid_nsec); ATTR(p attr)
#define ENTRY_SETS(p) SET(p entry_valid_nsec, 400000004); SET(p attr_valid_nsec, 500000005); ATTR_VALUES(p attr)
/* An entry_out inside another struct (ENTRY(entry)) or the struct itself (ENTRY_TOP). */
#define ENTRY(p) ENTRY_FIELDS(p.); ENTRY_SETS(p.)
#define ENTRY_TOP() ENTRY_FIELDS(); ENTRY_SETS()
#define LOCK(p) F(p.start); F(p.end); F(p.type); F(p.pid)
#define SX_TIME(p) F(p.tv_sec); F(p.tv_nsec); P(p.__reserved)

static void headers(void)
{
	{ typedef struct fuse_in_header T; SIMPLE(in_header);
	  F(len); F(opcode); F(unique); F(nodeid); F(uid); F(gid); F(pid); F(total_extlen); P(padding); end(); }
	{ typedef struct fuse_out_header T; SIMPLE(out_header); F(len); F(error); F(unique); end(); }
}

static void requests(void)
{
	{ typedef struct fuse_init_in T; SIMPLE(init_in);
	  F(major); F(minor); F(max_readahead); F(flags); F(flags2); P(unused);
	  SET(major, 7); SET(minor, 45); SET(flags, GET(flags) | FUSE_INIT_EXT); end(); }
	{ typedef struct lookup_msg T; SIMPLE(lookup); STR(name, "hello"); end(); }
	{ typedef struct fuse_forget_in T; SIMPLE(forget_in); F(nlookup); end(); }
	{ typedef struct batch_forget_msg T; SIMPLE(batch_forget);
	  F(in.count); P(in.dummy); F(one[0].nodeid); F(one[0].nlookup); F(one[1].nodeid); F(one[1].nlookup);
	  SET(in.count, 2); end(); }
	{ typedef struct fuse_getattr_in T; SIMPLE(getattr_in); F(getattr_flags); P(dummy); F(fh); end(); }
	{ typedef struct fuse_setattr_in T; SIMPLE(setattr_in);
	  F(valid); P(padding); F(fh); F(size); F(lock_owner); F(atime); F(mtime); F(ctime); F(atimensec);
	  F(mtimensec); F(ctimensec); F(mode); P(unused4); F(uid); F(gid); P(unused5); end(); }
	{ typedef struct symlink_msg T; SIMPLE(symlink); STR(name, "link"); STR(target, "../file"); end(); }
	{ typedef struct mknod_msg T; SIMPLE(mknod);
	  F(in.mode); F(in.rdev); F(in.umask); P(in.padding); STR(name, "fifo"); end(); }
	{ typedef struct mkdir_msg T; SIMPLE(mkdir); F(in.mode); F(in.umask); STR(name, "dir"); end(); }
	{ typedef struct rename_msg T; SIMPLE(rename);
	  F(in.newdir); STR(oldname, "old"); STR(newname, "new"); end(); }
	{ typedef struct rename2_msg T; SIMPLE(rename2);
	  F(in.newdir); F(in.flags); P(in.padding); STR(oldname, "old"); STR(newname, "other"); end(); }
	{ typedef struct link_msg T; SIMPLE(link); F(in.oldnodeid); STR(name, "hard"); end(); }
	{ typedef struct fuse_open_in T; SIMPLE(open_in); F(flags); F(open_flags); end(); }
	{ typedef struct create_msg T; SIMPLE(create);
	  F(in.flags); F(in.mode); F(in.umask); F(in.open_flags); STR(name, "file1"); end(); }
	{ typedef struct tmpfile_msg T; SIMPLE(tmpfile);
	  F(in.flags); F(in.mode); F(in.umask); F(in.open_flags); STR(name, "/"); end(); }
	{ typedef struct fuse_read_in T; SIMPLE(read_in);
	  F(fh); F(offset); F(size); F(read_flags); F(lock_owner); F(flags); P(padding); end(); }
	{ typedef struct write_msg T; SIMPLE(write);
	  F(in.fh); F(in.offset); F(in.size); F(in.write_flags); F(in.lock_owner); F(in.flags); P(in.padding);
	  DATA(data, "hello"); SET(in.size, 5); end(); }
	{ typedef struct fuse_release_in T; SIMPLE(release_in); F(fh); F(flags); F(release_flags); F(lock_owner); end(); }
	{ typedef struct fuse_fsync_in T; SIMPLE(fsync_in); F(fh); F(fsync_flags); P(padding); end(); }
	{ typedef struct setxattr_msg T; SIMPLE(setxattr);
	  F(in.size); F(in.flags); F(in.setxattr_flags); P(in.padding); STR(name, "user.a"); DATA(value, "abc");
	  SET(in.size, 3); end(); }
	{ typedef struct getxattr_msg T; SIMPLE(getxattr); F(in.size); P(in.padding); STR(name, "user.b"); end(); }
	{ typedef struct fuse_getxattr_in T; SIMPLE(listxattr); F(size); P(padding); end(); }
	{ typedef struct removexattr_msg T; SIMPLE(removexattr); STR(name, "user.c"); end(); }
	{ typedef struct fuse_flush_in T; SIMPLE(flush_in); F(fh); P(unused); P(padding); F(lock_owner); end(); }
	{ typedef struct fuse_lk_in T; SIMPLE(lk_in);
	  F(fh); F(owner); LOCK(lk); F(lk_flags); P(padding); SET(lk.type, 1); end(); }
	{ typedef struct fuse_access_in T; SIMPLE(access_in); F(mask); P(padding); end(); }
	{ typedef struct fuse_interrupt_in T; SIMPLE(interrupt_in); F(unique); end(); }
	{ typedef struct fuse_bmap_in T; SIMPLE(bmap_in); F(block); F(blocksize); P(padding); end(); }
	{ typedef struct ioctl_msg T; SIMPLE(ioctl);
	  F(in.fh); F(in.flags); F(in.cmd); F(in.arg); F(in.in_size); F(in.out_size); DATA(data, "abcd");
	  SET(in.in_size, 4); end(); }
	{ typedef struct fuse_poll_in T; SIMPLE(poll_in); F(fh); F(kh); F(flags); F(events); end(); }
	{ typedef struct notify_reply_msg T; SIMPLE(notify_reply);
	  P(in.dummy1); F(in.offset); F(in.size); P(in.dummy2); P(in.dummy3); P(in.dummy4); DATA(data, "xyz");
	  SET(in.size, 3); end(); }
	{ typedef struct fuse_fallocate_in T; SIMPLE(fallocate_in); F(fh); F(offset); F(length); F(mode); P(padding); end(); }
	{ typedef struct fuse_lseek_in T; SIMPLE(lseek_in); F(fh); F(offset); F(whence); P(padding); end(); }
	{ typedef struct fuse_copy_file_range_in T; SIMPLE(copy_file_range_in);
	  F(fh_in); F(off_in); F(nodeid_out); F(fh_out); F(off_out); F(len); F(flags); end(); }
	{ typedef struct fuse_setupmapping_in T; SIMPLE(setupmapping_in);
	  F(fh); F(foffset); F(len); F(flags); F(moffset); end(); }
	{ typedef struct removemapping_msg T; SIMPLE(removemapping);
	  F(in.count); F(one[0].moffset); F(one[0].len); F(one[1].moffset); F(one[1].len); SET(in.count, 2); end(); }
	{ typedef struct fuse_syncfs_in T; SIMPLE(syncfs_in); P(padding); end(); }
	{ typedef struct fuse_statx_in_745 T; SIMPLE(statx_in);
	  F(getattr_flags); P(reserved); F(fh); F(sx_flags); F(sx_mask); end(); }
}

static void replies(void)
{
	{ typedef struct fuse_init_out_745 T; SIMPLE(init_out);
	  F(major); F(minor); F(max_readahead); F(flags); F(max_background); F(congestion_threshold); F(max_write);
	  F(time_gran); F(max_pages); F(map_alignment); F(flags2); F(max_stack_depth); F(request_timeout); P(unused);
	  SET(major, 7); SET(minor, 45); SET(flags, GET(flags) | FUSE_INIT_EXT); end(); }
	{ typedef struct fuse_entry_out T; SIMPLE(entry_out); ENTRY_TOP(); end(); }
	{ typedef struct fuse_attr_out T; SIMPLE(attr_out);
	  F(attr_valid); F(attr_valid_nsec); P(dummy); ATTR(attr); ATTR_VALUES(attr); end(); }
	{ typedef struct fuse_open_out_745 T; SIMPLE(open_out); F(fh); F(open_flags); F(backing_id); end(); }
	{ typedef struct create_out_msg T; SIMPLE(create_out);
	  ENTRY(entry); F(open.fh); F(open.open_flags); F(open.backing_id); end(); }
	{ typedef struct fuse_write_out T; SIMPLE(write_out); F(size); P(padding); end(); }
	{ typedef struct fuse_statfs_out T; SIMPLE(statfs_out);
	  F(st.blocks); F(st.bfree); F(st.bavail); F(st.files); F(st.ffree); F(st.bsize); F(st.namelen);
	  F(st.frsize); P(st.padding); P(st.spare);
	  SET(st.blocks, 0x7a7b7c7d7e7f7071ULL); SET(st.files, 0x6a6b6c6d6e6f6061ULL); end(); }
	{ typedef struct fuse_getxattr_out T; SIMPLE(getxattr_out); F(size); P(padding); end(); }
	{ typedef struct fuse_lk_out T; SIMPLE(lk_out); LOCK(lk); SET(lk.type, 2); end(); }
	{ typedef struct fuse_bmap_out T; SIMPLE(bmap_out); F(block); end(); }
	{ typedef struct ioctl_out_msg T; SIMPLE(ioctl_out);
	  F(out.result); F(out.flags); F(out.in_iovs); F(out.out_iovs); DATA(data, "data"); end(); }
	{ typedef struct fuse_poll_out T; SIMPLE(poll_out); F(revents); P(padding); end(); }
	{ typedef struct fuse_lseek_out T; SIMPLE(lseek_out); F(offset); end(); }
	{ typedef struct fuse_copy_file_range_out_745 T; SIMPLE(copy_file_range_out); F(bytes_copied); end(); }
	{ typedef struct fuse_statx_out_745 T; SIMPLE(statx_out);
	  F(attr_valid); F(attr_valid_nsec); F(flags); P(spare);
	  F(stat.mask); F(stat.blksize); F(stat.attributes); F(stat.nlink); F(stat.uid); F(stat.gid); F(stat.mode);
	  P(stat.__spare0); F(stat.ino); F(stat.size); F(stat.blocks); F(stat.attributes_mask);
	  SX_TIME(stat.atime); SX_TIME(stat.btime); SX_TIME(stat.ctime); SX_TIME(stat.mtime);
	  F(stat.rdev_major); F(stat.rdev_minor); F(stat.dev_major); F(stat.dev_minor); P(stat.__spare2); end(); }
	{
		typedef struct fuse_dirent T;
		size_t size = FUSE_DIRENT_ALIGN(FUSE_NAME_OFFSET + 5);
		begin("dirent", size);
		F(ino); F(off); F(namelen); F(type);
		data_at("name", FUSE_NAME_OFFSET, 5, "hello");
		pad_at("tail", FUSE_NAME_OFFSET + 5, size - FUSE_NAME_OFFSET - 5);
		SET(namelen, 5);
		end();
	}
	{
		typedef struct fuse_direntplus T;
		size_t size = FUSE_DIRENT_ALIGN(FUSE_NAME_OFFSET_DIRENTPLUS + 7);
		begin("direntplus", size);
		ENTRY(entry_out);
		F(dirent.ino); F(dirent.off); F(dirent.namelen); F(dirent.type);
		data_at("name", FUSE_NAME_OFFSET_DIRENTPLUS, 7, "entry.c");
		pad_at("tail", FUSE_NAME_OFFSET_DIRENTPLUS + 7, size - FUSE_NAME_OFFSET_DIRENTPLUS - 7);
		SET(entry_out.attr.mode, 0100644);
		SET(dirent.ino, GET(entry_out.attr.ino));
		SET(dirent.namelen, 7);
		SET(dirent.type, 8); /* DT_REG */
		end();
	}
}

static void notifications(void)
{
	{ typedef struct fuse_notify_poll_wakeup_out T; SIMPLE(notify_poll); F(kh); end(); }
	{ typedef struct fuse_notify_inval_inode_out T; SIMPLE(notify_inval_inode); F(ino); F(off); F(len); end(); }
	{ typedef struct inval_entry_msg T; SIMPLE(notify_inval_entry);
	  F(out.parent); F(out.namelen); F(out.flags); STR(name, "gone"); SET(out.namelen, 4); end(); }
	{ typedef struct store_msg T; SIMPLE(notify_store);
	  F(out.nodeid); F(out.offset); F(out.size); P(out.padding); DATA(data, "abc"); SET(out.size, 3); end(); }
	{ typedef struct fuse_notify_retrieve_out T; SIMPLE(notify_retrieve);
	  F(notify_unique); F(nodeid); F(offset); F(size); P(padding); end(); }
	{ typedef struct delete_msg T; SIMPLE(notify_delete);
	  F(out.parent); F(out.child); F(out.namelen); P(out.padding); STR(name, "dead"); SET(out.namelen, 4); end(); }
	{ typedef struct prune_msg T; SIMPLE(notify_prune);
	  F(out.count); P(out.padding); P(out.spare); F(nodeid[0]); F(nodeid[1]); SET(out.count, 2); end(); }
}

/* The extension chain as fs/fuse/dir.c builds it: the security context, then the groups. */
static size_t secctx_at(size_t at, int emit_layout, const char *name, const char *context, size_t total)
{
	size_t namesize = strlen(name) + 1;
	size_t ctxlen = strlen(context) + 1;
	size_t entry = FUSE_REC_ALIGN(sizeof(struct fuse_secctx) + namesize + ctxlen);
	size_t size = sizeof(struct fuse_secctx_header) + entry;
	if (!emit_layout)
		return size;
	(void) total;
	struct fuse_secctx_header *header = (struct fuse_secctx_header *) (buf + at);
	struct fuse_secctx *secctx = (struct fuse_secctx *) (buf + at + sizeof *header);
	size_t names = at + sizeof *header + sizeof *secctx;
	field_at("secctx_header.size", at + offsetof(struct fuse_secctx_header, size), 4);
	field_at("secctx_header.nr_secctx", at + offsetof(struct fuse_secctx_header, nr_secctx), 4);
	field_at("secctx.size", at + sizeof *header + offsetof(struct fuse_secctx, size), 4);
	pad_at("secctx.padding", at + sizeof *header + offsetof(struct fuse_secctx, padding), 4);
	str_at("secctx.name", names, namesize, name);
	bytes_at("data", "secctx.context", names + namesize, ctxlen, context);
	pad_at("secctx.tail", names + namesize + ctxlen, at + size - (names + namesize + ctxlen));
	header->size = size;
	header->nr_secctx = 1;
	secctx->size = ctxlen;
	return size;
}

static size_t groups_at(size_t at, int emit_layout)
{
	size_t size = FUSE_REC_ALIGN(sizeof(struct fuse_ext_header) + sizeof(struct fuse_supp_groups_745) + 2 * 4);
	if (!emit_layout)
		return size;
	struct fuse_ext_header *header = (struct fuse_ext_header *) (buf + at);
	struct fuse_supp_groups_745 *groups = (struct fuse_supp_groups_745 *) (buf + at + sizeof *header);
	size_t body = at + sizeof *header;
	field_at("ext_header.size", at + offsetof(struct fuse_ext_header, size), 4);
	field_at("ext_header.type", at + offsetof(struct fuse_ext_header, type), 4);
	field_at("supp_groups.nr_groups", body + offsetof(struct fuse_supp_groups_745, nr_groups), 4);
	field_at("supp_groups.groups[0]", body + offsetof(struct fuse_supp_groups_745, groups), 4);
	field_at("supp_groups.groups[1]", body + offsetof(struct fuse_supp_groups_745, groups) + 4, 4);
	size_t used = sizeof *header + sizeof *groups + 2 * 4;
	pad_at("supp_groups.tail", at + used, size - used);
	header->size = size;
	header->type = FUSE_EXT_GROUPS_745;
	groups->nr_groups = 2;
	return size;
}

static void extensions(void)
{
	const char *name = "security.selinux";
	const char *context = "system_u:object_r:tmp_t:s0";
	size_t secctx = secctx_at(0, 0, name, context, 0);
	size_t groups = groups_at(0, 0);

	begin("ext_secctx", secctx);
	secctx_at(0, 1, name, context, secctx);
	end();
	begin("ext_groups", groups);
	groups_at(0, 1);
	end();
	begin("ext_both", secctx + groups);
	secctx_at(0, 1, name, context, secctx);
	groups_at(secctx, 1);
	end();
}

#define SIZEOF(s) printf("sizeof %s %zu\n", #s, sizeof(struct s))
#define CONST(c) printf("const %s %zu\n", #c, (size_t) (c))

static void sizes(void)
{
	SIZEOF(fuse_in_header); SIZEOF(fuse_out_header); SIZEOF(fuse_attr); SIZEOF(fuse_entry_out);
	SIZEOF(fuse_attr_out); SIZEOF(fuse_init_in); SIZEOF(fuse_init_out_745); SIZEOF(fuse_forget_in);
	SIZEOF(fuse_forget_one); SIZEOF(fuse_batch_forget_in); SIZEOF(fuse_getattr_in); SIZEOF(fuse_setattr_in);
	SIZEOF(fuse_mknod_in); SIZEOF(fuse_mkdir_in); SIZEOF(fuse_rename_in); SIZEOF(fuse_rename2_in);
	SIZEOF(fuse_link_in); SIZEOF(fuse_open_in); SIZEOF(fuse_create_in); SIZEOF(fuse_open_out_745);
	SIZEOF(fuse_release_in); SIZEOF(fuse_flush_in); SIZEOF(fuse_read_in); SIZEOF(fuse_write_in);
	SIZEOF(fuse_write_out); SIZEOF(fuse_statfs_out); SIZEOF(fuse_fsync_in); SIZEOF(fuse_setxattr_in);
	SIZEOF(fuse_getxattr_in); SIZEOF(fuse_getxattr_out); SIZEOF(fuse_file_lock); SIZEOF(fuse_lk_in);
	SIZEOF(fuse_lk_out); SIZEOF(fuse_access_in); SIZEOF(fuse_interrupt_in); SIZEOF(fuse_bmap_in);
	SIZEOF(fuse_bmap_out); SIZEOF(fuse_ioctl_in); SIZEOF(fuse_ioctl_out); SIZEOF(fuse_poll_in);
	SIZEOF(fuse_poll_out); SIZEOF(fuse_notify_poll_wakeup_out); SIZEOF(fuse_fallocate_in);
	SIZEOF(fuse_notify_inval_inode_out); SIZEOF(fuse_notify_inval_entry_out); SIZEOF(fuse_notify_delete_out);
	SIZEOF(fuse_notify_store_out); SIZEOF(fuse_notify_retrieve_out); SIZEOF(fuse_notify_retrieve_in);
	SIZEOF(fuse_notify_prune_out_745); SIZEOF(fuse_lseek_in); SIZEOF(fuse_lseek_out);
	SIZEOF(fuse_copy_file_range_in); SIZEOF(fuse_copy_file_range_out_745); SIZEOF(fuse_setupmapping_in);
	SIZEOF(fuse_removemapping_in); SIZEOF(fuse_removemapping_one); SIZEOF(fuse_syncfs_in);
	SIZEOF(fuse_statx_in_745); SIZEOF(fuse_statx_out_745); SIZEOF(fuse_statx_745); SIZEOF(fuse_secctx);
	SIZEOF(fuse_secctx_header); SIZEOF(fuse_ext_header);
	CONST(FUSE_COMPAT_ENTRY_OUT_SIZE); CONST(FUSE_COMPAT_ATTR_OUT_SIZE); CONST(FUSE_COMPAT_MKNOD_IN_SIZE);
	CONST(FUSE_COMPAT_WRITE_IN_SIZE); CONST(FUSE_COMPAT_STATFS_SIZE); CONST(FUSE_COMPAT_SETXATTR_IN_SIZE);
	CONST(FUSE_COMPAT_INIT_OUT_SIZE); CONST(FUSE_COMPAT_22_INIT_OUT_SIZE); CONST(FUSE_NAME_OFFSET);
	CONST(FUSE_NAME_OFFSET_DIRENTPLUS); CONST(FUSE_MAX_NR_SECCTX); CONST(FUSE_EXT_GROUPS_745);
	CONST(FUSE_KERNEL_MINOR_VERSION);
}

int main(void)
{
	headers();
	requests();
	replies();
	notifications();
	extensions();
	sizes();
	return 0;
}
