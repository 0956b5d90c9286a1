package io.virtiofs.api;

import java.util.Optional;

/**
 * A Linux error number, as a value: the code a FUSE reply carries (negated) in
 * {@code fuse_out_header.error}.
 *
 * <p>Every code from 1 to {@value #MAX_CODE} has exactly one instance, so errnos compare with
 * {@code ==} as well as {@link #equals}. The Linux errnos have named constants; {@link #of(int)}
 * returns the instance for any code in range, named or not.
 *
 * <p>A file system signals an error by throwing {@link ErrnoException} with one of these.
 */
public final class Errno {

    /** The largest error code FUSE accepts in a reply (the kernel rejects larger ones). */
    public static final int MAX_CODE = 4095;

    private static final Errno[] BY_CODE = new Errno[MAX_CODE + 1];

    /** Operation not permitted. */
    public static final Errno EPERM = define(1, "EPERM", "Operation not permitted");
    /** No such file or directory. */
    public static final Errno ENOENT = define(2, "ENOENT", "No such file or directory");
    /** No such process. */
    public static final Errno ESRCH = define(3, "ESRCH", "No such process");
    /** Interrupted system call. */
    public static final Errno EINTR = define(4, "EINTR", "Interrupted system call");
    /** I/O error. */
    public static final Errno EIO = define(5, "EIO", "I/O error");
    /** No such device or address. */
    public static final Errno ENXIO = define(6, "ENXIO", "No such device or address");
    /** Argument list too long. */
    public static final Errno E2BIG = define(7, "E2BIG", "Argument list too long");
    /** Exec format error. */
    public static final Errno ENOEXEC = define(8, "ENOEXEC", "Exec format error");
    /** Bad file number. */
    public static final Errno EBADF = define(9, "EBADF", "Bad file number");
    /** No child processes. */
    public static final Errno ECHILD = define(10, "ECHILD", "No child processes");
    /** Try again. */
    public static final Errno EAGAIN = define(11, "EAGAIN", "Try again");
    /** Out of memory. */
    public static final Errno ENOMEM = define(12, "ENOMEM", "Out of memory");
    /** Permission denied. */
    public static final Errno EACCES = define(13, "EACCES", "Permission denied");
    /** Bad address. */
    public static final Errno EFAULT = define(14, "EFAULT", "Bad address");
    /** Block device required. */
    public static final Errno ENOTBLK = define(15, "ENOTBLK", "Block device required");
    /** Device or resource busy. */
    public static final Errno EBUSY = define(16, "EBUSY", "Device or resource busy");
    /** File exists. */
    public static final Errno EEXIST = define(17, "EEXIST", "File exists");
    /** Cross-device link. */
    public static final Errno EXDEV = define(18, "EXDEV", "Cross-device link");
    /** No such device. */
    public static final Errno ENODEV = define(19, "ENODEV", "No such device");
    /** Not a directory. */
    public static final Errno ENOTDIR = define(20, "ENOTDIR", "Not a directory");
    /** Is a directory. */
    public static final Errno EISDIR = define(21, "EISDIR", "Is a directory");
    /** Invalid argument. */
    public static final Errno EINVAL = define(22, "EINVAL", "Invalid argument");
    /** File table overflow. */
    public static final Errno ENFILE = define(23, "ENFILE", "File table overflow");
    /** Too many open files. */
    public static final Errno EMFILE = define(24, "EMFILE", "Too many open files");
    /** Not a typewriter. */
    public static final Errno ENOTTY = define(25, "ENOTTY", "Not a typewriter");
    /** Text file busy. */
    public static final Errno ETXTBSY = define(26, "ETXTBSY", "Text file busy");
    /** File too large. */
    public static final Errno EFBIG = define(27, "EFBIG", "File too large");
    /** No space left on device. */
    public static final Errno ENOSPC = define(28, "ENOSPC", "No space left on device");
    /** Illegal seek. */
    public static final Errno ESPIPE = define(29, "ESPIPE", "Illegal seek");
    /** Read-only file system. */
    public static final Errno EROFS = define(30, "EROFS", "Read-only file system");
    /** Too many links. */
    public static final Errno EMLINK = define(31, "EMLINK", "Too many links");
    /** Broken pipe. */
    public static final Errno EPIPE = define(32, "EPIPE", "Broken pipe");
    /** Math argument out of domain of func. */
    public static final Errno EDOM = define(33, "EDOM", "Math argument out of domain of func");
    /** Math result not representable. */
    public static final Errno ERANGE = define(34, "ERANGE", "Math result not representable");
    /** Resource deadlock would occur. */
    public static final Errno EDEADLK = define(35, "EDEADLK", "Resource deadlock would occur");
    /** File name too long. */
    public static final Errno ENAMETOOLONG = define(36, "ENAMETOOLONG", "File name too long");
    /** No record locks available. */
    public static final Errno ENOLCK = define(37, "ENOLCK", "No record locks available");
    /** Invalid system call number. */
    public static final Errno ENOSYS = define(38, "ENOSYS", "Invalid system call number");
    /** Directory not empty. */
    public static final Errno ENOTEMPTY = define(39, "ENOTEMPTY", "Directory not empty");
    /** Too many symbolic links encountered. */
    public static final Errno ELOOP = define(40, "ELOOP", "Too many symbolic links encountered");
    /** No message of desired type. */
    public static final Errno ENOMSG = define(42, "ENOMSG", "No message of desired type");
    /** Identifier removed. */
    public static final Errno EIDRM = define(43, "EIDRM", "Identifier removed");
    /** Channel number out of range. */
    public static final Errno ECHRNG = define(44, "ECHRNG", "Channel number out of range");
    /** Level 2 not synchronized. */
    public static final Errno EL2NSYNC = define(45, "EL2NSYNC", "Level 2 not synchronized");
    /** Level 3 halted. */
    public static final Errno EL3HLT = define(46, "EL3HLT", "Level 3 halted");
    /** Level 3 reset. */
    public static final Errno EL3RST = define(47, "EL3RST", "Level 3 reset");
    /** Link number out of range. */
    public static final Errno ELNRNG = define(48, "ELNRNG", "Link number out of range");
    /** Protocol driver not attached. */
    public static final Errno EUNATCH = define(49, "EUNATCH", "Protocol driver not attached");
    /** No CSI structure available. */
    public static final Errno ENOCSI = define(50, "ENOCSI", "No CSI structure available");
    /** Level 2 halted. */
    public static final Errno EL2HLT = define(51, "EL2HLT", "Level 2 halted");
    /** Invalid exchange. */
    public static final Errno EBADE = define(52, "EBADE", "Invalid exchange");
    /** Invalid request descriptor. */
    public static final Errno EBADR = define(53, "EBADR", "Invalid request descriptor");
    /** Exchange full. */
    public static final Errno EXFULL = define(54, "EXFULL", "Exchange full");
    /** No anode. */
    public static final Errno ENOANO = define(55, "ENOANO", "No anode");
    /** Invalid request code. */
    public static final Errno EBADRQC = define(56, "EBADRQC", "Invalid request code");
    /** Invalid slot. */
    public static final Errno EBADSLT = define(57, "EBADSLT", "Invalid slot");
    /** Bad font file format. */
    public static final Errno EBFONT = define(59, "EBFONT", "Bad font file format");
    /** Device not a stream. */
    public static final Errno ENOSTR = define(60, "ENOSTR", "Device not a stream");
    /** No data available. */
    public static final Errno ENODATA = define(61, "ENODATA", "No data available");
    /** Timer expired. */
    public static final Errno ETIME = define(62, "ETIME", "Timer expired");
    /** Out of streams resources. */
    public static final Errno ENOSR = define(63, "ENOSR", "Out of streams resources");
    /** Machine is not on the network. */
    public static final Errno ENONET = define(64, "ENONET", "Machine is not on the network");
    /** Package not installed. */
    public static final Errno ENOPKG = define(65, "ENOPKG", "Package not installed");
    /** Object is remote. */
    public static final Errno EREMOTE = define(66, "EREMOTE", "Object is remote");
    /** Link has been severed. */
    public static final Errno ENOLINK = define(67, "ENOLINK", "Link has been severed");
    /** Advertise error. */
    public static final Errno EADV = define(68, "EADV", "Advertise error");
    /** Srmount error. */
    public static final Errno ESRMNT = define(69, "ESRMNT", "Srmount error");
    /** Communication error on send. */
    public static final Errno ECOMM = define(70, "ECOMM", "Communication error on send");
    /** Protocol error. */
    public static final Errno EPROTO = define(71, "EPROTO", "Protocol error");
    /** Multihop attempted. */
    public static final Errno EMULTIHOP = define(72, "EMULTIHOP", "Multihop attempted");
    /** RFS specific error. */
    public static final Errno EDOTDOT = define(73, "EDOTDOT", "RFS specific error");
    /** Not a data message. */
    public static final Errno EBADMSG = define(74, "EBADMSG", "Not a data message");
    /** Value too large for defined data type. */
    public static final Errno EOVERFLOW = define(75, "EOVERFLOW", "Value too large for defined data type");
    /** Name not unique on network. */
    public static final Errno ENOTUNIQ = define(76, "ENOTUNIQ", "Name not unique on network");
    /** File descriptor in bad state. */
    public static final Errno EBADFD = define(77, "EBADFD", "File descriptor in bad state");
    /** Remote address changed. */
    public static final Errno EREMCHG = define(78, "EREMCHG", "Remote address changed");
    /** Can not access a needed shared library. */
    public static final Errno ELIBACC = define(79, "ELIBACC", "Can not access a needed shared library");
    /** Accessing a corrupted shared library. */
    public static final Errno ELIBBAD = define(80, "ELIBBAD", "Accessing a corrupted shared library");
    /** .lib section in a.out corrupted. */
    public static final Errno ELIBSCN = define(81, "ELIBSCN", ".lib section in a.out corrupted");
    /** Attempting to link in too many shared libraries. */
    public static final Errno ELIBMAX = define(82, "ELIBMAX", "Attempting to link in too many shared libraries");
    /** Cannot exec a shared library directly. */
    public static final Errno ELIBEXEC = define(83, "ELIBEXEC", "Cannot exec a shared library directly");
    /** Illegal byte sequence. */
    public static final Errno EILSEQ = define(84, "EILSEQ", "Illegal byte sequence");
    /** Interrupted system call should be restarted. */
    public static final Errno ERESTART = define(85, "ERESTART", "Interrupted system call should be restarted");
    /** Streams pipe error. */
    public static final Errno ESTRPIPE = define(86, "ESTRPIPE", "Streams pipe error");
    /** Too many users. */
    public static final Errno EUSERS = define(87, "EUSERS", "Too many users");
    /** Socket operation on non-socket. */
    public static final Errno ENOTSOCK = define(88, "ENOTSOCK", "Socket operation on non-socket");
    /** Destination address required. */
    public static final Errno EDESTADDRREQ = define(89, "EDESTADDRREQ", "Destination address required");
    /** Message too long. */
    public static final Errno EMSGSIZE = define(90, "EMSGSIZE", "Message too long");
    /** Protocol wrong type for socket. */
    public static final Errno EPROTOTYPE = define(91, "EPROTOTYPE", "Protocol wrong type for socket");
    /** Protocol not available. */
    public static final Errno ENOPROTOOPT = define(92, "ENOPROTOOPT", "Protocol not available");
    /** Protocol not supported. */
    public static final Errno EPROTONOSUPPORT = define(93, "EPROTONOSUPPORT", "Protocol not supported");
    /** Socket type not supported. */
    public static final Errno ESOCKTNOSUPPORT = define(94, "ESOCKTNOSUPPORT", "Socket type not supported");
    /** Operation not supported on transport endpoint. */
    public static final Errno EOPNOTSUPP = define(95, "EOPNOTSUPP", "Operation not supported on transport endpoint");
    /** Protocol family not supported. */
    public static final Errno EPFNOSUPPORT = define(96, "EPFNOSUPPORT", "Protocol family not supported");
    /** Address family not supported by protocol. */
    public static final Errno EAFNOSUPPORT = define(97, "EAFNOSUPPORT", "Address family not supported by protocol");
    /** Address already in use. */
    public static final Errno EADDRINUSE = define(98, "EADDRINUSE", "Address already in use");
    /** Cannot assign requested address. */
    public static final Errno EADDRNOTAVAIL = define(99, "EADDRNOTAVAIL", "Cannot assign requested address");
    /** Network is down. */
    public static final Errno ENETDOWN = define(100, "ENETDOWN", "Network is down");
    /** Network is unreachable. */
    public static final Errno ENETUNREACH = define(101, "ENETUNREACH", "Network is unreachable");
    /** Network dropped connection because of reset. */
    public static final Errno ENETRESET = define(102, "ENETRESET", "Network dropped connection because of reset");
    /** Software caused connection abort. */
    public static final Errno ECONNABORTED = define(103, "ECONNABORTED", "Software caused connection abort");
    /** Connection reset by peer. */
    public static final Errno ECONNRESET = define(104, "ECONNRESET", "Connection reset by peer");
    /** No buffer space available. */
    public static final Errno ENOBUFS = define(105, "ENOBUFS", "No buffer space available");
    /** Transport endpoint is already connected. */
    public static final Errno EISCONN = define(106, "EISCONN", "Transport endpoint is already connected");
    /** Transport endpoint is not connected. */
    public static final Errno ENOTCONN = define(107, "ENOTCONN", "Transport endpoint is not connected");
    /** Cannot send after transport endpoint shutdown. */
    public static final Errno ESHUTDOWN = define(108, "ESHUTDOWN", "Cannot send after transport endpoint shutdown");
    /** Too many references: cannot splice. */
    public static final Errno ETOOMANYREFS = define(109, "ETOOMANYREFS", "Too many references: cannot splice");
    /** Connection timed out. */
    public static final Errno ETIMEDOUT = define(110, "ETIMEDOUT", "Connection timed out");
    /** Connection refused. */
    public static final Errno ECONNREFUSED = define(111, "ECONNREFUSED", "Connection refused");
    /** Host is down. */
    public static final Errno EHOSTDOWN = define(112, "EHOSTDOWN", "Host is down");
    /** No route to host. */
    public static final Errno EHOSTUNREACH = define(113, "EHOSTUNREACH", "No route to host");
    /** Operation already in progress. */
    public static final Errno EALREADY = define(114, "EALREADY", "Operation already in progress");
    /** Operation now in progress. */
    public static final Errno EINPROGRESS = define(115, "EINPROGRESS", "Operation now in progress");
    /** Stale file handle. */
    public static final Errno ESTALE = define(116, "ESTALE", "Stale file handle");
    /** Structure needs cleaning. */
    public static final Errno EUCLEAN = define(117, "EUCLEAN", "Structure needs cleaning");
    /** Not a XENIX named type file. */
    public static final Errno ENOTNAM = define(118, "ENOTNAM", "Not a XENIX named type file");
    /** No XENIX semaphores available. */
    public static final Errno ENAVAIL = define(119, "ENAVAIL", "No XENIX semaphores available");
    /** Is a named type file. */
    public static final Errno EISNAM = define(120, "EISNAM", "Is a named type file");
    /** Remote I/O error. */
    public static final Errno EREMOTEIO = define(121, "EREMOTEIO", "Remote I/O error");
    /** Quota exceeded. */
    public static final Errno EDQUOT = define(122, "EDQUOT", "Quota exceeded");
    /** No medium found. */
    public static final Errno ENOMEDIUM = define(123, "ENOMEDIUM", "No medium found");
    /** Wrong medium type. */
    public static final Errno EMEDIUMTYPE = define(124, "EMEDIUMTYPE", "Wrong medium type");
    /** Operation Canceled. */
    public static final Errno ECANCELED = define(125, "ECANCELED", "Operation Canceled");
    /** Required key not available. */
    public static final Errno ENOKEY = define(126, "ENOKEY", "Required key not available");
    /** Key has expired. */
    public static final Errno EKEYEXPIRED = define(127, "EKEYEXPIRED", "Key has expired");
    /** Key has been revoked. */
    public static final Errno EKEYREVOKED = define(128, "EKEYREVOKED", "Key has been revoked");
    /** Key was rejected by service. */
    public static final Errno EKEYREJECTED = define(129, "EKEYREJECTED", "Key was rejected by service");
    /** Owner died. */
    public static final Errno EOWNERDEAD = define(130, "EOWNERDEAD", "Owner died");
    /** State not recoverable. */
    public static final Errno ENOTRECOVERABLE = define(131, "ENOTRECOVERABLE", "State not recoverable");
    /** Operation not possible due to RF-kill. */
    public static final Errno ERFKILL = define(132, "ERFKILL", "Operation not possible due to RF-kill");
    /** Memory page has hardware error. */
    public static final Errno EHWPOISON = define(133, "EHWPOISON", "Memory page has hardware error");
    /** Alias of {@link #EAGAIN}. */
    public static final Errno EWOULDBLOCK = EAGAIN;
    /** Alias of {@link #EDEADLK}. */
    public static final Errno EDEADLOCK = EDEADLK;

    static {
        for (int code = 1; code <= MAX_CODE; code++) {
            if (BY_CODE[code] == null) {
                BY_CODE[code] = new Errno(code, "errno " + code, "unknown error " + code);
            }
        }
    }

    private final int code;
    private final String name;
    private final String description;

    private Errno(int code, String name, String description) {
        this.code = code;
        this.name = name;
        this.description = description;
    }

    private static Errno define(int code, String name, String description) {
        Errno errno = new Errno(code, name, description);
        BY_CODE[code] = errno;
        return errno;
    }

    /**
     * The errno with this code.
     *
     * @throws IllegalArgumentException if {@code code} is not in 1..{@value #MAX_CODE}
     */
    public static Errno of(int code) {
        if (code < 1 || code > MAX_CODE) {
            throw new IllegalArgumentException("errno code " + code + " is outside 1.." + MAX_CODE);
        }
        return BY_CODE[code];
    }

    /** The errno with this code, or empty when the code is outside 1..{@value #MAX_CODE}. */
    public static Optional<Errno> lookup(int code) {
        return code < 1 || code > MAX_CODE ? Optional.empty() : Optional.of(BY_CODE[code]);
    }

    /** The named errno ("ENOENT"), or empty when Linux defines no errno of that name. */
    public static Optional<Errno> named(String name) {
        for (int code = 1; code <= MAX_CODE; code++) {
            if (BY_CODE[code].name.equals(name)) {
                return Optional.of(BY_CODE[code]);
            }
        }
        return Optional.empty();
    }

    /** The positive error code, 1..{@value #MAX_CODE}. */
    public int code() {
        return code;
    }

    /** The symbolic name, such as {@code ENOENT}; {@code "errno N"} for codes Linux leaves unnamed. */
    public String name() {
        return name;
    }

    /** The C library's description, such as "No such file or directory". */
    public String description() {
        return description;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Errno that && that.code == code;
    }

    @Override
    public int hashCode() {
        return code;
    }

    @Override
    public String toString() {
        return name + " (" + code + ", " + description + ")";
    }
}
