import NIOConcurrencyHelpers
import NIOCore

/// How many sessions each client address has open on a listener, so one host cannot take every
/// session the appliance can carry (RFC 5321 §7.8 leaves such limits to the server; Postfix's
/// `smtpd_client_connection_count_limit` is the same idea). Shared by the sessions of a
/// listener across event loops: a lock around one small dictionary, held for one update.
///
/// Bounded: an entry exists only while its address has a session open, and sessions are bounded
/// by the memory budget, so the table never holds more entries than there are sessions.
public final class ClientSessionTable: Sendable {
    /// The most sessions one client address may have open at once, read at each admission
    /// (nil: no cap of its own; the memory budget still bounds the sessions). The daemon reads
    /// `mail security max client sessions` here, so a console change applies to the next session.
    private let limit: @Sendable () -> Int?
    private let counts = NIOLockedValueBox<[String: Int]>([:])

    public init(limit: @escaping @Sendable () -> Int?) {
        self.limit = limit
    }

    /// A fixed cap (`limit` > 0).
    public convenience init(limit: Int = MailProxyLimits.defaultSessionsPerClient) {
        precondition(limit > 0)
        self.init(limit: { limit })
    }

    /// One session counted against its address; `release()` it exactly once when the session ends.
    public struct Slot: Sendable {
        let table: ClientSessionTable
        let address: String

        public func release() { table.release(address) }
    }

    /// A slot for a new session from `address`, or nil when the address is at its limit.
    public func tryOpen(_ address: String) -> Slot? {
        let limit = self.limit()
        let admitted = counts.withLockedValue { counts -> Bool in
            let open = counts[address, default: 0]
            if let limit, open >= limit { return false }
            counts[address] = open + 1
            return true
        }
        return admitted ? Slot(table: self, address: address) : nil
    }

    /// Sessions open from `address` now.
    public func openSessions(_ address: String) -> Int {
        counts.withLockedValue { $0[address, default: 0] }
    }

    fileprivate func release(_ address: String) {
        counts.withLockedValue { counts in
            guard let open = counts[address] else { return }
            if open <= 1 { counts[address] = nil } else { counts[address] = open - 1 }
        }
    }
}

/// Bounds that apply to every mail listener (SMTP and POP3 alike).
public enum MailProxyLimits {
    /// Concurrent sessions one client address may hold on one listener unless
    /// `mail security max client sessions` says otherwise. It must not throttle an office's own
    /// mail server: Postfix runs up to `default_process_limit` = 100 delivery processes at once,
    /// all of them from the server's one address, so the default sits above that; POP3 clients
    /// open one per mailbox. Past it the new session hears `421 4.7.0` (SMTP) or
    /// `-ERR [SYS/TEMP]` (POP3) and a syslog line names the address (docs/reliability.md).
    public static let defaultSessionsPerClient = 128

    /// Connections the kernel queues for a listener before mailsecd accepts them (capped by
    /// `net.core.somaxconn`). A burst beyond the queue is dropped at the handshake's last ACK;
    /// SMTP and POP3 clients wait for the server's greeting first, so such a client never learns
    /// its connection is gone and hangs until its own timeout. 256 overflowed when 1,000 sessions
    /// connected at once (the memory benchmark); a burst of this size is cheap to queue.
    public static let listenBacklog: Int32 = 4096
}

extension SocketAddress {
    /// The IP address alone (no port), the key of `ClientSessionTable`.
    var hostKey: String? { ipAddress }
}
