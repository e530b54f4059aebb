import NIOCore

/// The rewrites this session applied, by message number (RFC 1939 §5: numbers are stable within
/// a session), so that TOP shows the same tags as RETR (docs/product.md §3). Bounded in count and bytes.
struct RememberedRewrites: Sendable {
    struct Rewrite: Equatable, Sendable {
        var header: ByteBuffer
        var replacing: Int
    }

    private var entries: [(message: Int, rewrite: Rewrite)] = []
    private var headerBytes = 0

    func rewrite(for message: Int) -> Rewrite? {
        entries.last { $0.message == message }?.rewrite
    }

    mutating func set(_ rewrite: Rewrite?, for message: Int) {
        if let index = entries.firstIndex(where: { $0.message == message }) {
            headerBytes -= entries[index].rewrite.header.readableBytes
            entries.remove(at: index)
        }
        guard let rewrite, rewrite.header.readableBytes <= POP3Limits.maximumRememberedHeaderBytes else { return }
        while !entries.isEmpty && (entries.count >= POP3Limits.maximumRememberedDecisions
            || headerBytes + rewrite.header.readableBytes > POP3Limits.maximumRememberedHeaderBytes) {
            headerBytes -= entries.removeFirst().rewrite.header.readableBytes
        }
        entries.append((message, rewrite))
        headerBytes += rewrite.header.readableBytes
    }

    var count: Int { entries.count }
}
