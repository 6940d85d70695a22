import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A child process started with default signal handling and an empty signal mask, reaped with `waitpid`.
///
/// Foundation's `Process` passes on the calling thread's signal mask, and a Dispatch worker blocks SIGTERM, which
/// the child then never sees; and its `isRunning` does not change unless something waits for it.
public final class ChildProcess: @unchecked Sendable {
    public let pid: pid_t
    private let lock = NSLock()
    private var status: Int32?

    private init(pid: pid_t) {
        self.pid = pid
    }

    /// Starts `executable`; stdout and stderr are appended to `outputPath` (or discarded). `environment` replaces
    /// the inherited one when given.
    public static func spawn(_ executable: String, arguments: [String], outputPath: String? = nil,
                             environment: [String: String]? = nil) throws -> ChildProcess {
        ChildProcess(pid: try TestSupport.spawn(executable, arguments: arguments, outputPath: outputPath,
                                                environment: environment))
    }

    public var isRunning: Bool { exitStatus == nil }

    /// The raw wait status once the process has exited, nil while it runs.
    public var exitStatus: Int32? {
        lock.withLock {
            if status == nil { status = reap(pid, block: false) }
            return status
        }
    }

    public func signal(_ signal: Int32) {
        if isRunning { kill(pid, signal) }
    }

    /// Sends `signal` and waits for the exit; returns the raw wait status.
    @discardableResult
    public func stop(_ signal: Int32 = SIGTERM, timeout: Duration) async throws -> Int32 {
        self.signal(signal)
        try await waitUntil(timeout: timeout) { !isRunning }
        return exitStatus ?? -1
    }

    deinit {
        if status == nil {
            kill(pid, SIGKILL)
            _ = reap(pid, block: true)
        }
    }
}

func spawn(_ executable: String, arguments: [String], outputPath: String? = nil,
           environment: [String: String]? = nil) throws -> pid_t {
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var mask = sigset_t()
    sigemptyset(&mask)
    posix_spawnattr_setsigmask(&attributes, &mask)
    var defaults = sigset_t()
    sigemptyset(&defaults)
    for signal in [SIGPIPE, SIGTERM, SIGINT, SIGHUP] { sigaddset(&defaults, signal) }
    posix_spawnattr_setsigdefault(&attributes, &defaults)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    let output = outputPath ?? "/dev/null"
    posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_APPEND, 0o644)
    posix_spawn_file_actions_adddup2(&actions, 1, 2)
    let argv = ([executable] + arguments).map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    var pid: pid_t = 0
    let rc: Int32
    if let environment {
        var envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { envp.forEach { free($0) } }
        rc = posix_spawn(&pid, executable, &actions, &attributes, argv, &envp)
    } else {
        rc = posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
    }
    guard rc == 0 else { throw BrokerError("cannot start \(executable): \(String(cString: strerror(rc)))") }
    return pid
}

/// The exit status of `pid` once it has exited (reaping it), or nil while it runs.
func reap(_ pid: pid_t, block: Bool) -> Int32? {
    var status: Int32 = 0
    let rc = waitpid(pid, &status, block ? 0 : WNOHANG)
    if rc == pid || (rc < 0 && errno == ECHILD) { return status }
    return nil
}
