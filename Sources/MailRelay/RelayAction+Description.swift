import NIOCore

extension RelayAction: CustomStringConvertible {
    /// Readable in test failures: bytes as text with CR and LF shown.
    public var description: String {
        func text(_ buffer: ByteBuffer) -> String {
            var out = ""
            for scalar in String(decoding: buffer.readableBytesView, as: UTF8.self).unicodeScalars {
                switch scalar {
                case "\r": out += "\\r"
                case "\n": out += "\\n"
                default: out.unicodeScalars.append(scalar)
                }
            }
            return out
        }
        switch self {
        case .sendToServer(let bytes): return "sendToServer(\"\(text(bytes))\")"
        case .replyToClient(let bytes): return "replyToClient(\"\(text(bytes))\")"
        case .storeContent(let bytes): return "storeContent(\"\(text(bytes))\")"
        case .startCollecting: return "startCollecting"
        case .discardCollected: return "discardCollected"
        case .scanMessage(let subject, let size): return "scanMessage(\(subject), size: \(size))"
        case .sendStoredMessage(let side): return "sendStoredMessage(to: \(side))"
        case .sendRewrittenMessage(let side, let header, let storedFrom):
            return "sendRewrittenMessage(to: \(side), header: \"\(text(header))\", storedFrom: \(storedFrom))"
        case .releaseMessage: return "releaseMessage"
        case .notice(let notice): return "notice(\(notice))"
        case .pauseClientReads: return "pauseClientReads"
        case .resumeClientReads: return "resumeClientReads"
        case .closeClient: return "closeClient"
        case .closeServer: return "closeServer"
        case .secureServer: return "secureServer"
        case .secureClient: return "secureClient"
        }
    }
}
