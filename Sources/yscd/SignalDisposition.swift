#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// yscd stops on SIGTERM/SIGINT with the default action. A parent may have started it with
/// those signals blocked or ignored (both are inherited across exec: supervisors, test runners
/// that spawn from a thread with a blocked mask), which would make the service unstoppable
/// except by SIGKILL; so the defaults are restored explicitly before anything else runs.
enum SignalDisposition {
    static func restoreTerminationDefaults() {
        var set = sigset_t()
        sigemptyset(&set)
        for number in [SIGTERM, SIGINT, SIGHUP] {
            sigaddset(&set, number)
            _ = signal(number, SIG_DFL)
        }
        sigprocmask(SIG_UNBLOCK, &set, nil)
    }
}
