/* For running twind under valgrind 3.19 (Debian 12): Swift's async main parks the main thread in libdispatch's
 * _dispatch_sigsuspend(), which passes a `static const sigset_t` (read-only memory) to sigsuspend(); valgrind's
 * syscall wrapper rewrites the mask in place and dies with SIGSEGV. LD_PRELOAD this to hand the kernel a writable
 * copy instead (scripts/bench runs `LD_PRELOAD=sigsuspend-shim.so valgrind --tool=callgrind twind ...`).
 * Build: cc -shared -fPIC -O2 -o sigsuspend-shim.so sigsuspend-shim.c */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

int sigsuspend(const sigset_t *mask) {
    sigset_t copy = *mask;
    return (int)syscall(SYS_rt_sigsuspend, &copy, (size_t)8);
}
