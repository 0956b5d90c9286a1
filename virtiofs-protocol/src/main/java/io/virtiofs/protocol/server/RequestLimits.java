package io.virtiofs.protocol.server;

import io.virtiofs.protocol.MalformedRequestException;

/**
 * The sizes a session's requests may name, from what FUSE_INIT settled; a request beyond them is
 * malformed ({@code EINVAL}), checked as it is decoded, before any buffer is sized from it.
 *
 * <p>A driver sizes reads, directory listings and ioctl buffers in its own pages, up to
 * {@code max_pages} of them ({@value #DEFAULT_MAX_PAGES} without FUSE_MAX_PAGES, the Linux
 * default). The server does not know the driver's page size, so the data limit allows the
 * largest page Linux uses on the architectures that run virtio-fs and FUSE, 64 KiB: with the
 * default 256 pages, 16 MiB. Writes carry their data, and the driver never sends more than
 * {@code max_write}. File offsets of reads and writes are non-negative and the range must not run
 * past 2^63 - 1 (Linux refuses such calls before they reach FUSE).
 *
 * @param maxData the most bytes a READ, READDIR, READDIRPLUS or IOCTL may ask for or carry
 * @param maxWrite the most bytes a WRITE may carry
 */
record RequestLimits(int maxData, int maxWrite) {

    /** FUSE_DEFAULT_MAX_PAGES_PER_REQ: a driver's max_pages without FUSE_MAX_PAGES. */
    static final int DEFAULT_MAX_PAGES = 32;
    /** The largest page size of the drivers served (arm64, ppc64 with 64 KiB pages). */
    static final int LARGEST_PAGE = 64 * 1024;

    /** Before INIT: only INIT is served, and it names no data size. */
    static final RequestLimits BEFORE_INIT = new RequestLimits(DEFAULT_MAX_PAGES * LARGEST_PAGE, 0);

    /** The limits of a session that settled {@code negotiation}. */
    static RequestLimits of(Negotiation negotiation) {
        int pages = Math.max(negotiation.maxPages(), DEFAULT_MAX_PAGES);
        return new RequestLimits((int) Math.min(Integer.MAX_VALUE, (long) pages * LARGEST_PAGE), negotiation.maxWrite());
    }

    /** Checks a size (unsigned) a request asks data for. */
    void checkData(String what, int size) {
        if (Integer.compareUnsigned(size, maxData) > 0) {
            throw MalformedRequestException.invalid(what + " " + Integer.toUnsignedString(size)
                    + " exceeds the session's limit of " + maxData + " bytes");
        }
    }

    /** Checks the size (unsigned) of a write's data. */
    void checkWrite(int size) {
        if (Integer.compareUnsigned(size, maxWrite) > 0) {
            throw MalformedRequestException.invalid("write of " + Integer.toUnsignedString(size)
                    + " bytes exceeds max_write " + maxWrite);
        }
    }

    /** Checks a file range a read or write names: from a non-negative offset, not past 2^63 - 1. */
    static void checkRange(String what, long offset, int size) {
        if (offset < 0 || Integer.toUnsignedLong(size) > Long.MAX_VALUE - offset) {
            throw MalformedRequestException.invalid(what + " at offset " + Long.toUnsignedString(offset) + " of "
                    + Integer.toUnsignedString(size) + " bytes is outside 0..2^63-1");
        }
    }
}
