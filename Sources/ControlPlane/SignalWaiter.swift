import Dispatch
import Foundation

/// Waits for SIGTERM/SIGINT (stop) while handling SIGHUP (reload) on a dispatch queue,
/// away from the event loops.
///
/// The signals are taken over when the waiter is made — first thing at start — so a SIGTERM
/// that comes while the daemon is still starting (its console socket may already be there)
/// is kept and ends `run` at once, instead of killing the process with the default action.
/// A SIGHUP before `run` has nothing to reload yet and is ignored.
public final class SignalWaiter: @unchecked Sendable {
    private let queue = DispatchQueue(label: "mailsec.signals")
    private let lock = NSLock()
    private var stopRequested = false
    private var continuation: CheckedContinuation<Void, Never>?
    private var onReload: (@Sendable () -> Void)?
    private var sources: [DispatchSourceSignal] = []

    public init() {
        for signal in [SIGHUP, SIGTERM, SIGINT] { Foundation.signal(signal, SIG_IGN) }
        let hup = DispatchSource.makeSignalSource(signal: SIGHUP, queue: queue)
        hup.setEventHandler { [weak self] in self?.reload() }
        sources.append(hup)
        for signal in [SIGTERM, SIGINT] {
            let source = DispatchSource.makeSignalSource(signal: signal, queue: queue)
            source.setEventHandler { [weak self] in self?.stop() }
            sources.append(source)
        }
        for source in sources { source.resume() }
    }

    /// Returns once SIGTERM or SIGINT came (at once if one came already); SIGHUP runs
    /// `onReload` meanwhile.
    public func run(onReload: @escaping @Sendable () -> Void) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            lock.lock()
            self.onReload = onReload
            if stopRequested {
                lock.unlock()
                continuation.resume()
            } else {
                self.continuation = continuation
                lock.unlock()
            }
        }
    }

    private func reload() {
        lock.lock()
        let handler = onReload
        lock.unlock()
        handler?()
    }

    private func stop() {
        lock.lock()
        stopRequested = true
        let waiting = continuation
        continuation = nil
        lock.unlock()
        waiting?.resume()
    }
}
