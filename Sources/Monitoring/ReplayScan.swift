import ApplianceConfig
import Foundation
import MessageInspection
import NIOCore
import NIOPosix
import PacketLayer
import Telemetry
import ScanClient

/// `mailsec replay --scan`: every message of the capture is also scanned by the configured
/// scan service, one at a time, as the daemon would scan it (SMTP as `send`, POP3 as
/// `receive`), and the verdict is appended to its line:
///
///     … subject="GTUBE" scan=spam score=100 viruses=-
///     … subject="hello" scan=clean score=0 viruses=-
///     … subject="EICAR" scan=virus score=0 viruses=EICAR-Test-File
///     … subject="cut" incomplete scan=unscanned (incomplete message)
///     … encrypted client=… server=… scan=unscanned (encrypted session)
///
/// The result keyword is docs/product.md §4's under the configured `mail security spam level`; a message
/// over `mail security max size` is not sent (as the daemon would not scan it either).
public struct ReplayScan {
    /// Whose `mail security spam level` and `max size` apply.
    public let configuration: Configuration
    /// How to reach the scan service (the configuration's `ysc …` and the CA bundle).
    public let clientConfiguration: ScanClientConfiguration

    public init(configuration: Configuration, clientConfiguration: ScanClientConfiguration) {
        self.configuration = configuration
        self.clientConfiguration = clientConfiguration
    }

    /// Replays `path` with scanning and returns the report text.
    public func run(path: String) throws -> String {
        let maximumBytes = configuration.maxSizeMegabytes << 20
        let retention = ContentRetention(maximumMessageBytes: maximumBytes, budget: ContentBudget(limit: maximumBytes))
        let messages = try Replay.run(path: path, retention: retention)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let client = ScanClient(configuration: clientConfiguration)
        defer {
            client.shutdown()
            try? group.syncShutdownGracefully()
        }
        let policy = InspectionPolicy(spamLevel: configuration.spamLevel)
        var report = ""
        for (number, message) in messages.enumerated() {
            let verdict = scan(message, number: number + 1, client: client, eventLoop: group.next())
            report += ReplayReport.line(message) + " scan=" + Self.text(verdict, policy: policy) + "\n"
        }
        return report
    }

    public enum Verdict: Equatable, Sendable {
        case scanned(score: Int, viruses: [String])
        case unscanned(String)
    }

    private func scan(_ message: ReplayedMessage, number: Int, client: ScanClient, eventLoop: any EventLoop) -> Verdict {
        switch message.status {
        case .encrypted: return .unscanned("encrypted session")
        case .incomplete: return .unscanned("incomplete message")
        case .gap: return .unscanned("bytes missing from the capture")
        case .complete: break
        }
        let bytes: [UInt8]
        switch message.content {
        case .kept(let kept): bytes = kept
        case .overSize: return .unscanned("over max size")
        case .overBudget, .notKept: return .unscanned("content not kept")
        }
        // The scan protocol refuses an empty body (400): nothing to judge, so it is not sent.
        guard !bytes.isEmpty else { return .unscanned("empty message") }
        let task = client.scan(ByteBuffer(bytes: bytes), operation: message.mailProtocol == .smtp ? .send : .receive,
                               requestID: "replay-\(number)", on: eventLoop)
        guard let outcome = try? task.futureResult.wait() else { return .unscanned("scan abandoned") }
        if let verdict = outcome.verdict { return .scanned(score: verdict.spamScore, viruses: verdict.viruses) }
        return .unscanned(Self.reason(outcome.failure))
    }

    /// The words appended to the message's line; the result is the one the daemon's monitor
    /// counts (`InspectionPolicy.result`).
    public static func text(_ verdict: Verdict, policy: InspectionPolicy) -> String {
        switch verdict {
        case .scanned(let score, let viruses):
            let keyword = policy.result(score: score, virusNames: viruses)?.keyword ?? "clean"
            let names = viruses.isEmpty ? "-" : viruses.map { ReplayReport.escapedWord($0) }.joined(separator: ",")
            return "\(keyword) score=\(score) viruses=\(names)"
        case .unscanned(let reason):
            return "unscanned (\(ReplayReport.escapedWord(reason)))"
        }
    }

    /// Why the service gave no verdict: the failure class, then the detail (libcurl's text or
    /// the service's `error`) unless it only repeats the class.
    public static func reason(_ failure: ScanFailure?) -> String {
        let text = reason(failure?.kind)
        var detail = failure?.detail ?? ""
        if case .httpStatus(let code)? = failure?.kind, detail.hasPrefix("HTTP \(code)") {
            detail = String(detail.dropFirst("HTTP \(code)".count).drop { $0 == ":" || $0 == " " })
        }
        return detail.isEmpty ? text : "\(text): \(detail)"
    }

    public static func reason(_ kind: ScanFailureKind?) -> String {
        switch kind {
        case .nameResolution?: "scan service name not resolved"
        case .connect?: "scan service unreachable"
        case .tls?: "TLS failure with the scan service"
        case .timeout?: "scan service timed out"
        case .read?: "read error from the scan service"
        case .httpStatus(let code)?: "scan service answered HTTP \(code)"
        case .badReply?: "bad reply from the scan service"
        case .unavailable?: "scan service unavailable"
        case .cancelled?, nil: "scan abandoned"
        }
    }
}
