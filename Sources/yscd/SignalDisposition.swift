#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import NIOCore

/// yscd stops on SIGTERM/SIGINT. A parent may have started it with those signals blocked or
/// ignored (both are inherited across exec: supervisors, test runners that spawn from a thread
/// with a blocked mask), which would make the service unstoppable except by SIGKILL; so the
/// defaults are restored explicitly before anything else runs.
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

    /// Once the listener is up, SIGTERM/SIGINT close it instead of killing the process: `run`
    /// then returns and the process exits normally, so exit handlers run (an AddressSanitizer
    /// build checks for leaks there; the default action would end the process before any check,
    /// `make hygiene`). Keep the returned sources alive while serving.
    static func closeOnTermination(_ channel: any Channel) -> [any DispatchSourceSignal] {
        [SIGTERM, SIGINT].map { number in
            _ = signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { channel.close(promise: nil) }
            source.resume()
            return source
        }
    }
}
