import CCurl
import Foundation
import NIOConcurrencyHelpers
import NIOCore

/// The one curl multi handle of the process, driven by its own thread.
///
/// Why a thread: libcurl's multi interface is not thread-safe and `curl_multi_poll` blocks, so
/// the handle lives on a thread that does nothing else. Event loops only append to a locked
/// inbox and call `curl_multi_wakeup` (the one multi call documented as callable from any
/// thread); they never wait for curl. Completions are called on the curl thread and must be
/// quick (completing a promise is).
///
/// Why one multi handle: its connection cache is what keeps TLS connections to the service
/// alive between messages, and its DNS cache spares a lookup per message.
final class CurlEngine: @unchecked Sendable {
    /// Upper bound of simultaneous connections to the scan service; further transfers queue
    /// inside libcurl until a connection is free.
    static let maxConnectionsPerHost = 64
    /// Idle keep-alive connections kept in the cache.
    static let maxCachedConnections = 64
    /// How long the thread sleeps in `curl_multi_poll` when nothing happens (it is woken early
    /// by `curl_multi_wakeup` for new work).
    static let idlePollMilliseconds: Int32 = 1000

    private struct Inbox {
        var starts: [(CurlTransferID, CurlRequest, @Sendable (CurlExchange) -> Void)] = []
        var cancels: [CurlTransferID] = []
        var stopping = false
        var stopped = false
        var nextID: UInt64 = 1
    }

    private let multi: UnsafeMutableRawPointer
    private let inbox = NIOLockedValueBox(Inbox())
    private let exited = DispatchSemaphore(value: 0)
    /// Curl thread only.
    private var active: [UnsafeMutableRawPointer: CurlTransfer] = [:]
    private var activeByID: [CurlTransferID: UnsafeMutableRawPointer] = [:]

    private static let globalInit: Void = { curl_global_init(Int(CURL_GLOBAL_DEFAULT)) }()

    init() {
        _ = Self.globalInit
        multi = curl_multi_init()!
        ccurl_multi_setopt_long(multi, CURLMOPT_MAX_HOST_CONNECTIONS, Self.maxConnectionsPerHost)
        ccurl_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, Self.maxCachedConnections)
        let thread = Thread { [self] in self.run() }
        thread.name = "curl-multi"
        thread.start()
    }

    /// Queues `request`; `completion` runs once, on the curl thread, with the outcome (also when
    /// cancelled or when the engine shuts down).
    @discardableResult
    func submit(_ request: CurlRequest, completion: @escaping @Sendable (CurlExchange) -> Void) -> CurlTransferID {
        let id: CurlTransferID? = inbox.withLockedValue { (inbox: inout Inbox) -> CurlTransferID? in
            guard !inbox.stopping else { return nil }
            let id = CurlTransferID(rawValue: inbox.nextID)
            inbox.nextID += 1
            inbox.starts.append((id, request, completion))
            // Woken under the lock: the thread frees the multi handle only after marking the
            // inbox stopped under the same lock, so the handle is alive here.
            curl_multi_wakeup(multi)
            return id
        }
        guard let id else {
            completion(.cancelledExchange())
            return CurlTransferID(rawValue: 0)
        }
        return id
    }

    /// Aborts a transfer; its completion reports `cancelled`. Unknown or finished IDs are ignored.
    func cancel(_ id: CurlTransferID) {
        inbox.withLockedValue { inbox in
            guard !inbox.stopped else { return }
            inbox.cancels.append(id)
            curl_multi_wakeup(multi)
        }
    }

    /// Cancels everything in flight, stops the thread and waits for it. The owner must call it:
    /// the thread keeps the engine alive until then.
    func shutdown() {
        let alreadyStopping = inbox.withLockedValue { inbox in
            defer { inbox.stopping = true }
            if !inbox.stopping { curl_multi_wakeup(multi) }
            return inbox.stopping
        }
        guard !alreadyStopping else { return }
        exited.wait()
    }

    // MARK: curl thread

    private func run() {
        var running: Int32 = 0
        while true {
            let (starts, cancels, stopping) = inbox.withLockedValue { inbox in
                defer { inbox.starts.removeAll(); inbox.cancels.removeAll() }
                return (inbox.starts, inbox.cancels, inbox.stopping)
            }
            for (id, request, completion) in starts { start(id, request, completion) }
            for id in cancels { abort(id) }
            if stopping {
                for id in Array(activeByID.keys) { abort(id) }
                break
            }
            curl_multi_perform(multi, &running)
            collectFinished()
            curl_multi_poll(multi, nil, 0, Self.idlePollMilliseconds, nil)
        }
        let leftovers = inbox.withLockedValue { inbox in
            inbox.stopped = true
            return inbox.starts
        }
        for (_, _, completion) in leftovers { completion(.cancelledExchange()) }
        curl_multi_cleanup(multi)
        exited.signal()
    }

    private func start(_ id: CurlTransferID, _ request: CurlRequest, _ completion: @escaping @Sendable (CurlExchange) -> Void) {
        guard let transfer = CurlTransfer(id: id, request: request, completion: completion) else {
            var failed = CurlExchange.cancelledExchange()
            failed.cancelled = false
            failed.curlCode = 27 // CURLE_OUT_OF_MEMORY
            failed.errorText = "cannot allocate a curl handle"
            completion(failed)
            return
        }
        active[transfer.easy] = transfer
        activeByID[id] = transfer.easy
        curl_multi_add_handle(multi, transfer.easy)
    }

    private func abort(_ id: CurlTransferID) {
        guard let easy = activeByID.removeValue(forKey: id), let transfer = active.removeValue(forKey: easy) else { return }
        curl_multi_remove_handle(multi, easy)
        transfer.completion(.cancelledExchange())
    }

    private func collectFinished() {
        var queued: Int32 = 0
        while let message = curl_multi_info_read(multi, &queued) {
            guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle else { continue }
            let result = ccurl_msg_result(message)
            guard let transfer = active.removeValue(forKey: easy) else { continue }
            activeByID.removeValue(forKey: transfer.id)
            let exchange = transfer.exchange(result: result)
            // Removing the handle keeps its connection in the multi handle's cache for reuse.
            curl_multi_remove_handle(multi, easy)
            transfer.completion(exchange)
        }
    }
}
