import LineProtocol
import MailRelay
import NIOCore

/// Streaming a stored message to the side the machine names (SMTP: the server, POP3: the
/// client): a new header first when the decision rewrote one, then the store from where the
/// old header ended, through `DotStuffer`, one chunk at a time while that side can take writes.
extension RelaySession {
    struct Delivery {
        var side: RelaySide
        var buffer: MessageBuffer
        var reader: MessageBufferReader?
        var stuffer = DotStuffer()
        var readInFlight = false
    }

    func startDelivery(to side: RelaySide, header: ByteBuffer?, storedFrom: Int) {
        guard let buffer, !buffer.isTruncated else {
            // Nothing whole to deliver (the store's cap): the side must not take a partial
            // message as whole.
            return abandonDelivery(to: side)
        }
        delivery = Delivery(side: side, buffer: buffer)
        // A message delivered without a scan (over size; POP3's TOP) is finished here.
        buffer.finish().assumeIsolated().whenComplete { result in
            guard self.delivery?.buffer === buffer, self.delivery?.reader == nil else { return }
            guard case .success = result else { return self.abandonDelivery(to: side) }
            self.delivery?.reader = buffer.makeReader(from: storedFrom)
            if let header {
                var out = ByteBuffer()
                self.delivery?.stuffer.encode(header, into: &out)
                self.handler(side)?.write(out)
            }
            self.pumpDelivery()
        }
    }

    private func handler(_ side: RelaySide) -> ProxySideHandler? {
        side == .client ? client : server
    }

    /// Writes chunks while the side is writable. An in-memory message answers each read at
    /// once: that case loops here instead of recursing through the callbacks.
    func pumpDelivery() {
        guard let side = delivery?.side else { return }
        // Written chunks go out in one flush when the loop stops (writability counts them
        // before the flush, so the loop still stops at the high-water mark).
        defer { handler(side)?.flush() }
        while let delivery, let reader = delivery.reader, !delivery.readInFlight {
            guard handler(side)?.isWritable ?? false else { return }
            self.delivery?.readInFlight = true
            var inCall = true
            var immediate: Result<ByteBuffer?, any Error>?
            reader.next().assumeIsolated().whenComplete { result in
                if inCall {
                    immediate = result
                } else if self.consume(result) {
                    self.pumpDelivery()
                }
            }
            inCall = false
            guard let result = immediate, consume(result) else { return }
        }
    }

    /// Writes one chunk read back; false when the delivery is over (done or failed).
    private func consume(_ result: Result<ByteBuffer?, any Error>) -> Bool {
        guard var current = delivery else { return false }
        current.readInFlight = false
        let side = current.side
        switch result {
        case .failure:
            abandonDelivery(to: side)
            return false
        case .success(let chunk?):
            var out = ByteBuffer()
            current.stuffer.encode(chunk, into: &out)
            delivery = current
            handler(side)?.write(out)
            return true
        case .success(nil):
            var out = ByteBuffer()
            current.stuffer.finish(into: &out)
            delivery = nil
            if current.buffer !== buffer { current.buffer.discard() }
            let target = handler(side)
            target?.write(out)
            for bytes in deferredWrites { target?.write(bytes) }
            deferredWrites.removeAll()
            target?.flush()
            if closeAfterDelivery {
                closeAfterDelivery = false
                target?.closeAfterWrites()
            }
            updateReads()
            return false
        }
    }

    /// The delivery ends unfinished (its side closed, or the session ended).
    func dropDelivery() {
        if let current = delivery, current.buffer !== buffer { current.buffer.discard() }
        delivery = nil
        deferredWrites.removeAll()
        closeAfterDelivery = false
    }

    /// The stored message cannot be read back: the side must not take a partial message as
    /// whole. It closes without the terminator: an SMTP server drops the transaction and the
    /// client hears from the machine that the server is gone (421); for POP3 both sides close,
    /// the server's without QUIT, so nothing is deleted and the client retries.
    private func abandonDelivery(to side: RelaySide) {
        dropDelivery()
        if Machine.abandonedDeliveryClosesBothSides || side == .client, clientOpen { client?.context?.close(promise: nil) }
        if Machine.abandonedDeliveryClosesBothSides || side == .server, serverOpen { server?.context?.close(promise: nil) }
    }
}
