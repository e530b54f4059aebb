import Dispatch
import Foundation

/// Waits for SIGTERM/SIGINT (stop) while handling SIGHUP (reload) on a dispatch queue,
/// away from the event loops.
final class SignalWaiter: Sendable {
    private let queue = DispatchQueue(label: "mailsecd.signals")

    func run(onReload: @escaping @Sendable () -> Void) async {
        for signal in [SIGHUP, SIGTERM, SIGINT] { Foundation.signal(signal, SIG_IGN) }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let once = OnceFlag()
            var sources: [DispatchSourceSignal] = []
            let hup = DispatchSource.makeSignalSource(signal: SIGHUP, queue: queue)
            hup.setEventHandler(handler: onReload)
            sources.append(hup)
            for signal in [SIGTERM, SIGINT] {
                let source = DispatchSource.makeSignalSource(signal: signal, queue: queue)
                source.setEventHandler {
                    if once.claim() { continuation.resume() }
                }
                sources.append(source)
            }
            for source in sources { source.resume() }
            // Keep the sources alive for the daemon's lifetime.
            SignalSources.keep(sources)
        }
    }
}

private final class OnceFlag: @unchecked Sendable {
    private var claimed = false
    private let lock = NSLock()
    func claim() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        if claimed { return false }
        claimed = true
        return true
    }
}

private enum SignalSources {
    nonisolated(unsafe) static var kept: [DispatchSourceSignal] = []
    static func keep(_ sources: [DispatchSourceSignal]) { kept = sources }
}
