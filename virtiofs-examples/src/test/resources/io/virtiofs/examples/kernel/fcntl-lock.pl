#!/usr/bin/perl
# A second process for the kernel lock tests: takes or tests one POSIX record lock with fcntl(2).
#
# usage: fcntl-lock.pl PATH COMMAND TYPE START LENGTH [hold]
#   COMMAND  5 F_GETLK, 6 F_SETLK, 7 F_SETLKW      TYPE  0 F_RDLCK, 1 F_WRLCK, 2 F_UNLCK
# Prints "calling" just before fcntl, then one of: "locked"; "free" or "conflict TYPE START LENGTH
# PID" (F_GETLK); "errno N" (exit 1). With "hold", keeps the lock until killed.
use strict;
use warnings;

$| = 1;
$SIG{INT} = 'DEFAULT'; # a child may inherit SIGINT ignored; the tests interrupt waiters with it

my ($path, $command, $type, $start, $length, $hold) = @ARGV;
open(my $fh, '+<', $path) or do { print "errno ", $! + 0, "\n"; exit 2; };
# struct flock on 64-bit Linux: short l_type, short l_whence, (pad), off_t l_start, off_t l_len, pid_t l_pid
my $lock = pack('s s x4 q q l x4', $type, 0, $start, $length, 0);
print "calling\n";
unless (fcntl($fh, $command, $lock)) {
    print "errno ", $! + 0, "\n";
    exit 1;
}
if ($command == 5) {
    my ($t, $whence, $s, $l, $pid) = unpack('s s x4 q q l x4', $lock);
    print $t == 2 ? "free\n" : "conflict $t $s $l $pid\n";
} else {
    print "locked\n";
}
if (defined $hold) {
    print "holding\n";
    sleep 1 while 1;
}
exit 0;
