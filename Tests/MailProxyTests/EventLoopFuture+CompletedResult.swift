import NIOCore

extension EventLoopFuture {
    /// The result if the future is already complete, nil if it is still pending. Call on its loop.
    var completedResult: Result<Value, any Error>? {
        var result: Result<Value, any Error>?
        assumeIsolated().whenComplete { result = $0 }
        return result
    }

    /// Complete (either way) already.
    var isComplete: Bool { completedResult != nil }
}
